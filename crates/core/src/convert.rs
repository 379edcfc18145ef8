//! Converting stored values between column kinds, for kind changes (add-copy-drop).
//! A value converts only when nothing is lost; the planner refuses otherwise.

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::fields::ColumnKind;

/// Convert one stored (non-null) value, in its JSON form, to another column kind. The
/// result is one the new column stores exactly (`stored::encode`), or there is none.
pub fn convert(value: &Value, from: ColumnKind, to: ColumnKind) -> Option<Value> {
    convert_value(value, from, to).filter(|v| crate::stored::encode(to, v).is_ok())
}

fn convert_value(value: &Value, from: ColumnKind, to: ColumnKind) -> Option<Value> {
    use ColumnKind::*;
    if value.is_null() {
        return Some(Value::Null);
    }
    if from == to {
        return Some(value.clone());
    }
    match to {
        Json => Some(value.clone()),
        Text => Some(Value::String(match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })),
        Integer => match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .map(Value::from),
            Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
            Value::Bool(b) => Some(Value::from(*b as i64)),
            _ => None,
        },
        Number => match value {
            Value::Number(n) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            Value::Bool(b) => Some(Value::from(*b as i64 as f64)),
            _ => None,
        },
        Boolean => match value {
            Value::Bool(b) => Some(Value::Bool(*b)),
            Value::Number(n) => match n.as_f64() {
                Some(0.0) => Some(Value::Bool(false)),
                Some(1.0) => Some(Value::Bool(true)),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(Value::Bool(true)),
                "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => None,
        },
        Timestamp => {
            let s = value.as_str()?;
            if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
                return Some(Value::String(
                    t.with_timezone(&Utc)
                        .to_rfc3339_opts(SecondsFormat::AutoSi, true),
                ));
            }
            let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
            Some(Value::String(
                d.and_time(NaiveTime::MIN)
                    .and_utc()
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            ))
        }
        Date => {
            let s = value.as_str()?.trim();
            if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return Some(Value::String(d.format("%Y-%m-%d").to_string()));
            }
            // A timestamp converts only when it is a whole day: nothing is cut off.
            let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
            (t.time() == NaiveTime::MIN)
                .then(|| Value::String(t.date_naive().format("%Y-%m-%d").to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnKind::*;
    use serde_json::json;

    #[test]
    fn conversions_that_lose_nothing() {
        assert_eq!(convert(&json!("42"), Text, Integer), Some(json!(42)));
        assert_eq!(convert(&json!("4.5"), Text, Integer), None);
        assert_eq!(convert(&json!(7), Integer, Number), Some(json!(7.0)));
        assert_eq!(convert(&json!(7.0), Number, Integer), Some(json!(7)));
        assert_eq!(convert(&json!(7.5), Number, Integer), None);
        assert_eq!(convert(&json!(12), Integer, Text), Some(json!("12")));
        assert_eq!(convert(&json!(true), Boolean, Text), Some(json!("true")));
        assert_eq!(convert(&json!("yes"), Text, Boolean), None);
        assert_eq!(
            convert(&json!("2026-01-02"), Date, Timestamp),
            Some(json!("2026-01-02T00:00:00Z"))
        );
        assert_eq!(
            convert(&json!("2026-01-02T00:00:00Z"), Timestamp, Date),
            Some(json!("2026-01-02"))
        );
        assert_eq!(
            convert(&json!("2026-01-02T10:00:00Z"), Timestamp, Date),
            None
        );
        assert_eq!(convert(&json!(["a"]), Json, Text), Some(json!("[\"a\"]")));
        assert_eq!(convert(&json!("x"), Text, Json), Some(json!("x")));
        assert_eq!(convert(&Value::Null, Text, Integer), Some(Value::Null));
    }
}

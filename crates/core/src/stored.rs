//! A field value as its column stores it, exactly or not at all.
//!
//! The validator judges a value by JSON Schema's rules, which are wider than any column:
//! `5.0` and `1e3` are integers, numbers may be beyond what a double holds exactly,
//! strings may hold NUL (PostgreSQL's text cannot), date-times may carry nanoseconds
//! or an offset that moves them past year 9999. Every value the API stores passes
//! through `encode`, which either gives the exact column value or says why there is
//! none, so nothing valid is ever stored as something else or as NULL. Backfills and
//! kind conversions use the same function.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};
use serde_json::{Number, Value};

use crate::fields::ColumnKind;

/// The value a column holds. `Null` is the absence of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Null,
    Text(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
    Timestamp(DateTime<Utc>),
    Date(NaiveDate),
    Json(Value),
}

/// Years a timestamp or date may have: what RFC 3339 can write back (four digits) and
/// every backend stores. Year 0 is left out: PostgreSQL reads it as 1 BC.
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// 2^63: i64::MAX + 1, the first double past the signed 64-bit integers.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// The column value of a (validated) JSON value, or why it cannot be stored exactly.
pub fn encode(kind: ColumnKind, value: &Value) -> Result<Stored, String> {
    if value.is_null() {
        return Ok(Stored::Null);
    }
    match kind {
        ColumnKind::Text => match value {
            Value::String(s) => {
                check_text(s)?;
                Ok(Stored::Text(s.clone()))
            }
            other => Err(format!("expected a string, got {}", kind_name(other))),
        },
        ColumnKind::Integer => match value {
            Value::Number(n) => integer(n).map(Stored::Integer),
            other => Err(format!("expected an integer, got {}", kind_name(other))),
        },
        ColumnKind::Number => match value {
            Value::Number(n) => number(n).map(Stored::Number),
            other => Err(format!("expected a number, got {}", kind_name(other))),
        },
        ColumnKind::Boolean => match value {
            Value::Bool(b) => Ok(Stored::Boolean(*b)),
            other => Err(format!("expected a boolean, got {}", kind_name(other))),
        },
        ColumnKind::Timestamp => match value {
            Value::String(s) => timestamp(s).map(Stored::Timestamp),
            other => Err(format!(
                "expected a date-time string, got {}",
                kind_name(other)
            )),
        },
        ColumnKind::Date => match value {
            Value::String(s) => date(s).map(Stored::Date),
            other => Err(format!("expected a date string, got {}", kind_name(other))),
        },
        ColumnKind::Json => {
            check_json(value)?;
            Ok(Stored::Json(value.clone()))
        }
    }
}

/// A stored value back in the JSON form the API speaks.
pub fn decode(stored: Stored) -> Value {
    match stored {
        Stored::Null => Value::Null,
        Stored::Text(s) => Value::String(s),
        Stored::Integer(i) => Value::from(i),
        Stored::Number(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        Stored::Boolean(b) => Value::Bool(b),
        Stored::Timestamp(t) => Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        Stored::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
        Stored::Json(v) => v,
    }
}

/// Text that every backend stores as written: PostgreSQL refuses NUL in text.
pub fn check_text(s: &str) -> Result<(), String> {
    if s.contains('\0') {
        Err("text cannot contain the NUL character (\\u0000)".into())
    } else {
        Ok(())
    }
}

fn integer(n: &Number) -> Result<i64, String> {
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if n.is_u64() {
        return Err(format!(
            "{n} is beyond the largest storable integer ({})",
            i64::MAX
        ));
    }
    // A whole-number float (`5.0`, `1e3`) is an integer to JSON Schema.
    let f = n.as_f64().unwrap_or(f64::NAN);
    if f.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&f) {
        Ok(f as i64)
    } else if f.fract() == 0.0 {
        Err(format!(
            "{n} is beyond the storable integers ({} to {})",
            i64::MIN,
            i64::MAX
        ))
    } else {
        Err(format!("{n} is not a whole number"))
    }
}

fn number(n: &Number) -> Result<f64, String> {
    let f = n.as_f64().unwrap_or(f64::NAN);
    if n.is_f64() {
        return Ok(f);
    }
    // An integer literal is stored as a double only when the double is exactly it. The
    // bounds keep the saturating casts from making 2^63 or 2^64 look equal.
    let exact = match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => f < TWO_POW_63 && f as i64 == i,
        (None, Some(u)) => f < 2.0 * TWO_POW_63 && f as u64 == u,
        _ => false,
    };
    if exact {
        Ok(f)
    } else {
        Err(format!(
            "{n} has more digits than a stored number keeps (about 15 significant digits)"
        ))
    }
}

fn timestamp(s: &str) -> Result<DateTime<Utc>, String> {
    let t = DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("`{s}` is not an RFC 3339 date-time: {e}"))?
        .with_timezone(&Utc);
    if t.nanosecond() % 1_000 != 0 {
        return Err(format!(
            "`{s}` is more precise than a microsecond, which is what is stored"
        ));
    }
    if t.nanosecond() >= 1_000_000_000 {
        return Err(format!("`{s}` is a leap second, which cannot be stored"));
    }
    if !YEARS.contains(&t.year()) {
        return Err(format!(
            "`{s}` is in year {} in UTC; storable date-times are in years 0001 to 9999",
            t.year()
        ));
    }
    Ok(t)
}

fn date(s: &str) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("`{s}` is not a date (YYYY-MM-DD): {e}"))?;
    if !YEARS.contains(&d.year()) {
        return Err(format!("`{s}`: storable dates are in years 0001 to 9999"));
    }
    Ok(d)
}

/// JSON that PostgreSQL's jsonb keeps: no NUL in any string or member name.
fn check_json(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) => check_text(s),
        Value::Array(items) => items.iter().try_for_each(check_json),
        Value::Object(members) => members.iter().try_for_each(|(k, v)| {
            check_text(k)?;
            check_json(v)
        }),
        _ => Ok(()),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether two JSON values are equal as JSON Schema counts equality: numbers by their
/// mathematical value (`5` equals `5.0`), objects regardless of member order.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(kind: ColumnKind, v: Value) -> Value {
        decode(encode(kind, &v).unwrap_or_else(|e| panic!("{v}: {e}")))
    }

    #[test]
    fn whole_number_floats_are_integers() {
        assert_eq!(ok(ColumnKind::Integer, json!(5.0)), json!(5));
        assert_eq!(
            ok(ColumnKind::Integer, serde_json::from_str("1e3").unwrap()),
            json!(1000)
        );
        assert_eq!(
            ok(ColumnKind::Integer, json!(-9_223_372_036_854_775_808i64)),
            json!(i64::MIN)
        );
        assert!(encode(ColumnKind::Integer, &json!(5.5)).is_err());
        assert!(encode(ColumnKind::Integer, &json!(u64::MAX)).is_err());
        assert!(encode(ColumnKind::Integer, &serde_json::from_str("1e19").unwrap()).is_err());
        assert!(
            encode(
                ColumnKind::Integer,
                &serde_json::from_str("9.223372036854775807e18").unwrap()
            )
            .is_err()
        );
    }

    #[test]
    fn numbers_keep_every_digit_or_are_refused() {
        assert_eq!(ok(ColumnKind::Number, json!(3)), json!(3.0));
        assert_eq!(ok(ColumnKind::Number, json!(0.1)), json!(0.1));
        assert_eq!(
            ok(ColumnKind::Number, json!(9_007_199_254_740_992i64)),
            json!(9_007_199_254_740_992.0)
        );
        assert!(encode(ColumnKind::Number, &json!(9_007_199_254_740_993i64)).is_err());
        assert!(encode(ColumnKind::Number, &json!(u64::MAX)).is_err());
        assert_eq!(
            ok(ColumnKind::Number, json!(1u64 << 63)),
            json!((1u64 << 63) as f64)
        );
    }

    #[test]
    fn times_within_what_is_stored() {
        assert_eq!(
            ok(
                ColumnKind::Timestamp,
                json!("2024-02-29T23:30:00.123456+02:00")
            ),
            json!("2024-02-29T21:30:00.123456Z")
        );
        assert!(
            encode(
                ColumnKind::Timestamp,
                &json!("2024-01-01T00:00:00.1234567Z")
            )
            .is_err()
        );
        assert_eq!(
            ok(ColumnKind::Timestamp, json!("2024-01-01T00:00:00.1234560Z")),
            json!("2024-01-01T00:00:00.123456Z")
        );
        assert!(encode(ColumnKind::Timestamp, &json!("9999-12-31T23:00:00-05:00")).is_err());
        assert!(encode(ColumnKind::Timestamp, &json!("0000-06-01T00:00:00Z")).is_err());
        assert!(encode(ColumnKind::Date, &json!("0000-01-01")).is_err());
        assert_eq!(
            ok(ColumnKind::Date, json!("9999-12-31")),
            json!("9999-12-31")
        );
    }

    #[test]
    fn nul_is_refused_everywhere_it_would_be_stored() {
        assert!(encode(ColumnKind::Text, &json!("a\u{0}b")).is_err());
        assert!(encode(ColumnKind::Json, &json!({"a": ["x\u{0}"]})).is_err());
        assert!(encode(ColumnKind::Json, &json!({"a\u{0}": 1})).is_err());
        assert_eq!(
            ok(ColumnKind::Json, json!({"a": [1, "x"]})),
            json!({"a": [1, "x"]})
        );
    }

    #[test]
    fn equality_is_json_schemas() {
        assert!(json_equal(&json!(5), &json!(5.0)));
        assert!(json_equal(
            &json!({"a": 1, "b": [2.0]}),
            &json!({"b": [2], "a": 1.0})
        ));
        assert!(!json_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_equal(&json!(1), &json!("1")));
    }
}

//! What the validator accepts is stored exactly and read back equal, or refused with a
//! 422 that names the field: never stored as something else or as NULL. Values of every
//! field kind, JSON's edge cases included (`5.0` and `1e3` as integers, numbers beyond
//! a double, NUL in strings, nanoseconds, offsets past year 9999), go through the API
//! as raw JSON text, on create and on PATCH.

mod common;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// One field per column kind, and a required integer.
fn values_type() -> Value {
    json!({"slug": "values", "name": "Values", "key_prefix": "VAL",
        "schema": {"type": "object", "required": ["must"], "properties": {
            "text": {"type": "string"},
            "count": {"type": "integer"},
            "must": {"type": "integer"},
            "amount": {"type": "number"},
            "flag": {"type": "boolean"},
            "at": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "data": {"type": "object"},
            "list": {"type": "array"}}}})
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    Timestamp,
    Date,
    Json,
}

/// Raw JSON literals for each kind: ordinary values and the edge cases.
fn integer_literal() -> impl Strategy<Value = String> {
    let edges = prop_oneof![
        Just("-0".to_string()),
        Just("-0.0".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("9223372036854775808".to_string()),
        Just("18446744073709551615".to_string()),
        Just("1e19".to_string()),
        Just("9.2233720368547758e18".to_string()),
        Just("1.5".to_string()),
    ];
    prop_oneof![
        4 => any::<i64>().prop_map(|i| i.to_string()),
        3 => any::<i32>().prop_map(|i| format!("{i}.0")),
        1 => (0u32..15).prop_map(|e| format!("1e{e}")),
        1 => (0u32..15).prop_map(|e| format!("-2E+{e}")),
        1 => edges,
    ]
}

fn number_literal() -> impl Strategy<Value = String> {
    let edges = prop_oneof![
        Just("0.1".to_string()),
        Just("-0.0".to_string()),
        Just("5e-324".to_string()),
        Just("1.7976931348623157e308".to_string()),
        Just("9007199254740993".to_string()),
        Just("18446744073709551615".to_string()),
    ];
    prop_oneof![
        4 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::to_string(&f).unwrap()),
        2 => any::<i32>().prop_map(|i| i.to_string()),
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => (-40i32..40).prop_map(|e| format!("1.25e{e}")),
        1 => edges,
    ]
}

fn text_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        4 => "[a-z \\\\\"'%_]{0,20}",
        1 => Just("a\u{0}b".to_string()),
        1 => Just("😀 naïve — ∑".to_string()),
        1 => Just(String::new()),
    ]
    .prop_map(|s| serde_json::to_string(&s).unwrap())
}

fn timestamp_literal() -> impl Strategy<Value = String> {
    (
        0i32..=9999,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..61,
        prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"],
        prop_oneof![
            Just("Z".to_string()),
            (-14i32..=14, prop_oneof![Just(0u32), Just(30), Just(45)]).prop_map(|(h, m)| format!(
                "{}{:02}:{m:02}",
                if h < 0 { '-' } else { '+' },
                h.abs()
            )),
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, off)| {
            format!("\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{off}\"")
        })
}

fn date_literal() -> impl Strategy<Value = String> {
    (0i32..=9999, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("\"{y:04}-{m:02}-{d:02}\""))
}

fn json_literal() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => Just(Value::Null),
        3 => any::<bool>().prop_map(Value::Bool),
        3 => any::<i64>().prop_map(Value::from),
        3 => any::<u64>().prop_map(Value::from),
        3 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        3 => any::<String>().prop_map(Value::String),
        1 => Just(Value::String("nul \u{0} inside".into())),
    ];
    let tree = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}|.{0,4}", inner), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    tree.prop_map(|v| serde_json::to_string(&v).unwrap())
}

/// A whole payload: each field absent or a literal of its kind (or of another kind).
fn payload() -> impl Strategy<Value = Vec<(&'static str, Kind, String)>> {
    let fields: Vec<(&'static str, Kind, BoxedStrategy<String>)> = vec![
        ("text", Kind::Text, text_literal().boxed()),
        ("count", Kind::Integer, integer_literal().boxed()),
        ("must", Kind::Integer, integer_literal().boxed()),
        ("amount", Kind::Number, number_literal().boxed()),
        (
            "flag",
            Kind::Boolean,
            any::<bool>().prop_map(|b| b.to_string()).boxed(),
        ),
        ("at", Kind::Timestamp, timestamp_literal().boxed()),
        ("day", Kind::Date, date_literal().boxed()),
        (
            "data",
            Kind::Json,
            json_literal()
                .prop_map(|j| format!("{{\"v\": {j}}}"))
                .boxed(),
        ),
        (
            "list",
            Kind::Json,
            json_literal().prop_map(|j| format!("[{j}]")).boxed(),
        ),
    ];
    fields
        .into_iter()
        .map(|(name, kind, s)| {
            let present = if name == "must" { 0.95 } else { 0.7 };
            prop::option::weighted(present, s).prop_map(move |v| v.map(|v| (name, kind, v)))
        })
        .collect::<Vec<_>>()
        .prop_map(|v| v.into_iter().flatten().collect())
}

/// What a literal is, judged independently of Docket: Some(true) when every backend can
/// store it exactly (Docket must accept it), Some(false) when it cannot be stored or is
/// invalid (Docket must refuse it), None when either answer is right.
fn storable(kind: Kind, literal: &str) -> Option<bool> {
    let v: Value = serde_json::from_str(literal).unwrap();
    match kind {
        Kind::Integer => {
            let f: f64 = literal.parse().unwrap();
            let whole = f.fract() == 0.0;
            let in_range = literal
                .parse::<i128>()
                .map(|i| i >= i64::MIN as i128 && i <= i64::MAX as i128)
                .unwrap_or(f.abs() < 9.2e18);
            Some(whole && in_range)
        }
        Kind::Number => {
            // A double keeps 15 significant digits of any literal; beyond, it may not.
            let digits = literal
                .trim_start_matches('-')
                .chars()
                .take_while(|c| *c != 'e' && *c != 'E')
                .filter(char::is_ascii_digit)
                .count();
            if digits <= 15 { Some(true) } else { None }
        }
        Kind::Text => Some(!v.as_str().unwrap().contains('\0')),
        Kind::Boolean => Some(true),
        Kind::Timestamp => {
            let s = v.as_str().unwrap();
            let Ok(t) = DateTime::parse_from_rfc3339(s) else {
                return Some(false);
            };
            let utc = t.with_timezone(&Utc);
            if utc.second() == 59 && utc.nanosecond() >= 1_000_000_000 || s.contains(":60") {
                return None; // leap seconds: the format check decides
            }
            Some(utc.nanosecond() % 1000 == 0 && (1..=9999).contains(&utc.year()))
        }
        Kind::Date => {
            let s = v.as_str().unwrap();
            Some(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .is_ok_and(|d| (1..=9999).contains(&d.year())),
            )
        }
        Kind::Json => Some(!literal.contains("\\u0000")),
    }
}

/// Whether what was read back is what was sent.
fn same(kind: Kind, sent: &Value, got: &Value) -> bool {
    match kind {
        Kind::Timestamp => {
            let parse = |v: &Value| DateTime::parse_from_rfc3339(v.as_str()?).ok();
            parse(sent).is_some() && parse(sent) == parse(got)
        }
        _ => docket_core::stored::json_equal(sent, got),
    }
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: String,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .header("content-type", "application/json")
        .header("if-match", "*")
        .body(body)
        .send()
        .await
        .unwrap()
}

api_test!(every_value_is_stored_exactly_or_refused, |app| async move {
    let r = app
        .post("/types/apply", &json!({"definition": values_type()}))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let mut runner = TestRunner::new(Config {
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        ..Config::default()
    });
    let strategy = payload();
    let mut accepted = 0;
    for case in 0..120 {
        let fields = strategy.new_tree(&mut runner).unwrap().current();
        let has_must = fields.iter().any(|(n, _, _)| *n == "must");
        let members: Vec<String> = fields
            .iter()
            .map(|(n, _, lit)| format!("\"{n}\": {lit}"))
            .collect();
        let fields_text = format!("{{{}}}", members.join(", "));
        let body = format!(
            "{{\"type\": \"values\", \"title\": \"case {case}\", \"fields\": {fields_text}}}"
        );
        let r = send(&app, reqwest::Method::POST, "/tickets", body.clone()).await;
        let status = r.status().as_u16();
        let answer: Value = r.json().await.unwrap();
        let expected: Vec<(&str, Option<bool>)> = fields
            .iter()
            .map(|(n, k, lit)| (*n, storable(*k, lit)))
            .collect();
        let must_refuse = !has_must || expected.iter().any(|(_, s)| *s == Some(false));
        let must_accept = has_must && expected.iter().all(|(_, s)| *s == Some(true));
        match status {
            201 => {
                assert!(
                    !must_refuse,
                    "accepted what cannot be stored: {body}\n{answer}"
                );
                accepted += 1;
                let key = answer["key"].as_str().unwrap().to_string();
                let read: Value = app
                    .get(&format!("/tickets/{key}"))
                    .await
                    .json()
                    .await
                    .unwrap();
                for (name, kind, lit) in &fields {
                    let sent: Value = serde_json::from_str(lit).unwrap();
                    let got = &read["fields"][*name];
                    assert!(
                        same(*kind, &sent, got),
                        "{name}: sent {lit}, read back {got} ({body})"
                    );
                    assert!(
                        same(*kind, &sent, &answer["fields"][*name]),
                        "{name}: create answered {}",
                        answer["fields"][*name]
                    );
                }
                // The same values again through PATCH (a no-op must not wipe anything),
                // then each alone.
                let r = send(
                    &app,
                    reqwest::Method::PATCH,
                    &format!("/tickets/{key}"),
                    format!("{{\"fields\": {fields_text}}}"),
                )
                .await;
                assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
                let after: Value = app
                    .get(&format!("/tickets/{key}"))
                    .await
                    .json()
                    .await
                    .unwrap();
                for (name, kind, lit) in &fields {
                    let sent: Value = serde_json::from_str(lit).unwrap();
                    assert!(
                        same(*kind, &sent, &after["fields"][*name]),
                        "{name} after PATCH: {}",
                        after["fields"][*name]
                    );
                }
                assert!(
                    after["fields"]["must"].is_number(),
                    "the required field is kept: {after}"
                );
            }
            422 => {
                assert!(
                    !must_accept,
                    "refused what stores exactly: {body}\n{answer}"
                );
                let ps = pointers(&answer);
                assert!(!ps.is_empty(), "a 422 names its fields: {answer}");
                for p in &ps {
                    assert!(p.starts_with("/fields"), "{p} in {answer}");
                }
            }
            other => panic!("{other} for {body}: {answer}"),
        }
    }
    assert!(
        accepted > 20,
        "too few payloads were valid to test the round trip: {accepted}"
    );
});

api_test!(
    patch_with_whole_number_floats_keeps_values,
    |app| async move {
        let r = app
            .post("/types/apply", &json!({"definition": values_type()}))
            .await;
        assert_eq!(r.status(), 200);
        let body =
            r#"{"type": "values", "title": "floats", "fields": {"must": 5.0, "count": 1e3}}"#;
        let r = send(&app, reqwest::Method::POST, "/tickets", body.into()).await;
        assert_eq!(r.status(), 201);
        let t: Value = r.json().await.unwrap();
        assert_eq!(
            (t["fields"]["must"].as_i64(), t["fields"]["count"].as_i64()),
            (Some(5), Some(1000))
        );
        let key = t["key"].as_str().unwrap();
        let r = send(
            &app,
            reqwest::Method::PATCH,
            &format!("/tickets/{key}"),
            r#"{"fields": {"count": 7.0}}"#.into(),
        )
        .await;
        assert_eq!(r.status(), 200);
        let t: Value = app
            .get(&format!("/tickets/{key}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (t["fields"]["must"].as_i64(), t["fields"]["count"].as_i64()),
            (Some(5), Some(7))
        );
        // Past what a column holds: refused, naming the field; nothing changed.
        let r = send(
            &app,
            reqwest::Method::PATCH,
            &format!("/tickets/{key}"),
            r#"{"fields": {"count": 1e19, "at": "9999-12-31T23:00:00-05:00"}}"#.into(),
        )
        .await;
        let p = problem(r, 422).await;
        let mut ps = pointers(&p);
        ps.sort();
        assert_eq!(ps, ["/fields/at", "/fields/count"], "{p}");
        let t: Value = app
            .get(&format!("/tickets/{key}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(t["fields"]["count"].as_i64(), Some(7));
        // A later PATCH of another field still works (a stored year past 9999 broke it).
        let r = send(
            &app,
            reqwest::Method::PATCH,
            &format!("/tickets/{key}"),
            r#"{"fields": {"at": "9999-12-31T23:00:00Z"}}"#.into(),
        )
        .await;
        assert_eq!(r.status(), 200);
        let r = send(
            &app,
            reqwest::Method::PATCH,
            &format!("/tickets/{key}"),
            r#"{"title": "still editable"}"#.into(),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
);

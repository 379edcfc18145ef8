//! The ordinary answers, derived from the request so tests can predict them.

use base64::Engine;
use serde_json::{Map, Value, json};

/// A chat completion answering `body` with `content` (or a `refusal`).
pub(crate) fn chat_completion(
    body: &Value,
    content: Option<String>,
    refusal: Option<String>,
    id: u64,
) -> Value {
    let prompt_chars: usize = messages(body).map(|(_, text)| text.chars().count()).sum();
    let completion_chars = content
        .as_deref()
        .or(refusal.as_deref())
        .map_or(0, |t| t.chars().count());
    json!({
        "id": format!("chatcmpl-fake-{id}"),
        "object": "chat.completion",
        "created": 1_700_000_000u32,
        "model": body["model"].as_str().unwrap_or("fake"),
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal},
            "finish_reason": "stop",
        }],
        "usage": usage(prompt_chars, completion_chars),
    })
}

/// The content a well-behaved model would give: an instance of the JSON schema asked
/// for in `response_format`, else of a schema found in the system message, else a reply.
pub(crate) fn chat_content(body: &Value) -> String {
    let line = first_ticket_line(body);
    let schema = body
        .pointer("/response_format/json_schema/schema")
        .filter(|_| body.pointer("/response_format/type") == Some(&json!("json_schema")))
        .cloned()
        .or_else(|| {
            messages(body)
                .filter(|(role, _)| role == "system")
                .find_map(|(_, text)| schema_in_text(&text))
        });
    match schema {
        Some(schema) => instance(&schema, "value", &line).to_string(),
        None => format!(
            "Hello,\n\nthank you for your message about \"{line}\". We are looking into it.\n\nBest regards"
        ),
    }
}

/// Roughly four characters a token, at least one.
fn usage(prompt_chars: usize, completion_chars: usize) -> Value {
    let prompt = prompt_chars / 4 + 1;
    let completion = completion_chars / 4 + 1;
    json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
}

/// (role, text) of each message; text parts joined.
fn messages(body: &Value) -> impl Iterator<Item = (String, String)> + '_ {
    body["messages"].as_array().into_iter().flatten().map(|m| {
        let role = m["role"].as_str().unwrap_or_default().to_string();
        let text = match &m["content"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        };
        (role, text)
    })
}

/// The first line of the ticket text in the first user message: the body (else title) in
/// its `<ticket_data>` block, else the message's own first line.
pub fn first_ticket_line(body: &Value) -> String {
    let Some((_, text)) = messages(body).find(|(role, _)| role == "user") else {
        return String::new();
    };
    let data = text
        .split_once("<ticket_data>")
        .and_then(|(_, rest)| rest.split_once("</ticket_data>"))
        .and_then(|(inner, _)| serde_json::from_str::<Value>(inner.trim()).ok());
    let ticket_text = data.as_ref().and_then(|d| {
        ["/ticket/body", "/ticket/title"]
            .iter()
            .filter_map(|p| d.pointer(p).and_then(Value::as_str))
            .find(|s| !s.trim().is_empty())
            .map(str::to_string)
    });
    let source = ticket_text.unwrap_or(text);
    source
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// The first JSON object schema (`"type": "object"` with properties) written in `text`.
fn schema_in_text(text: &str) -> Option<Value> {
    text.match_indices('{').find_map(|(at, _)| {
        let value = serde_json::Deserializer::from_str(&text[at..])
            .into_iter::<Value>()
            .next()?
            .ok()?;
        (value["type"] == "object" && value["properties"].is_object()).then_some(value)
    })
}

/// A value that fits `schema`: enums take their first non-null value, strings say
/// `"<name>: <line>"`, arrays hold one item.
fn instance(schema: &Value, name: &str, line: &str) -> Value {
    if let Some(values) = schema["enum"].as_array() {
        return values
            .iter()
            .find(|v| !v.is_null())
            .or(values.first())
            .cloned()
            .unwrap_or(Value::Null);
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.as_str(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        _ => "string",
    };
    match kind {
        "object" => {
            let mut out = Map::new();
            for (key, property) in schema["properties"].as_object().into_iter().flatten() {
                out.insert(key.clone(), instance(property, key, line));
            }
            Value::Object(out)
        }
        "array" => json!([instance(&schema["items"], name, line)]),
        "integer" => json!(1),
        "number" => json!(1.0),
        "boolean" => json!(false),
        "null" => Value::Null,
        _ => json!(format!("{name}: {line}")),
    }
}

/// The marker that makes the fake flag content, in text, an image URL or an image's bytes.
pub const NSFW_MARKER: &str = "nsfw";

/// A moderation result per input item; flagged (`sexual`) when it holds the marker.
pub(crate) fn moderation(body: &Value, id: u64) -> Value {
    let items: Vec<(String, &str)> = match &body["input"] {
        Value::String(s) => vec![(s.clone(), "text")],
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => (s.clone(), "text"),
                part if part["type"] == "image_url" => {
                    let url = part["image_url"]["url"]
                        .as_str()
                        .or(part["image_url"].as_str());
                    (url.unwrap_or_default().to_string(), "image")
                }
                part => (
                    part["text"].as_str().unwrap_or_default().to_string(),
                    "text",
                ),
            })
            .collect(),
        _ => Vec::new(),
    };
    let results: Vec<Value> = items
        .iter()
        .map(|(content, input_type)| {
            let flagged = holds_marker(content);
            let mut categories = Map::new();
            let mut scores = Map::new();
            let mut applied = Map::new();
            for name in CATEGORIES {
                let hit = flagged && name == "sexual";
                categories.insert(name.into(), json!(hit));
                scores.insert(name.into(), json!(if hit { 0.98 } else { 0.001 }));
                applied.insert(name.into(), json!([input_type]));
            }
            json!({
                "flagged": flagged,
                "categories": categories,
                "category_scores": scores,
                "category_applied_input_types": applied,
            })
        })
        .collect();
    json!({
        "id": format!("modr-fake-{id}"),
        "model": body["model"].as_str().unwrap_or("omni-moderation-latest"),
        "results": results,
    })
}

const CATEGORIES: [&str; 13] = [
    "hate",
    "hate/threatening",
    "harassment",
    "harassment/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
];

/// The marker in the text itself or, for a base64 data URL, in the decoded bytes.
fn holds_marker(content: &str) -> bool {
    if content.to_ascii_lowercase().contains(NSFW_MARKER) {
        return true;
    }
    content
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
        .and_then(|(_, data)| base64::engine::general_purpose::STANDARD.decode(data).ok())
        .is_some_and(|bytes| {
            bytes
                .windows(NSFW_MARKER.len())
                .any(|w| w.eq_ignore_ascii_case(NSFW_MARKER.as_bytes()))
        })
}

/// Width of the fake's embeddings unless the request asks for `dimensions`.
pub const EMBEDDING_DIMENSIONS: usize = 8;

/// One unit vector per input, a function of the text alone.
pub(crate) fn embeddings(body: &Value) -> Value {
    let texts: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let dimensions = body["dimensions"]
        .as_u64()
        .map_or(EMBEDDING_DIMENSIONS, |d| d.clamp(1, 4096) as usize);
    let data: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(index, text)| json!({"object": "embedding", "index": index, "embedding": embedding(text, dimensions)}))
        .collect();
    let tokens: usize = texts.iter().map(|t| t.chars().count() / 4 + 1).sum();
    json!({
        "object": "list",
        "model": body["model"].as_str().unwrap_or("fake-embedding"),
        "data": data,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    })
}

/// FNV-1a of the text seeds splitmix64; the vector is normalised to length one.
pub fn embedding(text: &str, dimensions: usize) -> Vec<f32> {
    let mut state = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let raw: Vec<f64> = (0..dimensions)
        .map(|_| (next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
        .collect();
    let norm = raw
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    raw.iter().map(|x| (x / norm) as f32).collect()
}

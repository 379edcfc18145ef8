//! Finding the JSON object in a model's text answer, for servers without JSON-schema
//! output and models that wrap their JSON in prose or a Markdown fence.

use serde_json::{Map, Value};

/// How far into an answer the brace scan looks: trying each `{` is quadratic, and an
/// answer this long is not one we asked for.
const MAX_SCAN_BYTES: usize = 64 * 1024;

/// The first JSON object in `text`: the whole text, else a fenced block (```json or
/// plain ```), else the first balanced `{...}` that parses.
pub(crate) fn json_object(text: &str) -> Option<Map<String, Value>> {
    let text = text.trim();
    if let Some(object) = parse_object(text) {
        return Some(object);
    }
    if let Some(object) = fenced_blocks(text).find_map(parse_object) {
        return Some(object);
    }
    let mut scan_end = text.len().min(MAX_SCAN_BYTES);
    while !text.is_char_boundary(scan_end) {
        scan_end -= 1;
    }
    let text = &text[..scan_end];
    text.char_indices()
        .filter(|&(_, c)| c == '{')
        .filter_map(|(start, _)| balanced_end(&text[start..]).map(|len| &text[start..start + len]))
        .find_map(parse_object)
}

fn parse_object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(text.trim()) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

fn fenced_blocks(text: &str) -> impl Iterator<Item = &str> {
    text.split("```").skip(1).step_by(2).map(|block| {
        // Drop the info string (`json`) on the opening line.
        match block.split_once('\n') {
            Some((info, body)) if !info.trim_start().starts_with('{') => body,
            _ => block,
        }
    })
}

/// Length in bytes of the balanced `{...}` that `text` starts with, strings respected.
fn balanced_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Option<String> {
        json_object(text).map(|o| o["a"].to_string())
    }

    #[test]
    fn plain_fenced_and_embedded() {
        assert_eq!(key(r#"{"a": 1}"#).as_deref(), Some("1"));
        assert_eq!(
            key("Here you go:\n```json\n{\"a\": 2}\n```\nAnything else?").as_deref(),
            Some("2")
        );
        assert_eq!(key("```\n{\"a\": 3}\n```").as_deref(), Some("3"));
        assert_eq!(
            key(r#"Sure! The answer {is below}: {"a": "x}{", "b": {"c": 1}} hope it helps"#)
                .as_deref(),
            Some(r#""x}{""#)
        );
        assert_eq!(key("no json here"), None);
        assert_eq!(key("[1, 2]"), None);
        assert_eq!(key("{\"a\": 1"), None);
    }
}

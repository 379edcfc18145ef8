//! Checking what a model answered. Its output is never trusted: strings are clipped,
//! lists bounded and deduplicated, choices kept only when they are among the allowed.

use serde_json::{Map, Value};

use crate::error::AiError;
use crate::prompt::clip;

pub(crate) fn malformed(detail: impl Into<String>) -> AiError {
    AiError::Malformed {
        detail: detail.into(),
    }
}

/// A string member, trimmed and clipped; absent or null reads as empty.
pub(crate) fn text(
    object: &Map<String, Value>,
    key: &str,
    max_chars: usize,
) -> Result<String, AiError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(clip(s.trim(), max_chars)),
        Some(_) => Err(malformed(format!("`{key}` is not a string"))),
    }
}

/// Like `text`, but it must say something.
pub(crate) fn required_text(
    object: &Map<String, Value>,
    key: &str,
    max_chars: usize,
) -> Result<String, AiError> {
    let value = text(object, key, max_chars)?;
    if value.is_empty() {
        return Err(malformed(format!("`{key}` is missing or empty")));
    }
    Ok(value)
}

/// A list of strings: non-strings and empty entries dropped, each clipped, duplicates
/// (case-insensitive) dropped, at most `max_items`.
pub(crate) fn list(
    object: &Map<String, Value>,
    key: &str,
    max_items: usize,
    max_chars: usize,
) -> Result<Vec<String>, AiError> {
    let items = match object.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(malformed(format!("`{key}` is not a list"))),
    };
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().filter_map(Value::as_str) {
        let item = clip(item.trim(), max_chars);
        if !item.is_empty() && !out.iter().any(|seen| seen.eq_ignore_ascii_case(&item)) {
            out.push(item);
        }
        if out.len() == max_items {
            break;
        }
    }
    Ok(out)
}

/// The allowed value `candidate` names (trimmed, case-insensitive), in its allowed spelling.
pub(crate) fn pick_allowed(candidate: &str, allowed: &[String]) -> Option<String> {
    let candidate = candidate.trim();
    allowed
        .iter()
        .find(|value| value.trim().eq_ignore_ascii_case(candidate))
        .cloned()
}

/// The members of `candidates` that are allowed, in their allowed spelling, deduplicated.
pub(crate) fn keep_allowed(candidates: Vec<String>, allowed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in candidates.iter().filter_map(|c| pick_allowed(c, allowed)) {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

//! Parsing a type file (YAML or JSON) into a JSON value while remembering where every
//! node came from, so that every later error can point at a line and column.

use std::collections::HashMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A place in a source file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub const START: Position = Position { line: 1, column: 1 };
}

/// Where each node of a parsed document starts, by JSON pointer. Keys of mappings are
/// recorded separately so that an error about a property *name* points at the name.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
}

impl SourceMap {
    /// The position of the value at `pointer`, or of its nearest ancestor that has one.
    pub fn value(&self, pointer: &str) -> Position {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.values.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Position::START,
            }
        }
    }

    /// The position of the mapping key whose value is at `pointer`, else of the value.
    pub fn key(&self, pointer: &str) -> Position {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.value(pointer))
    }
}

/// The syntax of a type file, chosen by its extension or content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
}

impl Syntax {
    pub fn from_path(path: &str) -> Option<Syntax> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Syntax::Yaml)
        } else if lower.ends_with(".json") {
            Some(Syntax::Json)
        } else {
            None
        }
    }
}

/// A syntax error with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub position: Position,
    pub message: String,
}

/// Largest number of nodes one document may expand to; aliases are copied, so this is
/// what stops an alias bomb from eating the server's memory.
const MAX_NODES: usize = 200_000;
/// Deepest nesting accepted; JSON Schema files for tickets never come close.
const MAX_DEPTH: usize = 64;

pub fn parse(text: &str, syntax: Syntax) -> Result<(Value, SourceMap), SyntaxError> {
    if syntax == Syntax::Json {
        // serde_json is the authority on what is valid JSON; the YAML reader below then
        // only supplies positions (JSON is a subset of YAML 1.2).
        let value: Value = serde_json::from_str(text).map_err(|e| SyntaxError {
            position: Position {
                line: e.line().max(1),
                column: e.column().max(1),
            },
            message: format!("invalid JSON: {}", strip_serde_position(&e.to_string())),
        })?;
        return match parse_yaml(text) {
            Ok((same, map)) if same == value => Ok((value, map)),
            _ => Ok((value, SourceMap::default())),
        };
    }
    parse_yaml(text)
}

fn strip_serde_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn parse_yaml(text: &str) -> Result<(Value, SourceMap), SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| SyntaxError {
        position: to_position(e.marker()),
        message: format!("invalid YAML: {}", e.info()),
    })?;
    if let Some(err) = builder.error {
        return Err(err);
    }
    match builder.documents.len() {
        0 => Err(SyntaxError {
            position: Position::START,
            message: "the file is empty".into(),
        }),
        1 => Ok((builder.documents.pop().unwrap(), builder.map)),
        _ => Err(SyntaxError {
            position: builder.second_document.unwrap_or(Position::START),
            message: "a type file holds one YAML document; found more than one".into(),
        }),
    }
}

fn to_position(m: &Marker) -> Position {
    Position {
        line: m.line().max(1),
        column: m.col() + 1,
    }
}

enum Frame {
    Seq {
        items: Vec<Value>,
        pointer: String,
        anchor: usize,
    },
    Map {
        map: Map<String, Value>,
        pointer: String,
        anchor: usize,
        pending_key: Option<(String, Position)>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    documents: Vec<Value>,
    map: SourceMap,
    anchors: HashMap<usize, Value>,
    nodes: usize,
    error: Option<SyntaxError>,
    second_document: Option<Position>,
}

impl Builder {
    fn fail(&mut self, position: Position, message: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(SyntaxError {
                position,
                message: message.into(),
            });
        }
    }

    /// The pointer the next value will live at, and whether it is a mapping key.
    fn next_pointer(&self) -> (String, bool) {
        match self.stack.last() {
            None => (String::new(), false),
            Some(Frame::Seq { items, pointer, .. }) => {
                (format!("{pointer}/{}", items.len()), false)
            }
            Some(Frame::Map {
                pointer,
                pending_key,
                ..
            }) => match pending_key {
                Some((key, _)) => (format!("{pointer}/{}", escape_pointer(key)), false),
                None => (String::new(), true),
            },
        }
    }

    fn push_value(&mut self, value: Value, position: Position) {
        self.nodes += count_nodes(&value);
        if self.nodes > MAX_NODES {
            self.fail(
                position,
                format!("the document expands to more than {MAX_NODES} nodes"),
            );
            return;
        }
        let (pointer, _) = self.next_pointer();
        let mut duplicate = None;
        match self.stack.last_mut() {
            None => {
                if !self.documents.is_empty() && self.second_document.is_none() {
                    self.second_document = Some(position);
                }
                self.documents.push(value);
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map {
                map, pending_key, ..
            }) => {
                let (key, key_pos) = pending_key.take().expect("value follows a key");
                if map.contains_key(&key) {
                    duplicate = Some((key, key_pos));
                } else {
                    map.insert(key, value);
                }
            }
        }
        if let Some((key, key_pos)) = duplicate {
            self.fail(key_pos, format!("duplicate key `{key}`"));
        }
        self.map.values.entry(pointer).or_insert(position);
    }
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let position = to_position(&mark);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let (_, is_key) = self.next_pointer();
                if is_key {
                    if let Some(Frame::Map {
                        pending_key,
                        pointer,
                        ..
                    }) = self.stack.last_mut()
                    {
                        let key_pointer = format!("{pointer}/{}", escape_pointer(&text));
                        *pending_key = Some((text, position));
                        self.map.keys.entry(key_pointer).or_insert(position);
                    }
                    return;
                }
                let value =
                    match resolve_scalar(&text, style, tag.as_ref().map(|t| t.suffix.as_str())) {
                        Ok(v) => v,
                        Err(msg) => return self.fail(position, msg),
                    };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.push_value(value, position);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let (pointer, is_key) = self.next_pointer();
                if is_key {
                    return self.fail(position, "mapping keys must be plain strings");
                }
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(position, format!("nesting deeper than {MAX_DEPTH} levels"));
                }
                self.map.values.entry(pointer.clone()).or_insert(position);
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        pointer,
                        anchor,
                    }
                } else {
                    Frame::Map {
                        map: Map::new(),
                        pointer,
                        anchor,
                        pending_key: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, anchor, .. }) => (Value::Array(items), anchor),
                    Some(Frame::Map { map, anchor, .. }) => (Value::Object(map), anchor),
                    None => return,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                // The container's own position was recorded at its start.
                let (pointer, _) = self.next_pointer();
                let start = self.map.value(&pointer);
                self.nodes = self.nodes.saturating_sub(count_nodes(&value));
                self.push_value(value, start);
            }
            Event::Alias(id) => {
                let (_, is_key) = self.next_pointer();
                if is_key {
                    return self.fail(position, "mapping keys must be plain strings");
                }
                match self.anchors.get(&id).cloned() {
                    Some(v) => self.push_value(v, position),
                    None => self.fail(position, "alias to an unknown anchor"),
                }
            }
            Event::DocumentStart => {
                if !self.documents.is_empty() && self.second_document.is_none() {
                    self.second_document = Some(position);
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
}

/// YAML 1.2 core-schema resolution of a scalar; quoted scalars are always strings.
fn resolve_scalar(text: &str, style: TScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    if let Some(tag) = tag {
        return match tag {
            "str" => Ok(Value::String(text.to_string())),
            "int" => text
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{text}` is not an integer")),
            "float" => parse_float(text).ok_or_else(|| format!("`{text}` is not a number")),
            "bool" => match text {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("`{text}` is not a boolean")),
            },
            "null" => Ok(Value::Null),
            other => Err(format!("unsupported YAML tag `!!{other}`")),
        };
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = text.parse::<i64>() {
                Value::from(i)
            } else if let Some(i) = text
                .strip_prefix("0x")
                .and_then(|h| i64::from_str_radix(h, 16).ok())
            {
                Value::from(i)
            } else if let Some(i) = text
                .strip_prefix("0o")
                .and_then(|o| i64::from_str_radix(o, 8).ok())
            {
                Value::from(i)
            } else if looks_numeric(text) {
                parse_float(text).unwrap_or_else(|| Value::String(text.to_string()))
            } else {
                Value::String(text.to_string())
            }
        }
    })
}

fn looks_numeric(text: &str) -> bool {
    let t = text.trim_start_matches(['-', '+']);
    t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && t.chars().all(|c| c.is_ascii_digit() || "eE.+-".contains(c))
}

fn parse_float(text: &str) -> Option<Value> {
    let f: f64 = text.parse().ok()?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_values_and_positions() {
        let text = "slug: it\nschema:\n  properties:\n    device: {type: string}\n    count: 3\n    quoted: \"3\"\n";
        let (v, map) = parse(text, Syntax::Yaml).unwrap();
        assert_eq!(
            v,
            json!({"slug": "it", "schema": {"properties": {"device": {"type": "string"}, "count": 3, "quoted": "3"}}})
        );
        assert_eq!(map.value("/slug"), Position { line: 1, column: 7 });
        assert_eq!(
            map.key("/schema/properties/device"),
            Position { line: 4, column: 5 }
        );
        assert_eq!(
            map.value("/schema/properties/device/type"),
            Position {
                line: 4,
                column: 20
            }
        );
        // Unknown pointers fall back to the nearest ancestor.
        assert_eq!(
            map.value("/schema/properties/device/nope"),
            map.value("/schema/properties/device")
        );
    }

    #[test]
    fn json_positions_come_from_the_same_reader() {
        let text = "{\n  \"slug\": \"it\",\n  \"n\": [1, 2]\n}";
        let (v, map) = parse(text, Syntax::Json).unwrap();
        assert_eq!(v, json!({"slug": "it", "n": [1, 2]}));
        assert_eq!(map.key("/n").line, 3);
        assert_eq!(map.value("/n/1").line, 3);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("slug: it\nschema: [unclosed\n", Syntax::Yaml).unwrap_err();
        assert!(err.position.line >= 2, "{err:?}");
        let err = parse("{\n  \"slug\": \"it\",,\n}", Syntax::Json).unwrap_err();
        assert_eq!(err.position.line, 2, "{err:?}");
        let err = parse("a: 1\na: 2\n", Syntax::Yaml).unwrap_err();
        assert_eq!(err.position, Position { line: 2, column: 1 });
        assert!(err.message.contains("duplicate key"));
    }

    #[test]
    fn aliases_are_copied_and_bombs_are_stopped() {
        let (v, _) = parse("a: &x [1, 2]\nb: *x\n", Syntax::Yaml).unwrap();
        assert_eq!(v, json!({"a": [1, 2], "b": [1, 2]}));
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&bomb, Syntax::Yaml).unwrap_err();
        assert!(err.message.contains("nodes"), "{err:?}");
    }

    #[test]
    fn multiple_documents_are_refused() {
        let err = parse("a: 1\n---\nb: 2\n", Syntax::Yaml).unwrap_err();
        assert!(err.message.contains("one YAML document"));
        assert_eq!(err.position.line, 2, "{err:?}");
    }
}

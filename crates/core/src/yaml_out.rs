//! Writing JSON values as YAML, for exporting type definitions.

use serde_json::Value;
use yaml_rust2::YamlEmitter;
use yaml_rust2::yaml::{Hash, Yaml};

fn to_yaml_node(v: &Value) -> Yaml {
    match v {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Value::String(s) => Yaml::String(s.clone()),
        Value::Array(a) => Yaml::Array(a.iter().map(to_yaml_node).collect()),
        Value::Object(o) => {
            let mut h = Hash::new();
            for (k, v) in o {
                h.insert(Yaml::String(k.clone()), to_yaml_node(v));
            }
            Yaml::Hash(h)
        }
    }
}

pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    YamlEmitter::new(&mut out)
        .dump(&to_yaml_node(v))
        .expect("writing to a String cannot fail");
    let body = out.strip_prefix("---\n").unwrap_or(&out);
    format!("{body}\n")
}

#[cfg(test)]
mod tests {
    use crate::typedef::source::{Syntax, parse};
    use serde_json::json;

    #[test]
    fn yaml_round_trips() {
        let v = json!({"slug": "it", "n": 1.5, "flag": true, "list": ["a", "1", "true", "null", ""], "pattern": "^A-[0-9]{5}$", "nested": {"x-index": true, "empty": {}}});
        let text = super::to_yaml(&v);
        let (back, _) = parse(&text, Syntax::Yaml).unwrap();
        assert_eq!(back, v, "{text}");
    }
}

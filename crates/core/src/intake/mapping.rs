//! A source's mapping: where each ticket value comes from in the sender's JSON, by JSON
//! pointer (RFC 6901), or a constant. `check` judges a mapping against its ticket type
//! when an admin saves it (pointers into the mapping document); `apply` turns one
//! payload into ticket values, and every problem names the ticket field and the payload
//! pointer it came from, so whoever debugs an integration sees both sides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::ticket::Priority;
use crate::typedef::validator::FieldValidator;
use crate::typedef::{CompiledType, FieldError};

/// The longest reference a payload may carry.
pub const MAX_REFERENCE: usize = 200;

/// Where one ticket value comes from: a JSON pointer into the payload, a constant, or
/// both (the constant is used when the payload has nothing, or null, at the pointer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Mapped {
    /// A JSON pointer (RFC 6901) into the payload, e.g. `/alert/labels/severity`; `""`
    /// is the whole payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/alert/title")]
    pub pointer: Option<String>,
    /// A constant (or the fallback of `pointer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The ticket's priority: the payload's value looked up in `map` (values that already
/// are `P0`..`P3` need no entry), else the constant `value`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/alert/severity")]
    pub pointer: Option<String>,
    /// The payload's value (as text) → priority, e.g. `{"critical": "P0"}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub map: BTreeMap<String, Priority>,
    /// The priority when the payload has nothing at `pointer` or a value `map` does not
    /// name; without it such a value is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Priority>,
}

/// How a source's payload becomes a ticket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub title: Mapped,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Mapped>,
    /// The source's own id of the thing (an alert's fingerprint, an issue's id): one
    /// ticket per reference, so a redelivery finds the ticket made first. A pointer.
    pub source_ref: Mapped,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_email: Option<Mapped>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_name: Option<Mapped>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<PriorityMapping>,
    /// A text (one tag) or an array of texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Mapped>,
    /// A team's slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Mapped>,
    /// The type's own fields: field name → where its value comes from (taken as JSON,
    /// as it is in the payload).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Mapped>,
    /// On a redelivery of a known reference: the text added to the ticket as a comment
    /// (once per distinct text, never the ticket's own body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Mapped>,
}

/// A payload's ticket values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappedTicket {
    pub title: String,
    pub body: String,
    pub source_ref: String,
    pub requester_email: Option<String>,
    pub requester_name: Option<String>,
    pub priority: Option<Priority>,
    pub tags: Vec<String>,
    pub team: Option<String>,
    pub fields: Map<String, Value>,
    pub comment: Option<String>,
}

/// Whether `p` is a JSON pointer: empty, or `/`-separated tokens where `~` is only ever
/// `~0` or `~1`.
pub fn is_pointer(p: &str) -> bool {
    if p.is_empty() {
        return true;
    }
    if !p.starts_with('/') {
        return false;
    }
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return false;
        }
    }
    true
}

fn error(pointer: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        pointer: pointer.into(),
        message: message.into(),
    }
}

/// A constant a text value may take: text, a number or a boolean.
fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

impl Mapping {
    /// Everything wrong with the mapping for `ty`, with pointers below `at` (the place
    /// of the mapping in the request, e.g. `/mapping`).
    pub fn check(&self, ty: &CompiledType, at: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let texts = [
            ("title", Some(&self.title)),
            ("body", self.body.as_ref()),
            ("source_ref", Some(&self.source_ref)),
            ("requester_email", self.requester_email.as_ref()),
            ("requester_name", self.requester_name.as_ref()),
            ("team", self.team.as_ref()),
            ("comment", self.comment.as_ref()),
        ];
        for (name, mapped) in texts {
            let Some(m) = mapped else { continue };
            let here = format!("{at}/{name}");
            check_mapped(m, &here, &mut errors);
            if let Some(v) = &m.value
                && !is_scalar(v)
            {
                errors.push(error(
                    format!("{here}/value"),
                    "a text, a number or a boolean",
                ));
            }
        }
        if self.source_ref.pointer.is_none() {
            errors.push(error(
                format!("{at}/source_ref/pointer"),
                "the reference comes from the payload (a constant would make every delivery the same ticket)",
            ));
        }
        if let Some(tags) = &self.tags {
            check_mapped(tags, &format!("{at}/tags"), &mut errors);
            if let Some(v) = &tags.value {
                let ok = match v {
                    Value::String(_) => true,
                    Value::Array(items) => items.iter().all(Value::is_string),
                    _ => false,
                };
                if !ok {
                    errors.push(error(
                        format!("{at}/tags/value"),
                        "a tag, or an array of tags",
                    ));
                }
            }
        }
        if let Some(p) = &self.priority {
            let here = format!("{at}/priority");
            match &p.pointer {
                Some(ptr) if !is_pointer(ptr) => errors.push(error(
                    format!("{here}/pointer"),
                    "not a JSON pointer (RFC 6901): empty, or starting with `/`",
                )),
                None if p.value.is_none() => errors.push(error(
                    here.clone(),
                    "give a pointer, a constant `value`, or both",
                )),
                None if !p.map.is_empty() => errors.push(error(
                    format!("{here}/map"),
                    "a map translates the payload's values: give a pointer too",
                )),
                _ => {}
            }
        }
        for (name, m) in &self.fields {
            let here = format!("{at}/fields/{}", escape(name));
            check_mapped(m, &here, &mut errors);
            let Some(field) = ty.field(name) else {
                errors.push(error(
                    here,
                    format!("the type `{}` has no field `{name}`", ty.slug()),
                ));
                continue;
            };
            if let Some(v) = &m.value {
                match FieldValidator::new(&ty.definition.schema, field) {
                    Ok(validator) => {
                        if let Err(message) = validator.check(v) {
                            errors.push(error(format!("{here}/value"), message));
                        }
                    }
                    Err(message) => errors.push(error(format!("{here}/value"), message)),
                }
            }
        }
        for field in &ty.fields {
            if field.required && field.default.is_none() && !self.fields.contains_key(&field.name) {
                errors.push(error(
                    format!("{at}/fields"),
                    format!(
                        "the type requires `{}`: map it to a pointer or give a constant",
                        field.name
                    ),
                ));
            }
        }
        errors
    }

    /// The payload's ticket values, or every problem (each names the ticket field, as
    /// its pointer, and the payload pointer in its message).
    pub fn apply(&self, payload: &Value) -> Result<MappedTicket, Vec<FieldError>> {
        let mut errors = Vec::new();
        let text = |name: &str, m: Option<&Mapped>, errors: &mut Vec<FieldError>| {
            let m = m?;
            match resolve(m, payload) {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
                Some(_) => {
                    errors.push(error(
                        format!("/{name}"),
                        from(m, "is an object or array, not a text"),
                    ));
                    None
                }
            }
        };
        let title = text("title", Some(&self.title), &mut errors);
        let body = text("body", self.body.as_ref(), &mut errors);
        let source_ref = text("source_ref", Some(&self.source_ref), &mut errors);
        let requester_email = text(
            "requester/email",
            self.requester_email.as_ref(),
            &mut errors,
        );
        let requester_name = text("requester/name", self.requester_name.as_ref(), &mut errors);
        let team = text("team", self.team.as_ref(), &mut errors);
        let comment = text("comment", self.comment.as_ref(), &mut errors);
        for (name, value, m) in [
            ("title", &title, &self.title),
            ("source_ref", &source_ref, &self.source_ref),
        ] {
            let pointer = format!("/{name}");
            let named = errors.iter().any(|e| e.pointer == pointer);
            if !named && value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                errors.push(error(
                    pointer,
                    from(m, "has no text here, and the ticket needs one"),
                ));
            }
        }
        if let Some(r) = &source_ref
            && r.chars().count() > MAX_REFERENCE
        {
            errors.push(error(
                "/source_ref",
                from(
                    &self.source_ref,
                    &format!("is longer than {MAX_REFERENCE} characters"),
                ),
            ));
        }
        let priority = self.priority.as_ref().and_then(|p| {
            let mapped = Mapped {
                pointer: p.pointer.clone(),
                value: None,
            };
            let found = p.pointer.as_ref().and_then(|_| resolve(&mapped, payload));
            let Some(found) = found else {
                return p.value;
            };
            let key = match found {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let chosen = p
                .map
                .get(&key)
                .copied()
                .or_else(|| Priority::parse(&key))
                .or(p.value);
            if chosen.is_none() {
                errors.push(error(
                    "/priority",
                    from(
                        &mapped,
                        &format!("is `{key}`, which the priority map does not name"),
                    ),
                ));
            }
            chosen
        });
        let tags = match self.tags.as_ref() {
            None => Vec::new(),
            Some(m) => match resolve(m, payload) {
                None => Vec::new(),
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect(),
                Some(_) => {
                    errors.push(error("/tags", from(m, "is not a tag or an array of tags")));
                    Vec::new()
                }
            },
        };
        let mut fields = Map::new();
        for (name, m) in &self.fields {
            if let Some(v) = resolve(m, payload) {
                fields.insert(name.clone(), v.clone());
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(MappedTicket {
            title: title.unwrap_or_default(),
            body: body.unwrap_or_default(),
            source_ref: source_ref.unwrap_or_default(),
            requester_email,
            requester_name,
            priority,
            tags,
            team,
            fields,
            comment,
        })
    }

    /// The payload pointer a ticket field's value came from (`/fields/impact` →
    /// the pointer mapped to `impact`), for errors found after mapping (the type's
    /// validation, an unknown team).
    pub fn origin(&self, ticket_pointer: &str) -> Option<&str> {
        let mut parts = ticket_pointer.trim_start_matches('/').split('/');
        let m = match parts.next()? {
            "title" => Some(&self.title),
            "body" => self.body.as_ref(),
            "source_ref" => Some(&self.source_ref),
            "team" => self.team.as_ref(),
            "tags" => self.tags.as_ref(),
            "priority" => return self.priority.as_ref()?.pointer.as_deref(),
            "requester" => match parts.next() {
                Some("name") => self.requester_name.as_ref(),
                _ => self.requester_email.as_ref(),
            },
            "fields" => self.fields.get(&unescape(parts.next()?)),
            _ => None,
        };
        m?.pointer.as_deref()
    }
}

/// "from the payload at `/x`: <what>", or "from the constant: <what>".
fn from(m: &Mapped, what: &str) -> String {
    match &m.pointer {
        Some(p) => format!("the payload at `{p}` {what}"),
        None => format!("the constant {what}"),
    }
}

fn check_mapped(m: &Mapped, here: &str, errors: &mut Vec<FieldError>) {
    match &m.pointer {
        Some(p) if !is_pointer(p) => errors.push(error(
            format!("{here}/pointer"),
            "not a JSON pointer (RFC 6901): empty, or starting with `/`; `~` only as `~0` or `~1`",
        )),
        None if m.value.is_none() => errors.push(error(
            here.to_string(),
            "give a pointer, a constant `value`, or both",
        )),
        _ => {}
    }
}

/// What the payload has at the pointer (null counts as nothing), else the constant.
fn resolve<'a>(m: &'a Mapped, payload: &'a Value) -> Option<&'a Value> {
    m.pointer
        .as_deref()
        .and_then(|p| payload.pointer(p))
        .filter(|v| !v.is_null())
        .or(m.value.as_ref())
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typedef::{Syntax, TypeDefinition};
    use serde_json::json;

    fn alert_type() -> CompiledType {
        let text = "slug: ops\nname: Ops\nkey_prefix: OPS\nschema:\n  type: object\n  required: [service]\n  properties:\n    service: {type: string}\n    severity: {type: string, enum: [low, high]}\n    hosts: {type: integer, minimum: 1}\n";
        CompiledType::compile(TypeDefinition::parse(text, Syntax::Yaml, None).unwrap(), 1).unwrap()
    }

    fn at(p: &str) -> Mapped {
        Mapped {
            pointer: Some(p.into()),
            value: None,
        }
    }

    fn constant(v: Value) -> Mapped {
        Mapped {
            pointer: None,
            value: Some(v),
        }
    }

    fn mapping() -> Mapping {
        Mapping {
            title: at("/alert/title"),
            source_ref: at("/alert/id"),
            priority: Some(PriorityMapping {
                pointer: Some("/alert/level".into()),
                map: BTreeMap::from([("critical".into(), Priority::P0)]),
                value: None,
            }),
            tags: Some(at("/alert/tags")),
            fields: BTreeMap::from([
                ("service".into(), at("/alert/service")),
                ("hosts".into(), at("/alert/hosts")),
            ]),
            ..Default::default()
        }
    }

    #[test]
    fn a_payload_maps_to_ticket_values() {
        let payload = json!({"alert": {"title": "Disk full", "id": 42, "level": "critical",
            "tags": ["disk", "prod"], "service": "db", "hosts": 3}});
        let t = mapping().apply(&payload).unwrap();
        assert_eq!(t.title, "Disk full");
        assert_eq!(t.source_ref, "42");
        assert_eq!(t.priority, Some(Priority::P0));
        assert_eq!(t.tags, vec!["disk", "prod"]);
        assert_eq!(t.fields["hosts"], json!(3));
    }

    #[test]
    fn problems_name_the_ticket_field_and_the_payload_pointer() {
        let payload = json!({"alert": {"title": {"no": 1}, "level": "weird"}});
        let errors = mapping().apply(&payload).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/title", "/source_ref", "/priority"]);
        assert!(errors[0].message.contains("/alert/title"), "{errors:?}");
        assert!(errors[2].message.contains("`weird`"), "{errors:?}");
        assert_eq!(mapping().origin("/fields/hosts"), Some("/alert/hosts"));
        assert_eq!(mapping().origin("/tags/1"), Some("/alert/tags"));
        assert_eq!(mapping().origin("/requester/email"), None);
    }

    #[test]
    fn constants_fill_in_where_the_payload_has_nothing() {
        let mut m = mapping();
        m.priority.as_mut().unwrap().value = Some(Priority::P3);
        m.title = Mapped {
            pointer: Some("/nothing".into()),
            value: Some(json!("Alert")),
        };
        let t = m.apply(&json!({"alert": {"id": "a"}})).unwrap();
        assert_eq!(t.title, "Alert");
        assert_eq!(t.priority, Some(Priority::P3));
    }

    #[test]
    fn a_mapping_is_checked_against_its_type() {
        let mut m = mapping();
        m.fields.insert("severty".into(), at("/x"));
        m.fields.insert("hosts".into(), constant(json!(0)));
        m.fields.remove("service");
        m.team = Some(at("no-slash"));
        m.source_ref = constant(json!("same"));
        let errors = m.check(&alert_type(), "/mapping");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/mapping/team/pointer",
                "/mapping/source_ref/pointer",
                "/mapping/fields/hosts/value",
                "/mapping/fields/severty",
                "/mapping/fields",
            ],
            "{errors:?}"
        );
        assert!(mapping().check(&alert_type(), "/mapping").is_empty());
    }

    #[test]
    fn pointers_follow_rfc_6901() {
        for ok in ["", "/", "/a/0", "/a~0b/c~1d", "/ spaces "] {
            assert!(is_pointer(ok), "{ok}");
        }
        for bad in ["a", "/a~", "/a~2", "#/a"] {
            assert!(!is_pointer(bad), "{bad}");
        }
    }
}

//! Realistic ticket payloads, generated from the type definitions themselves: required
//! fields always, optional ones often, enum values picked from the enum, strings that
//! match the field's `pattern`, numbers inside `minimum`/`maximum`, dates and date-times
//! in a plausible range. Row `i` is always the same row (a seeded generator), so the
//! API run and the raw SQL run insert the same data.

use docket_core::fields::FieldSpec;
use docket_core::typedef::CompiledType;
use serde_json::{Map, Value, json};

/// SplitMix64: small, fast, good enough to spread values; no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    pub fn float(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.float() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64 - 1) as usize]
    }
}

/// One ticket as a client would send it.
#[derive(Debug, Clone)]
pub struct Row {
    pub type_slug: String,
    pub title: String,
    pub body: String,
    pub requester_email: String,
    /// The type's own fields as sent (defaults are added by the server, and by the raw
    /// insert, exactly as Docket would).
    pub fields: Map<String, Value>,
}

impl Row {
    /// The create the API makes for this row, with the requester's e-mail and an
    /// idempotency key.
    pub fn new_ticket(&self, key: &str) -> docket_store::NewTicket {
        docket_store::NewTicket {
            type_slug: self.type_slug.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            requester: Some(docket_store::RequesterRef {
                email: Some(self.requester_email.clone()),
                ..Default::default()
            }),
            fields: self.fields.clone(),
            actor: "api".into(),
            idempotency: Some(docket_store::IdempotencyKey {
                scope: "api".into(),
                key: key.to_string(),
                request_hash: key.to_string(),
            }),
            ..Default::default()
        }
    }
}

impl Row {
    /// The body of `POST /api/v1/tickets`.
    pub fn payload(&self) -> Value {
        json!({
            "type": self.type_slug,
            "title": self.title,
            "body": self.body,
            "requester": {"email": self.requester_email},
            "fields": self.fields,
        })
    }
}

pub(crate) const WORDS: &[&str] = &[
    "the",
    "printer",
    "on",
    "floor",
    "three",
    "keeps",
    "jamming",
    "after",
    "update",
    "since",
    "monday",
    "cannot",
    "sign",
    "in",
    "to",
    "portal",
    "error",
    "appears",
    "when",
    "opening",
    "report",
    "screen",
    "flickers",
    "battery",
    "drains",
    "quickly",
    "network",
    "drops",
    "every",
    "few",
    "minutes",
    "please",
    "help",
    "urgent",
    "customer",
    "invoice",
    "delivery",
    "late",
    "broken",
    "replaced",
    "twice",
    "already",
    "meeting",
    "room",
    "badge",
    "access",
    "denied",
    "noise",
    "from",
    "unit",
    "leaking",
    "near",
    "door",
    "vpn",
    "connection",
    "timeout",
    "shared",
    "drive",
    "missing",
    "files",
    "laptop",
    "will",
    "not",
    "boot",
    "blue",
    "password",
    "expired",
];

pub(crate) fn sentence(rng: &mut Rng, min_chars: usize, max_chars: usize) -> String {
    let target = rng.range(min_chars as u64, max_chars as u64) as usize;
    let mut s = String::new();
    while s.len() < target {
        if !s.is_empty() {
            s.push(' ');
        }
        let word: &&str = rng.pick(WORDS);
        s.push_str(word);
    }
    let mut s: String = s.chars().take(max_chars).collect();
    while s.chars().count() < min_chars {
        s.push('x');
    }
    if let Some(first) = s.get(0..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s.trim_end().to_string()
}

pub(crate) fn titles(slug: &str) -> &'static [&'static str] {
    match slug {
        "it_support" => &[
            "Laptop will not boot",
            "Cannot connect to VPN from home",
            "Outlook keeps asking for my password",
            "Printer on floor 3 jams on every job",
            "Need access to the finance shared drive",
            "Monitor flickers after docking",
            "Suspicious email with an attachment",
        ],
        "admin_request" => &[
            "New access badge for a contractor",
            "Desk move to the third floor",
            "Business cards for the new hire",
            "Parking permit for the spring quarter",
            "Employment letter for a visa application",
        ],
        "complaint" => &[
            "Order arrived damaged",
            "Charged twice for the same invoice",
            "Rude behaviour at the front desk",
            "Delivery three weeks late",
            "No answer to my emails since last month",
        ],
        "discord_support" => &[
            "Cannot link my account",
            "Appeal against my mute",
            "Bot crashes when I use /rank",
            "Member is spamming invites in DMs",
            "Billing: charged for Nitro boost twice",
        ],
        "equipment_maintenance" => &[
            "Forklift 4 hydraulic leak",
            "HVAC unit in hall B makes a grinding noise",
            "Annual inspection of the fire extinguishers",
            "Generator fails its weekly test run",
            "Elevator stops between floors",
        ],
        _ => &["Something needs attention"],
    }
}

/// The row number `i` of type `ty`.
pub fn row(ty: &CompiledType, i: u64) -> Row {
    let mut rng = Rng::new(i.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ fnv(ty.slug()));
    let mut fields = Map::new();
    for f in &ty.fields {
        if (f.required || rng.chance(0.7))
            && let Some(v) = value(f, &mut rng)
        {
            fields.insert(f.name.clone(), v);
        }
    }
    let title = format!("{} (#{i})", *rng.pick(titles(ty.slug())));
    let body = sentence(&mut rng, 40, 400);
    Row {
        type_slug: ty.slug().to_string(),
        title,
        body,
        // A pool of requesters: most people open more than one ticket.
        requester_email: format!("user{}@example.com", rng.range(1, 500)),
        fields,
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A valid value for the field, or None when the generator does not know its shape (the
/// field is then left out, which is valid for optional fields; the up-front validation
/// of every payload catches a required one).
fn value(f: &FieldSpec, rng: &mut Rng) -> Option<Value> {
    if let Some(values) = &f.enum_values {
        return Some(rng.pick(values).clone());
    }
    scalar(&f.schema, rng)
}

fn scalar(schema: &Value, rng: &mut Rng) -> Option<Value> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return (!values.is_empty()).then(|| rng.pick(values).clone());
    }
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    match schema.get("type").and_then(Value::as_str)? {
        "string" => {
            if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                return Some(Value::String(from_pattern(p, rng)?));
            }
            match schema.get("format").and_then(Value::as_str) {
                Some("date") => Some(Value::String(date(rng))),
                Some("date-time") => Some(Value::String(format!(
                    "{}T{:02}:{:02}:{:02}Z",
                    date(rng),
                    rng.range(0, 23),
                    rng.range(0, 59),
                    rng.range(0, 59)
                ))),
                Some("uri") => Some(Value::String(format!(
                    "https://files.example.com/uploads/{}.png",
                    rng.next_u64() % 10_000_000
                ))),
                Some("email") => Some(Value::String(format!(
                    "someone{}@example.com",
                    rng.range(1, 9999)
                ))),
                _ => {
                    let min = num("minLength").unwrap_or(0.0) as usize;
                    let max = num("maxLength").unwrap_or(200.0) as usize;
                    // Long free-text fields get a paragraph, short ones a phrase.
                    let hi = if max >= 1000 { 600 } else { max.min(60) };
                    Some(Value::String(sentence(
                        rng,
                        min.max(4).min(hi),
                        hi.max(min),
                    )))
                }
            }
        }
        "integer" => {
            let lo = num("minimum").unwrap_or(0.0).ceil() as i64;
            let hi = num("maximum").unwrap_or(lo as f64 + 1000.0).floor() as i64;
            Some(Value::from(spread(rng, lo as f64, hi as f64).round() as i64))
        }
        "number" => {
            let lo = num("minimum").unwrap_or(0.0);
            let hi = num("maximum").unwrap_or(lo + 1000.0);
            let v = (spread(rng, lo, hi) * 100.0).round() / 100.0;
            Some(Value::from(v.clamp(lo, hi)))
        }
        "boolean" => Some(Value::Bool(rng.chance(0.3))),
        "array" => {
            let items = schema.get("items")?;
            let max = schema.get("maxItems").and_then(Value::as_u64).unwrap_or(3);
            let n = rng.range(1, max.clamp(1, 3));
            let mut out: Vec<Value> = Vec::new();
            for _ in 0..n * 3 {
                if out.len() as u64 >= n {
                    break;
                }
                let v = scalar(items, rng)?;
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Some(Value::Array(out))
        }
        _ => None,
    }
}

/// Log-uniform between `lo` and `hi` when the range spans orders of magnitude (a few
/// tickets affect thousands of people, most affect one or two), uniform otherwise.
fn spread(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return lo;
    }
    if lo >= 0.0 && hi / (lo.max(1.0)) > 100.0 {
        let a = (lo.max(1.0)).ln();
        let b = hi.ln();
        (a + rng.float() * (b - a)).exp().clamp(lo, hi)
    } else {
        lo + rng.float() * (hi - lo)
    }
}

fn date(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}",
        rng.range(2025, 2026),
        rng.range(1, 12),
        rng.range(1, 28)
    )
}

/// A string matching a (simple) regular expression: literals, escapes, `\d`, classes
/// with ranges, groups with alternatives, and the quantifiers `? * + {n} {n,} {n,m}`.
/// That covers the patterns ID-like fields use; None for anything else.
pub fn from_pattern(pattern: &str, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let alternatives = parse_alternatives(&chars, &mut pos)?;
    if pos != chars.len() {
        return None;
    }
    let mut out = String::new();
    emit(&Node::Group(alternatives), rng, &mut out);
    Some(out)
}

enum Node {
    Lit(char),
    Class(Vec<(char, char)>),
    Group(Vec<Vec<Node>>),
    Repeat(Box<Node>, u32, u32),
}

fn parse_alternatives(chars: &[char], pos: &mut usize) -> Option<Vec<Vec<Node>>> {
    let mut alternatives = vec![Vec::new()];
    while *pos < chars.len() {
        let c = chars[*pos];
        let atom = match c {
            ')' => break,
            '|' => {
                *pos += 1;
                alternatives.push(Vec::new());
                continue;
            }
            '^' | '$' => {
                *pos += 1;
                continue;
            }
            '(' => {
                *pos += 1;
                if chars.get(*pos) == Some(&'?') {
                    if chars.get(*pos + 1) != Some(&':') {
                        return None;
                    }
                    *pos += 2;
                }
                let inner = parse_alternatives(chars, pos)?;
                if chars.get(*pos) != Some(&')') {
                    return None;
                }
                *pos += 1;
                Node::Group(inner)
            }
            '[' => {
                *pos += 1;
                if chars.get(*pos) == Some(&'^') {
                    return None;
                }
                let mut ranges = Vec::new();
                while *pos < chars.len() && chars[*pos] != ']' {
                    let mut lo = chars[*pos];
                    if lo == '\\' {
                        *pos += 1;
                        lo = *chars.get(*pos)?;
                        if lo == 'd' {
                            ranges.push(('0', '9'));
                            *pos += 1;
                            continue;
                        }
                    }
                    *pos += 1;
                    if chars.get(*pos) == Some(&'-')
                        && chars.get(*pos + 1).is_some_and(|c| *c != ']')
                    {
                        let hi = chars[*pos + 1];
                        *pos += 2;
                        ranges.push((lo, hi));
                    } else {
                        ranges.push((lo, lo));
                    }
                }
                if chars.get(*pos) != Some(&']') || ranges.is_empty() {
                    return None;
                }
                *pos += 1;
                Node::Class(ranges)
            }
            '\\' => {
                *pos += 1;
                let e = *chars.get(*pos)?;
                *pos += 1;
                match e {
                    'd' => Node::Class(vec![('0', '9')]),
                    'w' => Node::Class(vec![('a', 'z'), ('0', '9')]),
                    c if c.is_ascii_alphanumeric() => return None,
                    c => Node::Lit(c),
                }
            }
            '.' => {
                *pos += 1;
                Node::Class(vec![('a', 'z')])
            }
            '*' | '+' | '?' | '{' => return None,
            c => {
                *pos += 1;
                Node::Lit(c)
            }
        };
        let atom = match chars.get(*pos) {
            Some('?') => {
                *pos += 1;
                Node::Repeat(Box::new(atom), 0, 1)
            }
            Some('*') => {
                *pos += 1;
                Node::Repeat(Box::new(atom), 0, 3)
            }
            Some('+') => {
                *pos += 1;
                Node::Repeat(Box::new(atom), 1, 3)
            }
            Some('{') => {
                let close = chars[*pos..].iter().position(|c| *c == '}')? + *pos;
                let spec: String = chars[*pos + 1..close].iter().collect();
                *pos = close + 1;
                let (lo, hi) = match spec.split_once(',') {
                    None => {
                        let n = spec.trim().parse().ok()?;
                        (n, n)
                    }
                    Some((lo, "")) => {
                        let lo: u32 = lo.trim().parse().ok()?;
                        (lo, lo + 3)
                    }
                    Some((lo, hi)) => (lo.trim().parse().ok()?, hi.trim().parse().ok()?),
                };
                Node::Repeat(Box::new(atom), lo, hi)
            }
            _ => atom,
        };
        alternatives.last_mut().expect("one at least").push(atom);
    }
    Some(alternatives)
}

fn emit(node: &Node, rng: &mut Rng, out: &mut String) {
    match node {
        Node::Lit(c) => out.push(*c),
        Node::Class(ranges) => {
            let (lo, hi) = *rng.pick(ranges);
            let c = char::from_u32(rng.range(lo as u64, hi as u64) as u32).unwrap_or(lo);
            out.push(c);
        }
        Node::Group(alternatives) => {
            for n in rng.pick(alternatives) {
                emit(n, rng, out);
            }
        }
        Node::Repeat(inner, lo, hi) => {
            for _ in 0..rng.range(*lo as u64, *hi as u64) {
                emit(inner, rng, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_core::typedef::{Syntax, TypeDefinition};

    /// Every generated payload of every shipped type passes the type's own validator
    /// (the bench refuses to run otherwise; this catches it earlier).
    #[test]
    fn generated_rows_validate_against_the_shipped_types() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let def = TypeDefinition::parse(&text, Syntax::Yaml, None).unwrap();
            let ty = CompiledType::compile(def, 1).unwrap();
            for i in 0..300 {
                let r = row(&ty, i);
                let errors = ty.validate(&ty.with_defaults(&Value::Object(r.fields)), "");
                assert!(errors.is_empty(), "{} row {i}: {errors:?}", ty.slug());
            }
            n += 1;
        }
        assert_eq!(n, 5);
    }

    #[test]
    fn patterns_of_the_shipped_types() {
        let mut rng = Rng::new(7);
        let link = r"^https://(ptb\.|canary\.)?discord(app)?\.com/channels/[0-9]{17,20}/[0-9]{17,20}/[0-9]{17,20}$";
        let s = from_pattern(link, &mut rng).unwrap();
        assert!(
            s.starts_with("https://") && s.contains(".com/channels/"),
            "{s}"
        );
        let s = from_pattern("^(ORD|INV|CON)-[0-9]{6,10}$", &mut rng).unwrap();
        assert!(
            ["ORD-", "INV-", "CON-"].iter().any(|p| s.starts_with(p)),
            "{s}"
        );
        assert!(from_pattern("^[^a]$", &mut rng).is_none());
    }
}

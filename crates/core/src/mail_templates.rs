//! The emails Docket sends, as templates admins may edit: one per kind of news and
//! audience, each a subject, a plain-text body and an HTML body. The defaults ship here;
//! an admin's version replaces one (stored by the store, checked here first).
//!
//! The language is deliberately small (logic stays in Docket, wording in templates):
//! - `{{ ticket.title }}` a value (HTML-escaped in the HTML body; newlines become
//!   `<br>` there);
//! - `{{#follow_url}}…{{/follow_url}}` shown when the value is not empty,
//!   `{{^follow_url}}…{{/follow_url}}` when it is.
//!
//! Only the names in `VARIABLES` exist, so a typo is refused when the admin saves, with
//! the line and column, instead of mailing an empty hole to customers.

use serde_json::Value;

/// One email template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailTemplate {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Who a template is for and what it says, with its default wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateKind {
    pub name: &'static str,
    pub description: &'static str,
    subject: &'static str,
    text: &'static str,
    html: &'static str,
}

impl TemplateKind {
    pub fn default_template(&self) -> MailTemplate {
        MailTemplate {
            subject: self.subject.to_string(),
            text: self.text.to_string(),
            html: self.html.to_string(),
        }
    }

    pub fn by_name(name: &str) -> Option<&'static TemplateKind> {
        TEMPLATES.iter().find(|k| k.name == name)
    }
}

pub const REQUESTER_ACKNOWLEDGEMENT: &str = "requester.acknowledgement";
pub const REQUESTER_REPLY: &str = "requester.reply";
pub const STAFF_ASSIGNED: &str = "staff.assigned";
pub const STAFF_REPLY: &str = "staff.reply";
pub const STAFF_MENTION: &str = "staff.mention";
pub const STAFF_SLA_WARNING: &str = "staff.sla_warning";
pub const STAFF_SLA_BREACH: &str = "staff.sla_breach";
pub const STAFF_SLA_STILL_BREACHED: &str = "staff.sla_still_breached";
pub const STAFF_WEBHOOK_DISABLED: &str = "staff.webhook_disabled";

/// The names a template may use, with what they hold. Values that do not apply to an
/// email (no comment in an assignment) are empty.
pub const VARIABLES: [(&str, &str); 17] = [
    (
        "recipient.name",
        "the person the email is for (may be empty)",
    ),
    ("site.name", "the sender name set in the email settings"),
    ("ticket.key", "IT-42"),
    ("ticket.title", "the ticket's title"),
    ("ticket.status", "its status"),
    ("ticket.priority", "P0 to P3"),
    ("ticket.type", "its type's name"),
    ("ticket.url", "the ticket in the web workspace (staff)"),
    (
        "follow_url",
        "the requester's signed link to follow and answer the ticket",
    ),
    ("actor", "who made the change"),
    ("comment.author", "who wrote the comment"),
    ("comment.body", "the comment's text"),
    ("sla.metric", "first response or resolution"),
    ("sla.due_at", "when the target is due (UTC)"),
    ("webhook.name", "the switched-off webhook subscription"),
    ("webhook.reason", "why it was switched off"),
    ("settings.url", "the web workspace's address"),
];

pub const TEMPLATES: [TemplateKind; 9] = [
    TemplateKind {
        name: REQUESTER_ACKNOWLEDGEMENT,
        description: "To the requester when their ticket is opened (not for Discord tickets).",
        subject: "{{ ticket.title }}",
        text: "Hello{{#recipient.name}} {{ recipient.name }}{{/recipient.name}},\n\n\
We received your request and opened ticket {{ ticket.key }}: {{ ticket.title }}.\n\
Answer this email to add to it.\n\
{{#follow_url}}\nFollow it online: {{ follow_url }}\n{{/follow_url}}\n\
-- \n{{ site.name }}\n",
        html: "<p>Hello{{#recipient.name}} {{ recipient.name }}{{/recipient.name}},</p>\n\
<p>We received your request and opened ticket <strong>{{ ticket.key }}</strong>: {{ ticket.title }}.<br>\
Answer this email to add to it.</p>\n\
{{#follow_url}}<p><a href=\"{{ follow_url }}\">Follow it online</a></p>\n{{/follow_url}}\
<p>-- <br>{{ site.name }}</p>\n",
    },
    TemplateKind {
        name: REQUESTER_REPLY,
        description: "To the requester when staff answer publicly.",
        subject: "{{ ticket.title }}",
        text: "{{ comment.body }}\n\n-- \n{{ comment.author }}, {{ site.name }}\n\
{{#follow_url}}Follow {{ ticket.key }} online: {{ follow_url }}\n{{/follow_url}}",
        html: "<div>{{ comment.body }}</div>\n<p>-- <br>{{ comment.author }}, {{ site.name }}</p>\n\
{{#follow_url}}<p><a href=\"{{ follow_url }}\">Follow {{ ticket.key }} online</a></p>\n{{/follow_url}}",
    },
    TemplateKind {
        name: STAFF_ASSIGNED,
        description: "To an agent when a ticket is assigned to them by someone else.",
        subject: "Assigned to you: {{ ticket.title }}",
        text: "{{ actor }} assigned {{ ticket.key }} ({{ ticket.priority }}, {{ ticket.type }}) to you:\n\
{{ ticket.title }}\n{{#ticket.url}}\n{{ ticket.url }}\n{{/ticket.url}}",
        html: "<p>{{ actor }} assigned <strong>{{ ticket.key }}</strong> ({{ ticket.priority }}, {{ ticket.type }}) to you:<br>\
{{ ticket.title }}</p>\n{{#ticket.url}}<p><a href=\"{{ ticket.url }}\">Open {{ ticket.key }}</a></p>\n{{/ticket.url}}",
    },
    TemplateKind {
        name: STAFF_REPLY,
        description: "To the assignee when the requester answers.",
        subject: "{{ comment.author }} replied: {{ ticket.title }}",
        text: "{{ comment.author }} wrote on {{ ticket.key }}:\n\n{{ comment.body }}\n\
{{#ticket.url}}\n{{ ticket.url }}\n{{/ticket.url}}",
        html: "<p>{{ comment.author }} wrote on <strong>{{ ticket.key }}</strong>:</p>\n\
<blockquote>{{ comment.body }}</blockquote>\n\
{{#ticket.url}}<p><a href=\"{{ ticket.url }}\">Open {{ ticket.key }}</a></p>\n{{/ticket.url}}",
    },
    TemplateKind {
        name: STAFF_MENTION,
        description: "To a colleague mentioned (@name) in a comment.",
        subject: "{{ comment.author }} mentioned you: {{ ticket.title }}",
        text: "{{ comment.author }} mentioned you on {{ ticket.key }}:\n\n{{ comment.body }}\n\
{{#ticket.url}}\n{{ ticket.url }}\n{{/ticket.url}}",
        html: "<p>{{ comment.author }} mentioned you on <strong>{{ ticket.key }}</strong>:</p>\n\
<blockquote>{{ comment.body }}</blockquote>\n\
{{#ticket.url}}<p><a href=\"{{ ticket.url }}\">Open {{ ticket.key }}</a></p>\n{{/ticket.url}}",
    },
    TemplateKind {
        name: STAFF_SLA_WARNING,
        description: "To the escalation's recipients when a target is close.",
        subject: "SLA warning: {{ ticket.title }}",
        text: "{{ ticket.key }} ({{ ticket.priority }}) is close to its {{ sla.metric }} target, due {{ sla.due_at }}.\n\
{{#ticket.url}}\n{{ ticket.url }}\n{{/ticket.url}}",
        html: "<p><strong>{{ ticket.key }}</strong> ({{ ticket.priority }}) is close to its {{ sla.metric }} target, due {{ sla.due_at }}.</p>\n\
{{#ticket.url}}<p><a href=\"{{ ticket.url }}\">Open {{ ticket.key }}</a></p>\n{{/ticket.url}}",
    },
    TemplateKind {
        name: STAFF_SLA_BREACH,
        description: "To the escalation's recipients when a target is missed.",
        subject: "SLA breached: {{ ticket.title }}",
        text: "{{ ticket.key }} ({{ ticket.priority }}) missed its {{ sla.metric }} target (due {{ sla.due_at }}).\n\
{{#ticket.url}}\n{{ ticket.url }}\n{{/ticket.url}}",
        html: "<p><strong>{{ ticket.key }}</strong> ({{ ticket.priority }}) missed its {{ sla.metric }} target (due {{ sla.due_at }}).</p>\n\
{{#ticket.url}}<p><a href=\"{{ ticket.url }}\">Open {{ ticket.key }}</a></p>\n{{/ticket.url}}",
    },
    TemplateKind {
        name: STAFF_SLA_STILL_BREACHED,
        description: "Reminders while a ticket stays past its target.",
        subject: "Still breached: {{ ticket.title }}",
        text: "{{ ticket.key }} ({{ ticket.priority }}) is still past its {{ sla.metric }} target (due {{ sla.due_at }}).\n\
{{#ticket.url}}\n{{ ticket.url }}\n{{/ticket.url}}",
        html: "<p><strong>{{ ticket.key }}</strong> ({{ ticket.priority }}) is still past its {{ sla.metric }} target (due {{ sla.due_at }}).</p>\n\
{{#ticket.url}}<p><a href=\"{{ ticket.url }}\">Open {{ ticket.key }}</a></p>\n{{/ticket.url}}",
    },
    TemplateKind {
        name: STAFF_WEBHOOK_DISABLED,
        description: "To admins when a webhook subscription switched itself off.",
        subject: "Webhook switched off: {{ webhook.name }}",
        text: "The webhook subscription “{{ webhook.name }}” was switched off: {{ webhook.reason }}.\n\
Check its endpoint, then switch it on again under Admin → Outgoing webhooks.\n\
{{#settings.url}}\n{{ settings.url }}/admin/outgoing-webhooks\n{{/settings.url}}",
        html: "<p>The webhook subscription “{{ webhook.name }}” was switched off: {{ webhook.reason }}.</p>\n\
<p>Check its endpoint, then switch it on again under Admin → Outgoing webhooks.</p>\n\
{{#settings.url}}<p><a href=\"{{ settings.url }}/admin/outgoing-webhooks\">Outgoing webhooks</a></p>\n{{/settings.url}}",
    },
];

/// What is wrong with a template, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}, line {line}, column {column}: {message}")]
pub struct TemplateError {
    /// `subject`, `text` or `html`.
    pub part: &'static str,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Text(String),
    Value(String),
    /// A section: its name, whether it shows when the value is empty (`^`), its body.
    Section(String, bool, Vec<Node>),
}

/// Check every part of a template: well-formed, known names only, a one-line subject.
pub fn check(template: &MailTemplate) -> Result<(), TemplateError> {
    if template.subject.contains(['\n', '\r']) {
        return Err(TemplateError {
            part: "subject",
            line: 1,
            column: 1,
            message: "the subject is one line".into(),
        });
    }
    for (part, source) in [
        ("subject", &template.subject),
        ("text", &template.text),
        ("html", &template.html),
    ] {
        parse(part, source)?;
    }
    Ok(())
}

/// The email a template makes for `context` (a JSON object whose dotted paths are the
/// `VARIABLES`). A template that does not parse (it was checked when saved, so only a
/// default edited badly in code could) renders as its source, never fails a send.
pub fn render(template: &MailTemplate, context: &Value) -> MailTemplate {
    let run = |part, source: &str, html| match parse(part, source) {
        Ok(nodes) => {
            let mut out = String::new();
            write_nodes(&nodes, context, html, &mut out);
            out
        }
        Err(_) => source.to_string(),
    };
    MailTemplate {
        // A value with a line break must not make a second header line.
        subject: run("subject", &template.subject, false)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        text: run("text", &template.text, false),
        html: run("html", &template.html, true),
    }
}

fn write_nodes(nodes: &[Node], context: &Value, html: bool, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Value(name) => {
                let value = lookup(context, name);
                if html {
                    out.push_str(&escape_html(&value).replace('\n', "<br>\n"));
                } else {
                    out.push_str(&value);
                }
            }
            Node::Section(name, inverted, body) => {
                if lookup(context, name).trim().is_empty() == *inverted {
                    write_nodes(body, context, html, out);
                }
            }
        }
    }
}

/// The text of a dotted path: strings as they are, numbers and booleans written out,
/// anything else (missing, null) empty.
fn lookup(context: &Value, path: &str) -> String {
    let mut v = context;
    for part in path.split('.') {
        match v.get(part) {
            Some(inner) => v = inner,
            None => return String::new(),
        }
    }
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn parse(part: &'static str, source: &str) -> Result<Vec<Node>, TemplateError> {
    let error = |at: usize, message: String| {
        let before = &source[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        TemplateError {
            part,
            line,
            column,
            message,
        }
    };
    // Open sections: (name, inverted, where it opened, the nodes before it).
    let mut stack: Vec<(String, bool, usize, Vec<Node>)> = Vec::new();
    let mut nodes = Vec::new();
    let mut rest = 0;
    while let Some(found) = source[rest..].find("{{") {
        let open = rest + found;
        if open > rest {
            nodes.push(Node::Text(source[rest..open].to_string()));
        }
        let Some(len) = source[open + 2..].find("}}") else {
            return Err(error(open, "`{{` is not closed with `}}`".into()));
        };
        let inner = source[open + 2..open + 2 + len].trim();
        rest = open + 2 + len + 2;
        let (sigil, name) = match inner.chars().next() {
            Some(c @ ('#' | '^' | '/')) => (Some(c), inner[1..].trim()),
            _ => (None, inner),
        };
        if !VARIABLES.iter().any(|(v, _)| *v == name) {
            let known: Vec<&str> = VARIABLES.iter().map(|(v, _)| *v).collect();
            return Err(error(
                open,
                format!("unknown name `{name}`; known: {}", known.join(", ")),
            ));
        }
        match sigil {
            None => nodes.push(Node::Value(name.to_string())),
            Some(c @ ('#' | '^')) => {
                stack.push((name.to_string(), c == '^', open, std::mem::take(&mut nodes)));
            }
            _ => match stack.pop() {
                Some((opened, inverted, _, outer)) if opened == name => {
                    let body = std::mem::replace(&mut nodes, outer);
                    nodes.push(Node::Section(opened, inverted, body));
                }
                Some((opened, ..)) => {
                    return Err(error(
                        open,
                        format!("`{{{{/{name}}}}}` closes `{opened}`, which is still open"),
                    ));
                }
                None => {
                    return Err(error(open, format!("`{{{{/{name}}}}}` closes nothing")));
                }
            },
        }
    }
    if let Some((name, _, at, _)) = stack.pop() {
        return Err(error(at, format!("section `{name}` is never closed")));
    }
    if rest < source.len() {
        nodes.push(Node::Text(source[rest..].to_string()));
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_default_checks() {
        for kind in &TEMPLATES {
            check(&kind.default_template()).unwrap_or_else(|e| panic!("{}: {e}", kind.name));
        }
    }

    #[test]
    fn values_sections_and_escaping() {
        let t = MailTemplate {
            subject: "Re {{ ticket.title }}".into(),
            text: "Hi{{#recipient.name}} {{recipient.name}}{{/recipient.name}}{{^follow_url}}!{{/follow_url}}".into(),
            html: "<p>{{ comment.body }}</p>".into(),
        };
        let out = render(
            &t,
            &json!({"ticket": {"title": "two\nlines"}, "recipient": {"name": "Ada"},
                    "comment": {"body": "<b>x</b>\ny"}}),
        );
        assert_eq!(out.subject, "Re two lines");
        assert_eq!(out.text, "Hi Ada!");
        assert_eq!(out.html, "<p>&lt;b&gt;x&lt;/b&gt;<br>\ny</p>");
        let out = render(&t, &json!({"follow_url": "https://x"}));
        assert_eq!(out.text, "Hi");
    }

    #[test]
    fn mistakes_say_where() {
        let bad = |text: &str| {
            check(&MailTemplate {
                subject: "s".into(),
                text: text.into(),
                html: String::new(),
            })
            .unwrap_err()
        };
        let e = bad("line one\n  {{ ticket.titel }}");
        assert_eq!((e.part, e.line, e.column), ("text", 2, 3));
        assert!(e.message.contains("ticket.titel"), "{e}");
        assert!(bad("{{#follow_url}} open").message.contains("never closed"));
        assert!(bad("{{/follow_url}}").message.contains("closes nothing"));
        assert!(bad("{{ ticket.key ").message.contains("not closed"));
        assert!(
            bad("{{#follow_url}}{{#ticket.url}}{{/follow_url}}{{/ticket.url}}")
                .message
                .contains("still open")
        );
        let subject = check(&MailTemplate {
            subject: "a\nBcc: x".into(),
            text: String::new(),
            html: String::new(),
        });
        assert!(subject.is_err());
    }
}

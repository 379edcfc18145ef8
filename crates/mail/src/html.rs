//! HTML bodies: sanitising for display and converting to readable text.
//!
//! What the sanitised HTML keeps (ammonia's safe defaults, tightened):
//! - no scripts, styles, forms, frames, event handlers or `style` attributes; the
//!   contents of `<script>` and `<style>` go too, not only the tags;
//! - links keep http, https and mailto targets only, and get
//!   `rel="noopener noreferrer nofollow"`;
//! - images keep `cid:` sources only (the message's own inline attachments, which the
//!   caller serves). Remote images are dropped (the `src` is removed, the `alt` text
//!   stays): they are tracking pixels as often as content, and an agent opening a
//!   ticket must not tell the sender so. The original HTML stays in the raw message.

use std::collections::HashSet;
use std::sync::LazyLock;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto", "cid"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" && !starts_with_ignore_case(value, "cid:") {
                None
            } else {
                Some(value.into())
            }
        });
    builder
});

fn starts_with_ignore_case(value: &str, prefix: &str) -> bool {
    value
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// The HTML with everything active or remote removed (see the module doc).
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Readable text from HTML: paragraphs and line breaks kept, list items as `- `,
/// links as `text (url)`, and blockquotes as `> ` lines, so that reply extraction
/// treats quoted history in an HTML-only mail like quoted history in plain text.
pub fn html_to_text(html: &str) -> String {
    // Sanitising first makes the markup well-formed and removes script and style
    // contents, so the small scanner below never sees them.
    let clean = sanitize_html(html);
    let mut out = TextWriter::default();
    let mut rest = clean.as_str();
    while let Some(lt) = rest.find('<') {
        out.text(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let end = tag_end(after);
        out.tag(&after[..end]);
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.text(&decode_entities(rest));
    out.finish()
}

/// The index of the `>` that ends a tag, skipping quoted attribute values (the
/// serializer does not escape `>` inside them).
fn tag_end(tag: &str) -> usize {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    tag.len()
}

/// The entities html5ever's serializer writes; everything else is plain UTF-8.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let start = lower.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(decode_entities(&tag[start..start + len]))
}

#[derive(Default)]
struct TextWriter {
    lines: Vec<String>,
    line: String,
    quote_depth: usize,
    pre: usize,
    link: Option<(String, usize)>,
}

impl TextWriter {
    fn text(&mut self, text: &str) {
        if self.pre > 0 {
            let mut parts = text.split('\n');
            if let Some(first) = parts.next() {
                self.line.push_str(first);
            }
            for part in parts {
                self.flush();
                self.line.push_str(part);
            }
            return;
        }
        for word_break in text.split(char::is_whitespace) {
            if word_break.is_empty() {
                if !self.line.is_empty() && !self.line.ends_with(' ') {
                    self.line.push(' ');
                }
                continue;
            }
            self.line.push_str(word_break);
            self.line.push(' ');
        }
        // A text node ends with a space only if it ended with whitespace.
        if !text.ends_with(char::is_whitespace) && self.line.ends_with(' ') {
            self.line.pop();
        }
    }

    fn tag(&mut self, tag: &str) {
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("br", _) => self.flush(),
            ("p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" | "ul" | "ol", _) => {
                self.paragraph()
            }
            ("div" | "tr" | "dt" | "dd" | "section" | "article" | "header" | "footer", _) => {
                self.block()
            }
            ("li", false) => {
                self.block();
                self.line.push_str("- ");
            }
            ("li", true) => self.block(),
            ("td" | "th", true) => self.line.push(' '),
            ("hr", _) => {
                self.block();
                self.line.push_str("---");
                self.block();
            }
            ("pre", false) => {
                self.paragraph();
                self.pre += 1;
            }
            ("pre", true) => {
                self.pre = self.pre.saturating_sub(1);
                self.paragraph();
            }
            ("blockquote", false) => {
                self.paragraph();
                self.quote_depth += 1;
            }
            ("blockquote", true) => {
                self.paragraph();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            ("a", false) => {
                self.link = attribute(tag, "href").map(|href| (href, self.line.len()));
            }
            ("a", true) => {
                if let Some((href, start)) = self.link.take() {
                    let label = self.line.get(start..).unwrap_or("").trim().to_string();
                    let target = href.strip_prefix("mailto:").unwrap_or(&href);
                    if !label.is_empty() && label != target {
                        self.line.push_str(&format!(" ({target})"));
                    } else if label.is_empty() {
                        self.line.push_str(target);
                    }
                }
            }
            ("img", false) => {
                if let Some(alt) = attribute(tag, "alt").filter(|a| !a.trim().is_empty()) {
                    self.line.push_str(&format!("[{}]", alt.trim()));
                }
            }
            _ => {}
        }
    }

    /// End the current line if it has text.
    fn block(&mut self) {
        if !self.line.trim().is_empty() {
            self.flush();
        } else {
            self.line.clear();
        }
    }

    /// End the current line and leave one blank line before what follows.
    fn paragraph(&mut self) {
        self.block();
        if self
            .lines
            .last()
            .is_some_and(|l| !l.trim_start_matches('>').trim().is_empty())
        {
            self.lines.push(self.quote_prefix().trim_end().to_string());
        }
    }

    fn quote_prefix(&self) -> String {
        "> ".repeat(self.quote_depth)
    }

    fn flush(&mut self) {
        let line = std::mem::take(&mut self.line);
        let line = if self.pre > 0 {
            line.trim_end()
        } else {
            line.trim()
        };
        let full = format!("{}{}", self.quote_prefix(), line);
        self.lines.push(full.trim_end().to_string());
    }

    fn finish(mut self) -> String {
        self.block();
        let is_blank = |line: &str| line.trim_start_matches('>').trim().is_empty();
        let mut kept: Vec<&str> = Vec::new();
        for line in &self.lines {
            // One blank line at most, none at the start or the end.
            if is_blank(line) && kept.last().is_none_or(|l| is_blank(l)) {
                continue;
            }
            kept.push(line);
        }
        while kept.last().is_some_and(|l| is_blank(l)) {
            kept.pop();
        }
        kept.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitising_removes_active_and_remote_content() {
        let html = r#"<p onclick="x()" style="color:red">Hi <script>alert(1)</script><style>p{}</style>
            <a href="javascript:alert(1)">bad</a> <a href="https://example.com">good</a>
            <img src="https://tracker.example/p.gif" alt="pixel"><img src="cid:logo@x" alt="logo"></p>
            <iframe src="https://evil"></iframe><form><input></form>"#;
        let clean = sanitize_html(html);
        for gone in [
            "onclick",
            "style",
            "script",
            "alert",
            "javascript",
            "tracker",
            "iframe",
            "form",
            "input",
        ] {
            assert!(!clean.contains(gone), "{gone} left in {clean}");
        }
        assert!(clean.contains(r#"href="https://example.com""#), "{clean}");
        assert!(clean.contains("noopener"), "{clean}");
        assert!(clean.contains(r#"src="cid:logo@x""#), "{clean}");
        assert!(clean.contains(r#"alt="pixel""#), "{clean}");
    }

    #[test]
    fn text_keeps_structure_links_and_quotes() {
        let html = "<div>Hello <b>team</b>,<br>the printer &amp; scanner are down.</div>\
            <ul><li>one</li><li>two</li></ul><p>See <a href=\"https://status.example\">status</a>.</p>\
            <blockquote><p>Earlier text</p></blockquote><script>var x = 1;</script>";
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Hello team,\nthe printer & scanner are down.\n\n- one\n- two\n\nSee status (https://status.example).\n\n> Earlier text"
        );
    }
}

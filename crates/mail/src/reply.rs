//! Reply extraction: the text a person wrote in an answer, without the history their
//! client quoted below it and without their signature. The caller keeps the full text
//! (`InboundMessage::text`) beside it, so a wrong cut loses nothing.
//!
//! The cut is at the first line that starts quoted history or a signature:
//! - an attribution line: "On <date>, <name> wrote:" and its German, French, Spanish
//!   and Dutch forms (also when the client wrapped it over two lines);
//! - Outlook's "-----Original Message-----" (and translations), its underscore rule,
//!   and its "From: ... Sent: ..." header block; forwarded-message separators;
//! - the signature delimiter `-- ` and mobile footers ("Sent from my iPhone").
//!
//! Above the cut, `>` quoted lines (inline quoting) are dropped. When nothing is left
//! (a forward without a comment) the full text is the answer.

use std::sync::LazyLock;

use regex::Regex;

static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(?:
            on\s.{4,200}\swrote\s*:
          | am\s.{4,200}\sschrieb\s.{0,200}:
          | le\s.{4,200}\sa\s+écrit\s*:
          | el\s.{4,200}\sescribió\s*:
          | op\s.{4,200}\sschreef\s.{0,200}:
          | .{0,200}@.{0,200}\s(?:wrote|schrieb|a\s+écrit|escribió|schreef)\s*:
        )\s*$",
    )
    .expect("valid")
});

static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(?:
            -{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|message\s+d'origine|mensaje\s+original|oorspronkelijk\s+bericht|forwarded\s+message|weitergeleitete\s+nachricht|message\s+transféré|mensaje\s+reenviado|doorgestuurd\s+bericht)\s*-{2,}
          | _{20,}
          | begin\s+forwarded\s+message\s*:
        )\s*$",
    )
    .expect("valid")
});

static HEADER_FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*\*?(?:from|von|de|van)\s*:\*?\s+\S").expect("valid"));

static HEADER_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\*?(?:sent|date|gesendet|datum|envoyé|date\s+d'envoi|enviado|fecha|verzonden|datum|to|an|à|para|aan|subject|betreff|objet|asunto|onderwerp)\s*:").expect("valid")
});

static MOBILE_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:sent\s+from\s+(?:my\s|mail\s+for\s|outlook|yahoo|samsung)|get\s+outlook\s+for\s|von\s+meinem\s.+gesendet|gesendet\s+von\s+meinem\s|envoyé\s+de\s+mon\s|enviado\s+desde\s+mi\s|verzonden\s+(?:vanaf|met)\s+(?:mijn\s|outlook))",
    )
    .expect("valid")
});

/// The new text of a reply (see the module doc). Line endings become `\n`.
pub fn extract_reply(full_text: &str) -> String {
    let text = full_text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let cut = (0..lines.len())
        .find(|&i| starts_history(&lines, i))
        .unwrap_or(lines.len());

    let mut kept: Vec<&str> = Vec::new();
    for line in &lines[..cut] {
        if line.trim_start().starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    let reply = collapse_blank_lines(&kept);
    if reply.is_empty() {
        text.trim().to_string()
    } else {
        reply
    }
}

fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    let trimmed = line.trim_end();
    if trimmed == "--" || line == "-- " {
        return true;
    }
    if SEPARATOR.is_match(line) || MOBILE_FOOTER.is_match(line) {
        return true;
    }
    if ATTRIBUTION.is_match(line) && !line.trim_start().starts_with('>') {
        return true;
    }
    // Gmail wraps a long attribution over two lines.
    if let Some(next) = lines.get(i + 1) {
        let joined = format!("{} {}", line.trim(), next.trim());
        let starts_like_one = line.trim_start().len() > 3
            && ["on ", "am ", "le ", "el ", "op "]
                .iter()
                .any(|p| line.trim_start().to_lowercase().starts_with(p));
        if starts_like_one && !line.trim_end().ends_with(':') && ATTRIBUTION.is_match(&joined) {
            return true;
        }
    }
    // Outlook: "From: name" followed closely by "Sent:"/"Date:"/"To:"/"Subject:".
    if HEADER_FROM.is_match(line) {
        let following = lines[i + 1..]
            .iter()
            .take(4)
            .filter(|l| HEADER_NEXT.is_match(l))
            .count();
        return following >= 2;
    }
    false
}

fn collapse_blank_lines(lines: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in lines {
        let blank = line.trim().is_empty();
        if blank && out.last().is_none_or(|l| l.trim().is_empty()) {
            continue;
        }
        out.push(line);
    }
    // A rule left above the cut (Outlook's <hr> before its header block) goes too.
    let is_rule = |l: &str| l.trim().chars().all(|c| matches!(c, '-' | '_' | '=' | '*'));
    while out.last().is_some_and(|l| is_rule(l)) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_style_is_trimmed() {
        let cases = [
            (
                "Thanks, works now.\n\nOn Mon, Jan 6, 2025 at 10:00 AM Support <help@example.com> wrote:\n> Try again\n",
                "Thanks, works now.",
            ),
            (
                "Thanks!\n\nOn Mon, Jan 6, 2025 at 10:00 AM Support Team <\nhelp@example.com> wrote:\n\n> Try again\n",
                "Thanks!",
            ),
            (
                "Danke!\n\nAm 06.01.2025 um 10:00 schrieb Support <help@example.com>:\n> Versuch\n",
                "Danke!",
            ),
            (
                "Merci.\n\nLe lun. 6 janv. 2025 à 10:00, Support <help@example.com> a écrit :\n> Essayez\n",
                "Merci.",
            ),
            (
                "Gracias.\n\nEl lun, 6 ene 2025 a las 10:00, Support (<help@example.com>) escribió:\n> Prueba\n",
                "Gracias.",
            ),
            (
                "Bedankt.\n\nOp ma 6 jan. 2025 om 10:00 schreef Support <help@example.com>:\n> Probeer\n",
                "Bedankt.",
            ),
            (
                "Fixed.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nTo: me\n\nTry again\n",
                "Fixed.",
            ),
            (
                "Fixed.\n\n________________________________\nFrom: Support <help@example.com>\nSent: Monday, January 6, 2025 10:00\nTo: Me\nSubject: [IT-1] Printer\n\nTry again\n",
                "Fixed.",
            ),
            (
                "Fixed.\n\nFrom: Support <help@example.com>\nSent: Monday, January 6, 2025 10:00\nTo: Me\nSubject: x\n\nold",
                "Fixed.",
            ),
            (
                "Yes.\n\nOn 6 Jan 2025, at 10:00, Support <help@example.com> wrote:\n\n> Try again\n",
                "Yes.",
            ),
            ("Done.\n\n-- \nJane Doe\nACME Corp\n", "Done."),
            (
                "Done.\n\nSent from my iPhone\n\n> On Jan 6 Support wrote:\n> x",
                "Done.",
            ),
            ("Erledigt.\n\nVon meinem iPhone gesendet", "Erledigt."),
        ];
        for (text, expected) in cases {
            assert_eq!(extract_reply(text), expected, "for {text:?}");
        }
    }

    #[test]
    fn inline_answers_keep_the_answers() {
        let text = "> Which printer?\nThe one on floor 2.\n> Since when?\nMonday.\n";
        assert_eq!(extract_reply(text), "The one on floor 2.\nMonday.");
    }

    #[test]
    fn plain_text_and_all_quoted_text_stay() {
        assert_eq!(
            extract_reply("Hello,\n\nmy laptop from 2019 does not boot.\n"),
            "Hello,\n\nmy laptop from 2019 does not boot."
        );
        let forward = "---------- Forwarded message ---------\nFrom: a@b\n\nhi";
        assert_eq!(extract_reply(forward), forward);
        // "From:" in the middle of a sentence or alone is not a header block.
        assert_eq!(
            extract_reply("From: my desk the printer is unreachable."),
            "From: my desk the printer is unreachable."
        );
    }
}

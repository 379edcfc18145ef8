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
//! Above the cut, `>` quoted lines (inline quoting) are dropped. When nothing is
//! above an attribution, the answer is below the quote (bottom-posting). When nothing
//! is left at all (a forward without a comment) the full text is the answer.

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
    let cut = next_cut(&lines, 0);
    let reply = unquoted(&lines[..cut]);
    if !reply.is_empty() {
        return reply;
    }
    // Bottom-posting: nothing above the attribution, the answer below the quote.
    if cut < lines.len() && is_attribution(&lines, cut) {
        // One line, or two when the client wrapped it.
        let start = if ATTRIBUTION.is_match(lines[cut]) {
            cut + 1
        } else {
            cut + 2
        };
        let start = start.min(lines.len());
        let below = unquoted(&lines[start..next_cut(&lines, start).max(start)]);
        if !below.is_empty() {
            return below;
        }
    }
    text.trim().to_string()
}

/// The first line at or after `from` that starts history or a signature, or the end.
fn next_cut(lines: &[&str], from: usize) -> usize {
    (from..lines.len())
        .find(|&i| starts_history(lines, i))
        .unwrap_or(lines.len())
}

/// The lines without `>` quoted ones, blank runs collapsed.
fn unquoted(lines: &[&str]) -> String {
    let kept: Vec<&str> = lines
        .iter()
        .filter(|line| !line.trim_start().starts_with('>'))
        .map(|line| line.trim_end())
        .collect();
    collapse_blank_lines(&kept)
}

fn is_attribution(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    if line.trim_start().starts_with('>') {
        return false;
    }
    if ATTRIBUTION.is_match(line) {
        return true;
    }
    // Gmail wraps a long attribution over two lines.
    let Some(next) = lines.get(i + 1) else {
        return false;
    };
    let lower = line.trim_start().to_lowercase();
    let starts_like_one = lower.len() > 3
        && ["on ", "am ", "le ", "el ", "op "]
            .iter()
            .any(|p| lower.starts_with(p));
    starts_like_one
        && !line.trim_end().ends_with(':')
        && ATTRIBUTION.is_match(&format!("{} {}", line.trim(), next.trim()))
}

/// "Sent from my iPhone" and kin: a short line of its own, not a sentence that
/// happens to start that way.
fn is_mobile_footer(line: &str) -> bool {
    let line = line.trim();
    line.chars().count() <= 60 && !line.contains(". ") && MOBILE_FOOTER.is_match(line)
}

fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    if line.trim_end() == "--" || line == "-- " {
        return true;
    }
    if SEPARATOR.is_match(line) || is_mobile_footer(line) || is_attribution(lines, i) {
        return true;
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
    fn bottom_posted_answers_are_found_below_the_quote() {
        let text = "On Mon, Jan 6, 2025 at 5:02 PM Support <help@example.com> wrote:\n> Try again\n> please\n\nDid that, still broken.\n\n-- \nJane";
        assert_eq!(extract_reply(text), "Did that, still broken.");
        let wrapped = "On Mon, Jan 6, 2025 at 5:02 PM Support Team <\nhelp@example.com> wrote:\n> Try again\n\nDone.";
        assert_eq!(extract_reply(wrapped), "Done.");
    }

    #[test]
    fn sentences_that_start_like_footers_stay() {
        let text = "Sent from my laptop at home. The VPN drops every hour.\nThanks";
        assert_eq!(extract_reply(text), text);
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

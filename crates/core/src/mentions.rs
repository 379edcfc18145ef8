//! `@mentions` in comments: the words written as mentions. Who they name is the
//! store's business (`delivery/mentions.rs`).

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

/// The words written as mentions, lowercased, in order, without repeats.
pub fn mentioned(body: &str) -> Vec<String> {
    // After the start or a character that cannot be part of an address, so that the
    // domain of `mail ada@example.com` is not read as a mention.
    static MENTION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[^A-Za-z0-9._%+\-@])@([A-Za-z0-9._%+\-]+(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)?)")
            .expect("valid")
    });
    let mut seen = HashSet::new();
    MENTION
        .captures_iter(body)
        .map(|c| {
            c[1].trim_end_matches(['.', ',', ';', ':'])
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty() && seen.insert(w.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mentioned;

    #[test]
    fn words_written_as_mentions() {
        assert_eq!(
            mentioned("@ada please look, and @Bob@Example.com. cc @ada"),
            ["ada", "bob@example.com"]
        );
        assert!(mentioned("write to ada@example.com or a@b").is_empty());
        assert_eq!(mentioned("(@grace)"), ["grace"]);
    }
}

//! Near-duplicate tickets: the same request sent twice (a form submitted again, a mail
//! resent) in other words. A cheap measure, no AI: the Jaccard similarity of the two
//! texts' sets of word trigrams (and of their words, for texts too short for trigrams),
//! over normalised words (lower case, letters and digits only).

use std::collections::HashSet;

/// From this similarity on, a new ticket is flagged as a possible duplicate.
pub const THRESHOLD: f64 = 0.6;

/// The words of a text: lower case, split on anything that is not a letter or digit.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The shingles of a text: its word trigrams, or its words when it has fewer than three.
fn shingles(text: &str) -> HashSet<String> {
    let words = words(text);
    if words.len() < 3 {
        return words.into_iter().collect();
    }
    words.windows(3).map(|w| w.join(" ")).collect()
}

/// Jaccard similarity of two texts' shingles, 0.0 (nothing shared) to 1.0 (the same).
/// Two empty texts are not alike: there is nothing to compare.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (shingles(a), shingles(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// Whether two tickets (title and body) read as the same request: their titles and
/// bodies together, so that a short title alone does not decide.
pub fn alike(title_a: &str, body_a: &str, title_b: &str, body_b: &str) -> bool {
    let a = format!("{title_a}\n{body_a}");
    let b = format!("{title_b}\n{body_b}");
    similarity(&a, &b) >= THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_in_other_case_and_punctuation_is_alike() {
        assert!(alike(
            "VPN is down",
            "I cannot connect to the VPN since this morning.",
            "vpn is down!",
            "I cannot connect to the vpn since this morning"
        ));
    }

    #[test]
    fn a_few_words_more_is_still_alike() {
        assert!(alike(
            "Printer jam on floor 3",
            "The printer on floor 3 jams on every page and shows error 42",
            "Printer jam on floor 3",
            "The printer on floor 3 jams on every page and shows error 42 again"
        ));
    }

    #[test]
    fn different_requests_are_not_alike() {
        assert!(!alike(
            "VPN is down",
            "I cannot connect to the VPN since this morning.",
            "New laptop",
            "Please order a laptop for our new colleague starting Monday."
        ));
    }

    #[test]
    fn empty_texts_are_not_alike() {
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(similarity("a b c", "a b c"), 1.0);
    }
}

//! Drawing the desk's values with the frequencies a real desk has: a weighted pick (for
//! requesters' long tail and the words' Zipf law), the made-up vocabulary, and which
//! words to search for to find a given share of the tickets.

use crate::payload::{self, Rng};

/// Words of the title and body vocabulary.
const VOCABULARY: usize = 20_000;

/// Picks an index by weight (a cumulative table and a binary search).
pub struct Weighted(Vec<f64>);

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        Weighted(
            weights
                .into_iter()
                .map(|w| {
                    total += w;
                    total
                })
                .collect(),
        )
    }

    pub fn probability(&self, i: usize) -> f64 {
        let before = if i == 0 { 0.0 } else { self.0[i - 1] };
        (self.0[i] - before) / self.0[self.0.len() - 1]
    }

    pub fn pick(&self, rng: &mut Rng) -> usize {
        let x = rng.float() * self.0[self.0.len() - 1];
        self.0.partition_point(|c| *c <= x).min(self.0.len() - 1)
    }
}

/// The vocabulary: made-up words of three consonant-vowel syllables, so that no word is
/// part of another word or of the English filler text (a `contains` or a prefix search
/// for one finds exactly the tickets it was put in).
pub fn vocabulary() -> Vec<String> {
    const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
    const VOWELS: &[u8] = b"aeiou";
    let syllables: Vec<String> = CONSONANTS
        .iter()
        .flat_map(|c| {
            VOWELS
                .iter()
                .map(move |v| format!("{}{}", *c as char, *v as char))
        })
        .collect();
    let n = syllables.len();
    let space = n * n * n;
    let english: Vec<String> = payload::WORDS
        .iter()
        .map(|w| w.to_string())
        .chain(
            [
                "it_support",
                "admin_request",
                "complaint",
                "discord_support",
                "equipment_maintenance",
            ]
            .iter()
            .flat_map(|s| payload::titles(s).iter().map(|t| t.to_lowercase())),
        )
        .collect();
    let mut words = Vec::with_capacity(VOCABULARY);
    // A fixed stride through all the words, so that neighbours in rank do not look alike.
    let mut k = 0usize;
    while words.len() < VOCABULARY && k < space {
        let idx = (k * 7_919 + 12_345) % space;
        k += 1;
        let w = format!(
            "{}{}{}",
            syllables[idx / (n * n)],
            syllables[(idx / n) % n],
            syllables[idx % n]
        );
        if !english.iter().any(|e| e.contains(&w)) {
            words.push(w);
        }
    }
    words
}

/// The ranks whose chance of being in a text of `draws` words is nearest `share`.
pub fn ranks_near(zipf: &Weighted, draws: u32, share: f64, n: usize) -> Vec<usize> {
    let chance = |r: usize| 1.0 - (1.0 - zipf.probability(r)).powi(draws as i32);
    let mut ranks: Vec<usize> = (0..zipf.0.len()).collect();
    ranks.sort_by(|a, b| {
        let da = (chance(*a).ln() - share.ln()).abs();
        let db = (chance(*b).ln() - share.ln()).abs();
        da.total_cmp(&db)
    });
    ranks.truncate(n);
    ranks.sort();
    ranks
}

/// Standard normal, for the requesters' log-normal weights (Box-Muller).
pub fn normal(rng: &mut Rng) -> f64 {
    let u = rng.float().max(1e-12);
    let v = rng.float();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

//! The query mix: what people type into the people picker.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use suveren_domain::names::fold;
use suveren_domain::Principal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// 1–4 letters of a first name, last name or login.
    Prefix,
    /// A whole name as displayed, "Ingrid Hansen".
    FullName,
    /// One edit in a 5–8 letter name.
    Typo,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Prefix, Category::FullName, Category::Typo];
    pub fn label(self) -> &'static str {
        match self {
            Category::Prefix => "prefix (1-4 letters)",
            Category::FullName => "full name",
            Category::Typo => "typo (1 edit, 5-8 letters)",
        }
    }
}

/// The search terms the index would see for a query (same folding and
/// splitting as `suveren_domain::search`).
pub fn terms(q: &str) -> Vec<String> {
    fold(q).split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_string).take(6).collect()
}

/// 1–4 leading letters of a name or login of `p`.
pub fn prefix(rng: &mut StdRng, p: &Principal) -> String {
    let words: Vec<&str> = p.name.split(' ').collect();
    let source = match rng.gen_range(0..100) {
        0..=49 => fold(words[0]),
        50..=84 => fold(words[words.len() - 1]),
        _ => p.login.split('@').next().unwrap_or("").to_string(),
    };
    let len = rng.gen_range(1..=4usize);
    let q: String = source.chars().take(len).collect();
    // A trailing separator ("ola.") is still a 3-letter query.
    if rng.gen_bool(0.5) {
        q
    } else {
        // Some people capitalise.
        let mut c = q.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
    }
}

pub fn full_name(rng: &mut StdRng, p: &Principal) -> String {
    if rng.gen_bool(0.3) {
        p.name.to_lowercase()
    } else {
        p.name.clone()
    }
}

/// One substitution, deletion, insertion or transposition in a 5–8 letter
/// name of `p`, never at the first letter (the index looks for typos among
/// tokens sharing the first letter). `None` if `p` has no such name.
pub fn typo(rng: &mut StdRng, p: &Principal) -> Option<String> {
    let candidates: Vec<Vec<char>> = p
        .name
        .split(' ')
        .map(|w| fold(w).chars().collect::<Vec<char>>())
        .filter(|w| (5..=8).contains(&w.len()))
        .collect();
    let mut w = candidates.choose(rng)?.clone();
    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let n = w.len();
    loop {
        let orig = w.clone();
        match rng.gen_range(0..4) {
            0 => {
                let i = rng.gen_range(1..n);
                w[i] = ALPHA[rng.gen_range(0..ALPHA.len())] as char;
            }
            1 => {
                w.remove(rng.gen_range(1..n));
            }
            2 => w.insert(rng.gen_range(1..=n), ALPHA[rng.gen_range(0..ALPHA.len())] as char),
            _ => {
                let i = rng.gen_range(1..n - 1);
                w.swap(i, i + 1);
            }
        }
        if w != orig {
            return Some(w.into_iter().collect());
        }
    }
}

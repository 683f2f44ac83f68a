//! Tokenisation of file names and folder paths, shared by indexing (as a
//! tantivy tokenizer) and querying (as plain functions), so both sides can
//! never disagree on what a term is.
//!
//! Text is folded exactly as `suveren_domain::names::fold` folds people's
//! names, so "Ærlig" is found by "aerlig" in the drive as in the directory.
//! Tokens are runs of letters or runs of digits: file names glue words and
//! numbers together ("Plan2027_v2.docx"), and people search for either part.

use suveren_domain::names::fold;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`NameTokenizer`] is registered on every index.
pub(crate) const TOKENIZER: &str = "suveren_name";

/// Longer tokens are cut to this many characters on both sides. Tantivy
/// drops terms above 64 KiB silently; cutting the same way at index and query
/// time keeps long runs (hashes, glued words) findable and bounds the work a
/// hostile query can cause.
pub(crate) const MAX_TOKEN_CHARS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
}

fn class(c: char) -> Option<Class> {
    if c.is_alphabetic() {
        Some(Class::Letter)
    } else if c.is_numeric() {
        Some(Class::Digit)
    } else {
        None
    }
}

/// Splits `text` into folded tokens, calling `emit(token, byte offsets in
/// text)` for each.
///
/// Folding is done one character at a time: `fold` maps characters
/// independently (lowercasing, Nordic spelling, stripping marks), so this
/// equals folding the whole string while keeping offsets into the original.
fn for_each_token(text: &str, mut emit: impl FnMut(&str, usize, usize)) {
    let mut cur = String::new();
    let mut cur_chars = 0usize;
    let mut cur_class: Option<Class> = None;
    let mut start = 0usize;
    let mut end = 0usize;
    let mut buf = [0u8; 4];
    for (offset, c) in text.char_indices() {
        let folded_owned;
        let folded: &str = if c.is_ascii() {
            c.to_ascii_lowercase().encode_utf8(&mut buf)
        } else {
            folded_owned = fold(c.encode_utf8(&mut buf));
            &folded_owned
        };
        for f in folded.chars() {
            let k = class(f);
            if k != cur_class || k.is_none() {
                if !cur.is_empty() {
                    emit(&cur, start, end);
                    cur.clear();
                    cur_chars = 0;
                }
                start = offset;
            }
            cur_class = k;
            if k.is_some() {
                if cur_chars < MAX_TOKEN_CHARS {
                    cur.push(f);
                    cur_chars += 1;
                }
                end = offset + c.len_utf8();
            }
        }
    }
    if !cur.is_empty() {
        emit(&cur, start, end);
    }
}

/// The folded tokens of `text`, in order, duplicates kept.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, |t, _, _| out.push(t.to_string()));
    out
}

/// The form a whole name is compared in for an exact match: its tokens
/// joined by single spaces, so "Rapport.PDF", "rapport pdf" and
/// "rapport-pdf" are one name to a searcher.
pub fn normalized(text: &str) -> String {
    tokens(text).join(" ")
}

/// The name without its extension ("Plan 2027.docx" → "Plan 2027"), if it
/// has one. A leading dot (".env") is a name, not an extension.
pub(crate) fn stem(name: &str) -> Option<&str> {
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() => Some(&name[..i]),
        _ => None,
    }
}

/// The tantivy side of [`tokens`].
#[derive(Clone, Default)]
pub(crate) struct NameTokenizer {
    tokens: Vec<Token>,
}

pub(crate) struct NameTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for NameTokenizer {
    type TokenStream<'a> = NameTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NameTokenStream<'a> {
        self.tokens.clear();
        let tokens = &mut self.tokens;
        for_each_token(text, |t, from, to| {
            tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position: tokens.len(),
                text: t.to_string(),
                position_length: 1,
            })
        });
        NameTokenStream { tokens: &mut self.tokens, next: 0 }
    }
}

impl TokenStream for NameTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TextAnalyzer;

    fn t(s: &str) -> Vec<String> {
        tokens(s)
    }

    #[test]
    fn splits_on_punctuation_and_letter_digit_boundaries() {
        assert_eq!(t("Plan2027_v2.docx"), ["plan", "2027", "v", "2", "docx"]);
        assert_eq!(t("Budsjett 2027.xlsx"), ["budsjett", "2027", "xlsx"]);
        assert_eq!(t("rapport.pdf"), ["rapport", "pdf"]);
        assert_eq!(t("a-b c"), ["a", "b", "c"]);
    }

    #[test]
    fn folds_like_names() {
        assert_eq!(t("Ærlig Sørvik Åse"), ["aerlig", "sorvik", "ase"]);
        assert_eq!(t("Björn_Öberg-Straße"), ["bjorn", "oberg", "strasse"]);
        assert_eq!(t("JOSÉ"), ["jose"]);
        // Folding one character at a time equals folding the whole text.
        fn reference(s: &str) -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            let mut last = None;
            for c in fold(s).chars() {
                let k = class(c);
                if k.is_some() && k == last {
                    out.last_mut().unwrap().push(c);
                } else if k.is_some() {
                    out.push(c.to_string());
                }
                last = k;
            }
            out
        }
        for s in ["Ærlig Sørvik", "Ångström", "İstanbul ΣΟΦΙΑ", "naïve café", "x\u{301}y", "Straße2027"] {
            assert_eq!(t(s), reference(s), "{s}");
        }
    }

    #[test]
    fn nothing_from_punctuation_or_whitespace() {
        assert!(t("  \t -_.,;:*\"'\\\0 ").is_empty());
        assert!(t("").is_empty());
        assert_eq!(normalized("  --  "), "");
    }

    #[test]
    fn long_runs_are_cut_the_same_way() {
        let long = "a".repeat(1000);
        assert_eq!(t(&long), ["a".repeat(MAX_TOKEN_CHARS)]);
        let digits = format!("{}x", "7".repeat(100));
        assert_eq!(t(&digits), ["7".repeat(MAX_TOKEN_CHARS), "x".to_string()]);
    }

    #[test]
    fn normalized_names_and_stems() {
        assert_eq!(normalized("Rapport.PDF"), "rapport pdf");
        assert_eq!(normalized("rapport-pdf"), "rapport pdf");
        assert_eq!(stem("Plan 2027.docx"), Some("Plan 2027"));
        assert_eq!(stem(".env"), None);
        assert_eq!(stem("Notes"), None);
        assert_eq!(stem("trailing."), None);
    }

    #[test]
    fn tantivy_tokenizer_agrees_and_keeps_offsets() {
        let mut analyzer = TextAnalyzer::from(NameTokenizer::default());
        let text = "Ærlig-Plan2027.pdf";
        let mut stream = analyzer.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let tok = stream.token();
            seen.push((tok.text.clone(), &text[tok.offset_from..tok.offset_to], tok.position));
        }
        assert_eq!(
            seen,
            [
                ("aerlig".to_string(), "Ærlig", 0),
                ("plan".to_string(), "Plan", 1),
                ("2027".to_string(), "2027", 2),
                ("pdf".to_string(), "pdf", 3)
            ]
        );
    }
}

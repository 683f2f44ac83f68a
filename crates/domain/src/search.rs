//! A prefix and typo-tolerant index over principals' name, login, e-mail and
//! org unit.
//!
//! The index only ranks; it knows nothing of who may see whom. Callers walk
//! the ranked candidates and ask the policy engine about each, so the gate
//! stays the one place that decides discovery (rule 1 and 2).

use std::collections::HashMap;

use crate::directory::Directory;
use crate::names::fold;

/// Longest accepted query, in characters; longer ones are refused at the edge.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many terms count; the rest are ignored to bound the work.
const MAX_TERMS: usize = 6;

#[derive(Debug, Clone, Copy)]
struct Posting {
    principal: u32,
    /// Field weight: login 4, name 3, e-mail 2, org unit 1.
    weight: u8,
}

#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Sorted unique tokens with their postings.
    tokens: Vec<(String, Vec<Posting>)>,
    /// Per first character, the range of `tokens` starting with it.
    by_first: HashMap<char, (usize, usize)>,
    /// Whole logins and e-mail addresses, folded and sorted, for queries
    /// that contain `@`.
    addresses: Vec<(String, u32, u8)>,
    ids: Vec<String>,
    tenant_names: Vec<String>,
    /// Per principal, its tenant as an index into `tenant_names`.
    tenants: Vec<u16>,
    /// Per principal, its position in name order: ties in score are broken
    /// by name without comparing strings at query time.
    name_rank: Vec<u32>,
}

fn tokens_of(s: &str) -> impl Iterator<Item = String> + '_ {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The part of an address before `@`. Domains are left out of the token
/// index: every login of a tenant shares them, so they would match everyone
/// and rank no one.
fn local_part(s: &str) -> &str {
    s.split('@').next().unwrap_or(s)
}

/// Optimal string alignment distance, cut off early above `max`.
fn osa(a: &[char], b: &[char], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

/// Typos allowed for a term of this length.
fn max_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

impl SearchIndex {
    pub fn build(dir: &Directory) -> Self {
        let mut ids: Vec<&String> = dir.principals.keys().collect();
        ids.sort();
        let mut map: HashMap<String, Vec<Posting>> = HashMap::new();
        let mut idx = SearchIndex::default();
        let mut tenant_ix: HashMap<&str, u16> = HashMap::new();
        let mut names: Vec<(String, u32)> = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let p = &dir.principals[*id];
            let i = i as u32;
            idx.ids.push(p.id.clone());
            let next = tenant_ix.len() as u16;
            let t = *tenant_ix.entry(p.tenant.as_str()).or_insert_with(|| {
                idx.tenant_names.push(p.tenant.clone());
                next
            });
            idx.tenants.push(t);
            names.push((fold(&p.name), i));
            idx.addresses.push((fold(&p.login), i, 4));
            if let Some(e) = p.email.as_deref().filter(|e| *e != p.login) {
                idx.addresses.push((fold(e), i, 2));
            }
            let unit = p.org_unit.as_deref().map(|u| dir.unit_path(u)).unwrap_or_default();
            let fields: [(&str, u8); 4] = [
                (local_part(&p.login), 4),
                (&p.name, 3),
                (local_part(p.email.as_deref().unwrap_or("")), 2),
                (&unit, 1),
            ];
            for (text, weight) in fields {
                for t in tokens_of(text) {
                    let list = map.entry(t).or_default();
                    match list.last_mut() {
                        Some(last) if last.principal == i => last.weight = last.weight.max(weight),
                        _ => list.push(Posting { principal: i, weight }),
                    }
                }
            }
        }
        names.sort();
        idx.name_rank = vec![0; names.len()];
        for (rank, (_, i)) in names.iter().enumerate() {
            idx.name_rank[*i as usize] = rank as u32;
        }
        idx.addresses.sort();
        let mut tokens: Vec<(String, Vec<Posting>)> = map.into_iter().collect();
        tokens.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (t, _)) in tokens.iter().enumerate() {
            let c = t.chars().next().unwrap_or(' ');
            let e = idx.by_first.entry(c).or_insert((i, i));
            e.1 = i + 1;
        }
        idx.tokens = tokens;
        idx
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// All ranked candidates; see [`SearchIndex::ranked`].
    pub fn candidates(&self, query: &str, tenants: &[&str]) -> Vec<&str> {
        self.ranked(query, tenants).collect()
    }

    /// Ranked candidate principal ids for `query`, best first, restricted to
    /// principals of the given tenants (a cheap pre-filter; the policy engine
    /// still decides each one). Every term must match: exactly, as a prefix
    /// of a token, or within a small edit distance. A query with `@` matches
    /// whole logins and e-mail addresses by prefix.
    ///
    /// Lazy: candidates come out of a heap one at a time, so a caller that
    /// needs one page pays for scoring and a page's worth of pops, not for
    /// sorting every match.
    pub fn ranked<'a>(&'a self, query: &str, tenants: &[&str]) -> impl Iterator<Item = &'a str> + 'a {
        let allowed: Vec<u16> = self
            .tenant_names
            .iter()
            .enumerate()
            .filter(|(_, t)| tenants.contains(&t.as_str()))
            .map(|(i, _)| i as u16)
            .collect();
        let scored =
            if query.contains('@') { self.score_address(query, &allowed) } else { self.score_terms(query, &allowed) };
        let mut heap: std::collections::BinaryHeap<(u32, std::cmp::Reverse<u32>, u32)> =
            scored.into_iter().map(|(i, score)| (score, std::cmp::Reverse(self.name_rank[i as usize]), i)).collect();
        std::iter::from_fn(move || heap.pop().map(|(_, _, i)| self.ids[i as usize].as_str()))
    }

    fn score_address(&self, query: &str, allowed: &[u16]) -> Vec<(u32, u32)> {
        let q = fold(query.trim());
        let start = self.addresses.partition_point(|(a, _, _)| a.as_str() < q.as_str());
        let mut best: HashMap<u32, u32> = HashMap::new();
        for (a, i, w) in self.addresses[start..].iter().take_while(|(a, _, _)| a.starts_with(q.as_str())) {
            if allowed.contains(&self.tenants[*i as usize]) {
                let s = if *a == q { 100 } else { 60 } * u32::from(*w);
                let e = best.entry(*i).or_insert(0);
                *e = (*e).max(s);
            }
        }
        best.into_iter().collect()
    }

    fn score_terms(&self, query: &str, allowed: &[u16]) -> Vec<(u32, u32)> {
        let terms: Vec<String> = tokens_of(query).take(MAX_TERMS).collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let n = self.ids.len();
        // Dense arrays instead of hash maps: one pass per posting list.
        let mut total = vec![0u32; n];
        let mut matched = vec![0u8; n];
        let mut term_best = vec![0u32; n];
        let mut touched: Vec<u32> = Vec::new();
        for (ti, term) in terms.iter().enumerate() {
            let mut add = |postings: &[Posting], base: u32| {
                for p in postings {
                    let i = p.principal as usize;
                    // Only principals that matched every earlier term count.
                    if matched[i] as usize != ti || !allowed.contains(&self.tenants[i]) {
                        continue;
                    }
                    let s = base * u32::from(p.weight);
                    if term_best[i] == 0 {
                        touched.push(p.principal);
                    }
                    term_best[i] = term_best[i].max(s);
                }
            };
            // Exact and prefix matches: one contiguous range of the sorted tokens.
            let start = self.tokens.partition_point(|(t, _)| t.as_str() < term.as_str());
            for (t, postings) in self.tokens[start..].iter().take_while(|(t, _)| t.starts_with(term.as_str())) {
                add(postings, if t == term { 100 } else { 60 });
            }
            // Typos: compare with tokens sharing the first character, both
            // whole and cut to the term's length (a typo inside a prefix).
            let max = max_typos(term.chars().count());
            if max > 0 {
                let tc: Vec<char> = term.chars().collect();
                if let Some(&(lo, hi)) = tc.first().and_then(|c| self.by_first.get(c)) {
                    let mut kc: Vec<char> = Vec::new();
                    for (t, postings) in &self.tokens[lo..hi] {
                        if t.starts_with(term.as_str()) {
                            continue;
                        }
                        kc.clear();
                        kc.extend(t.chars());
                        let whole = osa(&tc, &kc, max);
                        let cut = if kc.len() > tc.len() { osa(&tc, &kc[..tc.len()], max) } else { max + 1 };
                        let d = whole.min(cut);
                        if d <= max {
                            add(postings, 30 - 10 * d as u32);
                        }
                    }
                }
            }
            for &i in &touched {
                let i = i as usize;
                total[i] += term_best[i];
                matched[i] += 1;
                term_best[i] = 0;
            }
            touched.clear();
        }
        let want = terms.len() as u8;
        (0..n as u32).filter(|&i| matched[i as usize] == want).map(|i| (i, total[i as usize])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::*;

    fn dir() -> Directory {
        let mk = |id: &str, login: &str, name: &str, tenant: &str| Principal {
            id: id.into(),
            tenant: tenant.into(),
            login: login.into(),
            name: name.into(),
            email: Some(login.into()),
            kind: PrincipalKind::Employee,
            org_unit: None,
            groups: vec![],
            attributes: Default::default(),
            roles: vec![],
            disabled: false,
        };
        Directory::new(
            [],
            [
                mk("1", "siri.saksbehandler@nordvik.test", "Siri Saksbehandler", "nordvik"),
                mk("2", "lars.laerer@nordvik.test", "Lars Lærer", "nordvik"),
                mk("3", "sigrid.hansen@nordvik.test", "Sigrid Hansen", "nordvik"),
                mk("4", "erik.ansatt@sorvik.test", "Erik Ansatt", "sorvik"),
            ],
            [],
            [],
            [],
            [],
            [],
        )
    }

    #[test]
    fn prefix_exact_and_typo() {
        let d = dir();
        let idx = SearchIndex::build(&d);
        let t = ["nordvik", "sorvik"];
        assert_eq!(idx.candidates("siri", &t)[0], "1");
        assert_eq!(idx.candidates("si", &t).len(), 2);
        assert_eq!(idx.candidates("larer", &t), vec!["2"], "folded æ and one typo");
        assert_eq!(idx.candidates("lras", &t), vec!["2"], "transposition");
        assert_eq!(idx.candidates("sirj saks", &t), vec!["1"]);
        assert!(idx.candidates("zzzz", &t).is_empty());
        assert!(idx.candidates("erik", &["nordvik"]).is_empty(), "tenant pre-filter");
        assert!(idx.candidates("nordvik", &t).is_empty(), "domains are not words of a name");
        assert_eq!(idx.candidates("erik.ansatt@sorvik.test", &t), vec!["4"], "a whole address");
        assert_eq!(idx.candidates("ERIK.ANSATT@sor", &t), vec!["4"], "an address prefix");
        assert_eq!(idx.candidates("lars.laerer", &t), vec!["2"], "a login without its domain");
    }

    #[test]
    fn osa_distance() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(osa(&c("abcd"), &c("abdc"), 2), 1);
        assert_eq!(osa(&c("kitten"), &c("sitting"), 3), 3);
        assert_eq!(osa(&c("a"), &c("abcdef"), 1), 2);
    }
}

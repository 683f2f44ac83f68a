//! File trees for `scale`: folders of 5–200 entries, files at depth 1–6,
//! Norwegian- and Swedish-looking names. Deterministic for an RNG.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// Deepest level a file sits at (`/a/b/c/d/e/f.txt` is 6).
pub const MAX_DEPTH: u32 = 6;
/// Entries in one folder, at most.
pub const MAX_ENTRIES: u64 = 200;
/// Entries in a folder, at least (a drive with fewer files has fewer).
pub const MIN_ENTRIES: u64 = 5;

/// Folder names in an employee's drive and in team drives.
const WORK_FOLDERS: &[&str] = &[
    "Møtereferater",
    "Budsjett",
    "Prosjekter",
    "Rutiner",
    "Avtaler",
    "Sakspapirer",
    "Bilder",
    "Maler",
    "Rapporter",
    "Årsplan",
    "Økonomi",
    "Protokoller",
    "Kvalitet",
    "Personal",
    "Innkjøp",
    "Kontrakter",
    "Høringer",
    "Kurs og opplæring",
    "Tilsyn",
    "Planarbeid",
    "Vaktlister",
    "Søknader",
    "Korrespondanse",
    "Statistikk",
    "Presentasjoner",
    "Arkiv",
    "Styringsdokumenter",
    "Mötesanteckningar",
    "Ekonomi",
    "Projekt",
    "Rutiner och riktlinjer",
    "Avtal",
    "Underlag",
    "Planering",
    "Uppföljning",
    "Beslut",
    "Protokoll",
    "Verksamhetsplan",
    "Delårsrapport",
    "Upphandling",
];

/// Folder names in a pupil's drive.
const PUPIL_FOLDERS: &[&str] = &[
    "Norsk",
    "Matematikk",
    "Engelsk",
    "Naturfag",
    "Samfunnsfag",
    "KRLE",
    "Musikk",
    "Kunst og håndverk",
    "Kroppsøving",
    "Mat og helse",
    "Prosjekt",
    "Innleveringer",
    "Svenska",
    "Matte",
    "Skolarbete",
    "Läxor",
    "Bilder",
    "Presentasjoner",
    "Gruppearbeid",
    "Lesing",
];

const FILE_STEMS: &[&str] = &[
    "Referat",
    "Møtereferat",
    "Innkalling",
    "Budsjettforslag",
    "Regnskap",
    "Notat",
    "Saksframlegg",
    "Vedtak",
    "Rapport",
    "Søknad",
    "Tilbud",
    "Kontrakt",
    "Avtale",
    "Plan",
    "Oversikt",
    "Timeliste",
    "Vaktplan",
    "Brev",
    "Svar på høring",
    "Kartlegging",
    "Evaluering",
    "Presentasjon",
    "Bilde",
    "Skisse",
    "Tegning",
    "Sjekkliste",
    "Rutinebeskrivelse",
    "Årsmelding",
    "Protokoll",
    "Mötesprotokoll",
    "Kallelse",
    "Budget",
    "Redovisning",
    "Beslutsunderlag",
    "Tjänsteskrivelse",
    "Yttrande",
    "Inköpsorder",
    "Oppgave",
    "Stil",
    "Innlevering",
    "Lekser",
    "Uppsats",
    "Fremføring",
];

/// Extension, MIME type, weight.
const EXTS: &[(&str, &str, u32)] = &[
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 25),
    ("pdf", "application/pdf", 25),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 10),
    ("jpg", "image/jpeg", 15),
    ("png", "image/png", 5),
    ("txt", "text/plain", 5),
    ("odt", "application/vnd.oasis.opendocument.text", 3),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", 5),
    ("csv", "text/csv", 2),
    ("md", "text/markdown", 2),
    ("mp4", "video/mp4", 1),
    ("zip", "application/zip", 2),
];

/// What kind of drive a tree is for (picks the folder names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Work,
    Pupil,
}

/// One entry of a generated tree, parents before children.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub parent: String,
    pub name: String,
    pub dir: bool,
    /// For files: the extension's MIME type.
    pub mime: Option<&'static str>,
}

/// A normal sample (Box–Muller).
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal sample with the given median and σ of the logarithm.
pub fn lognormal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

fn ext(rng: &mut StdRng) -> (&'static str, &'static str) {
    let total: u32 = EXTS.iter().map(|e| e.2).sum();
    let mut r = rng.gen_range(0..total);
    for (e, m, w) in EXTS {
        if r < *w {
            return (e, m);
        }
        r -= w;
    }
    (EXTS[0].0, EXTS[0].1)
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// A name not yet used in the folder.
fn unique(rng: &mut StdRng, used: &mut HashSet<String>, mut make: impl FnMut(&mut StdRng) -> String) -> String {
    for _ in 0..8 {
        let n = make(rng);
        if used.insert(n.clone()) {
            return n;
        }
    }
    let base = make(rng);
    let (stem, ext) = match base.rsplit_once('.') {
        Some((s, e)) => (s.to_string(), format!(".{e}")),
        None => (base.clone(), String::new()),
    };
    let mut k = 2;
    loop {
        let n = format!("{stem} ({k}){ext}");
        if used.insert(n.clone()) {
            return n;
        }
        k += 1;
    }
}

fn file_name(rng: &mut StdRng) -> (String, &'static str) {
    let stem = FILE_STEMS.choose(rng).expect("stems");
    let (e, mime) = ext(rng);
    let name = match rng.gen_range(0..4) {
        0 => format!(
            "{stem} {}-{:02}-{:02}.{e}",
            rng.gen_range(2019..=2026),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28)
        ),
        1 => format!("{stem} {}.{e}", rng.gen_range(1..=400)),
        2 => format!("{stem} uke {} {}.{e}", rng.gen_range(1..=52), rng.gen_range(2020..=2026)),
        _ => format!("{stem} v{}.{e}", rng.gen_range(1..=9)),
    };
    (name, mime)
}

fn folder_name(rng: &mut StdRng, flavour: Flavour) -> String {
    let list = match flavour {
        Flavour::Work => WORK_FOLDERS,
        Flavour::Pupil => PUPIL_FOLDERS,
    };
    let w = list.choose(rng).expect("folders");
    match rng.gen_range(0..3) {
        0 => w.to_string(),
        1 => format!("{w} {}", rng.gen_range(2018..=2026)),
        _ => format!("{w} {}", rng.gen_range(1..=60)),
    }
}

/// Generates a tree of exactly `files` files below the root, calling `out`
/// for every folder and file (parents first, siblings in creation order).
pub struct TreeGen<'a, F: FnMut(Entry)> {
    pub rng: &'a mut StdRng,
    pub flavour: Flavour,
    pub out: F,
    pub folders: u64,
    pub max_depth_seen: u32,
}

impl<F: FnMut(Entry)> TreeGen<'_, F> {
    /// Fills the root with `files` files; returns how many it placed
    /// (always `files`: what does not fit goes into more top-level folders).
    pub fn root(&mut self, files: u64) -> u64 {
        let mut used = HashSet::new();
        let mut placed = self.fill("/", 0, files, &mut used);
        // A top-level folder whose subtree could not hold its share: more
        // top-level folders take the rest (the root's own limit permitting).
        while placed < files {
            let name = unique(self.rng, &mut used, |r| format!("Arkiv {}", r.gen_range(1..=9999)));
            let path = join("/", &name);
            (self.out)(Entry { path: path.clone(), parent: "/".into(), name, dir: true, mime: None });
            self.folders += 1;
            placed += self.fill(&path, 1, files - placed, &mut HashSet::new());
        }
        placed
    }

    /// Fills the folder `path` at `depth` (root = 0) with up to `budget`
    /// files in it and below it; returns the files placed.
    fn fill(&mut self, path: &str, depth: u32, budget: u64, used: &mut HashSet<String>) -> u64 {
        if budget == 0 {
            return 0;
        }
        // How many entries this folder holds: 5–200, most around 20–40.
        let cap = (lognormal(self.rng, 28.0, 0.8).round() as u64).clamp(5, MAX_ENTRIES);
        let room = MAX_ENTRIES - used.len() as u64;
        let cap = cap.min(room.max(1));
        let child_depth = depth + 1;
        if child_depth >= MAX_DEPTH || budget <= cap {
            let n = budget.min(cap.max(if child_depth >= MAX_DEPTH { room } else { cap }));
            self.files(path, child_depth, n, used);
            return n;
        }
        // Some files here, the rest in subfolders of a size that shrinks
        // with the budget, so big drives get deep trees and small ones flat.
        // Every folder made here gets at least MIN_ENTRIES files below it,
        // and this folder holds at least MIN_ENTRIES entries.
        let mut here = self.rng.gen_range(0..=cap / 2).min(budget);
        let subtree = ((budget - here) as f64).powf(self.rng.gen_range(0.45..0.75)).max(8.0);
        let mut subs = (((budget - here) as f64 / subtree).ceil() as u64).clamp(1, (cap - here).max(1));
        here = here.max(MIN_ENTRIES.saturating_sub(subs)).min(budget);
        let rest = budget - here;
        subs = subs.min(rest / MIN_ENTRIES);
        if subs == 0 {
            // Too few left for a folder of its own: they stay here.
            self.files(path, child_depth, budget, used);
            return budget;
        }
        // MIN_ENTRIES each, the remainder split with random weights.
        let spare = rest - subs * MIN_ENTRIES;
        let weights: Vec<f64> = (0..subs).map(|_| -self.rng.gen_range(f64::EPSILON..1.0).ln()).collect();
        let total: f64 = weights.iter().sum();
        let mut shares: Vec<u64> =
            weights.iter().map(|w| MIN_ENTRIES + (w / total * spare as f64).floor() as u64).collect();
        let mut left = rest - shares.iter().sum::<u64>();
        let mut i = 0;
        let n = shares.len();
        while left > 0 {
            shares[i % n] += 1;
            left -= 1;
            i += 1;
        }
        let mut placed = 0;
        for share in shares {
            if share == 0 {
                continue;
            }
            let flavour = self.flavour;
            let name = unique(self.rng, used, |r| folder_name(r, flavour));
            let sub = join(path, &name);
            (self.out)(Entry { path: sub.clone(), parent: path.into(), name, dir: true, mime: None });
            self.folders += 1;
            placed += self.fill(&sub, child_depth, share, &mut HashSet::new());
        }
        // What the subfolders could not hold stays here while there is room.
        let room = MAX_ENTRIES.saturating_sub(used.len() as u64);
        let extra = (here + (rest - placed)).min(room);
        self.files(path, child_depth, extra, used);
        placed + extra
    }

    fn files(&mut self, parent: &str, depth: u32, n: u64, used: &mut HashSet<String>) {
        if n > 0 {
            self.max_depth_seen = self.max_depth_seen.max(depth);
        }
        for _ in 0..n {
            let mut mime = "";
            let name = unique(self.rng, used, |r| {
                let (n, m) = file_name(r);
                mime = m;
                n
            });
            let path = join(parent, &name);
            (self.out)(Entry { path, parent: parent.into(), name, dir: false, mime: Some(mime) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn trees_hold_exactly_the_budget_within_the_limits() {
        for (seed, files) in [(1u64, 0u64), (2, 3), (3, 100), (4, 5_000), (5, 120_000)] {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut entries = Vec::new();
            let mut g = TreeGen {
                rng: &mut rng,
                flavour: Flavour::Work,
                out: |e| entries.push(e),
                folders: 0,
                max_depth_seen: 0,
            };
            assert_eq!(g.root(files), files);
            let depth_seen = g.max_depth_seen;
            let n_files = entries.iter().filter(|e| !e.dir).count() as u64;
            assert_eq!(n_files, files);
            let mut children: std::collections::HashMap<&str, u64> = Default::default();
            let mut paths = HashSet::new();
            for e in &entries {
                assert!(paths.insert(e.path.as_str()), "duplicate {}", e.path);
                *children.entry(e.parent.as_str()).or_default() += 1;
                let depth = e.path.matches('/').count() as u32;
                assert!(depth <= MAX_DEPTH, "{} too deep", e.path);
                if e.parent != "/" {
                    assert!(paths.contains(e.parent.as_str()), "parent of {} comes later", e.path);
                }
            }
            assert!(depth_seen <= MAX_DEPTH);
            let small = children.iter().filter(|(p, n)| **p != "/" && **n < MIN_ENTRIES).count();
            for (p, n) in &children {
                assert!(*n <= MAX_ENTRIES || *p == "/", "{p} has {n} entries");
            }
            assert!(small * 100 <= children.len().max(1), "{small} of {} folders hold fewer than 5", children.len());
        }
    }
}

//! Indexing and search throughput over 100,000 generated entries in an
//! on-disk index, as the server would run it.
//!
//! `cargo run -p suveren-index --release --example throughput [-- ENTRIES]`

use std::time::{Duration, Instant};

use suveren_index::{Entry, FileIndex, IndexOp, Scope};

const WORDS: &[&str] = &[
    "budsjett",
    "plan",
    "rapport",
    "elevsamtale",
    "møtereferat",
    "økonomi",
    "skole",
    "barnehage",
    "vedtak",
    "søknad",
    "årsmelding",
    "prosjekt",
    "kontrakt",
    "tilbud",
    "faktura",
    "notat",
    "oversikt",
    "timeplan",
    "referat",
    "høring",
    "klage",
    "avtale",
    "regnskap",
    "innkalling",
    "protokoll",
    "strategi",
    "tiltak",
    "evaluering",
    "kartlegging",
    "mal",
];
const EXTS: &[&str] = &[".docx", ".xlsx", ".pdf", ".txt", ".pptx", ".odt", ""];

/// A small deterministic generator: the numbers must be comparable run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn entries(n: usize) -> Vec<Entry> {
    let mut rng = Rng(0x5eed_cafe);
    (0..n)
        .map(|i| {
            let tenant = format!("kommune{}", rng.below(3));
            let drive = format!("drive{}", rng.below(50));
            let depth = rng.below(4);
            let mut path = String::new();
            for _ in 0..depth {
                path.push('/');
                path.push_str(&capitalised(rng.word()));
            }
            let year = 2015 + rng.below(13);
            let ext = EXTS[rng.below(EXTS.len())];
            let name = format!("{} {} {year}{ext}", capitalised(rng.word()), rng.word());
            path.push('/');
            path.push_str(&name);
            Entry {
                tenant,
                drive,
                node: format!("node-{i}"),
                path,
                dir: ext.is_empty(),
                name,
                mime: None,
                modified_unix: 1_700_000_000 + i as i64,
                size: rng.next() % 10_000_000,
            }
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let entries = entries(n);
    let tmp = tempfile::tempdir().expect("temp dir");

    for batch in [1_000, n] {
        let dir = tmp.path().join(format!("batch{batch}"));
        let index = FileIndex::open(&dir).expect("open");
        let start = Instant::now();
        for (seq, chunk) in entries.chunks(batch).enumerate() {
            let ops: Vec<IndexOp> = chunk.iter().cloned().map(IndexOp::Upsert).collect();
            index.apply(&ops, seq as u64 + 1).expect("apply");
        }
        let took = start.elapsed();
        println!(
            "index {n} entries in batches of {batch}: {:.2} s ({:.0} entries/s)",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64()
        );
    }

    let dir = tmp.path().join(format!("batch{n}"));
    let start = Instant::now();
    let index = FileIndex::open(&dir).expect("reopen");
    println!("reopen: {:.1} ms, applied seq {}", start.elapsed().as_secs_f64() * 1e3, index.applied_seq());

    let drives: Vec<Scope> = (0..50).map(|d| Scope::drive(format!("drive{d}"))).collect();
    let shares: Vec<Scope> =
        (0..20).map(|d| Scope::subtree(format!("drive{d}"), format!("/{}", capitalised(WORDS[d])))).collect();
    let queries: &[(&str, &str)] = &[
        ("one word", "budsjett"),
        ("prefix 2 chars", "bu"),
        ("prefix 1 char", "s"),
        ("two words", "rapport 2021"),
        ("three, last prefix", "økonomi plan 20"),
        ("folded", "arsmelding"),
        ("extension", "pdf"),
        ("no match", "zzzz"),
    ];
    let mut rng = Rng(7);
    for (label, scopes) in
        [("all 50 drives", &drives[..]), ("1 drive", &drives[..1]), ("20 subtree shares", &shares[..])]
    {
        for (what, q) in queries {
            let mut times = Vec::new();
            let mut hits = 0;
            for _ in 0..200 {
                let tenant = format!("kommune{}", rng.below(3));
                let start = Instant::now();
                hits = index.search(&tenant, q, scopes, 20).expect("search").len();
                times.push(start.elapsed());
            }
            times.sort();
            println!(
                "search {label:>17} | {what:<18} {q:<16} hits {hits:>2} | p50 {:>7.3} ms p99 {:>7.3} ms",
                percentile(&times, 0.5).as_secs_f64() * 1e3,
                percentile(&times, 0.99).as_secs_f64() * 1e3
            );
        }
    }
}

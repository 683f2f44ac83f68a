use std::sync::Arc;

use proptest::prelude::*;

use crate::index::open_with_version;
use crate::tokens::tokens;
use crate::{Entry, Error, FileIndex, Hit, IndexOp, Scope, SCHEMA_VERSION};

fn entry(tenant: &str, drive: &str, node: &str, path: &str) -> Entry {
    let name = path.rsplit('/').next().unwrap_or_default().to_string();
    Entry {
        tenant: tenant.into(),
        drive: drive.into(),
        node: node.into(),
        path: path.into(),
        dir: !name.contains('.'),
        name,
        mime: None,
        modified_unix: 1_700_000_000,
        size: 10,
    }
}

fn upserts(entries: &[Entry]) -> Vec<IndexOp> {
    entries.iter().cloned().map(IndexOp::Upsert).collect()
}

fn index_with(entries: &[Entry]) -> FileIndex {
    let index = FileIndex::in_memory().unwrap();
    index.apply(&upserts(entries), 1).unwrap();
    index
}

fn paths(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.path.as_str()).collect()
}

fn sorted_paths(hits: &[Hit]) -> Vec<&str> {
    let mut p = paths(hits);
    p.sort();
    p
}

fn whole(drive: &str) -> Vec<Scope> {
    vec![Scope::drive(drive)]
}

#[test]
fn file_index_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<FileIndex>();
    check::<Arc<FileIndex>>();
}

#[test]
fn tenants_never_see_each_other() {
    let index = index_with(&[
        entry("nordvik", "d1", "n1", "/Budsjett 2027.xlsx"),
        entry("sorvik", "d1", "n1", "/Budsjett 2027.xlsx"),
        entry("sorvik", "d1", "n2", "/Budsjett 2028.xlsx"),
    ]);
    let hits = index.search("nordvik", "budsjett", &whole("d1"), 20).unwrap();
    assert_eq!(paths(&hits), ["/Budsjett 2027.xlsx"]);
    assert_eq!(hits[0].node, "n1");
    let hits = index.search("sorvik", "budsjett", &whole("d1"), 20).unwrap();
    assert_eq!(sorted_paths(&hits), ["/Budsjett 2027.xlsx", "/Budsjett 2028.xlsx"]);
    assert!(index.search("nowhere", "budsjett", &whole("d1"), 20).unwrap().is_empty());
    // A tenant id that looks like another's encoded prefix reaches nothing.
    assert!(index.search("", "budsjett", &whole("7:nordvikd1"), 20).unwrap().is_empty());
}

#[test]
fn scopes_filter_drives_subtrees_and_single_files() {
    let index = index_with(&[
        entry("t", "d1", "a", "/Prosjekt"),
        entry("t", "d1", "b", "/Prosjekt/rapport.pdf"),
        entry("t", "d1", "c", "/Prosjekt/A/rapport.pdf"),
        entry("t", "d1", "d", "/Pro/rapport.pdf"),
        entry("t", "d1", "e", "/Prosjekt2/rapport.pdf"),
        entry("t", "d1", "f", "/rapport.pdf"),
        entry("t", "d2", "g", "/Prosjekt/rapport.pdf"),
    ]);
    let search = |q: &str, scopes: &[Scope]| {
        let hits = index.search("t", q, scopes, 50).unwrap();
        sorted_paths(&hits).into_iter().map(String::from).collect::<Vec<_>>()
    };

    assert_eq!(
        search("rapport", &whole("d1")),
        [
            "/Pro/rapport.pdf",
            "/Prosjekt/A/rapport.pdf",
            "/Prosjekt/rapport.pdf",
            "/Prosjekt2/rapport.pdf",
            "/rapport.pdf"
        ]
    );
    assert_eq!(search("rapport", &whole("d2")), ["/Prosjekt/rapport.pdf"]);

    // A subtree includes the folder itself and everything below it.
    let prosjekt = [Scope::subtree("d1", "/Prosjekt")];
    assert_eq!(search("prosjekt", &prosjekt), ["/Prosjekt", "/Prosjekt/A/rapport.pdf", "/Prosjekt/rapport.pdf"]);
    assert_eq!(search("rapport", &prosjekt), ["/Prosjekt/A/rapport.pdf", "/Prosjekt/rapport.pdf"]);
    assert_eq!(search("rapport", &[Scope::subtree("d1", "/Prosjekt/")]), search("rapport", &prosjekt));

    // Folder boundaries are exact: "/Pro" is not a prefix of "/Prosjekt".
    assert_eq!(search("rapport", &[Scope::subtree("d1", "/Pro")]), ["/Pro/rapport.pdf"]);
    // Paths compare case-sensitively, failing closed.
    assert!(search("rapport", &[Scope::subtree("d1", "/prosjekt")]).is_empty());

    // A share of a single file.
    assert_eq!(search("rapport", &[Scope::subtree("d1", "/Prosjekt/A/rapport.pdf")]), ["/Prosjekt/A/rapport.pdf"]);
    assert!(search("rapport", &[Scope::subtree("d1", "/Prosjekt/A/rapport")]).is_empty());

    // Several scopes are a union; "/" is the whole drive; malformed ones match nothing.
    assert_eq!(
        search("rapport", &[Scope::subtree("d1", "/Pro"), Scope::subtree("d2", "/Prosjekt")]),
        ["/Pro/rapport.pdf", "/Prosjekt/rapport.pdf"]
    );
    assert_eq!(search("rapport", &[Scope::subtree("d2", "/")]), ["/Prosjekt/rapport.pdf"]);
    assert!(search("rapport", &[Scope::subtree("d1", "Prosjekt")]).is_empty());
    assert!(search("rapport", &[Scope::subtree("d1", "")]).is_empty());
    assert!(search("rapport", &[Scope::drive("d3")]).is_empty());
    assert!(search("rapport", &[]).is_empty());
}

#[test]
fn limit_is_filled_with_permitted_hits_only() {
    let mut entries = Vec::new();
    // Hidden entries that rank better (exact names) and come first in the index.
    for i in 0..200 {
        entries.push(entry("t", "hidden", &format!("h{i}"), &format!("/Hemmelig/rapport{i}/rapport")));
        entries.push(entry("other", "open", &format!("o{i}"), "/rapport"));
    }
    for i in 0..5 {
        entries.push(entry("t", "open", &format!("p{i}"), &format!("/Delt/rapport {i} med lang tekst.pdf")));
    }
    let index = index_with(&entries);
    let scopes = [Scope::drive("open"), Scope::subtree("hidden", "/Delt")];
    let hits = index.search("t", "rapport", &scopes, 3).unwrap();
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.drive == "open" && h.path.starts_with("/Delt/")));
    assert_eq!(index.search("t", "rapport", &scopes, 20).unwrap().len(), 5);
    assert!(index.search("t", "rapport", &scopes, 0).unwrap().is_empty());
}

#[test]
fn upsert_replaces_so_rename_and_move_show_the_new_path_only() {
    let index = index_with(&[entry("t", "d", "n", "/Skole/Plan 2027.docx")]);
    let mut moved = entry("t", "d", "n", "/Arkiv/Gammel plan.docx");
    moved.size = 99;
    index.apply(&[IndexOp::Upsert(moved)], 2).unwrap();
    assert!(index.search("t", "2027", &whole("d"), 10).unwrap().is_empty());
    assert!(index.search("t", "skole", &whole("d"), 10).unwrap().is_empty());
    let hits = index.search("t", "plan", &whole("d"), 10).unwrap();
    assert_eq!(paths(&hits), ["/Arkiv/Gammel plan.docx"]);
    assert_eq!((hits[0].size, hits[0].name.as_str(), hits[0].dir), (99, "Gammel plan.docx", false));
    assert!(index.search("t", "plan", &[Scope::subtree("d", "/Skole")], 10).unwrap().is_empty());

    // Upserts within one batch apply in order: the last wins.
    index
        .apply(
            &[
                IndexOp::Upsert(entry("t", "d", "n", "/A/forste.txt")),
                IndexOp::Upsert(entry("t", "d", "n", "/B/andre.txt")),
            ],
            3,
        )
        .unwrap();
    assert!(index.search("t", "forste", &whole("d"), 10).unwrap().is_empty());
    assert_eq!(paths(&index.search("t", "txt", &whole("d"), 10).unwrap()), ["/B/andre.txt"]);
}

#[test]
fn delete_and_delete_drive() {
    let index = index_with(&[
        entry("t", "d1", "a", "/notat a.txt"),
        entry("t", "d1", "b", "/notat b.txt"),
        entry("t", "d2", "c", "/notat c.txt"),
        entry("u", "d1", "a", "/notat a.txt"),
    ]);
    index.apply(&[IndexOp::Delete { tenant: "t".into(), node: "a".into() }], 2).unwrap();
    assert_eq!(paths(&index.search("t", "notat", &whole("d1"), 10).unwrap()), ["/notat b.txt"]);
    // The same node id in another tenant is another entry.
    assert_eq!(paths(&index.search("u", "notat", &whole("d1"), 10).unwrap()), ["/notat a.txt"]);

    index.apply(&[IndexOp::DeleteDrive { tenant: "t".into(), drive: "d1".into() }], 3).unwrap();
    assert!(index.search("t", "notat", &whole("d1"), 10).unwrap().is_empty());
    assert_eq!(paths(&index.search("t", "notat", &whole("d2"), 10).unwrap()), ["/notat c.txt"]);
    assert_eq!(paths(&index.search("u", "notat", &whole("d1"), 10).unwrap()), ["/notat a.txt"]);

    // Deleting what is not there is not an error (replays).
    index.apply(&[IndexOp::Delete { tenant: "t".into(), node: "zzz".into() }], 3).unwrap();
}

#[test]
fn matching_folds_splits_and_completes_the_last_term() {
    let index = index_with(&[
        entry("t", "d", "1", "/Økonomi/Budsjett 2027.xlsx"),
        entry("t", "d", "2", "/Skole/Elevsamtale_Åse.docx"),
        entry("t", "d", "3", "/Skole/Plan2027_v2.docx"),
        entry("t", "d", "4", "/Arkiv/rapport.pdf"),
        entry("t", "d", "5", "/Arkiv/Ærlig tale.txt"),
    ]);
    let q = |query: &str| {
        let hits = index.search("t", query, &whole("d"), 10).unwrap();
        sorted_paths(&hits).into_iter().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(q("budsjett 2027"), ["/Økonomi/Budsjett 2027.xlsx"]);
    assert_eq!(q("BUDSJ"), ["/Økonomi/Budsjett 2027.xlsx"]);
    assert_eq!(q("okonomi"), ["/Økonomi/Budsjett 2027.xlsx"]);
    assert_eq!(q("budsjett økon"), ["/Økonomi/Budsjett 2027.xlsx"]);
    assert!(q("økon budsjett").is_empty());
    assert_eq!(q("elevsamtale ase"), ["/Skole/Elevsamtale_Åse.docx"]);
    assert_eq!(q("elevsamtale åse"), ["/Skole/Elevsamtale_Åse.docx"]);
    assert_eq!(q("aerlig"), ["/Arkiv/Ærlig tale.txt"]);
    assert_eq!(q("ærl"), ["/Arkiv/Ærlig tale.txt"]);
    assert_eq!(q("2027"), ["/Skole/Plan2027_v2.docx", "/Økonomi/Budsjett 2027.xlsx"]);
    assert_eq!(q("plan v2"), ["/Skole/Plan2027_v2.docx"]);
    assert_eq!(q("rapport.pdf"), ["/Arkiv/rapport.pdf"]);
    assert_eq!(q("pdf"), ["/Arkiv/rapport.pdf"]);
    assert_eq!(q("docx"), ["/Skole/Elevsamtale_Åse.docx", "/Skole/Plan2027_v2.docx"]);
    // All terms must match.
    assert!(q("budsjett 2028").is_empty());
    assert!(q("rapport xlsx").is_empty());
    // Only the last term is a prefix; a trailing separator ends it.
    assert!(q("bud 2027").is_empty());
    assert!(q("budsj ").is_empty());
    assert_eq!(q("budsjett "), ["/Økonomi/Budsjett 2027.xlsx"]);
    // A trailing combining accent still leaves the word open: "ærl" + U+0301.
    assert_eq!(q("ærl\u{301}"), ["/Arkiv/Ærlig tale.txt"]);
}

#[test]
fn ranking_puts_exact_names_then_name_matches_first() {
    let index = index_with(&[
        entry("t", "d", "1", "/Rapport/2027/oversikt.txt"),
        entry("t", "d", "2", "/Arkiv/Rapport 202701.pdf"),
        entry("t", "d", "3", "/Arkiv/Rapport 2027 med vedlegg.pdf"),
        entry("t", "d", "4", "/Arkiv/Rapport 2027.pdf"),
        entry("t", "d", "5", "/Arkiv/rapport 2027"),
    ]);
    let hits = index.search("t", "rapport 2027", &whole("d"), 10).unwrap();
    assert_eq!(
        paths(&hits),
        [
            "/Arkiv/rapport 2027",                 // whole name
            "/Arkiv/Rapport 2027.pdf",             // whole name but the extension
            "/Arkiv/Rapport 2027 med vedlegg.pdf", // both terms in the name, the last typed out
            "/Arkiv/Rapport 202701.pdf",           // both terms in the name, the last as a prefix
            "/Rapport/2027/oversikt.txt",          // folders only
        ]
    );
    let hits = index.search("t", "rapport.pdf", &whole("d"), 10).unwrap();
    assert_eq!(paths(&hits)[0], "/Arkiv/Rapport 2027.pdf");
    // A name match ranks above a folder-only match for a prefix, too.
    let hits = index.search("t", "rappo", &whole("d"), 10).unwrap();
    assert_eq!(paths(&hits).last(), Some(&"/Rapport/2027/oversikt.txt"));
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn odd_queries_never_error() {
    let index = index_with(&[entry("t", "d", "1", "/a/rapport.pdf")]);
    let scopes = whole("d");
    for q in ["", "   ", "\t\n", "-_.,;:!?", "\"\"", "*", ":", "\\", "\0", "()[]{}", "~^", "'; DROP TABLE x;--"] {
        assert!(index.search("t", q, &scopes, 10).unwrap().is_empty(), "{q:?}");
    }
    for q in ["\"rapport\"", "rapport*", "name:rapport", "rapport\\", "rap\0port", "+rapport -pdf", "rapport AND pdf"] {
        index.search("t", q, &scopes, 10).unwrap();
    }
    assert_eq!(index.search("t", "\"rapport\"", &scopes, 10).unwrap().len(), 1);
    assert_eq!(index.search("t", "rapport*", &scopes, 10).unwrap().len(), 1);
    let huge = "rapport ".repeat(1300);
    assert!(huge.len() > 10_000);
    assert_eq!(index.search("t", &huge, &scopes, 10).unwrap().len(), 1);
    let huge_word = "x".repeat(20_000);
    assert!(index.search("t", &huge_word, &scopes, 10).unwrap().is_empty());
    let noise: String = (0..10_000u32).filter_map(char::from_u32).collect();
    index.search("t", &noise, &scopes, 10).unwrap();
    index.search("t", "rapport", &scopes, usize::MAX).unwrap();
}

#[test]
fn odd_names_index_and_match() {
    let long = format!("{}.pdf", "lang".repeat(300));
    let index = index_with(&[
        entry("t", "d", "1", "/\"quoted\" *star*: back\\slash.txt"),
        entry("t", "d", "2", &format!("/{long}")),
        entry("t", "d", "3", "/x/.env"),
    ]);
    let s = whole("d");
    assert_eq!(index.search("t", "quoted star back slash", &s, 10).unwrap().len(), 1);
    assert_eq!(index.search("t", &long, &s, 10).unwrap().len(), 1);
    assert_eq!(index.search("t", "langlang", &s, 10).unwrap().len(), 1);
    assert_eq!(paths(&index.search("t", ".env", &s, 10).unwrap()), ["/x/.env"]);
}

#[test]
fn batches_are_atomic_and_the_feed_only_moves_forward() {
    let index = FileIndex::in_memory().unwrap();
    assert_eq!(index.applied_seq(), 0);
    index.apply(&[IndexOp::Upsert(entry("t", "d", "1", "/a.txt"))], 5).unwrap();
    assert_eq!(index.applied_seq(), 5);

    let mut bad = entry("t", "d", "3", "relative.txt");
    bad.path = "relative.txt".into();
    let err = index.apply(&[IndexOp::Upsert(entry("t", "d", "2", "/b.txt")), IndexOp::Upsert(bad)], 6).unwrap_err();
    assert!(matches!(err, Error::InvalidEntry { .. }), "{err}");
    assert_eq!(index.applied_seq(), 5);
    assert!(index.search("t", "b", &whole("d"), 10).unwrap().is_empty());

    let err = index.apply(&[IndexOp::Upsert(entry("t", "d", "2", "/b.txt"))], 4).unwrap_err();
    assert!(matches!(err, Error::SeqRegressed { applied: 5, got: 4 }), "{err}");
    assert!(index.search("t", "b", &whole("d"), 10).unwrap().is_empty());

    // The same position again is a replay and allowed; a later one too.
    index.apply(&[IndexOp::Upsert(entry("t", "d", "1", "/a.txt"))], 5).unwrap();
    index.apply(&[IndexOp::Upsert(entry("t", "d", "2", "/b.txt"))], 7).unwrap();
    assert_eq!(index.search("t", "txt", &whole("d"), 10).unwrap().len(), 2);
    // An empty batch still moves the position (the feed had only other kinds of change).
    index.apply(&[], 7).unwrap();
    index.apply(&[], 9).unwrap();
    assert_eq!(index.applied_seq(), 9);

    index.clear().unwrap();
    assert_eq!(index.applied_seq(), 0);
    assert!(index.search("t", "txt", &whole("d"), 10).unwrap().is_empty());
    index.apply(&[IndexOp::Upsert(entry("t", "d", "1", "/a.txt"))], 1).unwrap();
    assert_eq!(index.search("t", "txt", &whole("d"), 10).unwrap().len(), 1);
}

#[test]
fn persists_across_reopen_and_wipes_other_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    {
        let index = FileIndex::open(&dir).unwrap();
        assert_eq!(index.applied_seq(), 0);
        index.apply(&upserts(&[entry("t", "d", "1", "/Budsjett.xlsx")]), 41).unwrap();
        index.apply(&upserts(&[entry("t", "d", "2", "/Plan.docx")]), 42).unwrap();
    }
    {
        let index = FileIndex::open(&dir).unwrap();
        assert_eq!(index.applied_seq(), 42);
        assert_eq!(index.search("t", "budsjett", &whole("d"), 10).unwrap().len(), 1);
        assert_eq!(index.search("t", "plan", &whole("d"), 10).unwrap().len(), 1);
    }
    {
        // A build with another schema version starts over from seq 0.
        let index = open_with_version(&dir, SCHEMA_VERSION + 1).unwrap();
        assert_eq!(index.applied_seq(), 0);
        assert!(index.search("t", "budsjett", &whole("d"), 10).unwrap().is_empty());
        index.apply(&upserts(&[entry("t", "d", "3", "/Ny.txt")]), 3).unwrap();
    }
    {
        let index = FileIndex::open(&dir).unwrap();
        assert_eq!(index.applied_seq(), 0);
        assert!(index.search("t", "ny", &whole("d"), 10).unwrap().is_empty());
    }

    // A folder holding something else is never wiped.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("precious.txt"), "keep").unwrap();
    assert!(matches!(FileIndex::open(&other), Err(Error::NotAnIndex { .. })));
    assert!(other.join("precious.txt").exists());
}

#[test]
fn searches_run_while_batches_apply() {
    let index = Arc::new(FileIndex::in_memory().unwrap());
    let writer = {
        let index = index.clone();
        std::thread::spawn(move || {
            for seq in 1..=20u64 {
                index
                    .apply(&[IndexOp::Upsert(entry("t", "d", &seq.to_string(), &format!("/f{seq}.txt")))], seq)
                    .unwrap();
            }
        })
    };
    for _ in 0..50 {
        let hits = index.search("t", "txt", &whole("d"), 100).unwrap();
        assert!(hits.len() <= 20);
    }
    writer.join().unwrap();
    assert_eq!(index.search("t", "txt", &whole("d"), 100).unwrap().len(), 20);
}

// Property: for random entries, scopes and queries, every hit is in the
// tenant and inside a scope, matches every query term, and every permitted
// entry whose name equals the query is found.

const WORDS: &[&str] = &["Plan", "budsjett", "Ærlig", "åse", "2027", "rapport", "v2", "Økonomi", "elev", "A"];
const FOLDERS: &[&str] = &["", "/Pro", "/Prosjekt", "/Prosjekt/A", "/Prosjekt/A/B", "/Skole", "/Pro/Skole"];
const EXTS: &[&str] = &["", ".pdf", ".docx", ".txt"];

fn arb_name() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(WORDS), 1..4),
        prop::sample::select(&[" ", "_", "-", ""][..]),
        prop::sample::select(EXTS),
    )
        .prop_map(|(words, sep, ext)| format!("{}{ext}", words.join(sep)))
}

fn arb_entry() -> impl Strategy<Value = (usize, usize, usize, String)> {
    (0..2usize, 0..2usize, 0..FOLDERS.len(), arb_name())
}

fn arb_scope() -> impl Strategy<Value = Scope> {
    let drive = prop::sample::select(&["d0", "d1"][..]).prop_map(str::to_string);
    prop_oneof![
        drive.clone().prop_map(Scope::drive),
        (drive.clone(), prop::sample::select(FOLDERS)).prop_map(|(d, f)| Scope::subtree(d, f.to_string())),
        // The drive's root, a trailing slash, and a single file.
        (drive, prop::sample::select(&["/", "/Prosjekt/", "/Pro/Plan.pdf", "/Plan"][..]))
            .prop_map(|(d, f)| Scope::subtree(d, f.to_string())),
    ]
}

fn in_scope(drive: &str, path: &str, scope: &Scope) -> bool {
    if scope.drive != drive {
        return false;
    }
    match &scope.path_prefix {
        None => true,
        // Not a path: the index fails closed.
        Some(p) if !p.starts_with('/') => false,
        Some(p) => {
            let p = p.trim_end_matches('/');
            p.is_empty() || path == p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/'))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hits_are_permitted_and_exact_names_are_found(
        specs in prop::collection::vec(arb_entry(), 1..40),
        scopes in prop::collection::vec(arb_scope(), 0..4),
        pick in any::<prop::sample::Index>(),
        tenant in 0..2usize,
    ) {
        let tenants = ["t0", "t1"];
        let entries: Vec<Entry> = specs
            .iter()
            .enumerate()
            .map(|(i, (t, d, f, name))| Entry {
                tenant: tenants[*t].to_string(),
                drive: format!("d{d}"),
                node: format!("n{i}"),
                path: format!("{}/{name}", FOLDERS[*f]),
                name: name.clone(),
                dir: false,
                mime: None,
                modified_unix: 0,
                size: 0,
            })
            .collect();
        let index = index_with(&entries);
        let tenant = tenants[tenant];
        let query = &entries[pick.index(entries.len())].name;
        let hits = index.search(tenant, query, &scopes, 1000).unwrap();

        let query_terms = tokens(query);
        for hit in &hits {
            let e = entries.iter().find(|e| e.node == hit.node).unwrap();
            prop_assert_eq!(&e.tenant, tenant);
            prop_assert!(scopes.iter().any(|s| in_scope(&hit.drive, &hit.path, s)), "{hit:?} outside {scopes:?}");
            prop_assert_eq!((&e.drive, &e.path, &e.name), (&hit.drive, &hit.path, &hit.name));
            let name_terms = tokens(&e.name);
            let folder_terms = tokens(e.path.rsplit_once('/').unwrap().0);
            let (last, earlier) = query_terms.split_last().unwrap();
            for t in earlier {
                prop_assert!(name_terms.contains(t) || folder_terms.contains(t), "{t} not in {hit:?}");
            }
            prop_assert!(name_terms.iter().chain(&folder_terms).any(|n| n.starts_with(last.as_str())));
        }
        let mut found: Vec<&str> = hits.iter().map(|h| h.node.as_str()).collect();
        found.sort();
        for e in &entries {
            let permitted = e.tenant == tenant && scopes.iter().any(|s| in_scope(&e.drive, &e.path, s));
            if permitted && &e.name == query {
                prop_assert!(found.binary_search(&e.node.as_str()).is_ok(), "{e:?} not found for {query:?}");
            }
        }
        // Exact names rank first.
        if let Some(first) = hits.first() {
            let any_exact = hits.iter().any(|h| &h.name == query);
            prop_assert!(!any_exact || tokens(&first.name) == query_terms, "{first:?} first for {query:?}");
        }
    }
}

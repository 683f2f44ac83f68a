//! People search and name validation: `SearchIndex::candidates` on any
//! query, over a small fixed directory plus (optionally) one principal
//! whose name comes from the input; `names::{identifier, display_name,
//! fold}` on the same text.
//!
//! Input: byte 0 picks the tenants to search (none, Nordvik, both,
//! Sørvik); the rest is `NAME \0 QUERY`, or just `QUERY` without a \0.
//! Non-UTF-8 bytes are replaced (the HTTP edge only ever passes strings).
#![no_main]

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use suveren_domain::names::{display_name, fold, identifier};
use suveren_domain::search::SearchIndex;
use suveren_domain::{ClassificationScheme, Directory, OrgUnit, Principal, PrincipalKind, Tenant};

fn tenant(id: &str) -> Tenant {
    Tenant {
        id: id.into(),
        name: format!("{id} kommune"),
        domain: format!("{id}.test"),
        suspended: false,
        quota_bytes: None,
        scheme: ClassificationScheme::norway(),
        lockbox: Default::default(),
    }
}

fn person(id: &str, tenant: &str, login: &str, name: &str, unit: Option<&str>) -> Principal {
    Principal {
        id: id.into(),
        tenant: tenant.into(),
        login: login.into(),
        name: name.into(),
        email: Some(login.into()),
        kind: PrincipalKind::Employee,
        org_unit: unit.map(Into::into),
        groups: vec![],
        attributes: BTreeMap::new(),
        roles: vec![],
        disabled: false,
    }
}

fn people() -> Vec<Principal> {
    vec![
        person("p1", "nordvik", "lars.laerer@nordvik.test", "Lars Lærer", Some("nordvik:skole")),
        person("p2", "nordvik", "anna.admin@nordvik.test", "Anna Admin", None),
        person("p3", "nordvik", "bjorn.haugen@nordvik.test", "Bjørn Haugen", Some("nordvik:skole")),
        person("p4", "nordvik", "ase.saether@nordvik.test", "Åse Sæther", None),
        person("p5", "sorvik", "erik.ansatt@sorvik.test", "Erik Ansatt", None),
        person("p6", "sorvik", "jose.garcia@sorvik.test", "José García-Øberg", None),
        person("p7", "sorvik", "x@sorvik.test", "İstanbul ǅemal ﬀ", None),
    ]
}

fn directory(extra: Option<Principal>) -> Directory {
    let units =
        [OrgUnit { id: "nordvik:skole".into(), tenant: "nordvik".into(), name: "Nordvik skole".into(), parent: None }];
    Directory::new([tenant("nordvik"), tenant("sorvik")], people().into_iter().chain(extra), units, [], [], [], [])
}

fn fixed_index() -> &'static (Directory, SearchIndex) {
    static I: OnceLock<(Directory, SearchIndex)> = OnceLock::new();
    I.get_or_init(|| {
        let d = directory(None);
        let i = SearchIndex::build(&d);
        (d, i)
    })
}

fn check(dir: &Directory, idx: &SearchIndex, query: &str, tenants: &[&str]) {
    let hits = idx.candidates(query, tenants);
    let mut seen = HashSet::new();
    for id in &hits {
        assert!(seen.insert(*id), "candidate {id} listed twice for {query:?}");
        let p = dir.principals.get(*id).unwrap_or_else(|| panic!("candidate {id} is not in the directory"));
        assert!(tenants.contains(&p.tenant.as_str()), "candidate {id} of tenant {} outside {tenants:?}", p.tenant);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let tenants: &[&str] = match sel % 4 {
        0 => &[],
        1 => &["nordvik"],
        2 => &["nordvik", "sorvik"],
        _ => &["sorvik"],
    };
    let (name, query) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (
            Some(String::from_utf8_lossy(&rest[..i]).into_owned()),
            String::from_utf8_lossy(&rest[i + 1..]).into_owned(),
        ),
        None => (None, String::from_utf8_lossy(rest).into_owned()),
    };

    // Names: validation is idempotent, and what passes is what it promises.
    for s in name.iter().chain(Some(&query)) {
        if let Ok(id) = identifier("field", s) {
            assert!(!id.is_empty() && id.chars().count() <= 120, "identifier length: {id:?}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.@".contains(c)),
                "identifier charset: {id:?}"
            );
            assert_eq!(identifier("field", &id).as_ref(), Ok(&id), "identifier is not idempotent");
        }
        if let Ok(n) = display_name("field", s) {
            assert!(
                !n.is_empty() && n.chars().count() <= 200 && !n.chars().any(char::is_control),
                "display name: {n:?}"
            );
            assert_eq!(display_name("field", &n).as_ref(), Ok(&n), "display_name is not idempotent");
        }
        let _ = fold(s);
    }

    let (dir, idx) = fixed_index();
    check(dir, idx, &query, tenants);
    if let Some(name) = name {
        let extra = person("p8", "nordvik", "fuzz@nordvik.test", &name, Some("nordvik:skole"));
        let dir = directory(Some(extra));
        let idx = SearchIndex::build(&dir);
        check(&dir, &idx, &query, tenants);
        check(&dir, &idx, &name, tenants);
    }
});

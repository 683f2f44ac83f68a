//! A synthetic installation: 6 municipalities with 50,000 principals, org
//! units down to school classes, segments, 20 barrier rules and federation
//! links between the employees of every pair of tenants.
//!
//! Deterministic for a seed, so two runs search the same directory.

use std::collections::{BTreeMap, HashSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use suveren_domain::names::fold;
use suveren_domain::*;
use suveren_service::directory::scoped_id;

/// (id, display name, schools). 15 schools: 15 `only-with` rules for their
/// pupils, plus one `block` rule in five of the tenants = 20 rules.
pub const TENANTS: &[(&str, &str, &[&str])] = &[
    ("nordvik", "Nordvik kommune", &["Nordvik skole", "Havna skole", "Bakkeby skole"]),
    ("sorvik", "Sørvik kommune", &["Sørvik skole", "Lia skole", "Strand skole"]),
    ("fjellby", "Fjellby kommune", &["Fjellby skole", "Solhaug skole", "Granli skole"]),
    ("dalen", "Dalen kommune", &["Dalen skole", "Moen skole"]),
    ("ostbygd", "Østbygd kommune", &["Østbygd skole", "Åsen skole"]),
    ("vestfjord", "Vestfjord kommune", &["Vestfjord skole", "Kvarven skole"]),
];

pub const FIRST: &[&str] = &[
    "Anne",
    "Inger",
    "Kari",
    "Marit",
    "Ingrid",
    "Liv",
    "Eva",
    "Berit",
    "Astrid",
    "Bjørg",
    "Hilde",
    "Anna",
    "Solveig",
    "Marianne",
    "Randi",
    "Ida",
    "Nina",
    "Maria",
    "Elisabeth",
    "Kristin",
    "Bente",
    "Heidi",
    "Silje",
    "Hanne",
    "Gerd",
    "Linda",
    "Tone",
    "Tove",
    "Elin",
    "Anita",
    "Wenche",
    "Camilla",
    "Ragnhild",
    "Ellen",
    "Hege",
    "Karin",
    "Nora",
    "Emma",
    "Sara",
    "Thea",
    "Maja",
    "Ingeborg",
    "Sigrid",
    "Marte",
    "Åse",
    "Sofie",
    "Frida",
    "Ella",
    "Julie",
    "Vilde",
    "Oda",
    "Tuva",
    "Selma",
    "Linnea",
    "Astri",
    "Guro",
    "Siri",
    "Runa",
    "Synnøve",
    "Ylva",
    "Agnes",
    "Elsa",
    "Alma",
    "Saga",
    "Ebba",
    "Greta",
    "Karoline",
    "Mette",
    "Birgitte",
    "Aino",
    "Helmi",
    "Sanna",
    "Jan",
    "Per",
    "Bjørn",
    "Ole",
    "Lars",
    "Kjell",
    "Knut",
    "Arne",
    "Svein",
    "Hans",
    "Geir",
    "Thomas",
    "Tor",
    "Erik",
    "Morten",
    "Terje",
    "Odd",
    "Rune",
    "Martin",
    "Trond",
    "Jon",
    "Anders",
    "Harald",
    "Olav",
    "Nils",
    "Øyvind",
    "Magnus",
    "Henrik",
    "Kristian",
    "Espen",
    "Stian",
    "Håkon",
    "Jonas",
    "Sindre",
    "Emil",
    "Jakob",
    "Filip",
    "William",
    "Oskar",
    "Lukas",
    "Mathias",
    "Sander",
    "Aksel",
    "Ivar",
    "Eirik",
    "Sverre",
    "Gunnar",
    "Leif",
    "Torbjørn",
    "Øystein",
    "Halvard",
    "Vegard",
    "Audun",
    "Aslak",
    "Mikkel",
    "Tobias",
    "Elias",
    "Isak",
    "Johannes",
    "Sondre",
    "Even",
    "Trygve",
    "Steinar",
    "Asbjørn",
    "Ragnar",
    "Einar",
    "Gustav",
    "Axel",
    "Viktor",
    "Oliver",
    "Noah",
    "Matti",
    "Juha",
    "Mikko",
    "Pekka",
];

pub const LAST: &[&str] = &[
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Paulsen",
    "Bakken",
    "Kristoffersen",
    "Mathisen",
    "Lie",
    "Amundsen",
    "Nguyen",
    "Rasmussen",
    "Ahmed",
    "Lunde",
    "Solheim",
    "Berntsen",
    "Nygård",
    "Bakke",
    "Kristensen",
    "Fredriksen",
    "Holm",
    "Lien",
    "Hauge",
    "Christensen",
    "Andresen",
    "Nielsen",
    "Knudsen",
    "Evensen",
    "Sæther",
    "Aas",
    "Myhre",
    "Hanssen",
    "Ali",
    "Haugland",
    "Thomassen",
    "Sivertsen",
    "Simonsen",
    "Danielsen",
    "Berge",
    "Sandvik",
    "Arnesen",
    "Rønning",
    "Næss",
    "Antonsen",
    "Ruud",
    "Kvam",
    "Hovland",
    "Tangen",
    "Vik",
    "Fjeld",
    "Brekke",
    "Aasen",
    "Mikkelsen",
    "Sandberg",
    "Tveit",
    "Ødegård",
    "Bjerke",
    "Thorsen",
    "Engen",
    "Håland",
    "Ellingsen",
    "Aune",
    "Helland",
    "Strøm",
    "Nordby",
    "Lindberg",
    "Lindqvist",
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindström",
    "Lindgren",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Jakobsson",
    "Berglund",
    "Sandström",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Eklund",
    "Danielsson",
    "Lundin",
    "Björk",
    "Nyström",
    "Holmberg",
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Østby",
    "Grønlie",
    "Skog",
    "Fossum",
    "Kolstad",
    "Tveiten",
    "Bråten",
    "Sletten",
];

/// Employees' units below the top level, with their share of a tenant's
/// employees (school staff are placed in the schools).
const UNITS: &[(&str, f64)] = &[
    ("Administrasjon/Økonomi", 0.04),
    ("Administrasjon/HR", 0.03),
    ("Administrasjon/IKT", 0.03),
    ("Administrasjon/Politisk sekretariat", 0.02),
    ("Helse og omsorg/Sykehjem", 0.20),
    ("Helse og omsorg/Hjemmetjeneste", 0.15),
    ("Helse og omsorg/Helsestasjon", 0.05),
    ("Helse og omsorg/Barnevern", 0.05),
    ("Teknisk/Byggesak", 0.04),
    ("Teknisk/Vei og vann", 0.04),
    ("Teknisk/Eiendom", 0.02),
    ("Kultur", 0.05),
    // The remaining 28 % work in the schools.
];

pub struct Synthetic {
    pub tenants: Vec<Tenant>,
    pub principals: Vec<Principal>,
    pub org_units: Vec<OrgUnit>,
    pub segments: Vec<Segment>,
    pub barriers: Vec<BarrierRule>,
    pub links: Vec<FederationLink>,
}

impl Synthetic {
    pub fn directory(&self) -> Directory {
        Directory::new(
            self.tenants.clone(),
            self.principals.clone(),
            self.org_units.clone(),
            Vec::<Group>::new(),
            self.segments.clone(),
            self.barriers.clone(),
            self.links.clone(),
        )
    }

    /// Principals' indexes by kind, and each tenant's administrator.
    pub fn actors(&self) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
        let mut emp = Vec::new();
        let mut pup = Vec::new();
        let mut adm = Vec::new();
        for (i, p) in self.principals.iter().enumerate() {
            if p.has_role(Role::TenantAdmin) {
                adm.push(i);
            } else if p.kind == PrincipalKind::Employee {
                emp.push(i);
            } else if p.kind == PrincipalKind::Pupil {
                pup.push(i);
            }
        }
        (emp, pup, adm)
    }
}

pub fn slug(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn hex_id(rng: &mut StdRng) -> String {
    let a: u64 = rng.gen();
    let b: u64 = rng.gen();
    format!("{a:016x}{b:016x}")
}

/// Adds `path` and its parents to `units` (once) and returns its id.
fn unit(units: &mut Vec<OrgUnit>, seen: &mut HashSet<String>, tenant: &str, path: &str) -> String {
    let mut parent: Option<String> = None;
    let mut acc = String::new();
    for part in path.split('/') {
        if !acc.is_empty() {
            acc.push('/');
        }
        acc.push_str(part);
        let id = scoped_id(tenant, &acc);
        if seen.insert(id.clone()) {
            units.push(OrgUnit { id: id.clone(), tenant: tenant.into(), name: part.into(), parent: parent.clone() });
        }
        parent = Some(id);
    }
    parent.expect("non-empty path")
}

fn tenant(id: &str, name: &str) -> Tenant {
    Tenant {
        id: id.into(),
        name: name.into(),
        domain: format!("{id}.kommune.no"),
        suspended: false,
        quota_bytes: None,
        scheme: ClassificationScheme::norway(),
        lockbox: Default::default(),
    }
}

/// `total` principals over the six tenants, 60 % employees and 40 % pupils.
pub fn generate(total: usize, seed: u64) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut s = Synthetic {
        tenants: Vec::new(),
        principals: Vec::new(),
        org_units: Vec::new(),
        segments: Vec::new(),
        barriers: Vec::new(),
        links: Vec::new(),
    };
    let n_t = TENANTS.len();
    let mut employees_segments = Vec::new();
    for (ti, (tid, tname, schools)) in TENANTS.iter().enumerate() {
        let t = tenant(tid, tname);
        let domain = t.domain.clone();
        s.tenants.push(t);
        let n = total / n_t + usize::from(ti < total % n_t);
        let n_pupils = n * 2 / 5;
        let n_emp = n - n_pupils;
        let mut seen_units = HashSet::new();
        let mut logins = HashSet::new();

        // Where each principal goes: (unit path, kind).
        let mut plan: Vec<(String, PrincipalKind)> = Vec::with_capacity(n);
        let mut placed = 0;
        for (u, share) in UNITS {
            let k = (n_emp as f64 * share).round() as usize;
            plan.extend(std::iter::repeat_n((u.to_string(), PrincipalKind::Employee), k));
            placed += k;
        }
        let staff = n_emp - placed;
        for (i, school) in schools.iter().enumerate() {
            let k = staff / schools.len() + usize::from(i < staff % schools.len());
            plan.extend(std::iter::repeat_n((format!("Skole/{school}"), PrincipalKind::Employee), k));
        }
        let classes: Vec<String> = schools
            .iter()
            .flat_map(|sc| {
                (1..=10).flat_map(move |g| ["A", "B"].into_iter().map(move |c| format!("Skole/{sc}/{g}{c}")))
            })
            .collect();
        for i in 0..n_pupils {
            plan.push((classes[i % classes.len()].clone(), PrincipalKind::Pupil));
        }

        let mut admin_done = false;
        for (path, kind) in plan {
            let unit_id = unit(&mut s.org_units, &mut seen_units, tid, &path);
            let first = *FIRST.choose(&mut rng).expect("names");
            let last = *LAST.choose(&mut rng).expect("names");
            // About one in six has a middle name, as is common in Norway.
            let name = if rng.gen_bool(0.16) {
                format!("{first} {} {last}", LAST.choose(&mut rng).expect("names"))
            } else {
                format!("{first} {last}")
            };
            let base = format!("{}.{}", slug(first), slug(last));
            let mut login = format!("{base}@{domain}");
            let mut k = 2;
            while !logins.insert(login.clone()) {
                login = format!("{base}{k}@{domain}");
                k += 1;
            }
            let mut roles = Vec::new();
            if !admin_done && path == "Administrasjon/IKT" {
                roles = vec![Role::TenantAdmin, Role::Auditor];
                admin_done = true;
            }
            s.principals.push(Principal {
                id: hex_id(&mut rng),
                tenant: tid.to_string(),
                login: login.clone(),
                name,
                email: Some(login),
                kind,
                org_unit: Some(unit_id),
                groups: Vec::new(),
                attributes: BTreeMap::new(),
                roles,
                disabled: false,
            });
        }

        // Segments and barrier rules.
        let mut seg = |name: &str, filter: SegmentFilter| {
            let id = scoped_id(tid, name);
            s.segments.push(Segment { id: id.clone(), tenant: tid.to_string(), name: name.into(), filter });
            id
        };
        employees_segments
            .push(seg("employees", SegmentFilter { kinds: vec![PrincipalKind::Employee], ..Default::default() }));
        let mut rules = Vec::new();
        for school in schools.iter() {
            let unit_id = scoped_id(tid, &format!("Skole/{school}"));
            let short = slug(school.split(' ').next().unwrap_or(school));
            let all = seg(
                &format!("{short}-school"),
                SegmentFilter { org_unit: Some(unit_id.clone()), ..Default::default() },
            );
            let pupils = seg(
                &format!("{short}-school-pupils"),
                SegmentFilter { kinds: vec![PrincipalKind::Pupil], org_unit: Some(unit_id), ..Default::default() },
            );
            rules.push((
                format!("{short}-pupils-only-with-school"),
                BarrierKind::OnlyWith { a: pupils, with: vec![all] },
            ));
        }
        if ti < 5 {
            let a = seg(
                "barnevern",
                SegmentFilter { org_unit: Some(scoped_id(tid, "Helse og omsorg/Barnevern")), ..Default::default() },
            );
            let b = seg(
                "byggesak",
                SegmentFilter { org_unit: Some(scoped_id(tid, "Teknisk/Byggesak")), ..Default::default() },
            );
            rules.push(("barnevern-block-byggesak".into(), BarrierKind::Block { a, b }));
        }
        for (name, rule) in rules {
            s.barriers.push(BarrierRule { id: scoped_id(tid, &name), tenant: tid.to_string(), rule });
        }
    }
    for a in 0..n_t {
        for b in a + 1..n_t {
            let (ta, tb) = (TENANTS[a].0, TENANTS[b].0);
            s.links.push(FederationLink {
                id: format!("{ta}-{tb}-employees"),
                tenant_a: ta.into(),
                segment_a: employees_segments[a].clone(),
                tenant_b: tb.into(),
                segment_b: employees_segments[b].clone(),
                consent_a: true,
                consent_b: true,
            });
        }
    }
    s
}

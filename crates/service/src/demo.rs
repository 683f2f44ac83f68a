//! The demo installation (`suveren serve --demo`): two municipalities with
//! administrations, health and care units and schools, the named accounts of
//! the demo contract, the pupils' barrier and the employees' federation link.
//!
//! Seeded once: a marker document makes later starts skip it, and the
//! credentials file is written only on the seeding start.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use suveren_audit::{Draft, Outcome};
use suveren_domain::*;
use suveren_identity::{password, totp};
use suveren_store::{Batch, Op};

use crate::auth::Credential;
use crate::directory::{org_unit_chain, scoped_id};
use crate::snapshot::kinds;
use crate::{new_id, now_rfc3339, App, Result, ServiceError};

pub const CREDENTIALS_FILE: &str = "demo-credentials.tsv";
const MARKER: &str = "demo-seeded";

struct Account {
    login: String,
    name: String,
    tenant: String,
    kind: PrincipalKind,
    unit: Option<String>,
    roles: Vec<Role>,
    totp: bool,
    /// Role column of the credentials file.
    label: &'static str,
}

const FIRST: &[&str] = &[
    "Ingrid", "Ola", "Kari", "Nils", "Astrid", "Bjørn", "Sigrid", "Håkon", "Marte", "Eirik", "Solveig", "Tor", "Liv",
    "Magnus", "Åse", "Jonas", "Hege", "Øystein", "Tone", "Anders", "Maja", "Sindre", "Nora", "Emil", "Ida", "Jakob",
];
const LAST: &[&str] = &[
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
    "Berg",
    "Haugen",
    "Hagen",
    "Eriksen",
    "Bakken",
    "Solberg",
    "Lie",
    "Dahl",
    "Lund",
    "Strand",
    "Moen",
    "Sæther",
];

fn slug(s: &str) -> String {
    names::fold(s).chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// A random password that passes the password policy.
fn random_password(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

fn accounts() -> Vec<Account> {
    let a = |login: &str, name: &str, tenant: &str, kind, unit: Option<&str>, roles: Vec<Role>, totp, label| Account {
        login: login.into(),
        name: name.into(),
        tenant: tenant.into(),
        kind,
        unit: unit.map(Into::into),
        roles,
        totp,
        label,
    };
    use PrincipalKind::*;
    let mut v = vec![
        a("operator", "Operatør", OPERATOR_REALM, Service, None, vec![Role::OperatorAdmin], true, "operator_admin"),
        a(
            "anna.admin@nordvik.test",
            "Anna Admin",
            "nordvik",
            Employee,
            Some("Administrasjon"),
            vec![Role::TenantAdmin, Role::Auditor],
            true,
            "tenant_admin",
        ),
        a(
            "oda.godkjenner@nordvik.test",
            "Oda Godkjenner",
            "nordvik",
            Employee,
            Some("Administrasjon"),
            vec![Role::LockboxApprover],
            true,
            "lockbox_approver",
        ),
        a(
            "lars.laerer@nordvik.test",
            "Lars Lærer",
            "nordvik",
            Employee,
            Some("Skole/Nordvik skole"),
            vec![],
            false,
            "employee",
        ),
        a(
            "per.elev@nordvik.test",
            "Per Elev",
            "nordvik",
            Pupil,
            Some("Skole/Nordvik skole/8A"),
            vec![],
            false,
            "pupil",
        ),
        a(
            "siri.saksbehandler@nordvik.test",
            "Siri Saksbehandler",
            "nordvik",
            Employee,
            Some("Helse og omsorg"),
            vec![],
            true,
            "employee",
        ),
        a(
            "erik.ansatt@sorvik.test",
            "Erik Ansatt",
            "sorvik",
            Employee,
            Some("Administrasjon"),
            vec![],
            false,
            "employee",
        ),
        a("sara.elev@sorvik.test", "Sara Elev", "sorvik", Pupil, Some("Skole/Sørvik skole/8A"), vec![], false, "pupil"),
        a(
            "sofie.admin@sorvik.test",
            "Sofie Admin",
            "sorvik",
            Employee,
            Some("Administrasjon"),
            vec![Role::TenantAdmin, Role::Auditor],
            true,
            "tenant_admin",
        ),
    ];
    // About 40 generated people per municipality, deterministic so every
    // demo looks the same.
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    for (tenant, school) in [("nordvik", "Nordvik skole"), ("sorvik", "Sørvik skole")] {
        let mut used = std::collections::BTreeSet::new();
        let units = [("Administrasjon", Employee, 5), ("Helse og omsorg", Employee, 8), ("Skole", Employee, 0)];
        let mut plan: Vec<(String, PrincipalKind)> = Vec::new();
        for (u, k, n) in units {
            plan.extend(std::iter::repeat_n((u.to_string(), k), n));
        }
        plan.extend(std::iter::repeat_n((format!("Skole/{school}"), Employee), 6));
        for class in ["8A", "8B", "9A"] {
            plan.extend(std::iter::repeat_n((format!("Skole/{school}/{class}"), Pupil), 7));
        }
        for (unit, kind) in plan {
            let (f, l) = loop {
                let f = FIRST.choose(&mut rng).expect("non-empty");
                let l = LAST.choose(&mut rng).expect("non-empty");
                if used.insert((f, l)) {
                    break (*f, *l);
                }
            };
            v.push(a(
                &format!("{}.{}@{tenant}.test", slug(f), slug(l)),
                &format!("{f} {l}"),
                tenant,
                kind,
                Some(&unit),
                vec![],
                false,
                if kind == Pupil { "pupil" } else { "employee" },
            ));
        }
    }
    v
}

fn tenant(id: &str, name: &str) -> Tenant {
    Tenant {
        id: id.into(),
        name: name.into(),
        domain: format!("{id}.test"),
        suspended: false,
        quota_bytes: None,
        scheme: ClassificationScheme::norway(),
        lockbox: Default::default(),
    }
}

fn system_draft(tenant: &str, action: &str, resource: String) -> Draft {
    Draft {
        tenant: tenant.into(),
        time: now_rfc3339(),
        actor: "system".into(),
        acting_under: None,
        action: action.into(),
        resource,
        decision: Outcome::Allow,
        reason: Some("demo installation".into()),
        client: None,
    }
}

impl App {
    /// Seeds the demo unless it was seeded before. Returns the credentials
    /// file when this start wrote it.
    pub async fn seed_demo(&self) -> Result<Option<PathBuf>> {
        if self.store.get(kinds::META, MARKER).await?.is_some() {
            return Ok(None);
        }
        let mut ops = Vec::new();
        let mut audit = Vec::new();
        let tenants = [tenant("nordvik", "Nordvik kommune"), tenant("sorvik", "Sørvik kommune")];
        let mut dir = Directory::default();
        for t in &tenants {
            ops.push(Op::insert(kinds::TENANT, &t.id, &t.id, None, t));
            audit.push(system_draft(&t.id, "tenant.create", format!("tenant:{}", t.id)));
            dir.tenants.insert(t.id.clone(), t.clone());
        }
        let accounts = accounts();
        let mut principals = Vec::new();
        for acc in &accounts {
            let mut unit = None;
            if let Some(path) = &acc.unit {
                for u in org_unit_chain(&dir, &acc.tenant, path)? {
                    if !dir.org_units.contains_key(&u.id) {
                        ops.push(Op::put(kinds::ORG_UNIT, &u.id, &acc.tenant, None, &u));
                        dir.org_units.insert(u.id.clone(), u.clone());
                    }
                    unit = Some(u.id);
                }
            }
            let p = Principal {
                id: new_id(),
                tenant: acc.tenant.clone(),
                login: acc.login.clone(),
                name: acc.name.clone(),
                email: (acc.tenant != OPERATOR_REALM).then(|| acc.login.clone()),
                kind: acc.kind,
                org_unit: unit,
                groups: demo_groups(acc),
                attributes: BTreeMap::new(),
                roles: acc.roles.clone(),
                disabled: false,
            };
            ops.push(Op::insert(kinds::PRINCIPAL, &p.id, &p.tenant, None, &p));
            audit.push(system_draft(&p.tenant, "principal.create", format!("principal:{}", p.login)));
            principals.push(p);
        }
        for (tenant, name) in DEMO_GROUPS {
            let g = Group { id: scoped_id(tenant, name), tenant: tenant.to_string(), name: name.to_string() };
            ops.push(Op::insert(kinds::GROUP, &g.id, tenant, None, &g));
            audit.push(system_draft(tenant, "group.manage", format!("group:{name}")));
        }
        // Segments, the pupils' barrier and the federation link.
        let mut segment = |tenant: &str, name: &str, filter: SegmentFilter| {
            let s = Segment { id: scoped_id(tenant, name), tenant: tenant.into(), name: name.into(), filter };
            ops.push(Op::insert(kinds::SEGMENT, &s.id, tenant, None, &s));
            audit.push(system_draft(tenant, "segment.manage", format!("segment:{name}")));
            s.id
        };
        let mut employees = Vec::new();
        let mut barriers = Vec::new();
        for (t, school) in [("nordvik", "Nordvik skole"), ("sorvik", "Sørvik skole")] {
            let unit = scoped_id(t, &format!("Skole/{school}"));
            employees.push(segment(
                t,
                "employees",
                SegmentFilter { kinds: vec![PrincipalKind::Employee], ..Default::default() },
            ));
            let school_seg = segment(
                t,
                &format!("{}-school", slug(school.split(' ').next().unwrap_or(school))),
                SegmentFilter { org_unit: Some(unit.clone()), ..Default::default() },
            );
            let pupils = segment(
                t,
                &format!("{}-school-pupils", slug(school.split(' ').next().unwrap_or(school))),
                SegmentFilter { kinds: vec![PrincipalKind::Pupil], org_unit: Some(unit), ..Default::default() },
            );
            barriers.push(BarrierRule {
                id: scoped_id(t, "pupils-only-with-school"),
                tenant: t.into(),
                rule: BarrierKind::OnlyWith { a: pupils, with: vec![school_seg] },
            });
        }
        for b in &barriers {
            ops.push(Op::insert(kinds::BARRIER, &b.id, &b.tenant, None, b));
            audit.push(system_draft(&b.tenant, "barrier.manage", format!("barrier:{}", b.id)));
        }
        let link = FederationLink {
            id: "nordvik-sorvik-employees".into(),
            tenant_a: "nordvik".into(),
            segment_a: employees[0].clone(),
            tenant_b: "sorvik".into(),
            segment_b: employees[1].clone(),
            consent_a: true,
            consent_b: true,
        };
        ops.push(Op::insert(kinds::FEDERATION, &link.id, OPERATOR_REALM, None, &link));
        audit.push(system_draft(OPERATOR_REALM, "federation.manage", format!("federation:{}", link.id)));

        // Credentials: Argon2id is deliberately slow, so hash on all cores.
        let mut rng = rand::rngs::OsRng;
        let plain: Vec<(String, Option<String>)> =
            accounts.iter().map(|a| (random_password(&mut rng), a.totp.then(totp::new_secret))).collect();
        let pws: Vec<String> = plain.iter().map(|p| p.0.clone()).collect();
        let hashes = hash_all(pws).await?;
        let mut tsv = String::new();
        for ((acc, p), ((pw, secret), hash)) in accounts.iter().zip(&principals).zip(plain.iter().zip(hashes)) {
            let cred = Credential { password_hash: Some(hash), totp_secret: secret.clone(), ..Default::default() };
            ops.push(Op::insert(kinds::CREDENTIAL, &p.id, &p.tenant, Some(&p.id), &cred));
            let tenant_col = if acc.tenant == OPERATOR_REALM { "-" } else { acc.tenant.as_str() };
            tsv.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                acc.login,
                pw,
                tenant_col,
                acc.label,
                secret.as_deref().unwrap_or("")
            ));
        }
        ops.push(Op::insert(kinds::META, MARKER, OPERATOR_REALM, None, &now_rfc3339()));
        let path = self.data_dir.join(CREDENTIALS_FILE);
        // The file first: if the commit then fails, the next start rewrites it.
        crate::audit::write_private(&path, tsv.as_bytes()).map_err(suveren_store::StoreError::from)?;
        let mut b = Batch::new();
        b.ops = ops;
        b.audit = audit;
        self.commit(b).await?;
        self.reload().await?;
        self.seed_demo_drives().await?;
        Ok(Some(path))
    }

    /// The demo's drives: the Restricted "Barnevern" team drive, the
    /// Internal teachers' drive, and a few personal files. Files are
    /// written through the drive service as their authors (so they are
    /// encrypted, versioned and audited like any upload).
    async fn seed_demo_drives(&self) -> Result<()> {
        use crate::drive::{DriveKind, Member, WriteOpts};
        let snap = self.snapshot();
        let now = crate::drive::now_ms();
        let team = [
            ("nordvik", "barnevern", "Barnevern", 3u8, "nordvik:Barnevern"),
            ("nordvik", "nordvik-skole-laerere", "Nordvik skole – lærere", 1u8, "nordvik:Lærere Nordvik skole"),
        ];
        for (tenant, slug, name, level, group) in team {
            let d = crate::drive::Drive {
                id: format!("d-{slug}"),
                tenant: tenant.into(),
                kind: DriveKind::Team,
                owner: None,
                slug: slug.into(),
                name: name.into(),
                level,
                quota: self.settings.team_quota,
                members: vec![Member {
                    principal: None,
                    group: Some(group.into()),
                    role: suveren_policy::AccessRole::Owner,
                }],
                created: now,
            };
            let row = suveren_store::drive::DriveRow {
                id: d.id.clone(),
                tenant: tenant.into(),
                slug: slug.into(),
                body: serde_json::to_string(&d).expect("drives serialise"),
                used: 0,
            };
            let draft = system_draft(tenant, "drive.create", format!("drive:{tenant}:{slug}"));
            let _ = self.store.create_drive(&row, level, now, vec![draft]).await?;
        }
        self.drive.reload(self.store.as_ref()).await?;
        let files: &[(&str, Option<&str>, &str, &str)] = &[
            (
                "siri.saksbehandler@nordvik.test",
                Some("barnevern"),
                "/Saker/2026-117 Bekymringsmelding.txt",
                "Bekymringsmelding mottatt 3. november. Undersøkelse startet.\n",
            ),
            (
                "siri.saksbehandler@nordvik.test",
                Some("barnevern"),
                "/Maler/Undersøkelsesplan.txt",
                "Mal for undersøkelsesplan (barnevernsloven § 2-2).\n",
            ),
            (
                "lars.laerer@nordvik.test",
                Some("nordvik-skole-laerere"),
                "/Planer/Årsplan 8. trinn.txt",
                "Årsplan for 8. trinn, norsk og samfunnsfag.\n",
            ),
            (
                "lars.laerer@nordvik.test",
                Some("nordvik-skole-laerere"),
                "/Vurdering/Kriterier.txt",
                "Vurderingskriterier for muntlig presentasjon.\n",
            ),
            (
                "lars.laerer@nordvik.test",
                None,
                "/Undervisning/Plan 8A uke 48.txt",
                "Mandag: novelle. Onsdag: kildekritikk.\n",
            ),
            (
                "lars.laerer@nordvik.test",
                None,
                "/Foreldremøte.md",
                "# Foreldremøte 8A\n\n- Turdag\n- Nasjonale prøver\n",
            ),
            ("siri.saksbehandler@nordvik.test", None, "/Notater.txt", "Husk veiledning torsdag.\n"),
            ("per.elev@nordvik.test", None, "/Norsk/Stil.txt", "Min sommerferie.\n"),
            (
                "anna.admin@nordvik.test",
                None,
                "/IT-rutiner.md",
                "# Rutiner\n\nApp-passord for WebDAV: Innstillinger → App-passord.\n",
            ),
            ("erik.ansatt@sorvik.test", None, "/Budsjett 2027.csv", "post;beløp\nskole;1200000\n"),
            ("sara.elev@sorvik.test", None, "/Matte/Oppgaver.txt", "Oppgave 1: 3x + 2 = 11\n"),
        ];
        for (login, drive, path, text) in files {
            let Some(p) = snap.dir.principal_by_login(login).cloned() else { continue };
            let ctx = crate::Ctx {
                actor: suveren_policy::Actor {
                    principal: Some(p.clone()),
                    mfa: true,
                    via: suveren_policy::Via::Session,
                    grants: Vec::new(),
                },
                action: suveren_policy::Action::ContentWrite,
                client: None,
                request_id: "demo".into(),
                session: None,
                note: Some("demo installation"),
            };
            let place = match drive {
                Some(slug) => self.place(&ctx, crate::drive::DriveSel::Team(slug)).await?,
                None => self.place(&ctx, crate::drive::DriveSel::Personal(login)).await?,
            };
            let mut parent = String::new();
            let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            for seg in &segs[..segs.len() - 1] {
                parent = format!("{parent}/{seg}");
                match self.mkdir(&ctx, &place, &parent).await {
                    Ok(_) | Err(ServiceError::Drive(suveren_store::drive::DriveConflict::Exists(_))) => {}
                    Err(e) => return Err(e),
                }
            }
            let mut body = text.as_bytes();
            self.write(&ctx, &place, path, &mut body, WriteOpts::default()).await?;
        }
        Ok(())
    }
}

/// Groups of the demo (tenant, name); team drives belong to them.
const DEMO_GROUPS: [(&str, &str); 2] = [("nordvik", "Barnevern"), ("nordvik", "Lærere Nordvik skole")];

fn demo_groups(acc: &Account) -> Vec<String> {
    let mut g = Vec::new();
    if acc.login == "siri.saksbehandler@nordvik.test" {
        g.push(scoped_id("nordvik", "Barnevern"));
    }
    if acc.tenant == "nordvik"
        && acc.kind == PrincipalKind::Employee
        && acc.unit.as_deref().is_some_and(|u| u == "Skole/Nordvik skole")
    {
        g.push(scoped_id("nordvik", "Lærere Nordvik skole"));
    }
    g
}

async fn hash_all(pws: Vec<String>) -> Result<Vec<String>> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(1);
    let chunk = pws.len().div_ceil(workers).max(1);
    let mut tasks = Vec::new();
    for part in pws.chunks(chunk) {
        let part = part.to_vec();
        tasks.push(tokio::task::spawn_blocking(move || {
            part.iter().map(|p| password::hash(p)).collect::<Result<Vec<_>, _>>()
        }));
    }
    let mut out = Vec::with_capacity(pws.len());
    for t in tasks {
        let hashes = t
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        out.extend(hashes);
    }
    Ok(out)
}

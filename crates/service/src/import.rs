//! CSV import of a municipality's staff and pupils.
//!
//! Columns (header required, order free): `login,name,email,kind,org_unit,
//! groups` and optionally `roles` and `attributes` (`key=value;key=value`).
//! `groups` and `roles` are `;`-separated. Org units and groups that do not
//! exist yet are created. A dry run validates and reports without writing;
//! a real run writes everything in one transaction or nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use suveren_domain::{Group, PrincipalKind, Role};
use suveren_store::Op;

use crate::directory::{org_unit_chain, scoped_id, PrincipalInput};
use crate::snapshot::kinds;
use crate::{new_id, App, Ctx, Result, ServiceError};

/// At most this many rows per request; the CLI sends larger files in parts.
pub const MAX_ROWS: usize = 5_000;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub org_units_created: Vec<String>,
    pub groups_created: Vec<String>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowError {
    /// Line in the file, counting the header as line 1.
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Deserialize)]
struct Row {
    login: String,
    name: String,
    #[serde(default)]
    email: String,
    kind: String,
    #[serde(default)]
    org_unit: String,
    #[serde(default)]
    groups: String,
    #[serde(default)]
    roles: String,
    #[serde(default)]
    attributes: String,
}

fn list(s: &str) -> Vec<String> {
    s.split(';').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

impl App {
    pub async fn import_csv(&self, ctx: &Ctx, tenant: &str, csv_text: &str, dry_run: bool) -> Result<ImportReport> {
        let snap = self.snapshot();
        let permit = self.gate_in(&snap, ctx, &suveren_policy::Resource::Tenant(tenant)).await?;
        let t = snap.dir.tenants.get(tenant).ok_or(ServiceError::NotFound)?.clone();
        let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
        let mut report = ImportReport { dry_run, ..Default::default() };
        // A working copy of the directory so later rows see earlier rows' units.
        let mut dir = snap.dir.clone();
        let mut ops = Vec::new();
        let mut new_units = BTreeSet::new();
        let mut new_groups = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for (i, rec) in rdr.deserialize::<Row>().enumerate() {
            let line = i + 2;
            report.rows += 1;
            if report.rows > MAX_ROWS {
                return Err(ServiceError::invalid(format!(
                    "At most {MAX_ROWS} rows per import; split the file (the CLI does this for you)."
                )));
            }
            let row = match rec {
                Ok(r) => r,
                Err(e) => {
                    report.errors.push(RowError { line, message: format!("cannot read the row: {e}") });
                    continue;
                }
            };
            let Some(kind) = PrincipalKind::parse(row.kind.trim()) else {
                report.errors.push(RowError {
                    line,
                    message: format!("unknown kind `{}`; use employee, pupil, guest or service", row.kind),
                });
                continue;
            };
            let mut roles = Vec::new();
            let mut bad = None;
            for r in list(&row.roles) {
                match Role::parse(&r) {
                    Some(Role::OperatorAdmin) | None => bad = Some(format!("unknown or not allowed role `{r}`")),
                    Some(r) => roles.push(r),
                }
            }
            let mut attributes = BTreeMap::new();
            for kv in list(&row.attributes) {
                match kv.split_once('=') {
                    Some((k, v)) => {
                        attributes.insert(k.trim().to_string(), v.trim().to_string());
                    }
                    None => bad = Some(format!("attribute `{kv}` is not key=value")),
                }
            }
            if let Some(m) = bad {
                report.errors.push(RowError { line, message: m });
                continue;
            }
            if !row.org_unit.trim().is_empty() {
                match org_unit_chain(&dir, tenant, &row.org_unit) {
                    Ok(chain) => {
                        for u in chain {
                            if !dir.org_units.contains_key(&u.id) {
                                new_units.insert(dir_path(&u.id, tenant));
                                ops.push(Op::put(kinds::ORG_UNIT, &u.id, tenant, None, &u));
                                dir.org_units.insert(u.id.clone(), u);
                            }
                        }
                    }
                    Err(e) => {
                        report.errors.push(RowError { line, message: e.to_string() });
                        continue;
                    }
                }
            }
            for g in list(&row.groups) {
                let id = scoped_id(tenant, &g.to_lowercase());
                if let std::collections::hash_map::Entry::Vacant(slot) = dir.groups.entry(id.clone()) {
                    match suveren_domain::names::identifier("group name", &g) {
                        Ok(name) => {
                            let grp = Group { id: id.clone(), tenant: tenant.into(), name: name.clone() };
                            ops.push(Op::put(kinds::GROUP, &id, tenant, None, &grp));
                            slot.insert(grp);
                            new_groups.insert(name);
                        }
                        Err(e) => {
                            bad = Some(e.to_string());
                        }
                    }
                }
            }
            if let Some(m) = bad {
                report.errors.push(RowError { line, message: m });
                continue;
            }
            let inp = PrincipalInput {
                login: row.login.clone(),
                name: row.name.clone(),
                email: Some(row.email.clone()).filter(|e| !e.trim().is_empty()),
                kind,
                org_unit: Some(row.org_unit.trim().trim_matches('/').to_string()).filter(|u| !u.is_empty()),
                groups: list(&row.groups).into_iter().map(|g| g.to_lowercase()).collect(),
                attributes,
                roles,
                password: None,
            };
            let existing = suveren_domain::names::identifier("login", &row.login)
                .ok()
                .map(|l| if l.contains('@') { l } else { format!("{l}@{}", t.domain) })
                .and_then(|l| dir.principal_by_login(&l).cloned());
            if let Some(e) = &existing {
                if e.tenant != tenant {
                    // Reported as for a login nobody has: whether another
                    // organisation uses it is not this tenant's to learn (rule 1).
                    let message = match Self::build_principal(&dir, &t, new_id(), &inp) {
                        Err(err) => err.to_string(),
                        Ok(_) => "this login cannot be used here".into(),
                    };
                    report.errors.push(RowError { line, message });
                    continue;
                }
            }
            let id = existing.as_ref().map(|e| e.id.clone()).unwrap_or_else(new_id);
            match Self::build_principal(&dir, &t, id, &inp) {
                Ok(mut p) => {
                    if !seen.insert(p.login.clone()) {
                        report
                            .errors
                            .push(RowError { line, message: format!("`{}` appears twice in the file", p.login) });
                        continue;
                    }
                    match existing {
                        Some(e) => {
                            // An administrator's own row must not open a
                            // Confidential or Restricted drive to them
                            // (rule 4); another administrator can.
                            if ctx.actor.principal.as_ref().is_some_and(|me| me.id == e.id) {
                                if let Err(err) = self.no_self_grant(&e, &p) {
                                    report.errors.push(RowError { line, message: err.to_string() });
                                    continue;
                                }
                            }
                            p.disabled = e.disabled;
                            if e.roles != p.roles {
                                ops.push(Op::DeleteOwned { kind: kinds::SESSION.into(), owner: p.id.clone() });
                            }
                            if e == p {
                                report.unchanged += 1;
                                continue;
                            }
                            report.updated += 1;
                        }
                        None => report.created += 1,
                    }
                    ops.push(Op::put(kinds::PRINCIPAL, &p.id, tenant, None, &p));
                }
                Err(e) => report.errors.push(RowError { line, message: e.to_string() }),
            }
        }
        report.org_units_created = new_units.into_iter().collect();
        report.groups_created = new_groups.into_iter().collect();
        if dry_run || !report.errors.is_empty() {
            // Nothing is written when any row is wrong: fix the file, run again.
            report.dry_run = true;
            return Ok(report);
        }
        let mut d = self.allowed(ctx, &permit, tenant);
        d.resource = format!("tenant:{tenant}:import");
        d.reason =
            Some(format!("{} created, {} updated, {} unchanged", report.created, report.updated, report.unchanged));
        let mut b = suveren_store::Batch::new().audit(d);
        b.ops = ops;
        self.commit(b).await?;
        self.reload().await?;
        Ok(report)
    }
}

fn dir_path(id: &str, tenant: &str) -> String {
    id.strip_prefix(&format!("{tenant}:")).unwrap_or(id).to_string()
}

//! The audit log for a tenant's auditors (`/audit`): browse and filter the
//! chain, link to the export, and the chain verified on the page.
//!
//! Records come from the audit service's browse call (gated and itself
//! audited); the filters only narrow what that call returned. The
//! verification runs `suveren_audit::verify_export` over the export the
//! service produces, against this installation's public key: the same check
//! `suveren audit verify` makes offline.

use crate::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use suveren_api::AppState;
use suveren_audit::{ExportLine, Outcome, Record};
use suveren_policy::Action;
use suveren_service::Ctx;

use super::{render, service_error, Chrome};
use crate::i18n::{Arg, Tr};
use crate::Page;

/// Records shown per page.
const PAGE: usize = 50;
/// Records scanned per page view (one browse call).
const WINDOW: u32 = 1000;

pub struct Row {
    pub seq: u64,
    pub time: String,
    pub actor: String,
    pub acting_under: Option<String>,
    pub action: String,
    pub resource: String,
    pub allowed: bool,
    pub decision: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    tenant: String,
    tenant_param: String,
    verified: Result<String, String>,
    rows: Vec<Row>,
    actor: String,
    action: String,
    from: String,
    to: String,
    next: Option<String>,
    latest: Option<String>,
    export: String,
    scanned_to: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn time_text(tr: Tr, rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| tr.datetime((t.unix_timestamp_nanos() / 1_000_000) as i64))
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// Verifies the service's export of the chain; the text to show.
fn verify(tr: Tr, export: &[u8], public_key: &str) -> Result<(String, u64), String> {
    match suveren_audit::verify_export(export, Some(public_key)) {
        Ok(rep) => {
            // The last checkpoint stored before this export (the export
            // ends with one signed now over the last record).
            let stored: Vec<_> = export
                .split(|b| *b == b'\n')
                .filter_map(|l| serde_json::from_slice::<ExportLine>(l).ok())
                .filter_map(|l| match l {
                    ExportLine::Checkpoint(c) => Some(c),
                    _ => None,
                })
                .collect();
            let last_stored = stored.len().checked_sub(2).and_then(|i| stored.get(i));
            let signed = rep.signed_at.as_deref().map(|t| time_text(tr, t)).unwrap_or_default();
            let text = match last_stored {
                Some(cp) => tr.args(
                    "audit-verified",
                    &[
                        ("count", Arg::N(rep.records as f64)),
                        ("seq", Arg::N(cp.seq as f64)),
                        ("at", Arg::S(time_text(tr, &cp.time))),
                        ("signed", Arg::S(signed)),
                    ],
                ),
                None => tr
                    .args("audit-verified-fresh", &[("count", Arg::N(rep.records as f64)), ("signed", Arg::S(signed))]),
            };
            Ok((text, rep.last_seq))
        }
        Err(e) => Err(tr.args("audit-broken", &[("problem", Arg::S(e.to_string()))])),
    }
}

/// `GET /audit?actor=&action=&from=&to=`.
pub async fn index(State(s): State<AppState>, page: Page, Query(q): Query<AuditQuery>) -> Response {
    let tr = page.tr;
    // The caller's own tenant unless another is asked for; the service
    // answers for that tenant like for a missing one unless the caller is
    // its auditor.
    let tenant = if q.tenant.trim().is_empty() { page.ctx.actor.tenant().to_string() } else { q.tenant.trim().into() };
    let from: u64 = q.from.trim().parse().unwrap_or(0);
    let to: Option<u64> = q.to.trim().parse().ok();
    let after = from.saturating_sub(1);
    let recs: Vec<Record> = match s.app.audit_records(&page.ctx, &tenant, after, WINDOW).await {
        Ok(v) => v,
        Err(e) => return service_error(tr, e),
    };
    let ectx = Ctx { action: Action::AuditExport, ..page.ctx.clone() };
    let (verified, last_seq) = match s.app.audit_export(&ectx, &tenant).await {
        Ok(bytes) => match verify(tr, &bytes, &s.app.audit_key().public_key_b64()) {
            Ok((t, last)) => (Ok(t), Some(last)),
            Err(t) => (Err(t), None),
        },
        Err(e) => return service_error(tr, e),
    };
    let actor = q.actor.trim().to_lowercase();
    let action = q.action.trim().to_lowercase();
    let window_full = recs.len() as u32 == WINDOW;
    let last_scanned = recs.last().map(|r| r.seq);
    let mut matching = recs.into_iter().filter(|r| to.is_none_or(|t| r.seq <= t)).filter(|r| {
        (actor.is_empty() || r.actor.to_lowercase().contains(&actor))
            && (action.is_empty() || r.action.to_lowercase().contains(&action))
    });
    let rows: Vec<Row> = matching
        .by_ref()
        .take(PAGE)
        .map(|r| {
            let allowed = r.decision == Outcome::Allow;
            Row {
                time: time_text(tr, &r.time),
                decision: tr.get(&format!("audit-decision-{}", r.decision.as_str())),
                reason: r.reason.unwrap_or_default(),
                seq: r.seq,
                actor: r.actor,
                acting_under: r.acting_under,
                action: r.action,
                resource: r.resource,
                allowed,
            }
        })
        .collect();
    let more = matching.next().is_some();
    let past_to = |seq: u64| to.is_some_and(|t| seq >= t);
    let query = |from: u64| {
        format!(
            "/audit?{}actor={}&action={}&from={from}&to={}",
            if q.tenant.trim().is_empty() { String::new() } else { format!("tenant={}&", super::url_encode(&tenant)) },
            super::url_encode(&q.actor),
            super::url_encode(&q.action),
            to.map(|t| t.to_string()).unwrap_or_default()
        )
    };
    let (next, scanned_to) = if more {
        (rows.last().map(|r| query(r.seq + 1)), None)
    } else if window_full && !last_scanned.is_some_and(past_to) {
        // No more matches in this window, but the log goes on.
        (last_scanned.map(|l| query(l + 1)), last_scanned.map(|l| tr.number(l)))
    } else {
        (None, None)
    };
    let latest = last_seq.filter(|l| *l as usize > PAGE).map(|l| query(l + 1 - PAGE as u64));
    let c = Chrome::new(&page, tr.get("audit-title"), "/audit");
    let tenant_name =
        s.app.snapshot().dir.tenants.get(&tenant).map(|t| t.name.clone()).unwrap_or_else(|| tenant.clone());
    render(&AuditPage {
        c,
        export: format!("/api/v1/tenants/{}/audit/export", super::url_encode(&tenant)),
        tenant: tenant_name,
        tenant_param: if q.tenant.trim().is_empty() { String::new() } else { tenant.clone() },
        verified,
        rows,
        actor: q.actor.clone(),
        action: q.action.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        next,
        latest,
        scanned_to,
    })
}

//! The home page: the caller's drives, lockbox work waiting for them, and
//! the grants that touched their content.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use suveren_api::AppState;

use super::{render, service_error, Chrome};
use crate::i18n::Arg;
use crate::Page;

pub struct DriveLine {
    pub id: String,
    pub name: String,
    pub level: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    c: Chrome,
    welcome: String,
    drives: Vec<DriveLine>,
    pending: Option<String>,
    notices: Vec<String>,
}

/// `GET /home`.
pub async fn home(State(s): State<AppState>, page: Page) -> Response {
    let tr = page.tr;
    let Some(me) = page.ctx.actor.principal.clone() else {
        return super::redirect("/");
    };
    let snap = s.app.snapshot();
    let scheme = snap.dir.tenants.get(&me.tenant).map(|t| t.scheme.clone());
    let mut drives = Vec::new();
    if me.tenant != suveren_domain::OPERATOR_REALM {
        let ctx = suveren_service::Ctx { action: suveren_policy::Action::ContentList, ..page.ctx.clone() };
        match s.app.my_drives(&ctx).await {
            Ok(list) => {
                for (d, _) in list {
                    let level =
                        scheme.as_ref().and_then(|sc| sc.level(d.level)).map(|l| l.name.clone()).unwrap_or_default();
                    drives.push(DriveLine { id: d.id.clone(), name: d.name.clone(), level });
                }
            }
            Err(e) => return service_error(tr, e),
        }
    }
    let lctx = suveren_service::Ctx { action: suveren_policy::Action::LockboxView, ..page.ctx.clone() };
    let now = s.app.clock.now();
    let pending = match s.app.lockbox_list(&lctx).await {
        Ok(list) => {
            let n = list
                .iter()
                .filter(|r| {
                    r.requester != me.id
                        && r.status(now) == suveren_domain::lockbox::Status::Pending
                        && r.tenant == me.tenant
                })
                .count();
            (n > 0 && me.has_role(suveren_domain::Role::LockboxApprover))
                .then(|| tr.args("home-pending", &[("count", Arg::N(n as f64))]))
        }
        Err(e) => return service_error(tr, e),
    };
    let nctx = suveren_service::Ctx { action: suveren_policy::Action::NoticeList, ..page.ctx.clone() };
    let notices = match s.app.notices(&nctx).await {
        Ok(v) => v.into_iter().map(|n| n.text).collect(),
        Err(e) => return service_error(tr, e),
    };
    let c = Chrome::new(&page, tr.get("home-title"), "/home");
    render(&Home {
        welcome: tr.args("home-welcome", &[("name", Arg::S(me.name.clone()))]),
        c,
        drives,
        pending,
        notices,
    })
}

//! The choke point of the trust model: [`authorize`] decides every request.
//!
//! Services never re-implement a rule: they resolve data (who the caller is,
//! which drive a file is in, whether the caller is a member) and ask this
//! crate. The rules are written against an action's class, so a new service
//! adds an [`Action`] and a resource type, never a new check.
//!
//! Pure: no I/O, no clock (the caller passes `now`), deterministic, so the
//! property tests can explore random directories.

mod action;
mod discover;

use serde::{Deserialize, Serialize};
use suveren_domain::{Directory, Principal, Role, OPERATOR_REALM};

pub use action::*;
pub use discover::discover;

/// A lockbox grant (rule 4): time-boxed access for exactly a scope and a set
/// of actions, created only by approval of the tenant's reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub tenant: String,
    pub scope: GrantScope,
    pub ops: Vec<ContentOp>,
    /// Unix seconds; the grant is dead from this instant on.
    pub expires_unix: i64,
    #[serde(default)]
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantScope {
    /// A principal's personal drive, by principal id.
    DriveOf(String),
    /// One team drive, by id.
    Drive(String),
    /// One folder and everything below it.
    Folder { drive: DriveRef, path: String },
}

impl Grant {
    fn covers(&self, c: &ContentRef, op: ContentOp, now_unix: i64) -> bool {
        self.ops.contains(&op) && self.reaches(c, now_unix)
    }

    /// Whether the grant is live and its scope includes the content,
    /// whatever the operation.
    fn reaches(&self, c: &ContentRef, now_unix: i64) -> bool {
        if self.revoked || now_unix >= self.expires_unix || self.tenant != c.tenant {
            return false;
        }
        match &self.scope {
            GrantScope::DriveOf(p) => c.drive == DriveRef::Personal(p.clone()),
            GrantScope::Drive(d) => c.drive == DriveRef::Team(d.clone()),
            GrantScope::Folder { drive, path } => {
                let base = path.trim_end_matches('/');
                *drive == c.drive && (c.path == base || c.path.starts_with(&format!("{base}/")) || base.is_empty())
            }
        }
    }
}

/// How the caller proved who they are; it decides what a session may open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session,
    AppPassword,
}

/// The caller of a request, as resolved by the protocol edge.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Option<Principal>,
    /// Whether a second factor was passed (for app passwords: by the session
    /// that created it).
    pub mfa: bool,
    pub via: Via,
    /// Live and dead grants alike; the gate checks them.
    pub grants: Vec<Grant>,
}

impl Actor {
    pub fn anonymous() -> Self {
        Actor { principal: None, mfa: false, via: Via::Anonymous, grants: Vec::new() }
    }
    pub fn login(&self) -> &str {
        self.principal.as_ref().map(|p| p.login.as_str()).unwrap_or("anonymous")
    }
    /// The audit chain the caller's own events go to.
    pub fn tenant(&self) -> &str {
        self.principal.as_ref().map(|p| p.tenant.as_str()).unwrap_or(OPERATOR_REALM)
    }
}

/// The trust-model rule a denial rests on; shown to users and audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Authentication,
    TenantIsolation,
    InformationBarrier,
    Classification,
    Lockbox,
    Role,
    Suspended,
    /// A level's retention rule (part of rule 3) or a legal hold keeps the
    /// content: deletion, purge and pruning are refused until it ends.
    Retention,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Authentication => "authentication",
            Rule::TenantIsolation => "tenant-isolation",
            Rule::InformationBarrier => "information-barrier",
            Rule::Classification => "classification",
            Rule::Lockbox => "lockbox",
            Rule::Role => "role",
            Rule::Suspended => "suspended",
            Rule::Retention => "retention",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub rule: Rule,
    /// A sentence fit to show a user.
    pub message: String,
    /// Answer exactly as if the resource did not exist (rule 1): the caller
    /// must not learn that it does.
    pub conceal: bool,
}

impl Denial {
    pub(crate) fn hidden(rule: Rule, message: impl Into<String>) -> Self {
        Denial { rule, message: message.into(), conceal: true }
    }
    pub(crate) fn open(rule: Rule, message: impl Into<String>) -> Self {
        Denial { rule, message: message.into(), conceal: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow {
        /// The lockbox grant that made this possible, recorded in the audit.
        acting_under: Option<String>,
    },
    Deny(Denial),
}

impl Decision {
    pub fn is_allow(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
    const ALLOW: Decision = Decision::Allow { acting_under: None };
}

fn tenant_name<'a>(dir: &'a Directory, t: &'a str) -> &'a str {
    dir.tenants.get(t).map(|t| t.name.as_str()).unwrap_or(t)
}

/// The one decision function. `now_unix` is only used for grant expiry.
pub fn authorize(dir: &Directory, actor: &Actor, action: Action, resource: &Resource, now_unix: i64) -> Decision {
    let class = action.class();
    if class == ActionClass::Public {
        return Decision::ALLOW;
    }
    if let ActionClass::Link(op) = class {
        return link(dir, op, resource);
    }
    let Some(me) = &actor.principal else {
        return Decision::Deny(Denial::open(Rule::Authentication, "Sign in first."));
    };
    if me.disabled {
        return Decision::Deny(Denial::open(Rule::Suspended, "This account is disabled."));
    }
    let operator = me.tenant == OPERATOR_REALM;
    if !operator && dir.tenants.get(&me.tenant).is_none_or(|t| t.suspended) {
        return Decision::Deny(Denial::open(
            Rule::Suspended,
            format!("{} is suspended; ask the operator.", tenant_name(dir, &me.tenant)),
        ));
    }
    match class {
        ActionClass::Public => Decision::ALLOW,
        ActionClass::OwnAccount => match resource {
            Resource::Own => Decision::ALLOW,
            _ => Decision::Deny(Denial::hidden(Rule::Role, "Only your own account.")),
        },
        ActionClass::Discover => match resource {
            Resource::Directory => Decision::ALLOW,
            Resource::Principal(other) => match discover(dir, me, other) {
                Ok(()) => Decision::ALLOW,
                Err(d) => Decision::Deny(d),
            },
            _ => Decision::Deny(Denial::hidden(Rule::Role, "Not a directory entry.")),
        },
        ActionClass::TenantAdmin => tenant_role(dir, actor, me, resource, Role::TenantAdmin, "tenant administrators"),
        ActionClass::Audit => tenant_role(dir, actor, me, resource, Role::Auditor, "the tenant's auditors"),
        ActionClass::Operator => operator_action(dir, actor, me, action, resource),
        ActionClass::Content(op) => content(dir, actor, me, op, resource, now_unix),
        ActionClass::Link(op) => link(dir, op, resource),
        ActionClass::Lockbox(op) => lockbox(dir, actor, me, op, resource),
    }
}

/// Whether `me` decides lockbox requests of `tenant`: the approver role,
/// and a place in the tenant's list of approvers when it names any.
fn is_approver(dir: &Directory, me: &Principal, tenant: &str) -> bool {
    me.tenant == tenant
        && me.has_role(Role::LockboxApprover)
        && dir
            .tenants
            .get(tenant)
            .is_some_and(|t| t.lockbox.approvers.is_empty() || t.lockbox.approvers.contains(&me.id))
}

fn lockbox(dir: &Directory, actor: &Actor, me: &Principal, op: LockboxOp, resource: &Resource) -> Decision {
    match (op, resource) {
        (LockboxOp::View, Resource::Own) => Decision::ALLOW,
        (LockboxOp::View, Resource::LockboxRequest(r)) => {
            if r.requester == me.id || is_approver(dir, me, &r.tenant) {
                Decision::ALLOW
            } else {
                Decision::Deny(Denial::hidden(Rule::Lockbox, "No such request."))
            }
        }
        (LockboxOp::File, Resource::Tenant(t)) => {
            let Some(tenant) = dir.tenants.get(*t) else {
                return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "No such tenant."));
            };
            let operator = me.tenant == OPERATOR_REALM && me.has_role(Role::OperatorAdmin);
            if !operator && me.tenant != *t {
                return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "No such tenant."));
            }
            if !operator && !me.has_role(Role::TenantAdmin) {
                return Decision::Deny(Denial::open(
                    Rule::Role,
                    format!("Only operators and {}'s administrators file lockbox requests.", tenant.name),
                ));
            }
            need_mfa(actor, "A lockbox request").unwrap_or(Decision::ALLOW)
        }
        (LockboxOp::Decide | LockboxOp::Revoke, Resource::LockboxRequest(r)) => {
            let mine = r.requester == me.id;
            if !mine && me.tenant != r.tenant {
                return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "No such request."));
            }
            if op == LockboxOp::Decide && mine {
                return Decision::Deny(Denial::open(
                    Rule::Lockbox,
                    "You filed this request; another approver must decide it.",
                ));
            }
            if !mine && !is_approver(dir, me, &r.tenant) {
                return Decision::Deny(if me.has_role(Role::LockboxApprover) || me.has_role(Role::TenantAdmin) {
                    Denial::open(
                        Rule::Role,
                        format!("Only {}'s lockbox approvers decide requests.", tenant_name(dir, &r.tenant)),
                    )
                } else {
                    Denial::hidden(Rule::Lockbox, "No such request.")
                });
            }
            need_mfa(actor, "A lockbox decision").unwrap_or(Decision::ALLOW)
        }
        _ => Decision::Deny(Denial::hidden(Rule::Role, "Not a lockbox request.")),
    }
}

fn need_mfa(actor: &Actor, what: &str) -> Option<Decision> {
    (!actor.mfa).then(|| {
        Decision::Deny(Denial::open(
            Rule::Authentication,
            format!("{what} requires sign-in with a second factor; sign in again with your authenticator code."),
        ))
    })
}

fn tenant_role(dir: &Directory, actor: &Actor, me: &Principal, resource: &Resource, role: Role, who: &str) -> Decision {
    let t = match resource {
        Resource::Tenant(t) => *t,
        // The operator realm's own audit log belongs to the operators.
        _ => return Decision::Deny(Denial::hidden(Rule::Role, "Not a tenant.")),
    };
    if me.tenant != t {
        // Another tenant, or none at all: indistinguishable (rule 1).
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "No such tenant."));
    }
    let has = me.has_role(role) || (role == Role::Auditor && t == OPERATOR_REALM && me.has_role(Role::OperatorAdmin));
    if !has {
        return Decision::Deny(Denial::open(Rule::Role, format!("Only {who} of {} may do this.", tenant_name(dir, t))));
    }
    need_mfa(actor, "Administration").unwrap_or(Decision::ALLOW)
}

fn operator_action(dir: &Directory, actor: &Actor, me: &Principal, action: Action, resource: &Resource) -> Decision {
    if me.tenant != OPERATOR_REALM || !me.has_role(Role::OperatorAdmin) {
        return Decision::Deny(Denial::open(Rule::Role, "Only the installation's operators may do this."));
    }
    if let Some(d) = need_mfa(actor, "Operating the installation") {
        return d;
    }
    if action == Action::TenantBootstrapAdmin {
        // The operator may create a tenant's first administrator, never more:
        // after that the tenant runs its own directory.
        let Resource::Tenant(t) = resource else {
            return Decision::Deny(Denial::hidden(Rule::Role, "Not a tenant."));
        };
        let has_admin = dir.principals.values().any(|p| p.tenant == *t && p.has_role(Role::TenantAdmin));
        if has_admin {
            return Decision::Deny(Denial::open(
                Rule::Lockbox,
                format!("{} already has an administrator; its directory is theirs to manage.", tenant_name(dir, t)),
            ));
        }
    }
    Decision::ALLOW
}

fn content(dir: &Directory, actor: &Actor, me: &Principal, op: ContentOp, resource: &Resource, now: i64) -> Decision {
    let (c, target) = match resource {
        Resource::Content(c) => (*c, None),
        Resource::Share { content, target } => (*content, Some(target)),
        _ => return Decision::Deny(Denial::hidden(Rule::Role, "Not content.")),
    };
    let Some(level) = dir.tenants.get(&c.tenant).and_then(|t| t.scheme.level(c.level)) else {
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "Not found."));
    };
    let needed = match op {
        ContentOp::List | ContentOp::Read => AccessRole::Viewer,
        ContentOp::Write | ContentOp::Delete => AccessRole::Editor,
        ContentOp::Share => AccessRole::Editor,
        ContentOp::Declassify => AccessRole::Owner,
    };
    // Whether the caller's standing still holds: members of the tenant
    // directly; through a share only while the sharer is discoverable and
    // the level allows the caller's tenant.
    let reach = match &c.shared_by {
        None => me.tenant == c.tenant,
        Some(sharer) => {
            dir.principals.get(sharer).is_some_and(|s| !s.disabled && discover(dir, me, s).is_ok())
                && (me.tenant == c.tenant || level.external_sharing != suveren_domain::ExternalSharing::None)
        }
    };
    let own = reach && c.access.is_some_and(|a| a >= needed);
    let grant = if own {
        None
    } else {
        match actor.grants.iter().find(|g| g.covers(c, op, now)) {
            Some(g) => Some(g.id.clone()),
            None => {
                // Seen but not enough rights: say so; not seen at all: not found.
                if let Some(g) = actor.grants.iter().find(|g| g.reaches(c, now)) {
                    let ops: Vec<&str> = g.ops.iter().map(|o| o.as_str()).collect();
                    return Decision::Deny(Denial::open(
                        Rule::Lockbox,
                        format!("Lockbox grant {} allows {} only.", g.id, ops.join(" and ")),
                    ));
                }
                return Decision::Deny(if reach && c.access.is_some() && op == ContentOp::Declassify {
                    Denial::open(Rule::Classification, "Only an owner may lower the classification of content.")
                } else if reach && c.access.is_some() {
                    Denial::open(Rule::Role, "You may view this but not change it.")
                } else {
                    Denial::hidden(Rule::Lockbox, "Not found.")
                });
            }
        }
    };
    if level.mfa && !actor.mfa {
        return Decision::Deny(Denial::open(
            Rule::Classification,
            format!(
                "{} content requires sign-in with a second factor; an app password made without one cannot open it.",
                level.name
            ),
        ));
    }
    if let Some(target) = target {
        if let Some(d) = share_target(dir, me, c, level, target) {
            return Decision::Deny(d);
        }
    }
    Decision::Allow { acting_under: grant }
}

/// Access through a share link: allowed only while the item's level still
/// allows public links (raising an item's level ends its links at once) and
/// the link's mode covers the operation.
fn link(dir: &Directory, op: ContentOp, resource: &Resource) -> Decision {
    let Resource::Content(c) = resource else {
        return Decision::Deny(Denial::hidden(Rule::Role, "Not content."));
    };
    let Some(t) = dir.tenants.get(&c.tenant).filter(|t| !t.suspended) else {
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "Not found."));
    };
    let Some(level) = t.scheme.level(c.level) else {
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "Not found."));
    };
    if !level.public_links {
        return Decision::Deny(Denial::hidden(
            Rule::Classification,
            format!("{} content cannot be shared by link.", level.name),
        ));
    }
    // Links are view-only (Viewer) or upload-only (Editor): an upload link
    // never shows what others uploaded.
    let needed = match op {
        ContentOp::List | ContentOp::Read => AccessRole::Viewer,
        _ => AccessRole::Editor,
    };
    if c.access == Some(needed) {
        Decision::ALLOW
    } else {
        Decision::Deny(Denial::open(Rule::Role, "This link does not allow that."))
    }
}

fn share_target(
    dir: &Directory,
    me: &Principal,
    c: &ContentRef,
    level: &suveren_domain::Level,
    target: &ShareTarget,
) -> Option<Denial> {
    use suveren_domain::ExternalSharing;
    let org = tenant_name(dir, &c.tenant);
    match target {
        ShareTarget::PublicLink if !level.public_links => {
            Some(Denial::open(Rule::Classification, format!("{} content cannot be shared by link.", level.name)))
        }
        ShareTarget::Guest if !level.guests => {
            Some(Denial::open(Rule::Classification, format!("{} content cannot be shared with guests.", level.name)))
        }
        ShareTarget::Group(g) if g.tenant != c.tenant => Some(Denial::hidden(Rule::TenantIsolation, "Not found.")),
        ShareTarget::Principal(p) => {
            if let Err(d) = discover(dir, me, p) {
                return Some(d);
            }
            if p.kind == suveren_domain::PrincipalKind::Guest && !level.guests {
                return Some(Denial::open(
                    Rule::Classification,
                    format!("{} content cannot be shared with guests.", level.name),
                ));
            }
            if p.tenant != c.tenant && level.external_sharing == ExternalSharing::None {
                return Some(Denial::open(
                    Rule::Classification,
                    format!("{} content cannot be shared outside {org}.", level.name),
                ));
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;

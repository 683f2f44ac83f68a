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

/// Every refusal's message id and its English sentence, `{name}` marking an
/// argument. The id is what a refusal is known by outside English: the web
/// UI shows it in the reader's language (`crates/web/i18n/*/policy.ftl`,
/// whose English text is this one; a test there holds them equal), the API
/// answers it as `code`. Refusals the services raise themselves (moves
/// across levels, retention, self-granted access) are listed here too, so
/// that this table is the whole catalogue.
pub const MESSAGES: &[(&str, &str)] = &[
    // Who the caller is.
    ("deny-sign-in", "Sign in first."),
    ("deny-account-disabled", "This account is disabled."),
    ("deny-tenant-suspended", "{tenant} is suspended; ask the operator."),
    ("deny-own-account-only", "Only your own account."),
    // Concealed answers (rule 1): the same words whatever the reason.
    ("deny-not-found", "Not found."),
    ("deny-no-such-person", "No such person."),
    ("deny-no-such-tenant", "No such tenant."),
    ("deny-no-such-request", "No such request."),
    ("deny-not-directory-entry", "Not a directory entry."),
    ("deny-not-tenant", "Not a tenant."),
    ("deny-not-content", "Not content."),
    ("deny-not-lockbox-request", "Not a lockbox request."),
    // Roles.
    ("deny-role-tenant-admin", "Only tenant administrators of {tenant} may do this."),
    ("deny-role-auditor", "Only the tenant's auditors of {tenant} may do this."),
    ("deny-role-operator", "Only the installation's operators may do this."),
    ("deny-tenant-has-admin", "{tenant} already has an administrator; its directory is theirs to manage."),
    ("deny-view-only", "You may view this but not change it."),
    // A second factor.
    (
        "deny-mfa-administration",
        "Administration requires sign-in with a second factor; sign in again with your authenticator code.",
    ),
    (
        "deny-mfa-operator",
        "Operating the installation requires sign-in with a second factor; sign in again with your authenticator code.",
    ),
    (
        "deny-mfa-lockbox-request",
        "A lockbox request requires sign-in with a second factor; sign in again with your authenticator code.",
    ),
    (
        "deny-mfa-lockbox-decision",
        "A lockbox decision requires sign-in with a second factor; sign in again with your authenticator code.",
    ),
    ("deny-totp-replace-mfa", "Replacing an authenticator requires a session signed in with the current one."),
    // Lockbox (rule 4).
    ("deny-lockbox-file-role", "Only operators and {tenant}'s administrators file lockbox requests."),
    ("deny-lockbox-own-request", "You filed this request; another approver must decide it."),
    ("deny-lockbox-approver-role", "Only {tenant}'s lockbox approvers decide requests."),
    ("deny-grant-ops", "Lockbox grant {grant} allows {ops} only."),
    ("deny-self-grant-drive", "You cannot give yourself access to {drive}; another administrator must add you."),
    (
        "deny-self-grant-level",
        "You cannot give yourself access to Confidential or Restricted content; another administrator must add you.",
    ),
    // Classification (rule 3).
    (
        "deny-level-mfa",
        "{level} content requires sign-in with a second factor; an app password made without one cannot open it.",
    ),
    ("deny-link-level", "{level} content cannot be shared by link."),
    ("deny-link-mode", "This link does not allow that."),
    ("deny-guest-level", "{level} content cannot be shared with guests."),
    ("deny-external-level", "{level} content cannot be shared outside {tenant}."),
    ("deny-declassify-owner", "Only an owner may lower the classification of content."),
    ("deny-level-below-folder", "An item cannot be classified below the folder that holds it."),
    (
        "deny-move-below-level",
        "{level} content cannot be moved into a {folder} folder; an owner may declassify it explicitly.",
    ),
    (
        "deny-copy-below-level",
        "{level} content cannot be copied into a {folder} folder; an owner may declassify it explicitly.",
    ),
    // Retention and legal holds.
    ("deny-legal-hold", "Under legal hold (case {case}) since {since}."),
    ("deny-legal-hold-path", "Under legal hold (case {case}) since {since} ({path})"),
    (
        "deny-legal-hold-move",
        "Under legal hold (case {case}) since {since}. Held content cannot be moved out of what the hold covers.",
    ),
    ("deny-min-retention", "Kept until {until} under the retention rule for {level}."),
    ("deny-min-retention-path", "Kept until {until} under the retention rule for {level} ({path})"),
];

/// The English sentence of a refusal's message id.
pub fn english(code: &str) -> Option<&'static str> {
    MESSAGES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// The argument names a message uses, in order of appearance.
pub fn arg_names(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}

/// `template` with each `{name}` replaced by its argument, in one pass (an
/// argument's own braces are left alone); unknown names stay as written.
fn fill(template: &str, args: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else { break };
        let name = &rest[i + 1..i + j];
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[i..=i + j]),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub rule: Rule,
    /// The message id in [`MESSAGES`], e.g. `deny-link-level`: what the web
    /// UI translates, with `args`.
    pub code: &'static str,
    /// The message's arguments by name, e.g. `("level", "Strengt fortrolig")`.
    pub args: Vec<(&'static str, String)>,
    /// The English sentence (the API's `detail` and the audit log's reason).
    pub message: String,
    /// Answer exactly as if the resource did not exist (rule 1): the caller
    /// must not learn that it does.
    pub conceal: bool,
}

impl Denial {
    fn new(rule: Rule, code: &'static str, conceal: bool) -> Self {
        debug_assert!(english(code).is_some(), "refusal {code} is not in suveren_policy::MESSAGES");
        let message = english(code).unwrap_or(code).to_string();
        Denial { rule, code, args: Vec::new(), message, conceal }
    }
    /// A concealed refusal: the caller sees "not found".
    pub fn hidden(rule: Rule, code: &'static str) -> Self {
        Self::new(rule, code, true)
    }
    /// A refusal shown with its reason.
    pub fn open(rule: Rule, code: &'static str) -> Self {
        Self::new(rule, code, false)
    }
    /// Adds an argument of the message (and fills it into `message`).
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self.message = fill(english(self.code).unwrap_or(self.code), &self.args);
        self
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
        return Decision::Deny(Denial::open(Rule::Authentication, "deny-sign-in"));
    };
    if me.disabled {
        return Decision::Deny(Denial::open(Rule::Suspended, "deny-account-disabled"));
    }
    let operator = me.tenant == OPERATOR_REALM;
    if !operator && dir.tenants.get(&me.tenant).is_none_or(|t| t.suspended) {
        return Decision::Deny(
            Denial::open(Rule::Suspended, "deny-tenant-suspended").with("tenant", tenant_name(dir, &me.tenant)),
        );
    }
    match class {
        ActionClass::Public => Decision::ALLOW,
        ActionClass::OwnAccount => match resource {
            Resource::Own => Decision::ALLOW,
            _ => Decision::Deny(Denial::hidden(Rule::Role, "deny-own-account-only")),
        },
        ActionClass::Discover => match resource {
            Resource::Directory => Decision::ALLOW,
            Resource::Principal(other) => match discover(dir, me, other) {
                Ok(()) => Decision::ALLOW,
                Err(d) => Decision::Deny(d),
            },
            _ => Decision::Deny(Denial::hidden(Rule::Role, "deny-not-directory-entry")),
        },
        ActionClass::TenantAdmin => tenant_role(dir, actor, me, resource, Role::TenantAdmin, "deny-role-tenant-admin"),
        ActionClass::Audit => tenant_role(dir, actor, me, resource, Role::Auditor, "deny-role-auditor"),
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
                Decision::Deny(Denial::hidden(Rule::Lockbox, "deny-no-such-request"))
            }
        }
        (LockboxOp::File, Resource::Tenant(t)) => {
            let Some(tenant) = dir.tenants.get(*t) else {
                return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "deny-no-such-tenant"));
            };
            let operator = me.tenant == OPERATOR_REALM && me.has_role(Role::OperatorAdmin);
            if !operator && me.tenant != *t {
                return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "deny-no-such-tenant"));
            }
            if !operator && !me.has_role(Role::TenantAdmin) {
                return Decision::Deny(
                    Denial::open(Rule::Role, "deny-lockbox-file-role").with("tenant", tenant.name.as_str()),
                );
            }
            need_mfa(actor, "deny-mfa-lockbox-request").unwrap_or(Decision::ALLOW)
        }
        (LockboxOp::Decide | LockboxOp::Revoke, Resource::LockboxRequest(r)) => {
            let mine = r.requester == me.id;
            if !mine && me.tenant != r.tenant {
                return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "deny-no-such-request"));
            }
            if op == LockboxOp::Decide && mine {
                return Decision::Deny(Denial::open(Rule::Lockbox, "deny-lockbox-own-request"));
            }
            if !mine && !is_approver(dir, me, &r.tenant) {
                return Decision::Deny(if me.has_role(Role::LockboxApprover) || me.has_role(Role::TenantAdmin) {
                    Denial::open(Rule::Role, "deny-lockbox-approver-role").with("tenant", tenant_name(dir, &r.tenant))
                } else {
                    Denial::hidden(Rule::Lockbox, "deny-no-such-request")
                });
            }
            need_mfa(actor, "deny-mfa-lockbox-decision").unwrap_or(Decision::ALLOW)
        }
        _ => Decision::Deny(Denial::hidden(Rule::Role, "deny-not-lockbox-request")),
    }
}

/// `code` names what needs the second factor (`deny-mfa-…`).
fn need_mfa(actor: &Actor, code: &'static str) -> Option<Decision> {
    (!actor.mfa).then(|| Decision::Deny(Denial::open(Rule::Authentication, code)))
}

fn tenant_role(
    dir: &Directory,
    actor: &Actor,
    me: &Principal,
    resource: &Resource,
    role: Role,
    refusal: &'static str,
) -> Decision {
    let t = match resource {
        Resource::Tenant(t) => *t,
        // The operator realm's own audit log belongs to the operators.
        _ => return Decision::Deny(Denial::hidden(Rule::Role, "deny-not-tenant")),
    };
    if me.tenant != t {
        // Another tenant, or none at all: indistinguishable (rule 1).
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "deny-no-such-tenant"));
    }
    let has = me.has_role(role) || (role == Role::Auditor && t == OPERATOR_REALM && me.has_role(Role::OperatorAdmin));
    if !has {
        return Decision::Deny(Denial::open(Rule::Role, refusal).with("tenant", tenant_name(dir, t)));
    }
    need_mfa(actor, "deny-mfa-administration").unwrap_or(Decision::ALLOW)
}

fn operator_action(dir: &Directory, actor: &Actor, me: &Principal, action: Action, resource: &Resource) -> Decision {
    if me.tenant != OPERATOR_REALM || !me.has_role(Role::OperatorAdmin) {
        return Decision::Deny(Denial::open(Rule::Role, "deny-role-operator"));
    }
    if let Some(d) = need_mfa(actor, "deny-mfa-operator") {
        return d;
    }
    if action == Action::TenantBootstrapAdmin {
        // The operator may create a tenant's first administrator, never more:
        // after that the tenant runs its own directory.
        let Resource::Tenant(t) = resource else {
            return Decision::Deny(Denial::hidden(Rule::Role, "deny-not-tenant"));
        };
        let has_admin = dir.principals.values().any(|p| p.tenant == *t && p.has_role(Role::TenantAdmin));
        if has_admin {
            return Decision::Deny(
                Denial::open(Rule::Lockbox, "deny-tenant-has-admin").with("tenant", tenant_name(dir, t)),
            );
        }
    }
    Decision::ALLOW
}

fn content(dir: &Directory, actor: &Actor, me: &Principal, op: ContentOp, resource: &Resource, now: i64) -> Decision {
    let (c, target) = match resource {
        Resource::Content(c) => (*c, None),
        Resource::Share { content, target } => (*content, Some(target)),
        _ => return Decision::Deny(Denial::hidden(Rule::Role, "deny-not-content")),
    };
    let Some(level) = dir.tenants.get(&c.tenant).and_then(|t| t.scheme.level(c.level)) else {
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "deny-not-found"));
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
                    return Decision::Deny(
                        Denial::open(Rule::Lockbox, "deny-grant-ops")
                            .with("grant", g.id.as_str())
                            .with("ops", ops.join(" and ")),
                    );
                }
                return Decision::Deny(if reach && c.access.is_some() && op == ContentOp::Declassify {
                    Denial::open(Rule::Classification, "deny-declassify-owner")
                } else if reach && c.access.is_some() {
                    Denial::open(Rule::Role, "deny-view-only")
                } else {
                    Denial::hidden(Rule::Lockbox, "deny-not-found")
                });
            }
        }
    };
    if level.mfa && !actor.mfa {
        return Decision::Deny(Denial::open(Rule::Classification, "deny-level-mfa").with("level", level.name.as_str()));
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
        return Decision::Deny(Denial::hidden(Rule::Role, "deny-not-content"));
    };
    let Some(t) = dir.tenants.get(&c.tenant).filter(|t| !t.suspended) else {
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "deny-not-found"));
    };
    let Some(level) = t.scheme.level(c.level) else {
        return Decision::Deny(Denial::hidden(Rule::TenantIsolation, "deny-not-found"));
    };
    if !level.public_links {
        return Decision::Deny(
            Denial::hidden(Rule::Classification, "deny-link-level").with("level", level.name.as_str()),
        );
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
        Decision::Deny(Denial::open(Rule::Role, "deny-link-mode"))
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
            Some(Denial::open(Rule::Classification, "deny-link-level").with("level", level.name.as_str()))
        }
        ShareTarget::Guest if !level.guests => {
            Some(Denial::open(Rule::Classification, "deny-guest-level").with("level", level.name.as_str()))
        }
        ShareTarget::Group(g) if g.tenant != c.tenant => Some(Denial::hidden(Rule::TenantIsolation, "deny-not-found")),
        ShareTarget::Principal(p) => {
            if let Err(d) = discover(dir, me, p) {
                return Some(d);
            }
            if p.kind == suveren_domain::PrincipalKind::Guest && !level.guests {
                return Some(Denial::open(Rule::Classification, "deny-guest-level").with("level", level.name.as_str()));
            }
            if p.tenant != c.tenant && level.external_sharing == ExternalSharing::None {
                return Some(
                    Denial::open(Rule::Classification, "deny-external-level")
                        .with("level", level.name.as_str())
                        .with("tenant", org),
                );
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;

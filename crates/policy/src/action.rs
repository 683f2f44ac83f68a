//! Actions and resources: what a request wants to do, and to what.
//!
//! A new service adds variants here and nothing else: the rules in
//! [`crate::authorize`] are written against an action's [`ActionClass`], so a
//! new action inherits every rule of its class.

use serde::{Deserialize, Serialize};
use suveren_domain::Principal;

/// Every operation a route can perform. Routes declare one when registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    // No caller identity needed.
    HealthRead,
    ApiDescribe,
    SignIn,
    // The caller's own account.
    SessionRead,
    SignOut,
    SignOutEverywhere,
    AppPasswordCreate,
    AppPasswordList,
    AppPasswordRevoke,
    TotpEnrol,
    TotpConfirm,
    RecoveryCodesRenew,
    PasswordChange,
    /// Export of everything about oneself (GDPR Art. 15 and 20).
    DataExport,
    // People.
    DirectorySearch,
    PrincipalView,
    // Tenant administration.
    TenantView,
    PrincipalList,
    PrincipalCreate,
    PrincipalUpdate,
    PrincipalDelete,
    OrgUnitManage,
    GroupManage,
    SegmentManage,
    BarrierManage,
    ClassificationManage,
    FederationConsent,
    DirectoryImport,
    DriveManage,
    /// Export of everything about one principal of the tenant; file
    /// contents only where the gate lets the caller read them.
    PrincipalExport,
    /// Legal holds: create, list and release (suspend deletion and purge).
    LegalHoldManage,
    /// GDPR Art. 17 erasure of a principal (keeps what a hold or a minimum
    /// retention requires, and says so).
    PrincipalErase,
    /// The tenant's key (rule 6): status, unlock with the passphrase,
    /// change of provider, rotation.
    KeyManage,
    // Operator.
    TenantList,
    TenantCreate,
    TenantUpdate,
    TenantBootstrapAdmin,
    FederationManage,
    MetricsRead,
    /// Off-boarding: deletes a suspended tenant and destroys its KEK
    /// (crypto-shredding, rule 6).
    TenantDelete,
    // Audit.
    AuditRead,
    AuditExport,
    // Content (drive and later services).
    ContentList,
    ContentRead,
    ContentWrite,
    ContentDelete,
    ContentShare,
    /// Moving or copying content to a lower level, or lowering an item's
    /// level: only explicitly, by an owner, and always audited.
    ContentDeclassify,
    // Anonymous access through a share link.
    LinkRead,
    LinkUpload,
    // Lockbox (rule 4).
    /// File a request: operators, and tenant administrators of the tenant.
    LockboxFile,
    /// See requests: one's own, and approvers their tenant's.
    LockboxView,
    LockboxApprove,
    LockboxDeny,
    /// End a live grant (approvers, or the requester giving it up) or
    /// withdraw a pending request (the requester).
    LockboxRevoke,
    /// The tenant's approvers, N, maximum duration, notification.
    LockboxSettingsManage,
    /// Notices to the caller (lockbox grants that touched their content).
    NoticeList,
}

/// The rule family an action belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionClass {
    Public,
    OwnAccount,
    Discover,
    TenantAdmin,
    Operator,
    Audit,
    Content(ContentOp),
    /// Anonymous, through a share link: the link is the credential.
    Link(ContentOp),
    Lockbox(LockboxOp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockboxOp {
    File,
    View,
    Decide,
    Revoke,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentOp {
    List,
    Read,
    Write,
    Delete,
    Share,
    Declassify,
}

impl ContentOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentOp::List => "list",
            ContentOp::Read => "read",
            ContentOp::Write => "write",
            ContentOp::Delete => "delete",
            ContentOp::Share => "share",
            ContentOp::Declassify => "declassify",
        }
    }
}

impl Action {
    pub fn class(self) -> ActionClass {
        use Action::*;
        match self {
            HealthRead | ApiDescribe | SignIn => ActionClass::Public,
            SessionRead | SignOut | SignOutEverywhere | AppPasswordCreate | AppPasswordList | AppPasswordRevoke
            | TotpEnrol | TotpConfirm | RecoveryCodesRenew | PasswordChange | NoticeList => ActionClass::OwnAccount,
            DataExport => ActionClass::OwnAccount,
            DirectorySearch | PrincipalView => ActionClass::Discover,
            TenantView
            | PrincipalList
            | PrincipalCreate
            | PrincipalUpdate
            | PrincipalDelete
            | OrgUnitManage
            | GroupManage
            | SegmentManage
            | BarrierManage
            | ClassificationManage
            | FederationConsent
            | DirectoryImport
            | DriveManage
            | LockboxSettingsManage => ActionClass::TenantAdmin,
            PrincipalExport => ActionClass::TenantAdmin,
            LegalHoldManage | PrincipalErase => ActionClass::TenantAdmin,
            KeyManage => ActionClass::TenantAdmin,
            TenantDelete => ActionClass::Operator,
            TenantList | TenantCreate | TenantUpdate | TenantBootstrapAdmin | FederationManage | MetricsRead => {
                ActionClass::Operator
            }
            AuditRead | AuditExport => ActionClass::Audit,
            ContentList => ActionClass::Content(ContentOp::List),
            ContentRead => ActionClass::Content(ContentOp::Read),
            ContentWrite => ActionClass::Content(ContentOp::Write),
            ContentDelete => ActionClass::Content(ContentOp::Delete),
            ContentShare => ActionClass::Content(ContentOp::Share),
            ContentDeclassify => ActionClass::Content(ContentOp::Declassify),
            LinkRead => ActionClass::Link(ContentOp::Read),
            LinkUpload => ActionClass::Link(ContentOp::Write),
            LockboxFile => ActionClass::Lockbox(LockboxOp::File),
            LockboxView => ActionClass::Lockbox(LockboxOp::View),
            LockboxApprove | LockboxDeny => ActionClass::Lockbox(LockboxOp::Decide),
            LockboxRevoke => ActionClass::Lockbox(LockboxOp::Revoke),
        }
    }

    /// The dotted name used in audit records and the API description.
    pub fn name(self) -> &'static str {
        use Action::*;
        match self {
            HealthRead => "health.read",
            ApiDescribe => "api.describe",
            SignIn => "auth.login",
            SessionRead => "auth.session",
            SignOut => "auth.logout",
            SignOutEverywhere => "auth.logout_everywhere",
            AppPasswordCreate => "app_password.create",
            AppPasswordList => "app_password.list",
            AppPasswordRevoke => "app_password.revoke",
            TotpEnrol => "mfa.totp_enrol",
            TotpConfirm => "mfa.totp_confirm",
            RecoveryCodesRenew => "mfa.recovery_renew",
            PasswordChange => "auth.password_change",
            DataExport => "account.export",
            DirectorySearch => "directory.search",
            PrincipalView => "directory.view",
            TenantView => "tenant.view",
            PrincipalList => "principal.list",
            PrincipalCreate => "principal.create",
            PrincipalUpdate => "principal.update",
            PrincipalDelete => "principal.delete",
            OrgUnitManage => "org_unit.manage",
            GroupManage => "group.manage",
            SegmentManage => "segment.manage",
            BarrierManage => "barrier.manage",
            ClassificationManage => "classification.manage",
            FederationConsent => "federation.consent",
            DirectoryImport => "directory.import",
            DriveManage => "drive.manage",
            PrincipalExport => "principal.export",
            LegalHoldManage => "legal_hold.manage",
            PrincipalErase => "principal.erase",
            KeyManage => "key.manage",
            TenantDelete => "tenant.delete",
            TenantList => "tenant.list",
            TenantCreate => "tenant.create",
            TenantUpdate => "tenant.update",
            TenantBootstrapAdmin => "tenant.bootstrap_admin",
            FederationManage => "federation.manage",
            MetricsRead => "metrics.read",
            AuditRead => "audit.read",
            AuditExport => "audit.export",
            ContentList => "content.list",
            ContentRead => "content.read",
            ContentWrite => "content.write",
            ContentDelete => "content.delete",
            ContentShare => "content.share",
            ContentDeclassify => "content.declassify",
            LinkRead => "link.read",
            LinkUpload => "link.upload",
            LockboxFile => "lockbox.request",
            LockboxView => "lockbox.view",
            LockboxApprove => "lockbox.approve",
            LockboxDeny => "lockbox.deny",
            LockboxRevoke => "lockbox.revoke",
            LockboxSettingsManage => "lockbox.settings",
            NoticeList => "notice.list",
        }
    }
}

/// Which drive a piece of content lives in; lockbox grants are scoped by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriveRef {
    /// A principal's personal drive, by principal id.
    Personal(String),
    /// A team drive, by drive id.
    Team(String),
}

/// The caller's standing on a piece of content, resolved by the service from
/// ownership, membership and shares (data, not rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRole {
    Viewer,
    Editor,
    Owner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRef {
    pub tenant: String,
    pub drive: DriveRef,
    /// Path inside the drive, `/` separated, starting with `/`.
    pub path: String,
    /// Classification rank of the item (already the max of item and container).
    pub level: u8,
    pub access: Option<AccessRole>,
    /// When `access` comes from a share: the id of the principal who shared.
    /// The gate re-checks at every access that the caller may still discover
    /// them (a barrier or a federation link removed after sharing ends the
    /// access at once) and that the level allows the caller's tenant.
    pub shared_by: Option<String>,
}

/// Who or what content is to be shared with.
#[derive(Debug, Clone)]
pub enum ShareTarget<'a> {
    Principal(&'a Principal),
    Group(&'a suveren_domain::Group),
    Guest,
    PublicLink,
}

#[derive(Debug, Clone)]
pub enum Resource<'a> {
    /// The installation as a whole (operator actions, health).
    Installation,
    /// The caller's own account.
    Own,
    /// A tenant as an administrative unit.
    Tenant(&'a str),
    /// The people directory as seen by the caller.
    Directory,
    /// Another principal, for discovery.
    Principal(&'a Principal),
    Content(&'a ContentRef),
    Share {
        content: &'a ContentRef,
        target: ShareTarget<'a>,
    },
    /// A lockbox request, for deciding, revoking or viewing it.
    LockboxRequest(&'a LockboxRef),
}

/// What the gate needs to know of a lockbox request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockboxRef {
    pub id: String,
    /// The tenant whose content it asks for.
    pub tenant: String,
    /// The requester's principal id.
    pub requester: String,
}

impl Resource<'_> {
    /// The string recorded in the audit chain.
    pub fn audit_name(&self) -> String {
        match self {
            Resource::Installation => "installation".into(),
            Resource::Own => "self".into(),
            Resource::Tenant(t) => format!("tenant:{t}"),
            Resource::Directory => "directory".into(),
            Resource::Principal(p) => format!("principal:{}", p.login),
            Resource::Content(c) | Resource::Share { content: c, .. } => content_name(c),
            Resource::LockboxRequest(r) => format!("lockbox:{}", r.id),
        }
    }
}

fn content_name(c: &ContentRef) -> String {
    match &c.drive {
        DriveRef::Personal(p) => format!("content:{}:personal/{}{}", c.tenant, p, c.path),
        DriveRef::Team(d) => format!("content:{}:drive/{}{}", c.tenant, d, c.path),
    }
}

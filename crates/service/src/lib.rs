//! Application services.
//!
//! Each operation takes a [`Ctx`] (who calls, under which declared action),
//! resolves the data it needs, asks the policy gate through [`App::gate`],
//! and commits its change together with its audit record in one
//! [`suveren_store::Batch`]. Protocol crates (the JSON API now; WebDAV,
//! CalDAV, IMAP later) only translate requests into these calls, so no
//! protocol can grow a rule of its own.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod cluster;
pub mod demo;
pub mod directory;
pub mod drive;
pub mod export;
pub mod import;
pub mod installation;
pub mod keys;
pub mod lockbox;
pub mod messages;
pub mod operator;
pub mod retention;
mod snapshot;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use suveren_audit::{AuditKey, Draft, Outcome};
use suveren_policy::{authorize, Action, Actor, Decision, Denial, Resource};
use suveren_store::{Batch, Store, StoreError};

pub use snapshot::Snapshot;

fn resource_tenant<'a>(r: &'a Resource<'a>) -> Option<&'a str> {
    match r {
        Resource::Tenant(t) => Some(t),
        Resource::Principal(p) => Some(&p.tenant),
        Resource::Content(c) | Resource::Share { content: c, .. } => Some(&c.tenant),
        Resource::LockboxRequest(r) => Some(&r.tenant),
        _ => None,
    }
}

/// Settings the services need; the binary fills them from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Sign a checkpoint after every this many records of a tenant.
    pub checkpoint_interval: u64,
    pub oidc: Vec<OidcSettings>,
    pub throttle: suveren_identity::throttle::Limits,
    /// Default quota of a personal drive, bytes (`None`: unlimited).
    pub personal_quota: Option<u64>,
    /// Default quota of a new team drive, bytes.
    pub team_quota: Option<u64>,
    /// How long an unreferenced blob is kept before the sweeper deletes it,
    /// so a bucket copied after a database dump holds what the dump needs.
    pub blob_delete_grace: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            checkpoint_interval: 100,
            oidc: Vec::new(),
            throttle: Default::default(),
            personal_quota: Some(50 << 30),
            team_quota: Some(500 << 30),
            blob_delete_grace: Duration::ZERO,
        }
    }
}

/// A tenant's identity provider.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub tenant: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub redirect_url: String,
    /// Which ID-token claim holds the principal's login ("email", ...).
    pub login_claim: String,
    /// Treat sign-ins through this provider as having passed a second factor
    /// (the provider enforces MFA itself). Otherwise only `amr` decides.
    pub assume_mfa: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Also the answer for everything the caller may not discover.
    #[error("not found")]
    NotFound,
    #[error("{}", .0.message)]
    Denied(Denial),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("a second factor is required")]
    MfaRequired,
    #[error("too many failed sign-ins; try again in {} seconds", .0.as_secs().max(1))]
    Throttled(Duration),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A drive write's own precondition failed (missing folder, quota,
    /// ETag, existing destination); protocols map each to their status.
    #[error(transparent)]
    Drive(#[from] suveren_store::drive::DriveConflict),
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        ServiceError::Invalid(msg.into())
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The caller of one request, and the action its route declared.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub action: Action,
    pub client: Option<IpAddr>,
    pub request_id: String,
    /// Digest of the session token, when the caller came with a session.
    pub session: Option<String>,
    /// Why the server acts for this principal without a request (the demo
    /// seeding writes files as their authors); recorded as the reason.
    pub note: Option<&'static str>,
}

/// What the gate hands back on allow: the pieces of the audit record.
#[derive(Debug, Clone)]
pub struct Permit {
    pub action: Action,
    pub resource: String,
    pub acting_under: Option<String>,
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    pub data_dir: PathBuf,
    audit_key: AuditKey,
    snapshot: RwLock<Arc<Snapshot>>,
    pub(crate) app_cache: suveren_identity::app_password::VerifyCache,
    pub(crate) throttle: suveren_identity::throttle::Throttle,
    pub(crate) oidc: tokio::sync::Mutex<std::collections::HashMap<String, Arc<suveren_identity::oidc::OidcClient>>>,
    pub(crate) drive: drive::DriveRuntime,
    pub(crate) app_records:
        std::sync::Mutex<std::collections::HashMap<String, (suveren_store::Object, std::time::Instant)>>,
    pub(crate) lockbox: lockbox::GrantCache,
    pub clock: Clock,
    /// When each background job last finished a round (`installation`).
    pub(crate) beats: installation::Beats,
    /// The other nodes sharing the database (`cluster`); `None` embedded.
    pub(crate) bus: Option<Arc<dyn suveren_store::bus::Bus>>,
    /// This process's name: lease holder and bus sender.
    pub node: String,
}

/// The time the gate and the lockbox decide by. Tests pause it and move it
/// on to walk requests and grants through expiry without sleeping.
#[derive(Debug, Default)]
pub struct Clock {
    paused: std::sync::Mutex<Option<i64>>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        self.paused.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or_else(now_unix)
    }
    /// Stops the clock at `unix` seconds.
    pub fn pause_at(&self, unix: i64) {
        *self.paused.lock().unwrap_or_else(|e| e.into_inner()) = Some(unix);
    }
    /// Moves a paused clock on (pausing it at the current time first).
    pub fn advance(&self, secs: i64) {
        let mut p = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        *p = Some(p.unwrap_or_else(now_unix) + secs);
    }
}

/// Refuses to start on a database whose tenant keys the master key file
/// wraps when that file is missing (typically a restore whose keys were not
/// put back): a new master key would be created and no file would open.
/// A missing audit signing key is only warned about: a new one is made, and
/// checkpoints signed with the old one verify only with the old public key.
async fn check_keys_present(data_dir: &Path, store: &dyn Store) -> Result<()> {
    let master = data_dir.join(keys::MASTER_KEY_FILE);
    if !master.exists() {
        let wrapped: Vec<String> = keys::kek_providers(store)
            .await?
            .into_iter()
            .filter(|(_, p)| *p == keys::ProviderKind::MasterKeyFile)
            .map(|(t, _)| t)
            .collect();
        if !wrapped.is_empty() {
            return Err(ServiceError::Internal(format!(
                "the master key file {} is missing, but the keys of {} tenant(s) ({}) are wrapped by it. \
                 If this data folder was restored from a backup, copy the master key you kept there \
                 (mode 0600) and start again; a new key would leave every file unreadable.",
                master.display(),
                wrapped.len(),
                wrapped.join(", ")
            )));
        }
    }
    if !data_dir.join(audit::KEY_FILE).exists() && !store.audit_tenants().await?.is_empty() {
        tracing::warn!(
            path = %data_dir.join(audit::KEY_FILE).display(),
            "the audit signing key is missing although audit records exist; a new key is created, and \
             checkpoints signed before verify only with the old public key (restore the old key file to avoid this)"
        );
    }
    Ok(())
}

pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub fn now_rfc3339() -> String {
    let f = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::now_utc().format(&f).unwrap_or_default()
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl App {
    /// Opens the embedded installation in `data_dir`: the SQLite database,
    /// the audit signing key (created 0600 on first start).
    pub async fn open_embedded(data_dir: &Path, settings: Settings) -> Result<Arc<App>> {
        App::open(data_dir, settings, cluster::Backends::default()).await
    }

    pub async fn new(
        store: Arc<dyn Store>,
        audit_key: AuditKey,
        data_dir: PathBuf,
        settings: Settings,
    ) -> Result<Arc<App>> {
        let folder = suveren_blob::LocalFolder::open(data_dir.join("blobs")).await.map_err(drive::blob_err)?;
        let place = data_dir.join("blobs").display().to_string();
        let parts = cluster::Parts { store, blobs: Arc::new(folder), place, bus: None, node: cluster::node_name(None) };
        App::assemble(parts, audit_key, data_dir, settings).await
    }

    pub(crate) async fn assemble(
        parts: cluster::Parts,
        audit_key: AuditKey,
        data_dir: PathBuf,
        settings: Settings,
    ) -> Result<Arc<App>> {
        let cluster::Parts { store, blobs, place, bus, node } = parts;
        let snap = Snapshot::load(store.as_ref()).await?;
        let drive = drive::DriveRuntime::open(
            &data_dir,
            store.as_ref(),
            blobs,
            place,
            settings.personal_quota,
            settings.team_quota,
        )
        .await?;
        let app = Arc::new(App {
            lockbox: Default::default(),
            clock: Clock::default(),
            beats: Default::default(),
            drive,
            app_records: Default::default(),
            store,
            throttle: suveren_identity::throttle::Throttle::new(settings.throttle.clone()),
            settings,
            data_dir,
            audit_key,
            snapshot: RwLock::new(Arc::new(snap)),
            app_cache: suveren_identity::app_password::VerifyCache::new(Duration::from_secs(300), 10_000),
            oidc: Default::default(),
            bus,
            node,
        });
        app.load_grants().await?;
        Ok(app)
    }

    /// The current directory snapshot; cheap to clone, never blocks writers
    /// for long.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Rebuilds the snapshot after a directory change was committed, and
    /// tells the other nodes to do the same.
    pub async fn reload(&self) -> Result<()> {
        self.reload_directory().await?;
        self.announce(cluster::DIRECTORY).await;
        Ok(())
    }

    /// Rebuilds this node's snapshot from the store.
    pub(crate) async fn reload_directory(&self) -> Result<()> {
        let snap = Snapshot::load(self.store.as_ref()).await?;
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snap);
        // Account changes (disabling, resets, deletions) may have removed
        // app passwords: trust no cached record.
        self.forget_app_records();
        Ok(())
    }

    pub fn audit_key(&self) -> &AuditKey {
        &self.audit_key
    }

    /// Builds an audit record for the caller.
    pub fn draft(&self, ctx: &Ctx, tenant: &str, resource: String, outcome: Outcome, reason: Option<String>) -> Draft {
        Draft {
            tenant: tenant.to_string(),
            time: now_rfc3339(),
            actor: ctx.actor.login().to_string(),
            acting_under: None,
            action: ctx.action.name().to_string(),
            resource,
            decision: outcome,
            reason: reason.or_else(|| ctx.note.map(str::to_string)),
            client: ctx.client.map(|c| c.to_string()),
        }
    }

    /// Asks the policy engine about the route's declared action. A denial is
    /// audited (in its own transaction: nothing else happens) and becomes
    /// the error the caller sees; concealed denials become "not found".
    pub async fn gate(&self, ctx: &Ctx, resource: &Resource<'_>) -> Result<Permit> {
        let snap = self.snapshot();
        self.gate_in(&snap, ctx, resource).await
    }

    pub async fn gate_in(&self, snap: &Snapshot, ctx: &Ctx, resource: &Resource<'_>) -> Result<Permit> {
        self.gate_in_as(snap, ctx, ctx.action, resource).await
    }

    /// Like [`App::gate`] for an action other than the route's own, for
    /// protocols where one request is several operations (a WebDAV MOVE
    /// deletes at the source and writes at the destination).
    pub async fn gate_as(&self, ctx: &Ctx, action: Action, resource: &Resource<'_>) -> Result<Permit> {
        let snap = self.snapshot();
        self.gate_in_as(&snap, ctx, action, resource).await
    }

    async fn gate_in_as(&self, snap: &Snapshot, ctx: &Ctx, action: Action, resource: &Resource<'_>) -> Result<Permit> {
        match authorize(&snap.dir, &ctx.actor, action, resource, self.clock.now()) {
            Decision::Allow { acting_under } => Ok(Permit { action, resource: resource.audit_name(), acting_under }),
            Decision::Deny(d) => {
                let reason = format!("{}: {}", d.rule.as_str(), d.message);
                let own = ctx.actor.tenant().to_string();
                let mut first = self.draft(ctx, &own, resource.audit_name(), Outcome::Deny, Some(reason.clone()));
                first.action = action.name().to_string();
                let mut batch = Batch::new().audit(first);
                // The tenant whose data was reached for learns of the attempt
                // too: an operator's or another tenant's probe is in its log.
                if let Some(t) = resource_tenant(resource).filter(|t| *t != own && snap.dir.tenants.contains_key(*t)) {
                    let mut d = self.draft(ctx, t, resource.audit_name(), Outcome::Deny, Some(reason));
                    d.action = action.name().to_string();
                    batch = batch.audit(d);
                }
                self.commit(batch).await?;
                Err(if d.conceal { ServiceError::NotFound } else { ServiceError::Denied(d) })
            }
        }
    }

    /// The allow record for a permit, to be committed with the change.
    pub fn allowed(&self, ctx: &Ctx, permit: &Permit, tenant: &str) -> Draft {
        let mut d = self.draft(ctx, tenant, permit.resource.clone(), Outcome::Allow, None);
        d.action = permit.action.name().to_string();
        d.acting_under = permit.acting_under.clone();
        d
    }

    /// Commits a batch and signs checkpoints that fall due.
    pub async fn commit(&self, batch: Batch) -> Result<Vec<suveren_audit::Record>> {
        let topics = cluster::topics_of(&batch);
        let recs = self.store.commit(batch).await?;
        self.after_commit(&recs).await?;
        for t in topics {
            self.announce(&t).await;
        }
        Ok(recs)
    }

    /// Signs the checkpoints that records just committed made due.
    pub async fn after_commit(&self, recs: &[suveren_audit::Record]) -> Result<()> {
        let every = self.settings.checkpoint_interval.max(1);
        for r in recs.iter().filter(|r| r.seq.is_multiple_of(every)) {
            let cp = self.audit_key.checkpoint(&r.tenant, r.seq, &r.hash, &now_rfc3339());
            self.store.put_checkpoint(&cp).await?;
        }
        Ok(())
    }
}

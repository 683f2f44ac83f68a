//! Several app nodes over one PostgreSQL database and one S3 bucket.
//!
//! Everything durable is already in the shared store (sessions, WebDAV
//! locks, lockbox requests, uploads in progress) or the shared bucket
//! (blobs, resumable upload pieces). What each node keeps in memory for the
//! gate's sake — the directory snapshot, lockbox grants, drive rows, tenant
//! keys, cached app-password records and the sign-in throttle — is kept in
//! step through the store's [`Bus`]: a node that changes one announces a
//! topic after its commit, the others reload that part. Background jobs
//! that must run once per installation (blob sweeps, upload and lock
//! expiry, key rotation, retention, lockbox expiry) take a lease in the
//! store first; the search index is per node and every node keeps its own.
//!
//! Embedded installations have no bus and take every lease at once.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use suveren_store::bus::{Bus, Event};
use suveren_store::{Batch, Op, Store, StoreError};

use crate::{App, Result, Settings};

/// Where a node keeps what it shares with the others.
#[derive(Default, Clone)]
pub struct Backends {
    /// `postgres://…`: the shared database; `None`: SQLite in the data folder.
    pub database_url: Option<String>,
    /// Connections this node opens to PostgreSQL.
    pub max_connections: Option<u32>,
    /// The shared bucket; `None`: the `blobs` folder in the data folder.
    pub s3: Option<suveren_blob::S3Config>,
    /// This node's name in leases and logs; default `HOST-RANDOM`.
    pub node: Option<String>,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("Backends")
            .field("database", &self.database_url.as_ref().map(|_| "postgres"))
            .field("s3", &self.s3.as_ref().map(|s| (&s.endpoint, &s.bucket)))
            .field("node", &self.node)
            .finish()
    }
}

/// The pieces an [`App`] is assembled from.
pub(crate) struct Parts {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn suveren_blob::BlobStore>,
    /// Where the blobs are, in words.
    pub place: String,
    pub bus: Option<Arc<dyn Bus>>,
    pub node: String,
}

pub(crate) const DIRECTORY: &str = "directory";
pub(crate) const GRANTS: &str = "grants";
pub(crate) const CREDENTIALS: &str = "credentials";
/// Reload everything (a tenant deleted, or announcements were missed).
pub(crate) const ALL: &str = "all";
const KEYS: &str = "keys:";
const DRIVE: &str = "drive:";
const FAILED: &str = "signin-failed:";
const SUCCEEDED: &str = "signin-ok:";

pub(crate) fn drive_topic(id: &str) -> String {
    format!("{DRIVE}{id}")
}

/// A default node name: the host and a random suffix, so two processes on
/// one host never share a lease.
pub fn node_name(given: Option<&str>) -> String {
    if let Some(n) = given.map(str::trim).filter(|n| !n.is_empty()) {
        return n.replace('|', "-");
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    let suffix = &crate::new_id()[..8];
    if host.is_empty() {
        format!("node-{suffix}")
    } else {
        format!("{}-{suffix}", host.replace('|', "-"))
    }
}

/// What the other nodes must reload after `batch` commits, read off the
/// kinds of document it changes.
pub(crate) fn topics_of(batch: &Batch) -> Vec<String> {
    use crate::snapshot::kinds;
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: String| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    for op in &batch.ops {
        let (kind, key) = match op {
            Op::Insert(o) | Op::Put(o) | Op::Swap { object: o, .. } => (o.kind.as_str(), o.key.as_str()),
            Op::Delete { kind, key } => (kind.as_str(), key.as_str()),
            Op::DeleteOwned { kind, owner } => (kind.as_str(), owner.as_str()),
        };
        match kind {
            kinds::TENANT
            | kinds::PRINCIPAL
            | kinds::ORG_UNIT
            | kinds::GROUP
            | kinds::SEGMENT
            | kinds::BARRIER
            | kinds::FEDERATION => add(DIRECTORY.into()),
            kinds::APP_PASSWORD => add(CREDENTIALS.into()),
            crate::lockbox::LOCKBOX_KIND => add(GRANTS.into()),
            crate::drive::KEK_KIND => add(format!("{KEYS}{key}")),
            _ => {}
        }
    }
    out
}

impl App {
    /// Opens an installation: the embedded default (SQLite and blob folder
    /// in `data_dir`) or the shared backends. `data_dir` always holds this
    /// node's own files: the master key and audit signing key (the same
    /// files on every node), and the search index.
    pub async fn open(data_dir: &Path, settings: Settings, backends: Backends) -> Result<Arc<App>> {
        std::fs::create_dir_all(data_dir.join("blobs")).map_err(StoreError::from)?;
        {
            // The data folder holds keys and personal data: owner only.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700)).map_err(StoreError::from)?;
        }
        crate::backup::open_lock(data_dir).map_err(StoreError::from)?;
        let node = node_name(backends.node.as_deref());
        let (store, bus): (Arc<dyn Store>, Option<Arc<dyn Bus>>) = match &backends.database_url {
            None => (Arc::new(suveren_store::sqlite::SqliteStore::open(&data_dir.join("meta.db")).await?), None),
            Some(url) => {
                let pg =
                    suveren_store::postgres::PgStore::open_with(url, backends.max_connections.unwrap_or(16)).await?;
                let bus = suveren_store::pg_bus::PgBus::new(pg.pool().clone(), node.clone());
                (Arc::new(pg), Some(Arc::new(bus)))
            }
        };
        crate::check_keys_present(data_dir, store.as_ref()).await?;
        let (blobs, place): (Arc<dyn suveren_blob::BlobStore>, String) = match &backends.s3 {
            None => (
                Arc::new(
                    suveren_blob::LocalFolder::open(data_dir.join("blobs")).await.map_err(crate::drive::blob_err)?,
                ),
                data_dir.join("blobs").display().to_string(),
            ),
            Some(cfg) => (
                Arc::new(suveren_blob::S3Blobs::open(cfg.clone()).await.map_err(crate::drive::blob_err)?),
                format!("{} {}", cfg.endpoint.trim_end_matches('/'), cfg.bucket),
            ),
        };
        let key = crate::audit::load_or_create_key(data_dir)?;
        let app =
            App::assemble(Parts { store, blobs, place, bus, node }, key, data_dir.to_path_buf(), settings).await?;
        if app.bus.is_some() {
            spawn_listener(app.clone()).await?;
        }
        Ok(app)
    }

    /// Whether this installation runs on shared backends (several nodes
    /// possible).
    pub fn clustered(&self) -> bool {
        self.bus.is_some()
    }

    /// Tells the other nodes that `topic` changed. A failure is logged, not
    /// returned: the change is committed, and the periodic full reload
    /// bounds how long another node can miss it.
    pub(crate) async fn announce(&self, topic: &str) {
        if let Some(bus) = &self.bus {
            if let Err(e) = bus.announce(topic).await {
                tracing::warn!(topic, error = %e, "cannot tell the other nodes about a change");
            }
        }
    }

    /// Whether this node should run the background job `name` now: it holds
    /// (or just took, or renewed) the job's lease for `ttl`. Embedded
    /// installations always run their jobs. A store error is logged and
    /// answers no: skipping one round is harmless, running twice may not be.
    pub(crate) async fn job_turn(&self, job: crate::installation::Job, ttl: Duration) -> bool {
        if self.bus.is_none() {
            return true;
        }
        let name = job.lease_name();
        match self.store.lease(&format!("job:{name}"), &self.node, crate::now_unix(), ttl.as_secs() as i64).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(job = name, error = %e, "cannot take the job's lease; skipping this round");
                false
            }
        }
    }

    /// A failed sign-in, counted here and on every other node.
    pub(crate) async fn signin_failed(&self, key: &str, source: IpAddr) {
        self.throttle.record_failure(key, source, Instant::now());
        self.announce(&format!("{FAILED}{source} {key}")).await;
    }

    /// A successful sign-in, which clears the pair's lock everywhere.
    pub(crate) async fn signin_succeeded(&self, key: &str, source: IpAddr) {
        self.throttle.record_success(key, source);
        self.announce(&format!("{SUCCEEDED}{source} {key}")).await;
    }

    /// Applies what another node announced.
    async fn hear(&self, topic: &str) -> Result<()> {
        let throttle = |rest: &str| -> Option<(IpAddr, String)> {
            let (ip, key) = rest.split_once(' ')?;
            Some((ip.parse().ok()?, key.to_string()))
        };
        match topic {
            DIRECTORY => self.reload_directory().await,
            GRANTS => self.load_grants().await,
            CREDENTIALS => {
                self.forget_app_records();
                Ok(())
            }
            ALL => self.reload_everything().await,
            t => {
                if let Some(tenant) = t.strip_prefix(KEYS) {
                    self.refresh_kek(tenant).await
                } else if let Some(id) = t.strip_prefix(DRIVE) {
                    self.drive.refresh(self.store.as_ref(), id).await
                } else if let Some((ip, key)) = t.strip_prefix(FAILED).and_then(throttle) {
                    self.throttle.record_failure(&key, ip, Instant::now());
                    Ok(())
                } else if let Some((ip, key)) = t.strip_prefix(SUCCEEDED).and_then(throttle) {
                    self.throttle.record_success(&key, ip);
                    Ok(())
                } else {
                    tracing::debug!(topic = t, "unknown cluster topic (a newer node?)");
                    Ok(())
                }
            }
        }
    }

    async fn reload_everything(&self) -> Result<()> {
        self.reload_directory().await?;
        self.load_grants().await?;
        self.drive.reload(self.store.as_ref()).await?;
        self.refresh_all_keks().await
    }
}

/// How often a clustered node reloads everything whatever it heard, which
/// bounds staleness when a node died between a commit and its announcement.
const FULL_RELOAD: Duration = Duration::from_secs(120);

async fn spawn_listener(app: Arc<App>) -> Result<()> {
    let Some(bus) = app.bus.clone() else { return Ok(()) };
    let mut rx = bus.subscribe().await?;
    // Weak: the listener must not keep a shut-down app alive.
    let weak = Arc::downgrade(&app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FULL_RELOAD);
        tick.tick().await;
        loop {
            let topic = tokio::select! {
                ev = rx.recv() => match ev {
                    Some(Event::Topic(t)) => t,
                    Some(Event::Lost) => ALL.to_string(),
                    None => return,
                },
                _ = tick.tick() => ALL.to_string(),
            };
            let Some(app) = weak.upgrade() else { return };
            if let Err(e) = app.hear(&topic).await {
                tracing::warn!(topic, error = %e, "cannot apply another node's change; reloading everything");
                let _ = app.reload_everything().await;
            }
        }
    });
    Ok(())
}

/// For test harnesses: the backends named by the environment, so one test
/// suite runs on every backend. `SUVEREN_TEST_BACKENDS` lists `pg` and/or
/// `s3`; `pg` takes a fresh database on the server `SUVEREN_TEST_PG` names,
/// `s3` a fresh key prefix in the bucket `SUVEREN_TEST_S3` names
/// (`ENDPOINT,BUCKET,KEY_ID,SECRET`). Unset: the embedded default.
#[doc(hidden)]
pub async fn test_backends() -> Backends {
    let mut b = Backends::default();
    let wanted = std::env::var("SUVEREN_TEST_BACKENDS").unwrap_or_default();
    let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
    if wanted.contains(&"pg") {
        b.database_url = suveren_store::pg_test::fresh_database().await;
        assert!(b.database_url.is_some(), "SUVEREN_TEST_BACKENDS has pg, but SUVEREN_TEST_PG names no server");
    }
    if wanted.contains(&"s3") {
        let spec =
            std::env::var("SUVEREN_TEST_S3").expect("SUVEREN_TEST_BACKENDS has s3, but SUVEREN_TEST_S3 is unset");
        let f: Vec<&str> = spec.split(',').collect();
        assert_eq!(f.len(), 4, "SUVEREN_TEST_S3 is ENDPOINT,BUCKET,KEY_ID,SECRET");
        b.s3 = Some(suveren_blob::S3Config {
            endpoint: f[0].into(),
            bucket: f[1].into(),
            region: "us-east-1".into(),
            access_key_id: f[2].into(),
            secret_access_key: f[3].into(),
            prefix: Some(format!("t{}", crate::new_id())),
            allow_http: true,
        });
    }
    b
}

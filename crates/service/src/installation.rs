//! The operator's view of the installation: its health in parts (the
//! database, the blob folder, the background jobs, the key providers) and
//! one tenant's use of it. Both are operator reads, gated on the
//! installation under the caller's declared action; they change nothing.

use std::sync::atomic::{AtomicI64, Ordering};

use serde::Serialize;
use suveren_domain::{FederationLink, Tenant};
use suveren_policy::Resource;

use crate::drive::now_ms;
use crate::keys::{KeyStatus, ProviderKind};
use crate::{App, Ctx, Result, ServiceError};

/// The background jobs whose rounds are tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Job {
    /// Search index, unreferenced blobs, expired uploads and locks, key
    /// rotations: every 2 seconds.
    Upkeep,
    /// Retention and trash purge: a minute after start, then hourly.
    Retention,
    /// Closing expired lockbox requests: every minute.
    LockboxExpiry,
}

impl Job {
    pub const ALL: [Job; 3] = [Job::Upkeep, Job::Retention, Job::LockboxExpiry];

    /// The lease the job runs under when several nodes share the database.
    pub(crate) fn lease_name(self) -> &'static str {
        match self {
            Job::Upkeep => "upkeep",
            Job::Retention => "retention",
            Job::LockboxExpiry => "lockbox-expiry",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Job::Upkeep => "upkeep",
            Job::Retention => "retention",
            Job::LockboxExpiry => "lockbox-expiry",
        }
    }

    /// How long without a finished round before the job counts as stalled
    /// (several of its intervals, so one slow round is not an alarm).
    pub fn overdue_after_ms(self) -> i64 {
        match self {
            Job::Upkeep => 5 * 60_000,
            Job::Retention => 3 * 3_600_000,
            Job::LockboxExpiry => 5 * 60_000,
        }
    }
}

/// When each background job last finished a round, in this process.
#[derive(Debug)]
pub struct Beats {
    started: i64,
    last: [AtomicI64; 3],
}

impl Default for Beats {
    fn default() -> Self {
        Beats { started: now_ms(), last: Default::default() }
    }
}

impl Beats {
    fn slot(&self, job: Job) -> &AtomicI64 {
        &self.last[job as usize]
    }

    /// A job finished a round (whatever its outcome: it is alive).
    pub fn beat(&self, job: Job) {
        self.slot(job).store(now_ms(), Ordering::Relaxed);
    }

    fn last(&self, job: Job) -> Option<i64> {
        Some(self.slot(job).load(Ordering::Relaxed)).filter(|t| *t > 0)
    }
}

/// How one part of the installation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Ok,
    /// Working, but something needs someone (a locked key, a stalled job).
    Attention,
    /// Not working: requests fail.
    Failing,
}

#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// The worst state below.
    pub state: State,
    pub database: DatabaseHealth,
    pub blobs: BlobHealth,
    pub jobs: Vec<JobHealth>,
    pub keys: KeyHealth,
    /// This node's name, when several nodes share the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabaseHealth {
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlobHealth {
    pub state: State,
    /// The folder file contents are kept in (encrypted).
    pub path: String,
    /// Why a test write failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Bytes of content stored, over all drives.
    pub stored_bytes: u64,
    pub drives: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobHealth {
    pub job: Job,
    pub state: State,
    /// When it last finished a round (Unix milliseconds); none since start.
    pub last_run: Option<i64>,
    /// Whether it is still within its first interval after start.
    pub starting: bool,
    /// Changes not yet in the search index (upkeep only; at most 1,000
    /// counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backlog: Option<u64>,
    /// A retention pass is part way (retention only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<bool>,
    /// The node holding the job's lease now (several nodes only): the job
    /// runs there and nowhere else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_on: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyHealth {
    pub state: State,
    /// The installation's master key file is in place.
    pub master_key_file: bool,
    /// A PKCS#11 module (hardware security module) is configured.
    pub pkcs11: bool,
    /// Tenants whose key is not the master key file's, is locked, or is
    /// being rotated.
    pub tenants: Vec<TenantKeyHealth>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantKeyHealth {
    pub tenant: String,
    pub name: String,
    pub provider: ProviderKind,
    /// Content cannot be read until a tenant administrator unlocks it (or
    /// the HSM is configured).
    pub locked: bool,
    /// Blobs checked so far by a running rotation.
    pub rotation_checked: Option<u64>,
}

/// One tenant as the operator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct TenantDetail {
    #[serde(flatten)]
    pub tenant: Tenant,
    pub principals: usize,
    pub drives: usize,
    /// Bytes stored in the tenant's drives (what its quota is measured in).
    pub used_bytes: u64,
    pub key: KeyStatus,
    /// The federation links the tenant is part of.
    pub links: Vec<FederationLink>,
}

impl App {
    /// The background jobs' heartbeats.
    pub fn beats(&self) -> &Beats {
        &self.beats
    }

    /// `GET /api/v1/health` (operator): each part in plain terms.
    pub async fn health(&self, ctx: &Ctx) -> Result<Health> {
        let snap = self.snapshot();
        self.gate_in(&snap, ctx, &Resource::Installation).await?;
        let database = match self.store.ping().await {
            Ok(()) => DatabaseHealth { state: State::Ok, error: None },
            Err(e) => DatabaseHealth { state: State::Failing, error: Some(e.to_string()) },
        };
        let db_ok = database.state == State::Ok;

        let probe_err = probe(self.drive.blobs.store().as_ref()).await.err();
        let (stored_bytes, drives) = match self.store.drives().await {
            Ok(rows) => (rows.iter().map(|r| r.used).sum(), rows.len()),
            Err(_) => (0, 0),
        };
        let blobs = BlobHealth {
            state: if probe_err.is_some() { State::Failing } else { State::Ok },
            path: self.drive.place.clone(),
            error: probe_err,
            stored_bytes,
            drives,
        };

        let now = now_ms();
        let starting_job = |job: Job| now - self.beats.started < job.overdue_after_ms();
        let mut jobs = Vec::new();
        let leases = if self.clustered() && db_ok { self.store.leases().await.unwrap_or_default() } else { Vec::new() };
        for job in Job::ALL {
            let last = self.beats.last(job);
            let fresh = last.is_some_and(|t| now - t < job.overdue_after_ms());
            let starting = last.is_none() && starting_job(job);
            let mut j = JobHealth {
                job,
                state: if fresh || starting { State::Ok } else { State::Attention },
                last_run: last,
                starting,
                backlog: None,
                in_progress: None,
                runs_on: None,
            };
            if self.clustered() {
                let name = format!("job:{}", job.lease_name());
                j.runs_on = leases.iter().find(|l| l.name == name && l.until > now / 1000).map(|l| l.holder.clone());
            }
            match job {
                Job::Upkeep if db_ok => {
                    if let Some(index) = &self.drive.index {
                        let since = index.applied_seq() as i64;
                        j.backlog = self.store.changes_all(since, 1000).await.ok().map(|c| c.len() as u64);
                    }
                }
                Job::Retention if db_ok => j.in_progress = self.retention_cursor().await.ok().map(|c| c.is_some()),
                _ => {}
            }
            jobs.push(j);
        }

        let master_key_file = self.data_dir.join(crate::keys::MASTER_KEY_FILE).is_file();
        let mut tenants = Vec::new();
        if db_ok {
            let mut ids: Vec<&Tenant> = snap.dir.tenants.values().collect();
            ids.sort_by(|a, b| a.name.cmp(&b.name));
            for t in ids {
                let Ok(k) = self.status_of(&t.id).await else { continue };
                if k.locked || k.rotation.is_some() || k.provider != ProviderKind::MasterKeyFile {
                    tenants.push(TenantKeyHealth {
                        tenant: t.id.clone(),
                        name: t.name.clone(),
                        provider: k.provider,
                        locked: k.locked,
                        rotation_checked: k.rotation.map(|r| r.checked),
                    });
                }
            }
        }
        let keys = KeyHealth {
            state: if !master_key_file {
                State::Failing
            } else if tenants.iter().any(|t| t.locked) {
                State::Attention
            } else {
                State::Ok
            },
            master_key_file,
            pkcs11: self.drive.keys.pkcs11().is_some(),
            tenants,
        };
        let state = [database.state, blobs.state, keys.state]
            .into_iter()
            .chain(jobs.iter().map(|j| j.state))
            .max()
            .unwrap_or(State::Ok);
        Ok(Health { state, database, blobs, jobs, keys, node: self.clustered().then(|| self.node.clone()) })
    }

    /// One tenant with its use: accounts, drives, bytes stored against its
    /// quota, its key and its federation links (operator).
    pub async fn tenant_detail(&self, ctx: &Ctx, tenant: &str) -> Result<TenantDetail> {
        let snap = self.snapshot();
        self.gate_in(&snap, ctx, &Resource::Installation).await?;
        let t = snap.dir.tenants.get(tenant).cloned().ok_or(ServiceError::NotFound)?;
        let drives = self.store.drives().await?.into_iter().filter(|r| r.tenant == tenant).count();
        Ok(TenantDetail {
            principals: snap.dir.principals.values().filter(|p| p.tenant == tenant).count(),
            drives,
            // The running total that writes are held to.
            used_bytes: self.store.tenant_used(tenant).await?,
            key: self.status_of(tenant).await?,
            links: snap.dir.links.iter().filter(|l| l.tenant_a == tenant || l.tenant_b == tenant).cloned().collect(),
            tenant: t,
        })
    }
}

/// Writes, reads back and removes a small object through the blob store
/// the drives use (the folder or the bucket), so the check fails exactly
/// when storing content would.
async fn probe(store: &dyn suveren_blob::BlobStore) -> std::result::Result<(), String> {
    use tokio::io::AsyncReadExt;
    const BODY: &[u8] = b"suveren health probe";
    let key = format!("health/probe-{}", crate::new_id());
    let run = async {
        store.put(&key, &mut &BODY[..]).await?;
        let mut back = Vec::new();
        store.read_range(&key, 0, None).await?.read_to_end(&mut back).await?;
        if back != BODY {
            return Err(suveren_blob::Error::Io(std::io::Error::other("what was written did not read back")));
        }
        Ok(())
    };
    let r: std::result::Result<(), suveren_blob::Error> = run.await;
    let _ = store.delete(&key).await;
    r.map_err(|e| e.to_string())
}

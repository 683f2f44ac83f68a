//! `scale` (issue 6): a synthetic embedded installation of 6 tenants,
//! 50,000 principals, 20 barrier rules and millions of file entries, for
//! measuring the real server on SQLite and (after `suveren store migrate`)
//! on PostgreSQL + S3. `bench/scale/run.sh` drives the whole run.
//!
//! `generate` writes the directory, the credentials (one Argon2id hash of a
//! known password, shared by every principal, so load clients can sign in)
//! and a pool of real encrypted blobs through the service (`App`), then
//! bulk-inserts drives and file trees with direct SQL into the SQLite
//! database, consistent with the schema: every file references a pool blob
//! of its tenant with that blob's size and ETag, each drive's `used` is the
//! sum of its files (the `tenant_usage` triggers follow), and the change
//! feed holds one `create` of each drive's root, so a node's search index
//! is built by one subtree scan per drive.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use serde_json::{json, Value};
use suveren_domain::{PrincipalKind, OPERATOR_REALM};
use suveren_policy::{AccessRole, Action, Actor, Via};
use suveren_service::drive::{Drive, DriveKind, DriveSel, Member, WriteOpts};
use suveren_service::{App, Ctx, Settings};
use suveren_store::{Batch, Op};

use crate::scale_tree::{self, Flavour, TreeGen};
use crate::stats;
use crate::synth::{self, Synthetic};

/// The password every generated principal signs in with.
pub const PASSWORD: &str = "Skalering-2026-benk";
/// The manifest `generate` writes into the data folder.
pub const MANIFEST: &str = "scale.json";

#[derive(clap::Args)]
pub struct ScaleArgs {
    #[command(subcommand)]
    pub cmd: ScaleCmd,
}

#[derive(clap::Subcommand)]
pub enum ScaleCmd {
    /// Writes a synthetic embedded installation into a new data folder.
    Generate {
        /// The data folder to create (must not exist or be empty).
        #[arg(long)]
        data: PathBuf,
        /// File entries in all (folders come on top).
        #[arg(long, default_value_t = 5_000_000)]
        files: u64,
        #[arg(long, default_value_t = 50_000)]
        principals: usize,
        /// Real encrypted blobs per tenant that the file entries share.
        #[arg(long, default_value_t = 100)]
        pool: usize,
        /// Share of the files in team drives (the rest in personal drives).
        #[arg(long, default_value_t = 0.3)]
        team_share: f64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Measures a running server with concurrent clients signed in as
    /// random employees and pupils of a generated installation.
    Load(crate::scale_load::LoadArgs),
    /// Prints the results of a run (`bench/scale/run.sh`) as markdown.
    Report {
        /// The run's work folder (generate.json, migrate.json, load-*.json).
        #[arg(long)]
        work: PathBuf,
    },
}

pub fn run(args: ScaleArgs) -> anyhow::Result<()> {
    match args.cmd {
        ScaleCmd::Generate { data, files, principals, pool, team_share, seed } => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(generate(Gen { data, files, principals, pool, team_share, seed }))
        }
        ScaleCmd::Load(a) => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(crate::scale_load::run(a))
        }
        ScaleCmd::Report { work } => report(&work),
    }
}

struct Gen {
    data: PathBuf,
    files: u64,
    principals: usize,
    pool: usize,
    team_share: f64,
    seed: u64,
}

/// A real blob that file entries point at.
#[derive(Clone)]
struct PoolBlob {
    key: String,
    size: u64,
    etag: String,
}

/// A drive to fill.
struct Plan {
    drive: Drive,
    files: u64,
    flavour: Flavour,
    /// Logins that author its files.
    authors: Vec<String>,
    /// Already stored (the administrators' personal drives hold the pool).
    exists: bool,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 10.0).round() / 10.0
}

/// Unit paths (`Helse og omsorg/Sykehjem`) by org-unit id.
fn unit_paths(s: &Synthetic) -> HashMap<String, String> {
    let by_id: HashMap<&str, &suveren_domain::OrgUnit> = s.org_units.iter().map(|u| (u.id.as_str(), u)).collect();
    let mut out = HashMap::new();
    for u in &s.org_units {
        let mut parts = vec![u.name.clone()];
        let mut cur = u.parent.as_deref();
        while let Some(p) = cur.and_then(|id| by_id.get(id)) {
            parts.push(p.name.clone());
            cur = p.parent.as_deref();
        }
        parts.reverse();
        out.insert(u.id.clone(), parts.join("/"));
    }
    out
}

fn admin_ctx(p: &suveren_domain::Principal) -> Ctx {
    Ctx {
        actor: Actor { principal: Some(p.clone()), mfa: true, via: Via::Session, grants: Vec::new() },
        action: Action::ContentWrite,
        client: None,
        request_id: "bench-scale".into(),
        session: None,
        note: Some("suveren-bench scale generate"),
    }
}

/// Stores the directory and the credentials in one batch.
async fn populate(app: &App, s: &Synthetic, hash: &str) -> anyhow::Result<()> {
    let mut b = Batch::new();
    for t in &s.tenants {
        b.ops.push(Op::insert("tenant", &t.id, &t.id, None, t));
    }
    for u in &s.org_units {
        b.ops.push(Op::insert("org_unit", &u.id, &u.tenant, None, u));
    }
    let cred = suveren_service::auth::Credential { password_hash: Some(hash.to_string()), ..Default::default() };
    for p in &s.principals {
        b.ops.push(Op::insert("principal", &p.id, &p.tenant, None, p));
        b.ops.push(Op::insert("credential", &p.id, &p.tenant, Some(&p.id), &cred));
    }
    for g in &s.segments {
        b.ops.push(Op::insert("segment", &g.id, &g.tenant, None, g));
    }
    for r in &s.barriers {
        b.ops.push(Op::insert("barrier", &r.id, &r.tenant, None, r));
    }
    for l in &s.links {
        b.ops.push(Op::insert("federation", &l.id, OPERATOR_REALM, None, l));
    }
    app.store.commit(b).await?;
    Ok(())
}

/// Writes `per_tenant` files of log-normal size into each tenant
/// administrator's personal drive through `App::write` (encrypted, fsync'd,
/// audited) and returns the blobs by tenant.
async fn make_pool(
    app: &Arc<App>,
    s: &Synthetic,
    per_tenant: usize,
    rng: &mut StdRng,
) -> anyhow::Result<(BTreeMap<String, Vec<PoolBlob>>, u64)> {
    let (_, _, adm) = s.actors();
    let mut pool = BTreeMap::new();
    let mut bytes = 0;
    for &a in &adm {
        let p = &s.principals[a];
        let ctx = admin_ctx(p);
        let place = app.place(&ctx, DriveSel::Personal(&p.login)).await?;
        app.mkdir(&ctx, &place, "/Felles maler").await?;
        let mut blobs = Vec::with_capacity(per_tenant);
        for i in 0..per_tenant {
            // Median 48 KiB, σ 1.6: mostly documents, some photos and scans.
            let size = (scale_tree::lognormal(rng, 48.0 * 1024.0, 1.6) as u64).clamp(200, 16 << 20);
            let mut body = vec![0u8; size as usize];
            rng.fill_bytes(&mut body);
            let name = format!("/Felles maler/Mal {:03}.pdf", i + 1);
            let mut r = body.as_slice();
            let out = app.write(&ctx, &place, &name, &mut r, WriteOpts::default()).await?;
            let stored = app.store.node(&place.drive.id, &name).await?.ok_or_else(|| anyhow::anyhow!("{name} gone"))?;
            let key = stored.blob.ok_or_else(|| anyhow::anyhow!("{name} has no blob"))?;
            bytes += size;
            blobs.push(PoolBlob { key, size: out.node.size, etag: out.node.etag.clone() });
        }
        pool.insert(p.tenant.clone(), blobs);
    }
    Ok((pool, bytes))
}

/// Files per drive: personal drives get a heavy-tailed share (pupils less),
/// team drives one per department and school staff.
fn plans(args: &Gen, s: &Synthetic, rng: &mut StdRng, now: i64) -> Vec<Plan> {
    let units = unit_paths(s);
    let personal_quota = Settings::default().personal_quota;
    let team_quota = Settings::default().team_quota;
    let team_files = (args.files as f64 * args.team_share).round() as u64;
    let personal_files = args.files - team_files;

    let mut out = Vec::new();
    let (_, _, adm) = s.actors();
    let admins: std::collections::HashSet<&str> = adm.iter().map(|&i| s.principals[i].id.as_str()).collect();
    let mut weights = Vec::with_capacity(s.principals.len());
    for p in &s.principals {
        let base = if p.kind == PrincipalKind::Pupil { 0.4 } else { 1.0 };
        weights.push(base * scale_tree::lognormal(rng, 1.0, 1.0));
        out.push(Plan {
            drive: Drive {
                id: suveren_service::drive::personal_drive_id(&p.id),
                tenant: p.tenant.clone(),
                kind: DriveKind::Personal,
                owner: Some(p.id.clone()),
                slug: format!("~{}", p.id),
                name: p.name.clone(),
                level: 1,
                quota: personal_quota,
                members: Vec::new(),
                created: now - rng.gen_range(0..3 * 365 * 86_400_000i64),
            },
            files: 0,
            flavour: if p.kind == PrincipalKind::Pupil { Flavour::Pupil } else { Flavour::Work },
            authors: vec![p.login.clone()],
            exists: admins.contains(p.id.as_str()),
        });
    }
    spread(personal_files, &weights, &mut out);

    // Team drives: per tenant, each department and each school's staff;
    // members are the employees below that unit, as editors.
    let first = out.len();
    let mut tweights = Vec::new();
    for t in &s.tenants {
        let mut groups: BTreeMap<String, Vec<&suveren_domain::Principal>> = BTreeMap::new();
        for p in s.principals.iter().filter(|p| p.tenant == t.id && p.kind == PrincipalKind::Employee) {
            let Some(path) = p.org_unit.as_ref().and_then(|u| units.get(u)) else { continue };
            let mut parts = path.split('/');
            let top = parts.next().unwrap_or_default();
            let key =
                if top == "Skole" { format!("Skole/{}", parts.next().unwrap_or_default()) } else { top.to_string() };
            groups.entry(key).or_default().push(p);
        }
        for (unit, members) in groups {
            let name = unit.rsplit('/').next().unwrap_or(&unit).to_string();
            let slug = format!("{}-felles", synth::slug(&name.replace(' ', "-")));
            let slug: String =
                slug.chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-').collect();
            tweights.push((members.len() as f64).powf(0.7));
            out.push(Plan {
                drive: Drive {
                    id: format!("d-{}-{slug}", t.id),
                    tenant: t.id.clone(),
                    kind: DriveKind::Team,
                    owner: None,
                    slug,
                    name: format!("{name} – felles"),
                    level: 1,
                    quota: team_quota,
                    members: members
                        .iter()
                        .map(|p| Member { principal: Some(p.id.clone()), group: None, role: AccessRole::Editor })
                        .collect(),
                    created: now - rng.gen_range(0..3 * 365 * 86_400_000i64),
                },
                files: 0,
                flavour: Flavour::Work,
                authors: members.iter().map(|p| p.login.clone()).collect(),
                exists: false,
            });
        }
    }
    spread(team_files, &tweights, &mut out[first..]);
    out.sort_by(|a, b| a.drive.id.cmp(&b.drive.id));
    out
}

/// Splits `total` over `plans` in proportion to `weights`, exactly.
fn spread(total: u64, weights: &[f64], plans: &mut [Plan]) {
    let sum: f64 = weights.iter().sum();
    let mut given = 0;
    for (p, w) in plans.iter_mut().zip(weights) {
        p.files = (total as f64 * w / sum).floor() as u64;
        given += p.files;
    }
    let n = plans.len();
    let mut i = 0;
    while given < total && n > 0 {
        plans[i % n].files += 1;
        given += 1;
        i += 1;
    }
}

struct Counts {
    files: u64,
    folders: u64,
    bytes: u64,
    drives: u64,
    max_depth: u32,
}

/// Inserts the planned drives and their trees with direct SQL.
fn bulk(
    db: &Path,
    plans: &[Plan],
    pool: &BTreeMap<String, Vec<PoolBlob>>,
    seed: u64,
    now: i64,
) -> anyhow::Result<Counts> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(60))?;
    // Generation only: a crash means generating again.
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;")?;
    let total: u64 = plans.iter().map(|p| p.files).sum();
    let mut c = Counts { files: 0, folders: 0, bytes: 0, drives: 0, max_depth: 0 };
    let started = Instant::now();
    let mut last = Instant::now();
    let mut in_tx = 0u64;
    let mut tx = conn.transaction()?;
    for (i, plan) in plans.iter().enumerate() {
        let d = &plan.drive;
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5ca1e ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let blobs = &pool[&d.tenant];
        let mut entries = Vec::new();
        let (folders, depth) = {
            let mut g = TreeGen {
                rng: &mut rng,
                flavour: plan.flavour,
                out: |e| entries.push(e),
                folders: 0,
                max_depth_seen: 0,
            };
            g.root(plan.files);
            (g.folders, g.max_depth_seen)
        };
        // The drive row first (the nodes reference it), its bytes at the end.
        if !plan.exists {
            let body = serde_json::to_string(d)?;
            tx.execute(
                "INSERT INTO drives (id, tenant, slug, body, used) VALUES (?1, ?2, ?3, ?4, 0)",
                rusqlite::params![d.id, d.tenant, d.slug, body],
            )?;
            c.drives += 1;
        }
        let mut used = 0u64;
        {
            let mut node = tx.prepare_cached(
                "INSERT INTO nodes (drive, path, parent, name, dir, level, size, blob, etag, mime, created, modified, author)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            if !plan.exists {
                node.execute(rusqlite::params![
                    d.id,
                    "/",
                    "",
                    "",
                    1,
                    d.level,
                    0,
                    None::<String>,
                    format!("r{:x}", d.created),
                    None::<String>,
                    d.created,
                    d.created,
                    None::<String>
                ])?;
            }
            let span = (now - d.created).max(1);
            for e in &entries {
                let created = d.created + rng.gen_range(0..span);
                let modified = created + rng.gen_range(0..(now - created).max(1));
                let author = plan.authors.choose(&mut rng).map(String::as_str);
                if e.dir {
                    let etag = format!("{:016x}", rng.gen::<u64>());
                    node.execute(rusqlite::params![
                        d.id,
                        e.path,
                        e.parent,
                        e.name,
                        1,
                        d.level,
                        0,
                        None::<String>,
                        etag,
                        None::<String>,
                        created,
                        created,
                        author
                    ])?;
                } else {
                    let b = blobs.choose(&mut rng).expect("a pool");
                    used += b.size;
                    node.execute(rusqlite::params![
                        d.id,
                        e.path,
                        e.parent,
                        e.name,
                        0,
                        d.level,
                        b.size as i64,
                        b.key,
                        b.etag,
                        e.mime,
                        created,
                        modified,
                        author
                    ])?;
                }
            }
        }
        // `used` through the update trigger, so `tenant_usage` follows.
        tx.execute("UPDATE drives SET used = used + ?1 WHERE id = ?2", rusqlite::params![used as i64, d.id])?;
        let root: i64 =
            tx.query_row("SELECT id FROM nodes WHERE drive = ?1 AND path = '/' AND trash IS NULL", [&d.id], |r| {
                r.get(0)
            })?;
        tx.execute(
            "INSERT INTO changes (tenant, drive, node, kind, path, from_path, dir, time) VALUES (?1, ?2, ?3, 'create', '/', NULL, 1, ?4)",
            rusqlite::params![d.tenant, d.id, root, now],
        )?;
        c.files += plan.files;
        c.folders += folders;
        c.bytes += used;
        c.max_depth = c.max_depth.max(depth);
        in_tx += entries.len() as u64 + 1;
        if in_tx >= 200_000 {
            tx.commit()?;
            tx = conn.transaction()?;
            in_tx = 0;
        }
        if last.elapsed() >= Duration::from_secs(5) {
            last = Instant::now();
            let el = started.elapsed().as_secs_f64();
            let rate = c.files as f64 / el.max(1e-9);
            println!(
                "  bulk: {}/{} files ({:.1} %), {} folders, {} drives, {:.0} files/s, {:.0} s elapsed, ~{:.0} s left",
                c.files,
                total,
                100.0 * c.files as f64 / total.max(1) as f64,
                c.folders,
                i + 1,
                rate,
                el,
                (total - c.files) as f64 / rate.max(1e-9)
            );
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(c)
}

/// Builds the file-name search index of the data folder from the nodes in
/// one pass, as `App::index_catch_up` would from the change feed, and
/// records the feed's last position in it, so a server starting on this
/// folder (or a node given a copy of `index/`) has nothing to catch up.
fn build_index(data: &Path) -> anyhow::Result<u64> {
    use suveren_index::{Entry, FileIndex, IndexOp};
    let index = FileIndex::open(&data.join("index"))?;
    let conn = rusqlite::Connection::open_with_flags(data.join("meta.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let last: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| r.get(0))?;
    let mut stmt = conn.prepare(
        "SELECT d.tenant, n.drive, n.id, n.path, n.name, n.dir, n.mime, n.modified, n.size
           FROM nodes n JOIN drives d ON d.id = n.drive
          WHERE n.trash IS NULL AND n.path != '/'",
    )?;
    let mut rows = stmt.query([])?;
    let mut ops = Vec::with_capacity(100_000);
    let mut n = 0u64;
    let started = Instant::now();
    let mut last_print = Instant::now();
    while let Some(r) = rows.next()? {
        ops.push(IndexOp::Upsert(Entry {
            tenant: r.get(0)?,
            drive: r.get(1)?,
            node: r.get::<_, i64>(2)?.to_string(),
            path: r.get(3)?,
            name: r.get(4)?,
            dir: r.get(5)?,
            mime: r.get(6)?,
            modified_unix: r.get::<_, i64>(7)? / 1000,
            size: r.get::<_, i64>(8)?.max(0) as u64,
        }));
        n += 1;
        if ops.len() == 100_000 {
            index.apply(&ops, index.applied_seq())?;
            ops.clear();
            if last_print.elapsed() >= Duration::from_secs(5) {
                last_print = Instant::now();
                println!("  index: {n} entries, {:.0} s", started.elapsed().as_secs_f64());
            }
        }
    }
    index.apply(&ops, (last as u64).max(index.applied_seq()))?;
    Ok(n)
}

async fn generate(args: Gen) -> anyhow::Result<()> {
    println!("# suveren-bench scale generate");
    println!("machine: {}", stats::machine());
    if args.data.exists() && std::fs::read_dir(&args.data)?.next().is_some() {
        anyhow::bail!("{} is not empty", args.data.display());
    }
    let all = Instant::now();
    let mut rng = StdRng::seed_from_u64(args.seed ^ 0xf11e5);

    let t = Instant::now();
    let s = synth::generate(args.principals, args.seed);
    let pw = PASSWORD.to_string();
    let hash = tokio::task::spawn_blocking(move || suveren_identity::password::hash(&pw)).await??;
    let app = App::open_embedded(&args.data, Settings::default()).await?;
    populate(&app, &s, &hash).await?;
    app.reload().await?;
    let dir_took = t.elapsed();
    println!(
        "directory: {} tenants, {} principals, {} org units, {} segments, {} barrier rules, {} links, credentials: {:.1} s",
        s.tenants.len(),
        s.principals.len(),
        s.org_units.len(),
        s.segments.len(),
        s.barriers.len(),
        s.links.len(),
        dir_took.as_secs_f64()
    );

    let t = Instant::now();
    let (pool, pool_bytes) = make_pool(&app, &s, args.pool, &mut rng).await?;
    let pool_took = t.elapsed();
    let n_pool: usize = pool.values().map(Vec::len).sum();
    println!(
        "blob pool: {n_pool} encrypted blobs, {pool_bytes} bytes, through App::write: {:.1} s",
        pool_took.as_secs_f64()
    );
    drop(app);

    let now = now_ms();
    let plans = plans(&args, &s, &mut rng, now);
    let t = Instant::now();
    let db = args.data.join("meta.db");
    let seed = args.seed;
    let c = tokio::task::spawn_blocking(move || bulk(&db, &plans, &pool, seed, now)).await??;
    let bulk_took = t.elapsed();
    let db_bytes: u64 = ["meta.db", "meta.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(args.data.join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "bulk insert: {} drives, {} files, {} folders, {} bytes referenced, deepest file at depth {}: {:.1} s ({:.0} entries/s)",
        c.drives,
        c.files,
        c.folders,
        c.bytes,
        c.max_depth,
        bulk_took.as_secs_f64(),
        (c.files + c.folders) as f64 / bulk_took.as_secs_f64().max(1e-9)
    );
    let t = Instant::now();
    let data = args.data.clone();
    let indexed = tokio::task::spawn_blocking(move || build_index(&data)).await??;
    let index_took = t.elapsed();
    println!("search index: {indexed} entries in {:.1} s", index_took.as_secs_f64());
    let total = all.elapsed();
    println!("generated in {:.1} s; meta.db {:.1} MiB", total.as_secs_f64(), db_bytes as f64 / 1048576.0);
    let manifest = json!({
        "principals": s.principals.len(),
        "tenants": s.tenants.len(),
        "barriers": s.barriers.len(),
        "seed": args.seed,
        "password": PASSWORD,
        "files": c.files + n_pool as u64,
        "bulk_files": c.files,
        "pool_blobs": n_pool,
        "pool_bytes": pool_bytes,
        "folders": c.folders,
        "drives_inserted": c.drives,
        "bytes_referenced": c.bytes,
        "max_depth": c.max_depth,
        "db_bytes": db_bytes,
        "seconds": {
            "directory": secs(dir_took),
            "pool": secs(pool_took),
            "bulk": secs(bulk_took),
            "index": secs(index_took),
            "total": secs(total),
        },
        "machine": stats::machine(),
        "load_after": stats::loadavg(),
    });
    std::fs::write(args.data.join(MANIFEST), serde_json::to_string_pretty(&manifest)?)?;
    Ok(())
}

fn read_json(p: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
}

fn num(v: &Value, k: &str) -> String {
    match v.pointer(k) {
        Some(Value::Number(n)) if n.is_f64() => format!("{:.1}", n.as_f64().unwrap_or(f64::NAN)),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => "–".into(),
    }
}

/// The run's figures as markdown (what docs/benchmarks.md shows).
fn report(work: &Path) -> anyhow::Result<()> {
    let gen = read_json(&work.join("generate.json")).unwrap_or(Value::Null);
    let mig = read_json(&work.join("migrate.json")).unwrap_or(Value::Null);
    println!("## Generation and migration\n");
    println!("| step | figure |\n|---|---|");
    println!(
        "| installation | {} principals, {} tenants, {} barrier rules; {} files ({} pool files written through the service), {} folders, {} drives, {} bytes referenced, deepest file at depth {} |",
        num(&gen, "/principals"),
        num(&gen, "/tenants"),
        num(&gen, "/barriers"),
        num(&gen, "/files"),
        num(&gen, "/pool_blobs"),
        num(&gen, "/folders"),
        num(&gen, "/drives_inserted"),
        num(&gen, "/bytes_referenced"),
        num(&gen, "/max_depth"),
    );
    println!(
        "| generate | {} s in all: directory + credentials {} s, blob pool {} s, bulk insert {} s, search index {} s; meta.db {} bytes |",
        num(&gen, "/seconds/total"),
        num(&gen, "/seconds/directory"),
        num(&gen, "/seconds/pool"),
        num(&gen, "/seconds/bulk"),
        num(&gen, "/seconds/index"),
        num(&gen, "/db_bytes"),
    );
    println!("| store migrate | {} s (exit {}) |", num(&mig, "/seconds"), num(&mig, "/exit"));
    println!();
    let mut loads = Vec::new();
    for label in ["sqlite", "pg"] {
        if let Some(v) = read_json(&work.join(format!("load-{label}.json"))) {
            loads.push(v);
        }
    }
    if loads.is_empty() {
        return Ok(());
    }
    println!("## Under load\n");
    let head: Vec<String> = loads.iter().map(|v| num(v, "/backend")).collect();
    println!("| figure | {} |", head.join(" | "));
    println!("|---|{}", "---|".repeat(loads.len()));
    let rows: &[(&str, &str)] = &[
        ("index ready after start, s", "/index_ready_s"),
        ("sign-in p50 / p99 ms", "/signin/p50_p99"),
        ("folder listing p50 / p99 ms", "/list/p50_p99"),
        ("folder listings/s", "/list/rate"),
        ("change poll p50 / p99 ms", "/changes/p50_p99"),
        ("change polls/s", "/changes/rate"),
        ("directory search p50 / p99 ms", "/search/p50_p99"),
        ("directory searches/s", "/search/rate"),
        ("4 KiB uploads/s", "/upload/rate"),
        ("upload p50 / p99 ms", "/upload/p50_p99"),
        ("failed requests", "/failed"),
        ("file search right after the uploads", "/search_after_uploads_text"),
        ("server VmRSS / VmHWM MiB", "/memory"),
        ("server cores: list / poll / search / upload", "/server_cores"),
        ("database + S3 cores: list / poll / search / upload", "/backend_cores"),
        ("load client cores: list / poll / search / upload", "/bench_cores_text"),
        ("other processes' cores: list / poll / search / upload", "/other_cores"),
    ];
    for (label, ptr) in rows {
        let cells: Vec<String> = loads.iter().map(|v| num(v, ptr)).collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
    Ok(())
}

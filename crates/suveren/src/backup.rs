//! `suveren backup` and `suveren restore`: a consistent online backup of the
//! embedded installation (SQLite and the blob folder) and its restore into a
//! new data folder.
//!
//! A backup is a folder:
//!
//! ```text
//! manifest.json                  written last: no manifest, no backup
//! meta.db                        the database snapshot (VACUUM INTO)
//! blobs/objects/xx/yy/<name>     every blob the snapshot references
//! keys/                          only with --include-keys
//! ```
//!
//! The database is copied in one read transaction while the server goes on
//! writing (WAL). The blobs it references are copied afterwards: they do not
//! change while referenced, and the server neither sweeps nor rewraps blobs
//! while a backup holds the blob lock (`suveren_service::backup`). Each blob
//! is checked against its metadata (format and plaintext size) as it is
//! copied, and every file's SHA-256 goes into the manifest, which a restore
//! checks in full before it writes anything.
//!
//! Keys are not in a backup unless asked for: whoever holds the backup and
//! the master key can read every file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use suveren_blob::{LocalFolder, MasterKeyFile};
use suveren_service::keys::ProviderKind;
use suveren_store::sqlite::SqliteStore;

/// What a backup folder calls itself in its manifest.
const FORMAT: &str = "suveren-backup";
/// Manifest layout version; a restore refuses others.
const VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DB: &str = "meta.db";
const BLOBS: &str = "blobs";
/// Key files and their place in the data folder and in a backup (the same).
const KEY_FILES: [(&str, &str); 2] =
    [("master key", suveren_service::keys::MASTER_KEY_FILE), ("audit signing key", suveren_service::audit::KEY_FILE)];
/// Exit code of a backup that was written but misses blobs the live
/// installation had lost or damaged already.
const INCOMPLETE: u8 = 3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// When the database snapshot was taken.
    pub created: String,
    /// When the last file was copied.
    pub finished: String,
    pub suveren_version: String,
    /// The data folder it was taken from.
    pub source: String,
    pub schema_version: i64,
    /// False when blobs the snapshot references were missing or damaged.
    pub complete: bool,
    pub counts: BTreeMap<String, u64>,
    /// Which provider wraps each tenant's key.
    pub key_providers: BTreeMap<String, String>,
    pub keys: KeysNote,
    #[serde(default)]
    pub damaged: Vec<Damaged>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeysNote {
    /// Whether `keys/` of this backup holds the key files.
    pub included: bool,
    /// Where the key files were when the backup was taken.
    pub master_key: String,
    pub audit_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Damaged {
    pub blob: String,
    pub path: String,
    pub problem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the backup folder, and to the data folder once restored.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// The blob key, for files under `blobs/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

/// A progress bar on a terminal, nothing otherwise (or with `--json`).
fn bar(total: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(total);
    b.set_style(
        ProgressStyle::with_template("{msg:10} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_message(what.to_string());
    b
}

/// Below this, copying takes moments: no progress lines.
const LINES_FROM: u64 = 64 << 20;

/// A plain line at every tenth of the way when there is no terminal (and
/// the copy is large enough to take a while).
struct Lines {
    quiet: bool,
    what: &'static str,
    total: u64,
    next: u64,
}

impl Lines {
    fn new(quiet: bool, what: &'static str, total: u64) -> Lines {
        let quiet = quiet || std::io::stderr().is_terminal() || total < LINES_FROM;
        Lines { quiet, what, total, next: (total / 10).max(1) }
    }
    fn at(&mut self, done: u64) {
        if !self.quiet && done >= self.next && self.total > 0 {
            eprintln!("{} {} of {}", self.what, HumanBytes(done), HumanBytes(self.total));
            while self.next <= done {
                self.next += (self.total / 10).max(1);
            }
        }
    }
}

struct Copied {
    size: u64,
    sha256: String,
    head: Vec<u8>,
}

/// Copies `src` to a new file `dst` (mode 0600, fsync'd), hashing what it
/// reads; `progress` hears every chunk.
fn copy_hashed(src: &Path, dst: &Path, mut progress: impl FnMut(u64)) -> std::io::Result<Copied> {
    let mut r = File::open(src)?;
    let mut w = OpenOptions::new().write(true).create_new(true).mode(0o600).open(dst)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut head = Vec::new();
    let mut size = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        if head.len() < suveren_blob::format::HEADER_LEN {
            let want = (suveren_blob::format::HEADER_LEN - head.len()).min(n);
            head.extend_from_slice(&buf[..want]);
        }
        w.write_all(&buf[..n])?;
        size += n as u64;
        progress(n as u64);
    }
    w.sync_all()?;
    Ok(Copied { size, sha256: hex::encode(h.finalize()), head })
}

fn hash_file(path: &Path, mut progress: impl FnMut(u64)) -> std::io::Result<(u64, String)> {
    let mut r = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        size += n as u64;
        progress(n as u64);
    }
    Ok((size, hex::encode(h.finalize())))
}

/// Creates `dir` and its parents (mode 0700), remembering each one created
/// so it can be fsync'd once its entries are in place.
fn make_dirs(dir: &Path, made: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        make_dirs(parent, made)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    made.insert(dir.to_path_buf());
    if let Some(parent) = dir.parent() {
        made.insert(parent.to_path_buf());
    }
    Ok(())
}

fn sync_dirs(dirs: &BTreeSet<PathBuf>) -> std::io::Result<()> {
    // Deepest first, so each folder's entry is durable in its parent.
    for d in dirs.iter().rev() {
        if d.is_dir() {
            File::open(d)?.sync_all()?;
        }
    }
    Ok(())
}

/// A folder to write into: created (0700) if absent; refused unless empty.
fn fresh_folder(dir: &Path, what: &str) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if let Some(e) = entries.next() {
                bail!(
                    "{} is not empty (it holds {}); {what} goes into a new or empty folder. Nothing was written.",
                    dir.display(),
                    e?.file_name().to_string_lossy()
                );
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot set the mode of {}", dir.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => bail!("{} is not a folder", dir.display()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

/// Empties a folder that was empty before a failed write.
fn empty_again(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn count(counts: &BTreeMap<String, u64>, key: &str) -> u64 {
    counts.get(key).copied().unwrap_or(0)
}

fn summary_line(counts: &BTreeMap<String, u64>) -> String {
    format!(
        "{} tenants, {} principals, {} drives, {} files, {} folders, {} in the trash, {} versions, {} shares, {} audit records",
        count(counts, "objects.tenant"),
        count(counts, "objects.principal"),
        count(counts, "drives"),
        count(counts, "files"),
        count(counts, "folders"),
        count(counts, "trashed"),
        count(counts, "versions"),
        count(counts, "shares"),
        count(counts, "audit_records"),
    )
}

/// Tenants by provider, for what a restore needs besides the files.
fn provider_notes(providers: &BTreeMap<String, String>) -> Vec<String> {
    let with = |kind: ProviderKind| -> Vec<&str> {
        providers.iter().filter(|(_, p)| p.as_str() == kind.as_str()).map(|(t, _)| t.as_str()).collect()
    };
    let mut out = Vec::new();
    let pass = with(ProviderKind::Passphrase);
    if !pass.is_empty() {
        out.push(format!(
            "Tenants whose key is held by their own passphrase: {} (a tenant administrator unlocks it after a restore).",
            pass.join(", ")
        ));
    }
    let hsm = with(ProviderKind::Pkcs11);
    if !hsm.is_empty() {
        out.push(format!(
            "Tenants whose key is wrapped in the HSM: {} (the restored server needs the same token, keys.pkcs11).",
            hsm.join(", ")
        ));
    }
    out
}

/// `suveren backup --data DIR --to BACKUP_DIR [--include-keys]`.
pub async fn backup(data: &Path, to: &Path, include_keys: bool, json: bool) -> Result<ExitCode> {
    let data = absolute(data);
    let to = absolute(to);
    let live_db = data.join(DB);
    if !live_db.is_file() {
        bail!("{} holds no Suveren database ({} is missing)", data.display(), live_db.display());
    }
    if to.starts_with(&data) {
        bail!("the backup folder {} lies inside the data folder; choose a folder outside it", to.display());
    }
    fresh_folder(&to, "a backup")?;
    let result = backup_into(&data, &to, include_keys, json).await;
    if result.is_err() {
        // Half a backup must not look like one (and must not block a retry).
        empty_again(&to);
    }
    result
}

async fn backup_into(data: &Path, to: &Path, include_keys: bool, json: bool) -> Result<ExitCode> {
    let (data, to) = (data.to_path_buf(), to.to_path_buf());
    let live_db = data.join(DB);
    let live = SqliteStore::open_read_only(&live_db)
        .await
        .with_context(|| format!("cannot open the database {}", live_db.display()))?;

    // No sweep or key rotation from here until the last blob is copied.
    let lock_dir = data.clone();
    let mut pausing = tokio::task::spawn_blocking(move || suveren_service::backup::pause_blob_changes(&lock_dir));
    let pause = match tokio::time::timeout(std::time::Duration::from_secs(2), &mut pausing).await {
        Ok(r) => r,
        Err(_) => {
            if !json {
                eprintln!("waiting for the server to finish deleting or rewrapping blobs ...");
            }
            pausing.await
        }
    }?
    .with_context(|| format!("cannot take the blob lock in {}", data.display()))?;

    // The database, in one read transaction: writers carry on meanwhile.
    let created = suveren_service::now_rfc3339();
    let snap_path = to.join(DB);
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&snap_path)
        .with_context(|| format!("cannot write {}", snap_path.display()))?;
    let spinner = if json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner().with_message("taking the database snapshot")
    };
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    live.snapshot_into(&snap_path).await.context("the database snapshot failed")?;
    spinner.finish_and_clear();
    drop(live);
    File::open(&snap_path)?.sync_all()?;

    let snap = SqliteStore::open_snapshot(&snap_path).await.context("cannot read the snapshot just taken")?;
    if let Err(problems) = snap.integrity_check().await? {
        bail!("the database snapshot fails SQLite's integrity check: {}", problems.join("; "));
    }
    let facts = snap.snapshot_facts().await?;
    let key_providers: BTreeMap<String, String> = suveren_service::keys::kek_providers(&snap)
        .await?
        .into_iter()
        .map(|(t, p)| (t, p.as_str().to_string()))
        .collect();
    let (db_size, db_sha) = hash_file(&snap_path, |_| {})?;
    let mut files = vec![FileEntry { path: DB.into(), size: db_size, sha256: db_sha, blob: None }];

    // The blobs the snapshot references, checked against its metadata.
    let blobs = facts.blobs.clone();
    let conflicts: BTreeSet<String> = facts.size_conflicts.iter().cloned().collect();
    let (src_root, dst_root) = (data.join(BLOBS), to.join(BLOBS));
    let total: u64 = blobs
        .iter()
        .filter_map(|b| LocalFolder::object_path(&b.key).ok())
        .fold(0, |acc, rel| acc + std::fs::metadata(src_root.join(rel)).map(|m| m.len()).unwrap_or(0));
    let progress = bar(total, json, "blobs");
    let p = progress.clone();
    let copied = tokio::task::spawn_blocking(move || -> Result<(Vec<FileEntry>, Vec<Damaged>, BTreeSet<PathBuf>)> {
        let mut entries = Vec::with_capacity(blobs.len());
        let mut damaged = Vec::new();
        let mut made = BTreeSet::new();
        let mut lines = Lines::new(json, "copied", total);
        let mut done = 0u64;
        for b in &blobs {
            let rel = match LocalFolder::object_path(&b.key) {
                Ok(r) => r,
                Err(e) => {
                    damaged.push(Damaged { blob: b.key.clone(), path: String::new(), problem: e.to_string() });
                    continue;
                }
            };
            let rel_s = Path::new(BLOBS).join(&rel).to_string_lossy().into_owned();
            let bad = |problem: String| Damaged { blob: b.key.clone(), path: rel_s.clone(), problem };
            let (src, dst) = (src_root.join(&rel), dst_root.join(&rel));
            let expected = match std::fs::metadata(&src) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    damaged.push(bad("missing from the blob folder".into()));
                    continue;
                }
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", src.display())),
            };
            if let Some(parent) = dst.parent() {
                make_dirs(parent, &mut made)?;
            }
            let c = copy_hashed(&src, &dst, |n| {
                done += n;
                p.set_position(done);
                lines.at(done);
            })
            .with_context(|| format!("cannot copy {} to {}", src.display(), dst.display()))?;
            let problem = if c.size != expected {
                Some(format!("changed while it was copied ({expected} bytes, then {})", c.size))
            } else if conflicts.contains(&b.key) {
                Some("the database names it with different sizes".to_string())
            } else {
                match suveren_blob::format::plaintext_len(&c.head, c.size) {
                    Ok(n) if n == b.size => None,
                    Ok(n) => Some(format!("holds {n} bytes of content; the database says {}", b.size)),
                    Err(e) => Some(format!("not a complete blob: {e}")),
                }
            };
            match problem {
                Some(p) => {
                    let _ = std::fs::remove_file(&dst);
                    damaged.push(bad(p));
                }
                None => entries.push(FileEntry {
                    path: rel_s.clone(),
                    size: c.size,
                    sha256: c.sha256,
                    blob: Some(b.key.clone()),
                }),
            }
        }
        Ok((entries, damaged, made))
    })
    .await??;
    progress.finish_and_clear();
    let (blob_entries, damaged, mut made) = copied;
    drop(pause);
    let blob_bytes: u64 = blob_entries.iter().map(|e| e.size).sum();
    let blob_count = blob_entries.len() as u64;
    files.extend(blob_entries);

    // Keys: named, and copied only when asked.
    let key_paths: Vec<(&str, PathBuf)> = KEY_FILES.iter().map(|(what, rel)| (*what, data.join(rel))).collect();
    let master_path = data.join(suveren_service::keys::MASTER_KEY_FILE);
    let master_check = match MasterKeyFile::load(&master_path) {
        Ok(m) => Some(suveren_service::keys::check_master_key(&snap, &m).await?),
        Err(_) => None,
    };
    if include_keys {
        for (what, src) in &key_paths {
            if !src.is_file() {
                eprintln!("note: there is no {what} at {}; not copied", src.display());
                continue;
            }
            let rel = src.strip_prefix(&data).expect("inside the data folder");
            let dst = to.join(rel);
            if let Some(parent) = dst.parent() {
                make_dirs(parent, &mut made)?;
            }
            let c = copy_hashed(src, &dst, |_| {})
                .with_context(|| format!("cannot copy {} to {}", src.display(), dst.display()))?;
            files.push(FileEntry {
                path: rel.to_string_lossy().into_owned(),
                size: c.size,
                sha256: c.sha256,
                blob: None,
            });
        }
    }
    sync_dirs(&made)?;

    let mut counts = facts.counts.clone();
    counts.insert("blobs".into(), blob_count);
    counts.insert("blob_bytes".into(), blob_bytes);
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created: created.clone(),
        finished: suveren_service::now_rfc3339(),
        suveren_version: env!("CARGO_PKG_VERSION").into(),
        source: data.display().to_string(),
        schema_version: facts.schema_version,
        complete: damaged.is_empty(),
        counts,
        key_providers: key_providers.clone(),
        keys: KeysNote {
            included: files.iter().any(|f| f.path.starts_with("keys/")),
            master_key: key_paths[0].1.display().to_string(),
            audit_key: key_paths[1].1.display().to_string(),
        },
        damaged: damaged.clone(),
        files,
    };
    // Written last, atomically: a folder without it is no backup.
    let tmp = to.join(format!("{MANIFEST}.tmp"));
    {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, to.join(MANIFEST))?;
    File::open(&to)?.sync_all()?;

    let code = if damaged.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(INCOMPLETE) };
    if json && include_keys {
        eprintln!(
            "WARNING: this backup contains the master key and the audit signing key (in {}): whoever can read \
             it can decrypt every file in it.",
            to.join("keys").display()
        );
    }
    if json {
        println!(
            "{}",
            json!({
                "backup": to.display().to_string(),
                "created": manifest.created,
                "finished": manifest.finished,
                "complete": manifest.complete,
                "schema_version": manifest.schema_version,
                "counts": manifest.counts,
                "key_providers": manifest.key_providers,
                "keys": manifest.keys,
                "damaged": manifest.damaged,
                "files": manifest.files.len(),
                "bytes": manifest.files.iter().map(|f| f.size).sum::<u64>(),
            })
        );
        return Ok(code);
    }
    println!("backup written to {} (database as of {created})", to.display());
    println!("  database  {} (schema {})", HumanBytes(db_size), facts.schema_version);
    println!("            {}", summary_line(&manifest.counts));
    println!("  blobs     {blob_count} files, {}, each checked against its metadata", HumanBytes(blob_bytes));
    println!("  manifest  {} (SHA-256 of every file)", to.join(MANIFEST).display());
    for d in &damaged {
        println!("  DAMAGED   {} ({}): {}", d.blob, d.path, d.problem);
    }
    if !damaged.is_empty() {
        println!(
            "WARNING: {} blob(s) the database references were missing or damaged in {} already; the backup holds \
             everything else, and a restore reports these files as missing.",
            damaged.len(),
            data.display()
        );
    }
    let opens = match &master_check {
        Some(c) if c.failed.is_empty() => format!("it opens the keys of {}", list_or_none(&c.opened)),
        Some(c) => format!("WARNING: it does not open the keys of {}", c.failed.join(", ")),
        None => "it could not be read".into(),
    };
    if include_keys {
        eprintln!(
            "WARNING: this backup contains the master key and the audit signing key (in {}): whoever can read \
             it can decrypt every file in it and sign audit checkpoints. Keep it apart from ordinary backups, \
             encrypted and access-controlled; {opens}.",
            to.join("keys").display()
        );
    } else {
        println!("The master key is not in this backup; keep it separately: {} ({opens})", key_paths[0].1.display());
        println!(
            "The audit signing key is not in it either; keep it with the master key: {}",
            key_paths[1].1.display()
        );
        println!("Without the master key no file in this backup can be decrypted; restore with --keys DIR.");
    }
    for n in provider_notes(&key_providers) {
        println!("{n}");
    }
    Ok(code)
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "no tenant (none has a key yet)".into()
    } else {
        v.join(", ")
    }
}

/// Whether `path` (from a manifest) is a place a backup may write: the
/// database, a key file, or a blob at the place its key maps to.
fn allowed_path(e: &FileEntry) -> Result<PathBuf, String> {
    let p = Path::new(&e.path);
    if p.components().any(|c| !matches!(c, Component::Normal(_))) || e.path.is_empty() {
        return Err("not a plain relative path".into());
    }
    if e.path == DB || KEY_FILES.iter().any(|(_, k)| *k == e.path) {
        return Ok(p.to_path_buf());
    }
    match (&e.blob, p.strip_prefix(BLOBS)) {
        (Some(key), Ok(rest)) => match LocalFolder::object_path(key) {
            Ok(expected) if expected == rest => Ok(p.to_path_buf()),
            Ok(_) => Err(format!("is not where blob {key} belongs")),
            Err(e) => Err(format!("names an invalid blob key: {e}")),
        },
        _ => Err("is neither the database, a key file nor a blob".into()),
    }
}

fn read_manifest(from: &Path) -> Result<Manifest> {
    let path = from.join(MANIFEST);
    let text = std::fs::read(&path).with_context(|| {
        format!("{} is not a Suveren backup (no readable {MANIFEST}; an interrupted backup has none)", from.display())
    })?;
    let m: Manifest =
        serde_json::from_slice(&text).with_context(|| format!("{} is not a valid backup manifest", path.display()))?;
    if m.format != FORMAT {
        bail!("{} is not a Suveren backup manifest (format `{}`)", path.display(), m.format);
    }
    if m.version != VERSION {
        bail!("{} has manifest version {}; this Suveren reads version {VERSION}", path.display(), m.version);
    }
    Ok(m)
}

/// Where the keys for a restore come from.
struct KeySource {
    dir: PathBuf,
    /// The backup's own `keys/` (written with `--include-keys`).
    from_backup: bool,
}

/// `suveren restore --from BACKUP_DIR --data NEWDIR [--keys DIR]`.
pub async fn restore(from: &Path, data: &Path, keys: Option<&Path>, json: bool) -> Result<ExitCode> {
    let from = absolute(from);
    let data = absolute(data);
    let m = read_manifest(&from)?;
    if m.schema_version > suveren_store::sqlite::SCHEMA_VERSION {
        bail!(
            "this backup was made by a newer Suveren (database schema {}, this one knows {}); restore it with \
             Suveren {} or later",
            m.schema_version,
            suveren_store::sqlite::SCHEMA_VERSION,
            m.suveren_version
        );
    }
    // Nothing is written before the target is known to be empty and every
    // file is known to match the manifest.
    if let Ok(mut entries) = std::fs::read_dir(&data) {
        if let Some(e) = entries.next() {
            bail!(
                "{} is not empty (it holds {}); restore goes into a new or empty folder. Nothing was written.",
                data.display(),
                e?.file_name().to_string_lossy()
            );
        }
    } else if data.exists() {
        bail!("{} is not a folder", data.display());
    }

    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for e in &m.files {
        if let Err(why) = allowed_path(e) {
            problems.push(format!("{}: {why}", e.path));
        }
        if !seen.insert(e.path.clone()) {
            problems.push(format!("{}: listed twice", e.path));
        }
    }
    if !seen.contains(DB) {
        problems.push(format!("{DB}: not in the manifest"));
    }
    let has_backup_keys = m.files.iter().any(|e| e.path.starts_with("keys/"));
    if m.keys.included != has_backup_keys {
        problems.push("keys: the manifest's note and its files disagree".into());
    }
    if !problems.is_empty() {
        bail!("the backup's manifest is not valid; nothing was written:\n  {}", problems.join("\n  "));
    }

    let total: u64 = m.files.iter().map(|e| e.size).sum();
    let progress = bar(total, json, "verifying");
    let p = progress.clone();
    let (files, from2) = (m.files.clone(), from.clone());
    let problems = tokio::task::spawn_blocking(move || {
        let mut problems = Vec::new();
        let mut done = 0u64;
        let mut lines = Lines::new(json, "verified", total);
        for e in &files {
            let path = from2.join(&e.path);
            match hash_file(&path, |n| {
                done += n;
                p.set_position(done);
                lines.at(done);
            }) {
                Ok((size, _)) if size != e.size => {
                    problems.push(format!("{}: {size} bytes, the manifest says {}", e.path, e.size))
                }
                Ok((_, sha)) if sha != e.sha256 => {
                    problems.push(format!("{}: SHA-256 differs from the manifest", e.path))
                }
                Ok(_) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => problems.push(format!("{}: missing", e.path)),
                Err(err) => problems.push(format!("{}: cannot be read: {err}", e.path)),
            }
        }
        problems
    })
    .await?;
    progress.finish_and_clear();
    if !problems.is_empty() {
        let shown: Vec<&String> = problems.iter().take(20).collect();
        let more =
            if problems.len() > 20 { format!("\n  ... and {} more", problems.len() - 20) } else { String::new() };
        bail!(
            "the backup does not match its manifest: it was damaged or tampered with. Nothing was written.\n  {}{more}",
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
        );
    }

    // The keys: from --keys, else from the backup; checked against the
    // database before anything is written.
    let snap = SqliteStore::open_snapshot(&from.join(DB)).await.context("cannot read the backup's database")?;
    let key_source = match keys {
        Some(dir) => Some(KeySource { dir: absolute(dir), from_backup: false }),
        None if m.keys.included => Some(KeySource { dir: from.clone(), from_backup: true }),
        None => None,
    };
    let master_wrapped: Vec<&String> = m
        .key_providers
        .iter()
        .filter(|(_, p)| p.as_str() == ProviderKind::MasterKeyFile.as_str())
        .map(|(t, _)| t)
        .collect();
    let mut key_copies: Vec<(&str, PathBuf, &str)> = Vec::new();
    let mut master_opens = Vec::new();
    if let Some(ks) = &key_source {
        for (what, rel) in KEY_FILES {
            // --keys names the folder the key files were kept in, or a data
            // folder holding them in keys/.
            let name = Path::new(rel).file_name().expect("a file name");
            let candidates =
                if ks.from_backup { vec![ks.dir.join(rel)] } else { vec![ks.dir.join(name), ks.dir.join(rel)] };
            if let Some(src) = candidates.into_iter().find(|c| c.is_file()) {
                suveren_service::audit::check_private(&src).with_context(|| format!("the {what} is not private"))?;
                key_copies.push((what, src, rel));
            }
        }
        let Some((_, master_src, _)) = key_copies.iter().find(|(w, _, _)| *w == "master key") else {
            bail!("there is no master key file ({}) in {}. Nothing was written.", "master.key", ks.dir.display());
        };
        let master = MasterKeyFile::load(master_src)
            .with_context(|| format!("cannot load the master key {}", master_src.display()))?;
        let check = suveren_service::keys::check_master_key(&snap, &master).await?;
        if !check.failed.is_empty() {
            bail!(
                "the master key {} does not open the keys of {}: it belongs to another installation. Nothing was \
                 written.",
                master_src.display(),
                check.failed.join(", ")
            );
        }
        master_opens = check.opened;
    }
    drop(snap);

    // Write. On any failure, what was written goes again.
    let created_here = !data.exists();
    let result = write_restore(&from, &data, &m, &key_copies, json).await;
    if let Err(e) = result {
        if created_here {
            let _ = std::fs::remove_dir_all(&data);
        } else {
            empty_again(&data);
        }
        return Err(e.context(format!("the restore failed; nothing was left in {}", data.display())));
    }

    let blob_count = m.files.iter().filter(|e| e.blob.is_some()).count();
    let blob_bytes: u64 = m.files.iter().filter(|e| e.blob.is_some()).map(|e| e.size).sum();
    let keys_restored: Vec<&str> = key_copies.iter().map(|(w, _, _)| *w).collect();
    if json {
        println!(
            "{}",
            json!({
                "restored": data.display().to_string(),
                "from": from.display().to_string(),
                "created": m.created,
                "source": m.source,
                "suveren_version": m.suveren_version,
                "schema_version": m.schema_version,
                "counts": m.counts,
                "blobs": blob_count,
                "blob_bytes": blob_bytes,
                "files_verified": m.files.len(),
                "keys_restored": keys_restored,
                "keys_from": key_source.as_ref().map(|k| k.dir.display().to_string()),
                "master_key_opens": master_opens,
                "missing_in_backup": m.damaged,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "verified {} files against the manifest (backup of {} taken {} by Suveren {})",
        m.files.len(),
        m.source,
        m.created,
        m.suveren_version
    );
    println!("restored into {}", data.display());
    println!("  database  schema {}: {}", m.schema_version, summary_line(&m.counts));
    println!("  blobs     {blob_count} files, {}", HumanBytes(blob_bytes));
    if !m.damaged.is_empty() {
        println!(
            "  MISSING   {} blob(s) were already missing or damaged when the backup was taken; their files will not open:",
            m.damaged.len()
        );
        for d in &m.damaged {
            println!("            {}: {}", d.blob, d.problem);
        }
    }
    match &key_source {
        Some(ks) => {
            println!(
                "  keys      {} from {} into {} (the master key opens the keys of {})",
                keys_restored.join(" and "),
                ks.dir.display(),
                data.join("keys").display(),
                list_or_none(&master_opens)
            );
            if !keys_restored.contains(&"audit signing key") {
                println!(
                    "WARNING: no audit signing key was found; the server will make a new one, and checkpoints \
                     signed before verify only with the old public key. Put the old one at {} if you have it.",
                    data.join(suveren_service::audit::KEY_FILE).display()
                );
            }
        }
        None => {
            println!("The keys are not in this backup. Before starting the server, put them back (mode 0600):");
            println!("  the master key         -> {}", data.join(suveren_service::keys::MASTER_KEY_FILE).display());
            println!("  the audit signing key  -> {}", data.join(suveren_service::audit::KEY_FILE).display());
            println!("(or restore again with --keys DIR, the folder you kept them in).");
            if !master_wrapped.is_empty() {
                println!(
                    "Without the master key the server refuses to start: it wraps the keys of {}.",
                    master_wrapped.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                );
            }
        }
    }
    for n in provider_notes(&m.key_providers) {
        println!("{n}");
    }
    println!("Not in a backup, not restored: the search index (rebuilt at start) and uploads that were in progress.");
    println!("Start it with: suveren serve --data {}", data.display());
    Ok(ExitCode::SUCCESS)
}

async fn write_restore(
    from: &Path,
    data: &Path,
    m: &Manifest,
    key_copies: &[(&str, PathBuf, &str)],
    json: bool,
) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data)
        .with_context(|| format!("cannot create {}", data.display()))?;
    std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700))?;
    let total: u64 = m.files.iter().map(|e| e.size).sum();
    let progress = bar(total, json, "restoring");
    let p = progress.clone();
    let (from, data2) = (from.to_path_buf(), data.to_path_buf());
    let files: Vec<FileEntry> = m.files.iter().filter(|e| !e.path.starts_with("keys/")).cloned().collect();
    let keys: Vec<(PathBuf, String)> = key_copies.iter().map(|(_, src, rel)| (src.clone(), rel.to_string())).collect();
    let key_entries: BTreeMap<String, FileEntry> =
        m.files.iter().filter(|e| e.path.starts_with("keys/")).map(|e| (e.path.clone(), e.clone())).collect();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut made = BTreeSet::new();
        made.insert(data2.clone());
        let mut done = 0u64;
        let mut lines = Lines::new(json, "restored", total);
        for e in &files {
            let (src, dst) = (from.join(&e.path), data2.join(&e.path));
            if let Some(parent) = dst.parent() {
                make_dirs(parent, &mut made)?;
            }
            let c = copy_hashed(&src, &dst, |n| {
                done += n;
                p.set_position(done);
                lines.at(done);
            })
            .with_context(|| format!("cannot copy {} to {}", src.display(), dst.display()))?;
            // Read again while copying: a file changed since the check is caught.
            if c.size != e.size || c.sha256 != e.sha256 {
                bail!("{} changed while it was restored", e.path);
            }
        }
        for (src, rel) in &keys {
            let dst = data2.join(rel);
            if let Some(parent) = dst.parent() {
                make_dirs(parent, &mut made)?;
            }
            let c = copy_hashed(src, &dst, |_| {})
                .with_context(|| format!("cannot copy {} to {}", src.display(), dst.display()))?;
            if let Some(e) = key_entries.get(rel) {
                if src.starts_with(&from) && (c.size != e.size || c.sha256 != e.sha256) {
                    bail!("{} changed while it was restored", e.path);
                }
            }
        }
        sync_dirs(&made)?;
        Ok(())
    })
    .await??;
    progress.finish_and_clear();
    SqliteStore::prepare_restored(&data.join(DB)).await.context("cannot open the restored database")?;
    File::open(data)?.sync_all()?;
    Ok(())
}

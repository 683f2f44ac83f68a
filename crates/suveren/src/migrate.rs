//! `suveren store migrate`: moves an embedded installation (SQLite `meta.db`
//! and the `blobs` folder of a data folder) to the PostgreSQL database and
//! the S3 bucket a configuration file names.
//!
//! The work is in the library crates: `suveren_store::migrate` copies the
//! tables in resumable batches and compares them, `suveren_blob::copy`
//! streams blob files into the bucket as they are (ciphertext) and hashes
//! them back. Here: the configuration, progress bars, the report, and the
//! exit code. The data folder is only read; the embedded server must be
//! stopped first (a change it made meanwhile fails the verification).
//!
//! Exit codes: 0 copied and verified; 1 a problem (a mismatch, a missing
//! blob, a refused target); 2 configuration errors; 4 stopped early as
//! asked by the hidden test flags.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use suveren_blob::copy::{copy_file, sha256_file, sha256_object, Copied};
use suveren_blob::{BlobStore, LocalFolder, S3Blobs};
use suveren_store::migrate::{CopyOptions, Migration, TableCheck};
use suveren_store::sqlite::SqliteStore;
use tokio::task::JoinSet;

/// Exit code of a run stopped by `--stop-after-batches` / `--stop-after-blobs`.
const STOPPED: u8 = 4;
/// Blobs copied or verified at once.
const PARALLEL: usize = 4;

#[derive(clap::Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    cmd: StoreCmd,
}

#[derive(clap::Subcommand)]
enum StoreCmd {
    /// Move an embedded installation (SQLite and the blobs folder of a data
    /// folder) to the PostgreSQL database and S3 bucket named in a
    /// configuration file. STOP THE EMBEDDED SERVER FIRST. The data folder
    /// is only read. Resumable: run it again after an interruption. Every
    /// table (row counts and SHA-256) and every blob (SHA-256 read back) is
    /// verified before it reports success. Uploads in progress are not
    /// migrated.
    Migrate(MigrateArgs),
}

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The data folder of the embedded installation (meta.db, blobs/, keys/).
    #[arg(long)]
    data: PathBuf,
    /// Configuration file (TOML) naming the target: `[store] database_url`
    /// (or `database_url_file`) and `[blobs.s3]`.
    #[arg(long)]
    to: PathBuf,
    /// Print a JSON report instead of progress and lines.
    #[arg(long)]
    json: bool,
    /// Rows per batch (one PostgreSQL transaction each).
    #[arg(long, default_value_t = 1000, hide = true)]
    batch_rows: usize,
    /// Test hook: stop after this many batches, as if interrupted.
    #[arg(long, hide = true)]
    stop_after_batches: Option<u64>,
    /// Test hook: stop after copying this many blobs, as if interrupted.
    #[arg(long, hide = true)]
    stop_after_blobs: Option<u64>,
}

pub async fn run(args: StoreArgs) -> Result<ExitCode> {
    match args.cmd {
        StoreCmd::Migrate(a) => migrate(a).await,
    }
}

fn rows_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(total);
    b.set_style(
        ProgressStyle::with_template("{msg:18} [{bar:40}] {human_pos}/{human_len} rows ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b
}

fn bytes_bar(total: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(total);
    b.set_style(
        ProgressStyle::with_template("{msg:18} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    b.set_message(what.to_string());
    b
}

/// A blob the source references, with its stored (encrypted) size.
struct Blob {
    key: String,
    path: PathBuf,
    size: u64,
}

#[derive(Default)]
struct BlobCopy {
    copied: u64,
    copied_bytes: u64,
    present: u64,
    stopped: bool,
}

fn describe_s3(s3: &suveren_blob::S3Config) -> String {
    match &s3.prefix {
        Some(p) => format!("S3 bucket {} (prefix {p}) at {}", s3.bucket, s3.endpoint),
        None => format!("S3 bucket {} at {}", s3.bucket, s3.endpoint),
    }
}

async fn migrate(a: MigrateArgs) -> Result<ExitCode> {
    let cfg = match crate::load_config(Some(a.to.clone()), Some(a.data.clone()), None) {
        Ok(c) => c,
        Err(errs) => {
            eprintln!("configuration errors in {} ({}):", a.to.display(), errs.len());
            for e in errs {
                eprintln!("  {e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    let backends = cfg.backends.clone();
    if backends.database_url.is_none() && backends.s3.is_none() {
        bail!("{} names no target: set [store] database_url (or database_url_file) and/or [blobs.s3]", a.to.display());
    }
    let data = a.data.clone();
    let db_path = data.join("meta.db");
    if !db_path.is_file() {
        bail!("{} holds no embedded installation ({} is missing)", data.display(), db_path.display());
    }
    let quiet = a.json;
    if !quiet {
        eprintln!("Moving the embedded installation in {}", data.display());
        if backends.database_url.is_some() {
            eprintln!("  database  meta.db -> PostgreSQL (store.database_url)");
        }
        if let Some(s3) = &backends.s3 {
            eprintln!("  blobs     blobs/ -> {}", describe_s3(s3));
        }
        eprintln!("The embedded server must be stopped while this runs; the data folder is only read.");
    }

    // What the source references, read-only.
    let src = SqliteStore::open_read_only(&db_path)
        .await
        .with_context(|| format!("cannot open {} read-only", db_path.display()))?;
    let facts = src.snapshot_facts().await.context("cannot read the source database")?;
    let uploads = facts.counts.get(&format!("objects.{}", suveren_service::drive::UPLOAD_KIND)).copied().unwrap_or(0);
    let mut problems: Vec<String> = Vec::new();
    let mut blobs = Vec::with_capacity(facts.blobs.len());
    for b in &facts.blobs {
        let rel =
            LocalFolder::object_path(&b.key).with_context(|| format!("the database names a bad blob key {}", b.key))?;
        let path = data.join("blobs").join(rel);
        match std::fs::metadata(&path) {
            Ok(m) => blobs.push(Blob { key: b.key.clone(), path, size: m.len() }),
            Err(e) => problems.push(format!("blob {}: cannot read {}: {e}", b.key, path.display())),
        }
    }
    drop(src);

    let mut report = json!({
        "ok": false,
        "stopped": false,
        "nothing_to_do": false,
        "data": data.display().to_string(),
        "config": a.to.display().to_string(),
        "database": Value::Null,
        "blobs": Value::Null,
        "not_migrated": {
            "uploads_in_progress": uploads,
            "note": "uploads in progress are not migrated; their clients start them again",
        },
        "problems": [],
    });

    // Tables.
    let mut migration = None;
    let mut rows_copied = 0u64;
    if let Some(url) = &backends.database_url {
        let m = Migration::open(&db_path, url, vec![suveren_service::drive::UPLOAD_KIND.to_string()])
            .await
            .context("cannot migrate into the PostgreSQL database of store.database_url")?;
        let plan = m.plan().await?;
        let total: u64 = plan.iter().map(|p| p.source_rows).sum();
        let before: u64 = plan.iter().map(|p| p.copied_rows.min(p.source_rows)).sum();
        if !quiet && m.resumed {
            eprintln!("Resuming an earlier run: {before} of {total} rows were copied already.");
        }
        let bar = rows_bar(total, quiet);
        bar.set_position(before);
        let opts = CopyOptions { batch_rows: a.batch_rows, stop_after_batches: a.stop_after_batches };
        let outcome = m
            .copy(&opts, &mut |table, n| {
                bar.set_message(table);
                bar.inc(n);
            })
            .await
            .context("copying the tables")?;
        bar.finish_and_clear();
        rows_copied = outcome.rows();
        report["database"] = json!({
            "target": "postgresql",
            "resumed": m.resumed,
            "rows": total,
            "rows_copied": rows_copied,
            "batches": outcome.batches,
            "copied": outcome.copied.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>(),
        });
        if outcome.stopped {
            report["stopped"] = json!(true);
            return Ok(finish_stopped(&report, quiet, &format!("after {} batches", outcome.batches)));
        }
        if !quiet {
            if outcome.already_verified {
                eprintln!("tables   an earlier run copied and verified them");
            } else {
                eprintln!("tables   {rows_copied} rows copied now ({before} before, {total} in all)");
            }
        }
        migration = Some(m);
    }

    // Blobs.
    let mut target: Option<Arc<dyn BlobStore>> = None;
    let mut blob_copy = BlobCopy::default();
    if let Some(s3) = &backends.s3 {
        let dst: Arc<dyn BlobStore> =
            Arc::new(S3Blobs::open(s3.clone()).await.with_context(|| format!("cannot open the {}", describe_s3(s3)))?);
        blob_copy = copy_blobs(&blobs, &dst, quiet, a.stop_after_blobs, &mut problems).await;
        report["blobs"] = json!({
            "target": describe_s3(s3),
            "referenced": facts.blobs.len(),
            "bytes": blobs.iter().map(|b| b.size).sum::<u64>(),
            "copied": blob_copy.copied,
            "copied_bytes": blob_copy.copied_bytes,
            "already_present": blob_copy.present,
        });
        if blob_copy.stopped {
            report["stopped"] = json!(true);
            return Ok(finish_stopped(&report, quiet, &format!("after {} blobs", blob_copy.copied)));
        }
        if !quiet {
            eprintln!(
                "blobs    {} referenced: {} copied now ({}), {} already in the bucket (same size)",
                facts.blobs.len(),
                blob_copy.copied,
                HumanBytes(blob_copy.copied_bytes),
                blob_copy.present
            );
        }
        target = Some(dst);
    } else if !quiet {
        eprintln!("blobs    stay in {} ([blobs.s3] is not set)", data.join("blobs").display());
    }
    if backends.database_url.is_none() && !quiet {
        eprintln!("tables   stay in {} ([store] database_url is not set)", db_path.display());
    }

    // Verification.
    let mut checks: Vec<TableCheck> = Vec::new();
    if let Some(m) = &migration {
        let total: u64 = m.plan().await?.iter().map(|p| p.source_rows).sum();
        let bar = rows_bar(total, quiet);
        bar.set_message("verifying tables");
        checks = m.verify(&mut |n| bar.inc(n)).await.context("verifying the tables")?;
        bar.finish_and_clear();
        for c in checks.iter().filter(|c| !c.matches()) {
            problems.push(format!(
                "table {}{}: {} rows on the source, {} on the target{}",
                c.table,
                if c.derived { " (derived)" } else { "" },
                c.source_rows,
                c.target_rows,
                if c.source_rows == c.target_rows { "; the contents differ (SHA-256)" } else { "" }
            ));
        }
        report["database"]["tables"] = serde_json::to_value(&checks)?;
    }
    let mut blobs_verified = 0u64;
    if let Some(dst) = &target {
        blobs_verified = verify_blobs(&blobs, dst, quiet, &mut problems).await;
        report["blobs"]["verified"] = json!(blobs_verified);
    }

    let ok = problems.is_empty();
    if ok {
        if let Some(m) = &migration {
            m.mark_verified().await?;
        }
    }
    let nothing_to_do = ok && rows_copied == 0 && blob_copy.copied == 0;
    report["ok"] = json!(ok);
    report["nothing_to_do"] = json!(nothing_to_do);
    report["problems"] = json!(problems);

    if quiet {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        if !checks.is_empty() {
            let derived = checks.iter().filter(|c| c.derived).count();
            println!("verified {} tables (row count and SHA-256 each) and {derived} derived", checks.len() - derived);
        }
        if target.is_some() {
            println!("verified {blobs_verified} of {} blobs (SHA-256 read back from the bucket)", blobs.len());
        }
        if uploads > 0 {
            println!("not migrated: {uploads} upload(s) in progress; their clients must start them again");
        } else {
            println!("not migrated: uploads in progress (there were none)");
        }
        if ok {
            if nothing_to_do {
                println!("Nothing to do: an earlier run copied everything; verified again.");
            }
            println!("OK: {} is copied and verified.", data.display());
            println!("Next: start Suveren with --config {} --data {}.", a.to.display(), data.display());
            if backends.database_url.is_some() && backends.s3.is_some() {
                println!(
                    "      Every further node needs a data folder with a copy of {} (folder 0700, files 0600).",
                    data.join("keys").display()
                );
            }
            let unused: Vec<&str> = [(backends.database_url.is_some(), "meta.db"), (backends.s3.is_some(), "blobs/")]
                .into_iter()
                .filter_map(|(moved, name)| moved.then_some(name))
                .collect();
            println!(
                "      {} there {} no longer used; keep {} until the new installation has run a while.",
                unused.join(" and "),
                if unused.len() == 1 { "is" } else { "are" },
                if unused.len() == 1 { "it" } else { "them" }
            );
        } else {
            for p in &problems {
                println!("PROBLEM: {p}");
            }
            println!(
                "NOT VERIFIED: {} problem(s). Was the embedded server still running? Fix the cause and run again.",
                problems.len()
            );
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn finish_stopped(report: &Value, quiet: bool, when: &str) -> ExitCode {
    if quiet {
        println!("{}", serde_json::to_string_pretty(report).unwrap_or_default());
    } else {
        println!("Stopped {when}, as asked. Run the same command again to resume.");
    }
    ExitCode::from(STOPPED)
}

/// Copies every blob not yet in the bucket, [`PARALLEL`] at a time (one at
/// a time with `stop_after`, which stops after that many were written).
async fn copy_blobs(
    blobs: &[Blob],
    dst: &Arc<dyn BlobStore>,
    quiet: bool,
    stop_after: Option<u64>,
    problems: &mut Vec<String>,
) -> BlobCopy {
    let bar = bytes_bar(blobs.iter().map(|b| b.size).sum(), quiet, "copying blobs");
    let parallel = if stop_after.is_some() { 1 } else { PARALLEL };
    let mut out = BlobCopy::default();
    let mut set: JoinSet<(String, suveren_blob::Result<Copied>)> = JoinSet::new();
    let mut next = blobs.iter();
    loop {
        while set.len() < parallel && !out.stopped {
            if stop_after.is_some_and(|n| out.copied >= n) {
                out.stopped = true;
                break;
            }
            let Some(b) = next.next() else { break };
            let (dst, bar, key, path) = (dst.clone(), bar.clone(), b.key.clone(), b.path.clone());
            set.spawn(async move {
                let res = copy_file(&path, dst.as_ref(), &key, &|n| bar.inc(n)).await;
                if let Ok(Copied::Present(n)) = res {
                    bar.inc(n);
                }
                (key, res)
            });
        }
        let Some(done) = set.join_next().await else { break };
        match done {
            Ok((_, Ok(Copied::Written(n)))) => {
                out.copied += 1;
                out.copied_bytes += n;
            }
            Ok((_, Ok(Copied::Present(_)))) => out.present += 1,
            Ok((key, Err(e))) => problems.push(format!("blob {key}: cannot copy: {e}")),
            Err(e) => problems.push(format!("a blob copy failed: {e}")),
        }
    }
    bar.finish_and_clear();
    out
}

/// Reads every blob back from the bucket and compares its SHA-256 with the
/// source file's; returns how many matched.
async fn verify_blobs(blobs: &[Blob], dst: &Arc<dyn BlobStore>, quiet: bool, problems: &mut Vec<String>) -> u64 {
    let bar = bytes_bar(2 * blobs.iter().map(|b| b.size).sum::<u64>(), quiet, "verifying blobs");
    let mut set: JoinSet<(String, Result<(), String>)> = JoinSet::new();
    let mut next = blobs.iter();
    let mut ok = 0u64;
    loop {
        while set.len() < PARALLEL {
            let Some(b) = next.next() else { break };
            let (dst, bar, key, path) = (dst.clone(), bar.clone(), b.key.clone(), b.path.clone());
            set.spawn(async move {
                let res = compare(&path, dst.as_ref(), &key, &bar).await;
                (key, res)
            });
        }
        let Some(done) = set.join_next().await else { break };
        match done {
            Ok((_, Ok(()))) => ok += 1,
            Ok((key, Err(e))) => problems.push(format!("blob {key}: {e}")),
            Err(e) => problems.push(format!("a blob check failed: {e}")),
        }
    }
    bar.finish_and_clear();
    ok
}

async fn compare(path: &Path, dst: &dyn BlobStore, key: &str, bar: &ProgressBar) -> Result<(), String> {
    let on = |n| bar.inc(n);
    let (src, copy) = tokio::join!(sha256_file(path, &on), sha256_object(dst, key, &on));
    let src = src.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let copy = match copy {
        Ok(c) => c,
        Err(suveren_blob::Error::NotFound) => return Err("missing from the bucket".into()),
        Err(e) => return Err(format!("cannot read it back from the bucket: {e}")),
    };
    if src.0 != copy.0 {
        return Err(format!("{} bytes in the data folder, {} in the bucket", src.0, copy.0));
    }
    if src.1 != copy.1 {
        return Err(format!(
            "SHA-256 differs: {} in the data folder, {} in the bucket",
            hex::encode(src.1),
            hex::encode(copy.1)
        ));
    }
    Ok(())
}

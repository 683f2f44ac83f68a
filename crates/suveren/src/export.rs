//! `suveren admin principals export` and `suveren admin me export`: the
//! GDPR export downloaded to a file, with a progress bar on a terminal.
//!
//! The server streams the archive without a length; it announces the file
//! contents to come in `X-Suveren-Export-Bytes`, which the bar uses as its
//! total. The archive is written to `FILE.part` (owner-only: it holds
//! personal data) and renamed when complete, so a broken transfer never
//! leaves something that looks like a finished export.

use std::io::{IsTerminal, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// Downloads `path` (an export route) into `out`; returns the manifest's
/// summary. `quiet` (for `--json`) shows no progress.
pub async fn download(
    server: &str,
    login: Option<&str>,
    token: Option<&str>,
    path: &str,
    out: &Path,
    quiet: bool,
) -> Result<Value> {
    // No overall timeout: a large export legitimately takes long.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(30))
        .build()?;
    let mut req = http.get(format!("{}{path}", server.trim_end_matches('/')));
    req = match (login, token) {
        (Some(l), Some(t)) => req.basic_auth(l, Some(t)),
        (None, Some(_)) => bail!("--token needs --login (the app password's account)"),
        _ => match std::fs::read_to_string(crate::client::session_file(server)) {
            Ok(c) => req.header(reqwest::header::COOKIE, c.trim()),
            Err(_) => bail!("not signed in: run `suveren admin login` first, or pass --login and --token"),
        },
    };
    let mut res = req.send().await.context("cannot reach the server")?;
    if !res.status().is_success() {
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        bail!("{status}: {}", v["detail"].as_str().unwrap_or("(no detail)"));
    }
    let total: u64 = res
        .headers()
        .get("x-suveren-export-bytes")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);

    let part = out.with_extension("zip.part");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&part)
        .with_context(|| format!("cannot write {}", part.display()))?;
    let tty = std::io::stderr().is_terminal();
    let bar = if quiet || !tty { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(total) };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "exporting [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    // Without a terminal: a plain line at every tenth of the way.
    let step = (total / 10).max(1 << 20);
    let mut next_line = step;
    let mut written = 0u64;
    let result: Result<()> = async {
        while let Some(chunk) = res.chunk().await.context("the transfer broke off")? {
            file.write_all(&chunk)?;
            written += chunk.len() as u64;
            if written > bar.length().unwrap_or(0) {
                bar.set_length(written);
            }
            bar.set_position(written);
            if !quiet && !tty && written >= next_line {
                eprintln!("exported {written} bytes (file contents about {total})");
                next_line += step;
            }
        }
        file.sync_all()?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        bar.abandon();
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    bar.finish_and_clear();
    let manifest = read_manifest(&part).inspect_err(|_| {
        let _ = std::fs::remove_file(&part);
    })?;
    std::fs::rename(&part, out).with_context(|| format!("cannot write {}", out.display()))?;

    let withheld: Vec<Value> = manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f.get("withheld").is_some())
        .map(|f| json!({"drive": f["drive"], "path": f["original_path"], "withheld": f["withheld"]}))
        .collect();
    let summary = json!({
        "file": out.display().to_string(),
        "bytes": written,
        "schema": manifest["schema"],
        "principal": manifest["principal"]["login"],
        "summary": manifest["summary"],
        "files_withheld": withheld,
        "drives_not_listed": manifest["withheld_drives"],
        "audit_withheld": manifest["audit"]["withheld"],
    });
    if !quiet {
        let s = &manifest["summary"];
        println!("wrote {} ({written} bytes)", out.display());
        println!(
            "{} files included, {} withheld, {} drives not listed, {} audit records",
            s["files_included"], s["files_withheld"], s["drives_not_listed"], s["audit_records"]
        );
        for w in summary["files_withheld"].as_array().into_iter().flatten() {
            println!("  withheld {} {}: {}", w["drive"], w["path"], w["withheld"].as_str().unwrap_or(""));
        }
        for d in manifest["withheld_drives"].as_array().into_iter().flatten() {
            println!("  not listed: {} ({} files): {}", d["drive"], d["files"], d["withheld"].as_str().unwrap_or(""));
        }
        if let Some(r) = manifest["audit"]["withheld"].as_str() {
            println!("  audit records withheld: {r}");
        }
    }
    Ok(summary)
}

fn read_manifest(path: &Path) -> Result<Value> {
    let f = std::fs::File::open(path)?;
    let mut z = zip::ZipArchive::new(f).context("the server's answer is not a complete zip archive")?;
    let mut text = String::new();
    z.by_name("manifest.json").context("the archive has no manifest.json")?.read_to_string(&mut text)?;
    serde_json::from_str(&text).context("manifest.json is not JSON")
}

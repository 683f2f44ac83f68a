//! `suveren admin …`: operator and tenant administration through the API,
//! so it works the same against a remote installation. Every command has
//! `--json`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::Client;

#[derive(Args)]
pub struct AdminArgs {
    /// The server's URL.
    #[arg(long, env = "SUVEREN_SERVER", default_value = "http://127.0.0.1:8080", global = true)]
    server: String,
    /// Account for --token, or for `login`.
    #[arg(long, env = "SUVEREN_LOGIN", global = true)]
    login: Option<String>,
    /// An app password (for scripts); otherwise the session of `admin login`.
    #[arg(long, env = "SUVEREN_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the API's JSON answer.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: AdminCmd,
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Sign in and keep the session for the next commands (~/.config/suveren).
    Login {
        /// Password; prompted for if absent (or SUVEREN_PASSWORD).
        #[arg(long, env = "SUVEREN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Authenticator code, where enrolled.
        #[arg(long, env = "SUVEREN_TOTP")]
        totp: Option<String>,
    },
    /// Sign out and forget the stored session.
    Logout,
    /// Create an app password for scripts and protocol clients.
    AppPassword { label: String },
    /// Search people (what the signed-in account may discover).
    Search { query: String },
    #[command(subcommand)]
    Tenants(TenantCmd),
    #[command(subcommand)]
    Principals(PrincipalCmd),
    /// The signed-in account itself.
    #[command(subcommand)]
    Me(MeCmd),
    #[command(subcommand, name = "org-units")]
    OrgUnits(NamedCmd),
    #[command(subcommand)]
    Groups(NamedCmd),
    #[command(subcommand)]
    Segments(SegmentCmd),
    #[command(subcommand)]
    Barriers(BarrierCmd),
    #[command(subcommand)]
    Federation(FederationCmd),
    #[command(subcommand)]
    Classification(ClassCmd),
    /// Legal holds: suspend deletion, purge and retention for a case.
    #[command(subcommand)]
    Holds(HoldCmd),
    /// The tenant's key: provider, unlock, rotation (tenant administrators).
    #[command(subcommand)]
    Keys(KeysCmd),
    /// CSV import of staff and pupils (columns: login,name,email,kind,org_unit,groups[,roles,attributes]).
    Import {
        tenant: String,
        file: PathBuf,
        /// Validate and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Rows per request.
        #[arg(long, default_value_t = 1000)]
        batch: usize,
    },
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Provider, locked or not, rotation progress.
    Status { tenant: String },
    /// Unlock a passphrase-held key (prompted for unless given).
    Unlock {
        tenant: String,
        #[arg(long, env = "SUVEREN_KEY_PASSPHRASE", hide_env_values = true)]
        passphrase: Option<String>,
    },
    /// Forget a passphrase-held key now; content is unavailable until unlocked.
    Lock { tenant: String },
    /// Move the key to master-key-file, passphrase or pkcs11.
    Provider {
        tenant: String,
        provider: String,
        /// For `passphrase` (prompted for unless given).
        #[arg(long, env = "SUVEREN_KEY_PASSPHRASE", hide_env_values = true)]
        passphrase: Option<String>,
    },
    /// Start an online rotation (the server rewraps every file's key).
    Rotate { tenant: String },
}

#[derive(Subcommand)]
enum TenantCmd {
    List,
    Create {
        id: String,
        name: String,
        domain: String,
        /// default, norway or sweden.
        #[arg(long)]
        preset: Option<String>,
        #[arg(long)]
        quota_bytes: Option<u64>,
    },
    Show {
        id: String,
    },
    Suspend {
        id: String,
    },
    Resume {
        id: String,
    },
    Quota {
        id: String,
        bytes: u64,
    },
    /// Delete a suspended tenant for good: its directory, drives and key.
    /// Its files become unreadable (crypto-shredding).
    Delete {
        id: String,
        /// The tenant's id again, as confirmation.
        #[arg(long)]
        confirm: String,
    },
    /// Create the tenant's first administrator.
    BootstrapAdmin {
        id: String,
        login: String,
        name: String,
        #[arg(long, env = "SUVEREN_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum PrincipalCmd {
    List {
        tenant: String,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    Create {
        tenant: String,
        login: String,
        name: String,
        /// employee, pupil, guest or service.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        org_unit: Option<String>,
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
        #[arg(long, env = "SUVEREN_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    Update {
        tenant: String,
        login: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        org_unit: Option<String>,
        #[arg(long, value_delimiter = ',')]
        groups: Option<Vec<String>>,
        #[arg(long, value_delimiter = ',')]
        roles: Option<Vec<String>>,
        #[arg(long)]
        disable: bool,
        #[arg(long)]
        enable: bool,
    },
    Delete {
        tenant: String,
        login: String,
    },
    /// GDPR Art. 17 erasure: the person's drive, shares, sign-ins and record
    /// go, except what a legal hold or a minimum retention keeps (listed,
    /// with the reason). The audit log is kept.
    Erase {
        login: String,
        #[arg(long)]
        tenant: String,
        /// Report what would be erased and kept; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Everything about a principal as a ZIP (GDPR Art. 15/20); contents
    /// only where a lockbox grant lets you read them.
    Export {
        login: String,
        #[arg(long)]
        tenant: String,
        /// Where to write the archive.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum MeCmd {
    /// Everything about yourself, your files included, as a ZIP (GDPR Art. 15/20).
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum NamedCmd {
    List { tenant: String },
    Create { tenant: String, name: String },
    Delete { tenant: String, name: String },
}

#[derive(Subcommand)]
enum SegmentCmd {
    List {
        tenant: String,
    },
    Create {
        tenant: String,
        name: String,
        #[arg(long, value_delimiter = ',')]
        kinds: Vec<String>,
        #[arg(long)]
        org_unit: Option<String>,
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        /// key=value, repeatable.
        #[arg(long = "attr")]
        attrs: Vec<String>,
    },
    Delete {
        tenant: String,
        name: String,
    },
}

#[derive(Subcommand)]
enum BarrierCmd {
    List {
        tenant: String,
    },
    /// `block A <-> B`.
    Block {
        tenant: String,
        a: String,
        b: String,
    },
    /// `A only-with [B, C, ...]`.
    OnlyWith {
        tenant: String,
        a: String,
        #[arg(value_delimiter = ',', required = true)]
        with: Vec<String>,
    },
    Delete {
        tenant: String,
        id: String,
    },
}

#[derive(Subcommand)]
enum FederationCmd {
    /// All links (operator), or a tenant's links with --tenant (its admins).
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    Create {
        tenant_a: String,
        segment_a: String,
        tenant_b: String,
        segment_b: String,
    },
    Delete {
        id: String,
    },
    Consent {
        tenant: String,
        id: String,
        #[arg(long)]
        withdraw: bool,
    },
}

#[derive(Subcommand)]
enum ClassCmd {
    Show {
        tenant: String,
    },
    /// Switch to a preset: default, norway or sweden.
    Preset {
        tenant: String,
        preset: String,
    },
    /// Replace the scheme with a JSON file.
    Set {
        tenant: String,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum HoldCmd {
    /// Holds of the tenant, active first.
    List { tenant: String },
    /// Place a hold on a principal (--principal), a drive (--drive: team
    /// drive name or a login for a personal drive), or a folder (--drive
    /// and --folder).
    Create {
        tenant: String,
        #[arg(long, conflicts_with = "drive")]
        principal: Option<String>,
        #[arg(long)]
        drive: Option<String>,
        #[arg(long, requires = "drive")]
        folder: Option<String>,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        case_ref: String,
    },
    /// Release a hold; what it kept falls under the retention rules again.
    Release {
        tenant: String,
        id: String,
        #[arg(long)]
        note: String,
    },
}

/// An erasure report in a few lines: counts, then each kept item and why.
fn print_erasure(v: &Value) {
    let e = &v["erased"];
    let n = |k: &str| e[k].as_u64().unwrap_or(0);
    println!(
        "{} {}: {} files, {} folders, {} versions, {} trash entries ({} bytes), {} shares, {} sessions, {} app passwords{}",
        if v["dry_run"] == true { "would erase" } else { "erased" },
        v["login"].as_str().unwrap_or(""),
        n("files"),
        n("folders"),
        n("versions"),
        n("trash_entries"),
        n("bytes"),
        n("shares"),
        n("sessions"),
        n("app_passwords"),
        if e["principal_record"] == true { ", the credential and the principal record" } else { "" },
    );
    let kept = v["kept"].as_array().cloned().unwrap_or_default();
    // Without a lockbox grant the server counts kept files instead of naming them.
    let counted = v["kept_counts"].as_array().cloned().unwrap_or_default();
    if kept.is_empty() && counted.is_empty() {
        println!("kept: nothing");
    }
    for k in kept {
        println!("kept: {}  {}", k["path"].as_str().unwrap_or(""), k["message"].as_str().unwrap_or(""));
    }
    for g in counted {
        let files = g["files"].as_u64().unwrap_or(0);
        println!(
            "kept: {files} file{} ({} bytes) in {}  {}  (names withheld: {})",
            if files == 1 { "" } else { "s" },
            g["bytes"].as_u64().unwrap_or(0),
            g["drive"].as_str().unwrap_or(""),
            g["message"].as_str().unwrap_or(""),
            g["withheld"].as_str().unwrap_or(""),
        );
    }
    for note in v["notes"].as_array().cloned().unwrap_or_default() {
        println!("note: {}", note.as_str().unwrap_or(""));
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Human output: one line per list item with its main fields.
fn print_human(v: &Value) {
    let list =
        v.as_object().and_then(|o| if o.len() == 1 { o.values().next().and_then(Value::as_array) } else { None });
    match list {
        Some(items) => {
            for it in items {
                let main: Vec<String> = ["login", "id", "name", "path", "tenant", "kind", "rule", "label"]
                    .iter()
                    .filter_map(|k| {
                        it.get(*k).map(|x| match x {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                    })
                    .collect();
                println!("{}", if main.is_empty() { it.to_string() } else { main.join("  ") });
            }
            if items.is_empty() {
                println!("(none)");
            }
        }
        None if v.is_null() => println!("done"),
        None => println!("{}", serde_json::to_string_pretty(v).unwrap_or_default()),
    }
}

pub async fn run(a: AdminArgs) -> Result<ExitCode> {
    let mut c = Client::new(&a.server, a.login.as_deref(), a.token.as_deref())?;
    let v: Value = match a.cmd {
        AdminCmd::Login { password, totp } => {
            let login = a.login.clone().context("give --login")?;
            let pw = match password {
                Some(p) => p,
                None => rpassword::prompt_password(format!("Password for {login}: "))?,
            };
            c.login(&a.server, &login, &pw, totp.as_deref()).await?
        }
        AdminCmd::Logout => {
            let r = c.call(Method::POST, "/api/v1/auth/logout", None).await;
            let _ = std::fs::remove_file(crate::client::session_file(&a.server));
            r?
        }
        AdminCmd::AppPassword { label } => c.call(Method::POST, "/api/v1/me/app-passwords", Some(&json!({"label": label}))).await?,
        AdminCmd::Search { query } => c.call(Method::GET, &format!("/api/v1/directory/search?q={}", enc(&query)), None).await?,
        AdminCmd::Tenants(t) => match t {
            TenantCmd::List => c.call(Method::GET, "/api/v1/tenants", None).await?,
            TenantCmd::Create { id, name, domain, preset, quota_bytes } => {
                c.call(Method::POST, "/api/v1/tenants", Some(&json!({"id": id, "name": name, "domain": domain, "preset": preset, "quota_bytes": quota_bytes}))).await?
            }
            TenantCmd::Show { id } => c.call(Method::GET, &format!("/api/v1/tenants/{}", enc(&id)), None).await?,
            TenantCmd::Suspend { id } => c.call(Method::PATCH, &format!("/api/v1/tenants/{}", enc(&id)), Some(&json!({"suspended": true}))).await?,
            TenantCmd::Resume { id } => c.call(Method::PATCH, &format!("/api/v1/tenants/{}", enc(&id)), Some(&json!({"suspended": false}))).await?,
            TenantCmd::Delete { id, confirm } => c.call(Method::DELETE, &format!("/api/v1/tenants/{}?confirm={}", enc(&id), enc(&confirm)), None).await?,
            TenantCmd::Quota { id, bytes } => c.call(Method::PATCH, &format!("/api/v1/tenants/{}", enc(&id)), Some(&json!({"quota_bytes": bytes}))).await?,
            TenantCmd::BootstrapAdmin { id, login, name, password } => {
                c.call(Method::POST, &format!("/api/v1/tenants/{}/bootstrap-admin", enc(&id)), Some(&json!({"login": login, "name": name, "kind": "employee", "password": password}))).await?
            }
        },
        AdminCmd::Principals(p) => match p {
            PrincipalCmd::List { tenant, offset, limit } => c.call(Method::GET, &format!("/api/v1/tenants/{}/principals?offset={offset}&limit={limit}", enc(&tenant)), None).await?,
            PrincipalCmd::Create { tenant, login, name, kind, email, org_unit, groups, roles, password } => {
                let body = json!({"login": login, "name": name, "kind": kind, "email": email, "org_unit": org_unit, "groups": groups, "roles": roles, "password": password});
                c.call(Method::POST, &format!("/api/v1/tenants/{}/principals", enc(&tenant)), Some(&body)).await?
            }
            PrincipalCmd::Update { tenant, login, name, org_unit, groups, roles, disable, enable } => {
                let mut body = json!({});
                if let Some(n) = name {
                    body["name"] = json!(n);
                }
                if let Some(u) = org_unit {
                    body["org_unit"] = json!(u);
                }
                if let Some(g) = groups {
                    body["groups"] = json!(g);
                }
                if let Some(r) = roles {
                    body["roles"] = json!(r);
                }
                if disable || enable {
                    body["disabled"] = json!(disable);
                }
                c.call(Method::PATCH, &format!("/api/v1/tenants/{}/principals/{}", enc(&tenant), enc(&login)), Some(&body)).await?
            }
            PrincipalCmd::Delete { tenant, login } => c.call(Method::DELETE, &format!("/api/v1/tenants/{}/principals/{}", enc(&tenant), enc(&login)), None).await?,
            PrincipalCmd::Erase { login, tenant, dry_run } => {
                let path = format!("/api/v1/tenants/{}/principals/{}/erase?dry_run={dry_run}", enc(&tenant), enc(&login));
                let v = c.call(Method::POST, &path, Some(&json!({}))).await?;
                if a.json {
                    v
                } else {
                    print_erasure(&v);
                    return Ok(ExitCode::SUCCESS);
                }
            }
            PrincipalCmd::Export { login, tenant, out } => {
                let path = format!("/api/v1/tenants/{}/principals/{}/export", enc(&tenant), enc(&login));
                let v = crate::export::download(&a.server, a.login.as_deref(), a.token.as_deref(), &path, &out, a.json).await?;
                if a.json { v } else { return Ok(ExitCode::SUCCESS) }
            }
        },
        AdminCmd::Me(MeCmd::Export { out }) => {
            let v = crate::export::download(&a.server, a.login.as_deref(), a.token.as_deref(), "/api/v1/me/export", &out, a.json).await?;
            if a.json { v } else { return Ok(ExitCode::SUCCESS) }
        }
        AdminCmd::OrgUnits(n) => match n {
            NamedCmd::List { tenant } => c.call(Method::GET, &format!("/api/v1/tenants/{}/org-units", enc(&tenant)), None).await?,
            NamedCmd::Create { tenant, name } => c.call(Method::POST, &format!("/api/v1/tenants/{}/org-units", enc(&tenant)), Some(&json!({"path": name}))).await?,
            NamedCmd::Delete { tenant, name } => c.call(Method::DELETE, &format!("/api/v1/tenants/{}/org-units?path={}", enc(&tenant), enc(&name)), None).await?,
        },
        AdminCmd::Groups(n) => match n {
            NamedCmd::List { tenant } => c.call(Method::GET, &format!("/api/v1/tenants/{}/groups", enc(&tenant)), None).await?,
            NamedCmd::Create { tenant, name } => c.call(Method::POST, &format!("/api/v1/tenants/{}/groups", enc(&tenant)), Some(&json!({"name": name}))).await?,
            NamedCmd::Delete { tenant, name } => c.call(Method::DELETE, &format!("/api/v1/tenants/{}/groups/{}", enc(&tenant), enc(&name)), None).await?,
        },
        AdminCmd::Segments(s) => match s {
            SegmentCmd::List { tenant } => c.call(Method::GET, &format!("/api/v1/tenants/{}/segments", enc(&tenant)), None).await?,
            SegmentCmd::Create { tenant, name, kinds, org_unit, groups, attrs } => {
                let mut attributes = serde_json::Map::new();
                for kv in attrs {
                    let (k, v) = kv.split_once('=').with_context(|| format!("--attr {kv}: expected key=value"))?;
                    attributes.insert(k.into(), json!(v));
                }
                let body = json!({"name": name, "filter": {"kinds": kinds, "org_unit": org_unit, "groups": groups, "attributes": attributes}});
                c.call(Method::POST, &format!("/api/v1/tenants/{}/segments", enc(&tenant)), Some(&body)).await?
            }
            SegmentCmd::Delete { tenant, name } => c.call(Method::DELETE, &format!("/api/v1/tenants/{}/segments/{}", enc(&tenant), enc(&name)), None).await?,
        },
        AdminCmd::Barriers(b) => match b {
            BarrierCmd::List { tenant } => c.call(Method::GET, &format!("/api/v1/tenants/{}/barriers", enc(&tenant)), None).await?,
            BarrierCmd::Block { tenant, a, b } => c.call(Method::POST, &format!("/api/v1/tenants/{}/barriers", enc(&tenant)), Some(&json!({"rule": "block", "a": a, "b": b}))).await?,
            BarrierCmd::OnlyWith { tenant, a, with } => c.call(Method::POST, &format!("/api/v1/tenants/{}/barriers", enc(&tenant)), Some(&json!({"rule": "only-with", "a": a, "with": with}))).await?,
            BarrierCmd::Delete { tenant, id } => c.call(Method::DELETE, &format!("/api/v1/tenants/{}/barriers/{}", enc(&tenant), enc(&id)), None).await?,
        },
        AdminCmd::Federation(f) => match f {
            FederationCmd::List { tenant: None } => c.call(Method::GET, "/api/v1/federation", None).await?,
            FederationCmd::List { tenant: Some(t) } => c.call(Method::GET, &format!("/api/v1/tenants/{}/federation", enc(&t)), None).await?,
            FederationCmd::Create { tenant_a, segment_a, tenant_b, segment_b } => {
                c.call(Method::POST, "/api/v1/federation", Some(&json!({"tenant_a": tenant_a, "segment_a": segment_a, "tenant_b": tenant_b, "segment_b": segment_b}))).await?
            }
            FederationCmd::Delete { id } => c.call(Method::DELETE, &format!("/api/v1/federation/{}", enc(&id)), None).await?,
            FederationCmd::Consent { tenant, id, withdraw } => {
                c.call(Method::POST, &format!("/api/v1/tenants/{}/federation/{}/consent", enc(&tenant), enc(&id)), Some(&json!({"consent": !withdraw}))).await?
            }
        },
        AdminCmd::Classification(k) => match k {
            ClassCmd::Show { tenant } => c.call(Method::GET, &format!("/api/v1/tenants/{}/classification", enc(&tenant)), None).await?,
            ClassCmd::Preset { tenant, preset } => c.call(Method::PUT, &format!("/api/v1/tenants/{}/classification", enc(&tenant)), Some(&json!({"use_preset": preset}))).await?,
            ClassCmd::Set { tenant, file } => {
                let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
                let body: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
                c.call(Method::PUT, &format!("/api/v1/tenants/{}/classification", enc(&tenant)), Some(&body)).await?
            }
        },
        AdminCmd::Holds(h) => match h {
            HoldCmd::List { tenant } => c.call(Method::GET, &format!("/api/v1/tenants/{}/legal-holds", enc(&tenant)), None).await?,
            HoldCmd::Create { tenant, principal, drive, folder, reason, case_ref } => {
                let scope = match (principal, drive, folder) {
                    (Some(p), None, None) => json!({"principal": p}),
                    (None, Some(d), None) => json!({"drive": d}),
                    (None, Some(d), Some(f)) => json!({"folder": {"drive": d, "path": f}}),
                    _ => bail!("give --principal, or --drive (with --folder for a folder)"),
                };
                let body = json!({"scope": scope, "reason": reason, "case_ref": case_ref});
                c.call(Method::POST, &format!("/api/v1/tenants/{}/legal-holds", enc(&tenant)), Some(&body)).await?
            }
            HoldCmd::Release { tenant, id, note } => {
                c.call(Method::POST, &format!("/api/v1/tenants/{}/legal-holds/{}/release", enc(&tenant), enc(&id)), Some(&json!({"note": note}))).await?
            }
        },
        AdminCmd::Keys(k) => {
            let keys = |t: &str| format!("/api/v1/tenants/{}/keys", enc(t));
            let ask = |given: Option<String>, t: &str| -> Result<String> {
                match given {
                    Some(p) => Ok(p),
                    None => Ok(rpassword::prompt_password(format!("Key passphrase of {t}: "))?),
                }
            };
            match k {
                KeysCmd::Status { tenant } => c.call(Method::GET, &keys(&tenant), None).await?,
                KeysCmd::Unlock { tenant, passphrase } => {
                    let p = ask(passphrase, &tenant)?;
                    c.call(Method::POST, &format!("{}/unlock", keys(&tenant)), Some(&json!({"passphrase": p}))).await?
                }
                KeysCmd::Lock { tenant } => c.call(Method::POST, &format!("{}/lock", keys(&tenant)), Some(&json!({}))).await?,
                KeysCmd::Provider { tenant, provider, passphrase } => {
                    let mut body = json!({"provider": provider});
                    if provider == "passphrase" {
                        body["passphrase"] = json!(ask(passphrase, &tenant)?);
                    }
                    c.call(Method::PUT, &format!("{}/provider", keys(&tenant)), Some(&body)).await?
                }
                KeysCmd::Rotate { tenant } => c.call(Method::POST, &format!("{}/rotate", keys(&tenant)), Some(&json!({}))).await?,
            }
        }
        AdminCmd::Import { tenant, file, dry_run, batch } => import(&c, &tenant, &file, dry_run, batch, a.json).await?,
    };
    if a.json {
        println!("{}", serde_json::to_string(&v)?);
    } else {
        print_human(&v);
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends the file in parts with a progress bar, and sums the reports.
async fn import(c: &Client, tenant: &str, file: &PathBuf, dry_run: bool, batch: usize, quiet: bool) -> Result<Value> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut lines = text.lines();
    let header = lines.next().context("the file is empty")?.to_string();
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let batch = batch.clamp(1, 5000);
    let bar = if quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(rows.len() as u64) };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} rows ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(if dry_run { "checking" } else { "importing" });
    let mut total = json!({"dry_run": dry_run, "rows": 0, "created": 0, "updated": 0, "unchanged": 0, "org_units_created": [], "groups_created": [], "errors": []});
    // A dry run over everything first, so a real run writes all or nothing
    // of a file with a bad row anywhere.
    let passes: &[bool] = if dry_run { &[true] } else { &[true, false] };
    for &dry in passes {
        bar.set_position(0);
        let mut errors = Vec::new();
        for (i, chunk) in rows.chunks(batch).enumerate() {
            let body = format!("{header}\n{}\n", chunk.join("\n"));
            let r =
                c.send_text(&format!("/api/v1/tenants/{}/import?dry_run={dry}", enc(tenant)), "text/csv", body).await?;
            for e in r["errors"].as_array().into_iter().flatten() {
                let line = e["line"].as_u64().unwrap_or(0) as usize + i * batch;
                errors.push(json!({"line": line, "message": e["message"]}));
            }
            if dry == *passes.last().unwrap_or(&true) {
                for k in ["rows", "created", "updated", "unchanged"] {
                    total[k] = json!(total[k].as_u64().unwrap_or(0) + r[k].as_u64().unwrap_or(0));
                }
                for k in ["org_units_created", "groups_created"] {
                    if let (Some(t), Some(n)) = (total[k].as_array().cloned(), r[k].as_array()) {
                        let mut t = t;
                        t.extend(n.iter().cloned());
                        total[k] = json!(t);
                    }
                }
            }
            bar.inc(chunk.len() as u64);
        }
        if !errors.is_empty() {
            bar.abandon();
            total["errors"] = json!(errors);
            total["dry_run"] = json!(true);
            if !quiet {
                eprintln!("{} row(s) have errors; nothing was written:", errors.len());
                for e in &errors {
                    eprintln!("  line {}: {}", e["line"], e["message"].as_str().unwrap_or(""));
                }
            }
            if quiet {
                return Ok(total);
            }
            bail!("import refused");
        }
    }
    bar.finish();
    Ok(total)
}

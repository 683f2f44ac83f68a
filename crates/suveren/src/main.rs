//! `suveren`: one binary for the server and its administration.
//!
//! Wiring only: configuration, logging, the store and the HTTP edge are put
//! together here; the work lives in the library crates.

mod admin;
mod backup;
mod client;
mod config;
mod export;
mod lockbox;
mod migrate;

/// Allocation-heavy work (XML answers, JSON) runs measurably faster on
/// mimalloc than on glibc's allocator (docs/benchmarks.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "suveren", version, about = "Suveren: a self-hosted digital workplace for public bodies")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server.
    Serve {
        /// Data folder (database, blobs, keys). Default ./suveren-data.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Address to listen on. Default 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Configuration file (TOML).
        #[arg(long, env = "SUVEREN_CONFIG")]
        config: Option<PathBuf>,
        /// Seed the demo installation on first start.
        #[arg(long)]
        demo: bool,
    },
    /// Check or describe the configuration.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Operator and tenant administration through the API.
    Admin(admin::AdminArgs),
    /// Lockbox requests: file, review, approve, deny, revoke.
    Lockbox(lockbox::LockboxArgs),
    /// Export and verify audit logs.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Take a consistent backup of an embedded installation while it runs
    /// (database and blobs; the keys only with --include-keys).
    Backup {
        /// Data folder of the installation. Default: `data` of the configuration.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Configuration file (TOML), for the data folder.
        #[arg(long, env = "SUVEREN_CONFIG")]
        config: Option<PathBuf>,
        /// Folder to write the backup into; must be new or empty.
        #[arg(long)]
        to: PathBuf,
        /// Also copy the master key and the audit signing key into keys/ of
        /// the backup. Whoever reads such a backup can decrypt every file.
        #[arg(long)]
        include_keys: bool,
        #[arg(long)]
        json: bool,
    },
    /// Move an embedded installation to PostgreSQL and S3
    /// (`store migrate`; stop the embedded server first).
    Store(migrate::StoreArgs),
    /// Restore a backup into a new data folder, after checking every file
    /// against its manifest.
    Restore {
        /// The backup folder (written by `suveren backup`).
        #[arg(long)]
        from: PathBuf,
        /// The data folder to restore into; must be new or empty.
        #[arg(long)]
        data: PathBuf,
        /// Folder holding the keys kept apart from the backup (master.key,
        /// audit-ed25519.pem, or a data folder with them in keys/).
        #[arg(long)]
        keys: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Validate file + environment + flags; print the effective values or every error.
    Check {
        #[arg(long, env = "SUVEREN_CONFIG")]
        config: Option<PathBuf>,
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        listen: Option<String>,
    },
    /// List every configuration key with its meaning.
    Keys,
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Write a tenant's audit chain as JSON lines with signed checkpoints.
    Export {
        #[arg(long)]
        tenant: String,
        /// Read the data folder directly (works while the server runs).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Otherwise fetch through the API of this server (as an auditor).
        #[arg(long, env = "SUVEREN_SERVER")]
        server: Option<String>,
        #[arg(long)]
        login: Option<String>,
        #[arg(long, env = "SUVEREN_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Output file; standard output if absent.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Verify an export; exits non-zero naming the first bad record.
    Verify {
        file: PathBuf,
        /// Trust only this public key (base64), not the one in the file.
        #[arg(long)]
        public_key: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn init_logging(json: bool, level: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

fn load_config(
    file: Option<PathBuf>,
    data: Option<PathBuf>,
    listen: Option<String>,
) -> Result<config::Config, Vec<String>> {
    let t = config::merged(file.as_deref(), std::env::vars(), &config::Overrides { listen, data })?;
    config::build(&t)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn serve(cfg: config::Config, demo: bool) -> Result<()> {
    init_logging(cfg.log_json, &cfg.log_level);
    let app = suveren_service::App::open(&cfg.data, cfg.settings.clone(), cfg.backends.clone()).await.with_context(
        || match (&cfg.backends.database_url, &cfg.backends.s3) {
            (None, None) => format!("cannot open the data folder {}", cfg.data.display()),
            (db, s3) => format!(
                "cannot open the installation (data folder {}, database {}, blobs {})",
                cfg.data.display(),
                if db.is_some() { "PostgreSQL (store.database_url)" } else { "SQLite in the data folder" },
                s3.as_ref()
                    .map_or("in the data folder".to_string(), |s| format!("bucket {} at {}", s.bucket, s.endpoint))
            ),
        },
    )?;
    if let Some(p11) = cfg.pkcs11.clone() {
        // The HSM is opened once at start: a wrong PIN or a missing token
        // stops the server with the reason, rather than failing reads later.
        let hsm = tokio::task::spawn_blocking(move || suveren_blob::Pkcs11Provider::open(&p11))
            .await?
            .context("cannot open the PKCS#11 token configured in keys.pkcs11")?;
        app.set_pkcs11_provider(std::sync::Arc::new(hsm));
    }
    if demo {
        match app.seed_demo().await.context("seeding the demo installation")? {
            Some(path) => eprintln!("Demo installation created. Accounts and passwords: {}", path.display()),
            None => eprintln!(
                "Demo installation already present. Accounts and passwords: {}",
                cfg.data.join(suveren_service::demo::CREDENTIALS_FILE).display()
            ),
        }
    }
    suveren_service::drive::spawn_upkeep(app.clone());
    suveren_service::lockbox::spawn_expiry(app.clone());
    let router = suveren_web::with_page_fallback(
        suveren_api::router(
            app.clone(),
            suveren_api::HttpOptions { cookie_secure: cfg.cookie_secure, trusted_proxies: cfg.trusted_proxies.clone() },
        )
        .merge(suveren_dav::router(app.clone()))
        .merge(suveren_web::router(
            app,
            suveren_web::WebOptions { cookie_secure: cfg.cookie_secure, trusted_proxies: cfg.trusted_proxies.clone() },
        )),
    );
    let listener =
        tokio::net::TcpListener::bind(cfg.listen).await.with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data = %cfg.data.display(), "Suveren listening");
    eprintln!("Suveren listening on http://{addr}");
    suveren_api::serve(listener, router, shutdown_signal()).await?;
    Ok(())
}

async fn audit_export(
    tenant: String,
    data: Option<PathBuf>,
    server: Option<String>,
    login: Option<String>,
    token: Option<String>,
    out: Option<PathBuf>,
) -> Result<()> {
    let bytes = match (data, server) {
        (Some(dir), _) => {
            let store = suveren_store::sqlite::SqliteStore::open_read_only(&dir.join("meta.db"))
                .await
                .with_context(|| format!("cannot open {}", dir.display()))?;
            let key = suveren_service::audit::load_key(&dir).context("cannot load the audit signing key")?;
            let mut buf = Vec::new();
            suveren_service::audit::export(&store, &key, &tenant, &mut buf).await?;
            buf
        }
        (None, Some(server)) => {
            let c = client::Client::new(&server, login.as_deref(), token.as_deref())?;
            c.get_bytes(&format!("/api/v1/tenants/{tenant}/audit/export")).await?
        }
        (None, None) => {
            anyhow::bail!("give --data DIR (read the data folder) or --server URL (ask the API)")
        }
    };
    match out {
        Some(p) => std::fs::write(&p, &bytes).with_context(|| format!("cannot write {}", p.display()))?,
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}

fn audit_verify(file: PathBuf, public_key: Option<String>, json: bool) -> Result<ExitCode> {
    let f = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    match suveren_audit::verify_export(std::io::BufReader::new(f), public_key.as_deref()) {
        Ok(r) => {
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "OK: {} records of tenant {} intact up to seq {} ({} signed checkpoints, key {})",
                    r.records, r.tenant, r.last_seq, r.checkpoints, r.key_id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                println!("{}", serde_json::json!({"ok": false, "error": e.to_string()}));
            } else {
                eprintln!("TAMPERED OR DAMAGED: {e}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: Result<ExitCode> = rt.block_on(async move {
        match cli.cmd {
            Cmd::Serve { data, listen, config, demo } => match load_config(config, data, listen) {
                Ok(cfg) => serve(cfg, demo).await.map(|_| ExitCode::SUCCESS),
                Err(errs) => {
                    eprintln!("configuration errors ({}):", errs.len());
                    for e in errs {
                        eprintln!("  {e}");
                    }
                    Ok(ExitCode::from(2))
                }
            },
            Cmd::Config { cmd: ConfigCmd::Check { config, data, listen } } => match load_config(config, data, listen) {
                Ok(cfg) => {
                    println!("configuration OK");
                    println!("  listen       {}", cfg.listen);
                    println!("  data         {}", cfg.data.display());
                    println!("  public_url   {}", cfg.public_url);
                    println!(
                        "  cookies      {}",
                        if cfg.cookie_secure { "Secure" } else { "not Secure (loopback development)" }
                    );
                    println!(
                        "  sessions     idle {} min, absolute {} h",
                        cfg.settings.session_idle.as_secs() / 60,
                        cfg.settings.session_absolute.as_secs() / 3600
                    );
                    println!("  checkpoints  every {} records", cfg.settings.checkpoint_interval);
                    println!(
                        "  database     {}",
                        if cfg.backends.database_url.is_some() {
                            "PostgreSQL (shared)"
                        } else {
                            "SQLite in the data folder"
                        }
                    );
                    match &cfg.backends.s3 {
                        Some(s) => println!("  blobs        S3 bucket {} at {}", s.bucket, s.endpoint),
                        None => println!("  blobs        the data folder"),
                    }
                    for o in &cfg.settings.oidc {
                        println!(
                            "  oidc         {} -> {} (client {}, secret {})",
                            o.tenant,
                            o.issuer,
                            o.client_id,
                            if o.client_secret.is_some() { "set" } else { "none" }
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(errs) => {
                    eprintln!("configuration errors ({}):", errs.len());
                    for e in errs {
                        eprintln!("  {e}");
                    }
                    Ok(ExitCode::from(2))
                }
            },
            Cmd::Config { cmd: ConfigCmd::Keys } => {
                for (k, doc) in config::KEYS {
                    println!("{k:32} {doc}");
                }
                println!("\nEnvironment: SUVEREN_<KEY> with `__` for dots, e.g. SUVEREN_SESSION__IDLE_MINUTES=15.");
                Ok(ExitCode::SUCCESS)
            }
            Cmd::Admin(args) => admin::run(args).await,
            Cmd::Lockbox(args) => lockbox::run(args).await,
            Cmd::Audit { cmd: AuditCmd::Export { tenant, data, server, login, token, out } } => {
                audit_export(tenant, data, server, login, token, out).await.map(|_| ExitCode::SUCCESS)
            }
            Cmd::Audit { cmd: AuditCmd::Verify { file, public_key, json } } => audit_verify(file, public_key, json),
            Cmd::Backup { data, config, to, include_keys, json } => match load_config(config, data, None) {
                Ok(cfg) => backup::backup(&cfg.data, &to, include_keys, json).await,
                Err(errs) => {
                    eprintln!("configuration errors ({}):", errs.len());
                    for e in errs {
                        eprintln!("  {e}");
                    }
                    Ok(ExitCode::from(2))
                }
            },
            Cmd::Restore { from, data, keys, json } => backup::restore(&from, &data, keys.as_deref(), json).await,
            Cmd::Store(args) => migrate::run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! `suveren lockbox …`: file, follow, decide and revoke lockbox requests
//! through the API (sign in first with `suveren admin login`). Every
//! command has `--json`.

use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Args, Subcommand, ValueEnum};
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::Client;

#[derive(Args)]
pub struct LockboxArgs {
    /// The server's URL.
    #[arg(long, env = "SUVEREN_SERVER", default_value = "http://127.0.0.1:8080", global = true)]
    server: String,
    /// Account for --token.
    #[arg(long, env = "SUVEREN_LOGIN", global = true)]
    login: Option<String>,
    /// An app password (for scripts); otherwise the session of `admin login`.
    #[arg(long, env = "SUVEREN_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the API's JSON answer.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: LockboxCmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum Act {
    List,
    Read,
}

#[derive(Subcommand)]
enum LockboxCmd {
    /// File a request for access (operators and tenant administrators).
    Request {
        /// The tenant whose content is needed.
        #[arg(long)]
        tenant: String,
        /// A principal's personal drive, by login.
        #[arg(long, group = "scope")]
        drive_of: Option<String>,
        /// A team drive, by URL name or display name.
        #[arg(long, group = "scope")]
        drive: Option<String>,
        /// A folder: files/<login>/<path> or drives/<drive>/<path>.
        #[arg(long, group = "scope")]
        folder: Option<String>,
        #[arg(long, value_enum, value_delimiter = ',', default_values = ["list", "read"])]
        actions: Vec<Act>,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        case_ref: String,
        /// How long the grant lasts once approved.
        #[arg(long, default_value_t = 60)]
        minutes: u32,
    },
    /// Requests you may see: your own, and as an approver your tenant's.
    List,
    Show {
        id: String,
    },
    /// Approve after the secrecy review.
    Approve {
        id: String,
        #[arg(long)]
        note: String,
        /// Do not tell the affected people; this reason is recorded.
        #[arg(long)]
        withhold_notice: Option<String>,
    },
    Deny {
        id: String,
        #[arg(long)]
        note: String,
    },
    /// End a live grant at once, or withdraw a pending request.
    Revoke {
        id: String,
        #[arg(long)]
        note: String,
    },
    /// Lockbox grants that touched your content.
    Notices,
}

fn id_path(id: &str) -> Result<String> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("`{id}` is not a request id");
    }
    Ok(format!("/api/v1/lockbox/requests/{id}"))
}

fn line(r: &Value) -> String {
    let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
    let mut out =
        format!("{}  {:<8}  {}  {}  case {}", s("id"), s("status"), s("requester"), s("scope_text"), s("case_ref"));
    if let Some(e) = r["expires"].as_str() {
        out.push_str(&format!("  until {e}"));
    }
    if r["status"] == "pending" {
        out.push_str(&format!("  ({} of {} approvals)", r["approvals"], r["required"]));
    }
    out
}

pub async fn run(a: LockboxArgs) -> Result<ExitCode> {
    let c = Client::new(&a.server, a.login.as_deref(), a.token.as_deref())?;
    let v = match a.cmd {
        LockboxCmd::Request { tenant, drive_of, drive, folder, actions, reason, case_ref, minutes } => {
            let scope = match (drive_of, drive, folder) {
                (Some(l), None, None) => json!({"drive_of": l}),
                (None, Some(d), None) => json!({"drive": d}),
                (None, None, Some(f)) => json!({"folder": f}),
                _ => bail!("name the scope with one of --drive-of, --drive or --folder"),
            };
            let actions: Vec<&str> =
                actions.iter().map(|a| if matches!(a, Act::List) { "list" } else { "read" }).collect();
            let body = json!({"tenant": tenant, "scope": scope, "actions": actions, "reason": reason,
                              "case_ref": case_ref, "minutes": minutes});
            c.call(Method::POST, "/api/v1/lockbox/requests", Some(&body)).await?
        }
        LockboxCmd::List => c.call(Method::GET, "/api/v1/lockbox/requests", None).await?,
        LockboxCmd::Show { id } => c.call(Method::GET, &id_path(&id)?, None).await?,
        LockboxCmd::Approve { id, note, withhold_notice } => {
            let mut body = json!({"note": note});
            if let Some(w) = withhold_notice {
                body["withhold_notice"] = json!(w);
            }
            c.call(Method::POST, &format!("{}/approve", id_path(&id)?), Some(&body)).await?
        }
        LockboxCmd::Deny { id, note } => {
            c.call(Method::POST, &format!("{}/deny", id_path(&id)?), Some(&json!({"note": note}))).await?
        }
        LockboxCmd::Revoke { id, note } => {
            c.call(Method::POST, &format!("{}/revoke", id_path(&id)?), Some(&json!({"note": note}))).await?
        }
        LockboxCmd::Notices => c.call(Method::GET, "/api/v1/me/notices", None).await?,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if let Some(list) = v["requests"].as_array() {
        for r in list {
            println!("{}", line(r));
        }
        if list.is_empty() {
            println!("(none)");
        }
    } else if let Some(list) = v["notices"].as_array() {
        for n in list {
            println!("{}", n["text"].as_str().unwrap_or_default());
        }
        if list.is_empty() {
            println!("(none)");
        }
    } else {
        println!("{}", line(&v));
    }
    Ok(ExitCode::SUCCESS)
}

//! Benchmarks of Suveren (issue 2). Timings belong here, never in tests.
//!
//! ```text
//! cargo run --release -p suveren-bench -- search
//! cargo run --release -p suveren-bench -- signin
//! bench/scale/run.sh   # scale generate / load / report (issue 6)
//! ```
//!
//! Results and the machine they were taken on: `docs/benchmarks.md`.

mod fts;
mod queries;
mod scale;
mod scale_load;
mod scale_tree;
mod search;
mod signin;
mod stats;
mod synth;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "suveren-bench", about = "Benchmarks of directory search and sign-in")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Directory search over a synthetic installation (6 tenants, 20 barrier
    /// rules), through `App::search`, with SQLite FTS5 as the peer.
    Search {
        /// Principals in total, spread over the six tenants.
        #[arg(long, default_value_t = 50_000)]
        principals: usize,
        /// Queries per category (prefix, full name, typo).
        #[arg(long, default_value_t = 6_000)]
        queries: usize,
        /// Unmeasured queries first.
        #[arg(long, default_value_t = 1_000)]
        warmup: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Leave out the SQLite FTS5 peer.
        #[arg(long)]
        no_peer: bool,
    },
    /// Sign-in throughput of the real server on 127.0.0.1 (demo installation).
    Signin {
        /// Sign-ins per concurrency level.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2,4,8")]
        concurrency: Vec<usize>,
        #[arg(long, default_value = "lars.laerer@nordvik.test")]
        login: String,
    },
    /// 50,000 principals and millions of files on SQLite and on PostgreSQL
    /// + S3 (issue 6): generate, load a running server, report.
    Scale(scale::ScaleArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Search { principals, queries, warmup, seed, no_peer } => {
            // One thread: the figures are per query on one core.
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(search::run(search::Args { principals, per_category: queries, warmup, seed, peer: !no_peer }))
        }
        Cmd::Signin { requests, concurrency, login } => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(signin::run(signin::Args { requests, concurrency, login }))
        }
        Cmd::Scale(args) => scale::run(args),
    }
}

//! `signin`: the real server in-process on 127.0.0.1, driven over HTTP with
//! `POST /api/v1/auth/login` for a demo account from K concurrent tasks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use suveren_service::{App, Settings};

use crate::stats::{self, Samples};

pub struct Args {
    pub requests: usize,
    pub concurrency: Vec<usize>,
    pub login: String,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    println!("# suveren-bench signin");
    println!("machine: {}", stats::machine());

    // Argon2id with the project's parameters, on one core, for reference.
    let pw = "correct horse battery staple";
    let phc = suveren_identity::password::hash(pw)?;
    let mut raw = Samples::default();
    for _ in 0..10 {
        let t = Instant::now();
        assert!(suveren_identity::password::verify(pw, &phc));
        raw.push(t.elapsed());
    }
    println!(
        "raw suveren_identity::password::verify (Argon2id m={} KiB, t={}, p={}): median {:.1} ms, min {:.1} ms over {} runs",
        suveren_identity::password::MEMORY_KIB,
        suveren_identity::password::TIME_COST,
        suveren_identity::password::PARALLELISM,
        raw.pct_us(50.0) / 1000.0,
        raw.pct_us(0.0) / 1000.0,
        raw.len()
    );

    // The ceiling for sign-ins: verifications per second with 1..=nproc
    // threads verifying at once, no server involved.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    for threads in 1..=cores {
        let per = 20;
        let started = Instant::now();
        let cpu0 = stats::cpu_time();
        std::thread::scope(|sc| {
            for _ in 0..threads {
                sc.spawn(|| {
                    for _ in 0..per {
                        assert!(suveren_identity::password::verify(pw, &phc));
                    }
                });
            }
        });
        let wall = started.elapsed();
        println!(
            "raw verify on {threads} thread(s) at once: {:.1} verifies/s ({:.2} cores used, load {})",
            (threads * per) as f64 / wall.as_secs_f64(),
            stats::cores_used(cpu0, stats::cpu_time(), wall),
            stats::loadavg()
        );
    }

    let data = tempfile::tempdir()?;
    let app = App::open_embedded(data.path(), Settings::default()).await?;
    let creds = app.seed_demo().await?.ok_or_else(|| anyhow::anyhow!("the demo was already seeded"))?;
    let tsv = std::fs::read_to_string(&creds)?;
    // Columns: login, password, tenant, role, totp_secret.
    let password = tsv
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|c| c.first() == Some(&args.login.as_str()))
        .and_then(|c| c.get(1).map(|s| s.to_string()))
        .ok_or_else(|| anyhow::anyhow!("{} is not in {}", args.login, creds.display()))?;

    let router = suveren_api::router(app.clone(), suveren_api::HttpOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(suveren_api::serve(listener, router, async {
        let _ = stopped.await;
    }));
    let url = format!("http://{addr}/api/v1/auth/login");
    let body = Arc::new(serde_json::json!({"login": args.login, "password": password}));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    println!("server on {addr}; account {}; {} requests per concurrency level", args.login, args.requests);

    // One unmeasured sign-in: connections, caches.
    let r = client.post(&url).json(&*body).send().await?;
    anyhow::ensure!(r.status().is_success(), "warm-up sign-in failed: {}", r.status());

    println!();
    println!("| concurrent clients | sign-ins | wall | sign-ins/s | p50 ms | p99 ms | max ms | failed | cores used | load after |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &k in &args.concurrency {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let cpu0 = stats::cpu_time();
        let mut tasks = Vec::new();
        for _ in 0..k {
            let (next, client, url, body, total) =
                (next.clone(), client.clone(), url.clone(), body.clone(), args.requests);
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut failed = 0usize;
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    let t = Instant::now();
                    let ok = match client.post(&url).json(&*body).send().await {
                        Ok(r) => {
                            let ok = r.status().is_success();
                            let _ = r.bytes().await;
                            ok
                        }
                        Err(_) => false,
                    };
                    lat.push(t.elapsed());
                    failed += usize::from(!ok);
                }
                (lat, failed)
            }));
        }
        let mut s = Samples::with_capacity(args.requests);
        let mut failed = 0;
        for t in tasks {
            let (lat, f) = t.await?;
            for d in lat {
                s.push(d);
            }
            failed += f;
        }
        let wall = started.elapsed();
        let cores = stats::cores_used(cpu0, stats::cpu_time(), wall);
        println!(
            "| {k} | {} | {:.2} s | {:.1} | {:.1} | {:.1} | {:.1} | {failed} | {cores:.2} | {} |",
            s.len(),
            wall.as_secs_f64(),
            s.len() as f64 / wall.as_secs_f64(),
            s.pct_us(50.0) / 1000.0,
            s.pct_us(99.0) / 1000.0,
            s.max_us() / 1000.0,
            stats::loadavg()
        );
    }
    println!();
    println!("load after: {}", stats::loadavg());
    let _ = stop.send(());
    server.await??;
    Ok(())
}

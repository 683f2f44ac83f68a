//! `scale load`: concurrent clients against a running `suveren serve`, each
//! signed in (session cookie) as a random employee or pupil of the
//! generated installation. Phases of fixed length, one kind of request at a
//! time from every client: folder listings of the client's own drives,
//! change polls, directory searches, 4 KiB uploads. Afterwards the server's
//! VmRSS and VmHWM from `/proc/PID/status`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use serde_json::{json, Value};
use suveren_domain::PrincipalKind;

use crate::stats::{self, Samples};
use crate::{queries, synth};

#[derive(clap::Args)]
pub struct LoadArgs {
    /// The server, e.g. http://127.0.0.1:18080.
    #[arg(long)]
    url: String,
    /// Name of the backend in the report, e.g. "SQLite + folder".
    #[arg(long)]
    backend: String,
    /// Write the figures as JSON here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The server's process id (memory, CPU).
    #[arg(long)]
    pid: Option<u32>,
    /// Processes whose CPU (with their children's) counts as the storage
    /// backend's: the PostgreSQL postmaster, the S3 server.
    #[arg(long, value_delimiter = ',')]
    backend_pids: Vec<u32>,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds per phase.
    #[arg(long, default_value_t = 20)]
    phase_secs: u64,
    /// As given to `generate` (the same logins are derived from it).
    #[arg(long, default_value_t = 50_000)]
    principals: usize,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    #[arg(long, default_value = crate::scale::PASSWORD)]
    password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    List,
    Changes,
    Search,
    Upload,
}

impl Phase {
    fn key(self) -> &'static str {
        match self {
            Phase::List => "list",
            Phase::Changes => "changes",
            Phase::Search => "search",
            Phase::Upload => "upload",
        }
    }
}

struct DriveInfo {
    id: String,
    personal: bool,
}

struct Client {
    n: usize,
    http: reqwest::Client,
    base: String,
    cookie: String,
    drives: Vec<DriveInfo>,
    folders: HashMap<String, Vec<String>>,
    since: HashMap<String, String>,
    rng: StdRng,
    upload_dir: String,
    uploads: u64,
    body: Vec<u8>,
}

/// CPU time of processes and all their descendants, from /proc.
fn tree_cpu(roots: &[u32]) -> Duration {
    if roots.is_empty() {
        return Duration::ZERO;
    }
    let mut procs: Vec<(u32, u32, u64)> = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            let Some((_, rest)) = s.rsplit_once(')') else { continue };
            let f: Vec<&str> = rest.split_whitespace().collect();
            // After the command: state, ppid, …, utime (14th field) and stime (15th).
            let ppid = f.get(1).and_then(|v| v.parse().ok()).unwrap_or(0);
            let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
                + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            procs.push((pid, ppid, ticks));
        }
    }
    let mut inside: std::collections::HashSet<u32> = roots.iter().copied().collect();
    loop {
        let before = inside.len();
        for (pid, ppid, _) in &procs {
            if inside.contains(ppid) {
                inside.insert(*pid);
            }
        }
        if inside.len() == before {
            break;
        }
    }
    let ticks: u64 = procs.iter().filter(|p| inside.contains(&p.0)).map(|p| p.2).sum();
    Duration::from_millis(ticks * 10)
}

/// CPU time all cores spent busy (not idle, not waiting for I/O), from /proc/stat.
fn machine_busy() -> Duration {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> =
        s.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let busy: u64 = f.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum();
    Duration::from_millis(busy * 10)
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.strip_prefix(':')))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

fn ms(us: f64) -> String {
    if us >= 100_000.0 {
        format!("{:.0}", us / 1000.0)
    } else {
        format!("{:.1}", us / 1000.0)
    }
}

impl Client {
    async fn sign_in(&mut self, login: &str, password: &str) -> anyhow::Result<()> {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "sign-in of {login}: {}", r.status());
        let cookie = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().filter(|kv| kv.contains("suveren_session=")).map(str::to_string))
            .ok_or_else(|| anyhow::anyhow!("no session cookie for {login}"))?;
        self.cookie = cookie;
        Ok(())
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(format!("{}{path}", self.base)).header(reqwest::header::COOKIE, &self.cookie)
    }

    async fn load_drives(&mut self) -> anyhow::Result<()> {
        let v: Value = self.get("/api/v1/drives").send().await?.error_for_status()?.json().await?;
        for d in v["drives"].as_array().cloned().unwrap_or_default() {
            let id = d["id"].as_str().unwrap_or_default().to_string();
            // Levels above Internal may ask for a second factor; these
            // clients have none.
            if d["level"].as_u64().unwrap_or(0) > 1 {
                continue;
            }
            self.folders.insert(id.clone(), vec!["/".into()]);
            self.drives.push(DriveInfo { id, personal: d["kind"] == "personal" });
        }
        anyhow::ensure!(!self.drives.is_empty(), "no drives");
        Ok(())
    }

    fn pick_drive(&mut self) -> String {
        let personal = self.drives.iter().find(|d| d.personal).map(|d| d.id.clone());
        let team: Vec<&DriveInfo> = self.drives.iter().filter(|d| !d.personal).collect();
        match (personal, team.is_empty()) {
            (Some(p), true) => p,
            (Some(p), false) if self.rng.gen_bool(0.7) => p,
            _ => team.choose(&mut self.rng).map(|d| d.id.clone()).unwrap_or_else(|| self.drives[0].id.clone()),
        }
    }

    /// One request of the phase; whether it succeeded.
    async fn step(&mut self, phase: Phase, people: &[suveren_domain::Principal]) -> bool {
        match phase {
            Phase::List => {
                let drive = self.pick_drive();
                let folder = self.folders[&drive].choose(&mut self.rng).cloned().unwrap_or_else(|| "/".into());
                let r =
                    self.get(&format!("/api/v1/drives/{drive}/items")).query(&[("path", folder.as_str())]).send().await;
                let Ok(r) = r else { return false };
                if !r.status().is_success() {
                    return false;
                }
                let Ok(v) = r.json::<Value>().await else { return false };
                let known = self.folders.get_mut(&drive).expect("known drive");
                for c in v["children"].as_array().map(Vec::as_slice).unwrap_or_default() {
                    if c["dir"] == true && known.len() < 2000 {
                        if let Some(p) = c["path"].as_str() {
                            if !known.iter().any(|k| k == p) {
                                known.push(p.to_string());
                            }
                        }
                    }
                }
                true
            }
            Phase::Changes => {
                let drive = self.pick_drive();
                let since = self.since.get(&drive).cloned().unwrap_or_else(|| "0".into());
                let r = self
                    .get(&format!("/api/v1/drives/{drive}/changes"))
                    .query(&[("since", since.as_str())])
                    .send()
                    .await;
                let Ok(r) = r else { return false };
                if !r.status().is_success() {
                    return false;
                }
                let Ok(v) = r.json::<Value>().await else { return false };
                if let Some(next) = v["next"].as_str() {
                    self.since.insert(drive, next.to_string());
                }
                true
            }
            Phase::Search => {
                let target = people.choose(&mut self.rng).expect("people");
                let q = queries::prefix(&mut self.rng, target);
                let r = self.get("/api/v1/directory/search").query(&[("q", q.as_str())]).send().await;
                match r {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
            Phase::Upload => {
                let drive = self.drives.iter().find(|d| d.personal).map(|d| d.id.clone()).unwrap_or_default();
                self.uploads += 1;
                let path = format!("{}/c{}-{}.bin", self.upload_dir, self.n, self.uploads);
                self.rng.fill_bytes(&mut self.body[..16]);
                let r = self
                    .http
                    .put(format!("{}/api/v1/drives/{drive}/content", self.base))
                    .header(reqwest::header::COOKIE, &self.cookie)
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .query(&[("path", path.as_str())])
                    .body(self.body.clone())
                    .send()
                    .await;
                match r {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        }
    }
}

struct PhaseResult {
    samples: Samples,
    failed: usize,
    wall: Duration,
    server_cores: f64,
    backend_cores: f64,
    bench_cores: f64,
    /// Everything else on the machine (other sessions' builds and tests).
    other_cores: f64,
    load: String,
}

async fn run_phase(
    clients: Vec<Client>,
    phase: Phase,
    secs: u64,
    people: std::sync::Arc<Vec<suveren_domain::Principal>>,
    pid: Option<u32>,
    backend: &[u32],
) -> (Vec<Client>, PhaseResult) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let srv0 = pid.map(|p| tree_cpu(&[p])).unwrap_or_default();
    let be0 = tree_cpu(backend);
    let me0 = stats::cpu_time();
    let all0 = machine_busy();
    let mut tasks = Vec::new();
    for mut c in clients {
        let people = people.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failed = 0usize;
            while Instant::now() < deadline {
                let t = Instant::now();
                let ok = c.step(phase, &people).await;
                lat.push(t.elapsed());
                failed += usize::from(!ok);
            }
            (c, lat, failed)
        }));
    }
    let mut back = Vec::new();
    let mut samples = Samples::default();
    let mut failed = 0;
    for t in tasks {
        let (c, lat, f) = t.await.expect("client task");
        back.push(c);
        for d in lat {
            samples.push(d);
        }
        failed += f;
    }
    let wall = started.elapsed();
    let cores = |a: Duration, b: Duration| (b.saturating_sub(a)).as_secs_f64() / wall.as_secs_f64().max(1e-9);
    let server_cores = pid.map(|p| cores(srv0, tree_cpu(&[p]))).unwrap_or(0.0);
    let backend_cores = if backend.is_empty() { 0.0 } else { cores(be0, tree_cpu(backend)) };
    let bench_cores = cores(me0, stats::cpu_time());
    let all = cores(all0, machine_busy());
    let res = PhaseResult {
        samples,
        failed,
        wall,
        server_cores,
        backend_cores,
        bench_cores,
        other_cores: (all - server_cores - backend_cores - bench_cores).max(0.0),
        load: stats::loadavg(),
    };
    back.sort_by_key(|c| c.n);
    (back, res)
}

pub async fn run(a: LoadArgs) -> anyhow::Result<()> {
    println!("# suveren-bench scale load: {} at {}", a.backend, a.url);
    println!("machine: {}", stats::machine());
    let base = a.url.trim_end_matches('/').to_string();
    let started = Instant::now();
    let probe = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    loop {
        if let Ok(r) = probe.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(600), "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready_after = started.elapsed();
    println!("ready after {:.1} s", ready_after.as_secs_f64());

    let s = synth::generate(a.principals, a.seed);
    let mut rng = StdRng::seed_from_u64(a.seed ^ 0x10ad);
    let (emp, pup, _) = s.actors();
    let tag: String = a.backend.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut clients = Vec::new();
    let mut chosen = std::collections::HashSet::new();
    let mut pupils = 0;
    while clients.len() < a.clients {
        let idx = if rng.gen_bool(0.6) {
            *emp.choose(&mut rng).expect("employees")
        } else {
            *pup.choose(&mut rng).expect("pupils")
        };
        if !chosen.insert(idx) {
            continue;
        }
        pupils += usize::from(s.principals[idx].kind == PrincipalKind::Pupil);
        let mut body = vec![0u8; 4096];
        rng.fill_bytes(&mut body);
        clients.push((
            s.principals[idx].login.clone(),
            Client {
                n: clients.len(),
                http: reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?,
                base: base.clone(),
                cookie: String::new(),
                drives: Vec::new(),
                folders: HashMap::new(),
                since: HashMap::new(),
                rng: StdRng::seed_from_u64(rng.gen()),
                upload_dir: format!("/Skalering {tag} {}", now_secs()),
                uploads: 0,
                body,
            },
        ));
    }
    println!("{} clients: {} employees, {} pupils", clients.len(), clients.len() - pupils, pupils);

    // The search index catches up from the change feed after a start; a
    // file search waits for it, so the phases below do not share the CPU
    // with indexing.
    let (first_login, first) = &mut clients[0];
    first.sign_in(first_login, &a.password).await?;
    let t = Instant::now();
    let long = reqwest::Client::builder().timeout(Duration::from_secs(7200)).build()?;
    let r = long
        .get(format!("{base}/api/v1/search/files"))
        .header(reqwest::header::COOKIE, &first.cookie)
        .query(&[("q", "mal")])
        .send()
        .await?;
    let index_status = r.status().as_u16();
    let index_wait = t.elapsed();
    if index_status != 200 {
        println!("file search answered {index_status} after {:.1} s", index_wait.as_secs_f64());
    }
    let index_ready = ready_after + index_wait;
    println!("search index caught up {:.1} s after ready", index_wait.as_secs_f64());

    // Sign-in of every client at once (Argon2id: CPU-bound by design).
    let mut tasks = Vec::new();
    for (login, mut c) in clients {
        let pw = a.password.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = c.sign_in(&login, &pw).await;
            let took = t.elapsed();
            r.and(c.load_drives().await).map(|_| (c, took))
        }));
    }
    let mut signin = Samples::default();
    let mut clients = Vec::new();
    for t in tasks {
        let (c, took) = t.await??;
        signin.push(took);
        clients.push(c);
    }
    clients.sort_by_key(|c| c.n);
    for c in &clients {
        let drive = c.drives.iter().find(|d| d.personal).map(|d| d.id.clone()).unwrap_or_default();
        let r = c
            .http
            .post(format!("{base}/api/v1/drives/{drive}/folders"))
            .header(reqwest::header::COOKIE, &c.cookie)
            .json(&json!({"path": c.upload_dir}))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success() || r.status() == 409, "upload folder: {}", r.status());
    }
    println!("signed in: p50 {} ms, p99 {} ms", ms(signin.pct_us(50.0)), ms(signin.pct_us(99.0)));

    let people = std::sync::Arc::new(s.principals.clone());
    let mut out = json!({
        "backend": a.backend,
        "clients": a.clients,
        "phase_secs": a.phase_secs,
        "ready_s": (ready_after.as_secs_f64() * 10.0).round() / 10.0,
        "index_ready_s": (index_ready.as_secs_f64() * 10.0).round() / 10.0,
        "index_status": index_status,
        "signin": {"p50_p99": format!("{} / {}", ms(signin.pct_us(50.0)), ms(signin.pct_us(99.0)))},
        "machine": stats::machine(),
    });
    let mut failed = 0;
    let mut server_cores = Vec::new();
    let mut backend_cores = Vec::new();
    let mut other_cores = Vec::new();
    let mut bench_cores = Vec::new();
    println!();
    println!(
        "| phase | requests | per s | p50 ms | p99 ms | max ms | failed | server cores | backend cores | bench cores | other cores | load after |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for phase in [Phase::List, Phase::Changes, Phase::Search, Phase::Upload] {
        let (back, r) = run_phase(clients, phase, a.phase_secs, people.clone(), a.pid, &a.backend_pids).await;
        clients = back;
        let rate = r.samples.len() as f64 / r.wall.as_secs_f64();
        let (p50, p99) = (r.samples.pct_us(50.0), r.samples.pct_us(99.0));
        println!(
            "| {} | {} | {:.1} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            phase.key(),
            r.samples.len(),
            rate,
            ms(p50),
            ms(p99),
            ms(r.samples.max_us()),
            r.failed,
            r.server_cores,
            r.backend_cores,
            r.bench_cores,
            r.other_cores,
            r.load
        );
        failed += r.failed;
        server_cores.push(format!("{:.2}", r.server_cores));
        backend_cores.push(format!("{:.2}", r.backend_cores));
        other_cores.push(format!("{:.2}", r.other_cores));
        bench_cores.push(format!("{:.2}", r.bench_cores));
        out[phase.key()] = json!({
            "n": r.samples.len(),
            "rate": (rate * 10.0).round() / 10.0,
            "p50_ms": p50 / 1000.0,
            "p99_ms": p99 / 1000.0,
            "max_ms": r.samples.max_us() / 1000.0,
            "p50_p99": format!("{} / {}", ms(p50), ms(p99)),
            "failed": r.failed,
            "server_cores": r.server_cores,
            "backend_cores": r.backend_cores,
            "bench_cores": r.bench_cores,
            "other_cores": r.other_cores,
            "load_after": r.load,
        });
    }
    // Every upload is a change the search index catches up on; a file
    // search waits for that (up to the server's request timeout).
    let uploads: u64 = clients.iter().map(|c| c.uploads).sum();
    let t = Instant::now();
    let r = long
        .get(format!("{base}/api/v1/search/files"))
        .header(reqwest::header::COOKIE, &clients[0].cookie)
        .query(&[("q", "c0")])
        .send()
        .await;
    let after = t.elapsed().as_secs_f64();
    let status = r.map(|r| r.status().as_u16()).unwrap_or(0);
    println!("file search after the {uploads} uploads: {status} after {after:.1} s");
    out["search_after_uploads"] =
        json!({"uploads": uploads, "status": status, "seconds": (after * 10.0).round() / 10.0});
    out["search_after_uploads_text"] = json!(format!("{status} after {after:.1} s ({uploads} changes)"));
    out["failed"] = json!(failed);
    out["server_cores"] = json!(server_cores.join(" / "));
    out["backend_cores"] = json!(backend_cores.join(" / "));
    out["other_cores"] = json!(other_cores.join(" / "));
    out["bench_cores_text"] = json!(bench_cores.join(" / "));
    if let Some(pid) = a.pid {
        let rss = status_kib(pid, "VmRSS").unwrap_or(0) as f64 / 1024.0;
        let hwm = status_kib(pid, "VmHWM").unwrap_or(0) as f64 / 1024.0;
        println!();
        println!("server memory after the load: VmRSS {rss:.0} MiB, VmHWM {hwm:.0} MiB");
        out["memory"] = json!(format!("{rss:.0} / {hwm:.0}"));
        out["rss_mib"] = json!(rss);
        out["hwm_mib"] = json!(hwm);
    }
    let known: usize = clients.iter().map(|c| c.folders.values().map(Vec::len).sum::<usize>()).sum();
    println!("folders discovered by the clients: {known}");
    out["folders_discovered"] = json!(known);
    if let Some(p) = &a.out {
        std::fs::write(p, serde_json::to_string_pretty(&out)?)?;
    }
    Ok(())
}

fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

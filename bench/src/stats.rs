//! Percentiles, memory readings and a description of the machine.

use std::time::Duration;

/// Latency samples in nanoseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    ns: Vec<u64>,
}

impl Samples {
    pub fn with_capacity(n: usize) -> Self {
        Samples { ns: Vec::with_capacity(n) }
    }

    pub fn push(&mut self, d: Duration) {
        self.ns.push(d.as_nanos().min(u128::from(u64::MAX)) as u64);
    }

    pub fn len(&self) -> usize {
        self.ns.len()
    }

    fn sorted(&self) -> Vec<u64> {
        let mut v = self.ns.clone();
        v.sort_unstable();
        v
    }

    /// Nearest-rank percentile in microseconds.
    pub fn pct_us(&self, p: f64) -> f64 {
        let v = self.sorted();
        if v.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
        v[rank.min(v.len()) - 1] as f64 / 1000.0
    }

    pub fn max_us(&self) -> f64 {
        self.ns.iter().copied().max().map_or(f64::NAN, |m| m as f64 / 1000.0)
    }

    pub fn mean_us(&self) -> f64 {
        if self.ns.is_empty() {
            return f64::NAN;
        }
        self.ns.iter().map(|&n| n as f64).sum::<f64>() / self.ns.len() as f64 / 1000.0
    }

    /// `n | p50 | p99 | max` in µs, as markdown table cells.
    pub fn cells(&self) -> String {
        format!("{} | {:.0} | {:.0} | {:.0}", self.len(), self.pct_us(50.0), self.pct_us(99.0), self.max_us())
    }
}

/// A field of /proc/self/status in KiB (`VmRSS`, `VmHWM`).
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.strip_prefix(':')))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

pub fn rss_mib() -> f64 {
    proc_status_kib("VmRSS").unwrap_or(0) as f64 / 1024.0
}

pub fn hwm_mib() -> f64 {
    proc_status_kib("VmHWM").unwrap_or(0) as f64 / 1024.0
}

fn run(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The machine, as the benchmark report states it.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name").map(|r| r.trim_start_matches([' ', '\t', ':']).to_string()))
        })
        .unwrap_or_else(|| "unknown".into());
    let mem = run("free", &["-h"])
        .lines()
        .nth(1)
        .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "cpu: {cpu}; nproc: {}; memory: {mem}; kernel: {}; rustc: {}; load at start: {}",
        run("nproc", &[]),
        run("uname", &["-r"]),
        run("rustc", &["--version"]),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// CPU time (user + system) of this process so far, all threads.
pub fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_string();
            let f: Vec<&str> = rest.split_whitespace().collect();
            // After the command: state is field 3, utime 14 and stime 15.
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    let hz: u64 = run("getconf", &["CLK_TCK"]).parse().unwrap_or(100);
    Duration::from_millis(ticks * 1000 / hz.max(1))
}

/// Cores' worth of CPU this process got over `wall`, from two `cpu_time` readings.
pub fn cores_used(before: Duration, after: Duration, wall: Duration) -> f64 {
    (after.saturating_sub(before)).as_secs_f64() / wall.as_secs_f64().max(1e-9)
}

//! Starting the real binary for black-box tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_suveren");

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(data: &Path, listen: &str) -> Server {
    start_with(data, listen, &["--demo"])
}

/// `suveren serve` with `extra` arguments (none: an existing installation).
pub fn start_with(data: &Path, listen: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(extra)
        .args(["--listen", listen, "--data"])
        .arg(data)
        .env("SUVEREN_LOG_LEVEL", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        assert!(Instant::now() < deadline, "server did not start");
        let line = lines.next().expect("server exited early").unwrap();
        if let Some(u) = line.strip_prefix("Suveren listening on ") {
            break u.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

pub fn password(data: &Path, login: &str) -> String {
    std::fs::read_to_string(data.join("demo-credentials.tsv"))
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>())
        .find(|r| r[0] == login)
        .unwrap()[1]
        .clone()
}

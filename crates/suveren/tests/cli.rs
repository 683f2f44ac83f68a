//! Black-box tests of the real `suveren` binary: configuration errors, the
//! demo seeded once, administration through the CLI, and audit export and
//! verification catching tampering.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_suveren");

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("SUVEREN_LOG_LEVEL", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        assert!(Instant::now() < deadline, "server did not start");
        let line = lines.next().expect("server exited early").unwrap();
        if line.starts_with("Demo installation") {
            banner = line.clone();
        }
        if let Some(u) = line.strip_prefix("Suveren listening on ") {
            break u.trim().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Server { child, url }, banner)
}

fn creds(data: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(data.join("demo-credentials.tsv"))
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn account(data: &Path, login: &str) -> (String, String) {
    let row = creds(data).into_iter().find(|r| r[0] == login).unwrap();
    (row[1].clone(), row[4].clone())
}

fn totp_now(secret: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    suveren_identity::totp::code_at(secret, now).unwrap()
}

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("HOME", home).env_remove("SUVEREN_TOKEN").output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn config_check_reports_every_error_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(&f, "listen = \"nowhere\"\ncolour = \"blue\"\n[session]\nidle_minutes = -3\n").unwrap();
    let o = Command::new(BIN).args(["config", "check", "--config"]).arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for key in ["`listen`", "`colour`", "`session.idle_minutes`"] {
        assert!(err.contains(key), "{key} missing from:\n{err}");
    }
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "listen = \"127.0.0.1:9000\"\n").unwrap();
    let o = Command::new(BIN)
        .args(["config", "check", "--config"])
        .arg(&good)
        .env("SUVEREN_LISTEN", "127.0.0.1:9100")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("127.0.0.1:9100"), "environment overrides the file");
}

#[test]
fn demo_admin_cli_and_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();

    // First start seeds; the credentials file is private.
    let (server, banner) = start(&data);
    assert!(banner.contains("demo-credentials.tsv"), "{banner}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join("demo-credentials.tsv")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let first = creds(&data);
    assert!(first.len() > 80, "about 40 generated people per municipality");
    let url = server.url.clone();

    // Tenant administration through the API, as anna with her second factor.
    let (pw, secret) = account(&data, "anna.admin@nordvik.test");
    ok(&run(
        &home,
        &[
            "admin",
            "--server",
            &url,
            "--login",
            "anna.admin@nordvik.test",
            "login",
            "--password",
            &pw,
            "--totp",
            &totp_now(&secret),
        ],
    ));
    let groups = ok(&run(&home, &["admin", "--server", &url, "groups", "create", "nordvik", "skoleledere", "--json"]));
    assert!(groups.contains("\"name\":\"skoleledere\""), "{groups}");
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "login,name,email,kind,org_unit,groups\n\
         nina.ny,Nina Ny,nina.ny@nordvik.test,employee,Skole/Nordvik skole,skoleledere\n\
         ole.ny,Ole Ny,,pupil,Skole/Nordvik skole/10C,\n",
    )
    .unwrap();
    let dry = ok(&run(
        &home,
        &["admin", "--server", &url, "import", "nordvik", csv.to_str().unwrap(), "--dry-run", "--json"],
    ));
    let dry: serde_json::Value = serde_json::from_str(&dry).unwrap();
    assert_eq!(dry["created"], 2, "{dry}");
    assert_eq!(dry["org_units_created"], serde_json::json!(["Skole/Nordvik skole/10C"]));
    let list =
        ok(&run(&home, &["admin", "--server", &url, "principals", "list", "nordvik", "--limit", "1000", "--json"]));
    assert!(!list.contains("nina.ny@nordvik.test"), "a dry run writes nothing");
    let real = ok(&run(&home, &["admin", "--server", &url, "import", "nordvik", csv.to_str().unwrap(), "--json"]));
    assert!(real.contains("\"created\":2"), "{real}");
    let list =
        ok(&run(&home, &["admin", "--server", &url, "principals", "list", "nordvik", "--limit", "1000", "--json"]));
    assert!(list.contains("nina.ny@nordvik.test") && list.contains("ole.ny@nordvik.test"));
    // A bad row refuses the whole file.
    std::fs::write(
        &csv,
        "login,name,email,kind,org_unit,groups\nvera.ny,Vera Ny,,teacher,,\nkai.ny,Kai Ny,,employee,,\n",
    )
    .unwrap();
    let bad = run(&home, &["admin", "--server", &url, "import", "nordvik", csv.to_str().unwrap()]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("line 2"), "{}", String::from_utf8_lossy(&bad.stderr));
    let list =
        ok(&run(&home, &["admin", "--server", &url, "principals", "list", "nordvik", "--limit", "1000", "--json"]));
    assert!(!list.contains("kai.ny@nordvik.test"), "nothing of a refused file is written");

    // The operator cannot read nordvik's directory (it looks absent).
    let home2 = dir.path().join("home2");
    std::fs::create_dir_all(&home2).unwrap();
    let (opw, osecret) = account(&data, "operator");
    ok(&run(
        &home2,
        &["admin", "--server", &url, "--login", "operator", "login", "--password", &opw, "--totp", &totp_now(&osecret)],
    ));
    let tenants = ok(&run(&home2, &["admin", "--server", &url, "tenants", "list", "--json"]));
    assert!(tenants.contains("\"nordvik\"") && tenants.contains("\"principals\""));
    let refused = run(&home2, &["admin", "--server", &url, "principals", "list", "nordvik"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("404"));

    // Export straight from the data folder while the server runs, verify.
    let export = dir.path().join("nordvik.jsonl");
    ok(&run(
        &home,
        &[
            "audit",
            "export",
            "--data",
            data.to_str().unwrap(),
            "--tenant",
            "nordvik",
            "--out",
            export.to_str().unwrap(),
        ],
    ));
    let verified = ok(&run(&home, &["audit", "verify", export.to_str().unwrap()]));
    assert!(verified.starts_with("OK"), "{verified}");
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(text.contains("\"action\":\"directory.import\""), "the import is in the chain");
    assert!(
        text.lines().any(|l| l.contains("\"actor\":\"operator\"") && l.contains("\"decision\":\"deny\"")),
        "the operator's refused attempt is in nordvik's own chain"
    );
    let lines: Vec<&str> = text.lines().collect();
    let records: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains("\"type\":\"record\"")).collect();
    assert!(records.len() > 20);
    let tamper = |name: &str, new: Vec<String>| -> (bool, String) {
        let p = dir.path().join(name);
        std::fs::write(&p, new.join("\n") + "\n").unwrap();
        let o = run(&home, &["audit", "verify", p.to_str().unwrap()]);
        (o.status.success(), String::from_utf8_lossy(&o.stderr).to_string())
    };
    let owned: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    // Edited: another actor on record 5.
    let mut edited = owned.clone();
    let i = records[4];
    let rec: serde_json::Value = serde_json::from_str(&edited[i]).unwrap();
    edited[i] =
        edited[i].replacen(&format!("\"actor\":\"{}\"", rec["actor"].as_str().unwrap()), "\"actor\":\"mallory\"", 1);
    let (good, err) = tamper("edited.jsonl", edited);
    assert!(!good && err.contains("seq 5"), "{err}");
    // Removed: record 7 gone.
    let mut removed = owned.clone();
    removed.remove(records[6]);
    let (good, err) = tamper("removed.jsonl", removed);
    assert!(!good && err.contains("seq"), "{err}");
    // Reordered: records 9 and 10 swapped.
    let mut swapped = owned.clone();
    swapped.swap(records[8], records[9]);
    let (good, err) = tamper("swapped.jsonl", swapped);
    assert!(!good && err.contains("seq"), "{err}");
    // Truncated: the last record and the closing checkpoint dropped.
    let truncated: Vec<String> = owned[..owned.len() - 2].to_vec();
    let (good, _) = tamper("truncated.jsonl", truncated);
    assert!(!good);

    // A restart does not seed again: the same credentials stay valid.
    drop(server);
    let (server2, banner2) = start(&data);
    assert!(banner2.contains("already present"), "{banner2}");
    assert_eq!(creds(&data), first);
    let (lpw, _) = account(&data, "lars.laerer@nordvik.test");
    ok(&run(
        &home2,
        &["admin", "--server", &server2.url, "--login", "lars.laerer@nordvik.test", "login", "--password", &lpw],
    ));
    let found = ok(&run(&home2, &["admin", "--server", &server2.url, "search", "erik.ansatt", "--json"]));
    assert!(found.contains("erik.ansatt@sorvik.test"), "{found}");
}

#[test]
fn lockbox_cli_request_review_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (server, _) = start(&data);
    let url = server.url.clone();
    let homes: Vec<_> = ["op", "oda"].iter().map(|h| dir.path().join(h)).collect();
    for (home, login) in homes.iter().zip(["operator", "oda.godkjenner@nordvik.test"]) {
        std::fs::create_dir_all(home).unwrap();
        let (pw, secret) = account(&data, login);
        ok(&run(
            home,
            &["admin", "--server", &url, "--login", login, "login", "--password", &pw, "--totp", &totp_now(&secret)],
        ));
    }
    let (op, oda) = (&homes[0], &homes[1]);
    let lb = |home: &Path, args: &[&str]| {
        let mut all = vec!["lockbox", "--server", url.as_str()];
        all.extend_from_slice(args);
        run(home, &all)
    };
    let filed = ok(&lb(
        op,
        &[
            "request",
            "--tenant",
            "nordvik",
            "--drive-of",
            "siri.saksbehandler@nordvik.test",
            "--reason",
            "Support case: notes will not open",
            "--case-ref",
            "SAK-7",
            "--minutes",
            "30",
            "--json",
        ],
    ));
    let filed: serde_json::Value = serde_json::from_str(&filed).unwrap();
    let id = filed["id"].as_str().unwrap().to_string();
    assert_eq!(filed["status"], "pending");
    assert_eq!(filed["actions"], serde_json::json!(["list", "read"]));
    // The approver's queue, in plain words.
    let queue = ok(&lb(oda, &["list"]));
    assert!(
        queue.contains(&id) && queue.contains("pending") && queue.contains("the personal files of siri"),
        "{queue}"
    );
    let approved = ok(&lb(oda, &["approve", &id, "--note", "Checked against SAK-7", "--json"]));
    assert!(approved.contains("\"status\": \"active\""), "{approved}");
    let mine = ok(&lb(op, &["show", &id]));
    assert!(mine.contains("active") && mine.contains("until"), "{mine}");
    ok(&lb(oda, &["revoke", &id, "--note", "Case closed"]));
    // A second decision on a closed request fails with the reason.
    let again = lb(oda, &["approve", &id, "--note", "again"]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("revoked and can no longer be decided"), "{err}");
    // Scopes are checked: a login of another tenant is refused.
    let bad = lb(
        op,
        &["request", "--tenant", "nordvik", "--drive-of", "sara.elev@sorvik.test", "--reason", "x", "--case-ref", "y"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a principal of Nordvik kommune"));
}

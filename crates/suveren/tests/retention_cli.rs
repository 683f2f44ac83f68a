//! Legal holds and erasure through the real binary: `suveren admin holds …`
//! and `suveren admin principals erase` against a demo server.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const ANNA: &str = "anna.admin@nordvik.test";
const PER: &str = "per.elev@nordvik.test";

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(common::BIN).args(args).env("HOME", home).env_remove("SUVEREN_TOKEN").output().unwrap()
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

fn json(o: &Output) -> Value {
    serde_json::from_str(&ok(o)).expect("--json prints JSON")
}

#[test]
fn an_admin_holds_a_pupils_files_and_erasure_keeps_them_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = common::start(&data, "127.0.0.1:0");
    let url = server.url.clone();
    let home = dir.path().join("anna");
    std::fs::create_dir_all(&home).unwrap();
    let tsv = std::fs::read_to_string(data.join("demo-credentials.tsv")).unwrap();
    let row: Vec<&str> = tsv.lines().map(|l| l.split('\t').collect::<Vec<_>>()).find(|r| r[0] == ANNA).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let totp = suveren_identity::totp::code_at(row[4], now).unwrap();
    ok(&run(&home, &["admin", "--server", &url, "--login", ANNA, "login", "--password", row[1], "--totp", &totp]));
    let admin = |args: &[&str]| {
        let mut all = vec!["admin", "--server", url.as_str()];
        all.extend_from_slice(args);
        run(&home, &all)
    };

    // A hold on everything of Per's, for a case.
    let hold = json(&admin(&[
        "holds",
        "create",
        "nordvik",
        "--principal",
        PER,
        "--reason",
        "Klagesak om mobbing",
        "--case-ref",
        "K-2026-4",
        "--json",
    ]));
    let id = hold["id"].as_str().unwrap().to_string();
    let list = json(&admin(&["holds", "list", "nordvik", "--json"]));
    assert_eq!(list["holds"][0]["case_ref"], "K-2026-4");
    // Neither a principal nor a drive: refused before anything is sent.
    let bad = admin(&["holds", "create", "nordvik", "--reason", "r", "--case-ref", "c"]);
    assert!(!bad.status.success());

    // The dry run counts his essay as kept under the hold, and changes
    // nothing. File names are content: without a lockbox grant the
    // administrator gets a count per drive and the reason, not the name.
    let dry = json(&admin(&["principals", "erase", PER, "--tenant", "nordvik", "--dry-run", "--json"]));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["kept"].as_array().map(Vec::len), Some(0), "{dry}");
    let counted = dry["kept_counts"].as_array().unwrap();
    assert_eq!(counted.len(), 1, "{dry}");
    assert_eq!((counted[0]["files"].as_u64(), counted[0]["hold"].as_str()), (Some(1), Some(id.as_str())));
    assert_eq!(counted[0]["case_ref"], "K-2026-4");
    assert!(!dry.to_string().contains("Stil"), "no file name: {dry}");

    // The erasure for real, in words a person reads.
    let human = ok(&admin(&["principals", "erase", PER, "--tenant", "nordvik"]));
    assert!(human.starts_with("erased per.elev@nordvik.test: 0 files"), "{human}");
    assert!(human.contains("kept: 1 file (") && human.contains("Under legal hold (case K-2026-4) since"), "{human}");
    assert!(!human.contains("Stil"), "no file name: {human}");
    assert!(human.contains("note: The audit log is kept"), "{human}");
    // He is gone: a second erasure finds nobody.
    let again = admin(&["principals", "erase", PER, "--tenant", "nordvik"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("404"), "{}", String::from_utf8_lossy(&again.stderr));

    // Releasing the hold, then releasing it again: the second is refused.
    let released = json(&admin(&["holds", "release", "nordvik", &id, "--note", "Saken er avsluttet", "--json"]));
    assert_eq!(released["released"]["by"], ANNA);
    let twice = admin(&["holds", "release", "nordvik", &id, "--note", "igjen"]);
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("released"), "{}", String::from_utf8_lossy(&twice.stderr));
}

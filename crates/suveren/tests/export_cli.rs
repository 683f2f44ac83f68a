//! The GDPR export through the real binary: `suveren admin me export` and
//! `suveren admin principals export` against a demo server.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

const SIRI: &str = "siri.saksbehandler@nordvik.test";
const ANNA: &str = "anna.admin@nordvik.test";

fn account(data: &Path, login: &str) -> (String, String) {
    let tsv = std::fs::read_to_string(data.join("demo-credentials.tsv")).unwrap();
    let row: Vec<String> =
        tsv.lines().map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>()).find(|r| r[0] == login).unwrap();
    (row[1].clone(), row[4].clone())
}

fn totp_now(secret: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    suveren_identity::totp::code_at(secret, now).unwrap()
}

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

fn sign_in(home: &Path, url: &str, data: &Path, login: &str) {
    std::fs::create_dir_all(home).unwrap();
    let (pw, secret) = account(data, login);
    ok(&run(
        home,
        &["admin", "--server", url, "--login", login, "login", "--password", &pw, "--totp", &totp_now(&secret)],
    ));
}

#[test]
fn the_cli_writes_a_private_archive_and_reports_what_was_withheld() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = common::start(&data, "127.0.0.1:0");
    let url = server.url.clone();

    // Siri exports herself.
    let home = dir.path().join("siri");
    sign_in(&home, &url, &data, SIRI);
    let out = dir.path().join("siri.zip");
    let v: Value = serde_json::from_str(&ok(&run(
        &home,
        &["admin", "--server", &url, "me", "export", "--out", out.to_str().unwrap(), "--json"],
    )))
    .expect("--json prints JSON");
    assert_eq!(v["principal"], SIRI);
    assert_eq!(v["summary"]["files_included"], 3, "{v}");
    assert_eq!(v["files_withheld"].as_array().unwrap().len(), 0);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600, "personal data: owner only");
    assert!(!out.with_extension("zip.part").exists());
    assert_eq!(v["bytes"], std::fs::metadata(&out).unwrap().len());

    // The archive is what the manifest says it is.
    let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut text = String::new();
    z.by_name("manifest.json").unwrap().read_to_string(&mut text).unwrap();
    let m: Value = serde_json::from_str(&text).unwrap();
    for f in m["files"].as_array().unwrap() {
        let mut bytes = Vec::new();
        z.by_name(f["path"].as_str().unwrap()).unwrap().read_to_end(&mut bytes).unwrap();
        assert_eq!(f["sha256"], hex(&Sha256::digest(&bytes)), "{f}");
    }
    let mut notes = String::new();
    z.by_name("files/personal/Notater.txt").unwrap().read_to_string(&mut notes).unwrap();
    assert_eq!(notes, "Husk veiledning torsdag.\n");

    // Without --json: plain lines a person reads.
    let human = ok(&run(&home, &["admin", "--server", &url, "me", "export", "--out", out.to_str().unwrap()]));
    assert!(human.contains("3 files included, 0 withheld"), "{human}");

    // Her administrator, without a lockbox grant: the account, no content.
    let home = dir.path().join("anna");
    sign_in(&home, &url, &data, ANNA);
    let out = dir.path().join("anna.zip");
    let human = ok(&run(
        &home,
        &[
            "admin",
            "--server",
            &url,
            "principals",
            "export",
            SIRI,
            "--tenant",
            "nordvik",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    assert!(human.contains("0 files included"), "{human}");
    assert!(human.contains("not listed: \"Barnevern\" (2 files): lockbox:"), "{human}");

    // Another tenant's principal: refused like a missing one.
    let refused = run(
        &home,
        &[
            "admin",
            "--server",
            &url,
            "principals",
            "export",
            "sara.elev@sorvik.test",
            "--tenant",
            "sorvik",
            "--out",
            dir.path().join("x.zip").to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("404"), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(!dir.path().join("x.zip").exists() && !dir.path().join("x.zip.part").exists());
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

//! The key providers other than the master key file: a tenant-held
//! passphrase (Argon2id) and PKCS#11 against a real SoftHSM2 token.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use suveren_blob::{EncryptedBlobs, KeyProvider, LocalFolder, Passphrase, Pkcs11Config, Pkcs11Provider, TenantKek};

/// Cheap Argon2 parameters: the tests check the construction, not the cost.
fn pass(p: &str) -> Passphrase {
    Passphrase::with_params(p, 256, 1, 1)
}

#[tokio::test]
async fn passphrase_wraps_and_only_the_passphrase_unwraps() {
    let kek = TenantKek::generate("nordvik");
    let wrapped = pass("korrekt hest batteri stift").wrap_kek(&kek).await.unwrap();
    assert_eq!(wrapped.len(), suveren_blob::keys::PASSPHRASE_WRAPPED_LEN);
    // Fresh salt each time: two wraps of one KEK differ.
    assert_ne!(wrapped, pass("korrekt hest batteri stift").wrap_kek(&kek).await.unwrap());

    let back = pass("korrekt hest batteri stift").unwrap_kek("nordvik", &wrapped).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let blobs = EncryptedBlobs::new(Arc::new(LocalFolder::open(dir.path()).await.unwrap()));
    let mut src: &[u8] = b"barnevern";
    blobs.put(&kek, "n/p", &mut src).await.unwrap();
    assert_eq!(blobs.read_all(&back, "n/p").await.unwrap(), b"barnevern");

    assert!(pass("korrekt hest batteri stifT").unwrap_kek("nordvik", &wrapped).await.is_err());
    assert!(pass("korrekt hest batteri stift").unwrap_kek("sorvik", &wrapped).await.is_err());
    let mut bad = wrapped.clone();
    bad[20] ^= 1; // the salt
    assert!(pass("korrekt hest batteri stift").unwrap_kek("nordvik", &bad).await.is_err());
    // Parameters from a forged record are bounded before any work is done.
    let mut huge = wrapped.clone();
    huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(pass("korrekt hest batteri stift").unwrap_kek("nordvik", &huge).await.is_err());
}

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A fresh SoftHSM2 token in `dir`, configured through SOFTHSM2_CONF (set
/// before the module is loaded, once per process: this file has one HSM test).
fn softhsm_token(dir: &Path, label: &str, pin: &str) {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display()),
    )
    .unwrap();
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let out = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "5678"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util runs");
    assert!(out.status.success(), "softhsm2-util: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn pkcs11_wraps_with_a_key_that_stays_in_the_token() {
    if !Path::new(SOFTHSM).exists() {
        // CI must run this test: there a missing SoftHSM is a failure.
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("PKCS#11 test cannot run in CI: SoftHSM2 is not installed ({SOFTHSM})");
        }
        // Straight to stderr: the harness captures `eprintln!` of passing tests.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED PKCS#11 test: SoftHSM2 is not installed ({SOFTHSM}; apt-get install softhsm2) (set CI=1 to make this a failure)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    softhsm_token(dir.path(), "suveren-test", "1234");
    let cfg = Pkcs11Config {
        module: SOFTHSM.into(),
        token_label: "suveren-test".into(),
        pin: "1234".to_string().into(),
        key_label: "suveren-kek-wrap".into(),
    };
    assert!(!format!("{cfg:?}").contains("1234"), "the PIN is never printed");
    let hsm = tokio::task::spawn_blocking({
        let cfg = cfg.clone();
        move || Pkcs11Provider::open(&cfg)
    })
    .await
    .unwrap()
    .unwrap();

    let kek = TenantKek::generate("nordvik");
    let wrapped = hsm.wrap_kek(&kek).await.unwrap();
    let back = hsm.unwrap_kek("nordvik", &wrapped).await.unwrap();
    let blobs_dir = tempfile::tempdir().unwrap();
    let blobs = EncryptedBlobs::new(Arc::new(LocalFolder::open(blobs_dir.path()).await.unwrap()));
    let mut src: &[u8] = b"journal";
    blobs.put(&kek, "n/h", &mut src).await.unwrap();
    assert_eq!(blobs.read_all(&back, "n/h").await.unwrap(), b"journal");

    // Bound to the tenant, and authenticated.
    assert!(hsm.unwrap_kek("sorvik", &wrapped).await.is_err());
    let mut bad = wrapped.clone();
    bad[30] ^= 1;
    assert!(hsm.unwrap_kek("nordvik", &bad).await.is_err());

    // A second open finds the same key by label (it was created once, on
    // the token): what it wrapped before a restart unwraps after.
    let again = tokio::task::spawn_blocking(move || Pkcs11Provider::open(&cfg)).await.unwrap().unwrap();
    assert!(again.unwrap_kek("nordvik", &wrapped).await.is_ok());

    // A wrong PIN or token is a clear error, not a panic.
    let wrong = Pkcs11Config {
        module: SOFTHSM.into(),
        token_label: "no-such-token".into(),
        pin: "1234".to_string().into(),
        key_label: "k".into(),
    };
    let err = tokio::task::spawn_blocking(move || Pkcs11Provider::open(&wrong)).await.unwrap().unwrap_err();
    assert!(err.to_string().contains("no PKCS#11 token labelled"), "{err}");
}

//! The master key file and KEK wrapping: permissions enforced, tenants bound.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use suveren_blob::{Error, KeyProvider, MasterKeyFile, TenantKek};

#[test]
fn master_key_file_is_created_0600_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    MasterKeyFile::create(&path).unwrap();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), 32);
    assert!(MasterKeyFile::load(&path).is_ok());
    assert!(MasterKeyFile::create(&path).is_err(), "must never overwrite a key");
    assert!(MasterKeyFile::load_or_create(&path).is_ok());
    assert_eq!(fs::read(&path).unwrap().len(), 32);
}

#[test]
fn master_key_file_refused_when_others_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    MasterKeyFile::create(&path).unwrap();
    for mode in [0o644, 0o640, 0o604] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        assert!(
            matches!(
                MasterKeyFile::load(&path),
                Err(Error::InsecureKeyFile { mode: m, .. }) if m == mode
            ),
            "mode {mode:o} accepted"
        );
        assert!(MasterKeyFile::load_or_create(&path).is_err());
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    assert!(MasterKeyFile::load(&path).is_ok());
}

#[test]
fn malformed_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    fs::write(&path, [0u8; 33]).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    assert!(matches!(MasterKeyFile::load(&path), Err(Error::BadKeyFile(_))));
}

#[tokio::test]
async fn kek_wrapping_binds_the_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let master = MasterKeyFile::create(dir.path().join("m.key")).unwrap();
    let kek = TenantKek::generate("nordvik");
    let wrapped = master.wrap_kek(&kek).await.unwrap();
    assert!(format!("{kek:?}").contains("redacted"));
    let back = master.unwrap_kek("nordvik", &wrapped).await.unwrap();
    assert_eq!(back.tenant(), "nordvik");
    assert!(master.unwrap_kek("sorvik", &wrapped).await.is_err());

    let mut bad = wrapped.clone();
    bad[30] ^= 1;
    assert!(master.unwrap_kek("nordvik", &bad).await.is_err());
    assert!(master.unwrap_kek("nordvik", &wrapped[1..]).await.is_err());

    let other_master = MasterKeyFile::create(dir.path().join("m2.key")).unwrap();
    assert!(other_master.unwrap_kek("nordvik", &wrapped).await.is_err());
}

#[tokio::test]
async fn unwrapped_kek_reads_what_the_original_wrote() {
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let master = MasterKeyFile::create(dir.path().join("m.key")).unwrap();
    let store = suveren_blob::LocalFolder::open(dir.path().join("blobs")).await.unwrap();
    let blobs = suveren_blob::EncryptedBlobs::new(Arc::new(store));
    let kek = TenantKek::generate("nordvik");
    let wrapped = master.wrap_kek(&kek).await.unwrap();
    let mut src: &[u8] = b"hello, crypto-shredding";
    blobs.put(&kek, "n/x", &mut src).await.unwrap();
    drop(kek);
    let again = master.unwrap_kek("nordvik", &wrapped).await.unwrap();
    assert_eq!(blobs.read_all(&again, "n/x").await.unwrap(), b"hello, crypto-shredding");
}

//! The backend suite (`suite/`) on S3: on moto always (skipped when moto is
//! not installed, unless `SUVEREN_TEST_REQUIRE_S3=1`), and on Garage when
//! `SUVEREN_TEST_GARAGE` names its binary; then what only S3 has: multipart
//! uploads, the layout in the bucket, staged appends seen by a second
//! process, and `open`'s checks.

mod common;
#[macro_use]
mod suite;

/// The S3-only tests below, each on a fresh environment from `$make`.
macro_rules! s3_only {
    ($make:path => $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(env) = $make().await else { return };
                crate::specific::$name(&env).await;
            }
        )*
    };
}

macro_rules! s3_tests {
    ($make:path) => {
        blob_suite!($make);
        mod specific {
            s3_only!($make =>
                forty_mebibytes_in_parts_round_trip_by_range,
                encrypted_over_s3_stores_only_ciphertext,
                layout_in_the_bucket,
                a_second_process_sees_the_same_upload,
                stray_and_orphaned_pieces_are_ignored_and_removed,
                prefixes_keep_installations_apart,
                a_cancelled_large_put_leaves_nothing_visible,
                open_names_the_endpoint_and_bucket,
            );
        }
    };
}

mod moto {
    s3_tests!(crate::common::s3::moto_env);
}

mod garage {
    s3_tests!(crate::common::s3::garage_env);
}

mod specific {
    use std::sync::Arc;
    use std::time::Duration;

    use object_store::path::Path;
    use object_store::{ObjectStoreExt, PutPayload};
    use sha2::{Digest, Sha256};
    use suveren_blob::{BlobStore, EncryptedBlobs, Error, S3Blobs};
    use tokio::io::AsyncReadExt;

    use crate::common::*;

    const MIB: usize = 1024 * 1024;

    fn backend(env: &Env) -> (&suveren_blob::S3Config, &Arc<s3::Server>) {
        match &env.backend {
            Backend::S3 { config, server } => (config, server),
            Backend::Local { .. } => panic!("an S3 test ran on a local folder"),
        }
    }

    fn prefix(env: &Env) -> String {
        backend(env).0.prefix.clone().expect("test stores have a prefix")
    }

    async fn read(store: &dyn BlobStore, key: &str, offset: u64, len: Option<u64>) -> Vec<u8> {
        let mut out = Vec::new();
        store.read_range(key, offset, len).await.unwrap().read_to_end(&mut out).await.unwrap();
        out
    }

    /// 40 MiB and a bit: five 8 MiB parts and a short one, read back whole
    /// and by ranges across the part boundaries, byte for byte.
    pub async fn forty_mebibytes_in_parts_round_trip_by_range(env: &Env) {
        let len = 40 * MIB + 12_345;
        let mut src = Generator::new(len as u64);
        assert_eq!(env.store.put("big/raw", &mut src).await.unwrap(), len as u64);
        assert_eq!(env.store.size("big/raw").await.unwrap(), len as u64);
        let whole = read(env.store.as_ref(), "big/raw", 0, None).await;
        assert!(whole == Generator::slice(0, len), "the whole object differs");
        for (offset, n) in
            [(0, 100), (8 * MIB - 50, 100), (16 * MIB + 7, MIB + 3), (24 * MIB - 1, 8 * MIB + 2), (len - 10, 10)]
        {
            let got = read(env.store.as_ref(), "big/raw", offset as u64, Some(n as u64)).await;
            assert!(got == Generator::slice(offset as u64, n), "range {offset}+{n} differs");
        }
        // Past the end: short, then empty.
        assert_eq!(read(env.store.as_ref(), "big/raw", (len - 3) as u64, Some(100)).await.len(), 3);
        assert!(read(env.store.as_ref(), "big/raw", len as u64, None).await.is_empty());

        // The same through the encryption layer.
        let mut src = Generator::new(len as u64);
        let info = env.blobs.put(&env.kek, "big/enc", &mut src).await.unwrap();
        assert_eq!(info.size, len as u64);
        assert_eq!(info.sha256, <[u8; 32]>::from(Sha256::digest(&whole)));
        for (offset, n) in [(0, 10), (8 * MIB - 3, 70_000), (33 * MIB + 1, 2 * MIB), (len - 1, 1)] {
            let got = read_range(env, &env.kek, "big/enc", offset as u64, n as u64).await.unwrap();
            assert!(got == whole[offset..offset + n], "decrypted range {offset}+{n} differs");
        }
    }

    /// The object in the bucket, fetched without `S3Blobs`, is ciphertext.
    pub async fn encrypted_over_s3_stores_only_ciphertext(env: &Env) {
        let marker = b"SUVEREN-PLAINTEXT-MARKER";
        let plain: Vec<u8> = marker.iter().copied().cycle().take(9 * MIB + 5).collect();
        put(env, "t1/secret", &plain).await;
        let (_, server) = backend(env);
        let name = format!("{}/objects/t1/secret", prefix(env));
        let raw = server.raw_client().get(&Path::from(name)).await.unwrap().bytes().await.unwrap();
        assert_eq!(raw.len(), 100 + plain.len() + 16 * plain.len().div_ceil(C));
        assert!(raw.starts_with(b"SVBLOB1\x02"));
        assert!(!raw.windows(8).any(|w| w == &marker[..8]), "plaintext in the bucket");
        assert!(env.blobs.read_all(&env.kek, "t1/secret").await.unwrap() == plain);
    }

    pub async fn layout_in_the_bucket(env: &Env) {
        let (_, server) = backend(env);
        let p = prefix(env);
        let mut src: &[u8] = b"committed";
        env.store.put("t1/abc", &mut src).await.unwrap();
        env.store.partial_create("u/x", b"head").await.unwrap();
        env.store.partial_append("u/x", 4, "body".into()).await.unwrap();
        let mut names = server.names_under(Some(&p)).await;
        names.sort();
        assert_eq!(
            names,
            [
                format!("{p}/objects/t1/abc"),
                format!("{p}/partial/u.x/00000000000000000004"),
                format!("{p}/partial/u.x/head"),
            ]
        );
        env.store.partial_commit("u/x").await.unwrap();
        let mut names = server.names_under(Some(&p)).await;
        names.sort();
        assert_eq!(names, [format!("{p}/objects/t1/abc"), format!("{p}/objects/u/x")]);
        eprintln!("{}: conditional writes {}", server.kind, s3_store(env).await.conditional_writes());
    }

    async fn s3_store(env: &Env) -> S3Blobs {
        S3Blobs::open(backend(env).0.clone()).await.unwrap()
    }

    /// Two server processes on one bucket: each sees the other's appends,
    /// and a stale one is refused rather than interleaved.
    pub async fn a_second_process_sees_the_same_upload(env: &Env) {
        let (a, b) = (s3_store(env).await, s3_store(env).await);
        a.partial_create("u/two", b"HEAD").await.unwrap();
        a.partial_append("u/two", 4, "aaaa".into()).await.unwrap();
        assert_eq!(b.partial_len("u/two").await.unwrap(), Some(8));
        b.partial_append("u/two", 8, "bbbb".into()).await.unwrap();
        // A remembers its own last append and must still see B's.
        assert_eq!(a.partial_len("u/two").await.unwrap(), Some(12));
        assert!(matches!(a.partial_append("u/two", 8, "late".into()).await, Err(Error::UploadBusy)));
        a.partial_append("u/two", 12, "cc".into()).await.unwrap();
        // B cuts back under A's remembered end; A notices.
        assert_eq!(b.partial_len("u/two").await.unwrap(), Some(14));
        b.partial_truncate("u/two", 8).await.unwrap();
        assert_eq!(a.partial_len("u/two").await.unwrap(), Some(8));
        assert!(matches!(a.partial_append("u/two", 14, "x".into()).await, Err(Error::UploadBusy)));
        a.partial_append("u/two", 8, "dd".into()).await.unwrap();
        // B aborts; A's next append finds nothing.
        assert!(b.partial_delete("u/two").await.unwrap());
        assert!(matches!(a.partial_append("u/two", 10, "e".into()).await, Err(Error::NotFound)));
        assert_eq!(a.partial_len("u/two").await.unwrap(), None);

        // The same through the encryption layer, one upload across both.
        let (ea, eb) = (EncryptedBlobs::new(Arc::new(a)), EncryptedBlobs::new(Arc::new(b)));
        let plain = data(5 * C + 7, 31);
        let total = plain.len() as u64;
        ea.resumable_begin(&env.kek, "u/enc", total).await.unwrap();
        let mut src = &plain[..2 * C];
        assert_eq!(ea.resumable_append(&env.kek, "u/enc", total, 0, &mut src).await.unwrap().0, 2 * C as u64);
        assert_eq!(eb.resumable_offset("u/enc", total).await.unwrap(), Some(2 * C as u64));
        let mut src = &plain[2 * C..4 * C];
        eb.resumable_append(&env.kek, "u/enc", total, 2 * C as u64, &mut src).await.unwrap();
        let mut src = &plain[2 * C..];
        let err = ea.resumable_append(&env.kek, "u/enc", total, 2 * C as u64, &mut src).await.unwrap_err();
        assert!(matches!(err, Error::OffsetMismatch { expected } if expected == 4 * C as u64), "{err:?}");
        let mut src = &plain[4 * C..];
        let (end, info) = ea.resumable_append(&env.kek, "u/enc", total, 4 * C as u64, &mut src).await.unwrap();
        assert_eq!((end, info.map(|i| i.size)), (total, Some(total)));
        assert!(eb.read_all(&env.kek, "u/enc").await.unwrap() == plain);
    }

    /// A piece off the chain (a writer that lost a race) is ignored; pieces
    /// without a head (an abort or commit cut short) are listed for expiry
    /// and removed; neither survives a commit or an abort.
    pub async fn stray_and_orphaned_pieces_are_ignored_and_removed(env: &Env) {
        let (_, server) = backend(env);
        let p = prefix(env);
        let raw = server.raw_client();
        let s = &env.store;
        s.partial_create("u/s", b"HEAD").await.unwrap();
        s.partial_append("u/s", 4, "0123".into()).await.unwrap();
        let stray = Path::from(format!("{p}/partial/u.s/00000000000000000006"));
        raw.put(&stray, PutPayload::from_static(b"stray")).await.unwrap();
        let far = Path::from(format!("{p}/partial/u.s/00000000000000099999"));
        raw.put(&far, PutPayload::from_static(b"far")).await.unwrap();
        assert_eq!(s.partial_len("u/s").await.unwrap(), Some(8));
        s.partial_append("u/s", 8, "45".into()).await.unwrap();
        assert_eq!(s.partial_read_head("u/s", 10).await.unwrap(), b"HEAD012345");
        s.partial_commit("u/s").await.unwrap();
        assert_eq!(read(s.as_ref(), "u/s", 0, None).await, b"HEAD012345");
        assert!(server.names_under(Some(&format!("{p}/partial"))).await.is_empty());

        // Orphans.
        let orphan = Path::from(format!("{p}/partial/u.o/00000000000000000004"));
        raw.put(&orphan, PutPayload::from_static(b"left")).await.unwrap();
        assert_eq!(s.partial_len("u/o").await.unwrap(), None);
        let listed: Vec<String> = s.partial_list().await.unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(listed, ["u/o"]);
        // A new upload under the key starts clean.
        s.partial_create("u/o", b"HEAD").await.unwrap();
        assert_eq!(s.partial_len("u/o").await.unwrap(), Some(4));
        raw.put(&orphan, PutPayload::from_static(b"left")).await.unwrap();
        assert!(s.partial_delete("u/o").await.unwrap());
        raw.put(&orphan, PutPayload::from_static(b"left")).await.unwrap();
        assert!(!s.partial_delete("u/o").await.unwrap(), "no head: no upload");
        assert!(s.partial_list().await.unwrap().is_empty());
        assert!(server.names_under(Some(&format!("{p}/partial"))).await.is_empty());
    }

    pub async fn prefixes_keep_installations_apart(env: &Env) {
        let (config, server) = backend(env);
        let other = s3::env_on(server).await;
        put(env, "t/same", b"one").await;
        put(&other, "t/same", b"two").await;
        env.store.partial_create("u/same", b"h").await.unwrap();
        assert_eq!(env.blobs.read_all(&env.kek, "t/same").await.unwrap(), b"one");
        assert_eq!(other.blobs.read_all(&other.kek, "t/same").await.unwrap(), b"two");
        assert!(other.store.partial_list().await.unwrap().is_empty());
        assert!(env.store.delete("t/same").await.unwrap());
        assert!(other.store.exists("t/same").await.unwrap());

        // No prefix at all: the bucket's root, next to the test prefixes.
        let mut root = config.clone();
        root.prefix = None;
        let root = S3Blobs::open(root).await.unwrap();
        let key = format!("root/{}", prefix(env).to_lowercase());
        let mut src: &[u8] = b"at the root";
        root.put(&key, &mut src).await.unwrap();
        assert!(server.names_under(Some("objects/root")).await.contains(&format!("objects/{key}")));
        assert!(!env.store.exists(&key).await.unwrap());
        assert!(root.delete(&key).await.unwrap());
    }

    pub async fn a_cancelled_large_put_leaves_nothing_visible(env: &Env) {
        let mut src = Generator::new(20 * MIB as u64).chain(Stalled);
        let put = env.store.put("t/cancelled", &mut src);
        assert!(tokio::time::timeout(Duration::from_secs(3), put).await.is_err());
        assert!(!env.store.exists("t/cancelled").await.unwrap());
        // The abort runs on a spawned task; give it a moment, then the
        // key is still free for a complete put.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut src: &[u8] = b"after";
        env.store.put("t/cancelled", &mut src).await.unwrap();
        assert_eq!(read(env.store.as_ref(), "t/cancelled", 0, None).await, b"after");
    }

    pub async fn open_names_the_endpoint_and_bucket(env: &Env) {
        let (config, _) = backend(env);
        let mut missing = config.clone();
        missing.bucket = "no-such-bucket".into();
        let err = S3Blobs::open(missing).await.unwrap_err().to_string();
        assert!(err.contains("no-such-bucket") && err.contains(&config.endpoint), "{err}");

        let mut closed = config.clone();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        closed.endpoint = format!("http://127.0.0.1:{port}");
        let err = S3Blobs::open(closed).await.unwrap_err().to_string();
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");

        let mut https_only = config.clone();
        https_only.allow_http = false;
        assert!(S3Blobs::open(https_only).await.is_err(), "plain http needs allow_http");

        let mut bad = config.clone();
        bad.prefix = Some("a//b".into());
        assert!(matches!(S3Blobs::open(bad).await, Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::InvalidInput));

        // The secret never shows in a config's or a store's debug output.
        assert!(!format!("{config:?}").contains(&config.secret_access_key));
        assert!(!format!("{:?}", s3_store(env).await).contains(&config.secret_access_key));
    }
}

//! `LocalFolder`: the embedded blob store, objects as files under one root
//! folder, written atomically (temp file, fsync, rename, fsync folder).
//!
//! ```text
//! <root>/objects/xx/yy/<key, / as ~>   committed objects (fan-out by hash)
//! <root>/tmp/<random>.tmp              writes in flight; swept at open
//! <root>/partial/<key, / as ~>.part    in-progress (resumable) objects;
//!                                      kept across restarts, listed for expiry
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::{self, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::fs::{self, File, OpenOptions};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::store::{validate_key, BlobStore, ByteReader};

const OBJECTS_DIR: &str = "objects";
/// Temp files live in one folder on the same filesystem as the objects: the
/// rename stays atomic, and the crash sweep at open is one directory listing
/// instead of a walk over every fan-out folder.
const TMP_DIR: &str = "tmp";
const TMP_SUFFIX: &str = ".tmp";
/// In-progress objects, flat: there are few at a time, listing them for
/// expiry is one directory read, and the commit rename stays on one
/// filesystem. Not under `tmp/`, whose sweep at open would destroy them.
const PARTIAL_DIR: &str = "partial";
const PARTIAL_SUFFIX: &str = ".part";
const COPY_BUF: usize = 64 * 1024;

/// Blob store in a local folder. One process owns a root at a time: opening
/// sweeps the temp folder, which would break another live writer. Open it
/// once and clone it: clones share the locks that order changes to an
/// in-progress object.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    root: PathBuf,
    locks: Arc<KeyLocks>,
}

/// One lock per in-progress object. Every `partial_*` change runs on a
/// blocking thread with its key's lock held, to the end even if the caller's
/// future is dropped: a cancelled request can then never leave a write in
/// flight that lands after the next request measured the length.
#[derive(Default)]
struct KeyLocks(Mutex<HashMap<String, Arc<Mutex<()>>>>);

impl KeyLocks {
    /// Runs `f` holding `key`'s lock; blocks, so only on a blocking thread.
    fn with<T>(&self, key: &str, f: impl FnOnce() -> T) -> T {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            // Nobody else holds or waits for a lock only the map refers to,
            // and clones are made under the map lock only.
            map.retain(|_, l| Arc::strong_count(l) > 1);
            Arc::clone(map.entry(key.to_owned()).or_default())
        };
        let _held = lock.lock().unwrap_or_else(PoisonError::into_inner);
        f()
    }
}

impl fmt::Debug for KeyLocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyLocks")
    }
}

impl LocalFolder {
    /// Opens (creating if needed) the store under `root` and deletes temp files
    /// a crash left behind; they were never visible, so nothing is lost.
    /// In-progress uploads are kept: resuming them after a restart is their
    /// purpose (see [`BlobStore::partial_list`] for expiring them).
    pub async fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        fs::create_dir_all(root.join(OBJECTS_DIR)).await?;
        fs::create_dir_all(root.join(TMP_DIR)).await?;
        fs::create_dir_all(root.join(PARTIAL_DIR)).await?;
        let store = LocalFolder { root, locks: Arc::default() };
        let swept = store.sweep_temp().await?;
        if swept > 0 {
            tracing::warn!(swept, root = %store.root.display(), "removed temp files left by an interrupted write");
        }
        Ok(store)
    }

    /// The folder that holds in-progress writes; exposed so tests and health
    /// checks can see that nothing is left behind.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join(TMP_DIR)
    }

    async fn sweep_temp(&self) -> Result<usize> {
        let mut count = 0;
        let mut entries = fs::read_dir(self.temp_dir()).await?;
        while let Some(entry) = entries.next_entry().await? {
            if entry.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
                match fs::remove_file(entry.path()).await {
                    Ok(()) => count += 1,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(count)
    }

    /// Fans objects out over `objects/xx/yy/` by a hash of the key, so folders
    /// stay small whatever the keys look like (tenant prefixes, sequential
    /// ids). `/` becomes `~`, which the key grammar excludes, so distinct keys
    /// map to distinct names.
    fn path_for(&self, key: &str) -> PathBuf {
        self.root.join(Self::relative(key))
    }

    fn relative(key: &str) -> PathBuf {
        let h = Sha256::digest(key.as_bytes());
        Path::new(OBJECTS_DIR).join(hex::encode(&h[0..1])).join(hex::encode(&h[1..2])).join(key.replace('/', "~"))
    }

    /// Where the committed object `key` lies relative to the root
    /// (`objects/xx/yy/<name>`): how `suveren backup` finds a blob without
    /// opening the folder (which belongs to the running server), and where
    /// `suveren restore` puts it back.
    pub fn object_path(key: &str) -> Result<PathBuf> {
        validate_key(key)?;
        Ok(Self::relative(key))
    }

    fn checked_path(&self, key: &str) -> Result<PathBuf> {
        validate_key(key)?;
        Ok(self.path_for(key))
    }

    /// The folder that holds in-progress uploads; exposed for tests and
    /// health checks.
    pub fn partial_dir(&self) -> PathBuf {
        self.root.join(PARTIAL_DIR)
    }

    /// `~` for `/` keeps the name reversible, so `partial_list` can return
    /// keys without an index.
    fn checked_partial_path(&self, key: &str) -> Result<PathBuf> {
        validate_key(key)?;
        Ok(self.partial_dir().join(format!("{}{PARTIAL_SUFFIX}", key.replace('/', "~"))))
    }

    /// Runs `f` on a blocking thread under `key`'s lock (see [`KeyLocks`]).
    async fn locked<T, F>(&self, key: &str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T> + Send + 'static,
    {
        let locks = Arc::clone(&self.locks);
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || locks.with(&key, f)).await.map_err(|e| Error::Io(io::Error::other(e)))?
    }

    fn temp_name(&self) -> PathBuf {
        self.temp_dir().join(format!("{}{TMP_SUFFIX}", hex::encode(rand::random::<[u8; 16]>())))
    }
}

impl LocalFolder {
    /// Compares and rewrites the first bytes of `path` in place, durably.
    async fn rewrite_in_place(&self, key: &str, path: PathBuf, expected: &[u8], new: &[u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        const SECTOR: usize = 512;
        if expected.len() != new.len() || new.len() > SECTOR {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an in-place head rewrite keeps the head's length and stays within one sector",
            )));
        }
        let (expected, new) = (expected.to_vec(), new.to_vec());
        self.locked(key, move || {
            let file = std::fs::OpenOptions::new().read(true).write(true).open(&path).map_err(Error::from_io_lookup)?;
            let mut current = vec![0u8; expected.len()];
            file.read_exact_at(&mut current, 0).map_err(|_| Error::Corrupt("object shorter than its head"))?;
            if current != expected {
                return Err(Error::Changed);
            }
            file.write_all_at(&new, 0)?;
            file.sync_data()?;
            Ok(())
        })
        .await
    }
}

/// Removes the temp file unless the write completed, including when the put
/// future is dropped half-way (a cancelled request).
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Makes a rename or a new entry in `dir` durable; without it a power loss
/// may forget the rename even though the data was fsynced.
fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Renames a complete, fsynced file to its object path and makes that
/// durable, creating the fan-out folders on first use. Shared by `put` and
/// `partial_commit`, so both publish the same way.
fn publish(from: &Path, to: &Path) -> io::Result<()> {
    let parent = to.parent().expect("object path has a parent");
    let created = !parent.try_exists()?;
    if created {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::rename(from, to)?;
    sync_dir(parent)?;
    if created {
        // The new fan-out folders must survive a power loss too.
        let grand = parent.parent().expect("fan-out has a parent");
        sync_dir(grand)?;
        sync_dir(grand.parent().expect("objects dir"))?;
    }
    Ok(())
}

#[async_trait]
impl BlobStore for LocalFolder {
    async fn put(&self, key: &str, src: &mut (dyn AsyncRead + Send + Unpin)) -> Result<u64> {
        let final_path = self.checked_path(key)?;
        let tmp_path = self.temp_name();
        let mut guard = TempGuard(Some(tmp_path.clone()));

        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp_path).await?;
        let mut buf = vec![0u8; COPY_BUF];
        let mut written = 0u64;
        loop {
            let n = src.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            file.write_all(&buf[..n]).await?;
            written += n as u64;
        }
        file.flush().await?;
        file.sync_all().await?;
        drop(file);

        // Armed until here: if the rename did not happen the guard removes
        // the temp file; if it did, the guard finds nothing to remove.
        let from = tmp_path.clone();
        tokio::task::spawn_blocking(move || publish(&from, &final_path)).await.map_err(io::Error::other)??;
        guard.0 = None;
        Ok(written)
    }

    async fn read_range(&self, key: &str, offset: u64, len: Option<u64>) -> Result<ByteReader> {
        let path = self.checked_path(key)?;
        let mut file = File::open(&path).await.map_err(Error::from_io_lookup)?;
        file.seek(SeekFrom::Start(offset)).await?;
        Ok(match len {
            Some(len) => Box::new(file.take(len)),
            None => Box::new(file),
        })
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        let path = self.checked_path(key)?;
        match fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        let path = self.checked_path(key)?;
        Ok(fs::try_exists(&path).await?)
    }

    async fn size(&self, key: &str) -> Result<u64> {
        let path = self.checked_path(key)?;
        let meta = fs::metadata(&path).await.map_err(Error::from_io_lookup)?;
        Ok(meta.len())
    }

    async fn partial_create(&self, key: &str, head: &[u8]) -> Result<()> {
        let path = self.checked_partial_path(key)?;
        let tmp_path = self.temp_name();
        let dir = self.partial_dir();
        let head = head.to_vec();
        self.locked(key, move || {
            if path.try_exists()? {
                return Err(Error::UploadExists);
            }
            // Written aside and renamed in, so a crash never leaves an
            // in-progress object with half a header.
            let mut guard = TempGuard(Some(tmp_path.clone()));
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp_path)?;
            file.write_all(&head)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp_path, &path)?;
            guard.0 = None;
            sync_dir(&dir)?;
            Ok(())
        })
        .await
    }

    async fn partial_len(&self, key: &str) -> Result<Option<u64>> {
        let path = self.checked_partial_path(key)?;
        self.locked(key, move || match std::fs::metadata(&path) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        })
        .await
    }

    async fn partial_truncate(&self, key: &str, len: u64) -> Result<()> {
        let path = self.checked_partial_path(key)?;
        self.locked(key, move || {
            let file = std::fs::OpenOptions::new().write(true).open(&path).map_err(Error::from_io_lookup)?;
            let current = file.metadata()?.len();
            if len > current {
                return Err(Error::Io(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "truncating an in-progress object cannot grow it",
                )));
            }
            if len < current {
                file.set_len(len)?;
                file.sync_all()?;
            }
            Ok(())
        })
        .await
    }

    async fn partial_append(&self, key: &str, at: u64, bytes: Bytes) -> Result<()> {
        let path = self.checked_partial_path(key)?;
        self.locked(key, move || {
            // No `create`: appending after an abort must fail, not start a
            // headless object.
            let mut file = std::fs::OpenOptions::new().append(true).open(&path).map_err(Error::from_io_lookup)?;
            let before = file.metadata()?.len();
            if before != at {
                return Err(Error::UploadBusy);
            }
            // fdatasync covers the new length too, which is all that changed.
            let written = file.write_all(&bytes).and_then(|()| file.sync_data());
            if let Err(e) = written {
                // Best effort: a disk-full write may have landed in part.
                let _ = file.set_len(before).and_then(|()| file.sync_all());
                return Err(e.into());
            }
            Ok(())
        })
        .await
    }

    async fn partial_read_head(&self, key: &str, len: usize) -> Result<Vec<u8>> {
        let path = self.checked_partial_path(key)?;
        // No lock: the head is written before the object appears, and
        // later only rewritten in place by a KEK rotation (same bytes but
        // the wrapped key, within one sector).
        let file = File::open(&path).await.map_err(Error::from_io_lookup)?;
        let mut head = Vec::with_capacity(len);
        file.take(len as u64).read_to_end(&mut head).await?;
        if head.len() != len {
            return Err(Error::Corrupt("in-progress object shorter than its head"));
        }
        Ok(head)
    }

    async fn partial_commit(&self, key: &str) -> Result<()> {
        let from = self.checked_partial_path(key)?;
        let to = self.path_for(key);
        self.locked(key, move || {
            std::fs::metadata(&from).map_err(Error::from_io_lookup)?;
            publish(&from, &to)?;
            Ok(())
        })
        .await
    }

    async fn partial_delete(&self, key: &str) -> Result<bool> {
        let path = self.checked_partial_path(key)?;
        self.locked(key, move || match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        })
        .await
    }

    /// In place: one positioned write of the 100-byte header and an
    /// fdatasync, instead of copying the whole blob. Why this is crash safe:
    /// the bytes that change (the wrapped key, offset 28..100) lie inside
    /// the file's first 512-byte sector, which storage devices write
    /// atomically on power loss, and a process crash cannot tear a `pwrite`
    /// that returned; so after any crash the header is either the old one or
    /// the new one. Both are valid while a rotation runs (the old KEK is
    /// kept, as retired, until every blob is rewrapped), and the rotation
    /// re-checks each blob before destroying the old KEK. The write is under
    /// the key's lock and compares first, so two rewraps never interleave.
    async fn rewrite_head(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<()> {
        let path = self.checked_path(key)?;
        self.rewrite_in_place(key, path, expected, new).await
    }

    /// The same in-place write on an upload in progress, under the lock its
    /// appends take: an append and a rewrap never interleave.
    async fn partial_rewrite_head(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<()> {
        let path = self.checked_partial_path(key)?;
        self.rewrite_in_place(key, path, expected, new).await
    }

    async fn partial_list(&self) -> Result<Vec<(String, SystemTime)>> {
        let mut out = Vec::new();
        let mut entries = fs::read_dir(self.partial_dir()).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(PARTIAL_SUFFIX)) else {
                continue;
            };
            let key = stem.replace('~', "/");
            if validate_key(&key).is_err() {
                continue;
            }
            match entry.metadata().await {
                Ok(meta) => out.push((key, meta.modified()?)),
                // Committed or aborted since the listing began.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        out.sort();
        Ok(out)
    }
}

//! `LocalFolder`: the embedded blob store, objects as files under one root
//! folder, written atomically (temp file, fsync, rename, fsync folder).

use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
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
const COPY_BUF: usize = 64 * 1024;

/// Blob store in a local folder. One process owns a root at a time: opening
/// sweeps the temp folder, which would break another live writer.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    /// Opens (creating if needed) the store under `root` and deletes temp files
    /// a crash left behind; they were never visible, so nothing is lost.
    pub async fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        fs::create_dir_all(root.join(OBJECTS_DIR)).await?;
        fs::create_dir_all(root.join(TMP_DIR)).await?;
        let store = LocalFolder { root };
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
        let h = Sha256::digest(key.as_bytes());
        self.root.join(OBJECTS_DIR).join(hex::encode(&h[0..1])).join(hex::encode(&h[1..2])).join(key.replace('/', "~"))
    }

    fn checked_path(&self, key: &str) -> Result<PathBuf> {
        validate_key(key)?;
        Ok(self.path_for(key))
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
async fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).await?.sync_all().await
}

#[async_trait]
impl BlobStore for LocalFolder {
    async fn put(&self, key: &str, src: &mut (dyn AsyncRead + Send + Unpin)) -> Result<u64> {
        let final_path = self.checked_path(key)?;
        let name = format!("{}{TMP_SUFFIX}", hex::encode(rand::random::<[u8; 16]>()));
        let tmp_path = self.temp_dir().join(name);
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

        let parent = final_path.parent().expect("object path has a parent");
        let created = !fs::try_exists(parent).await?;
        if created {
            fs::create_dir_all(parent).await?;
        }
        fs::rename(&tmp_path, &final_path).await?;
        guard.0 = None;
        sync_dir(parent).await?;
        if created {
            // The new fan-out folders must survive a power loss too.
            let grand = parent.parent().expect("fan-out has a parent");
            sync_dir(grand).await?;
            sync_dir(grand.parent().expect("objects dir")).await?;
        }
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
}

//! What an online backup of the embedded installation (`suveren backup`, run
//! as another process next to the server) needs from the server.
//!
//! A backup takes a snapshot of the database and then copies every blob the
//! snapshot references. Blobs never change while metadata points at them,
//! with two exceptions that run in the server: the sweeper deletes blobs no
//! metadata references any more (so a blob the snapshot still names may go
//! once a purge is committed), and a key rotation rewrites each blob's
//! wrapped data key (so a blob copied after a rotation began could name a
//! KEK the snapshot does not hold). Neither may run between a backup's
//! snapshot and its last copied blob.
//!
//! The two processes agree through an advisory lock (`flock`) on
//! [`BLOB_LOCK_FILE`]: the server's sweeps and rotation batches hold it
//! shared, taken without waiting (they skip their turn while a backup runs
//! and catch up at the next one); a backup holds it exclusively, waiting for
//! a sweep or batch in progress to end, from before its snapshot until the
//! last blob is copied. Writes, reads and uploads never take it, so a backup
//! holds up nobody. The lock dies with the process holding it: a killed
//! backup never stalls the server.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The lock file, relative to the data folder.
pub const BLOB_LOCK_FILE: &str = "blobs/backup.lock";

/// Opens the lock file, creating it if missing. Opening an existing one
/// needs no space, so a sweep that would free a full volume still runs
/// (the server creates the file when it opens the data folder).
pub(crate) fn open_lock(data_dir: &Path) -> std::io::Result<File> {
    let path = data_dir.join(BLOB_LOCK_FILE);
    match File::open(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(path)
        }
        other => other,
    }
}

/// Held by a backup: while it lives, the server deletes and rewrites no blob.
#[derive(Debug)]
pub struct BlobPause {
    _lock: File,
}

/// Stops blob deletion and rewriting in the server of `data_dir` until the
/// returned value is dropped. Blocks until a sweep or rotation batch in
/// progress has finished (call it off the async runtime).
pub fn pause_blob_changes(data_dir: &Path) -> std::io::Result<BlobPause> {
    let f = open_lock(data_dir)?;
    f.lock()?;
    Ok(BlobPause { _lock: f })
}

/// Held by the server while it deletes or rewrites blobs.
pub(crate) struct BlobChange {
    _lock: File,
}

/// Leave to delete or rewrite blobs, or `None` while a backup copies them
/// (then the caller skips its turn; nothing is lost by waiting).
pub(crate) fn try_blob_change(data_dir: &Path) -> Option<BlobChange> {
    let f = match open_lock(data_dir) {
        Ok(f) => f,
        Err(e) => {
            // Erring towards keeping blobs: an unswept blob costs only space.
            tracing::warn!(error = %e, "cannot open the backup lock; blobs are left as they are");
            return None;
        }
    };
    match f.try_lock_shared() {
        Ok(()) => Some(BlobChange { _lock: f }),
        Err(std::fs::TryLockError::WouldBlock) => {
            tracing::info!("a backup is copying blobs; deleting and rewriting blobs waits until it ends");
            None
        }
        Err(std::fs::TryLockError::Error(e)) => {
            tracing::warn!(error = %e, "cannot take the backup lock; blobs are left as they are");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_excludes_blob_changes_and_releases_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let a = try_blob_change(dir.path()).expect("free");
        let b = try_blob_change(dir.path()).expect("server changes do not exclude each other");
        drop((a, b));
        let pause = pause_blob_changes(dir.path()).unwrap();
        assert!(try_blob_change(dir.path()).is_none(), "no change while a backup runs");
        drop(pause);
        assert!(try_blob_change(dir.path()).is_some());
    }
}

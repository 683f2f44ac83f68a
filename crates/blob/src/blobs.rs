//! `EncryptedBlobs`: per-blob data keys, chunked AEAD and ranged, streaming
//! decryption on top of any `BlobStore`, written in one go (`put`) or
//! resumably over many requests (`resumable_*`, the tus 1.0 model).

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use bytes::Bytes;
use chacha20poly1305::XChaCha20Poly1305;
use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::encrypt::EncryptingReader;
use crate::error::{Error, Result};
use crate::format::{
    aad_prefix, open_chunk, seal_chunk, Header, Layout, Progress, UploadLayout, CHUNK_SIZE, HEADER_LEN,
    NONCE_PREFIX_LEN, TAG_LEN, VERSION, VERSION_1,
};
use crate::keys::{DataKey, TenantKek};
use crate::store::{validate_key, BlobStore, ByteReader};

/// Sealed chunks gathered before one durable append: bounds the memory of an
/// upload (about 1 MiB) and its fsyncs (one per MiB received).
const APPEND_BATCH_CHUNKS: usize = 16;

/// A stream of decrypted plaintext pieces, each at most one chunk long.
/// Every piece was authenticated before it was yielded.
pub type PlaintextStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// What `put` learned while streaming (or a resumable upload by reading the
/// finished blob back), for the caller's metadata row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobInfo {
    /// Plaintext length in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext, for ETags, integrity checks and deduplication
    /// within one tenant.
    pub sha256: [u8; 32],
}

/// Encrypting front of a blob store. Blob keys are passed through to the
/// store unchanged; callers put the tenant into the key if they want
/// per-tenant namespaces (the tenant is bound into the crypto regardless).
///
/// Make one per store and clone it: clones share the set of uploads being
/// appended to, which keeps two requests from appending to one upload.
#[derive(Clone)]
pub struct EncryptedBlobs {
    store: Arc<dyn BlobStore>,
    appending: Arc<Mutex<HashSet<String>>>,
}

/// Exclusive right to append to one upload, released on drop (also when the
/// request's future is dropped half-way).
struct AppendClaim {
    set: Arc<Mutex<HashSet<String>>>,
    key: String,
}

impl Drop for AppendClaim {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.key);
    }
}

/// What the store holds for a resumable upload.
enum Stage {
    /// Nothing: never begun, aborted, or failed verification.
    Missing,
    /// Committed with the declared length (the commit's answer may have been
    /// lost to a crash or a dropped connection).
    Committed,
    /// Begun and not committed; `len` is the in-progress object's size.
    InProgress { header: Header, layout: UploadLayout, len: u64, progress: Progress },
}

/// Reads until `buf` is full or the source ends; returns the bytes read.
async fn read_full(src: &mut (dyn AsyncRead + Send + Unpin), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read(&mut buf[filled..]).await? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Refuses a source with bytes beyond the declared length, before the final
/// chunk is sealed: tus forbids accepting more than `Upload-Length`.
async fn expect_end(src: &mut (dyn AsyncRead + Send + Unpin), total: u64) -> Result<()> {
    let mut probe = [0u8; 1];
    if src.read(&mut probe).await? == 0 {
        Ok(())
    } else {
        Err(Error::UploadTooLong { total })
    }
}

fn new_header(kek: &TenantKek, key: &str) -> (DataKey, Header) {
    let dek = DataKey::generate();
    let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
    OsRng.fill_bytes(&mut nonce_prefix);
    let header =
        Header { version: VERSION, chunk_size: CHUNK_SIZE, nonce_prefix, wrapped_key: kek.wrap_data_key(key, &dek) };
    (dek, header)
}

/// What [`EncryptedBlobs::rewrap`] did to one blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewrap {
    /// The data key already opens with the current KEK: nothing written.
    Current,
    /// v2: only the 72-byte wrapped key was replaced; chunks untouched.
    Rewrapped,
    /// v1 binds the wrapped key into every chunk, so the blob was decrypted
    /// and written again as v2 under a fresh data key (same plaintext).
    Reencrypted,
    /// No blob under the key (deleted since it was listed).
    Missing,
}

/// Decryption state of one range read.
struct RangeState {
    reader: ByteReader,
    cipher: XChaCha20Poly1305,
    header: Header,
    aad_prefix: Vec<u8>,
    layout: Layout,
    next: u64,
    skip: usize,
    remaining: u64,
    buf: Vec<u8>,
}

impl RangeState {
    /// Reads, authenticates and decrypts chunk `self.next` into `self.buf`.
    async fn decrypt_next(&mut self) -> Result<()> {
        let i = self.next;
        let ct_len = self.layout.chunk_plain_len(i) as usize + TAG_LEN;
        self.buf.resize(ct_len, 0);
        self.reader.read_exact(&mut self.buf).await?;
        let index = u32::try_from(i).map_err(|_| Error::Corrupt("chunk index overflow"))?;
        let last = i + 1 == self.layout.chunks;
        open_chunk(&self.cipher, &self.header.nonce_prefix, &self.aad_prefix, index, last, &mut self.buf)?;
        self.next += 1;
        Ok(())
    }
}

impl EncryptedBlobs {
    /// Wraps a raw store.
    pub fn new(store: Arc<dyn BlobStore>) -> Self {
        EncryptedBlobs { store, appending: Arc::default() }
    }

    /// The raw store, for deletes and health checks that need no keys.
    pub fn store(&self) -> &Arc<dyn BlobStore> {
        &self.store
    }

    /// Encrypts `src` under a fresh data key and stores it atomically under
    /// `key`. Memory use is about two chunks whatever the size of `src`; if
    /// `src` fails, no object becomes visible.
    pub async fn put(&self, kek: &TenantKek, key: &str, src: &mut (dyn AsyncRead + Send + Unpin)) -> Result<BlobInfo> {
        validate_key(key)?;
        let (dek, header) = new_header(kek, key);
        let mut reader = EncryptingReader::new(src, dek.cipher(), &header, key);
        self.store.put(key, &mut reader).await?;
        let (size, sha256) =
            reader.finish().ok_or_else(|| Error::Io(std::io::Error::other("store stopped reading early")))?;
        Ok(BlobInfo { size, sha256 })
    }

    async fn read_header(&self, key: &str) -> Result<(Header, [u8; HEADER_LEN], Layout)> {
        let object_size = self.store.size(key).await?;
        let mut raw = [0u8; HEADER_LEN];
        let mut r = self.store.read_range(key, 0, Some(HEADER_LEN as u64)).await?;
        r.read_exact(&mut raw).await.map_err(|_| Error::Corrupt("blob shorter than its header"))?;
        let header = Header::decode(&raw)?;
        let layout = Layout::from_object_size(header.chunk_size, object_size)?;
        Ok((header, raw, layout))
    }

    /// Plaintext length, from the object size. Structural only: it is
    /// authenticated when the blob is read, not here.
    pub async fn plaintext_len(&self, key: &str) -> Result<u64> {
        Ok(self.read_header(key).await?.2.plaintext_len)
    }

    /// Streams plaintext bytes `offset..offset + len`, reading and decrypting
    /// only the chunks that cover them (plus the final chunk, once, when the
    /// range does not reach it: that proves the blob was not truncated).
    /// Errors before the first byte for a wrong key, a bad header, a range
    /// out of bounds or a truncated blob; a tampered chunk inside the range
    /// ends the stream with an error before any of its bytes are yielded.
    pub async fn read_range(&self, kek: &TenantKek, key: &str, offset: u64, len: u64) -> Result<PlaintextStream> {
        let (mut header, mut raw, mut layout) = self.read_header(key).await?;
        let size = layout.plaintext_len;
        if offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(Error::RangeOutOfBounds { offset, len, size });
        }
        let dek = match kek.unwrap_data_key(key, &header.wrapped_key) {
            Ok(dek) => dek,
            // During a rotation the wrapped key may have been rewritten in
            // place while we read it; a second read sees one whole header.
            Err(_) if kek.has_retired() => {
                (header, raw, layout) = self.read_header(key).await?;
                kek.unwrap_data_key(key, &header.wrapped_key)?
            }
            Err(e) => return Err(e),
        };
        let aad_prefix = aad_prefix(&raw, key);
        let first = offset / layout.chunk_size;
        let last_needed = if len == 0 { None } else { Some((offset + len - 1) / layout.chunk_size) };
        let final_chunk = layout.chunks - 1;

        let mut state = RangeState {
            reader: Box::new(tokio::io::empty()),
            cipher: dek.cipher(),
            header,
            aad_prefix,
            layout,
            next: final_chunk,
            skip: 0,
            remaining: 0,
            buf: Vec::with_capacity(layout.chunk_size as usize + TAG_LEN),
        };
        if last_needed != Some(final_chunk) {
            let at = layout.chunk_offset(final_chunk);
            state.reader = self.store.read_range(key, at, None).await?;
            state.decrypt_next().await?;
        }
        let Some(last_needed) = last_needed else {
            return Ok(Box::pin(stream::empty()));
        };

        let start = layout.chunk_offset(first);
        let end = layout.chunk_offset(last_needed) + layout.chunk_plain_len(last_needed) + TAG_LEN as u64;
        let span = end - start;
        state.reader = self.store.read_range(key, start, Some(span)).await?;
        state.next = first;
        state.skip = (offset - first * layout.chunk_size) as usize;
        state.remaining = len;

        let s = stream::try_unfold(state, |mut st| async move {
            if st.remaining == 0 {
                return Ok(None);
            }
            st.decrypt_next().await?;
            let avail = st.buf.len() - st.skip;
            let take = avail.min(usize::try_from(st.remaining).unwrap_or(usize::MAX));
            let piece = Bytes::copy_from_slice(&st.buf[st.skip..st.skip + take]);
            st.skip = 0;
            st.remaining -= take as u64;
            Ok(Some((piece, st)))
        });
        Ok(Box::pin(s))
    }

    /// Whole blob in memory. For tests and small objects only: the real API is
    /// [`EncryptedBlobs::read_range`], which streams.
    pub async fn read_all(&self, kek: &TenantKek, key: &str) -> Result<Vec<u8>> {
        let len = self.plaintext_len(key).await?;
        let mut s = self.read_range(kek, key, 0, len).await?;
        let mut out = Vec::new();
        while let Some(piece) = s.try_next().await? {
            out.extend_from_slice(&piece);
        }
        Ok(out)
    }

    /// Rewraps the blob's data key under `kek`'s current KEK. `kek` must
    /// still carry the KEK the blob was written under, as retired (see
    /// [`TenantKek::retiring`]); a data key that opens with neither is
    /// [`Error::Corrupt`]. Idempotent: a blob already under the current KEK
    /// is left alone, so an interrupted rotation simply runs again.
    ///
    /// A v2 blob gets its header rewritten by
    /// [`BlobStore::rewrite_head`], which compares the old header first: a
    /// concurrent change yields [`Error::Changed`], never a lost update.
    /// Readers meanwhile see either header, and both open with `kek`.
    pub async fn rewrap(&self, kek: &TenantKek, key: &str) -> Result<Rewrap> {
        validate_key(key)?;
        let (header, raw, layout) = match self.read_header(key).await {
            Err(Error::NotFound) => return Ok(Rewrap::Missing),
            other => other?,
        };
        if kek.opens_with_current(key, &header.wrapped_key) {
            return Ok(Rewrap::Current);
        }
        let dek = kek.unwrap_data_key(key, &header.wrapped_key)?;
        if header.version == VERSION_1 {
            let plain = self.read_range(kek, key, 0, layout.plaintext_len).await?;
            let mut reader = tokio_util::io::StreamReader::new(plain.map_err(|e| std::io::Error::other(e.to_string())));
            // `put` renames the new object over the old one: a reader that
            // has the old one open goes on reading it.
            self.put(&kek.current_only(), key, &mut reader).await?;
            return Ok(Rewrap::Reencrypted);
        }
        let mut new = header.clone();
        new.wrapped_key = kek.wrap_data_key(key, &dek);
        self.store.rewrite_head(key, &raw, &new.encode()).await?;
        Ok(Rewrap::Rewrapped)
    }

    /// [`rewrap`](Self::rewrap) for a resumable upload in progress: its
    /// header gets the data key wrapped by the current KEK, so the upload
    /// can be finished after the old KEK is gone. Chunks already stored are
    /// untouched (v2). An upload begun as v1 cannot be rewrapped and is
    /// reported [`Error::Corrupt`]; `Missing` when none is in progress.
    pub async fn rewrap_upload(&self, kek: &TenantKek, key: &str) -> Result<Rewrap> {
        validate_key(key)?;
        let raw: [u8; HEADER_LEN] = match self.store.partial_read_head(key, HEADER_LEN).await {
            Err(Error::NotFound) => return Ok(Rewrap::Missing),
            other => other?.try_into().map_err(|_| Error::Corrupt("in-progress upload shorter than its header"))?,
        };
        let header = Header::decode(&raw)?;
        if kek.opens_with_current(key, &header.wrapped_key) {
            return Ok(Rewrap::Current);
        }
        if header.version == VERSION_1 {
            return Err(Error::Corrupt("an upload begun as format v1 cannot be rewrapped"));
        }
        let dek = kek.unwrap_data_key(key, &header.wrapped_key)?;
        let mut new = header.clone();
        new.wrapped_key = kek.wrap_data_key(key, &dek);
        self.store.partial_rewrite_head(key, &raw, &new.encode()).await?;
        Ok(Rewrap::Rewrapped)
    }

    /// Removes the blob; `Ok(false)` if it was not there.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        self.store.delete(key).await
    }

    /// Starts a resumable upload of exactly `total` plaintext bytes under
    /// `key`: writes the header (fresh data key wrapped by `kek`, fresh nonce
    /// prefix) durably into an in-progress object that no read can see.
    ///
    /// To continue after a restart the caller must keep only the blob key and
    /// `total`, and pass them (with the tenant's KEK) to every later call;
    /// everything else (wrapped data key, nonce prefix, chunks sealed) is
    /// read back from the in-progress object. A zero-length upload is
    /// finished by one [`resumable_append`](Self::resumable_append) of no
    /// bytes at offset 0.
    ///
    /// [`Error::UploadExists`] if an upload is already in progress under
    /// `key`; abort it first to start over.
    pub async fn resumable_begin(&self, kek: &TenantKek, key: &str, total: u64) -> Result<()> {
        validate_key(key)?;
        UploadLayout::new(CHUNK_SIZE, total)?;
        let _claim = self.claim(key)?;
        let (_dek, header) = new_header(kek, key);
        self.store.partial_create(key, &header.encode()).await
    }

    /// The upload offset a tus `HEAD` reports: plaintext bytes stored, always
    /// a whole number of chunks (a torn tail is not counted), or `total` when
    /// the upload is finished or only its commit is missing. `None` when no
    /// upload exists under `key` (never begun, aborted, or discarded).
    ///
    /// When this says `total` but the caller has not recorded the upload as
    /// finished (its process stopped, or the last answer was lost), a
    /// [`resumable_append`](Self::resumable_append) of no bytes at `total`
    /// completes it and returns the [`BlobInfo`].
    pub async fn resumable_offset(&self, key: &str, total: u64) -> Result<Option<u64>> {
        validate_key(key)?;
        Ok(match self.stage(key, total).await? {
            Stage::Missing => None,
            Stage::Committed => Some(total),
            Stage::InProgress { progress: Progress::Complete, .. } => Some(total),
            Stage::InProgress { progress: Progress::Partial { sealed, .. }, layout, .. } => Some(layout.offset(sealed)),
        })
    }

    /// Appends plaintext from `src` at `offset`, which must equal the current
    /// offset ([`Error::OffsetMismatch`] says which it is). Returns the new
    /// offset and, once the upload is complete, its [`BlobInfo`].
    ///
    /// Chunks are sealed and stored durably as they arrive, but only whole
    /// ones: the final chunk's AAD marks it last, so it can be sealed only
    /// when the bytes reach `total`. A source that ends earlier has its bytes
    /// past the last whole chunk dropped (never written, not even
    /// encrypted), and the returned offset is rounded down to a chunk
    /// boundary; tus lets a server accept less, and the client resends from
    /// there. The same applies when `src` fails: what was sealed before the
    /// failure is kept, and the error returned.
    ///
    /// At `total` the final chunk is sealed and the object committed (made
    /// visible atomically, as by `put`). The SHA-256 cannot be carried
    /// across requests and restarts, so it is computed by reading the
    /// finished blob back and decrypting it: one extra read of the blob, no
    /// copy. That read also authenticates every chunk; a blob failing it (a
    /// crash lost data the disk had acknowledged, or `total` differed
    /// between calls) is deleted and [`Error::Corrupt`] returned, and the
    /// upload must start over.
    ///
    /// [`Error::UploadBusy`] while another append to the same upload runs;
    /// [`Error::UploadTooLong`] if `src` holds more than `total - offset`
    /// bytes (the whole chunks before the excess are kept);
    /// [`Error::NotFound`] if there is no such upload.
    pub async fn resumable_append(
        &self,
        kek: &TenantKek,
        key: &str,
        total: u64,
        offset: u64,
        src: &mut (dyn AsyncRead + Send + Unpin),
    ) -> Result<(u64, Option<BlobInfo>)> {
        validate_key(key)?;
        let _claim = self.claim(key)?;
        let (header, layout, len, progress) = match self.stage(key, total).await? {
            Stage::Missing => return Err(Error::NotFound),
            Stage::Committed => {
                if offset != total {
                    return Err(Error::OffsetMismatch { expected: total });
                }
                expect_end(src, total).await?;
                return Ok((total, Some(self.verify(kek, key, total).await?)));
            }
            Stage::InProgress { header, layout, len, progress } => (header, layout, len, progress),
        };
        // A wrong KEK is refused here, before anything is written.
        let dek = kek.unwrap_data_key(key, &header.wrapped_key)?;
        // `stored`: the object's length, where the next append must land.
        let (sealed, mut stored) = match progress {
            Progress::Complete => {
                if offset != total {
                    return Err(Error::OffsetMismatch { expected: total });
                }
                expect_end(src, total).await?;
                return self.finish(kek, key, total).await;
            }
            Progress::Partial { sealed, keep } => {
                if keep < len {
                    // The chunk after `keep` will be sealed again under the
                    // same nonce: harmless when the client resends the same
                    // bytes, as tus clients do (same ciphertext).
                    tracing::warn!(key, dropped = len - keep, "cutting off a torn write at the end of an upload");
                    self.store.partial_truncate(key, keep).await?;
                }
                (sealed, keep)
            }
        };
        let current = layout.offset(sealed);
        if offset != current {
            return Err(Error::OffsetMismatch { expected: current });
        }

        let cipher = dek.cipher();
        let aad_prefix = aad_prefix(&header.encode(), key);
        let stride = layout.stride() as usize;
        let mut batch = Vec::with_capacity(APPEND_BATCH_CHUNKS * stride);
        let mut index = sealed;
        loop {
            let plain_len = layout.chunk_plain_len(index) as usize;
            let last = layout.is_last(index);
            let start = batch.len();
            batch.resize(start + plain_len, 0);
            let got = read_full(src, &mut batch[start..]).await;
            let complete = match got {
                Ok(n) if n == plain_len && last => expect_end(src, total).await.map(|()| true),
                Ok(n) => Ok(n == plain_len),
                Err(e) => Err(e.into()),
            };
            let complete = match complete {
                Ok(complete) => complete,
                Err(e) => {
                    // Keep what was sealed; the client resumes after it.
                    batch.truncate(start);
                    if let Err(flush) = self.flush(key, &mut stored, &mut batch).await {
                        tracing::warn!(key, error = %flush, "could not store the chunks sealed before a failed append");
                    }
                    return Err(e);
                }
            };
            if !complete {
                // The source ended inside a chunk that cannot be sealed yet.
                batch.truncate(start);
                self.flush(key, &mut stored, &mut batch).await?;
                return Ok((layout.offset(index), None));
            }
            let chunk_index = u32::try_from(index).map_err(|_| Error::TooLarge)?;
            let tag = seal_chunk(&cipher, &header.nonce_prefix, &aad_prefix, chunk_index, last, &mut batch[start..]);
            batch.extend_from_slice(&tag);
            index += 1;
            if last {
                self.flush(key, &mut stored, &mut batch).await?;
                return self.finish(kek, key, total).await;
            }
            if batch.len() >= APPEND_BATCH_CHUNKS * stride {
                self.flush(key, &mut stored, &mut batch).await?;
            }
        }
    }

    /// Discards an upload in progress (tus termination, or expiry);
    /// `Ok(false)` if there was none. A committed blob is not touched. An
    /// append running at the same time fails with [`Error::NotFound`].
    pub async fn resumable_abort(&self, key: &str) -> Result<bool> {
        validate_key(key)?;
        self.store.partial_delete(key).await
    }

    /// Uploads in progress with the time each last received data, so the
    /// caller can abort those abandoned for too long.
    pub async fn resumable_list(&self) -> Result<Vec<(String, SystemTime)>> {
        self.store.partial_list().await
    }

    fn claim(&self, key: &str) -> Result<AppendClaim> {
        let mut set = self.appending.lock().unwrap_or_else(PoisonError::into_inner);
        if !set.insert(key.to_owned()) {
            return Err(Error::UploadBusy);
        }
        Ok(AppendClaim { set: Arc::clone(&self.appending), key: key.to_owned() })
    }

    async fn stage(&self, key: &str, total: u64) -> Result<Stage> {
        let Some(len) = self.store.partial_len(key).await? else {
            return match self.plaintext_len(key).await {
                Ok(size) if size == total => Ok(Stage::Committed),
                Ok(_) | Err(Error::NotFound) => Ok(Stage::Missing),
                Err(e) => Err(e),
            };
        };
        let raw: [u8; HEADER_LEN] = self
            .store
            .partial_read_head(key, HEADER_LEN)
            .await?
            .try_into()
            .map_err(|_| Error::Corrupt("in-progress upload shorter than its header"))?;
        let header = Header::decode(&raw)?;
        let layout = UploadLayout::new(header.chunk_size, total)?;
        let progress = layout.progress(len)?;
        Ok(Stage::InProgress { header, layout, len, progress })
    }

    /// Stores the sealed chunks gathered so far after the `stored` bytes
    /// already there.
    async fn flush(&self, key: &str, stored: &mut u64, batch: &mut Vec<u8>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let bytes = Bytes::from(std::mem::replace(batch, Vec::with_capacity(batch.capacity())));
        let len = bytes.len() as u64;
        self.store.partial_append(key, *stored, bytes).await?;
        *stored += len;
        Ok(())
    }

    async fn finish(&self, kek: &TenantKek, key: &str, total: u64) -> Result<(u64, Option<BlobInfo>)> {
        self.store.partial_commit(key).await?;
        Ok((total, Some(self.verify(kek, key, total).await?)))
    }

    /// Reads the committed blob back: SHA-256 for the caller, and proof
    /// that every chunk authenticates. Only a blob proven bad is deleted: not
    /// on an I/O error (a retry may succeed), and not when the data key does
    /// not unwrap, which is what a wrong KEK looks like.
    async fn verify(&self, kek: &TenantKek, key: &str, total: u64) -> Result<BlobInfo> {
        let (header, _, _) = self.read_header(key).await?;
        kek.unwrap_data_key(key, &header.wrapped_key)?;
        let result = async {
            let size = self.plaintext_len(key).await?;
            if size != total {
                return Err(Error::Corrupt("upload length differs from its declared length"));
            }
            let mut hasher = Sha256::new();
            let mut s = self.read_range(kek, key, 0, size).await?;
            while let Some(piece) = s.try_next().await? {
                hasher.update(&piece);
            }
            Ok(BlobInfo { size, sha256: hasher.finalize().into() })
        }
        .await;
        if let Err(Error::Corrupt(why)) = &result {
            tracing::error!(key, why, "a finished upload does not decrypt; deleting it");
            self.store.delete(key).await?;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `plain` the way the first release did: format v1, whose chunk
    /// AAD binds the wrapped key.
    async fn put_v1(blobs: &EncryptedBlobs, kek: &TenantKek, key: &str, plain: &[u8]) {
        let (dek, mut header) = new_header(kek, key);
        header.version = VERSION_1;
        let mut src = plain;
        let mut reader = EncryptingReader::new(&mut src, dek.cipher(), &header, key);
        blobs.store.put(key, &mut reader).await.unwrap();
    }

    #[tokio::test]
    async fn v1_blobs_still_read_and_are_reencrypted_as_v2_on_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::LocalFolder::open(dir.path()).await.unwrap();
        let blobs = EncryptedBlobs::new(Arc::new(store));
        let old = TenantKek::generate("nordvik");
        let plain: Vec<u8> = (0..(3 * CHUNK_SIZE as usize + 17)).map(|i| (i * 7 % 251) as u8).collect();
        put_v1(&blobs, &old, "n/v1", &plain).await;
        assert_eq!(blobs.read_all(&old, "n/v1").await.unwrap(), plain);
        assert_eq!(blobs.read_header("n/v1").await.unwrap().0.version, VERSION_1);

        let new = TenantKek::generate("nordvik").retiring(&old).unwrap();
        assert_eq!(blobs.rewrap(&new, "n/v1").await.unwrap(), Rewrap::Reencrypted);
        assert_eq!(blobs.read_header("n/v1").await.unwrap().0.version, VERSION);
        assert_eq!(blobs.read_all(&new.current_only(), "n/v1").await.unwrap(), plain);
        assert!(blobs.read_all(&old, "n/v1").await.is_err());
        assert_eq!(blobs.rewrap(&new, "n/v1").await.unwrap(), Rewrap::Current);
    }

    #[tokio::test]
    async fn a_v1_wrapped_key_cannot_be_swapped_even_for_a_valid_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::LocalFolder::open(dir.path()).await.unwrap();
        let blobs = EncryptedBlobs::new(Arc::new(store));
        let kek = TenantKek::generate("nordvik");
        put_v1(&blobs, &kek, "n/a", b"first version").await;
        let (h, raw, _) = blobs.read_header("n/a").await.unwrap();
        // Same data key, wrapped again (valid AEAD): v1 still refuses,
        // because its chunks bind the exact wrapped bytes.
        let dek = kek.unwrap_data_key("n/a", &h.wrapped_key).unwrap();
        let mut h2 = h.clone();
        h2.wrapped_key = kek.wrap_data_key("n/a", &dek);
        blobs.store.rewrite_head("n/a", &raw, &h2.encode()).await.unwrap();
        assert!(blobs.read_all(&kek, "n/a").await.is_err());
    }
}

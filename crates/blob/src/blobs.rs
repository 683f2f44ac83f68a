//! `EncryptedBlobs`: per-blob data keys, chunked AEAD and ranged, streaming
//! decryption on top of any `BlobStore`.

use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::XChaCha20Poly1305;
use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};
use rand::rngs::OsRng;
use rand::RngCore;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::encrypt::EncryptingReader;
use crate::error::{Error, Result};
use crate::format::{
    aad_prefix, chunk_aad, chunk_nonce, Header, Layout, CHUNK_SIZE, HEADER_LEN, NONCE_PREFIX_LEN, TAG_LEN,
};
use crate::keys::{DataKey, TenantKek};
use crate::store::{BlobStore, ByteReader};

/// A stream of decrypted plaintext pieces, each at most one chunk long.
/// Every piece was authenticated before it was yielded.
pub type PlaintextStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// What `put` learned while streaming, for the caller's metadata row.
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
#[derive(Clone)]
pub struct EncryptedBlobs {
    store: Arc<dyn BlobStore>,
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
        let nonce = chunk_nonce(&self.header.nonce_prefix, index);
        let last = i + 1 == self.layout.chunks;
        let aad = chunk_aad(&self.aad_prefix, index, last);
        self.cipher
            .decrypt_in_place(&nonce, &aad, &mut self.buf)
            .map_err(|_| Error::Corrupt("chunk authentication failed"))?;
        self.next += 1;
        Ok(())
    }
}

impl EncryptedBlobs {
    /// Wraps a raw store.
    pub fn new(store: Arc<dyn BlobStore>) -> Self {
        EncryptedBlobs { store }
    }

    /// The raw store, for deletes and health checks that need no keys.
    pub fn store(&self) -> &Arc<dyn BlobStore> {
        &self.store
    }

    /// Encrypts `src` under a fresh data key and stores it atomically under
    /// `key`. Memory use is about two chunks whatever the size of `src`; if
    /// `src` fails, no object becomes visible.
    pub async fn put(&self, kek: &TenantKek, key: &str, src: &mut (dyn AsyncRead + Send + Unpin)) -> Result<BlobInfo> {
        crate::store::validate_key(key)?;
        let dek = DataKey::generate();
        let mut nonce_prefix = [0u8; NONCE_PREFIX_LEN];
        OsRng.fill_bytes(&mut nonce_prefix);
        let header = Header { chunk_size: CHUNK_SIZE, nonce_prefix, wrapped_key: kek.wrap_data_key(key, &dek) };
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
        let (header, raw, layout) = self.read_header(key).await?;
        let size = layout.plaintext_len;
        if offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(Error::RangeOutOfBounds { offset, len, size });
        }
        let dek = kek.unwrap_data_key(key, &header.wrapped_key)?;
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

    /// Removes the blob; `Ok(false)` if it was not there.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        self.store.delete(key).await
    }
}

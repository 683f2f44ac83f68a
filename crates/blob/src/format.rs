//! The on-disk format of an encrypted blob (`SVBLOB1`): header layout, chunk
//! nonces and AADs, and the arithmetic that finds a chunk on disk.
//!
//! ```text
//! header (100 bytes)
//!   0   7  magic "SVBLOB1"
//!   7   1  format version (2; 1 is still read)
//!   8   4  chunk size in plaintext bytes, u32 big-endian (65536)
//!  12  16  random nonce prefix
//!  28  72  data key wrapped by the tenant KEK: nonce(24) ‖ ct(32) ‖ tag(16)
//! chunks, at least one; chunk i starts at 100 + i * (chunk size + 16)
//!   ciphertext of chunk-size plaintext bytes (fewer only in the last) ‖ tag(16)
//! ```
//!
//! Version 2 differs from version 1 only in what the chunk AAD binds: v1
//! binds the whole header, v2 the header *without* the wrapped data key
//! (bytes 0..28: magic, version, chunk size, nonce prefix), under another
//! AAD domain. The wrapped key is authenticated on its own (its AEAD binds
//! tenant and blob key), so a v2 blob's data key can be rewrapped under a
//! new KEK by replacing bytes 28..100 alone, without touching the chunks:
//! that is what makes a KEK rotation cost one small write per blob. The
//! version byte stays bound, so a v2 blob cannot be passed off as v1.
//!
//! The plaintext length is not stored: it follows from the object size and
//! is authenticated by the last-chunk flag in every chunk's AAD, which lets
//! `put` stream a source of unknown length without rewriting the header.
//!
//! A resumable upload in progress is a prefix of the same layout: the header
//! and its whole non-final chunks, nothing else. Its declared length fixes
//! which chunk will be the last, so every chunk before it can be sealed as
//! soon as its bytes arrive, and the finished object is the prefix plus the
//! final chunk, renamed into place without rewriting anything.

use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::error::{Error, Result};
use crate::keys::WRAPPED_KEY_LEN;

/// Identifies an encrypted blob; the digit is part of the magic so a v2
/// reader can refuse a future incompatible layout early.
pub const MAGIC: &[u8; 7] = b"SVBLOB1";
/// Format version written after the magic for new blobs.
pub const VERSION: u8 = 2;
/// The first format, whose chunk AAD binds the wrapped key: still read, and
/// re-encrypted as v2 when its tenant's KEK rotates.
pub const VERSION_1: u8 = 1;
/// Where the wrapped data key lies in the header; everything before it is
/// bound into every chunk's AAD.
pub const WRAPPED_KEY_AT: usize = HEADER_LEN - WRAPPED_KEY_LEN;
/// Plaintext bytes per chunk: the unit of memory use and of range reads.
pub const CHUNK_SIZE: u32 = 64 * 1024;
/// Poly1305 tag appended to every chunk.
pub const TAG_LEN: usize = 16;
/// Random part of every chunk nonce, fresh per blob.
pub const NONCE_PREFIX_LEN: usize = 16;
/// Fixed header size, so a reader fetches it with one ranged read.
pub const HEADER_LEN: usize = MAGIC.len() + 1 + 4 + NONCE_PREFIX_LEN + WRAPPED_KEY_LEN;

/// Chunk sizes a reader accepts from a header: bounds the memory a forged
/// header can make a reader allocate.
const MIN_CHUNK: u32 = 1024;
const MAX_CHUNK: u32 = 1024 * 1024;

const CHUNK_DOMAIN_V1: &[u8] = b"suveren/chunk/v1";
const CHUNK_DOMAIN_V2: &[u8] = b"suveren/chunk/v2";

/// The parsed header.
#[derive(Clone)]
pub(crate) struct Header {
    /// [`VERSION`] or [`VERSION_1`]; kept so an upload begun as v1 goes on
    /// sealing v1 chunks.
    pub version: u8,
    pub chunk_size: u32,
    pub nonce_prefix: [u8; NONCE_PREFIX_LEN],
    pub wrapped_key: [u8; WRAPPED_KEY_LEN],
}

impl Header {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..7].copy_from_slice(MAGIC);
        out[7] = self.version;
        out[8..12].copy_from_slice(&self.chunk_size.to_be_bytes());
        out[12..28].copy_from_slice(&self.nonce_prefix);
        out[28..].copy_from_slice(&self.wrapped_key);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Header> {
        if bytes.len() != HEADER_LEN || &bytes[..7] != MAGIC {
            return Err(Error::Corrupt("not an SVBLOB1 blob"));
        }
        let version = bytes[7];
        if version != VERSION && version != VERSION_1 {
            return Err(Error::Corrupt("unsupported format version"));
        }
        let chunk_size = u32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
            return Err(Error::Corrupt("chunk size out of range"));
        }
        Ok(Header {
            version,
            chunk_size,
            nonce_prefix: bytes[12..28].try_into().expect("16 bytes"),
            wrapped_key: bytes[28..].try_into().expect("72 bytes"),
        })
    }
}

/// `prefix ‖ index (u32 BE) ‖ 0000`: unique per chunk of a blob, and the
/// random prefix keeps it unique across blobs even if a data key repeated.
pub(crate) fn chunk_nonce(prefix: &[u8; NONCE_PREFIX_LEN], index: u32) -> XNonce {
    let mut n = [0u8; 24];
    n[..16].copy_from_slice(prefix);
    n[16..20].copy_from_slice(&index.to_be_bytes());
    *XNonce::from_slice(&n)
}

/// The part of the chunk AAD shared by all chunks of a blob: the header (so
/// no header field can be altered; in v2 without the wrapped key, which
/// authenticates itself and may be rewrapped) and the blob key (so chunks
/// cannot be moved between blobs). The version byte decides, and is bound.
pub(crate) fn aad_prefix(header: &[u8; HEADER_LEN], blob_key: &str) -> Vec<u8> {
    let (domain, bound) = if header[7] == VERSION_1 {
        (CHUNK_DOMAIN_V1, &header[..])
    } else {
        (CHUNK_DOMAIN_V2, &header[..WRAPPED_KEY_AT])
    };
    let mut out = Vec::with_capacity(domain.len() + HEADER_LEN + 4 + blob_key.len() + 5);
    out.extend_from_slice(domain);
    out.extend_from_slice(bound);
    out.extend_from_slice(&(blob_key.len() as u32).to_be_bytes());
    out.extend_from_slice(blob_key.as_bytes());
    out
}

/// Completes the AAD with the chunk index (no reordering) and the last-chunk
/// flag (no truncation or extension).
pub(crate) fn chunk_aad(prefix: &[u8], index: u32, last: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + 5);
    out.extend_from_slice(prefix);
    out.extend_from_slice(&index.to_be_bytes());
    out.push(u8::from(last));
    out
}

/// Seals one chunk in place and returns its tag. The only sealing routine:
/// `put` and resumable appends both go through it, so for the same data key,
/// header and plaintext they write the same bytes.
pub(crate) fn seal_chunk(
    cipher: &XChaCha20Poly1305,
    nonce_prefix: &[u8; NONCE_PREFIX_LEN],
    aad_prefix: &[u8],
    index: u32,
    last: bool,
    plain: &mut [u8],
) -> [u8; TAG_LEN] {
    let nonce = chunk_nonce(nonce_prefix, index);
    let aad = chunk_aad(aad_prefix, index, last);
    cipher
        .encrypt_in_place_detached(&nonce, &aad, plain)
        .expect("XChaCha20-Poly1305 cannot fail on a chunk of at most 1 MiB")
        .into()
}

/// Authenticates and decrypts one chunk (`ciphertext ‖ tag`) in place,
/// leaving only the plaintext in `buf`.
pub(crate) fn open_chunk(
    cipher: &XChaCha20Poly1305,
    nonce_prefix: &[u8; NONCE_PREFIX_LEN],
    aad_prefix: &[u8],
    index: u32,
    last: bool,
    buf: &mut Vec<u8>,
) -> Result<()> {
    let nonce = chunk_nonce(nonce_prefix, index);
    let aad = chunk_aad(aad_prefix, index, last);
    cipher.decrypt_in_place(&nonce, &aad, buf).map_err(|_| Error::Corrupt("chunk authentication failed"))
}

/// The plaintext length of a committed blob, from its first bytes (at
/// least [`HEADER_LEN`]) and its size on disk: checks the magic, version and
/// chunk size and that the size fits the chunk layout. Lets a backup check a
/// blob against its metadata without any key.
pub fn plaintext_len(head: &[u8], object_size: u64) -> Result<u64> {
    let head = head.get(..HEADER_LEN).ok_or(Error::Corrupt("blob shorter than its header"))?;
    let header = Header::decode(head)?;
    Ok(Layout::from_object_size(header.chunk_size, object_size)?.plaintext_len)
}

/// Where the chunks of a blob lie, derived from the object size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub chunk_size: u64,
    pub chunks: u64,
    pub plaintext_len: u64,
}

impl Layout {
    pub fn from_object_size(chunk_size: u32, object_size: u64) -> Result<Layout> {
        let chunk_size = u64::from(chunk_size);
        let stride = chunk_size + TAG_LEN as u64;
        let body = object_size
            .checked_sub(HEADER_LEN as u64)
            .filter(|b| *b >= TAG_LEN as u64)
            .ok_or(Error::Corrupt("blob shorter than header and one chunk"))?;
        let chunks = body.div_ceil(stride);
        let last_ct = body - (chunks - 1) * stride;
        if last_ct < TAG_LEN as u64 || chunks > u64::from(u32::MAX) + 1 {
            return Err(Error::Corrupt("blob size does not match the chunk layout"));
        }
        let plaintext_len = (chunks - 1) * chunk_size + last_ct - TAG_LEN as u64;
        Ok(Layout { chunk_size, chunks, plaintext_len })
    }

    /// Offset of chunk `i` in the object.
    pub fn chunk_offset(&self, i: u64) -> u64 {
        HEADER_LEN as u64 + i * (self.chunk_size + TAG_LEN as u64)
    }

    /// Plaintext bytes in chunk `i`.
    pub fn chunk_plain_len(&self, i: u64) -> u64 {
        if i + 1 == self.chunks {
            self.plaintext_len - i * self.chunk_size
        } else {
            self.chunk_size
        }
    }
}

/// The chunk plan of a resumable upload, fixed by its declared plaintext
/// length: exactly the chunks `put` would write for that many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UploadLayout {
    chunk_size: u64,
    total: u64,
    chunks: u64,
}

/// How far an in-progress object got, judged from its size alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// `sealed` whole non-final chunks end at byte `keep`; anything after
    /// that is a torn write and must be cut off before appending.
    Partial { sealed: u64, keep: u64 },
    /// Every chunk including the final one is in place; only the commit is
    /// missing (the process stopped between the last append and the rename).
    Complete,
}

impl UploadLayout {
    /// Refuses lengths whose chunk count would overflow the nonce counter.
    pub fn new(chunk_size: u32, total: u64) -> Result<UploadLayout> {
        let chunk_size = u64::from(chunk_size);
        let chunks = total.div_ceil(chunk_size).max(1);
        if chunks > u64::from(u32::MAX) + 1 {
            return Err(Error::TooLarge);
        }
        Ok(UploadLayout { chunk_size, total, chunks })
    }

    /// Bytes one whole chunk takes on disk.
    pub fn stride(&self) -> u64 {
        self.chunk_size + TAG_LEN as u64
    }

    /// Size of the finished object, the same as `put` produces.
    pub fn object_size(&self) -> u64 {
        HEADER_LEN as u64 + self.total + self.chunks * TAG_LEN as u64
    }

    /// Whether chunk `i` is the final one, which only the end of the upload
    /// may seal.
    pub fn is_last(&self, i: u64) -> bool {
        i + 1 == self.chunks
    }

    /// Plaintext bytes in chunk `i`.
    pub fn chunk_plain_len(&self, i: u64) -> u64 {
        if self.is_last(i) {
            self.total - i * self.chunk_size
        } else {
            self.chunk_size
        }
    }

    /// The upload offset (plaintext bytes received) after `sealed` chunks.
    pub fn offset(&self, sealed: u64) -> u64 {
        sealed * self.chunk_size
    }

    /// Reads progress off the in-progress object's size. A size beyond what
    /// the declared length allows means the caller passed another length
    /// than at the start, and continuing would seal chunks wrongly.
    pub fn progress(&self, object_len: u64) -> Result<Progress> {
        if object_len == self.object_size() {
            return Ok(Progress::Complete);
        }
        let body = object_len
            .checked_sub(HEADER_LEN as u64)
            .ok_or(Error::Corrupt("in-progress upload shorter than its header"))?;
        let sealed = body / self.stride();
        if sealed >= self.chunks {
            return Err(Error::Corrupt("in-progress upload is longer than its declared length allows"));
        }
        Ok(Progress::Partial { sealed, keep: HEADER_LEN as u64 + sealed * self.stride() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_size(pt: u64) -> u64 {
        let c = u64::from(CHUNK_SIZE);
        let chunks = if pt == 0 { 1 } else { pt.div_ceil(c) };
        HEADER_LEN as u64 + pt + chunks * TAG_LEN as u64
    }

    #[test]
    fn layout_inverts_sizes() {
        let c = u64::from(CHUNK_SIZE);
        for pt in [0, 1, c - 1, c, c + 1, 3 * c, 3 * c + 7] {
            let l = Layout::from_object_size(CHUNK_SIZE, object_size(pt)).unwrap();
            assert_eq!(l.plaintext_len, pt, "pt={pt}");
            let total: u64 = (0..l.chunks).map(|i| l.chunk_plain_len(i)).sum();
            assert_eq!(total, pt);
        }
        assert!(Layout::from_object_size(CHUNK_SIZE, HEADER_LEN as u64 + 15).is_err());
        // A trailing fragment shorter than a tag cannot be a chunk.
        assert!(Layout::from_object_size(CHUNK_SIZE, object_size(c) + 5).is_err());
    }

    #[test]
    fn upload_layout_matches_put_and_reads_progress() {
        let c = u64::from(CHUNK_SIZE);
        let stride = c + TAG_LEN as u64;
        let h = HEADER_LEN as u64;
        for pt in [0, 1, c - 1, c, c + 1, 3 * c, 3 * c + 7] {
            let u = UploadLayout::new(CHUNK_SIZE, pt).unwrap();
            assert_eq!(u.object_size(), object_size(pt), "pt={pt}");
            let l = Layout::from_object_size(CHUNK_SIZE, u.object_size()).unwrap();
            assert_eq!(u.chunks, l.chunks);
            assert!((0..u.chunks).all(|i| u.chunk_plain_len(i) == l.chunk_plain_len(i)));
            assert_eq!(u.progress(u.object_size()).unwrap(), Progress::Complete);
            assert_eq!(u.progress(h).unwrap(), Progress::Partial { sealed: 0, keep: h });
        }
        let u = UploadLayout::new(CHUNK_SIZE, 3 * c + 7).unwrap();
        // A torn write is cut back to the last whole chunk.
        assert_eq!(u.progress(h + 2 * stride + 5).unwrap(), Progress::Partial { sealed: 2, keep: h + 2 * stride });
        assert_eq!(u.progress(h + 3 * stride + 5).unwrap(), Progress::Partial { sealed: 3, keep: h + 3 * stride });
        assert_eq!(u.offset(3), 3 * c);
        // More whole chunks than the declared length allows: wrong length.
        assert!(UploadLayout::new(CHUNK_SIZE, 2 * c).unwrap().progress(h + 2 * stride + 1).is_err());
        assert!(u.progress(h - 1).is_err());
        // An exact multiple: the final chunk is full, and only it is last.
        let u = UploadLayout::new(CHUNK_SIZE, 2 * c).unwrap();
        assert!(!u.is_last(0) && u.is_last(1));
        assert_eq!(u.progress(h + stride).unwrap(), Progress::Partial { sealed: 1, keep: h + stride });
        assert!(matches!(UploadLayout::new(CHUNK_SIZE, u64::MAX), Err(Error::TooLarge)));
    }

    #[test]
    fn header_round_trip_and_refusals() {
        let h = Header {
            version: VERSION,
            chunk_size: CHUNK_SIZE,
            nonce_prefix: [7; 16],
            wrapped_key: [9; WRAPPED_KEY_LEN],
        };
        let bytes = h.encode();
        assert_eq!(bytes.len(), 100);
        assert_eq!(WRAPPED_KEY_AT, 28);
        let back = Header::decode(&bytes).unwrap();
        assert_eq!(back.encode(), bytes);
        let mut v1 = bytes;
        v1[7] = VERSION_1;
        assert_eq!(Header::decode(&v1).unwrap().version, VERSION_1);
        let mut bad = bytes;
        bad[7] = 3;
        assert!(Header::decode(&bad).is_err());
        let mut bad = bytes;
        bad[8..12].copy_from_slice(&(64 * 1024 * 1024u32).to_be_bytes());
        assert!(Header::decode(&bad).is_err());
    }

    #[test]
    fn plaintext_len_from_the_head_and_the_size() {
        let h = Header {
            version: VERSION,
            chunk_size: CHUNK_SIZE,
            nonce_prefix: [7; 16],
            wrapped_key: [9; WRAPPED_KEY_LEN],
        };
        let mut head = h.encode().to_vec();
        let c = u64::from(CHUNK_SIZE);
        assert_eq!(plaintext_len(&head, object_size(3 * c + 7)).unwrap(), 3 * c + 7);
        head.extend_from_slice(&[0; 40]); // more than the header: the rest is ignored
        assert_eq!(plaintext_len(&head, object_size(0)).unwrap(), 0);
        assert!(plaintext_len(&head[..50], object_size(10)).is_err(), "a cut-off header");
        assert!(plaintext_len(&head, object_size(c) + 5).is_err(), "a torn last chunk");
        head[0] = b'X';
        assert!(plaintext_len(&head, object_size(10)).is_err(), "not a blob");
    }

    #[test]
    fn v2_aad_leaves_out_the_wrapped_key_and_binds_the_version() {
        let h = Header {
            version: VERSION,
            chunk_size: CHUNK_SIZE,
            nonce_prefix: [7; 16],
            wrapped_key: [9; WRAPPED_KEY_LEN],
        };
        let a = h.encode();
        let mut rewrapped = a;
        rewrapped[WRAPPED_KEY_AT..].fill(1);
        assert_eq!(aad_prefix(&a, "k"), aad_prefix(&rewrapped, "k"));
        let mut v1 = a;
        v1[7] = VERSION_1;
        assert_ne!(aad_prefix(&a, "k"), aad_prefix(&v1, "k"));
        let mut v1b = v1;
        v1b[WRAPPED_KEY_AT..].fill(1);
        assert_ne!(aad_prefix(&v1, "k"), aad_prefix(&v1b, "k"), "v1 binds the wrapped key");
    }
}

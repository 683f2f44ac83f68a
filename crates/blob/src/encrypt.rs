//! `EncryptingReader`: turns a plaintext source into an `SVBLOB1` ciphertext
//! source, so any `BlobStore::put` can stream it with bounded memory.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use chacha20poly1305::XChaCha20Poly1305;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, ReadBuf};

use crate::format::{aad_prefix, seal_chunk, Header, NONCE_PREFIX_LEN, TAG_LEN};

/// Reads plaintext one chunk plus one byte ahead: the extra byte tells
/// whether the current chunk is the last, which its AAD must state. Memory is
/// one plaintext and one ciphertext chunk, whatever the source size.
pub(crate) struct EncryptingReader<'a> {
    src: &'a mut (dyn AsyncRead + Send + Unpin),
    cipher: XChaCha20Poly1305,
    nonce_prefix: [u8; NONCE_PREFIX_LEN],
    aad_prefix: Vec<u8>,
    chunk: usize,
    plain: Vec<u8>,
    filled: usize,
    src_eof: bool,
    out: Vec<u8>,
    out_pos: usize,
    index: u32,
    done: bool,
    hasher: Sha256,
    plaintext_len: u64,
}

impl<'a> EncryptingReader<'a> {
    pub fn new(
        src: &'a mut (dyn AsyncRead + Send + Unpin),
        cipher: XChaCha20Poly1305,
        header: &Header,
        blob_key: &str,
    ) -> Self {
        let encoded = header.encode();
        let chunk = header.chunk_size as usize;
        EncryptingReader {
            src,
            cipher,
            nonce_prefix: header.nonce_prefix,
            aad_prefix: aad_prefix(&encoded, blob_key),
            chunk,
            plain: vec![0u8; chunk + 1],
            filled: 0,
            src_eof: false,
            out: {
                let mut v = Vec::with_capacity(chunk + TAG_LEN);
                v.extend_from_slice(&encoded);
                v
            },
            out_pos: 0,
            index: 0,
            done: false,
            hasher: Sha256::new(),
            plaintext_len: 0,
        }
    }

    /// Plaintext length and SHA-256, once the whole source was consumed;
    /// `None` if the consumer stopped early (then the blob is incomplete).
    pub fn finish(self) -> Option<(u64, [u8; 32])> {
        (self.done && self.out_pos == self.out.len()).then(|| (self.plaintext_len, self.hasher.finalize().into()))
    }

    /// Seals the next chunk into `out`; called only with a full lookahead
    /// buffer or at source EOF.
    fn seal_next(&mut self) -> io::Result<()> {
        let last = self.src_eof;
        let n = if last { self.filled } else { self.chunk };
        if !last && self.index == u32::MAX {
            return Err(io::Error::other("blob too large for the SVBLOB1 chunk counter"));
        }
        let plain = &self.plain[..n];
        self.hasher.update(plain);
        self.plaintext_len += n as u64;
        self.out.clear();
        self.out.extend_from_slice(plain);
        let tag = seal_chunk(&self.cipher, &self.nonce_prefix, &self.aad_prefix, self.index, last, &mut self.out);
        self.out.extend_from_slice(&tag);
        self.out_pos = 0;
        if last {
            self.done = true;
        } else {
            self.plain.copy_within(self.chunk..self.chunk + 1, 0);
            self.filled = 1;
            self.index += 1;
        }
        Ok(())
    }
}

impl AsyncRead for EncryptingReader<'_> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.out_pos < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.out_pos);
                buf.put_slice(&this.out[this.out_pos..this.out_pos + n]);
                this.out_pos += n;
                return Poll::Ready(Ok(()));
            }
            if this.done {
                return Poll::Ready(Ok(()));
            }
            // Fill up to chunk + 1 bytes; progress survives a Pending.
            while !this.src_eof && this.filled < this.chunk + 1 {
                let mut rb = ReadBuf::new(&mut this.plain[this.filled..]);
                ready!(Pin::new(&mut *this.src).poll_read(cx, &mut rb))?;
                match rb.filled().len() {
                    0 => this.src_eof = true,
                    n => this.filled += n,
                }
            }
            this.seal_next()?;
        }
    }
}

//! `S3Blobs`: the blob store in an S3 bucket (Garage, MinIO, AWS or any
//! other S3 API), over `object_store`'s `AmazonS3`.
//!
//! ```text
//! <prefix>/objects/<key>                committed objects, key as given
//! <prefix>/partial/<key, / as .>/head   an upload in progress: its head …
//! <prefix>/partial/<…>/<offset, 20 digits>  … and one object per append
//! <prefix>/probe/<random>               written and removed by `open`
//! ```
//!
//! **Committed objects.** `put` streams: a body under 8 MiB is one PUT, a
//! larger one a multipart upload in 8 MiB parts with at most two parts in
//! flight, so memory stays near 24 MiB whatever the size. S3 makes an object
//! visible only when its PUT or its CompleteMultipartUpload succeeds, which
//! is the trait's "visible only when complete"; a failed or cancelled upload
//! is aborted (a cancelled one from a task spawned on drop). An abort can
//! itself fail, so a lifecycle rule `AbortIncompleteMultipartUpload` on the
//! bucket is recommended. `read_range` is one ranged GET, streamed; S3's 416
//! for a start at or past the end becomes an empty reader.
//!
//! **Uploads in progress.** An S3 multipart upload cannot hold them:
//! `object_store` cannot list the parts of an upload after a restart, parts
//! below 5 MiB are refused (our appends are about 1 MiB), and a part cannot
//! be cut back. So every append is staged as its own object named by the
//! offset it starts at, next to a `head` object; a PUT is atomic, so an
//! append is either all there or not at all (no torn tails on S3). The
//! in-progress object is the head followed by the chain of pieces that
//! start exactly where the previous one ended; a piece off that chain (left
//! by a writer that lost a race) is ignored and removed with the upload.
//!
//! - `partial_len`: one LIST of the upload's folder. To keep a long upload
//!   from listing thousands of pieces on every append, the end of the chain
//!   seen last is remembered per key, and the next call lists only from the
//!   last piece on (`start-after`): one short LIST whatever the size; when
//!   that piece is gone or changed it falls back to the full LIST.
//! - `partial_append`: the length must equal `at` (else `UploadBusy`), and
//!   the piece is written with `If-None-Match: *` when the server honours it
//!   (`open` probes this), so of two writers at the same offset one fails;
//!   EncryptedBlobs already keeps two appends in one process apart.
//! - `partial_truncate`: deletes the pieces at or past the cut, newest
//!   first (so a crash leaves a shorter chain, never a gap), and rewrites
//!   the one piece the cut falls inside with its first bytes.
//! - `partial_commit`: streams head and pieces in order into the object with
//!   the same streamed `put` (multipart when large), then deletes the head
//!   (from then on nothing is in progress) and the pieces. A crash between
//!   the two leaves the upload listed, and committing again or expiring it
//!   finishes the job. The commit copies the upload once through this
//!   process: S3 offers no way to concatenate small objects in place.
//! - `partial_rewrite_head` rewrites the head object (compare, then a PUT
//!   conditional on the ETag read when the server honours conditions).
//!
//! Committed objects use the trait's default `rewrite_head`, which streams
//! the object into a replacement: S3 objects are immutable.
//!
//! **Network.** Requests go to the configured endpoint only: static
//! credentials (never the environment, instance metadata or STS),
//! path-style addressing (`<endpoint>/<bucket>/…`, as Garage, MinIO and
//! moto on loopback want), the HTTP client built here with proxy variables
//! ignored and redirects not followed, TLS by rustls with the system's
//! roots. Requests other than reads give up after two minutes; a read
//! stream has no overall limit, since a slow client may take hours to
//! download a large file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AwsCredential, S3ConditionalPut};
use object_store::client::{HttpClient, HttpConnector};
use object_store::path::Path;
use object_store::{
    ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode, PutPayload, RetryConfig,
    StaticCredentialProvider, UpdateVersion, WriteMultipart,
};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::io::StreamReader;
use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::store::{validate_key, BlobStore, ByteReader};

/// Part size of a multipart upload, and the size from which `put` uses one.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploading at once; with the part being filled, the memory of a put.
const PARTS_IN_FLIGHT: usize = 2;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-request limit for everything but read streams.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Uploads in progress whose chain end is remembered; past this the memory
/// is cleared (it is only a shortcut; a full LIST is always correct).
const MAX_REMEMBERED: usize = 4096;
const OBJECTS: &str = "objects";
const PARTIAL: &str = "partial";
const HEAD: &str = "head";
const PIECE_DIGITS: usize = 20;

/// Where the bucket is and how to sign in to it. The secret is wiped from
/// memory when the config is dropped (`object_store` keeps its own copy for
/// as long as the store lives).
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.example.org` or, with `allow_http`, `http://127.0.0.1:3900`.
    pub endpoint: String,
    pub bucket: String,
    /// Signing region (`garage` for a default Garage, `us-east-1` for MinIO).
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Folder inside the bucket for everything this store writes, so one
    /// bucket can hold several installations: segments of
    /// `[A-Za-z0-9._-]`, separated by single `/`.
    pub prefix: Option<String>,
    /// Allows a plain `http://` endpoint (a loopback Garage); otherwise
    /// only HTTPS is spoken.
    pub allow_http: bool,
}

impl Drop for S3Config {
    fn drop(&mut self) {
        self.secret_access_key.zeroize();
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Blob store in an S3 bucket; see the module documentation for the layout
/// and how uploads in progress are kept. Clones share the connection pools
/// and the remembered upload ends.
#[derive(Clone)]
pub struct S3Blobs {
    /// Bounded requests: PUT, HEAD, LIST, DELETE, small GETs.
    ops: AmazonS3,
    /// Streamed reads, without an overall time limit.
    reads: AmazonS3,
    /// `prefix/` or empty.
    root: String,
    /// Whether the server honours `If-None-Match: *` and `If-Match` on PUT.
    conditional: bool,
    tails: Arc<Mutex<HashMap<String, Tail>>>,
    endpoint: String,
    bucket: String,
}

impl fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Blobs")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("root", &self.root)
            .field("conditional", &self.conditional)
            .finish()
    }
}

/// The last piece of an upload's chain as this process last saw it.
#[derive(Debug, Clone, Copy)]
struct Tail {
    start: u64,
    end: u64,
}

/// What one LIST shows of an upload's staging folder.
#[derive(Debug, Default)]
struct Staged {
    head: Option<u64>,
    /// Piece start → size.
    pieces: BTreeMap<u64, u64>,
}

impl Staged {
    /// Follows the chain from `end`: each piece starting where the last
    /// ended. Returns the chain's end and its pieces from `end` on.
    fn walk(&self, mut end: u64) -> (u64, Vec<(u64, u64)>) {
        let mut chain = Vec::new();
        while let Some(&size) = self.pieces.get(&end) {
            if size == 0 {
                break;
            }
            chain.push((end, size));
            end += size;
        }
        (end, chain)
    }
}

/// The reqwest client under `object_store`, built here so that proxy
/// variables in the environment and redirects can never send a request to
/// another host.
#[derive(Debug)]
struct Connector {
    allow_http: bool,
    timeout: Option<Duration>,
}

impl HttpConnector for Connector {
    fn connect(&self, _options: &ClientOptions) -> object_store::Result<HttpClient> {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!self.allow_http)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("suveren/", env!("CARGO_PKG_VERSION")));
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        let client = builder.build().map_err(|e| object_store::Error::Generic { store: "S3", source: Box::new(e) })?;
        Ok(HttpClient::new(client))
    }
}

/// An I/O error carrying the store's error as its source.
fn io_err(e: object_store::Error) -> Error {
    Error::Io(io::Error::other(e))
}

/// For lookups of one object: a 404 is [`Error::NotFound`].
fn lookup_err(e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => Error::NotFound,
        other => io_err(other),
    }
}

fn invalid(what: &'static str) -> Error {
    Error::Io(io::Error::new(io::ErrorKind::InvalidInput, what))
}

fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

/// Reads until `limit` bytes or the end of `src`.
async fn read_up_to(src: &mut (dyn AsyncRead + Send + Unpin), limit: usize, capacity: usize) -> io::Result<Bytes> {
    let mut buf = Vec::with_capacity(capacity);
    src.take(limit as u64).read_to_end(&mut buf).await?;
    Ok(Bytes::from(buf))
}

/// Aborts a multipart upload that did not finish, also when the put's
/// future is dropped half-way (a cancelled request): from a spawned task,
/// since `Drop` cannot wait.
struct AbortOnDrop(Option<WriteMultipart>);

impl AbortOnDrop {
    async fn abort(&mut self) {
        if let Some(upload) = self.0.take() {
            if let Err(e) = upload.abort().await {
                tracing::warn!(error = %e, "could not abort a failed multipart upload");
            }
        }
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(upload) = self.0.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Err(e) = upload.abort().await {
                        tracing::warn!(error = %e, "could not abort a cancelled multipart upload");
                    }
                });
            }
        }
    }
}

impl S3Blobs {
    /// Connects to the bucket and checks that it answers (a LIST) and takes
    /// writes (a probe object, written twice with `If-None-Match: *` to learn
    /// whether the server honours conditional writes, then removed). The
    /// error names the endpoint and the bucket.
    pub async fn open(cfg: S3Config) -> Result<Self> {
        let root = match cfg.prefix.as_deref().map(|p| p.trim_matches('/')) {
            None | Some("") => String::new(),
            Some(p) if valid_prefix(p) => format!("{p}/"),
            Some(_) => return Err(invalid("S3 prefix: use segments of [A-Za-z0-9._-] separated by single '/'")),
        };
        let ops = Self::client(&cfg, Some(REQUEST_TIMEOUT))?;
        let reads = Self::client(&cfg, None)?;
        let what = format!("S3 bucket {:?} at {}", cfg.bucket, cfg.endpoint);
        let fail = |doing: &str, e: object_store::Error| {
            Error::Io(io::Error::other(format!(
                "{what} {doing}: {e} (check the endpoint, bucket, region and credentials)"
            )))
        };

        let listed = ops.list(Some(&Path::from(format!("{root}{OBJECTS}")))).next().await;
        if let Some(Err(e)) = listed {
            return Err(fail("does not answer a LIST", e));
        }

        let probe = Path::from(format!("{root}probe/{}", hex::encode(rand::random::<[u8; 8]>())));
        let body = || PutPayload::from_static(b"suveren probe");
        let conditional = match ops.put_opts(&probe, body(), PutMode::Create.into()).await {
            Ok(_) => matches!(
                ops.put_opts(&probe, body(), PutMode::Create.into()).await,
                Err(object_store::Error::AlreadyExists { .. })
            ),
            Err(_) => {
                ops.put(&probe, body()).await.map_err(|e| fail("refuses a write", e))?;
                false
            }
        };
        ops.delete(&probe).await.map_err(|e| fail("refuses a delete", e))?;
        if !conditional {
            tracing::warn!(
                endpoint = %cfg.endpoint,
                bucket = %cfg.bucket,
                "the S3 server ignores conditional writes (If-None-Match): two nodes appending to one \
                 upload at the same instant are caught only when the finished upload is verified"
            );
        }
        Ok(S3Blobs {
            ops,
            reads,
            root,
            conditional,
            tails: Arc::default(),
            endpoint: cfg.endpoint.clone(),
            bucket: cfg.bucket.clone(),
        })
    }

    /// Whether the server refuses a PUT with `If-None-Match: *` over an
    /// existing object (AWS, MinIO and moto do). Without it two server
    /// processes appending to one upload at the same instant could both
    /// succeed (one process never does: `EncryptedBlobs` keeps appends
    /// apart), and the damage is caught when the finished upload is verified.
    pub fn conditional_writes(&self) -> bool {
        self.conditional
    }

    fn client(cfg: &S3Config, timeout: Option<Duration>) -> Result<AmazonS3> {
        let credential =
            AwsCredential { key_id: cfg.access_key_id.clone(), secret_key: cfg.secret_access_key.clone(), token: None };
        AmazonS3Builder::new()
            .with_endpoint(cfg.endpoint.trim_end_matches('/'))
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_credentials(Arc::new(StaticCredentialProvider::new(credential)))
            .with_virtual_hosted_style_request(false)
            .with_allow_http(cfg.allow_http)
            .with_conditional_put(S3ConditionalPut::ETagMatch)
            .with_retry(RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(60), ..Default::default() })
            .with_http_connector(Connector { allow_http: cfg.allow_http, timeout })
            .build()
            .map_err(|e| Error::Io(io::Error::new(io::ErrorKind::InvalidInput, e)))
    }

    fn object_path(&self, key: &str) -> Result<Path> {
        validate_key(key)?;
        Ok(Path::from(format!("{}{OBJECTS}/{key}", self.root)))
    }

    /// The staging folder of `key`'s upload: one path segment (`/` as `.`,
    /// which keys never contain), so no upload's folder lies in another's.
    fn staging_dir(&self, key: &str) -> Result<String> {
        validate_key(key)?;
        Ok(format!("{}{PARTIAL}/{}", self.root, key.replace('/', ".")))
    }

    fn head_path(dir: &str) -> Path {
        Path::from(format!("{dir}/{HEAD}"))
    }

    fn piece_path(dir: &str, start: u64) -> Path {
        Path::from(format!("{dir}/{start:0PIECE_DIGITS$}"))
    }

    fn tail(&self, key: &str) -> Option<Tail> {
        self.tails.lock().unwrap_or_else(PoisonError::into_inner).get(key).copied()
    }

    fn remember(&self, key: &str, tail: Option<Tail>) {
        let mut tails = self.tails.lock().unwrap_or_else(PoisonError::into_inner);
        match tail {
            Some(tail) => {
                if tails.len() >= MAX_REMEMBERED && !tails.contains_key(key) {
                    tails.clear();
                }
                tails.insert(key.to_owned(), tail);
            }
            None => {
                tails.remove(key);
            }
        }
    }

    /// LISTs the staging folder, all of it or from the piece at `from` on.
    async fn list_staged(&self, dir: &str, from: Option<u64>) -> Result<Staged> {
        let prefix = Path::from(dir);
        let mut listing = match from {
            Some(start) if start > 0 => self.ops.list_with_offset(Some(&prefix), &Self::piece_path(dir, start - 1)),
            _ => self.ops.list(Some(&prefix)),
        };
        let mut staged = Staged::default();
        while let Some(meta) = listing.try_next().await.map_err(io_err)? {
            let Some(name) = meta.location.as_ref().strip_prefix(dir).and_then(|n| n.strip_prefix('/')) else {
                continue;
            };
            if name == HEAD {
                staged.head = Some(meta.size);
            } else if name.len() == PIECE_DIGITS && name.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(start) = name.parse() {
                    staged.pieces.insert(start, meta.size);
                }
            }
        }
        Ok(staged)
    }

    /// The in-progress object's length, `None` when there is none. Lists
    /// from the remembered last piece when it is still there as it was.
    async fn current_len(&self, key: &str, dir: &str) -> Result<Option<u64>> {
        if let Some(tail) = self.tail(key) {
            let staged = self.list_staged(dir, Some(tail.start)).await?;
            if staged.head.is_none() {
                self.remember(key, None);
                return Ok(None);
            }
            if staged.pieces.get(&tail.start) == Some(&(tail.end - tail.start)) {
                let (end, chain) = staged.walk(tail.end);
                let last = chain.last().map_or(tail, |&(start, size)| Tail { start, end: start + size });
                self.remember(key, Some(last));
                return Ok(Some(end));
            }
        }
        let staged = self.list_staged(dir, None).await?;
        let Some(head) = staged.head else {
            self.remember(key, None);
            return Ok(None);
        };
        let (end, chain) = staged.walk(head);
        self.remember(key, chain.last().map(|&(start, size)| Tail { start, end: start + size }));
        Ok(Some(end))
    }

    /// A small object in one PUT; with `create`, only if nothing is there
    /// (when the server honours the condition): `Ok(false)` if something was.
    async fn put_small(&self, path: &Path, body: Bytes, create: bool) -> Result<bool> {
        let mode = if create && self.conditional { PutMode::Create } else { PutMode::Overwrite };
        match self.ops.put_opts(path, PutPayload::from(body), mode.into()).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(io_err(e)),
        }
    }

    /// Streams `src` into the object at `path`: one PUT below [`PART_SIZE`],
    /// else a multipart upload, aborted unless it completes.
    async fn upload(&self, path: &Path, src: &mut (dyn AsyncRead + Send + Unpin)) -> Result<u64> {
        let first = read_up_to(src, PART_SIZE, 64 * 1024).await?;
        if first.len() < PART_SIZE {
            let n = first.len() as u64;
            self.ops.put_opts(path, PutPayload::from(first), PutMode::Overwrite.into()).await.map_err(io_err)?;
            return Ok(n);
        }
        let upload = self.ops.put_multipart(path).await.map_err(io_err)?;
        let mut guard = AbortOnDrop(Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)));
        let mut written = first.len() as u64;
        let mut next = first;
        loop {
            let writer = guard.0.as_mut().expect("upload in progress");
            writer.put(next);
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                guard.abort().await;
                return Err(io_err(e));
            }
            next = match read_up_to(src, PART_SIZE, PART_SIZE).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    guard.abort().await;
                    return Err(e.into());
                }
            };
            if next.is_empty() {
                break;
            }
            written += next.len() as u64;
        }
        // `finish` aborts the upload itself when it fails.
        let writer = guard.0.take().expect("upload in progress");
        writer.finish().await.map_err(io_err)?;
        Ok(written)
    }

    /// The concatenation of `parts` (path, bytes to read), streamed.
    fn concat(&self, parts: Vec<(Path, u64)>) -> ByteReader {
        let store = self.reads.clone();
        let pieces = stream::iter(parts)
            .then(move |(path, size)| {
                let store = store.clone();
                async move {
                    let options = GetOptions { range: Some(GetRange::Bounded(0..size)), ..Default::default() };
                    Ok::<_, object_store::Error>(store.get_opts(&path, options).await?.into_stream())
                }
            })
            .try_flatten();
        Box::new(StreamReader::new(Box::pin(pieces)))
    }

    /// The head and the chain, as (path, size) in order, and the total.
    fn chain_parts(dir: &str, staged: &Staged) -> (Vec<(Path, u64)>, u64) {
        let head = staged.head.unwrap_or(0);
        let (end, chain) = staged.walk(head);
        let mut parts = Vec::with_capacity(chain.len() + 1);
        if head > 0 {
            parts.push((Self::head_path(dir), head));
        }
        parts.extend(chain.into_iter().map(|(start, size)| (Self::piece_path(dir, start), size)));
        (parts, end)
    }

    /// Deletes the listed pieces, newest first, so that a crash half-way
    /// leaves a shorter chain and never a gap.
    async fn delete_pieces(&self, dir: &str, starts: impl DoubleEndedIterator<Item = u64>) -> Result<()> {
        for start in starts.rev() {
            self.ops.delete(&Self::piece_path(dir, start)).await.map_err(io_err)?;
        }
        Ok(())
    }

    async fn get_bytes(&self, path: &Path, range: Option<Range<u64>>) -> Result<(Bytes, Option<String>)> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        let result = self.ops.get_opts(path, options).await.map_err(lookup_err)?;
        let e_tag = result.meta.e_tag.clone();
        Ok((result.bytes().await.map_err(io_err)?, e_tag))
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn put(&self, key: &str, src: &mut (dyn AsyncRead + Send + Unpin)) -> Result<u64> {
        let path = self.object_path(key)?;
        self.upload(&path, src).await
    }

    async fn read_range(&self, key: &str, offset: u64, len: Option<u64>) -> Result<ByteReader> {
        let path = self.object_path(key)?;
        let range = match len {
            // S3 cannot express an empty range; the object must exist still.
            Some(0) => {
                self.ops.head(&path).await.map_err(lookup_err)?;
                return Ok(Box::new(tokio::io::empty()));
            }
            Some(len) => Some(GetRange::Bounded(offset..offset.saturating_add(len))),
            None if offset == 0 => None,
            None => Some(GetRange::Offset(offset)),
        };
        let ranged = range.is_some();
        let options = GetOptions { range, ..Default::default() };
        match self.reads.get_opts(&path, options).await {
            Ok(result) => Ok(Box::new(StreamReader::new(result.into_stream()))),
            Err(object_store::Error::NotFound { .. }) => Err(Error::NotFound),
            // S3 answers 416 to a range starting at or past the end; a
            // short read is what the trait promises.
            Err(e) if ranged => match self.ops.head(&path).await {
                Ok(meta) if meta.size <= offset => Ok(Box::new(tokio::io::empty())),
                Ok(_) => Err(io_err(e)),
                Err(e) => Err(lookup_err(e)),
            },
            Err(e) => Err(io_err(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<bool> {
        let path = self.object_path(key)?;
        match self.ops.head(&path).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(io_err(e)),
        }
        self.ops.delete(&path).await.map_err(io_err)?;
        Ok(true)
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        match self.size(key).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn size(&self, key: &str) -> Result<u64> {
        let path = self.object_path(key)?;
        Ok(self.ops.head(&path).await.map_err(lookup_err)?.size)
    }

    async fn partial_create(&self, key: &str, head: &[u8]) -> Result<()> {
        let dir = self.staging_dir(key)?;
        let staged = self.list_staged(&dir, None).await?;
        if staged.head.is_some() {
            return Err(Error::UploadExists);
        }
        // Pieces without a head: an abort or a commit stopped half-way.
        self.delete_pieces(&dir, staged.pieces.keys().copied()).await?;
        self.remember(key, None);
        if !self.put_small(&Self::head_path(&dir), Bytes::copy_from_slice(head), true).await? {
            return Err(Error::UploadExists);
        }
        Ok(())
    }

    async fn partial_len(&self, key: &str) -> Result<Option<u64>> {
        let dir = self.staging_dir(key)?;
        self.current_len(key, &dir).await
    }

    async fn partial_truncate(&self, key: &str, len: u64) -> Result<()> {
        let dir = self.staging_dir(key)?;
        self.remember(key, None);
        let staged = self.list_staged(&dir, None).await?;
        let Some(head) = staged.head else {
            return Err(Error::NotFound);
        };
        let (end, chain) = staged.walk(head);
        if len > end {
            return Err(invalid("truncating an in-progress object cannot grow it"));
        }
        // Stray pieces past the cut go too: the chain will grow over them.
        self.delete_pieces(&dir, staged.pieces.range(len..).map(|(&start, _)| start)).await?;
        if len == end {
            return Ok(());
        }
        // A cut inside one piece (or the head) keeps that one's first bytes.
        let inside = if len < head {
            Some((Self::head_path(&dir), 0))
        } else {
            chain
                .iter()
                .find(|&&(start, size)| start < len && len < start + size)
                .map(|&(start, _)| (Self::piece_path(&dir, start), start))
        };
        let Some((path, start)) = inside else {
            return Ok(());
        };
        let kept = match len - start {
            0 => Bytes::new(),
            keep => {
                let (kept, _) = self.get_bytes(&path, Some(0..keep)).await?;
                if kept.len() as u64 != keep {
                    return Err(Error::Corrupt("in-progress object changed while it was cut"));
                }
                kept
            }
        };
        self.put_small(&path, kept, false).await?;
        Ok(())
    }

    async fn partial_append(&self, key: &str, at: u64, bytes: Bytes) -> Result<()> {
        let dir = self.staging_dir(key)?;
        let Some(len) = self.current_len(key, &dir).await? else {
            return Err(Error::NotFound);
        };
        if len != at {
            return Err(Error::UploadBusy);
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let end = at + bytes.len() as u64;
        if !self.put_small(&Self::piece_path(&dir, at), bytes, true).await? {
            self.remember(key, None);
            return Err(Error::UploadBusy);
        }
        self.remember(key, Some(Tail { start: at, end }));
        Ok(())
    }

    async fn partial_read_head(&self, key: &str, len: usize) -> Result<Vec<u8>> {
        let dir = self.staging_dir(key)?;
        let (head, _) = self.get_bytes(&Self::head_path(&dir), None).await?;
        if head.len() >= len {
            return Ok(head[..len].to_vec());
        }
        // Longer than the head: read on into the pieces.
        let staged = self.list_staged(&dir, None).await?;
        let (parts, _) = Self::chain_parts(&dir, &staged);
        let mut out = Vec::with_capacity(len);
        self.concat(parts).take(len as u64).read_to_end(&mut out).await.map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::NotFound,
            _ => Error::Io(e),
        })?;
        if out.len() != len {
            return Err(Error::Corrupt("in-progress object shorter than its head"));
        }
        Ok(out)
    }

    async fn partial_commit(&self, key: &str) -> Result<()> {
        let path = self.object_path(key)?;
        let dir = self.staging_dir(key)?;
        self.remember(key, None);
        let staged = self.list_staged(&dir, None).await?;
        if staged.head.is_none() {
            return Err(Error::NotFound);
        }
        let (parts, total) = Self::chain_parts(&dir, &staged);
        let mut src = self.concat(parts);
        let written = self.upload(&path, &mut src).await?;
        if written != total {
            // A piece changed under the commit (another process cut the
            // upload): what was published is not the upload.
            self.ops.delete(&path).await.map_err(io_err)?;
            return Err(Error::Corrupt("in-progress object changed while it was committed"));
        }
        // The head first: from then on no upload is in progress.
        self.ops.delete(&Self::head_path(&dir)).await.map_err(io_err)?;
        self.delete_pieces(&dir, staged.pieces.keys().copied()).await
    }

    async fn partial_delete(&self, key: &str) -> Result<bool> {
        let dir = self.staging_dir(key)?;
        self.remember(key, None);
        let staged = self.list_staged(&dir, None).await?;
        if staged.head.is_some() {
            self.ops.delete(&Self::head_path(&dir)).await.map_err(io_err)?;
        }
        self.delete_pieces(&dir, staged.pieces.keys().copied()).await?;
        Ok(staged.head.is_some())
    }

    /// Uploads by staging folder, with the newest modification time in it.
    /// A folder whose head is gone (an abort or a commit interrupted before
    /// deleting its pieces) is listed too, so that expiry removes it.
    async fn partial_list(&self) -> Result<Vec<(String, SystemTime)>> {
        let base = format!("{}{PARTIAL}", self.root);
        let mut listing = self.ops.list(Some(&Path::from(base.as_str())));
        let mut uploads: BTreeMap<String, SystemTime> = BTreeMap::new();
        while let Some(meta) = listing.try_next().await.map_err(io_err)? {
            let Some(rest) = meta.location.as_ref().strip_prefix(base.as_str()).and_then(|r| r.strip_prefix('/'))
            else {
                continue;
            };
            let Some((folder, _)) = rest.split_once('/') else {
                continue;
            };
            let key = folder.replace('.', "/");
            if validate_key(&key).is_err() {
                continue;
            }
            let modified = SystemTime::from(meta.last_modified);
            let newest = uploads.entry(key).or_insert(modified);
            *newest = (*newest).max(modified);
        }
        Ok(uploads.into_iter().collect())
    }

    async fn partial_rewrite_head(&self, key: &str, expected: &[u8], new: &[u8]) -> Result<()> {
        if expected.len() != new.len() {
            return Err(invalid("a head rewrite must keep the head's length"));
        }
        let dir = self.staging_dir(key)?;
        let path = Self::head_path(&dir);
        let (head, e_tag) = self.get_bytes(&path, None).await?;
        if head.len() < new.len() {
            return Err(invalid("a head rewrite must stay within the head written by partial_create"));
        }
        if head[..expected.len()] != *expected {
            return Err(Error::Changed);
        }
        let mut replacement = Vec::with_capacity(head.len());
        replacement.extend_from_slice(new);
        replacement.extend_from_slice(&head[new.len()..]);
        let mode = match (self.conditional, e_tag) {
            (true, Some(e_tag)) => PutMode::Update(UpdateVersion { e_tag: Some(e_tag), version: None }),
            _ => PutMode::Overwrite,
        };
        match self.ops.put_opts(&path, PutPayload::from(replacement), mode.into()).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::Precondition { .. }) => Err(Error::Changed),
            Err(e) => Err(io_err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        for good in ["suveren", "a/b", "Prod_1.x", "a-b/c.d"] {
            assert!(valid_prefix(good), "{good}");
        }
        for bad in ["", "a//b", "..", "a/./b", "a b", "ø", "a\\b"] {
            assert!(!valid_prefix(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_chain_follows_exact_ends_only() {
        let mut staged = Staged { head: Some(100), ..Default::default() };
        staged.pieces.insert(100, 50);
        staged.pieces.insert(150, 10);
        staged.pieces.insert(155, 99); // a stray overlapping the chain
        staged.pieces.insert(400, 5); // past a gap
        assert_eq!(staged.walk(100), (160, vec![(100, 50), (150, 10)]));
        staged.pieces.insert(160, 0);
        assert_eq!(staged.walk(100).0, 160, "an empty piece ends the chain");
    }

    #[test]
    fn piece_names_sort_by_offset_and_before_the_head() {
        let a = S3Blobs::piece_path("p/x", 99);
        let b = S3Blobs::piece_path("p/x", 100);
        assert!(a.as_ref() < b.as_ref());
        assert!(b.as_ref() < S3Blobs::head_path("p/x").as_ref());
        assert_eq!(a.as_ref(), "p/x/00000000000000000099");
    }
}

//! The drive as a `dav_server` file system. One instance per request, bound
//! to the caller and the drive; every method goes through the drive service
//! (hence the gate and the audit), never to the store or blobs directly.

use std::collections::HashMap;
use std::io::SeekFrom;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes};
use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, DavProp, FsError, FsFuture, FsResult, FsStream, OpenOptions,
    ReadDirMeta,
};
use futures_util::{FutureExt, StreamExt};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use suveren_service::drive::{Place, ReadResult, TransferOpts, WriteOpts};
use suveren_service::{App, Ctx, ServiceError};
use suveren_store::drive::{DriveConflict, Expect, Node};
use tokio::io::AsyncWriteExt;

/// What went wrong last in this request, so the edge can explain a refusal
/// that `dav_server` reduced to a bare status code.
pub type LastError = Arc<Mutex<Option<ServiceError>>>;

#[derive(Clone)]
pub struct DriveFs {
    pub app: Arc<App>,
    pub ctx: Arc<Ctx>,
    pub place: Place,
    /// Nodes already fetched in this request (a PROPFIND asks for the same
    /// item several times; children come with their folder's listing).
    cache: Arc<Mutex<HashMap<String, Node>>>,
    pub last_error: LastError,
}

impl std::fmt::Debug for DriveFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DriveFs({})", self.place.drive.id)
    }
}

/// Our path for a `DavPath` (relative to the drive root).
pub fn rel(path: &DavPath) -> FsResult<String> {
    // Not UTF-8: a name we cannot have stored, hence not found.
    let s = std::str::from_utf8(path.as_bytes()).map_err(|_| FsError::NotFound)?;
    Ok(s.to_string())
}

impl DriveFs {
    pub fn new(app: Arc<App>, ctx: Arc<Ctx>, place: Place) -> Self {
        DriveFs { app, ctx, place, cache: Default::default(), last_error: Default::default() }
    }

    fn fail(&self, e: ServiceError) -> FsError {
        let fe = match &e {
            ServiceError::NotFound => FsError::NotFound,
            ServiceError::Denied(_) | ServiceError::Unauthenticated(_) | ServiceError::MfaRequired => {
                FsError::Forbidden
            }
            ServiceError::Invalid(_) => FsError::Forbidden,
            ServiceError::Drive(c) => match c {
                DriveConflict::Quota { .. } | DriveConflict::TenantQuota { .. } => FsError::InsufficientStorage,
                DriveConflict::Exists(_) => FsError::Exists,
                DriveConflict::Missing(_) => FsError::NotFound,
                DriveConflict::NoParent(_) | DriveConflict::ParentNotFolder(_) => FsError::NotFound,
                DriveConflict::Precondition(_) => FsError::Exists,
                DriveConflict::IsFolder(_) | DriveConflict::IntoItself => FsError::Forbidden,
                DriveConflict::RestoreParent(_) => FsError::NotFound,
            },
            ServiceError::Unavailable(_) => FsError::InsufficientStorage,
            _ => FsError::GeneralFailure,
        };
        if !matches!(e, ServiceError::NotFound) {
            tracing::debug!(error = %e, "webdav operation refused");
        }
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
        fe
    }

    fn cached(&self, path: &str) -> Option<Node> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(path).cloned()
    }

    fn remember(&self, n: &Node) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(n.path.clone(), n.clone());
    }

    fn forget(&self, path: &str) {
        let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        c.retain(|k, _| !suveren_store::drive::is_within(k, path));
    }

    async fn node(&self, path: &str) -> FsResult<Node> {
        let clean = suveren_service::drive::clean_path(path).map_err(|e| self.fail(e))?;
        if let Some(n) = self.cached(&clean) {
            return Ok(n);
        }
        let n = self.app.stat(&self.ctx, &self.place, &clean).await.map_err(|e| self.fail(e))?;
        self.remember(&n);
        Ok(n)
    }
}

#[derive(Debug, Clone)]
pub struct Meta(pub Node);

fn time_of(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

impl DavMetaData for Meta {
    fn len(&self) -> u64 {
        self.0.size
    }
    fn modified(&self) -> FsResult<SystemTime> {
        Ok(time_of(self.0.modified))
    }
    fn created(&self) -> FsResult<SystemTime> {
        Ok(time_of(self.0.created))
    }
    fn is_dir(&self) -> bool {
        self.0.dir
    }
    fn etag(&self) -> Option<String> {
        Some(self.0.etag.clone())
    }
}

struct Entry(Node);

impl DavDirEntry for Entry {
    fn name(&self) -> Vec<u8> {
        self.0.name.as_bytes().to_vec()
    }
    fn metadata(&self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let m: Box<dyn DavMetaData> = Box::new(Meta(self.0.clone()));
        futures_util::future::ready(Ok(m)).boxed()
    }
    fn is_dir(&self) -> FsFuture<'_, bool> {
        futures_util::future::ready(Ok(self.0.dir)).boxed()
    }
}

/// Dead properties as stored: one entry per (namespace, name).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Props(Vec<StoredProp>);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredProp {
    name: String,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    ns: Option<String>,
    #[serde(default)]
    xml: Option<String>,
}

impl Props {
    fn of(n: &Node) -> Props {
        n.props.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default()
    }
    fn to_dav(&self, content: bool) -> Vec<DavProp> {
        self.0
            .iter()
            .map(|p| DavProp {
                name: p.name.clone(),
                prefix: p.prefix.clone(),
                namespace: p.ns.clone(),
                xml: if content { p.xml.as_ref().map(|x| x.as_bytes().to_vec()) } else { None },
            })
            .collect()
    }
}

/// Most dead properties an item may carry, and their total size.
const MAX_PROPS: usize = 64;
const MAX_PROPS_BYTES: usize = 64 * 1024;

impl DavFileSystem for DriveFs {
    fn open<'a>(&'a self, path: &'a DavPath, options: OpenOptions) -> FsFuture<'a, Box<dyn DavFile>> {
        async move {
            let p = rel(path)?;
            if options.write {
                let clean = suveren_service::drive::clean_path(&p).map_err(|e| self.fail(e))?;
                // Ask before receiving the body; the write asks again when it
                // commits.
                self.app.check_write(&self.ctx, &self.place, &clean).await.map_err(|e| self.fail(e))?;
                let expect = Expect { absent: options.create_new, present: !options.create, etag: None };
                let opts = WriteOpts { expect, mime: None, size: options.size, modified: None };
                let (w, r) = tokio::io::duplex(256 * 1024);
                let (app, ctx, place) = (self.app.clone(), self.ctx.clone(), self.place.clone());
                let task = tokio::spawn(async move {
                    let mut r = r;
                    app.write(&ctx, &place, &clean, &mut r, opts).await
                });
                self.forget(&p);
                let f: Box<dyn DavFile> =
                    Box::new(Writer { fs: self.clone(), w: Some(w), task: Some(task), done: None });
                return Ok(f);
            }
            let node = self.node(&p).await?;
            if node.dir {
                return Err(FsError::Forbidden);
            }
            if node.size > 0 {
                self.app.content_key_ready(&self.place.drive.tenant).await.map_err(|e| self.fail(e))?;
            }
            let f: Box<dyn DavFile> =
                Box::new(Reader { fs: self.clone(), node, pos: 0, stream: Mutex::new(None), buf: Bytes::new() });
            Ok(f)
        }
        .boxed()
    }

    fn read_dir<'a>(&'a self, path: &'a DavPath, _meta: ReadDirMeta) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        async move {
            let p = rel(path)?;
            let (me, children) = self.app.list(&self.ctx, &self.place, &p).await.map_err(|e| self.fail(e))?;
            if !me.dir {
                return Err(FsError::Forbidden);
            }
            self.remember(&me);
            for c in &children {
                self.remember(c);
            }
            let items: Vec<FsResult<Box<dyn DavDirEntry>>> =
                children.into_iter().map(|c| Ok(Box::new(Entry(c)) as Box<dyn DavDirEntry>)).collect();
            let s: FsStream<Box<dyn DavDirEntry>> = Box::pin(futures_util::stream::iter(items));
            Ok(s)
        }
        .boxed()
    }

    fn metadata<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, Box<dyn DavMetaData>> {
        async move {
            let p = rel(path)?;
            let n = self.node(&p).await?;
            Ok(Box::new(Meta(n)) as Box<dyn DavMetaData>)
        }
        .boxed()
    }

    fn create_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let p = rel(path)?;
            let n = self.app.mkdir(&self.ctx, &self.place, &p).await.map_err(|e| self.fail(e))?;
            self.remember(&n);
            Ok(())
        }
        .boxed()
    }

    fn remove_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.remove_file(path)
    }

    fn remove_file<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let p = rel(path)?;
            self.app.delete(&self.ctx, &self.place, &p).await.map_err(|e| self.fail(e))?;
            self.forget(&suveren_service::drive::clean_path(&p).unwrap_or_default());
            Ok(())
        }
        .boxed()
    }

    fn rename<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let (f, t) = (rel(from)?, rel(to)?);
            let opts = TransferOpts { copy: false, overwrite: true, declassify: false };
            self.app.transfer(&self.ctx, &self.place, &f, &self.place, &t, opts).await.map_err(|e| self.fail(e))?;
            self.forget(&suveren_service::drive::clean_path(&f).unwrap_or_default());
            self.forget(&suveren_service::drive::clean_path(&t).unwrap_or_default());
            Ok(())
        }
        .boxed()
    }

    fn copy<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let (f, t) = (rel(from)?, rel(to)?);
            let opts = TransferOpts { copy: true, overwrite: true, declassify: false };
            self.app.transfer(&self.ctx, &self.place, &f, &self.place, &t, opts).await.map_err(|e| self.fail(e))?;
            self.forget(&suveren_service::drive::clean_path(&t).unwrap_or_default());
            Ok(())
        }
        .boxed()
    }

    fn have_props<'a>(
        &'a self,
        _path: &'a DavPath,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>> {
        futures_util::future::ready(true).boxed()
    }

    fn patch_props<'a>(
        &'a self,
        path: &'a DavPath,
        patch: Vec<(bool, DavProp)>,
    ) -> FsFuture<'a, Vec<(StatusCode, DavProp)>> {
        async move {
            let p = rel(path)?;
            let node = self.node(&p).await?;
            let mut props = Props::of(&node);
            let mut out = Vec::with_capacity(patch.len());
            for (set, prop) in patch {
                props.0.retain(|x| !(x.name == prop.name && x.ns == prop.namespace));
                if set {
                    props.0.push(StoredProp {
                        name: prop.name.clone(),
                        prefix: prop.prefix.clone(),
                        ns: prop.namespace.clone(),
                        xml: prop.xml.as_ref().map(|x| String::from_utf8_lossy(x).into_owned()),
                    });
                }
                out.push((StatusCode::OK, DavProp { xml: None, ..prop }));
            }
            let json = serde_json::to_string(&props).map_err(|_| FsError::GeneralFailure)?;
            if props.0.len() > MAX_PROPS || json.len() > MAX_PROPS_BYTES {
                return Ok(out.into_iter().map(|(_, p)| (StatusCode::INSUFFICIENT_STORAGE, p)).collect());
            }
            self.app.set_props(&self.ctx, &self.place, &node.path, &json).await.map_err(|e| self.fail(e))?;
            self.forget(&node.path);
            Ok(out)
        }
        .boxed()
    }

    fn get_props<'a>(&'a self, path: &'a DavPath, do_content: bool) -> FsFuture<'a, Vec<DavProp>> {
        async move {
            let p = rel(path)?;
            let node = self.node(&p).await?;
            Ok(Props::of(&node).to_dav(do_content))
        }
        .boxed()
    }

    fn get_prop<'a>(&'a self, path: &'a DavPath, prop: DavProp) -> FsFuture<'a, Vec<u8>> {
        async move {
            let p = rel(path)?;
            let node = self.node(&p).await?;
            Props::of(&node)
                .0
                .into_iter()
                .find(|x| x.name == prop.name && x.ns == prop.namespace)
                .and_then(|x| x.xml)
                .map(String::into_bytes)
                .ok_or(FsError::NotFound)
        }
        .boxed()
    }

    fn get_quota(&self) -> FsFuture<'_, (u64, Option<u64>)> {
        // The drive's quota, or less when the tenant's has less room left.
        async move { self.app.room(&self.place).await.map_err(|e| self.fail(e)) }.boxed()
    }
}

/// An upload: bytes go through a bounded pipe into the encrypting blob
/// writer; `flush` closes the pipe and waits for the commit.
struct Writer {
    fs: DriveFs,
    w: Option<tokio::io::DuplexStream>,
    task: Option<tokio::task::JoinHandle<suveren_service::Result<suveren_service::drive::WriteResult>>>,
    done: Option<Node>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    async fn finish(&mut self) -> FsResult<Node> {
        if let Some(n) = &self.done {
            return Ok(n.clone());
        }
        if let Some(mut w) = self.w.take() {
            let _ = w.shutdown().await;
        }
        let task = self.task.take().ok_or(FsError::GeneralFailure)?;
        let res = task.await.map_err(|_| FsError::GeneralFailure)?;
        let node = res.map_err(|e| self.fs.fail(e))?.node;
        self.fs.remember(&node);
        self.done = Some(node.clone());
        Ok(node)
    }

    async fn send(&mut self, b: &[u8]) -> FsResult<()> {
        let Some(w) = self.w.as_mut() else { return Err(FsError::GeneralFailure) };
        if w.write_all(b).await.is_err() {
            // The writer stopped early: its error says why.
            self.w = None;
            return match self.finish().await {
                Ok(_) => Err(FsError::GeneralFailure),
                Err(e) => Err(e),
            };
        }
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Dropped before flush (the client went away): the pipe closes
        // without its full length, the write refuses, nothing is stored.
        if let Some(t) = self.task.take() {
            if self.w.is_some() {
                t.abort();
            }
        }
    }
}

impl DavFile for Writer {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        async move {
            let n = self.finish().await?;
            Ok(Box::new(Meta(n)) as Box<dyn DavMetaData>)
        }
        .boxed()
    }
    fn write_buf(&mut self, mut buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        async move {
            while buf.has_remaining() {
                let chunk = buf.chunk().to_vec();
                self.send(&chunk).await?;
                buf.advance(chunk.len());
            }
            Ok(())
        }
        .boxed()
    }
    fn write_bytes(&mut self, buf: Bytes) -> FsFuture<'_, ()> {
        async move { self.send(&buf).await }.boxed()
    }
    fn read_bytes(&mut self, _count: usize) -> FsFuture<'_, Bytes> {
        futures_util::future::ready(Err(FsError::NotImplemented)).boxed()
    }
    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        // Partial writes (Content-Range PUT) would need read-modify-write of
        // an encrypted blob; only a whole new body is accepted.
        let r = match pos {
            SeekFrom::Start(0) => Ok(0),
            _ => Err(FsError::NotImplemented),
        };
        futures_util::future::ready(r).boxed()
    }
    fn flush(&mut self) -> FsFuture<'_, ()> {
        async move { self.finish().await.map(|_| ()) }.boxed()
    }
}

/// A download: decrypts only from the current position on.
struct Reader {
    fs: DriveFs,
    node: Node,
    pos: u64,
    /// In a mutex only because `DavFile` must be `Sync`; never contended.
    stream: Mutex<Option<suveren_blob::PlaintextStream>>,
    buf: Bytes,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reader")
    }
}

impl DavFile for Reader {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        futures_util::future::ready(Ok(Box::new(Meta(self.node.clone())) as Box<dyn DavMetaData>)).boxed()
    }
    fn write_buf(&mut self, _buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        futures_util::future::ready(Err(FsError::Forbidden)).boxed()
    }
    fn write_bytes(&mut self, _buf: Bytes) -> FsFuture<'_, ()> {
        futures_util::future::ready(Err(FsError::Forbidden)).boxed()
    }
    fn read_bytes(&mut self, count: usize) -> FsFuture<'_, Bytes> {
        async move {
            if self.pos >= self.node.size {
                return Ok(Bytes::new());
            }
            let slot = self.stream.get_mut().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                let len = self.node.size - self.pos;
                let ReadResult { body, .. } = self
                    .fs
                    .app
                    .read(&self.fs.ctx, &self.fs.place, &self.node.path, Some((self.pos, len)))
                    .await
                    .map_err(|e| self.fs.fail(e))?;
                *self.stream.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(body);
            }
            while self.buf.is_empty() {
                let stream = self.stream.get_mut().unwrap_or_else(|p| p.into_inner());
                match stream.as_mut().expect("opened above").next().await {
                    Some(Ok(b)) => self.buf = b,
                    Some(Err(e)) => {
                        tracing::error!(error = %e, path = %self.node.path, "decrypting a blob failed");
                        return Err(FsError::GeneralFailure);
                    }
                    None => return Ok(Bytes::new()),
                }
            }
            let n = count.min(self.buf.len());
            let out = self.buf.split_to(n);
            self.pos += n as u64;
            Ok(out)
        }
        .boxed()
    }
    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.node.size.checked_add_signed(d),
        };
        let r = match target {
            Some(t) => {
                if t != self.pos {
                    *self.stream.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
                    self.buf = Bytes::new();
                    self.pos = t;
                }
                Ok(t)
            }
            None => Err(FsError::GeneralFailure),
        };
        futures_util::future::ready(r).boxed()
    }
    fn flush(&mut self) -> FsFuture<'_, ()> {
        futures_util::future::ready(Ok(())).boxed()
    }
}

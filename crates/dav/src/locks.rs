//! WebDAV locks kept in the database (so that every app node sees them),
//! one drive per instance.
//!
//! Semantics (RFC 4918 §6–7): a lock on a folder with depth infinity covers
//! everything below it; an exclusive lock conflicts with any other lock, a
//! shared lock only with exclusive ones; a request may change a locked item
//! only if it submits the token of a lock covering it, and only the
//! principal who took the lock may use its token.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dav_server::davpath::DavPath;
use dav_server::ls::{DavLock, DavLockSystem, LsFuture};
use futures_util::FutureExt;
use suveren_store::drive::{is_within, LockRow};
use suveren_store::Store;
use xmltree::Element;

#[derive(Clone)]
pub struct DbLocks {
    store: Arc<dyn Store>,
    drive: String,
    /// The URL prefix of the drive, to rebuild `DavPath`s for lock roots.
    prefix: String,
    /// The caller: only a lock's owner may release it.
    principal: String,
    /// The drive's locks as read once in this request: a PROPFIND asks for
    /// every child's lock discovery, which would otherwise be a query each.
    /// Changes made through this instance drop it.
    seen: Arc<std::sync::Mutex<Option<Vec<LockRow>>>>,
}

impl std::fmt::Debug for DbLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DbLocks({})", self.drive)
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Our path (decoded, no trailing slash) of a `DavPath`.
fn key(path: &DavPath) -> String {
    let s = String::from_utf8_lossy(path.as_bytes());
    let t = s.trim_end_matches('/');
    if t.is_empty() {
        "/".into()
    } else {
        t.to_string()
    }
}

impl DbLocks {
    pub fn new(store: Arc<dyn Store>, drive: String, prefix: String, principal: String) -> Self {
        DbLocks { store, drive, prefix, principal, seen: Default::default() }
    }

    fn to_dav(&self, r: &LockRow) -> DavLock {
        let encoded: String = r
            .path
            .split('/')
            .map(|seg| percent_encoding::utf8_percent_encode(seg, percent_encoding::NON_ALPHANUMERIC).to_string())
            .collect::<Vec<_>>()
            .join("/");
        let full = format!("{}{}", self.prefix.trim_end_matches('/'), if r.path == "/" { "/" } else { &encoded });
        let mut p = DavPath::new(&full).unwrap_or_else(|_| DavPath::new("/").expect("root parses"));
        let _ = p.set_prefix(self.prefix.trim_end_matches('/'));
        DavLock {
            token: r.token.clone(),
            path: Box::new(p),
            principal: r.principal.clone(),
            owner: r.owner.as_ref().and_then(|o| Element::parse(o.as_bytes()).ok()).map(Box::new),
            timeout_at: r.timeout_at.map(|ms| UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)),
            timeout: r.timeout_s.map(Duration::from_secs),
            shared: r.shared,
            deep: r.deep,
        }
    }

    async fn live(&self) -> Vec<LockRow> {
        let now = now_ms();
        let cached = self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let all = match cached {
            Some(v) => v,
            None => match self.store.locks(&self.drive).await {
                Ok(v) => {
                    *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(v.clone());
                    v
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading locks");
                    Vec::new()
                }
            },
        };
        all.into_iter().filter(|l| l.timeout_at.is_none_or(|t| t > now)).collect()
    }

    fn changed(&self) {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Gives every element an explicit prefix bound on itself, so the stored
/// `<owner>` parses again on its own (the parsed request keeps prefixes
/// whose declarations lived on ancestors).
fn declare_namespaces(e: &mut Element, n: &mut usize) {
    if let Some(ns) = e.namespace.clone() {
        let prefix = match e.prefix.clone() {
            Some(p) => p,
            None => {
                *n += 1;
                format!("n{n}")
            }
        };
        let mut decl = xmltree::Namespace::empty();
        decl.put(prefix.clone(), ns);
        e.prefix = Some(prefix);
        e.namespaces = Some(decl);
    } else {
        e.prefix = None;
        e.namespaces = None;
    }
    for c in e.children.iter_mut() {
        if let xmltree::XMLNode::Element(c) = c {
            declare_namespaces(c, n);
        }
    }
}

/// Locks that cover `path`: on it, or deep on a folder above it.
fn covering<'a>(locks: &'a [LockRow], path: &'a str) -> impl Iterator<Item = &'a LockRow> + 'a {
    locks.iter().filter(move |l| l.path == path || (l.deep && is_within(path, &l.path)))
}

/// Locks strictly below `path`.
fn below<'a>(locks: &'a [LockRow], path: &'a str) -> impl Iterator<Item = &'a LockRow> + 'a {
    locks.iter().filter(move |l| l.path != path && is_within(&l.path, path))
}

/// The first lock in `set` that the request does not hold and that blocks
/// it. `shared_ok`: the request takes a shared lock itself, which only an
/// exclusive lock blocks.
fn blocking<'a>(
    set: impl Iterator<Item = &'a LockRow>,
    principal: Option<&str>,
    ignore_principal: bool,
    tokens: &[String],
    shared_ok: bool,
) -> Option<&'a LockRow> {
    let mut held = false;
    let mut first_shared = None;
    for l in set {
        let mine = tokens.contains(&l.token) && (ignore_principal || principal == l.principal.as_deref());
        if mine {
            held = true;
        } else if !l.shared {
            return Some(l);
        } else if !shared_ok {
            first_shared.get_or_insert(l);
        }
    }
    if held {
        None
    } else {
        first_shared
    }
}

impl DavLockSystem for DbLocks {
    fn lock(
        &self,
        path: &DavPath,
        principal: Option<&str>,
        owner: Option<&Element>,
        timeout: Option<Duration>,
        shared: bool,
        deep: bool,
    ) -> LsFuture<'_, Result<DavLock, DavLock>> {
        let p = key(path);
        let principal = principal.map(str::to_string);
        let owner = owner.map(|o| {
            let mut o = o.clone();
            declare_namespaces(&mut o, &mut 0);
            let mut v = Vec::new();
            let _ = o.write(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        });
        async move {
            let locks = self.live().await;
            if let Some(l) = blocking(covering(&locks, &p), None, true, &[], shared) {
                return Err(self.to_dav(l));
            }
            if deep {
                if let Some(l) = blocking(below(&locks, &p), None, true, &[], shared) {
                    return Err(self.to_dav(l));
                }
            }
            // Locks are bounded: at most an hour, renewable.
            let timeout = Some(timeout.unwrap_or(Duration::from_secs(3600)).min(Duration::from_secs(3600)));
            let row = LockRow {
                token: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
                drive: self.drive.clone(),
                path: p,
                principal,
                owner,
                timeout_at: timeout.map(|d| now_ms() + d.as_millis() as i64),
                timeout_s: timeout.map(|d| d.as_secs()),
                shared,
                deep,
            };
            let stored = self.store.put_lock(&row).await;
            self.changed();
            match stored {
                Ok(()) => Ok(self.to_dav(&row)),
                Err(e) => {
                    tracing::error!(error = %e, "storing a lock");
                    Err(self.to_dav(&row))
                }
            }
        }
        .boxed()
    }

    fn unlock(&self, path: &DavPath, token: &str) -> LsFuture<'_, Result<(), ()>> {
        let p = key(path);
        let token = token.to_string();
        async move {
            let locks = self.live().await;
            if !covering(&locks, &p).any(|l| l.token == token && l.principal.as_deref() == Some(&self.principal)) {
                return Err(());
            }
            let deleted = self.store.delete_lock(&token).await;
            self.changed();
            match deleted {
                Ok(true) => Ok(()),
                _ => Err(()),
            }
        }
        .boxed()
    }

    fn refresh(&self, path: &DavPath, token: &str, timeout: Option<Duration>) -> LsFuture<'_, Result<DavLock, ()>> {
        let p = key(path);
        let token = token.to_string();
        async move {
            let locks = self.live().await;
            let Some(mut l) = covering(&locks, &p)
                .find(|l| l.token == token && l.principal.as_deref() == Some(&self.principal))
                .cloned()
            else {
                return Err(());
            };
            let timeout = timeout.unwrap_or(Duration::from_secs(3600)).min(Duration::from_secs(3600));
            l.timeout_at = Some(now_ms() + timeout.as_millis() as i64);
            l.timeout_s = Some(timeout.as_secs());
            let stored = self.store.put_lock(&l).await;
            self.changed();
            stored.map_err(|_| ())?;
            Ok(self.to_dav(&l))
        }
        .boxed()
    }

    fn check(
        &self,
        path: &DavPath,
        principal: Option<&str>,
        ignore_principal: bool,
        deep: bool,
        submitted_tokens: &[String],
    ) -> LsFuture<'_, Result<(), DavLock>> {
        let p = key(path);
        let principal = principal.map(str::to_string);
        let tokens = submitted_tokens.to_vec();
        async move {
            let locks = self.live().await;
            let pr = principal.as_deref();
            if let Some(l) = blocking(covering(&locks, &p), pr, ignore_principal, &tokens, false) {
                return Err(self.to_dav(l));
            }
            if deep {
                // Each lock below must be held by itself.
                for l in below(&locks, &p) {
                    if let Some(b) = blocking(std::iter::once(l), pr, ignore_principal, &tokens, false) {
                        return Err(self.to_dav(b));
                    }
                }
            }
            Ok(())
        }
        .boxed()
    }

    fn discover(&self, path: &DavPath) -> LsFuture<'_, Vec<DavLock>> {
        let p = key(path);
        async move {
            let locks = self.live().await;
            covering(&locks, &p).map(|l| self.to_dav(l)).collect()
        }
        .boxed()
    }

    fn delete(&self, path: &DavPath) -> LsFuture<'_, Result<(), ()>> {
        let p = key(path);
        async move {
            let locks = self.live().await;
            for l in locks.iter().filter(|l| is_within(&l.path, &p)) {
                let _ = self.store.delete_lock(&l.token).await;
            }
            self.changed();
            Ok(())
        }
        .boxed()
    }
}

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use suveren_domain::names::fold;
use tantivy::collector::TopDocs;
use tantivy::columnar::ColumnValues;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, PhrasePrefixQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::tokens::{normalized, stem, tokens, NameTokenizer, TOKENIZER};

/// Bumped whenever the schema, the tokenizer or the meaning of a field
/// changes. An index written with another version is wiped on open and the
/// caller rebuilds it from the change feed: migrating derived data is never
/// worth the risk of matching on stale terms.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest `limit` honoured by [`FileIndex::search`]; larger ones are cut.
/// A search box shows a screenful; this bounds what one request can pull.
pub const MAX_LIMIT: usize = 1000;

/// At most this many distinct query terms count; the rest are ignored. A
/// name rarely has more, and ignoring terms only widens the result, which
/// stays inside the caller's scopes.
const MAX_TERMS: usize = 16;

/// Whole-name terms longer than this are neither indexed nor looked up:
/// real names are far shorter, and a 10 KB query then costs nothing here.
const MAX_EXACT_BYTES: usize = 1024;

/// Indexing memory for the single writer thread (tantivy needs ≥ 15 MB per
/// thread). One thread because indexing runs beside the server on small
/// machines and a municipality's file names index in seconds anyway.
const WRITER_MEMORY: usize = 32 << 20;

// Scores are constants chosen so the order is explainable: whole-name match
// first, then stem match ("rapport" for "rapport.pdf"), then per term a name
// match above a folder-only match. The tie-break added at collection is
// below 1, and every constant here is a whole number, so it never reorders
// two hits whose constants differ.
const NAME_TERM: Score = 3.0;
const FOLDER_TERM: Score = 1.0;
/// Bonus when the last, prefix-matched term is also a whole token of the
/// name ("rapport" ranks "Rapport.pdf" above "Rapporter.pdf").
const WHOLE_TOKEN: Score = 1.0;
const EXACT_STEM: Score = 100.0;
const EXACT_NAME: Score = 200.0;

/// A file or folder as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub tenant: String,
    pub drive: String,
    pub node: String,
    /// Full path in the drive, starting with '/': "/Skole/Plan 2027.docx".
    pub path: String,
    pub name: String,
    pub dir: bool,
    pub mime: Option<String>,
    pub modified_unix: i64,
    pub size: u64,
}

/// One change from the drive's change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOp {
    /// Replaces any entry with the same (tenant, node): a rename or move is
    /// one upsert, and the old path disappears with it.
    Upsert(Entry),
    Delete {
        tenant: String,
        node: String,
    },
    DeleteDrive {
        tenant: String,
        drive: String,
    },
}

/// What the caller may read: a whole drive (`path_prefix: None`) or one
/// subtree of it (a share: `Some("/Prosjekt")` means that folder and
/// everything below, or that single file when the path is a file).
///
/// Paths compare exactly, case included, on folder boundaries: "/Pro" does
/// not reach "/Prosjekt". A trailing '/' is ignored and "/" is the whole
/// drive. A prefix that does not start with '/' matches nothing, so a
/// malformed scope fails closed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope {
    pub drive: String,
    pub path_prefix: Option<String>,
}

impl Scope {
    pub fn drive(drive: impl Into<String>) -> Self {
        Scope { drive: drive.into(), path_prefix: None }
    }

    pub fn subtree(drive: impl Into<String>, path: impl Into<String>) -> Self {
        Scope { drive: drive.into(), path_prefix: Some(path.into()) }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub drive: String,
    pub node: String,
    pub path: String,
    pub name: String,
    pub dir: bool,
    /// Carried so a result list can show type, date and size without a
    /// database round trip per hit.
    pub mime: Option<String>,
    pub modified_unix: i64,
    pub size: u64,
    pub score: f32,
}

/// The fast field read by the tie-break, by name as tantivy wants it.
const NAME_LEN: &str = "name_len";

#[derive(Clone, Copy)]
struct Fields {
    /// Raw tenant id: the required filter of every search.
    tenant: Field,
    /// `enc(tenant) + node`: the identity an upsert or delete replaces.
    key: Field,
    /// `enc(tenant) + enc(drive) + p` for p = "" (the whole drive), every
    /// ancestor folder and the path itself, so any [`Scope`] is one term and
    /// a drive deletion is one delete-by-term.
    scope: Field,
    /// Tokens of the name (stored: the original name).
    name: Field,
    /// Tokens of the folders above the entry.
    folders: Field,
    /// Normalized whole name and whole stem, for the exact-match boosts.
    name_full: Field,
    name_stem: Field,
    /// Name length in characters, for the tie-break: shorter names first.
    name_len: Field,
    drive: Field,
    node: Field,
    path: Field,
    dir: Field,
    mime: Field,
    modified: Field,
    size: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let tokenized = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let fields = Fields {
        tenant: b.add_text_field("tenant", STRING),
        key: b.add_text_field("key", STRING),
        scope: b.add_text_field("scope", STRING),
        name: b.add_text_field("name", tokenized.clone().set_stored()),
        folders: b.add_text_field("folders", tokenized),
        name_full: b.add_text_field("name_full", STRING),
        name_stem: b.add_text_field("name_stem", STRING),
        name_len: b.add_u64_field(NAME_LEN, FAST),
        drive: b.add_text_field("drive", STORED),
        node: b.add_text_field("node", STORED),
        path: b.add_text_field("path", STORED),
        dir: b.add_bool_field("dir", STORED),
        mime: b.add_text_field("mime", STORED),
        modified: b.add_i64_field("modified", STORED),
        size: b.add_u64_field("size", STORED),
    };
    (b.build(), fields)
}

/// Length-prefixes a part so concatenations are unambiguous whatever the
/// parts contain: ("a1:b", "") and ("a", "1:b") must never share a term.
fn enc(out: &mut String, part: &str) {
    use std::fmt::Write;
    let _ = write!(out, "{}:{}", part.len(), part);
}

fn key_term(tenant: &str, node: &str) -> String {
    let mut s = String::new();
    enc(&mut s, tenant);
    s.push_str(node);
    s
}

fn scope_term(tenant: &str, drive: &str, path: &str) -> String {
    let mut s = String::new();
    enc(&mut s, tenant);
    enc(&mut s, drive);
    s.push_str(path);
    s
}

/// The scope term of a caller's scope, or `None` when it can match nothing.
fn scope_query_term(tenant: &str, scope: &Scope) -> Option<String> {
    let path = match &scope.path_prefix {
        None => "",
        Some(p) if p.starts_with('/') => p.trim_end_matches('/'),
        Some(_) => return None,
    };
    Some(scope_term(tenant, &scope.drive, path))
}

/// Every scope term of an entry: the drive, each ancestor folder, itself.
fn entry_scope_terms(e: &Entry) -> Vec<String> {
    let path = e.path.trim_end_matches('/');
    let mut out = vec![scope_term(&e.tenant, &e.drive, "")];
    for (i, _) in path.match_indices('/').filter(|&(i, _)| i > 0) {
        out.push(scope_term(&e.tenant, &e.drive, &path[..i]));
    }
    if !path.is_empty() {
        out.push(scope_term(&e.tenant, &e.drive, path));
    }
    out
}

fn validate(op: &IndexOp) -> Result<()> {
    if let IndexOp::Upsert(e) = op {
        let invalid = |reason| Err(Error::InvalidEntry { node: e.node.clone(), reason });
        if !e.path.starts_with('/') {
            return invalid("path must start with '/'");
        }
        if e.tenant.is_empty() || e.drive.is_empty() || e.node.is_empty() {
            return invalid("tenant, drive and node must not be empty");
        }
    }
    Ok(())
}

fn payload(seq: u64, version: u32) -> String {
    format!("suveren-index v{version} seq {seq}")
}

/// The feed position recorded in a commit payload written by `version`.
fn parse_payload(payload: &str, version: u32) -> Option<u64> {
    let rest = payload.strip_prefix("suveren-index v")?;
    let (v, seq) = rest.split_once(" seq ")?;
    (v.parse::<u32>().ok()? == version).then_some(())?;
    seq.parse().ok()
}

/// Search over file names and paths of all tenants. Share it behind an
/// [`Arc`]; searches run in parallel, batches are applied one at a time.
pub struct FileIndex {
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    applied: AtomicU64,
    version: u32,
}

impl FileIndex {
    /// Opens the index in `dir`, creating it if absent. An index of another
    /// schema version, or one that cannot be opened, is wiped and recreated
    /// empty ([`applied_seq`](Self::applied_seq) is then 0 and the caller
    /// rebuilds). The folder belongs to the index: everything in it goes on a
    /// wipe, which is why a non-empty folder without an index is refused.
    pub fn open(dir: &Path) -> Result<Self> {
        Self::open_version(dir, SCHEMA_VERSION)
    }

    fn open_version(dir: &Path, version: u32) -> Result<Self> {
        let (schema, fields) = schema();
        fs::create_dir_all(dir)?;
        let directory = MmapDirectory::open(dir)?;
        if Index::exists(&directory)? {
            if let Ok(index) = Index::open(directory.clone()) {
                let seq = index.load_metas().ok().and_then(|m| parse_payload(m.payload.as_deref()?, version));
                if let (Some(seq), true) = (seq, index.schema() == schema) {
                    return Self::start(index, fields, seq, version);
                }
            }
            wipe(dir)?;
        } else if fs::read_dir(dir)?.next().is_some() {
            return Err(Error::NotAnIndex { path: dir.to_path_buf() });
        }
        let index = Index::create(MmapDirectory::open(dir)?, schema, Default::default())?;
        Self::start_new(index, fields, version)
    }

    /// An index held in memory only, for tests and small tools.
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema();
        Self::start_new(Index::create_in_ram(schema), fields, SCHEMA_VERSION)
    }

    /// Writes the first commit so that an index on disk always carries its
    /// version: a crash between create and first batch then reopens cleanly.
    fn start_new(index: Index, fields: Fields, version: u32) -> Result<Self> {
        let this = Self::start(index, fields, 0, version)?;
        this.commit(&mut this.lock_writer(), 0)?;
        Ok(this)
    }

    fn start(index: Index, fields: Fields, seq: u64, version: u32) -> Result<Self> {
        index.tokenizers().register(TOKENIZER, TextAnalyzer::from(NameTokenizer::default()));
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(FileIndex { fields, reader, writer: Mutex::new(writer), applied: AtomicU64::new(seq), version })
    }

    /// A panic while the writer was held may have left uncommitted changes
    /// in it; they are rolled back so they never ride along with the next
    /// batch's commit.
    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|poisoned: PoisonError<_>| {
            let mut w = poisoned.into_inner();
            let _ = w.rollback();
            w
        })
    }

    fn commit(&self, w: &mut IndexWriter, seq: u64) -> Result<()> {
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&payload(seq, self.version));
        prepared.commit()?;
        self.applied.store(seq, Ordering::SeqCst);
        // Searches after `apply` returns see the batch.
        self.reader.reload()?;
        Ok(())
    }

    /// Applies a batch atomically in one tantivy commit and records `seq`
    /// (the change-feed position) in the commit payload. Within a batch, ops
    /// apply in order. Commits cost an fsync each: apply the feed in
    /// batches, not change by change. `seq` may repeat the applied one
    /// (replays are idempotent) but never go back.
    pub fn apply(&self, ops: &[IndexOp], seq: u64) -> Result<()> {
        ops.iter().try_for_each(validate)?;
        let mut w = self.lock_writer();
        let applied = self.applied.load(Ordering::SeqCst);
        if seq < applied {
            return Err(Error::SeqRegressed { applied, got: seq });
        }
        if ops.is_empty() && seq == applied {
            // Nothing to record; spares an fsync when a poll finds no changes.
            return Ok(());
        }
        let result = self.stage(&w, ops).and_then(|()| self.commit(&mut w, seq));
        if result.is_err() {
            let _ = w.rollback();
        }
        result
    }

    fn stage(&self, w: &IndexWriter, ops: &[IndexOp]) -> Result<()> {
        let f = &self.fields;
        for op in ops {
            match op {
                IndexOp::Upsert(e) => {
                    w.delete_term(Term::from_field_text(f.key, &key_term(&e.tenant, &e.node)));
                    w.add_document(self.document(e))?;
                }
                IndexOp::Delete { tenant, node } => {
                    w.delete_term(Term::from_field_text(f.key, &key_term(tenant, node)));
                }
                IndexOp::DeleteDrive { tenant, drive } => {
                    w.delete_term(Term::from_field_text(f.scope, &scope_term(tenant, drive, "")));
                }
            }
        }
        Ok(())
    }

    fn document(&self, e: &Entry) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.tenant, &e.tenant);
        doc.add_text(f.key, key_term(&e.tenant, &e.node));
        for t in entry_scope_terms(e) {
            doc.add_text(f.scope, t);
        }
        doc.add_text(f.name, &e.name);
        let parent = e.path.trim_end_matches('/').rsplit_once('/').map_or("", |(parent, _)| parent);
        doc.add_text(f.folders, parent);
        let full = normalized(&e.name);
        if !full.is_empty() && full.len() <= MAX_EXACT_BYTES {
            doc.add_text(f.name_full, &full);
        }
        if let Some(s) = stem(&e.name).map(normalized).filter(|s| !s.is_empty() && *s != full) {
            if s.len() <= MAX_EXACT_BYTES {
                doc.add_text(f.name_stem, s);
            }
        }
        doc.add_u64(f.name_len, e.name.chars().count() as u64);
        doc.add_text(f.drive, &e.drive);
        doc.add_text(f.node, &e.node);
        doc.add_text(f.path, &e.path);
        doc.add_bool(f.dir, e.dir);
        if let Some(m) = &e.mime {
            doc.add_text(f.mime, m);
        }
        doc.add_i64(f.modified, e.modified_unix);
        doc.add_u64(f.size, e.size);
        doc
    }

    /// The change-feed position the index has applied (0 for a new index).
    pub fn applied_seq(&self) -> u64 {
        self.applied.load(Ordering::SeqCst)
    }

    /// Removes every entry and resets the applied position to 0, in one
    /// commit, for a rebuild from the start of the feed.
    pub fn clear(&self) -> Result<()> {
        let mut w = self.lock_writer();
        let result = w.delete_all_documents().map_err(Error::from).and_then(|_| self.commit(&mut w, 0));
        if result.is_err() {
            let _ = w.rollback();
        }
        result
    }

    /// Entries of `tenant` inside `scopes` matching `query`, best first, at
    /// most `limit` (capped at [`MAX_LIMIT`]).
    pub fn search(&self, tenant: &str, query: &str, scopes: &[Scope], limit: usize) -> Result<Vec<Hit>> {
        let limit = limit.min(MAX_LIMIT);
        let Some(query) = self.build_query(tenant, query, scopes) else { return Ok(Vec::new()) };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let collector = TopDocs::with_limit(limit).tweak_score(move |segment: &SegmentReader| {
            let lengths: Option<Arc<dyn ColumnValues<u64>>> =
                segment.fast_fields().u64(NAME_LEN).ok().map(|c| c.first_or_default_col(0));
            move |doc: DocId, score: Score| {
                let len = lengths.as_ref().map_or(0, |l| l.get_val(doc));
                score + 1.0 / (2.0 + len as Score)
            }
        });
        let top = searcher.search(&query, &collector)?;
        let f = &self.fields;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            hits.push(Hit {
                drive: text(f.drive),
                node: text(f.node),
                path: text(f.path),
                name: text(f.name),
                dir: doc.get_first(f.dir).and_then(|v| v.as_bool()).unwrap_or(false),
                mime: doc.get_first(f.mime).and_then(|v| v.as_str()).map(str::to_string),
                modified_unix: doc.get_first(f.modified).and_then(|v| v.as_i64()).unwrap_or(0),
                size: doc.get_first(f.size).and_then(|v| v.as_u64()).unwrap_or(0),
                score,
            });
        }
        Ok(hits)
    }

    /// The query for a search, or `None` when it can match nothing (no
    /// usable scope, no term). Built from tokens, never from query syntax.
    fn build_query(&self, tenant: &str, query: &str, scopes: &[Scope]) -> Option<BooleanQuery> {
        let f = &self.fields;
        let scope_terms: BTreeSet<String> = scopes.iter().filter_map(|s| scope_query_term(tenant, s)).collect();
        if scope_terms.is_empty() {
            return None;
        }
        let mut terms = tokens(query);
        let last = terms.pop()?;
        let whole = {
            let mut w = terms.join(" ");
            if !w.is_empty() {
                w.push(' ');
            }
            w.push_str(&last);
            w
        };
        let mut earlier: Vec<String> = Vec::new();
        for t in terms {
            if !earlier.contains(&t) {
                earlier.push(t);
            }
        }
        earlier.truncate(MAX_TERMS - 1);
        // A query ending in a separator ("rapport ") has its last word typed
        // out. Characters that fold to nothing (a trailing combining accent)
        // do not end a word.
        let prefix = query
            .chars()
            .rev()
            .map(|c| fold(c.encode_utf8(&mut [0; 4])))
            .find(|f| !f.is_empty())
            .is_some_and(|f| f.chars().next_back().is_some_and(char::is_alphanumeric));

        let term = |field, text: &str| Term::from_field_text(field, text);
        let konst = |q: Box<dyn Query>, score| -> Box<dyn Query> { Box::new(ConstScoreQuery::new(q, score)) };
        let exact = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(term(field, text), IndexRecordOption::Basic))
        };
        let starts_with = |field, text: &str| -> Box<dyn Query> {
            let mut q = PhrasePrefixQuery::new(vec![term(field, text)]);
            // Every expansion: a short prefix must not silently miss files.
            q.set_max_expansions(u32::MAX);
            Box::new(q)
        };
        let one_of = |clauses: Vec<Box<dyn Query>>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
        };

        let scopes = one_of(scope_terms.iter().map(|t| exact(f.scope, t)).collect());
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, konst(exact(f.tenant, tenant), 0.0)), (Occur::Must, konst(scopes, 0.0))];
        for t in &earlier {
            let either = one_of(vec![konst(exact(f.name, t), NAME_TERM), konst(exact(f.folders, t), FOLDER_TERM)]);
            clauses.push((Occur::Must, either));
        }
        let last_clause = if prefix {
            one_of(vec![
                konst(starts_with(f.name, &last), NAME_TERM),
                konst(exact(f.name, &last), WHOLE_TOKEN),
                konst(starts_with(f.folders, &last), FOLDER_TERM),
            ])
        } else {
            one_of(vec![konst(exact(f.name, &last), NAME_TERM), konst(exact(f.folders, &last), FOLDER_TERM)])
        };
        clauses.push((Occur::Must, last_clause));
        if whole.len() <= MAX_EXACT_BYTES {
            clauses.push((Occur::Should, konst(exact(f.name_full, &whole), EXACT_NAME)));
            clauses.push((Occur::Should, konst(exact(f.name_stem, &whole), EXACT_STEM)));
        }
        Some(BooleanQuery::new(clauses))
    }
}

/// Removes everything inside `dir`, which held an index of another version
/// or a broken one.
fn wipe(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) fn open_with_version(dir: &Path, version: u32) -> Result<FileIndex> {
    FileIndex::open_version(dir, version)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn scope_terms_cover_drive_ancestors_and_self() {
        let e = Entry {
            tenant: "t".into(),
            drive: "d".into(),
            node: "n".into(),
            path: "/Prosjekt/A/x.pdf".into(),
            name: "x.pdf".into(),
            dir: false,
            mime: None,
            modified_unix: 0,
            size: 0,
        };
        assert_eq!(
            entry_scope_terms(&e),
            ["1:t1:d", "1:t1:d/Prosjekt", "1:t1:d/Prosjekt/A", "1:t1:d/Prosjekt/A/x.pdf"]
        );
        assert_eq!(scope_query_term("t", &Scope::subtree("d", "/Prosjekt/")).as_deref(), Some("1:t1:d/Prosjekt"));
        assert_eq!(scope_query_term("t", &Scope::subtree("d", "/")).as_deref(), Some("1:t1:d"));
        assert_eq!(scope_query_term("t", &Scope::drive("d")).as_deref(), Some("1:t1:d"));
        assert_eq!(scope_query_term("t", &Scope::subtree("d", "Prosjekt")), None);
        assert_eq!(scope_query_term("t", &Scope::subtree("d", "")), None);
    }

    #[test]
    fn encoding_is_unambiguous() {
        assert_ne!(key_term("a1:b", ""), key_term("a", "1:b"));
        assert_ne!(scope_term("a", "b", "/c"), scope_term("a", "b/c", ""));
        assert_ne!(scope_term("1:a", "", ""), scope_term("", "a", ""));
    }

    #[test]
    fn payload_round_trips_and_checks_version() {
        assert_eq!(parse_payload(&payload(42, 3), 3), Some(42));
        assert_eq!(parse_payload(&payload(42, 3), 4), None);
        assert_eq!(parse_payload("garbage", 3), None);
    }
}

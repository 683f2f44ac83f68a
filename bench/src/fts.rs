//! The peer: SQLite FTS5 over the same principals (name, login, e-mail, org
//! unit path), prefix queries `"term"*`, `LIMIT 21`. It has no policy: no
//! tenant pre-filter, no barriers, no federation, so its figures are a lower
//! bound for an index that must still filter by policy.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};
use suveren_domain::names::fold;
use suveren_domain::{Directory, Principal};

pub struct Fts {
    conn: Connection,
    _dir: tempfile::TempDir,
}

/// Field weights as in `SearchIndex`: name 3, login 4, e-mail 2, unit 1.
const RANKED: &str = "SELECT rowid, name, login FROM people WHERE people MATCH ?1 \
                      ORDER BY bm25(people, 3.0, 4.0, 2.0, 1.0) LIMIT 21";
const UNRANKED: &str = "SELECT rowid, name, login FROM people WHERE people MATCH ?1 LIMIT 21";

impl Fts {
    /// Builds the index in a file in a fresh temporary folder, with a page
    /// cache big enough to hold all of it (as the in-memory index is).
    pub fn build(dir: &Directory, principals: &[Principal]) -> anyhow::Result<(Fts, Duration)> {
        let tmp = tempfile::tempdir()?;
        let conn = Connection::open(tmp.path().join("fts.db"))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             PRAGMA cache_size = -131072; PRAGMA mmap_size = 268435456;",
        )?;
        let t0 = Instant::now();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE people USING fts5(name, login, email, unit, \
             tokenize = 'unicode61 remove_diacritics 2');",
        )?;
        let tx = conn.unchecked_transaction()?;
        {
            let mut ins =
                tx.prepare("INSERT INTO people(rowid, name, login, email, unit) VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for (i, p) in principals.iter().enumerate() {
                let unit = p.org_unit.as_deref().map(|u| dir.unit_path(u)).unwrap_or_default();
                ins.execute(params![
                    i as i64,
                    fold(&p.name),
                    fold(&p.login),
                    fold(p.email.as_deref().unwrap_or("")),
                    fold(&unit)
                ])?;
            }
        }
        tx.commit()?;
        conn.execute_batch("INSERT INTO people(people) VALUES('optimize');")?;
        let took = t0.elapsed();
        Ok((Fts { conn, _dir: tmp }, took))
    }

    /// `"t1"* "t2"*`: every term as a prefix, all must match.
    pub fn expression(terms: &[String]) -> String {
        terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" ")
    }

    /// Runs one query and returns the number of rows it produced.
    pub fn query(&self, expr: &str, ranked: bool) -> anyhow::Result<usize> {
        if expr.is_empty() {
            return Ok(0);
        }
        let mut stmt = self.conn.prepare_cached(if ranked { RANKED } else { UNRANKED })?;
        let rows =
            stmt.query_map([expr], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut n = 0;
        for r in rows {
            std::hint::black_box(r?);
            n += 1;
        }
        Ok(n)
    }

    pub fn compile_options(&self) -> String {
        let version: String = self.conn.query_row("SELECT sqlite_version()", [], |r| r.get(0)).unwrap_or_default();
        format!("SQLite {version}")
    }
}

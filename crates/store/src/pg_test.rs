//! Test support: a fresh PostgreSQL database per test, on the server named
//! by `SUVEREN_TEST_PG` (`scripts/pg.sh start DIR PORT` prints the line to
//! export).
//!
//! Without the variable the PostgreSQL tests skip (most machines have no
//! server), unless `SUVEREN_TEST_REQUIRE_PG=1` says this run must test on
//! PostgreSQL (CI): then a missing server fails loudly instead of passing
//! silently.
//!
//! Each database is created with an ICU `en-US` default collation where the
//! server supports it, so a key or path column that forgot `COLLATE "C"`
//! sorts differently from SQLite and the conformance suite notices.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection;

/// The server URL, or `None` to skip (panics when a server is required).
pub fn server() -> Option<String> {
    match std::env::var("SUVEREN_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("SUVEREN_TEST_REQUIRE_PG").is_ok_and(|v| v == "1") {
                panic!("SUVEREN_TEST_REQUIRE_PG=1 but SUVEREN_TEST_PG is not set (scripts/pg.sh start DIR PORT)");
            }
            None
        }
    }
}

/// What a test prints when it skips for want of a server.
pub fn skipped() {
    eprintln!("skipped: SUVEREN_TEST_PG not set");
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[start..].find('/').map(|i| start + i).unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Creates a new, empty database on the test server and returns its URL;
/// `None` when no server is configured (the caller skips).
pub async fn fresh_database() -> Option<String> {
    static N: AtomicU64 = AtomicU64::new(0);
    let server = server()?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let name =
        format!("suveren_t_{}_{}_{}", std::process::id(), nanos % 1_000_000_000_000, N.fetch_add(1, Ordering::Relaxed));
    let mut conn = sqlx::PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to SUVEREN_TEST_PG ({server}): {e}"));
    // The name is ours (digits and letters), never input.
    let icu = format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
    );
    if sqlx::raw_sql(sqlx::AssertSqlSafe(icu)).execute(&mut conn).await.is_err() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database on {server}: {e}"));
    }
    let _ = conn.close().await;
    Some(with_database(&server, &name))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(with_database("postgres://postgres@127.0.0.1:5/postgres", "x"), "postgres://postgres@127.0.0.1:5/x");
        assert_eq!(with_database("postgres://u@h:5/db?sslmode=disable", "x"), "postgres://u@h:5/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
    }
}

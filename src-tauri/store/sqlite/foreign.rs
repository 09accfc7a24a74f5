//! Whether a file we are asked to create our schema in is someone else's database.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::classify;
use crate::store::StoreError;

/// Tables that make a database ours: `meta` from the first migration, or sqlx's record of
/// migrations (a first migration that stopped part-way).
const OURS: [&str; 2] = ["meta", "_sqlx_migrations"];

/// How many of a foreign file's tables the message names.
const NAMED: usize = 5;

/// Refuses a SQLite file at `path` that holds tables and none of ours: migrating would add
/// ours beside them and switch the file to WAL. A missing, empty or table-less file is
/// fine. Looks read-only, with the file's own journal mode untouched.
pub async fn refuse_foreign(url: &str, path: &Path) -> Result<(), StoreError> {
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Ok(());
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| classify(url, e))?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| classify(url, e))?;
    let _ = conn.close().await;
    if tables.is_empty() || tables.iter().any(|t| OURS.contains(&t.as_str())) {
        return Ok(());
    }
    let mut found = tables
        .iter()
        .take(NAMED)
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if tables.len() > NAMED {
        found.push_str(&format!(" and {} more", tables.len() - NAMED));
    }
    let noun = if tables.len() == 1 { "table" } else { "tables" };
    Err(StoreError::Foreign {
        url: url.to_string(),
        found: format!("{} {noun} ({found})", tables.len()),
    })
}

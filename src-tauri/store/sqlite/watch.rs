//! `watched_files` and `watches`: what a folder watch took of each file, and its last poll.

use std::collections::HashMap;

use super::SqliteStore;
use crate::core::model::Millis;
use crate::store::{ImportStatus, StoreError, Taken, WatchStatus};

pub async fn watched_files(
    store: &SqliteStore,
    dir: &str,
) -> Result<HashMap<String, Taken>, StoreError> {
    let rows: Vec<(String, i64, i64, i64, i64)> =
        sqlx::query_as("SELECT name, device, inode, bytes, lines FROM watched_files WHERE dir = ?")
            .bind(dir)
            .fetch_all(&store.pool())
            .await
            .map_err(store.err())?;
    Ok(rows
        .into_iter()
        .map(|(name, device, inode, bytes, lines)| {
            let taken = Taken {
                identity: (device as u64, inode as u64),
                bytes: bytes as u64,
                lines: lines as u64,
            };
            (name, taken)
        })
        .collect())
}

pub async fn remember_taken(
    store: &SqliteStore,
    dir: &str,
    name: &str,
    t: Taken,
    now: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO watched_files (dir, name, device, inode, bytes, lines, taken_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (dir, name) DO UPDATE SET device = excluded.device,
             inode = excluded.inode, bytes = excluded.bytes, lines = excluded.lines,
             taken_ms = excluded.taken_ms",
    )
    .bind(dir)
    .bind(name)
    .bind(t.identity.0 as i64)
    .bind(t.identity.1 as i64)
    .bind(t.bytes as i64)
    .bind(t.lines as i64)
    .bind(now)
    .execute(&store.pool())
    .await
    .map_err(store.err())?;
    Ok(())
}

pub async fn watch_polled(
    store: &SqliteStore,
    dir: &str,
    mapping: &str,
    now: Millis,
    error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO watches (dir, mapping, polled_ms, error) VALUES (?, ?, ?, ?)
         ON CONFLICT (dir) DO UPDATE SET mapping = excluded.mapping,
             polled_ms = excluded.polled_ms, error = excluded.error",
    )
    .bind(dir)
    .bind(mapping)
    .bind(now)
    .bind(error)
    .execute(&store.pool())
    .await
    .map_err(store.err())?;
    Ok(())
}

/// The last finished import (by anyone) and the most recently polled watch.
pub async fn import_status(store: &SqliteStore) -> Result<ImportStatus, StoreError> {
    let last: Option<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT source, file, finished_ms, rows_read, rows_stored, rows_rejected
         FROM imports WHERE finished_ms IS NOT NULL ORDER BY finished_ms DESC, id DESC LIMIT 1",
    )
    .fetch_optional(&store.pool())
    .await
    .map_err(store.err())?;
    let watch: Option<(String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT dir, mapping, polled_ms, error FROM watches ORDER BY polled_ms DESC LIMIT 1",
    )
    .fetch_optional(&store.pool())
    .await
    .map_err(store.err())?;
    Ok(ImportStatus {
        last: last.map(
            |(source, file, at, read, stored, rejected)| crate::store::LastImport {
                source,
                file: file_name(&file),
                at,
                rows_read: read as u64,
                rows_stored: stored as u64,
                rows_rejected: rejected as u64,
            },
        ),
        watch: watch.map(|(dir, mapping, polled, error)| WatchStatus {
            dir,
            mapping,
            polled,
            error,
        }),
    })
}

/// The wall shows a file's name, not where it sits on the importing machine.
fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

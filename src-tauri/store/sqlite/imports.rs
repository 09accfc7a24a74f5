//! The import log: each import's state and counts (`imports`), and the problems found in
//! incoming data (`data_quality`), each logged once.

use sqlx::{QueryBuilder, Sqlite};

use super::{SqliteStore, MAX_PARAMS};
use crate::core::model::{DataIssue, Millis};
use crate::store::{ImportCounts, ImportState, StoreError, IMPORT_SILENT_MS};

/// SQLite's clock in milliseconds: the heartbeat is judged on one clock, whatever `now`
/// the importer was handed (tests hand it a fixed one).
const CLOCK_MS: &str = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

pub async fn log_issues(
    store: &SqliteStore,
    issues: &[DataIssue],
    now: Millis,
) -> Result<(), StoreError> {
    if issues.is_empty() {
        return Ok(());
    }
    let mut tx = store.pool().begin().await.map_err(store.err())?;
    for chunk in issues.chunks(MAX_PARAMS / 10) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO data_quality (logged_ms, source, file, line, column_name, record_id, severity, reason, raw_value) ",
        );
        qb.push_values(chunk, |mut b, i| {
            b.push_bind(now)
                .push_bind(&i.source)
                .push_bind(&i.file)
                .push_bind(i.line.map(|l| l as i64))
                .push_bind(&i.column)
                .push_bind(&i.record_id)
                .push_bind(i.severity.code())
                .push_bind(&i.reason)
                .push_bind(&i.raw_value);
        });
        // The unique index `data_quality_once` (migration 0008) says what "the same
        // problem" is; one already logged stays as it was first logged.
        qb.push(" ON CONFLICT DO NOTHING");
        qb.build().execute(&mut *tx).await.map_err(store.err())?;
    }
    tx.commit().await.map_err(store.err())
}

pub async fn begin(
    store: &SqliteStore,
    source: &str,
    file: &str,
    now: Millis,
) -> Result<i64, StoreError> {
    let mut tx = store.pool().begin().await.map_err(store.err())?;
    sqlx::query(&format!(
        "UPDATE imports SET status = 'interrupted',
             note = 'stopped without a word (its process ended: killed, crashed, or the machine went down)'
         WHERE status = 'running' AND COALESCE(heartbeat_ms, 0) < {CLOCK_MS} - ?"
    ))
    .bind(IMPORT_SILENT_MS)
    .execute(&mut *tx)
    .await
    .map_err(store.err())?;
    let id = sqlx::query_scalar(&format!(
        "INSERT INTO imports (source, file, started_ms, heartbeat_ms) VALUES (?, ?, ?, {CLOCK_MS})
         RETURNING id"
    ))
    .bind(source)
    .bind(file)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(store.err())?;
    tx.commit().await.map_err(store.err())?;
    Ok(id)
}

pub async fn update(
    store: &SqliteStore,
    id: i64,
    c: ImportCounts,
    state: ImportState,
) -> Result<(), StoreError> {
    let (status, finished, note) = match state {
        ImportState::Running => ("running", None, None),
        ImportState::Finished { at } => ("finished", Some(at), None),
        ImportState::Interrupted { why } => ("interrupted", None, Some(why)),
    };
    sqlx::query(&format!(
        "UPDATE imports SET status = ?, finished_ms = ?, note = ?, heartbeat_ms = {CLOCK_MS},
             rows_read = ?, rows_stored = ?, rows_rejected = ?, warnings = ?
         WHERE id = ?"
    ))
    .bind(status)
    .bind(finished)
    .bind(note)
    .bind(c.rows_read as i64)
    .bind(c.rows_stored as i64)
    .bind(c.rows_rejected as i64)
    .bind(c.warnings as i64)
    .bind(id)
    .execute(&store.pool())
    .await
    .map_err(store.err())?;
    Ok(())
}

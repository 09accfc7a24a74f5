//! Work orders past their time limit and still open: the list beside the overdue count.

use super::{classify, SqliteStore};
use crate::core::model::{Millis, OverdueOrder};
use crate::store::StoreError;

/// Open orders (neither handled nor returned) whose time limit passed before `now`, the
/// longest overdue first; at most `limit`.
pub async fn overdue_orders(
    store: &SqliteStore,
    now: Millis,
    limit: u32,
) -> Result<Vec<OverdueOrder>, StoreError> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Millis,
        Millis,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT source_id, direction, category, zone, department, sent_ms, due_ms, status
         FROM work_orders
         WHERE handled_ms IS NULL AND returned_ms IS NULL AND due_ms < ? AND sent_ms <= ?
         ORDER BY due_ms, source_id LIMIT ?",
    )
    .bind(now)
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&store.pool())
    .await
    .map_err(|e| classify(&store.url, e))?;
    Ok(rows
        .into_iter()
        .map(
            |(source_id, direction, category, zone, department, sent, due, status)| OverdueOrder {
                source_id,
                direction,
                category,
                zone,
                department,
                sent,
                due,
                status,
            },
        )
        .collect())
}

/// How many open orders are past their time limit at `now` (the list is cut at a limit).
pub async fn overdue_count(store: &SqliteStore, now: Millis) -> Result<u64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM work_orders
         WHERE handled_ms IS NULL AND returned_ms IS NULL AND due_ms < ? AND sent_ms <= ?",
    )
    .bind(now)
    .bind(now)
    .fetch_one(&store.pool())
    .await
    .map_err(|e| classify(&store.url, e))?;
    Ok(n as u64)
}

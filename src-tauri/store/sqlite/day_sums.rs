//! `day_sums`: the engine's daily sums (a cache the KPI service fills; see
//! `core::kpi::ledger`), and `anchor_moves`, where triggers note the times records left.

use super::SqliteStore;
use crate::core::kpi::window::Span;
use crate::core::model::Millis;
use crate::store::{StoreError, StoredDaySum};

pub async fn stamps(
    store: &SqliteStore,
    digest: &str,
    range: (Millis, Millis),
) -> Result<Vec<(Millis, i64)>, StoreError> {
    in_range(store, "day_ms, seq", digest, range).await
}

pub async fn load(
    store: &SqliteStore,
    digest: &str,
    range: (Millis, Millis),
) -> Result<Vec<StoredDaySum>, StoreError> {
    let rows: Vec<(i64, i64, i64, Vec<u8>)> =
        in_range(store, "day_ms, end_ms, seq, sum", digest, range).await?;
    Ok(rows
        .into_iter()
        .map(|(day, end, seq, sum)| StoredDaySum {
            day: Span { from: day, to: end },
            seq,
            sum,
        })
        .collect())
}

/// `columns` of the sums kept under `digest` for days starting in `[from, to)`, in order.
async fn in_range<T>(
    store: &SqliteStore,
    columns: &str,
    digest: &str,
    (from, to): (Millis, Millis),
) -> Result<Vec<T>, StoreError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    sqlx::query_as(&format!(
        "SELECT {columns} FROM day_sums
         WHERE digest = ? AND day_ms >= ? AND day_ms < ? ORDER BY day_ms"
    ))
    .bind(digest)
    .bind(from)
    .bind(to)
    .fetch_all(&store.pool())
    .await
    .map_err(store.err())
}

pub async fn keep(
    store: &SqliteStore,
    digest: &str,
    sums: &[StoredDaySum],
    good: &[Millis],
    seq: i64,
) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await.map_err(store.err())?;
    for s in sums {
        sqlx::query(
            "INSERT INTO day_sums (digest, day_ms, end_ms, seq, sum) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (digest, day_ms) DO UPDATE SET
                 end_ms = excluded.end_ms, seq = excluded.seq, sum = excluded.sum",
        )
        .bind(digest)
        .bind(s.day.from)
        .bind(s.day.to)
        .bind(s.seq)
        .bind(&s.sum)
        .execute(&mut *tx)
        .await
        .map_err(store.err())?;
    }
    for day in good {
        // Only forward: another program may have marked it later meanwhile.
        sqlx::query("UPDATE day_sums SET seq = ? WHERE digest = ? AND day_ms = ? AND seq < ?")
            .bind(seq)
            .bind(digest)
            .bind(day)
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(store.err())?;
    }
    tx.commit().await.map_err(store.err())
}

pub async fn anchors_left(store: &SqliteStore, seq: i64) -> Result<Vec<Millis>, StoreError> {
    sqlx::query_scalar("SELECT anchor_ms FROM anchor_moves WHERE seq > ?")
        .bind(seq)
        .fetch_all(&store.pool())
        .await
        .map_err(store.err())
}

pub async fn first_anchor(store: &SqliteStore) -> Result<Option<Millis>, StoreError> {
    // Each MIN is one step down its table's index (the dispatch one is partial: the
    // IS NOT NULL lets SQLite use it instead of reading every incident).
    sqlx::query_scalar(
        "SELECT MIN(t) FROM (
             SELECT MIN(received_ms) AS t FROM calls
             UNION ALL SELECT MIN(created_ms) FROM incidents
             UNION ALL SELECT MIN(dispatched_ms) FROM incidents WHERE dispatched_ms IS NOT NULL
             UNION ALL SELECT MIN(sent_ms) FROM work_orders
             UNION ALL SELECT MIN(called_ms) FROM callbacks
             UNION ALL SELECT MIN(start_ms) FROM phone_intervals)",
    )
    .fetch_one(&store.pool())
    .await
    .map_err(store.err())
}

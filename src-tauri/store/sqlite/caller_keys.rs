//! `caller_keys`: the fingerprint of the caller key each stretch of the data was hashed
//! with (append-only), and whether any call carries a caller hash at all.

use super::SqliteStore;
use crate::store::{CallerKeyRecord, KeyChange, StoreError};

pub async fn list(store: &SqliteStore) -> Result<Vec<CallerKeyRecord>, StoreError> {
    let rows: Vec<(String, String, i64, String)> =
        sqlx::query_as("SELECT fingerprint, change, at_ms, note FROM caller_keys ORDER BY id")
            .fetch_all(&store.pool())
            .await
            .map_err(store.err())?;
    rows.into_iter()
        .map(|(fingerprint, change, at, note)| {
            let change = match change.as_str() {
                "first" => KeyChange::First,
                "rotated" => KeyChange::Rotated,
                other => {
                    return Err(StoreError::Corrupt {
                        url: store.url.clone(),
                        detail: format!(
                            "caller_keys: change '{other}' is not one this build knows"
                        ),
                    })
                }
            };
            Ok(CallerKeyRecord {
                fingerprint,
                change,
                at,
                note,
            })
        })
        .collect()
}

/// Appends `record`; a `First` only where nothing is recorded yet (two doors starting on a
/// new database at once record it once).
pub async fn record(store: &SqliteStore, record: &CallerKeyRecord) -> Result<(), StoreError> {
    let (change, guard) = match record.change {
        KeyChange::First => ("first", " WHERE NOT EXISTS (SELECT 1 FROM caller_keys)"),
        KeyChange::Rotated => ("rotated", ""),
    };
    sqlx::query(&format!(
        "INSERT INTO caller_keys (fingerprint, change, at_ms, note) SELECT ?, ?, ?, ?{guard}"
    ))
    .bind(&record.fingerprint)
    .bind(change)
    .bind(record.at)
    .bind(&record.note)
    .execute(&store.pool())
    .await
    .map_err(store.err())?;
    Ok(())
}

pub async fn has_caller_hashes(store: &SqliteStore) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM calls WHERE caller_key IS NOT NULL)")
        .fetch_one(&store.pool())
        .await
        .map_err(store.err())
}

//! The few lists the wall's pages show beside the figures: receive times for the hourly
//! chart, incidents still open per unit, one zone's incidents for drill-down.

use super::scan::{scan, Bind};
use super::SqliteStore;
use crate::core::model::Millis;
use crate::store::{IncidentRecord, StoreError};

/// Receive times of the calls in `[from, to)`.
pub async fn received_times(
    store: &SqliteStore,
    (from, to): (Millis, Millis),
) -> Result<Vec<Millis>, StoreError> {
    let mut out = Vec::new();
    scan(
        store,
        "SELECT received_ms FROM calls WHERE received_ms >= ? AND received_ms < ?",
        &[Bind::Int(from), Bind::Int(to)],
        &mut |row| {
            out.extend(row.int(0));
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// (unit, dispatch time) of every incident dispatched since `since` that its unit has not
/// yet reported back on (反馈) and that is not closed: the unit is still on it.
pub async fn open_by_unit(
    store: &SqliteStore,
    since: Millis,
) -> Result<Vec<(String, Millis)>, StoreError> {
    let mut out = Vec::new();
    scan(
        store,
        "SELECT unit, dispatched_ms FROM incidents
         WHERE dispatched_ms >= ? AND fed_back_ms IS NULL AND closed_ms IS NULL
           AND unit IS NOT NULL",
        &[Bind::Int(since)],
        &mut |row| {
            if let (Some(u), Some(d)) = (row.text(0), row.int(1)) {
                out.push((u.to_string(), d));
            }
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// The incidents of one zone created in `[from, to)`, newest first; at most `limit`.
pub async fn zone_incidents(
    store: &SqliteStore,
    zone: &str,
    (from, to): (Millis, Millis),
    limit: u32,
) -> Result<Vec<IncidentRecord>, StoreError> {
    let mut out = Vec::new();
    scan(
        store,
        "SELECT source_id, category, priority, unit, created_ms, dispatched_ms, signed_for_ms,
                arrived_ms, closed_ms
         FROM incidents WHERE zone = ? AND created_ms >= ? AND created_ms < ?
         ORDER BY created_ms DESC LIMIT ?",
        &[
            Bind::Text(zone.to_string()),
            Bind::Int(from),
            Bind::Int(to),
            Bind::Int(i64::from(limit)),
        ],
        &mut |row| {
            out.push(IncidentRecord {
                source_id: row.text(0).unwrap_or_default().to_string(),
                category: row.text(1).map(str::to_string),
                priority: row.int(2),
                unit: row.text(3).map(str::to_string),
                created: row.int(4).ok_or("incident without a creation time")?,
                dispatched: row.int(5),
                signed_for: row.int(6),
                arrived: row.int(7),
                closed: row.int(8),
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

//! Incidents a source lists one row per unit: such an incident takes its stage times from
//! every unit stored for it, not only the units of this write, so the rows of one incident
//! may come in any order, in several batches or files, and merge instead of replacing each
//! other. Its close is the latest any of its rows gave.

use std::borrow::Cow;

use sqlx::SqliteConnection;

use super::error::classify;
use super::scan::{off_the_workers, Bind, Prepared};
use crate::core::model::{Incident, IncidentUnit};
use crate::store::StoreError;

/// `incidents` as they are to be stored, once the units written before them in the same
/// transaction (and in earlier ones) are taken in. Incidents written one row each are
/// returned as they are, without a read.
pub(super) async fn merged<'a>(
    conn: &mut SqliteConnection,
    url: &str,
    incidents: &'a [Incident],
) -> Result<Cow<'a, [Incident]>, StoreError> {
    if incidents.iter().all(|i| i.units.is_none()) {
        return Ok(Cow::Borrowed(incidents));
    }
    let mut handle = conn.lock_handle().await.map_err(|e| classify(url, e))?;
    let db = handle.as_raw_handle().as_ptr();
    // One indexed lookup per incident on statements prepared once: a batch's incidents are
    // mostly new, and an `IN` list of thousands of ids cost more than the lookups.
    off_the_workers(|| {
        let units = Prepared::new(
            db,
            url,
            "SELECT unit, dispatched_ms, signed_for_ms, departed_ms, arrived_ms, cleared_ms \
             FROM incident_units WHERE source = ?1 AND incident_id = ?2",
        )?;
        let close = Prepared::new(
            db,
            url,
            "SELECT closed_ms FROM incidents \
             WHERE source = ?1 AND source_id = ?2 AND closed_ms IS NOT NULL",
        )?;
        let merge = |i: &Incident| -> Result<Incident, StoreError> {
            let mut i = i.clone();
            if i.units.is_none() {
                return Ok(i);
            }
            let key = [
                Bind::Text(i.source.clone()),
                Bind::Text(i.source_id.clone()),
            ];
            let mut stored = Vec::new();
            units.run(&key, &mut |r| {
                stored.push(IncidentUnit {
                    source: i.source.clone(),
                    incident_id: i.source_id.clone(),
                    unit: r.text(0).unwrap_or_default().to_string(),
                    dispatched: r.int(1),
                    signed_for: r.int(2),
                    departed: r.int(3),
                    arrived: r.int(4),
                    cleared: r.int(5),
                });
                Ok(())
            })?;
            i.take_units(&stored);
            // The close an incident already has: a later row without one, or with an
            // earlier one, does not reopen it.
            close.run(&key, &mut |r| {
                i.closed = i.closed.max(r.int(0));
                Ok(())
            })?;
            Ok(i)
        };
        incidents.iter().map(merge).collect::<Result<Vec<_>, _>>()
    })
    .map(Cow::Owned)
}

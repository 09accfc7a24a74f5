//! Incidents a source lists one row per unit: such an incident takes its stage times from
//! every unit stored for it, not only the units of this write, so the rows of one incident
//! may come in any order, in several batches or files, and merge instead of replacing each
//! other. Its close is the latest any of its rows gave.

use std::borrow::Cow;
use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::core::model::{Incident, IncidentUnit, Millis};

/// Ids per statement: far below SQLite's bound-parameter limit.
const IDS_PER_QUERY: usize = 5_000;

/// `incidents` as they are to be stored, once the units written before them in the same
/// transaction (and in earlier ones) are taken in. Incidents written one row each are
/// returned as they are, without a read.
pub(super) async fn merged<'a>(
    conn: &mut SqliteConnection,
    incidents: &'a [Incident],
) -> Result<Cow<'a, [Incident]>, sqlx::Error> {
    if incidents.iter().all(|i| i.units.is_none()) {
        return Ok(Cow::Borrowed(incidents));
    }
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for i in incidents.iter().filter(|i| i.units.is_some()) {
        by_source.entry(&i.source).or_default().push(&i.source_id);
    }
    let mut units: HashMap<(String, String), Vec<IncidentUnit>> = HashMap::new();
    let mut closed: HashMap<(String, String), Millis> = HashMap::new();
    for (source, ids) in by_source {
        for chunk in ids.chunks(IDS_PER_QUERY) {
            for u in stored_units(conn, source, chunk).await? {
                units
                    .entry((u.source.clone(), u.incident_id.clone()))
                    .or_default()
                    .push(u);
            }
            for (id, t) in stored_closes(conn, source, chunk).await? {
                closed.insert((source.to_string(), id), t);
            }
        }
    }
    let merged = incidents
        .iter()
        .map(|i| {
            let mut i = i.clone();
            if i.units.is_some() {
                let key = (i.source.clone(), i.source_id.clone());
                i.take_units(units.get(&key).into_iter().flatten());
                i.closed = i.closed.max(closed.get(&key).copied());
            }
            i
        })
        .collect();
    Ok(Cow::Owned(merged))
}

fn where_ids<'q>(
    qb: &mut QueryBuilder<'q, Sqlite>,
    id_column: &str,
    source: &'q str,
    ids: &[&'q str],
) {
    qb.push(" WHERE source = ");
    qb.push_bind(source);
    qb.push(format!(" AND {id_column} IN ("));
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
}

async fn stored_units(
    conn: &mut SqliteConnection,
    source: &str,
    ids: &[&str],
) -> Result<Vec<IncidentUnit>, sqlx::Error> {
    type Row = (
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT incident_id, unit, dispatched_ms, signed_for_ms, departed_ms, arrived_ms, \
         cleared_ms FROM incident_units",
    );
    where_ids(&mut qb, "incident_id", source, ids);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(
            |(incident_id, unit, dispatched, signed_for, departed, arrived, cleared)| {
                IncidentUnit {
                    source: source.to_string(),
                    incident_id,
                    unit,
                    dispatched,
                    signed_for,
                    departed,
                    arrived,
                    cleared,
                }
            },
        )
        .collect())
}

/// The close each already stored incident has: a later row without one, or with an
/// earlier one, does not reopen it.
async fn stored_closes(
    conn: &mut SqliteConnection,
    source: &str,
    ids: &[&str],
) -> Result<Vec<(String, Millis)>, sqlx::Error> {
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT source_id, closed_ms FROM incidents");
    where_ids(&mut qb, "source_id", source, ids);
    qb.push(" AND closed_ms IS NOT NULL");
    qb.build_query_as().fetch_all(&mut *conn).await
}

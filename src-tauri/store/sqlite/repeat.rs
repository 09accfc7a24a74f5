//! Reading the calls repeat-call governance screens: only those of callers, places and
//! events that could cross a threshold, found by grouping in SQL.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{classify, SqliteStore};
use crate::core::model::{Millis, UnknownCode};
use crate::core::repeat::{Periods, ReportedCall, Scope, Thresholds};
use crate::store::StoreError;

/// Answered calls of the year whose caller or place (with the matter) is over a threshold,
/// and calls of the week that share an incident with another call; with
/// `Scope::ReportedInWeek`, only of callers and places that reported in the week. A superset:
/// the core applies the exact rules.
pub async fn candidates(
    store: &SqliteStore,
    p: &Periods,
    t: &Thresholds,
    scope: Scope,
) -> Result<Vec<ReportedCall>, StoreError> {
    let rows = match scope {
        Scope::All => fetch(store, ALL, p, t).await?,
        Scope::ReportedInWeek => {
            // Callers and places are sought on two connections at once; a call of both comes
            // from each, and is kept once.
            let (mut rows, places) = tokio::try_join!(
                fetch(store, CALLERS_IN_WEEK, p, t),
                fetch(store, PLACES_IN_WEEK, p, t)
            )?;
            let mut seen: std::collections::HashSet<i64> =
                rows.iter().filter_map(|r| r.try_get("id").ok()).collect();
            rows.extend(
                places
                    .into_iter()
                    .filter(|r| r.try_get("id").is_ok_and(|id: i64| seen.insert(id))),
            );
            rows
        }
    };
    rows.iter()
        .map(|r| {
            let code = |col: &str| -> Result<Option<String>, sqlx::Error> { r.try_get(col) };
            let err = |e| classify(&store.url, e);
            Ok(ReportedCall {
                id: r.try_get("id").map_err(err)?,
                received: r.try_get::<Millis, _>("received_ms").map_err(err)?,
                caller_key: code("caller_key").map_err(err)?,
                caller_masked: code("caller_masked").map_err(err)?,
                address: code("address").map_err(err)?,
                zone: code("zone").map_err(err)?,
                category: code("category").map_err(err)?,
                outcome: parse(&store.url, "outcome", code("outcome").map_err(err)?)?,
                invalid_reason: parse(
                    &store.url,
                    "invalid_reason",
                    code("invalid_reason").map_err(err)?,
                )?,
                incident_id: code("incident_id").map_err(err)?,
                duplicate: r.try_get("duplicate").map_err(err)?,
            })
        })
        .collect()
}

/// Runs one of the screening statements (they share their parameters).
async fn fetch(
    store: &SqliteStore,
    sql: &str,
    p: &Periods,
    t: &Thresholds,
) -> Result<Vec<SqliteRow>, StoreError> {
    sqlx::query(sql)
        .bind(p.year.from)
        .bind(p.year.to)
        .bind(p.week.from)
        .bind(p.week.to)
        .bind(p.month.from)
        .bind(i64::from(t.week))
        .bind(i64::from(t.year))
        .bind(i64::from(t.month))
        .fetch_all(&store.pool())
        .await
        .map_err(|e| classify(&store.url, e))
}

fn parse<T: std::str::FromStr<Err = UnknownCode>>(
    url: &str,
    col: &str,
    v: Option<String>,
) -> Result<Option<T>, StoreError> {
    v.map(|s| s.parse())
        .transpose()
        .map_err(|e: UnknownCode| StoreError::Corrupt {
            url: url.to_string(),
            detail: format!("calls.{col}: {e}"),
        })
}

// Counting per period in SQL keeps to the groups over a threshold. Places group on the
// address without spaces or case, coarser than the core's key, so no place the core would
// flag is missed; the core then applies the exact rules.
const ALL: &str = "
    WITH y AS (
        SELECT caller_key, address, IFNULL(category, '') AS cat, received_ms
        FROM calls
        WHERE received_ms >= ?1 AND received_ms < ?2 AND answered_ms IS NOT NULL AND NOT duplicate),
    callers AS (
        SELECT caller_key, cat FROM y WHERE caller_key IS NOT NULL GROUP BY 1, 2
        HAVING COUNT(*) >= ?7 OR SUM(received_ms >= ?5) >= ?8 OR SUM(received_ms >= ?3) >= ?6),
    places AS (
        SELECT lower(replace(address, ' ', '')) AS place, cat FROM y
        WHERE address IS NOT NULL GROUP BY 1, 2
        HAVING COUNT(*) >= ?7 OR SUM(received_ms >= ?5) >= ?8 OR SUM(received_ms >= ?3) >= ?6),
    events AS (
        SELECT source, incident_id FROM calls
        WHERE received_ms >= ?3 AND received_ms < ?4 AND incident_id IS NOT NULL
        GROUP BY 1, 2 HAVING COUNT(*) > 1)
    SELECT id, received_ms, caller_key, caller_masked, address, zone, category, outcome,
           invalid_reason, incident_id, duplicate
    FROM calls c
    WHERE received_ms >= ?1 AND received_ms < ?2 AND answered_ms IS NOT NULL AND (
          (NOT duplicate AND (caller_key, IFNULL(category, '')) IN callers)
       OR (NOT duplicate AND (lower(replace(address, ' ', '')), IFNULL(category, '')) IN places)
       OR (received_ms >= ?3 AND received_ms < ?4 AND (source, incident_id) IN events))";

/// The callers that reported in the week, each counted over the year by seeking it in
/// `calls_repeat_caller` (index only) instead of grouping the whole year, then the calls of
/// those over a threshold; and the calls of the week that share an incident.
const CALLERS_IN_WEEK: &str = "
    WITH wk AS (
        SELECT DISTINCT caller_key, IFNULL(category, '') AS cat FROM calls
        WHERE received_ms >= ?3 AND received_ms < ?4 AND answered_ms IS NOT NULL
          AND NOT duplicate AND caller_key IS NOT NULL),
    callers AS (
        SELECT w.caller_key, w.cat FROM wk w JOIN calls c ON c.caller_key = w.caller_key
        WHERE IFNULL(c.category, '') = w.cat AND c.received_ms >= ?1 AND c.received_ms < ?2
          AND c.answered_ms IS NOT NULL AND NOT c.duplicate
        GROUP BY 1, 2
        HAVING COUNT(*) >= ?7 OR SUM(c.received_ms >= ?5) >= ?8 OR SUM(c.received_ms >= ?3) >= ?6),
    events AS (
        SELECT source, incident_id FROM calls
        WHERE received_ms >= ?3 AND received_ms < ?4 AND incident_id IS NOT NULL
        GROUP BY 1, 2 HAVING COUNT(*) > 1)
    SELECT c.id, c.received_ms, c.caller_key, c.caller_masked, c.address, c.zone, c.category,
           c.outcome, c.invalid_reason, c.incident_id, c.duplicate
    FROM callers g JOIN calls c ON c.caller_key = g.caller_key AND IFNULL(c.category, '') = g.cat
    WHERE c.received_ms >= ?1 AND c.received_ms < ?2 AND c.answered_ms IS NOT NULL
      AND NOT c.duplicate
    UNION
    SELECT c.id, c.received_ms, c.caller_key, c.caller_masked, c.address, c.zone, c.category,
           c.outcome, c.invalid_reason, c.incident_id, c.duplicate
    FROM events e JOIN calls c ON c.source = e.source AND c.incident_id = e.incident_id
    WHERE c.received_ms >= ?3 AND c.received_ms < ?4 AND c.answered_ms IS NOT NULL";

/// The places that reported in the week, as `CALLERS_IN_WEEK` (`calls_repeat_place`).
const PLACES_IN_WEEK: &str = "
    WITH wk AS (
        SELECT DISTINCT lower(replace(address, ' ', '')) AS place, IFNULL(category, '') AS cat
        FROM calls
        WHERE received_ms >= ?3 AND received_ms < ?4 AND answered_ms IS NOT NULL
          AND NOT duplicate AND address IS NOT NULL),
    places AS (
        SELECT w.place, w.cat FROM wk w
        JOIN calls c ON lower(replace(c.address, ' ', '')) = w.place
        WHERE IFNULL(c.category, '') = w.cat AND c.received_ms >= ?1 AND c.received_ms < ?2
          AND c.answered_ms IS NOT NULL AND NOT c.duplicate
        GROUP BY 1, 2
        HAVING COUNT(*) >= ?7 OR SUM(c.received_ms >= ?5) >= ?8 OR SUM(c.received_ms >= ?3) >= ?6)
    SELECT c.id, c.received_ms, c.caller_key, c.caller_masked, c.address, c.zone, c.category,
           c.outcome, c.invalid_reason, c.incident_id, c.duplicate
    FROM places g
    JOIN calls c ON lower(replace(c.address, ' ', '')) = g.place
         AND IFNULL(c.category, '') = g.cat
    WHERE c.received_ms >= ?1 AND c.received_ms < ?2 AND c.answered_ms IS NOT NULL
      AND NOT c.duplicate";

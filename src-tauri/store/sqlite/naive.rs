//! The naive way, for the benchmark only: a window's figures recomputed by SQL GROUP BY over
//! every row of the window, as a wallboard without an engine would on each refresh.

use super::{classify, SqliteStore};
use crate::core::kpi::window::Span;
use crate::store::naive::NaiveFigures;
use crate::store::StoreError;

const CALLS: &str = "
    SELECT zone, COUNT(*),
           SUM(answered_ms IS NULL AND ended_ms IS NOT NULL),
           SUM(answered_ms IS NOT NULL),
           SUM(answered_ms IS NOT NULL AND IFNULL(outcome, '') <> 'invalid' AND NOT duplicate),
           SUM(answered_ms IS NOT NULL AND outcome IN ('non_police', 'diverted')),
           SUM(answered_ms IS NOT NULL AND outcome = 'diverted'),
           SUM(answered_ms IS NOT NULL AND outcome = 'invalid')
    FROM calls WHERE received_ms >= ?1 AND received_ms < ?2 GROUP BY zone";
const CALL_NAMES: [&str; 7] = [
    "calls",
    "abandoned",
    "answered",
    "valid",
    "non_police",
    "diverted",
    "invalid",
];

const OTHERS: [(&str, &str); 4] = [
    (
        "incidents",
        "SELECT zone, COUNT(*) FROM incidents WHERE created_ms >= ?1 AND created_ms < ?2 GROUP BY zone",
    ),
    (
        "dispatches",
        "SELECT zone, COUNT(*) FROM incidents WHERE dispatched_ms >= ?1 AND dispatched_ms < ?2 GROUP BY zone",
    ),
    (
        "orders_to_police_in_time",
        "SELECT zone, SUM(direction = 'to_police' AND accepted_ms <= accept_by_ms) FROM work_orders
         WHERE sent_ms >= ?1 AND sent_ms < ?2 GROUP BY zone",
    ),
    (
        "satisfied",
        "SELECT zone, SUM(satisfaction IN ('satisfied', 'basic')) FROM callbacks
         WHERE called_ms >= ?1 AND called_ms < ?2 GROUP BY zone",
    ),
];

/// Interval name, table, from-column, to-column.
const INTERVALS: [(&str, &str, &str, &str); 10] = [
    ("answer", "calls", "received_ms", "answered_ms"),
    (
        "processing",
        "incidents",
        "call_answered_ms",
        "dispatched_ms",
    ),
    ("sign_for", "incidents", "dispatched_ms", "signed_for_ms"),
    ("arrival", "incidents", "dispatched_ms", "arrived_ms"),
    (
        "arrival_total",
        "incidents",
        "call_received_ms",
        "arrived_ms",
    ),
    ("feedback", "incidents", "arrived_ms", "fed_back_ms"),
    ("turnout", "incidents", "dispatched_ms", "departed_ms"),
    ("travel", "incidents", "departed_ms", "arrived_ms"),
    ("order_handling", "work_orders", "sent_ms", "handled_ms"),
    ("order_feedback", "work_orders", "sent_ms", "fed_back_ms"),
];

pub async fn span_figures(store: &SqliteStore, span: Span) -> Result<NaiveFigures, StoreError> {
    let err = |e| classify(&store.url, e);
    let mut out = NaiveFigures::new();
    type CallRow = (Option<String>, i64, i64, i64, i64, i64, i64, i64);
    let rows: Vec<CallRow> = sqlx::query_as(CALLS)
        .bind(span.from)
        .bind(span.to)
        .fetch_all(&store.pool())
        .await
        .map_err(err)?;
    for (zone, a, b, c, d, e, f, g) in rows {
        let cut = out.entry(zone).or_default();
        for (k, v) in CALL_NAMES.iter().zip([a, b, c, d, e, f, g]) {
            cut.counts.insert(k, v);
        }
    }
    for (name, sql) in OTHERS {
        let rows: Vec<(Option<String>, Option<i64>)> = sqlx::query_as(sql)
            .bind(span.from)
            .bind(span.to)
            .fetch_all(&store.pool())
            .await
            .map_err(err)?;
        for (zone, n) in rows {
            out.entry(zone)
                .or_default()
                .counts
                .insert(name, n.unwrap_or(0));
        }
    }
    for (name, table, a, b) in INTERVALS {
        let anchor = match table {
            "calls" => "received_ms",
            "work_orders" => "sent_ms",
            _ => "created_ms",
        };
        let sql = format!(
            "SELECT zone, ({b} - {a}) / 1000 AS s, COUNT(*) FROM {table}
             WHERE {anchor} >= ?1 AND {anchor} < ?2 AND {a} IS NOT NULL AND {b} >= {a}
             GROUP BY zone, s"
        );
        let rows: Vec<(Option<String>, i64, i64)> = sqlx::query_as(&sql)
            .bind(span.from)
            .bind(span.to)
            .fetch_all(&store.pool())
            .await
            .map_err(err)?;
        for (zone, s, n) in rows {
            *out.entry(zone)
                .or_default()
                .intervals
                .entry(name)
                .or_default()
                .entry(s)
                .or_default() += n;
        }
    }
    Ok(out)
}

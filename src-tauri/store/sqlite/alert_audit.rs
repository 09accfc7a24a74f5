//! The alert audit (`alert_events`, append-only) and the few live lists the alert rules read:
//! calls ringing unanswered, open work orders near their limit, calls in a span.

use sqlx::{QueryBuilder, Sqlite};

use super::{classify, SqliteStore};
use crate::core::alerts::lifecycle::{Actor, Event, EventKind};
use crate::core::alerts::rule::Level;
use crate::core::model::Millis;
use crate::store::StoreError;

const COLUMNS: &str = "id, alert, rule, cut, kind, level, value, detail, at_ms, who, comment, \
                       door, address, until_ms";

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<f64>,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn decode(url: &str, r: Row) -> Result<(i64, Event), StoreError> {
    let (id, alert, rule, cut, kind, level, value, detail, at, who, comment, door, address, until) =
        r;
    let bad = |what: &str, v: &str| StoreError::Corrupt {
        url: url.to_string(),
        detail: format!("alert_events row {id}: {what} '{v}' is not one this build knows"),
    };
    Ok((
        id,
        Event {
            alert: alert as u64,
            kind: EventKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
            level: Level::parse(&level).ok_or_else(|| bad("level", &level))?,
            rule,
            cut,
            value,
            detail,
            at,
            actor: who.map(|who| Actor {
                who,
                comment: comment.unwrap_or_default(),
                door: door.unwrap_or_default(),
                address: address.unwrap_or_default(),
            }),
            until,
        },
    ))
}

async fn select(
    store: &SqliteStore,
    filter: &str,
    binds: &[i64],
) -> Result<Vec<(i64, Event)>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM alert_events WHERE {filter} ORDER BY id");
    let mut q = sqlx::query_as::<_, Row>(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    let rows = q
        .fetch_all(&store.pool())
        .await
        .map_err(|e| classify(&store.url, e))?;
    rows.into_iter().map(|r| decode(&store.url, r)).collect()
}

/// Appends audit rows in one transaction; returns their ids, in order.
pub async fn append(store: &SqliteStore, events: &[Event]) -> Result<Vec<i64>, StoreError> {
    let err = |e| classify(&store.url, e);
    let mut tx = store.pool().begin().await.map_err(err)?;
    let mut ids = Vec::with_capacity(events.len());
    for e in events {
        let actor = e.actor.as_ref();
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO alert_events (alert, rule, cut, kind, level, value, detail, at_ms, who, \
             comment, door, address, until_ms) ",
        );
        qb.push_values([e], |mut b, e| {
            b.push_bind(e.alert as i64)
                .push_bind(&e.rule)
                .push_bind(&e.cut)
                .push_bind(e.kind.key())
                .push_bind(e.level.key())
                .push_bind(e.value)
                .push_bind(&e.detail)
                .push_bind(e.at)
                .push_bind(actor.map(|a| a.who.as_str()))
                .push_bind(actor.map(|a| a.comment.as_str()))
                .push_bind(actor.map(|a| a.door.as_str()))
                .push_bind(actor.map(|a| a.address.as_str()))
                .push_bind(e.until);
        });
        qb.push(" RETURNING id");
        let (id,): (i64,) = qb.build_query_as().fetch_one(&mut *tx).await.map_err(err)?;
        ids.push(id);
    }
    tx.commit().await.map_err(err)?;
    Ok(ids)
}

/// Rows after audit row `after`, with their ids.
pub async fn after(store: &SqliteStore, after: i64) -> Result<Vec<(i64, Event)>, StoreError> {
    select(store, "id > ?", &[after]).await
}

/// What rebuilds the book: every row of each alert not yet resolved, or with a row at or
/// after `since` (so recently resolved ones are listed too); and the last row's id.
pub async fn for_book(store: &SqliteStore, since: Millis) -> Result<(Vec<Event>, i64), StoreError> {
    let rows = select(
        store,
        "alert IN (SELECT alert FROM alert_events GROUP BY alert
                   HAVING SUM(kind = 'resolved') = 0 OR MAX(at_ms) >= ?)",
        &[since],
    )
    .await?;
    let (last,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM alert_events")
        .fetch_one(&store.pool())
        .await
        .map_err(|e| classify(&store.url, e))?;
    Ok((
        rows.into_iter().map(|(_, e)| e).collect(),
        last.unwrap_or(0),
    ))
}

/// The audit rows in `[from, to)`, oldest first.
pub async fn between(
    store: &SqliteStore,
    from: Millis,
    to: Millis,
) -> Result<Vec<Event>, StoreError> {
    let rows = select(store, "at_ms >= ? AND at_ms < ?", &[from, to]).await?;
    Ok(rows.into_iter().map(|(_, e)| e).collect())
}

/// Receive times of calls in `[from, now)` still ringing: neither answered nor ended.
pub async fn waiting_calls(
    store: &SqliteStore,
    from: Millis,
    now: Millis,
) -> Result<Vec<Millis>, StoreError> {
    sqlx::query_scalar(
        "SELECT received_ms FROM calls
         WHERE received_ms >= ? AND received_ms < ? AND answered_ms IS NULL AND ended_ms IS NULL",
    )
    .bind(from)
    .bind(now)
    .fetch_all(&store.pool())
    .await
    .map_err(|e| classify(&store.url, e))
}

/// Open work orders (neither handled nor returned) due in `[from, to)`: (order number, due).
pub async fn open_orders_due(
    store: &SqliteStore,
    (from, to): (Millis, Millis),
) -> Result<Vec<(String, Millis)>, StoreError> {
    sqlx::query_as(
        "SELECT source_id, due_ms FROM work_orders
         WHERE handled_ms IS NULL AND returned_ms IS NULL AND due_ms >= ? AND due_ms < ?
         ORDER BY due_ms, source_id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&store.pool())
    .await
    .map_err(|e| classify(&store.url, e))
}

/// Calls received in `[from, to)`.
pub async fn count_calls(store: &SqliteStore, from: Millis, to: Millis) -> Result<u64, StoreError> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM calls WHERE received_ms >= ? AND received_ms < ?")
            .bind(from)
            .bind(to)
            .fetch_one(&store.pool())
            .await
            .map_err(|e| classify(&store.url, e))?;
    Ok(n as u64)
}

/// When the first call stored was received: where history, and so any baseline, begins.
pub async fn first_call(store: &SqliteStore) -> Result<Option<Millis>, StoreError> {
    sqlx::query_scalar("SELECT MIN(received_ms) FROM calls")
        .fetch_one(&store.pool())
        .await
        .map_err(|e| classify(&store.url, e))
}

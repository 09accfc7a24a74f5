//! Reading facts for the KPI engine: the few columns each figure needs, streamed in anchor
//! order ranges or by change number, never whole records.

use futures_util::TryStreamExt;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::StoreError;
use crate::core::kpi::engine::{Key, Table};
use crate::core::kpi::facts::{CallFact, CallbackFact, Fact, IncidentFact, OrderFact, Zones};
use crate::core::kpi::filter::{Fields, Filter};
use crate::core::model::Millis;

/// One fact table: its name, the columns read, how a row becomes a fact, and the times that
/// anchor it in windows.
struct Source {
    table: Table,
    name: &'static str,
    columns: &'static str,
    anchors: &'static [&'static str],
    fields: Fields,
    decode: fn(&Zones, &SqliteRow) -> Result<Fact, String>,
}

const NO_FIELDS: Fields = Fields {
    zone: true,
    category: false,
    channel: false,
    seat: false,
    unit: false,
    priority: false,
};

const SOURCES: [Source; 4] = [
    Source {
        table: Table::Calls,
        name: "calls",
        columns: "id, received_ms, answered_ms, ended_ms, ring_recorded, outcome, duplicate, zone",
        anchors: &["received_ms"],
        fields: Fields {
            category: true,
            channel: true,
            seat: true,
            ..NO_FIELDS
        },
        decode: decode_call,
    },
    Source {
        table: Table::Incidents,
        name: "incidents",
        columns:
            "id, created_ms, call_received_ms, call_answered_ms, dispatched_ms, signed_for_ms, \
                  arrived_ms, fed_back_ms, closed_ms, case_filed, case_cleared, zone",
        anchors: &["created_ms", "dispatched_ms"],
        fields: Fields {
            category: true,
            unit: true,
            priority: true,
            ..NO_FIELDS
        },
        decode: decode_incident,
    },
    Source {
        table: Table::WorkOrders,
        name: "work_orders",
        columns: "id, sent_ms, direction, accepted_ms, accept_by_ms, handled_ms, fed_back_ms, \
                  due_ms, returned_ms, zone",
        anchors: &["sent_ms"],
        fields: Fields {
            category: true,
            ..NO_FIELDS
        },
        decode: decode_order,
    },
    Source {
        table: Table::Callbacks,
        name: "callbacks",
        columns: "id, called_ms, reached, satisfaction, zone",
        anchors: &["called_ms"],
        fields: NO_FIELDS,
        decode: decode_callback,
    },
];

fn code<T: std::str::FromStr>(row: &SqliteRow, col: usize) -> Result<Option<T>, String>
where
    T::Err: std::fmt::Display,
{
    let raw: Option<String> = row.try_get(col).map_err(|e| e.to_string())?;
    raw.map(|s| s.parse::<T>().map_err(|e| e.to_string()))
        .transpose()
}

fn get<'r, T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>>(
    row: &'r SqliteRow,
    col: usize,
) -> Result<T, String> {
    row.try_get(col).map_err(|e| e.to_string())
}

fn zone(z: &Zones, row: &SqliteRow, col: usize) -> Result<Option<u16>, String> {
    let code: Option<String> = get(row, col)?;
    Ok(z.index(code.as_deref()))
}

fn decode_call(z: &Zones, r: &SqliteRow) -> Result<Fact, String> {
    Ok(Fact::Call(CallFact {
        received: get(r, 1)?,
        answered: get(r, 2)?,
        ended: get(r, 3)?,
        ring_recorded: get(r, 4)?,
        outcome: code(r, 5)?,
        duplicate: get(r, 6)?,
        zone: zone(z, r, 7)?,
    }))
}

fn decode_incident(z: &Zones, r: &SqliteRow) -> Result<Fact, String> {
    let zone = zone(z, r, 11)?;
    Ok(Fact::Incident(IncidentFact {
        created: get(r, 1)?,
        call_received: get(r, 2)?,
        call_answered: get(r, 3)?,
        dispatched: get(r, 4)?,
        signed_for: get(r, 5)?,
        arrived: get(r, 6)?,
        fed_back: get(r, 7)?,
        closed: get(r, 8)?,
        circle_ms: z.circle_ms(zone),
        case_filed: get(r, 9)?,
        case_cleared: get(r, 10)?,
        zone,
    }))
}

fn decode_order(z: &Zones, r: &SqliteRow) -> Result<Fact, String> {
    Ok(Fact::Order(OrderFact {
        sent: get(r, 1)?,
        direction: code(r, 2)?.ok_or("direction is empty")?,
        accepted: get(r, 3)?,
        accept_by: get(r, 4)?,
        handled: get(r, 5)?,
        fed_back: get(r, 6)?,
        due: get(r, 7)?,
        returned: get(r, 8)?,
        zone: zone(z, r, 9)?,
    }))
}

fn decode_callback(z: &Zones, r: &SqliteRow) -> Result<Fact, String> {
    Ok(Fact::Callback(CallbackFact {
        called: get(r, 1)?,
        reached: get(r, 2)?,
        satisfaction: code(r, 3)?,
        zone: zone(z, r, 4)?,
    }))
}

fn push_filter(b: &mut QueryBuilder<'_, Sqlite>, f: &Filter) {
    let text = [
        ("zone", &f.zone),
        ("category", &f.category),
        ("channel", &f.channel),
        ("seat", &f.seat),
        ("unit", &f.unit),
    ];
    for (col, v) in text {
        if let Some(v) = v {
            b.push(format!(" AND {col} = "));
            b.push_bind(v.clone());
        }
    }
    if let Some(p) = f.priority {
        b.push(" AND priority = ");
        b.push_bind(p);
    }
}

async fn stream(
    pool: &SqlitePool,
    url: &str,
    zones: &Zones,
    src: &Source,
    mut b: QueryBuilder<'_, Sqlite>,
    sink: &mut (dyn FnMut(Key, Fact) + Send),
) -> Result<u64, StoreError> {
    let classify = |e| StoreError::classify(url, e);
    let mut rows = b.build().fetch(pool);
    let mut n = 0;
    while let Some(row) = rows.try_next().await.map_err(classify)? {
        let id: i64 = row.try_get(0).map_err(classify)?;
        let fact = (src.decode)(zones, &row).map_err(|detail| StoreError::Corrupt {
            url: url.to_string(),
            detail: format!("{} row {id}: {detail}", src.name),
        })?;
        sink((src.table, id), fact);
        n += 1;
    }
    Ok(n)
}

/// Streams every fact with an anchor in `[from, to)` that the filter admits; returns how
/// many. A record with two anchors in the range comes once.
pub async fn facts_in(
    pool: &SqlitePool,
    url: &str,
    zones: &Zones,
    (from, to): (Millis, Millis),
    filter: &Filter,
    sink: &mut (dyn FnMut(Key, Fact) + Send),
) -> Result<u64, StoreError> {
    let mut n = 0;
    for src in SOURCES.iter().filter(|s| filter.applies_to(s.fields)) {
        for (i, anchor) in src.anchors.iter().enumerate() {
            let mut b =
                QueryBuilder::new(format!("SELECT {} FROM {} WHERE ", src.columns, src.name));
            b.push(format!("{anchor} >= ")).push_bind(from);
            b.push(format!(" AND {anchor} < ")).push_bind(to);
            // Later anchors skip records an earlier anchor already brought.
            for earlier in &src.anchors[..i] {
                b.push(format!(" AND NOT ({earlier} >= ")).push_bind(from);
                b.push(format!(" AND {earlier} < ")).push_bind(to);
                b.push(")");
            }
            push_filter(&mut b, filter);
            n += stream(pool, url, zones, src, b, sink).await?;
        }
    }
    Ok(n)
}

/// Streams every fact stored under a change number above `seq`.
pub async fn facts_changed(
    pool: &SqlitePool,
    url: &str,
    zones: &Zones,
    seq: i64,
    sink: &mut (dyn FnMut(Key, Fact) + Send),
) -> Result<u64, StoreError> {
    let mut n = 0;
    for src in &SOURCES {
        let mut b = QueryBuilder::new(format!(
            "SELECT {} FROM {} WHERE seq > ",
            src.columns, src.name
        ));
        b.push_bind(seq);
        n += stream(pool, url, zones, src, b, sink).await?;
    }
    Ok(n)
}

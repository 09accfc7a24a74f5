//! Reading facts for the KPI engine: the few columns each figure needs, streamed in anchor
//! ranges or by change number, never whole records.

use sqlx::sqlite::SqlitePool;

use super::scan::{scan, Bind, RawRow};
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
    decode: fn(&Zones, &RawRow) -> Result<Fact, String>,
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

fn code<T: std::str::FromStr>(row: &RawRow, col: usize) -> Result<Option<T>, String>
where
    T::Err: std::fmt::Display,
{
    row.text(col)
        .map(|s| s.parse::<T>().map_err(|e| e.to_string()))
        .transpose()
}

fn int(row: &RawRow, col: usize) -> Option<Millis> {
    row.int(col)
}

fn time(row: &RawRow, col: usize) -> Result<Millis, String> {
    row.int(col).ok_or_else(|| format!("column {col} is empty"))
}

fn flag(row: &RawRow, col: usize) -> bool {
    row.int(col).unwrap_or(0) != 0
}

fn zone(z: &Zones, row: &RawRow, col: usize) -> Option<u16> {
    z.index(row.text(col))
}

fn decode_call(z: &Zones, r: &RawRow) -> Result<Fact, String> {
    Ok(Fact::Call(CallFact {
        received: time(r, 1)?,
        answered: int(r, 2),
        ended: int(r, 3),
        ring_recorded: flag(r, 4),
        outcome: code(r, 5)?,
        duplicate: flag(r, 6),
        zone: zone(z, r, 7),
    }))
}

fn decode_incident(z: &Zones, r: &RawRow) -> Result<Fact, String> {
    let zone = zone(z, r, 11);
    Ok(Fact::Incident(IncidentFact {
        created: time(r, 1)?,
        call_received: int(r, 2),
        call_answered: int(r, 3),
        dispatched: int(r, 4),
        signed_for: int(r, 5),
        arrived: int(r, 6),
        fed_back: int(r, 7),
        closed: int(r, 8),
        circle_ms: z.circle_ms(zone),
        case_filed: flag(r, 9),
        case_cleared: flag(r, 10),
        zone,
    }))
}

fn decode_order(z: &Zones, r: &RawRow) -> Result<Fact, String> {
    Ok(Fact::Order(OrderFact {
        sent: time(r, 1)?,
        direction: code(r, 2)?.ok_or("direction is empty")?,
        accepted: int(r, 3),
        accept_by: int(r, 4),
        handled: int(r, 5),
        fed_back: int(r, 6),
        due: int(r, 7),
        returned: int(r, 8),
        zone: zone(z, r, 9),
    }))
}

fn decode_callback(z: &Zones, r: &RawRow) -> Result<Fact, String> {
    Ok(Fact::Callback(CallbackFact {
        called: time(r, 1)?,
        reached: flag(r, 2),
        satisfaction: code(r, 3)?,
        zone: zone(z, r, 4),
    }))
}

fn push_filter(sql: &mut String, binds: &mut Vec<Bind>, f: &Filter) {
    let text = [
        ("zone", &f.zone),
        ("category", &f.category),
        ("channel", &f.channel),
        ("seat", &f.seat),
        ("unit", &f.unit),
    ];
    for (col, v) in text {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            binds.push(Bind::Text(v.clone()));
        }
    }
    if let Some(p) = f.priority {
        sql.push_str(" AND priority = ?");
        binds.push(Bind::Int(i64::from(p)));
    }
}

async fn stream(
    pool: &SqlitePool,
    url: &str,
    zones: &Zones,
    src: &Source,
    sql: &str,
    binds: &[Bind],
    sink: &mut (dyn FnMut(Key, Fact) + Send),
) -> Result<u64, StoreError> {
    scan(pool, url, sql, binds, &mut |row| {
        let id = row.int(0).ok_or("the row has no id")?;
        let fact = (src.decode)(zones, row).map_err(|e| format!("{} row {id}: {e}", src.name))?;
        sink((src.table, id), fact);
        Ok(())
    })
    .await
}

/// Ranges longer than this are read by scanning the table rather than through the index.
const LONG_RANGE: Millis = 60 * 86_400_000;

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
            // Over a long range most rows qualify: reading the table in order beats an
            // index lookup per row ("+" keeps SQLite off the index).
            let plus = if to.saturating_sub(from) > LONG_RANGE {
                "+"
            } else {
                ""
            };
            let mut sql = format!(
                "SELECT {} FROM {} WHERE {plus}{anchor} >= ? AND {plus}{anchor} < ?",
                src.columns, src.name
            );
            let mut binds = vec![Bind::Int(from), Bind::Int(to)];
            // Later anchors skip records an earlier anchor already brought.
            for earlier in &src.anchors[..i] {
                sql.push_str(&format!(" AND NOT ({earlier} >= ? AND {earlier} < ?)"));
                binds.extend([Bind::Int(from), Bind::Int(to)]);
            }
            push_filter(&mut sql, &mut binds, filter);
            n += stream(pool, url, zones, src, &sql, &binds, sink).await?;
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
        let sql = format!("SELECT {} FROM {} WHERE seq > ?", src.columns, src.name);
        n += stream(pool, url, zones, src, &sql, &[Bind::Int(seq)], sink).await?;
    }
    Ok(n)
}

/// A field facts can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Seat,
    Category,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Seat => "seat",
            GroupBy::Category => "category",
        }
    }

    fn in_table(self, f: Fields) -> bool {
        match self {
            GroupBy::Seat => f.seat,
            GroupBy::Category => f.category,
        }
    }
}

/// Streams every fact anchored in `[from, to)` of the tables that carry the field, with the
/// field's value; one pass per anchor, however many values there are.
pub async fn facts_grouped(
    pool: &SqlitePool,
    url: &str,
    zones: &Zones,
    (from, to): (Millis, Millis),
    by: GroupBy,
    sink: &mut (dyn FnMut(Option<&str>, Fact) + Send),
) -> Result<u64, StoreError> {
    let mut n = 0;
    for src in SOURCES.iter().filter(|s| by.in_table(s.fields)) {
        // The group's column comes last, after the columns `decode` reads by position.
        let col = src.columns.split(',').count();
        for (i, anchor) in src.anchors.iter().enumerate() {
            let mut sql = format!(
                "SELECT {}, {} FROM {} WHERE {anchor} >= ? AND {anchor} < ?",
                src.columns,
                by.column(),
                src.name
            );
            let mut binds = vec![Bind::Int(from), Bind::Int(to)];
            for earlier in &src.anchors[..i] {
                sql.push_str(&format!(" AND NOT ({earlier} >= ? AND {earlier} < ?)"));
                binds.extend([Bind::Int(from), Bind::Int(to)]);
            }
            n += scan(pool, url, &sql, &binds, &mut |row| {
                let id = row.int(0).ok_or("the row has no id")?;
                let fact =
                    (src.decode)(zones, row).map_err(|e| format!("{} row {id}: {e}", src.name))?;
                sink(row.text(col), fact);
                Ok(())
            })
            .await?;
        }
    }
    Ok(n)
}

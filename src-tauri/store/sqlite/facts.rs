//! Reading facts for the KPI engine: the few columns each figure needs, streamed in anchor
//! ranges or by change number, never whole records.

use super::scan::{scan, Bind, RawRow};
use super::SqliteStore;
use crate::core::kpi::engine::{Key, Table};
use crate::core::kpi::facts::{
    CallFact, CallbackFact, Fact, IncidentFact, OrderFact, PhoneFact, Zones,
};
use crate::core::kpi::filter::{Fields, Filter};
use crate::core::model::{Millis, Unrecorded};
use crate::store::{GroupBy, StoreError, Tables};

/// The columns a source selects, named once: the SELECT list is built from them and the
/// decoders read them by name (`col!`).
type Columns = &'static [&'static str];

/// Where `name` is in `columns`. Used through `col!`, which evaluates it while compiling:
/// a decoder that names a column its source does not select fails to build.
const fn position(columns: Columns, name: &str) -> usize {
    let mut i = 0;
    while i < columns.len() {
        let c = columns[i].as_bytes();
        let n = name.as_bytes();
        if c.len() == n.len() {
            let mut j = 0;
            while j < c.len() && c[j] == n[j] {
                j += 1;
            }
            if j == c.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("a decoder reads a column its source does not select")
}

/// The position of column `$name` in `$columns`, found at compile time.
macro_rules! col {
    ($columns:expr, $name:literal) => {
        const { position($columns, $name) }
    };
}

/// One row of a source, as its decoder sees it: typed reads of a column whose position
/// `col!` found, with the column's name in any error.
struct Row<'a> {
    raw: &'a RawRow,
    columns: Columns,
}

impl Row<'_> {
    fn int(&self, col: usize) -> Option<Millis> {
        self.raw.int(col)
    }

    /// A time the record cannot lack (its anchor).
    fn time(&self, col: usize) -> Result<Millis, String> {
        self.raw
            .int(col)
            .ok_or_else(|| format!("{} is empty", self.columns[col]))
    }

    fn flag(&self, col: usize) -> bool {
        self.raw.int(col).unwrap_or(0) != 0
    }

    fn code<T: std::str::FromStr>(&self, col: usize) -> Result<Option<T>, String>
    where
        T::Err: std::fmt::Display,
    {
        self.raw
            .text(col)
            .map(|s| {
                s.parse::<T>()
                    .map_err(|e| format!("{}: {e}", self.columns[col]))
            })
            .transpose()
    }

    fn zone(&self, z: &Zones, col: usize) -> Option<u16> {
        z.index(self.raw.text(col))
    }
}

/// Every source selects its `id` first (checked while compiling, below).
const ID: usize = 0;

const _: () = {
    let mut i = 0;
    while i < SOURCES.len() {
        assert!(position(SOURCES[i].columns, "id") == ID);
        i += 1;
    }
};

/// One fact table: its name, the columns read (`id` first), how a row becomes a fact, and
/// the times that anchor it in windows.
struct Source {
    table: Table,
    name: &'static str,
    columns: Columns,
    anchors: &'static [&'static str],
    decode: fn(&Zones, &Row) -> Result<Fact, String>,
}

const CALLS: Columns = &[
    "id",
    "received_ms",
    "answered_ms",
    "ended_ms",
    "ring_recorded",
    "outcome",
    "duplicate",
    "zone",
];

const INCIDENTS: Columns = &[
    "id",
    "created_ms",
    "call_received_ms",
    "call_answered_ms",
    "dispatched_ms",
    "signed_for_ms",
    "departed_ms",
    "arrived_ms",
    "fed_back_ms",
    "closed_ms",
    "case_filed",
    "case_cleared",
    "zone",
    "unrecorded",
];

const WORK_ORDERS: Columns = &[
    "id",
    "sent_ms",
    "direction",
    "accepted_ms",
    "accept_by_ms",
    "handled_ms",
    "fed_back_ms",
    "due_ms",
    "returned_ms",
    "zone",
    "unrecorded",
];

const CALLBACKS: Columns = &["id", "called_ms", "reached", "satisfaction", "zone"];

const PHONE_INTERVALS: Columns = &[
    "id",
    "start_ms",
    "offered",
    "abandoned",
    "answered_10",
    "answered_15",
    "answered_20",
    "answered_over",
];

const SOURCES: [Source; 5] = [
    Source {
        table: Table::Calls,
        name: "calls",
        columns: CALLS,
        anchors: &["received_ms"],
        decode: decode_call,
    },
    Source {
        table: Table::Incidents,
        name: "incidents",
        columns: INCIDENTS,
        anchors: &["created_ms", "dispatched_ms"],
        decode: decode_incident,
    },
    Source {
        table: Table::WorkOrders,
        name: "work_orders",
        columns: WORK_ORDERS,
        anchors: &["sent_ms"],
        decode: decode_order,
    },
    Source {
        table: Table::Callbacks,
        name: "callbacks",
        columns: CALLBACKS,
        anchors: &["called_ms"],
        decode: decode_callback,
    },
    Source {
        table: Table::PhoneIntervals,
        name: "phone_intervals",
        columns: PHONE_INTERVALS,
        anchors: &["start_ms"],
        decode: decode_phone,
    },
];

fn decode_call(z: &Zones, r: &Row) -> Result<Fact, String> {
    Ok(Fact::Call(CallFact {
        received: r.time(col!(CALLS, "received_ms"))?,
        answered: r.int(col!(CALLS, "answered_ms")),
        ended: r.int(col!(CALLS, "ended_ms")),
        ring_recorded: r.flag(col!(CALLS, "ring_recorded")),
        outcome: r.code(col!(CALLS, "outcome"))?,
        duplicate: r.flag(col!(CALLS, "duplicate")),
        zone: r.zone(z, col!(CALLS, "zone")),
    }))
}

fn decode_incident(z: &Zones, r: &Row) -> Result<Fact, String> {
    let zone = r.zone(z, col!(INCIDENTS, "zone"));
    Ok(Fact::Incident(IncidentFact {
        created: r.time(col!(INCIDENTS, "created_ms"))?,
        call_received: r.int(col!(INCIDENTS, "call_received_ms")),
        call_answered: r.int(col!(INCIDENTS, "call_answered_ms")),
        dispatched: r.int(col!(INCIDENTS, "dispatched_ms")),
        signed_for: r.int(col!(INCIDENTS, "signed_for_ms")),
        departed: r.int(col!(INCIDENTS, "departed_ms")),
        arrived: r.int(col!(INCIDENTS, "arrived_ms")),
        fed_back: r.int(col!(INCIDENTS, "fed_back_ms")),
        closed: r.int(col!(INCIDENTS, "closed_ms")),
        circle_ms: z.circle_ms(zone),
        case_filed: r.flag(col!(INCIDENTS, "case_filed")),
        case_cleared: r.flag(col!(INCIDENTS, "case_cleared")),
        zone,
        unrecorded: Unrecorded::from_bits(r.int(col!(INCIDENTS, "unrecorded")).unwrap_or(0)),
    }))
}

fn decode_order(z: &Zones, r: &Row) -> Result<Fact, String> {
    Ok(Fact::Order(OrderFact {
        sent: r.time(col!(WORK_ORDERS, "sent_ms"))?,
        direction: r
            .code(col!(WORK_ORDERS, "direction"))?
            .ok_or("direction is empty")?,
        accepted: r.int(col!(WORK_ORDERS, "accepted_ms")),
        accept_by: r.int(col!(WORK_ORDERS, "accept_by_ms")),
        handled: r.int(col!(WORK_ORDERS, "handled_ms")),
        fed_back: r.int(col!(WORK_ORDERS, "fed_back_ms")),
        due: r.int(col!(WORK_ORDERS, "due_ms")),
        returned: r.int(col!(WORK_ORDERS, "returned_ms")),
        zone: r.zone(z, col!(WORK_ORDERS, "zone")),
        unrecorded: Unrecorded::from_bits(r.int(col!(WORK_ORDERS, "unrecorded")).unwrap_or(0)),
    }))
}

fn decode_callback(z: &Zones, r: &Row) -> Result<Fact, String> {
    Ok(Fact::Callback(CallbackFact {
        called: r.time(col!(CALLBACKS, "called_ms"))?,
        reached: r.flag(col!(CALLBACKS, "reached")),
        satisfaction: r.code(col!(CALLBACKS, "satisfaction"))?,
        zone: r.zone(z, col!(CALLBACKS, "zone")),
    }))
}

fn decode_phone(_: &Zones, r: &Row) -> Result<Fact, String> {
    let count = |col: usize| -> Result<u32, String> {
        let n = r.int(col).unwrap_or(0);
        u32::try_from(n).map_err(|_| format!("{} = {n} is not a count", r.columns[col]))
    };
    Ok(Fact::Phone(PhoneFact {
        start: r.time(col!(PHONE_INTERVALS, "start_ms"))?,
        offered: count(col!(PHONE_INTERVALS, "offered"))?,
        abandoned: count(col!(PHONE_INTERVALS, "abandoned"))?,
        answered: [
            count(col!(PHONE_INTERVALS, "answered_10"))?,
            count(col!(PHONE_INTERVALS, "answered_15"))?,
            count(col!(PHONE_INTERVALS, "answered_20"))?,
            count(col!(PHONE_INTERVALS, "answered_over"))?,
        ],
    }))
}

fn push_filter(sql: &mut String, binds: &mut Vec<Bind>, f: &Filter) {
    let text = [
        ("zone", &f.zone),
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
    if let Some(c) = &f.category {
        // A class of the taxonomy (刑事) cuts its items too (盗窃, 诈骗, …): records carry
        // the item where the source knows it, and the desk offers classes beside items.
        let codes: Vec<&str> = std::iter::once(c.as_str())
            .chain(
                crate::core::categories::items()
                    .filter(|i| i.parent == Some(c.as_str()))
                    .map(|i| i.code),
            )
            .collect();
        let marks = vec!["?"; codes.len()].join(", ");
        sql.push_str(&format!(" AND category IN ({marks})"));
        binds.extend(codes.into_iter().map(|c| Bind::Text(c.to_string())));
    }
    if let Some(p) = f.priority {
        sql.push_str(" AND priority = ?");
        binds.push(Bind::Int(i64::from(p)));
    }
}

/// `SELECT` the source's columns, and `extra` after them, `FROM` its table.
fn select(src: &Source, extra: Option<&str>) -> String {
    let mut sql = format!("SELECT {}", src.columns.join(", "));
    if let Some(extra) = extra {
        sql.push_str(&format!(", {extra}"));
    }
    sql.push_str(&format!(" FROM {}", src.name));
    sql
}

/// Runs one source's query and hands each row's fact to `sink`, with the text of the extra
/// column (the one after the source's own) when `extra` is set.
async fn stream(
    store: &SqliteStore,
    zones: &Zones,
    src: &Source,
    (sql, binds): (&str, &[Bind]),
    extra: bool,
    sink: &mut (dyn FnMut(Key, Option<&str>, Fact) + Send),
) -> Result<u64, StoreError> {
    scan(store, sql, binds, &mut |raw| {
        let (key, fact) = decode(src, zones, raw)?;
        let extra = if extra {
            raw.text(src.columns.len())
        } else {
            None
        };
        sink(key, extra, fact);
        Ok(())
    })
    .await
}

/// Ranges longer than this are read by scanning the table rather than through the index.
const LONG_RANGE: Millis = 60 * 86_400_000;

/// The one loop behind `facts_in` and `facts_grouped`: every fact of the sources `wanted`
/// with an anchor in `[from, to)` that the filter admits, with its value of `by` where it has
/// that field. A record with two anchors in the range comes once.
async fn anchored(
    store: &SqliteStore,
    zones: &Zones,
    (from, to): (Millis, Millis),
    wanted: impl Fn(Fields) -> bool,
    filter: &Filter,
    by: Option<GroupBy>,
    sink: &mut (dyn FnMut(Key, Option<&str>, Fact) + Send),
) -> Result<u64, StoreError> {
    let mut n = 0;
    for src in SOURCES.iter().filter(|s| wanted(Fields::of(s.table))) {
        let extra = by
            .filter(|b| b.in_table(Fields::of(src.table)))
            .map(GroupBy::column);
        // Over a long range most rows qualify: one pass over the table in row order beats
        // an index lookup per row. `NOT INDEXED`, since a `+` on the anchor did not keep
        // SQLite off a partial index (incidents_dispatched implies the range's NOT NULL):
        // it walked the index and sought every incident's row, a third of a 10 M-call
        // engine's startup. An open end (the live engine's "yesterday onwards") holds only
        // the newest rows: 2 s scanning 8.8 M calls against 0.02 s through the index.
        if to != Millis::MAX && to.saturating_sub(from) > LONG_RANGE {
            let mut sql = select(src, extra);
            sql.push_str(" NOT INDEXED WHERE (");
            let mut binds = Vec::new();
            for (i, anchor) in src.anchors.iter().enumerate() {
                let or = if i == 0 { "" } else { " OR " };
                sql.push_str(&format!("{or}({anchor} >= ? AND {anchor} < ?)"));
                binds.extend([Bind::Int(from), Bind::Int(to)]);
            }
            sql.push(')');
            push_filter(&mut sql, &mut binds, filter);
            n += stream(store, zones, src, (&sql, &binds), extra.is_some(), sink).await?;
            continue;
        }
        for (i, anchor) in src.anchors.iter().enumerate() {
            let mut sql = select(src, extra);
            sql.push_str(&format!(" WHERE {anchor} >= ? AND {anchor} < ?"));
            let mut binds = vec![Bind::Int(from), Bind::Int(to)];
            // Later anchors skip records an earlier anchor already brought.
            for earlier in &src.anchors[..i] {
                sql.push_str(&format!(" AND NOT ({earlier} >= ? AND {earlier} < ?)"));
                binds.extend([Bind::Int(from), Bind::Int(to)]);
            }
            push_filter(&mut sql, &mut binds, filter);
            n += stream(store, zones, src, (&sql, &binds), extra.is_some(), sink).await?;
        }
    }
    Ok(n)
}

/// Streams every fact with an anchor in `[from, to)` that the filter admits; returns how
/// many. A record with two anchors in the range comes once.
pub async fn facts_in(
    store: &SqliteStore,
    zones: &Zones,
    range: (Millis, Millis),
    filter: &Filter,
    sink: &mut (dyn FnMut(Key, Fact) + Send),
) -> Result<u64, StoreError> {
    let wanted = |f| filter.applies_to(f);
    anchored(store, zones, range, wanted, filter, None, &mut |k, _, f| {
        sink(k, f)
    })
    .await
}

/// The query of each source (in `SOURCES` order) for rows stored under a change number
/// above `?`; `ChangeReader` keeps them prepared and hands their rows to `decode_changed`.
pub fn change_queries() -> Vec<String> {
    SOURCES
        .iter()
        .map(|src| format!("{} WHERE seq > ?", select(src, None)))
        .collect()
}

/// The fact of a row of `change_queries()[i]`.
pub fn decode_changed(zones: &Zones, i: usize, raw: &RawRow) -> Result<(Key, Fact), String> {
    decode(&SOURCES[i], zones, raw)
}

/// A row of `src`'s columns as its record's key and fact.
fn decode(src: &Source, zones: &Zones, raw: &RawRow) -> Result<(Key, Fact), String> {
    let row = Row {
        raw,
        columns: src.columns,
    };
    let id = row.int(ID).ok_or("the row has no id")?;
    let fact = (src.decode)(zones, &row).map_err(|e| format!("{} row {id}: {e}", src.name))?;
    Ok(((src.table, id), fact))
}

/// Streams every fact stored under a change number above `seq`.
pub async fn facts_changed(
    store: &SqliteStore,
    zones: &Zones,
    seq: i64,
    sink: &mut (dyn FnMut(Key, Fact) + Send),
) -> Result<u64, StoreError> {
    let mut n = 0;
    for (src, sql) in SOURCES.iter().zip(change_queries()) {
        n += stream(
            store,
            zones,
            src,
            (&sql, &[Bind::Int(seq)]),
            false,
            &mut |k, _, f| sink(k, f),
        )
        .await?;
    }
    Ok(n)
}

/// Streams every fact anchored in `[from, to)` of `tables`, with its value of the field where
/// its table has it; one pass per anchor, however many values there are.
pub async fn facts_grouped(
    store: &SqliteStore,
    zones: &Zones,
    range: (Millis, Millis),
    by: GroupBy,
    tables: Tables,
    sink: &mut (dyn FnMut(Option<&str>, Fact) + Send),
) -> Result<u64, StoreError> {
    let wanted = |f| tables == Tables::Every || by.in_table(f);
    let all = Filter::default();
    anchored(
        store,
        zones,
        range,
        wanted,
        &all,
        Some(by),
        &mut |_, group, f| sink(group, f),
    )
    .await
}

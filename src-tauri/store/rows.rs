//! How each record maps onto its table: the column list and the values in that order.
//! Backends build their upsert statements from these lists, so a column is named once.
//! The same goes for the reference tables written from the config (`reference`).

use crate::config::Config;
use crate::core::categories::{Kind, CATEGORIES};
use crate::core::model::{Call, Callback, Incident, IncidentUnit, PhoneInterval, WorkOrder};

/// One bindable value, borrowed from the record.
pub enum Value<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
    Bool(bool),
}

pub trait Record {
    const TABLE: &'static str;
    /// Columns in the order `values` yields them; the key's come first.
    const COLUMNS: &'static [&'static str];
    /// How many of the first columns are the record's unique key: `source` and
    /// `source_id` for most.
    const KEY: usize = 2;
    fn values(&self) -> Vec<Value<'_>>;
}

fn text(s: &Option<String>) -> Value<'_> {
    Value::Text(s.as_deref())
}

impl Record for Call {
    const TABLE: &'static str = "calls";
    const COLUMNS: &'static [&'static str] = &[
        "source",
        "source_id",
        "channel",
        "received_ms",
        "answered_ms",
        "ended_ms",
        "ring_recorded",
        "seat",
        "caller_key",
        "caller_masked",
        "zone",
        "address",
        "lat",
        "lon",
        "category",
        "outcome",
        "invalid_reason",
        "incident_id",
        "duplicate",
    ];
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            Value::Text(Some(&self.source)),
            Value::Text(Some(&self.source_id)),
            Value::Text(Some(self.channel.code())),
            Value::Int(Some(self.received)),
            Value::Int(self.answered),
            Value::Int(self.ended),
            Value::Bool(self.ring_recorded),
            text(&self.seat),
            text(&self.caller_key),
            text(&self.caller_masked),
            text(&self.zone),
            text(&self.address),
            Value::Real(self.lat),
            Value::Real(self.lon),
            text(&self.category),
            Value::Text(self.outcome.map(|o| o.code())),
            Value::Text(self.invalid_reason.map(|r| r.code())),
            text(&self.incident_id),
            Value::Bool(self.duplicate),
        ]
    }
}

impl Record for Incident {
    const TABLE: &'static str = "incidents";
    const COLUMNS: &'static [&'static str] = &[
        "source",
        "source_id",
        "category",
        "priority",
        "zone",
        "unit",
        "call_received_ms",
        "call_answered_ms",
        "created_ms",
        "dispatched_ms",
        "signed_for_ms",
        "departed_ms",
        "arrived_ms",
        "fed_back_ms",
        "closed_ms",
        "merged_into",
        "disposition",
        "case_filed",
        "case_cleared",
        "unrecorded",
        "units",
    ];
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            Value::Text(Some(&self.source)),
            Value::Text(Some(&self.source_id)),
            text(&self.category),
            Value::Int(self.priority.map(i64::from)),
            text(&self.zone),
            text(&self.unit),
            Value::Int(self.call_received),
            Value::Int(self.call_answered),
            Value::Int(Some(self.created)),
            Value::Int(self.dispatched),
            Value::Int(self.signed_for),
            Value::Int(self.departed),
            Value::Int(self.arrived),
            Value::Int(self.fed_back),
            Value::Int(self.closed),
            text(&self.merged_into),
            text(&self.disposition),
            Value::Bool(self.case_filed),
            Value::Bool(self.case_cleared),
            Value::Int(Some(self.unrecorded.bits())),
            Value::Int(self.units.map(i64::from)),
        ]
    }
}

impl Record for WorkOrder {
    const TABLE: &'static str = "work_orders";
    const COLUMNS: &'static [&'static str] = &[
        "source",
        "source_id",
        "direction",
        "call_id",
        "category",
        "zone",
        "department",
        "sent_ms",
        "accepted_ms",
        "assigned_ms",
        "handled_ms",
        "fed_back_ms",
        "accept_by_ms",
        "due_ms",
        "status",
        "returned_ms",
        "return_reason",
        "unrecorded",
    ];
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            Value::Text(Some(&self.source)),
            Value::Text(Some(&self.source_id)),
            Value::Text(Some(self.direction.code())),
            text(&self.call_id),
            text(&self.category),
            text(&self.zone),
            text(&self.department),
            Value::Int(Some(self.sent)),
            Value::Int(self.accepted),
            Value::Int(self.assigned),
            Value::Int(self.handled),
            Value::Int(self.fed_back),
            Value::Int(self.accept_by),
            Value::Int(self.due),
            text(&self.status),
            Value::Int(self.returned),
            text(&self.return_reason),
            Value::Int(Some(self.unrecorded.bits())),
        ]
    }
}

impl Record for IncidentUnit {
    const TABLE: &'static str = "incident_units";
    const COLUMNS: &'static [&'static str] = &[
        "source",
        "incident_id",
        "unit",
        "dispatched_ms",
        "signed_for_ms",
        "departed_ms",
        "arrived_ms",
        "cleared_ms",
    ];
    const KEY: usize = 3;
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            Value::Text(Some(&self.source)),
            Value::Text(Some(&self.incident_id)),
            Value::Text(Some(&self.unit)),
            Value::Int(self.dispatched),
            Value::Int(self.signed_for),
            Value::Int(self.departed),
            Value::Int(self.arrived),
            Value::Int(self.cleared),
        ]
    }
}

impl Record for Callback {
    const TABLE: &'static str = "callbacks";
    const COLUMNS: &'static [&'static str] = &[
        "source",
        "source_id",
        "incident_id",
        "work_order_id",
        "zone",
        "called_ms",
        "reached",
        "satisfaction",
    ];
    fn values(&self) -> Vec<Value<'_>> {
        vec![
            Value::Text(Some(&self.source)),
            Value::Text(Some(&self.source_id)),
            text(&self.incident_id),
            text(&self.work_order_id),
            text(&self.zone),
            Value::Int(Some(self.called)),
            Value::Bool(self.reached),
            Value::Text(self.satisfaction.map(|s| s.code())),
        ]
    }
}

impl Record for PhoneInterval {
    const TABLE: &'static str = "phone_intervals";
    const COLUMNS: &'static [&'static str] = &[
        "source",
        "source_id",
        "line",
        "start_ms",
        "minutes",
        "offered",
        "abandoned",
        "answered_10",
        "answered_15",
        "answered_20",
        "answered_over",
    ];
    fn values(&self) -> Vec<Value<'_>> {
        let [a10, a15, a20, over] = self.answered;
        vec![
            Value::Text(Some(&self.source)),
            Value::Text(Some(&self.source_id)),
            Value::Text(Some(&self.line)),
            Value::Int(Some(self.start)),
            Value::Int(Some(self.minutes.into())),
            Value::Int(Some(self.offered)),
            Value::Int(Some(self.abandoned)),
            Value::Int(Some(a10)),
            Value::Int(Some(a15)),
            Value::Int(Some(a20)),
            Value::Int(Some(over)),
        ]
    }
}

/// `INSERT … ON CONFLICT (key) DO UPDATE … WHERE something differs`: a row
/// written again unchanged keeps its old `seq`, so re-importing a file wakes no one.
/// `distinct` is the backend's null-safe inequality (`IS NOT` in SQLite, `IS DISTINCT FROM`
/// in PostgreSQL).
pub fn upsert_suffix<R: Record>(distinct: &str) -> String {
    let updated: Vec<&str> = R::COLUMNS[R::KEY..].to_vec();
    let set: Vec<String> = updated
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .chain(std::iter::once("seq = excluded.seq".to_string()))
        .collect();
    let differs: Vec<String> = updated
        .iter()
        .map(|c| format!("{t}.{c} {distinct} excluded.{c}", t = R::TABLE))
        .collect();
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {} WHERE {}",
        R::COLUMNS[..R::KEY].join(", "),
        set.join(", "),
        differs.join(" OR ")
    )
}

pub fn insert_prefix<R: Record>() -> String {
    format!("INSERT INTO {} ({}, seq) ", R::TABLE, R::COLUMNS.join(", "))
}

/// One reference table's rows: keyed by `code`, the first column; the other columns are
/// updated when a row with that code is already stored.
pub struct Reference<'a> {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Value<'a>>>,
}

/// The reference tables as the config and the category list have them, in an order that
/// satisfies their foreign keys (zones before the posts and units in them, category classes
/// before their items).
pub fn reference(config: &Config) -> [Reference<'_>; 5] {
    fn s(s: &str) -> Value<'_> {
        Value::Text(Some(s))
    }
    [
        Reference {
            table: "zones",
            columns: &["code", "name", "circle_minutes"],
            rows: config
                .zones
                .iter()
                .map(|z| {
                    vec![
                        s(&z.code),
                        s(&z.name),
                        Value::Int(Some(z.circle_minutes.into())),
                    ]
                })
                .collect(),
        },
        Reference {
            table: "posts",
            columns: &["code", "name", "zone"],
            rows: config
                .posts
                .iter()
                .map(|p| vec![s(&p.code), s(&p.name), s(&p.zone)])
                .collect(),
        },
        Reference {
            table: "seats",
            columns: &["code", "name"],
            rows: config
                .seats
                .iter()
                .map(|x| vec![s(&x.code), s(&x.name)])
                .collect(),
        },
        Reference {
            table: "units",
            columns: &["code", "name", "zone"],
            rows: config
                .units
                .iter()
                .map(|u| vec![s(&u.code), s(&u.name), s(&u.zone)])
                .collect(),
        },
        Reference {
            table: "categories",
            columns: &["code", "parent", "name_zh", "name_en", "kind"],
            rows: CATEGORIES
                .iter()
                .map(|c| {
                    let kind = match c.kind {
                        Kind::Police => "police",
                        Kind::NonPolice => "non_police",
                    };
                    vec![s(c.code), Value::Text(c.parent), s(c.zh), s(c.en), s(kind)]
                })
                .collect(),
        },
    ]
}

impl Reference<'_> {
    /// `INSERT INTO table (code, …) `: the values follow.
    pub fn insert_prefix(&self) -> String {
        format!("INSERT INTO {} ({}) ", self.table, self.columns.join(", "))
    }

    /// ` ON CONFLICT (code) DO UPDATE SET …`: a row already stored takes the new values.
    pub fn upsert_suffix(&self) -> String {
        let set: Vec<String> = self.columns[1..]
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            self.columns[0],
            set.join(", ")
        )
    }
}

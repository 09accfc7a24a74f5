//! One CSV row through a mapping: values parsed and translated, the record built, and every
//! problem found named with its line and column. Pure: no file or database here.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDateTime};
use chrono_tz::Tz;
use csv::StringRecord;

use super::mapping::{fields_of, FieldType, Mapping, RecordKind, Unknown, ValueMap};
use crate::core::caller::{mask, CallerKeyer};
use crate::core::model::{
    Call, Channel, DataIssue, Direction, Incident, Millis, Outcome, Severity, Stage, Unrecorded,
    WorkOrder,
};
use crate::core::time::{describe_span, local_to_utc};

/// Times before this year or more than a day after the import are impossible for a CAD.
const EARLIEST_YEAR: i32 = 1990;
const FUTURE_SLACK_MS: Millis = 24 * 3_600_000;

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Time(Millis),
    Text(String),
    Int(i64),
    Real(f64),
}

struct FieldSpec {
    field: &'static str,
    ty: FieldType,
    /// Column index and name in the file.
    column: Option<(usize, String)>,
    constant: Option<String>,
    values: Option<ValueMap>,
}

/// What one row became.
#[derive(Debug, Default)]
pub struct ParsedRow {
    pub id: Option<String>,
    pub call: Option<Call>,
    pub incident: Option<Incident>,
    pub order: Option<WorkOrder>,
    pub issues: Vec<DataIssue>,
    /// Columns that held a fill value (`NULL`, `-9999`, empty) in this row.
    pub fills: Vec<usize>,
}

impl ParsedRow {
    pub fn rejected(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Rejected)
    }
}

pub struct RowParser {
    kind: RecordKind,
    source: String,
    file: String,
    tz: Tz,
    formats: Vec<String>,
    nulls: HashSet<String>,
    ring_recorded: bool,
    /// The stages of the record kind the mapping gives no column or constant for.
    unrecorded: Unrecorded,
    id_column: (usize, String),
    specs: Vec<FieldSpec>,
    keyer: CallerKeyer,
    now: Millis,
}

impl RowParser {
    /// Binds the mapping to the file's header; a mapped column missing from the header is
    /// the one clear error that stops an import before it starts.
    pub fn new(
        mapping: &Mapping,
        header: &StringRecord,
        file: &str,
        keyer: CallerKeyer,
        now: Millis,
    ) -> Result<RowParser, String> {
        let find = |col: &str| header.iter().position(|h| h.trim() == col);
        let missing = |col: &str, what: &str| {
            let cols: Vec<&str> = header.iter().collect();
            format!(
                "mapping '{}' needs column '{col}' for {what}, but {file} has no such column (its columns: {})",
                mapping.name,
                cols.join(", ")
            )
        };
        let id_ix = find(&mapping.id).ok_or_else(|| missing(&mapping.id, "the record id"))?;
        let mut specs = Vec::new();
        for (field, ty) in fields_of(mapping.record) {
            let column = match mapping.fields.get(*field) {
                Some(col) => Some((
                    find(col).ok_or_else(|| missing(col, &format!("field '{field}'")))?,
                    col.clone(),
                )),
                None => None,
            };
            let constant = mapping.constants.get(*field).cloned();
            if column.is_none() && constant.is_none() {
                continue;
            }
            specs.push(FieldSpec {
                field,
                ty: *ty,
                column,
                constant,
                values: mapping.values.get(*field).cloned(),
            });
        }
        let mapped = |s: &Stage| specs.iter().any(|f: &FieldSpec| f.field == s.field());
        let stages: &[Stage] = match mapping.record {
            RecordKind::Incident => &Stage::INCIDENT,
            RecordKind::WorkOrder => &Stage::WORK_ORDER,
        };
        let unrecorded = stages.iter().filter(|s| !mapped(s)).copied().collect();
        Ok(RowParser {
            kind: mapping.record,
            source: mapping.source.clone(),
            file: file.to_string(),
            tz: mapping.tz(),
            formats: mapping.time_formats.clone(),
            nulls: mapping
                .null_values
                .iter()
                .map(|s| s.trim().to_string())
                .collect(),
            ring_recorded: mapping.ring_recorded,
            unrecorded,
            id_column: (id_ix, mapping.id.clone()),
            specs,
            keyer,
            now,
        })
    }

    fn issue(
        &self,
        line: u64,
        column: Option<&str>,
        id: Option<&str>,
        severity: Severity,
        reason: String,
        raw: Option<&str>,
    ) -> DataIssue {
        DataIssue {
            source: self.source.clone(),
            file: Some(self.file.clone()),
            line: Some(line),
            column: column.map(str::to_string),
            record_id: id.map(str::to_string),
            severity,
            reason,
            raw_value: raw.map(str::to_string),
        }
    }

    fn parse_time(&self, raw: &str) -> Result<Millis, String> {
        let naive = self
            .formats
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
            .ok_or_else(|| {
                format!(
                    "bad timestamp: matches none of the formats {}",
                    self.formats.join(" | ")
                )
            })?;
        if naive.year() < EARLIEST_YEAR {
            return Err(format!("impossible timestamp: before {EARLIEST_YEAR}"));
        }
        let t = local_to_utc(self.tz, naive);
        if t > self.now + FUTURE_SLACK_MS {
            return Err("impossible timestamp: more than a day in the future".into());
        }
        Ok(t)
    }

    /// Parses one data row. `line` is the row's line in the file (header = line 1).
    pub fn parse(&self, rec: &StringRecord, line: u64) -> ParsedRow {
        let mut row = ParsedRow::default();
        let raw_id = rec.get(self.id_column.0).map(str::trim).unwrap_or("");
        if raw_id.is_empty() || self.nulls.contains(raw_id) {
            row.issues.push(self.issue(
                line,
                Some(&self.id_column.1),
                None,
                Severity::Rejected,
                "missing record id".into(),
                Some(raw_id),
            ));
            return row;
        }
        let id = raw_id.to_string();
        row.id = Some(id.clone());
        let mut vals: BTreeMap<&'static str, Val> = BTreeMap::new();
        let required = fields_of(self.kind)[0].0;
        for spec in &self.specs {
            let (raw, col_name) = match (&spec.column, &spec.constant) {
                (Some((ix, name)), _) => (
                    rec.get(*ix).map(str::trim).unwrap_or(""),
                    Some(name.as_str()),
                ),
                (None, Some(c)) => (c.as_str(), None),
                (None, None) => continue,
            };
            if raw.is_empty() || self.nulls.contains(raw) {
                if let Some((ix, _)) = &spec.column {
                    row.fills.push(*ix);
                }
                if spec.field == required {
                    row.issues.push(self.issue(
                        line,
                        col_name,
                        Some(&id),
                        Severity::Rejected,
                        format!("missing {required} time"),
                        Some(raw),
                    ));
                }
                continue;
            }
            let severity = if spec.field == required {
                Severity::Rejected
            } else {
                Severity::Warning
            };
            // Translate codes first, then parse the value by type.
            let text = match &spec.values {
                Some(vm) => match lookup(vm, raw) {
                    Some(v) => v,
                    None => match vm.unknown {
                        Unknown::Reject => {
                            row.issues.push(self.issue(
                                line,
                                col_name,
                                Some(&id),
                                Severity::Rejected,
                                format!("unknown {} code", spec.field),
                                Some(raw),
                            ));
                            continue;
                        }
                        Unknown::Warn => {
                            let note = match &vm.default {
                                Some(d) => format!("unknown {} code, stored as '{d}'", spec.field),
                                None => format!("unknown {} code, field left empty", spec.field),
                            };
                            row.issues.push(self.issue(
                                line,
                                col_name,
                                Some(&id),
                                Severity::Warning,
                                note,
                                Some(raw),
                            ));
                            match &vm.default {
                                Some(d) => d.clone(),
                                None => continue,
                            }
                        }
                        Unknown::Keep => raw.to_string(),
                        Unknown::Default => vm.default.clone().expect("validated"),
                    },
                },
                None => raw.to_string(),
            };
            let parsed = match spec.ty {
                FieldType::Time => self.parse_time(&text).map(Val::Time),
                FieldType::Int => text
                    .parse::<i64>()
                    .map(Val::Int)
                    .map_err(|_| "not a whole number".to_string()),
                FieldType::Real => text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Val::Real)
                    .ok_or_else(|| "not a number".to_string()),
                FieldType::Code(vocab) => {
                    if vocab.accepts(&text)
                        || spec
                            .values
                            .as_ref()
                            .is_some_and(|v| v.unknown == Unknown::Keep)
                    {
                        Ok(Val::Text(text))
                    } else {
                        Err(format!("unknown {} code", spec.field))
                    }
                }
                FieldType::Text | FieldType::Phone => Ok(Val::Text(text)),
            };
            match parsed {
                Ok(v) => {
                    vals.insert(spec.field, v);
                }
                Err(reason) => {
                    let reason = if severity == Severity::Warning {
                        format!("{reason}; {} left empty", spec.field)
                    } else {
                        reason
                    };
                    row.issues.push(self.issue(
                        line,
                        col_name,
                        Some(&id),
                        severity,
                        reason,
                        Some(raw),
                    ));
                }
            }
        }
        // A value map may leave even the required field empty (an unknown code, `warn`,
        // no default): no record can be made without it.
        if !row.rejected() && !vals.contains_key(required) {
            row.issues.push(self.issue(
                line,
                self.column_of(required),
                Some(&id),
                Severity::Rejected,
                format!("missing {required} time"),
                None,
            ));
        }
        if row.rejected() {
            return row;
        }
        match self.kind {
            RecordKind::Incident => self.build_incident(&id, &vals, line, &mut row),
            RecordKind::WorkOrder => self.build_order(&id, &vals, line, &mut row),
        }
        row
    }

    fn column_of(&self, field: &str) -> Option<&str> {
        self.specs
            .iter()
            .find(|s| s.field == field)
            .and_then(|s| s.column.as_ref())
            .map(|(_, n)| n.as_str())
    }

    /// Warns about each stage recorded before the stage that must precede it.
    fn check_order(
        &self,
        id: &str,
        line: u64,
        stages: &[(&str, Option<Millis>)],
        row: &mut ParsedRow,
    ) {
        let mut last: Option<(&str, Millis)> = None;
        for (name, t) in stages {
            let Some(t) = *t else { continue };
            if let Some((prev, pt)) = last {
                if t < pt {
                    let reason = format!(
                        "stages out of order: {name} is {} before {prev}",
                        describe_span(pt - t)
                    );
                    let col = self.column_of(name).map(str::to_string);
                    row.issues.push(self.issue(
                        line,
                        col.as_deref(),
                        Some(id),
                        Severity::Warning,
                        reason,
                        None,
                    ));
                    continue;
                }
            }
            last = Some((name, t));
        }
    }

    fn build_incident(
        &self,
        id: &str,
        v: &BTreeMap<&'static str, Val>,
        line: u64,
        row: &mut ParsedRow,
    ) {
        let received = time(v, "received").expect("required field checked");
        let caller = text(v, "caller");
        let outcome = text(v, "outcome")
            .and_then(|s| s.parse::<Outcome>().ok())
            .unwrap_or(Outcome::Police);
        let call = Call {
            source: self.source.clone(),
            source_id: id.to_string(),
            channel: text(v, "channel")
                .and_then(|s| s.parse::<Channel>().ok())
                .unwrap_or(Channel::Other),
            received,
            answered: time(v, "answered"),
            ended: time(v, "ended"),
            ring_recorded: self.ring_recorded,
            seat: text(v, "seat"),
            caller_key: caller.as_deref().and_then(|c| self.keyer.key(c)),
            caller_masked: caller.as_deref().and_then(mask),
            zone: text(v, "zone"),
            address: text(v, "address"),
            lat: real(v, "lat"),
            lon: real(v, "lon"),
            category: text(v, "category"),
            outcome: Some(outcome),
            invalid_reason: text(v, "invalid_reason").and_then(|s| s.parse().ok()),
            incident_id: Some(id.to_string()),
            duplicate: false,
        };
        let incident = Incident {
            source: self.source.clone(),
            source_id: id.to_string(),
            category: call.category.clone(),
            priority: match v.get("priority") {
                Some(Val::Int(p)) => i32::try_from(*p).ok(),
                _ => None,
            },
            zone: call.zone.clone(),
            unit: text(v, "unit"),
            call_received: Some(call.received),
            call_answered: call.answered,
            created: time(v, "created").unwrap_or(received),
            dispatched: time(v, "dispatched"),
            signed_for: time(v, "signed_for"),
            departed: time(v, "departed"),
            arrived: time(v, "arrived"),
            fed_back: time(v, "fed_back"),
            closed: time(v, "closed"),
            merged_into: None,
            disposition: text(v, "disposition"),
            case_filed: false,
            case_cleared: false,
            unrecorded: self.unrecorded,
        };
        self.check_order(
            id,
            line,
            &[
                ("received", Some(call.received)),
                ("answered", call.answered),
                ("ended", call.ended),
            ],
            row,
        );
        let chain: Vec<(&str, Option<Millis>)> = [("answered", call.answered)]
            .into_iter()
            .chain(
                crate::core::model::INCIDENT_STAGES
                    .iter()
                    .copied()
                    .zip(incident.stages()),
            )
            .collect();
        self.check_order(id, line, &chain, row);
        row.call = Some(call);
        row.incident = Some(incident);
    }

    fn build_order(
        &self,
        id: &str,
        v: &BTreeMap<&'static str, Val>,
        line: u64,
        row: &mut ParsedRow,
    ) {
        let sent = time(v, "sent").expect("required field checked");
        let mut order = WorkOrder {
            source: self.source.clone(),
            source_id: id.to_string(),
            direction: text(v, "direction")
                .and_then(|s| s.parse().ok())
                .unwrap_or(Direction::Hotline),
            call_id: text(v, "call_id"),
            category: text(v, "category"),
            zone: text(v, "zone"),
            department: text(v, "department"),
            sent,
            accepted: time(v, "accepted"),
            assigned: time(v, "assigned"),
            handled: time(v, "handled"),
            fed_back: time(v, "fed_back"),
            accept_by: time(v, "accept_by"),
            due: time(v, "due"),
            status: text(v, "status"),
            returned: time(v, "returned"),
            return_reason: text(v, "return_reason"),
            unrecorded: self.unrecorded,
        };
        if order.status.is_none() {
            order.status = Some(order.derived_status().into());
        }
        self.check_order(
            id,
            line,
            &[
                ("sent", Some(sent)),
                ("accepted", order.accepted),
                ("assigned", order.assigned),
                ("handled", order.handled),
            ],
            row,
        );
        self.check_order(id, line, &[("sent", Some(sent)), ("due", order.due)], row);
        row.order = Some(order);
    }
}

/// Exact match first, then ignoring case and surrounding space.
fn lookup(vm: &ValueMap, raw: &str) -> Option<String> {
    vm.map.get(raw).cloned().or_else(|| {
        vm.map
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(raw))
            .map(|(_, v)| v.clone())
    })
}

fn time(v: &BTreeMap<&'static str, Val>, f: &str) -> Option<Millis> {
    match v.get(f) {
        Some(Val::Time(t)) => Some(*t),
        _ => None,
    }
}

fn text(v: &BTreeMap<&'static str, Val>, f: &str) -> Option<String> {
    match v.get(f) {
        Some(Val::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

fn real(v: &BTreeMap<&'static str, Val>, f: &str) -> Option<f64> {
    match v.get(f) {
        Some(Val::Real(x)) => Some(*x),
        _ => None,
    }
}

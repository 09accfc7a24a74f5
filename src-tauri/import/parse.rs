//! One CSV row through a mapping: values parsed and translated, the record built, and every
//! problem found named with its line and column. Pure: no file or database here.

use std::collections::BTreeMap;

use chrono::Datelike;
use chrono_tz::Tz;
use csv::StringRecord;

use super::clock::{self, Reading};
use super::field_source::{Bound, Cell};
use super::fill::FillValues;
use super::header::Header;
use super::mapping::{
    bounds, fields_of, FieldType, Mapping, RecordKind, RowsPer, Unknown, ValueMap,
};
use super::nearest::valid_codes;
use super::time_format::TimeFormats;
use crate::core::caller::{mask, CallerKeyer};
use crate::core::model::{
    Call, Channel, DataIssue, Direction, Incident, IncidentUnit, Millis, Outcome, PhoneInterval,
    Severity, Stage, Unrecorded, WorkOrder,
};
use crate::core::time::describe_span;

/// Times before this year or more than a day after the import are impossible for a CAD.
const EARLIEST_YEAR: i32 = 1990;
const FUTURE_SLACK_MS: Millis = 24 * 3_600_000;

/// The times of each record kind that must not decrease, in the order they happen: a
/// time in the repeated hour is read so that these hold.
const INCIDENT_ORDER: &[&[&str]] = &[
    &["received", "answered", "ended"],
    &[
        "received",
        "answered",
        "created",
        "dispatched",
        "signed_for",
        "departed",
        "arrived",
        "fed_back",
        "closed",
    ],
    &["arrived", "cleared", "closed"],
];
const WORK_ORDER_ORDER: &[&[&str]] = &[
    &["sent", "accepted", "assigned", "handled", "fed_back"],
    &["sent", "accept_by"],
    &["sent", "due"],
    &["sent", "returned"],
];

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Time(Reading),
    Text(String),
    Int(i64),
    Real(f64),
}

struct FieldSpec {
    field: &'static str,
    ty: FieldType,
    source: Bound,
    values: Option<ValueMap>,
    /// The column giving this time's UTC offset, where the source stores one.
    offset: Option<(usize, String)>,
}

/// What one row became.
#[derive(Debug, Default)]
pub struct ParsedRow {
    pub id: Option<String>,
    pub call: Option<Call>,
    pub incident: Option<Incident>,
    pub order: Option<WorkOrder>,
    /// A phone system's row: one interval per line.
    pub phone: Vec<PhoneInterval>,
    /// The unit this row sends, in a per-unit export.
    pub unit: Option<IncidentUnit>,
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
    per_unit: bool,
    header: Header,
    source: String,
    file: String,
    tz: Tz,
    formats: TimeFormats,
    fills: FillValues,
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
        header: &Header,
        file: &str,
        keyer: CallerKeyer,
        now: Millis,
    ) -> Result<RowParser, String> {
        if mapping.record == RecordKind::PhoneInterval {
            return Err(format!(
                "mapping '{}' describes a phone system's interval counts, which are read as \
                 such (import::read::Rows), not as records",
                mapping.name
            ));
        }
        let find = |col: &str, what: &str| header.column(col, what, &mapping.name, file);
        let id_ix = find(&mapping.id, "the record id")?;
        let mut specs = Vec::new();
        for (field, ty) in fields_of(mapping.record) {
            let what = format!("field '{field}'");
            let source = match (mapping.fields.get(*field), mapping.constants.get(*field)) {
                (Some(from), _) => Bound::new(from, &find, &what)?,
                (None, Some(constant)) => Bound::constant(constant),
                (None, None) => continue,
            };
            let offset = match mapping.offset_of(field).filter(|_| *ty == FieldType::Time) {
                Some(col) => Some((
                    find(col, &format!("the UTC offset of {what}"))?,
                    col.to_string(),
                )),
                None => None,
            };
            specs.push(FieldSpec {
                field,
                ty: *ty,
                source,
                values: mapping.values.get(*field).cloned(),
                offset,
            });
        }
        let mapped = |s: &Stage| specs.iter().any(|f: &FieldSpec| f.field == s.field());
        let stages: &[Stage] = match mapping.record {
            RecordKind::Incident => &Stage::INCIDENT,
            RecordKind::WorkOrder => &Stage::WORK_ORDER,
            RecordKind::PhoneInterval => unreachable!("refused above"),
        };
        let unrecorded = stages.iter().filter(|s| !mapped(s)).copied().collect();
        Ok(RowParser {
            kind: mapping.record,
            per_unit: mapping.rows == RowsPer::PerUnit,
            header: header.clone(),
            source: mapping.source.clone(),
            file: file.to_string(),
            tz: mapping.tz(),
            formats: TimeFormats::new(&mapping.time_formats),
            fills: FillValues::new(&mapping.null_values),
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

    /// A local time as its UTC readings, or the problem's kind and particulars. `offset`
    /// is the row's text for this time's UTC offset, where the source stores one.
    fn parse_time(
        &self,
        raw: &str,
        offset: Option<(&str, &str)>,
    ) -> Result<Reading, (&'static str, String)> {
        let naive = self.formats.read(raw).map_err(|e| ("bad timestamp", e))?;
        if naive.year() < EARLIEST_YEAR {
            return Err(("impossible timestamp", format!("before {EARLIEST_YEAR}")));
        }
        let reading = match offset.filter(|(text, _)| !self.fills.holds(text)) {
            Some((text, column)) => match clock::parse_offset(text) {
                Some(seconds) => Reading::One(clock::at_offset(naive, seconds)),
                None => {
                    return Err((
                        "bad UTC offset",
                        format!(
                            "column '{column}' holds '{text}'; offsets are written like -04:00, -0400 or -4"
                        ),
                    ))
                }
            },
            None => clock::read_local(self.tz, naive),
        };
        if reading.earliest() > self.now + FUTURE_SLACK_MS {
            return Err((
                "impossible timestamp",
                "more than a day in the future".into(),
            ));
        }
        Ok(reading)
    }

    /// Parses one data row. `line` is the row's line in the file (header = line 1).
    pub fn parse(&self, rec: &StringRecord, line: u64) -> ParsedRow {
        let mut row = ParsedRow::default();
        let raw_id = rec.get(self.id_column.0).map(str::trim).unwrap_or("");
        if self.fills.holds(raw_id) {
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
        // A column feeding two fields (received and answered from one start time) is
        // one value: counted and reported once.
        let mut reported: Vec<usize> = Vec::new();
        for spec in &self.specs {
            let (raw, column_ix) = match spec.source.read(rec, &self.fills, &mut row.fills) {
                Cell::Excluded => continue,
                Cell::Fill => {
                    if spec.field == required {
                        row.issues.push(self.issue(
                            line,
                            self.column_of(required),
                            Some(&id),
                            Severity::Rejected,
                            format!("missing {required} time"),
                            None,
                        ));
                    }
                    continue;
                }
                Cell::Text { text, column } => (text, column),
            };
            let raw: &str = &raw;
            let col_name = spec.source.column_name(&self.header, column_ix);
            let first_report = column_ix.is_none_or(|ix| !reported.contains(&ix));
            let mut report = |row: &mut ParsedRow, severity: Severity, reason: String| {
                if let Some(ix) = column_ix {
                    reported.push(ix);
                }
                // A rejection is always recorded: it is what keeps the row out.
                if first_report || severity == Severity::Rejected {
                    let shown = self.shown(spec, raw);
                    row.issues.push(self.issue(
                        line,
                        col_name,
                        Some(&id),
                        severity,
                        reason,
                        shown.as_deref(),
                    ));
                }
            };
            let severity = if spec.field == required {
                Severity::Rejected
            } else {
                Severity::Warning
            };
            // Translate codes first, then parse the value by type.
            let text = match &spec.values {
                Some(vm) => match lookup(vm, raw) {
                    Some(v) => v,
                    None => {
                        // The suggestion is an edit-distance search over the map: only for a
                        // code that is reported (a kept call type is most rows of a CAD).
                        let known = || self.known_source_codes(spec, vm, raw);
                        match vm.unknown {
                            Unknown::Reject => {
                                let reason = format!("unknown {} code{}", spec.field, known());
                                report(&mut row, Severity::Rejected, reason);
                                continue;
                            }
                            Unknown::Warn => {
                                let reason = match &vm.default {
                                    Some(d) => {
                                        format!(
                                            "unknown {} code, stored as '{d}'{}",
                                            spec.field,
                                            known()
                                        )
                                    }
                                    None => format!(
                                        "unknown {} code, field left empty{}",
                                        spec.field,
                                        known()
                                    ),
                                };
                                report(&mut row, Severity::Warning, reason);
                                match &vm.default {
                                    Some(d) => d.clone(),
                                    None => continue,
                                }
                            }
                            Unknown::Keep => raw.to_string(),
                            Unknown::Default => vm.default.clone().expect("validated"),
                        }
                    }
                },
                None => raw.to_string(),
            };
            let offset = spec
                .offset
                .as_ref()
                .map(|(ix, name)| (rec.get(*ix).map(str::trim).unwrap_or(""), name.as_str()));
            match self.value(spec, text, offset) {
                Ok(Val::Time(Reading::Skipped(t))) => {
                    report(
                        &mut row,
                        Severity::Warning,
                        format!(
                            "local time in the hour skipped when the clocks went forward: read on the offset before the change, as {}",
                            crate::core::time::utc(t).to_rfc3339()
                        ),
                    );
                    vals.insert(spec.field, Val::Time(Reading::One(t)));
                }
                Ok(v) => {
                    vals.insert(spec.field, v);
                }
                Err(problem) => {
                    let left_empty = (severity == Severity::Warning).then_some(spec.field);
                    report(&mut row, severity, problem.reason(left_empty));
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
        self.resolve_times(&id, line, &mut vals, &mut row);
        match self.kind {
            RecordKind::Incident => self.build_incident(&id, &vals, line, &mut row),
            RecordKind::WorkOrder => self.build_order(&id, &vals, line, &mut row),
            RecordKind::PhoneInterval => unreachable!("RowParser::new refuses phone intervals"),
        }
        row
    }

    /// Reads the times in the repeated hour of a clock change by the order of the record's
    /// stages, and names the record whose stages no reading puts in order.
    fn resolve_times(
        &self,
        id: &str,
        line: u64,
        vals: &mut BTreeMap<&'static str, Val>,
        row: &mut ParsedRow,
    ) {
        if !vals
            .values()
            .any(|v| matches!(v, Val::Time(Reading::Two(..))))
        {
            return;
        }
        let order = match self.kind {
            RecordKind::Incident => INCIDENT_ORDER,
            RecordKind::WorkOrder => WORK_ORDER_ORDER,
            RecordKind::PhoneInterval => unreachable!("RowParser::new refuses phone intervals"),
        };
        let mut names: Vec<&'static str> = Vec::new();
        for name in order.iter().flat_map(|chain| chain.iter()) {
            if !names.contains(name) {
                names.push(*name);
            }
        }
        let times: Vec<Option<Reading>> = names
            .iter()
            .map(|n| match vals.get(n) {
                Some(Val::Time(r)) => Some(*r),
                _ => None,
            })
            .collect();
        let chains: Vec<Vec<usize>> = order
            .iter()
            .map(|chain| {
                chain
                    .iter()
                    .map(|n| names.iter().position(|m| m == n).expect("listed"))
                    .collect()
            })
            .collect();
        let chains: Vec<&[usize]> = chains.iter().map(Vec::as_slice).collect();
        let (picked, in_order) = clock::resolve(&times, &chains);
        let repeated: Vec<&str> = names
            .iter()
            .zip(&times)
            .filter(|(_, r)| matches!(r, Some(Reading::Two(..))))
            .map(|(n, _)| *n)
            .collect();
        for (name, t) in names.iter().zip(picked) {
            if let Some(t) = t {
                vals.insert(*name, Val::Time(Reading::One(t)));
            }
        }
        if !in_order {
            row.issues.push(self.issue(
                line,
                self.column_of(repeated[0]),
                Some(id),
                Severity::Warning,
                format!(
                    "ambiguous local time: {} in the hour the clocks went back, and no reading puts the stages in order",
                    repeated.join(", ")
                ),
                None,
            ));
        }
    }

    /// A field's text, translated, as a value of its type.
    fn value(
        &self,
        spec: &FieldSpec,
        text: String,
        offset: Option<(&str, &str)>,
    ) -> Result<Val, Problem> {
        let in_bounds = |v: f64| match bounds(spec.field) {
            Some((lo, hi)) if !(lo..=hi).contains(&v) => Err(Problem::new(
                "out of range",
                format!("{} must lie within {lo} … {hi}", spec.field),
            )),
            _ => Ok(()),
        };
        match spec.ty {
            FieldType::Time => self
                .parse_time(&text, offset)
                .map(Val::Time)
                .map_err(|(kind, detail)| Problem::new(kind, detail)),
            FieldType::Int => {
                let v = text
                    .parse::<i64>()
                    .map_err(|_| Problem::kind("not a whole number"))?;
                in_bounds(v as f64)?;
                Ok(Val::Int(v))
            }
            FieldType::Real => {
                let v = text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or(Problem::kind("not a number"))?;
                in_bounds(v)?;
                Ok(Val::Real(v))
            }
            FieldType::Code(vocab) => {
                let kept = spec
                    .values
                    .as_ref()
                    .is_some_and(|v| v.unknown == Unknown::Keep);
                if vocab.accepts(&text) || kept {
                    Ok(Val::Text(text))
                } else {
                    Err(Problem::new(
                        format!("unknown {} code", spec.field),
                        vocab.suggest(&text),
                    ))
                }
            }
            FieldType::Text | FieldType::Phone => Ok(Val::Text(text)),
        }
    }

    /// The raw value as a problem report may show it: a caller's number only masked.
    fn shown(&self, spec: &FieldSpec, raw: &str) -> Option<String> {
        match spec.ty {
            FieldType::Phone => mask(raw),
            _ => Some(raw.to_string()),
        }
    }

    /// ": valid: …" for a source code the value map does not list; nothing for callers,
    /// whose map keys a report must not repeat.
    fn known_source_codes(&self, spec: &FieldSpec, vm: &ValueMap, raw: &str) -> String {
        if spec.ty == FieldType::Phone {
            return String::new();
        }
        let listed = valid_codes(raw, vm.map.keys().map(String::as_str), |n| {
            format!("values.{}.map lists all {n}", spec.field)
        });
        format!(": {listed}")
    }

    fn column_of(&self, field: &str) -> Option<&str> {
        let spec = self.specs.iter().find(|s| s.field == field)?;
        spec.source
            .column_name(&self.header, spec.source.first_column())
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
        let mut incident = Incident {
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
            units: self.per_unit.then_some(0),
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
        let cleared = time(v, "cleared");
        if let Some(c) = cleared {
            let from = incident.arrived.or(incident.dispatched);
            self.check_order(id, line, &[("arrived", from), ("cleared", Some(c))], row);
        }
        if self.per_unit {
            if let Some(unit) = incident.unit.clone() {
                incident.units = Some(1);
                row.unit = Some(IncidentUnit {
                    source: self.source.clone(),
                    incident_id: id.to_string(),
                    unit,
                    dispatched: incident.dispatched,
                    signed_for: incident.signed_for,
                    departed: incident.departed,
                    arrived: incident.arrived,
                    cleared,
                });
            }
        }
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

/// What is wrong with a value: its kind (what reports count by) and the particulars.
struct Problem {
    kind: String,
    detail: Option<String>,
}

impl Problem {
    fn new(kind: impl Into<String>, detail: impl Into<String>) -> Problem {
        Problem {
            kind: kind.into(),
            detail: Some(detail.into()),
        }
    }

    fn kind(kind: &str) -> Problem {
        Problem {
            kind: kind.into(),
            detail: None,
        }
    }

    /// "kind[; FIELD left empty][: particulars]" — a warning says what the record lacks.
    fn reason(&self, left_empty: Option<&str>) -> String {
        let mut reason = self.kind.clone();
        if let Some(field) = left_empty {
            reason.push_str(&format!("; {field} left empty"));
        }
        if let Some(detail) = &self.detail {
            reason.push_str(": ");
            reason.push_str(detail);
        }
        reason
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

/// A time, its reading settled (`resolve_times`).
fn time(v: &BTreeMap<&'static str, Val>, f: &str) -> Option<Millis> {
    match v.get(f) {
        Some(Val::Time(t)) => Some(t.earliest()),
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

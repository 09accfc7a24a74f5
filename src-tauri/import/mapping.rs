//! A declarative description of one CSV export: which column feeds which field, how its
//! times are written, and how its codes translate into ours.

use std::collections::BTreeMap;
use std::path::Path;

use chrono_tz::Tz;
use encoding_rs::Encoding;
use serde::Deserialize;

use super::field_source::{FieldSource, Origin};
use super::nearest::valid_codes;
use super::toml_place::{self, Place};
use crate::core::categories;
use crate::core::model::{Channel, Direction, InvalidReason, Outcome};

/// What one row of the file becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A CAD row: one call and the incident it opened.
    Incident,
    /// A 12345 / 311 row: one work order.
    WorkOrder,
    /// A phone system's (ACD's) row: per line, the calls offered, abandoned and answered by
    /// how long they rang over one interval (an hour, say). Aggregates, never calls.
    PhoneInterval,
}

/// How the file's rows relate to records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RowsPer {
    /// One row per record; a repeated id is a later version of the record (the last row
    /// wins).
    #[default]
    PerIncident,
    /// One row per unit sent (派警单): rows sharing the incident id are one incident, with
    /// the earliest of each stage over its units, the unit dispatched first, their number
    /// and the latest close; each unit's own times are kept (`incident_units`).
    PerUnit,
}

/// What to do with a value that the value map does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unknown {
    /// Reject the row.
    Reject,
    /// Store the row with the default (or nothing) in this field, and log a warning.
    #[default]
    Warn,
    /// Store the source's own value as it is (free vocabularies such as call types).
    Keep,
    /// Use the default silently (the map lists only the exceptions).
    Default,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueMap {
    #[serde(default)]
    pub unknown: Unknown,
    pub default: Option<String>,
    pub map: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Tag stored on every record; ids are unique within a source.
    pub source: String,
    pub record: RecordKind,
    /// The column holding the record's id in the source system (not for `phone_interval`,
    /// whose rows are named by their line and start).
    #[serde(default)]
    pub id: String,
    /// Whether each row is a record or one unit of an incident.
    #[serde(default)]
    pub rows: RowsPer,
    /// chrono formats tried in order, e.g. `%Y-%m-%d %H:%M:%S%.f`.
    pub time_formats: Vec<String>,
    /// The zone the file's local times are in.
    pub time_zone: String,
    /// A column giving the UTC offset (`-04:00`, `-0400`, `-4`) of every local time in the
    /// row, where the source stores one: such a time needs no reading of the zone's
    /// clock changes.
    #[serde(default)]
    pub offset: Option<String>,
    /// Field → the column giving that time's own UTC offset (before `offset`).
    #[serde(default)]
    pub offsets: BTreeMap<String, String>,
    /// The file's character encoding (a WHATWG label: `utf-8`, `gb18030`, `gbk`, …);
    /// UTF-8 when not given.
    #[serde(default)]
    pub encoding: Option<String>,
    /// Values meaning "nothing here" (`NULL`, `-9999`, empty).
    #[serde(default)]
    pub null_values: Vec<String>,
    /// False where the source records no ring time (answered = received by construction).
    #[serde(default = "yes")]
    pub ring_recorded: bool,
    /// Field → where its text comes from: a column, or a table (`first_of`, `join`,
    /// `when`; see `field_source`).
    pub fields: BTreeMap<String, FieldSource>,
    /// Field → constant value for every row.
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    /// Field → translation of the column's codes.
    #[serde(default)]
    pub values: BTreeMap<String, ValueMap>,
    /// A built-in mapping whose value maps this one uses for the fields it does not
    /// translate itself: two exports of one system share their codes.
    #[serde(default)]
    pub values_from: Option<String>,
    /// `phone_interval` only: the minutes each row covers.
    #[serde(default)]
    pub interval_minutes: Option<u32>,
    /// `phone_interval` only: each line's columns, by the line's name.
    #[serde(default)]
    pub lines: BTreeMap<String, PhoneLine>,
}

/// One phone line's columns in a `phone_interval` export.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneLine {
    /// Calls offered (presented to the line).
    pub offered: String,
    pub abandoned: String,
    /// Band's upper edge in seconds → the column counting calls answered in that band (after
    /// the previous edge), or within the edge where `cumulative`. Edges at 10, 15 and 20 s
    /// are needed: they are the answer figures' limits.
    pub answered_within: BTreeMap<String, String>,
    /// Calls answered after the last edge, where the export counts them.
    #[serde(default)]
    pub answered_after: Option<String>,
    /// Calls answered in all, where the export gives that instead.
    #[serde(default)]
    pub answered: Option<String>,
    /// The `answered_within` columns count every call answered within their edge.
    #[serde(default)]
    pub cumulative: bool,
}

/// The answer limits a phone export's bands must have edges at, in seconds.
pub use crate::core::model::PHONE_ANSWER_EDGES_S;

impl PhoneLine {
    /// Every column the line reads.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        [&self.offered, &self.abandoned]
            .into_iter()
            .chain(self.answered_within.values())
            .chain(self.answered_after.iter())
            .chain(self.answered.iter())
            .map(String::as_str)
    }

    /// The `answered_within` edges in seconds, in order, with their columns.
    pub fn edges(&self) -> Result<Vec<(u32, &str)>, String> {
        let mut edges = Vec::new();
        for (edge, col) in &self.answered_within {
            match edge.trim().parse::<u32>() {
                Ok(e) if e > 0 => edges.push((e, col.as_str())),
                _ => return Err(format!("'{edge}' is not a number of seconds above 0")),
            }
        }
        edges.sort_unstable();
        Ok(edges)
    }
}

fn yes() -> bool {
    true
}

/// How a field's text becomes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Time,
    Text,
    Int,
    Real,
    /// A closed vocabulary; the mapped value must be one of its codes.
    Code(Vocabulary),
    /// A caller's number: stored only as keyed hash and masked form.
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    Channel,
    Outcome,
    InvalidReason,
    Direction,
    Category,
}

impl Vocabulary {
    /// Every code of the vocabulary.
    pub fn codes(self) -> Vec<&'static str> {
        fn of<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| code(*v)).collect()
        }
        match self {
            Vocabulary::Channel => of(Channel::ALL, Channel::code),
            Vocabulary::Outcome => of(Outcome::ALL, Outcome::code),
            Vocabulary::InvalidReason => of(InvalidReason::ALL, InvalidReason::code),
            Vocabulary::Direction => of(Direction::ALL, Direction::code),
            Vocabulary::Category => categories::all().map(|c| c.code).collect(),
        }
    }

    /// What to say of `code`, which is none of ours: the valid codes, or the nearest ones.
    pub fn suggest(self, code: &str) -> String {
        valid_codes(code, self.codes(), |n| {
            format!("`commandwall categories` lists all {n}")
        })
    }

    pub fn accepts(self, code: &str) -> bool {
        match self {
            Vocabulary::Channel => code.parse::<Channel>().is_ok(),
            Vocabulary::Outcome => code.parse::<Outcome>().is_ok(),
            Vocabulary::InvalidReason => code.parse::<InvalidReason>().is_ok(),
            Vocabulary::Direction => code.parse::<Direction>().is_ok(),
            Vocabulary::Category => categories::find(code).is_some(),
        }
    }
}

/// The fields each record kind has, with their types; the first is required.
pub fn fields_of(kind: RecordKind) -> &'static [(&'static str, FieldType)] {
    use FieldType::*;
    match kind {
        RecordKind::Incident => &[
            ("received", Time),
            ("answered", Time),
            ("ended", Time),
            ("channel", Code(Vocabulary::Channel)),
            ("seat", Text),
            ("caller", Phone),
            ("zone", Text),
            ("address", Text),
            ("lat", Real),
            ("lon", Real),
            ("category", Code(Vocabulary::Category)),
            ("outcome", Code(Vocabulary::Outcome)),
            ("invalid_reason", Code(Vocabulary::InvalidReason)),
            ("created", Time),
            ("dispatched", Time),
            ("signed_for", Time),
            ("departed", Time),
            ("arrived", Time),
            ("fed_back", Time),
            ("closed", Time),
            ("priority", Int),
            ("unit", Text),
            ("disposition", Text),
            // A unit's own clear time, in per-unit exports.
            ("cleared", Time),
        ],
        RecordKind::WorkOrder => &[
            ("sent", Time),
            ("accepted", Time),
            ("assigned", Time),
            ("handled", Time),
            ("fed_back", Time),
            ("accept_by", Time),
            ("due", Time),
            ("returned", Time),
            ("direction", Code(Vocabulary::Direction)),
            ("call_id", Text),
            ("category", Code(Vocabulary::Category)),
            ("zone", Text),
            ("department", Text),
            ("status", Text),
            ("return_reason", Text),
            ("address", Text),
        ],
        RecordKind::PhoneInterval => &[("start", Time)],
    }
}

pub fn field_type(kind: RecordKind, field: &str) -> Option<FieldType> {
    fields_of(kind)
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, t)| *t)
}

/// The values a numeric field can hold, both ends included: beyond them a value is a
/// mistake in the file, said as such, never a record.
pub fn bounds(field: &str) -> Option<(f64, f64)> {
    match field {
        "lat" => Some((-90.0, 90.0)),
        "lon" => Some((-180.0, 180.0)),
        "priority" => Some((f64::from(i32::MIN), f64::from(i32::MAX))),
        _ => None,
    }
}

/// A mapping that cannot be used: the key at fault (dotted path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub key: Vec<String>,
    pub message: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn invalid(key: &[&str], message: String) -> Invalid {
    Invalid {
        key: key.iter().map(|k| k.to_string()).collect(),
        message,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("cannot read mapping {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("mapping {path} is not valid{}: {message}", at.as_ref().map(|p| format!(" at {p}")).unwrap_or_default())]
    Invalid {
        path: String,
        /// Where in the file, when the fault has a place.
        at: Option<Place>,
        message: String,
    },
}

/// Mappings shipped with the program, usable by name (`--mapping decc_cad`).
pub const BUILT_IN: [(&str, &str); 4] = [
    ("decc_cad", include_str!("mappings/decc_cad.toml")),
    ("decc_units", include_str!("mappings/decc_units.toml")),
    ("nyc311", include_str!("mappings/nyc311.toml")),
    (
        "decc_phone_hourly",
        include_str!("mappings/decc_phone_hourly.toml"),
    ),
];

impl Mapping {
    /// Loads a mapping file, or a built-in mapping by name when no such file exists.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let shown = path.display().to_string();
        let built_in = BUILT_IN.iter().find(|(name, _)| Path::new(name) == path);
        let text = match built_in {
            Some((_, text)) if !path.exists() => text.to_string(),
            _ => std::fs::read_to_string(path).map_err(|source| MappingError::Read {
                path: shown.clone(),
                source,
            })?,
        };
        Mapping::from_toml(&text, &shown)
    }

    /// A mapping from its TOML text, validated; `shown` names it in errors (its path). A
    /// mistake is placed by line, column and key.
    pub fn from_toml(text: &str, shown: &str) -> Result<Mapping, MappingError> {
        let mut mapping: Mapping = toml::from_str(text).map_err(|e| MappingError::Invalid {
            path: shown.to_string(),
            at: e.span().and_then(|span| toml_place::of_span(text, span)),
            message: e.message().to_string(),
        })?;
        mapping
            .take_values_from()
            .and_then(|()| mapping.validate())
            .map_err(|bad| {
                let key: Vec<&str> = bad.key.iter().map(String::as_str).collect();
                MappingError::Invalid {
                    path: shown.to_string(),
                    at: toml_place::of_key(text, &key),
                    message: bad.message,
                }
            })?;
        Ok(mapping)
    }

    /// The file's encoding, `None` for UTF-8 (validated at load).
    pub fn encoding(&self) -> Option<&'static Encoding> {
        let label = self.encoding.as_deref()?;
        Encoding::for_label(label.as_bytes()).filter(|e| *e != encoding_rs::UTF_8)
    }

    pub fn tz(&self) -> Tz {
        self.time_zone.parse().expect("validated at load")
    }

    /// Every column the mapping reads, each once.
    pub fn columns(&self) -> std::collections::BTreeSet<&str> {
        std::iter::once(self.id.as_str())
            .filter(|id| !id.is_empty())
            .chain(self.fields.values().flat_map(FieldSource::columns))
            .chain(self.offset.as_deref())
            .chain(self.offsets.values().map(String::as_str))
            .chain(self.lines.values().flat_map(PhoneLine::columns))
            .collect()
    }

    /// The column giving the UTC offset of `field`'s time, if the source stores one.
    pub fn offset_of(&self, field: &str) -> Option<&str> {
        self.offsets
            .get(field)
            .or(self.offset.as_ref())
            .map(String::as_str)
    }

    /// Adds the value maps of `values_from` for the fields this mapping does not translate.
    fn take_values_from(&mut self) -> Result<(), Invalid> {
        let Some(name) = &self.values_from else {
            return Ok(());
        };
        let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == name.as_str()) else {
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
            return Err(invalid(
                &["values_from"],
                format!(
                    "values_from = '{name}' is no built-in mapping; they are: {}",
                    names.join(", ")
                ),
            ));
        };
        let from = Mapping::from_toml(text, name)
            .map_err(|e| invalid(&["values_from"], format!("values_from = '{name}': {e}")))?;
        for (field, vm) in from.values {
            if self.fields.contains_key(&field) {
                self.values.entry(field).or_insert(vm);
            }
        }
        Ok(())
    }

    /// Checks everything that does not need the file: field names, codes, zone, formats.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.time_zone.parse::<Tz>().is_err() {
            return Err(invalid(
                &["time_zone"],
                format!("time_zone '{}' is not an IANA time zone", self.time_zone),
            ));
        }
        if let Some(label) = &self.encoding {
            if Encoding::for_label(label.as_bytes()).is_none() {
                return Err(invalid(
                    &["encoding"],
                    format!(
                        "encoding '{label}' is not one we know; use \"utf-8\" or \"gb18030\" \
                         (which also reads GBK and GB2312)"
                    ),
                ));
            }
        }
        if self.time_formats.is_empty() {
            return Err(invalid(
                &["time_formats"],
                "time_formats lists no format".into(),
            ));
        }
        for f in &self.time_formats {
            if chrono::format::StrftimeItems::new(f)
                .any(|i| matches!(i, chrono::format::Item::Error))
            {
                return Err(invalid(
                    &["time_formats"],
                    format!("time format '{f}' is not a valid chrono format"),
                ));
            }
        }
        let tables = [
            ("fields", self.fields.keys().collect::<Vec<_>>()),
            ("constants", self.constants.keys().collect()),
            ("values", self.values.keys().collect()),
            ("offsets", self.offsets.keys().collect()),
        ];
        for (table, keys) in tables {
            for field in keys {
                if field_type(self.record, field).is_none() {
                    let known: Vec<&str> = fields_of(self.record).iter().map(|(f, _)| *f).collect();
                    return Err(invalid(
                        &[table, field],
                        format!("unknown field '{field}'; fields are: {}", known.join(", ")),
                    ));
                }
            }
        }
        self.validate_shape()?;
        let required = fields_of(self.record)[0].0;
        if !self.fields.contains_key(required) && !self.constants.contains_key(required) {
            return Err(invalid(
                &["fields"],
                format!(
                    "field '{required}' must be mapped: every {:?} record needs it",
                    self.record
                ),
            ));
        }
        self.validate_rows()?;
        for field in self.offsets.keys() {
            if field_type(self.record, field) != Some(FieldType::Time) {
                return Err(invalid(
                    &["offsets", field],
                    format!("offsets.{field}: '{field}' is not a time, so it has no offset"),
                ));
            }
        }
        for (field, vm) in &self.values {
            if !self.fields.contains_key(field) {
                return Err(invalid(
                    &["values", field],
                    format!("values.{field} translates a field that no column feeds"),
                ));
            }
            if let Some(FieldType::Code(vocab)) = field_type(self.record, field) {
                for target in vm.map.values().chain(vm.default.iter()) {
                    if !vocab.accepts(target) {
                        return Err(invalid(
                            &["values", field],
                            format!(
                                "values.{field} maps to '{target}', which is not a {vocab:?} code; {}",
                                vocab.suggest(target)
                            ),
                        ));
                    }
                }
            }
            if vm.unknown == Unknown::Default && vm.default.is_none() {
                return Err(invalid(
                    &["values", field],
                    format!("values.{field}: unknown = \"default\" needs a default"),
                ));
            }
        }
        for (field, value) in &self.constants {
            if let Some(FieldType::Code(vocab)) = field_type(self.record, field) {
                if !vocab.accepts(value) {
                    return Err(invalid(
                        &["constants", field],
                        format!(
                            "constants.{field} = '{value}' is not a {vocab:?} code; {}",
                            vocab.suggest(value)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the mapping can describe what its file is: records keyed by an id, or a
    /// phone system's interval counts with their lines and bands.
    fn validate_shape(&self) -> Result<(), Invalid> {
        if self.record != RecordKind::PhoneInterval {
            if self.id.trim().is_empty() {
                return Err(invalid(
                    &["id"],
                    "id names no column: every record needs its id in the source system".into(),
                ));
            }
            if self.interval_minutes.is_some() || !self.lines.is_empty() {
                return Err(invalid(
                    &["lines"],
                    "interval_minutes and lines describe a phone system's interval counts: \
                     they need record = \"phone_interval\""
                        .into(),
                ));
            }
            // A row keyed by its own time stamp is an interval, not a record: an ACD's hourly
            // counts imported this way become one made-up call per hour.
            let required = fields_of(self.record)[0].0;
            let keyed_by_time = self.fields.get(required).is_some_and(|f| {
                matches!(&f.from, Origin::Column(c) if *c == self.id) && f.when.is_none()
            });
            if keyed_by_time {
                return Err(invalid(
                    &["id"],
                    format!(
                        "id '{}' is also the {required} time: each row would be one record per \
                         time stamp. A file of counts per interval (a phone system's calls \
                         offered and answered per hour) is record = \"phone_interval\"",
                        self.id
                    ),
                ));
            }
            return Ok(());
        }
        if !self.id.trim().is_empty() {
            return Err(invalid(
                &["id"],
                "a phone_interval row is named by its line and start; it has no id column".into(),
            ));
        }
        match self.interval_minutes {
            Some(m) if (1..=1440).contains(&m) => {}
            _ => {
                return Err(invalid(
                    &["interval_minutes"],
                    "interval_minutes must give the minutes each row covers (1 to 1440)".into(),
                ))
            }
        }
        if self.fields.get("start").is_some_and(|f| f.when.is_some()) {
            return Err(invalid(
                &["fields", "start"],
                "an interval's start is in every row: it takes no `when`".into(),
            ));
        }
        if self.lines.is_empty() {
            return Err(invalid(
                &["lines"],
                "lines lists no phone line: add [lines.NAME] with its offered, abandoned and \
                 answered_within columns"
                    .into(),
            ));
        }
        for (name, line) in &self.lines {
            let edges = line
                .edges()
                .map_err(|e| invalid(&["lines", name, "answered_within"], e))?;
            let have: Vec<u32> = edges.iter().map(|(e, _)| *e).collect();
            if !PHONE_ANSWER_EDGES_S.iter().all(|e| have.contains(e)) {
                let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                return Err(invalid(
                    &["lines", name, "answered_within"],
                    format!(
                        "the bands end at {} s; the answer figures need bands ending at {} s",
                        list(&have),
                        list(&PHONE_ANSWER_EDGES_S)
                    ),
                ));
            }
            if line.answered_after.is_some() == line.answered.is_some() {
                return Err(invalid(
                    &["lines", name],
                    "give either answered_after (calls answered after the last band) or \
                     answered (all calls answered), one of the two"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// A per-unit export needs incidents and the column naming each row's unit; a unit's
    /// clear time means nothing in a file of one row per incident.
    fn validate_rows(&self) -> Result<(), Invalid> {
        match self.rows {
            RowsPer::PerUnit if self.record != RecordKind::Incident => Err(invalid(
                &["rows"],
                "rows = \"per_unit\" combines the units of an incident: it needs record = \"incident\"".into(),
            )),
            RowsPer::PerUnit if !self.fields.contains_key("unit") => Err(invalid(
                &["rows"],
                "rows = \"per_unit\" needs the column naming each row's unit: add `unit = \"…\"` under [fields]".into(),
            )),
            RowsPer::PerIncident if self.fields.contains_key("cleared") => Err(invalid(
                &["fields", "cleared"],
                "field 'cleared' is a unit's clear time: it needs rows = \"per_unit\"".into(),
            )),
            _ => Ok(()),
        }
    }
}

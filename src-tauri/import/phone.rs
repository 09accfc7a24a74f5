//! One row of a phone system's interval export (`record = "phone_interval"`): per line, the
//! calls offered, abandoned and answered by band over the interval the row starts. Pure: no
//! file or database here.
//!
//! A row has no id: it is named by its line and start. On the night the clocks go back the
//! local hour that repeats appears on two rows; the rows are in time order, so the second is
//! the second pass. A lone row in that hour may hold both passes (some systems merge them)
//! and is reported.

use chrono::{Datelike, LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use csv::StringRecord;

use super::field_source::{Bound, Cell};
use super::fill::FillValues;
use super::header::Header;
use super::mapping::{Mapping, PhoneLine, PHONE_ANSWER_EDGES_S};
use super::parse::ParsedRow;
use super::time_format::TimeFormats;
use crate::core::model::{DataIssue, Millis, PhoneInterval, Severity};

const EARLIEST_YEAR: i32 = 1990;
const FUTURE_SLACK_MS: Millis = 24 * 3_600_000;

/// A column: its index in the file and its name.
type Col = (usize, String);

struct LineColumns {
    name: String,
    offered: Col,
    abandoned: Col,
    /// Band edges in seconds and their columns, in order.
    within: Vec<(u32, Col)>,
    after: Option<Col>,
    total: Option<Col>,
    cumulative: bool,
}

pub struct PhoneParser {
    source: String,
    file: String,
    tz: Tz,
    formats: TimeFormats,
    fills: FillValues,
    minutes: u32,
    /// The interval's start: a column, or a date and an hour joined.
    start: Bound,
    /// How problems with the start name its column(s).
    start_shown: String,
    lines: Vec<LineColumns>,
    now: Millis,
    /// Local times of the repeated hour read as their first pass, with their lines, until
    /// their second pass comes.
    awaiting_second: Vec<(NaiveDateTime, u64)>,
}

/// Why a count could not be read.
struct BadCount {
    column: String,
    raw: String,
    reason: String,
}

impl PhoneParser {
    /// Binds the mapping's columns to the file's header.
    pub fn new(
        mapping: &Mapping,
        header: &Header,
        file: &str,
        now: Millis,
    ) -> Result<PhoneParser, String> {
        let find = |col: &str, what: &str| -> Result<Col, String> {
            let ix = header.column(col, what, &mapping.name, file)?;
            Ok((ix, col.to_string()))
        };
        let source = mapping
            .fields
            .get("start")
            .ok_or_else(|| format!("mapping '{}' maps no start column", mapping.name))?;
        let start = Bound::new(
            source,
            &|col, what| header.column(col, what, &mapping.name, file),
            "field 'start'",
        )?;
        let start_shown = source.columns().collect::<Vec<_>>().join(" + ");
        let mut lines = Vec::new();
        for (name, line) in &mapping.lines {
            lines.push(Self::line_columns(name, line, &find)?);
        }
        Ok(PhoneParser {
            source: mapping.source.clone(),
            file: file.to_string(),
            tz: mapping.tz(),
            formats: TimeFormats::new(&mapping.time_formats),
            fills: FillValues::new(&mapping.null_values),
            minutes: mapping.interval_minutes.expect("validated at load"),
            start,
            start_shown,
            lines,
            now,
            awaiting_second: Vec::new(),
        })
    }

    fn line_columns(
        name: &str,
        line: &PhoneLine,
        find: &dyn Fn(&str, &str) -> Result<Col, String>,
    ) -> Result<LineColumns, String> {
        let what = |key: &str| format!("line '{name}' {key}");
        let mut within = Vec::new();
        for (edge, col) in line.edges().expect("validated at load") {
            within.push((
                edge,
                find(col, &what(&format!("answered within {edge} s")))?,
            ));
        }
        let optional = |col: &Option<String>, key: &str| {
            col.as_deref().map(|c| find(c, &what(key))).transpose()
        };
        Ok(LineColumns {
            name: name.to_string(),
            offered: find(&line.offered, &what("offered"))?,
            abandoned: find(&line.abandoned, &what("abandoned"))?,
            within,
            after: optional(&line.answered_after, "answered_after")?,
            total: optional(&line.answered, "answered")?,
            cumulative: line.cumulative,
        })
    }

    fn issue(&self, line: u64, column: &str, severity: Severity, reason: String) -> DataIssue {
        DataIssue {
            source: self.source.clone(),
            file: Some(self.file.clone()),
            line: Some(line),
            column: Some(column.to_string()),
            record_id: None,
            severity,
            reason,
            raw_value: None,
        }
    }

    /// Parses one data row. `line` is the row's line in the file (header = line 1).
    pub fn parse(&mut self, rec: &StringRecord, line: u64) -> ParsedRow {
        let mut row = ParsedRow::default();
        let raw = match self.start.read(rec, &self.fills, &mut row.fills) {
            Cell::Text { text, .. } => text.into_owned(),
            Cell::Fill | Cell::Excluded => String::new(),
        };
        let start = match self.start_of(&raw, line, &mut row.issues) {
            Ok(start) => start,
            Err(reason) => {
                let mut issue = self.issue(line, &self.start_shown, Severity::Rejected, reason);
                issue.raw_value = Some(raw);
                row.issues.push(issue);
                return row;
            }
        };
        for l in &self.lines {
            match self.counts(l, rec, &mut row.fills) {
                Ok(Some(mut interval)) => {
                    interval.start = start;
                    interval.source_id = PhoneInterval::source_id(&l.name, start);
                    let accounted = interval.answered_total() + interval.abandoned;
                    if accounted > interval.offered {
                        row.issues.push(self.issue(
                            line,
                            &l.offered.1,
                            Severity::Warning,
                            format!(
                                "more calls answered and abandoned than offered: line '{}' \
                                 offered {}, answered {}, abandoned {}",
                                l.name,
                                interval.offered,
                                interval.answered_total(),
                                interval.abandoned
                            ),
                        ));
                    }
                    row.phone.push(interval);
                }
                // Nothing counted on this line this interval: the system was not recording
                // it, which is not the same as no calls.
                Ok(None) => {}
                Err(bad) => {
                    let mut issue = self.issue(
                        line,
                        &bad.column,
                        Severity::Rejected,
                        format!("bad count: {}", bad.reason),
                    );
                    issue.raw_value = Some(bad.raw);
                    row.issues.push(issue);
                }
            }
        }
        row
    }

    /// The interval's start as UTC milliseconds, resolving the repeated hour by row order.
    fn start_of(
        &mut self,
        raw: &str,
        line: u64,
        issues: &mut Vec<DataIssue>,
    ) -> Result<Millis, String> {
        if raw.is_empty() {
            return Err("missing start time".into());
        }
        let local = self
            .formats
            .read(raw)
            .map_err(|e| format!("bad timestamp: {e}"))?;
        if local.year() < EARLIEST_YEAR {
            return Err(format!("impossible timestamp: before {EARLIEST_YEAR}"));
        }
        let start = match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => {
                self.report_lone_passes(issues);
                t.timestamp_millis()
            }
            LocalResult::Ambiguous(first, second) => {
                match self.awaiting_second.iter().position(|(l, _)| *l == local) {
                    Some(i) => {
                        self.awaiting_second.remove(i);
                        second.timestamp_millis()
                    }
                    None => {
                        self.awaiting_second.push((local, line));
                        first.timestamp_millis()
                    }
                }
            }
            LocalResult::None => {
                return Err(format!(
                    "impossible timestamp: {local} does not exist in {}, the clocks went \
                     forward over it",
                    self.tz
                ))
            }
        };
        if start > self.now + FUTURE_SLACK_MS {
            return Err("impossible timestamp: more than a day in the future".into());
        }
        Ok(start)
    }

    /// The night is past the repeated hour: a time of it read only once may hold both passes.
    fn report_lone_passes(&mut self, issues: &mut Vec<DataIssue>) {
        for (local, line) in std::mem::take(&mut self.awaiting_second) {
            issues.push(self.issue(
                line,
                &self.start_shown,
                Severity::Warning,
                format!(
                    "repeated hour written once: {local} happens twice on the night the \
                     clocks go back, and only one row has it; it was read as the first pass, \
                     and may hold both"
                ),
            ));
        }
    }

    /// One line's counts in the row; `None` when all of them are empty.
    fn counts(
        &self,
        l: &LineColumns,
        rec: &StringRecord,
        fills: &mut Vec<usize>,
    ) -> Result<Option<PhoneInterval>, BadCount> {
        let read = |(ix, name): &Col, fills: &mut Vec<usize>| -> Result<Option<i64>, BadCount> {
            let raw = rec.get(*ix).map(str::trim).unwrap_or("");
            if self.fills.holds(raw) {
                if !fills.contains(ix) {
                    fills.push(*ix);
                }
                return Ok(None);
            }
            // Some systems write counts as `12.0`.
            let n = raw
                .parse::<i64>()
                .ok()
                .or_else(|| {
                    raw.parse::<f64>()
                        .ok()
                        .filter(|v| v.fract() == 0.0 && v.abs() < 1e15)
                        .map(|v| v as i64)
                })
                .filter(|n| (0..=i64::from(u32::MAX)).contains(n));
            match n {
                Some(n) => Ok(Some(n)),
                None => Err(BadCount {
                    column: name.clone(),
                    raw: raw.to_string(),
                    reason: format!("'{raw}' is not a count of calls"),
                }),
            }
        };
        let offered = read(&l.offered, fills)?;
        let abandoned = read(&l.abandoned, fills)?;
        let mut within = Vec::with_capacity(l.within.len());
        for (edge, col) in &l.within {
            within.push((*edge, col, read(col, fills)?));
        }
        let after = l
            .after
            .as_ref()
            .map(|c| read(c, fills))
            .transpose()?
            .flatten();
        let total = l
            .total
            .as_ref()
            .map(|c| read(c, fills))
            .transpose()?
            .flatten();
        let anything = offered.is_some()
            || abandoned.is_some()
            || after.is_some()
            || total.is_some()
            || within.iter().any(|(_, _, n)| n.is_some());
        if !anything {
            return Ok(None);
        }
        let offered = offered.ok_or_else(|| BadCount {
            column: l.offered.1.clone(),
            raw: String::new(),
            reason: format!("line '{}' has counts but no calls offered", l.name),
        })?;
        // Calls answered within each edge, cumulative whatever the file writes.
        let mut cum = Vec::with_capacity(within.len());
        let mut running = 0;
        for (edge, col, n) in &within {
            let n = n.unwrap_or(0);
            let c = if l.cumulative { n } else { running + n };
            if c < running {
                return Err(BadCount {
                    column: col.1.clone(),
                    raw: n.to_string(),
                    reason: format!(
                        "answered within {edge} s is {c}, fewer than within the edge before \
                         ({running}): the column is not cumulative"
                    ),
                });
            }
            running = c;
            cum.push((*edge, c));
        }
        let answered_in_all = match (after, total) {
            (_, Some(t)) => t,
            (Some(a), None) => running + a,
            (None, None) => running,
        };
        if answered_in_all < running {
            let col = l.total.as_ref().map_or(&l.offered, |c| c);
            return Err(BadCount {
                column: col.1.clone(),
                raw: answered_in_all.to_string(),
                reason: format!(
                    "{answered_in_all} calls answered in all, fewer than the {running} \
                     answered within the bands"
                ),
            });
        }
        let within_edge = |edge: u32| cum.iter().find(|(e, _)| *e == edge).map_or(0, |(_, c)| *c);
        let [e10, e15, e20] = PHONE_ANSWER_EDGES_S.map(within_edge);
        Ok(Some(PhoneInterval {
            source: self.source.clone(),
            source_id: String::new(),
            line: l.name.clone(),
            start: 0,
            minutes: self.minutes,
            offered,
            abandoned: abandoned.unwrap_or(0),
            answered: [e10, e15 - e10, e20 - e15, answered_in_all - e20],
        }))
    }
}

//! A CSV export's rows through a mapping, in file order: split by the CSV reader, parsed by
//! `RowParser`, a repeated id named. No store here, so the importer and the fuzzer
//! (`fuzz/`) read files through the same code.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use csv::{Reader, ReaderBuilder, StringRecord};

use super::error::ImportError;
use super::mapping::Mapping;
use super::parse::{ParsedRow, RowParser};
use crate::core::caller::CallerKeyer;
use crate::core::model::{DataIssue, Millis, Severity};

pub struct Rows<R> {
    reader: Reader<R>,
    header: StringRecord,
    parser: RowParser,
    file: String,
    source: String,
    id_column: String,
    /// Each stored id and the line it was first seen on.
    seen: HashMap<String, u64>,
    rec: StringRecord,
    line: u64,
}

impl Rows<std::fs::File> {
    pub fn from_path(
        path: &Path,
        mapping: &Mapping,
        keyer: CallerKeyer,
        now: Millis,
    ) -> Result<Self, ImportError> {
        let file = path.display().to_string();
        let input = std::fs::File::open(path).map_err(|source| ImportError::Unreadable {
            file: file.clone(),
            source,
        })?;
        Rows::new(input, &file, mapping, keyer, now)
    }
}

impl<R: io::Read> Rows<R> {
    /// Reads the header and binds the mapping to it; `file` names the input in messages.
    /// `now` bounds plausible timestamps.
    pub fn new(
        input: R,
        file: &str,
        mapping: &Mapping,
        keyer: CallerKeyer,
        now: Millis,
    ) -> Result<Self, ImportError> {
        let mut reader = ReaderBuilder::new().flexible(false).from_reader(input);
        let header = reader.headers().map_err(|e| read_error(file, e))?.clone();
        if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
            return Err(ImportError::NoHeader {
                file: file.to_string(),
                detail: "the file is empty".into(),
            });
        }
        let parser =
            RowParser::new(mapping, &header, file, keyer, now).map_err(ImportError::Header)?;
        Ok(Rows {
            reader,
            header,
            parser,
            file: file.to_string(),
            source: mapping.source.clone(),
            id_column: mapping.id.clone(),
            seen: HashMap::new(),
            rec: StringRecord::new(),
            line: 1,
        })
    }

    pub fn header(&self) -> &StringRecord {
        &self.header
    }

    /// The line of the last row read (the header is line 1).
    pub fn line(&self) -> u64 {
        self.line
    }

    fn rejected(&self, column: Option<&str>, id: Option<&str>, reason: String) -> DataIssue {
        DataIssue {
            source: self.source.clone(),
            file: Some(self.file.clone()),
            line: Some(self.line),
            column: column.map(str::to_string),
            record_id: id.map(str::to_string),
            severity: Severity::Rejected,
            reason,
            raw_value: id.map(str::to_string),
        }
    }
}

impl<R: io::Read> Iterator for Rows<R> {
    /// Each row parsed, a malformed one as a rejected row; an error only when the input
    /// cannot be read on.
    type Item = Result<ParsedRow, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_record(&mut self.rec) {
            Ok(false) => None,
            Ok(true) => {
                self.line = self.rec.position().map_or(self.line + 1, |p| p.line());
                let mut row = self.parser.parse(&self.rec, self.line);
                if let Some(id) = &row.id {
                    if let Some(first) = self.seen.get(id) {
                        let issue = self.rejected(
                            Some(&self.id_column),
                            Some(id),
                            format!("duplicate id, first seen on line {first}"),
                        );
                        row.issues.push(issue);
                    } else if !row.rejected() {
                        self.seen.insert(id.clone(), self.line);
                    }
                }
                Some(Ok(row))
            }
            Err(e) => {
                self.line = e.position().map_or(self.line + 1, |p| p.line());
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Some(Err(read_error(&self.file, e)));
                }
                // A row the CSV reader cannot split (wrong field count, broken quoting,
                // invalid UTF-8): named, and reading goes on with the next one.
                let reason = format!("malformed CSV row: {}", csv_reason(&e));
                Some(Ok(ParsedRow {
                    issues: vec![self.rejected(None, None, reason)],
                    ..ParsedRow::default()
                }))
            }
        }
    }
}

/// The input could not be read (the file), or could not be read as CSV (its header).
fn read_error(file: &str, e: csv::Error) -> ImportError {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Unreadable {
            file: file.to_string(),
            source,
        },
        other => ImportError::NoHeader {
            file: file.to_string(),
            detail: format!("{other:?}"),
        },
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not valid UTF-8", err.field() + 1),
        _ => e.to_string(),
    }
}

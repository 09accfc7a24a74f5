//! A CSV export's rows through a mapping, in file order: split by the CSV reader, parsed by
//! `RowParser`, each row numbered by its line in the file. A repeated id is no problem
//! here: a cumulative export appends a record's updated row, which replaces the earlier
//! (`batch`). No store here, so the importer, the folder watch and the fuzzer (`fuzz/`)
//! read files through the same code.

use std::io::Read;

use csv::{Reader, ReaderBuilder, StringRecord};

use super::header::Header;
use super::input;
use super::mapping::Mapping;
use super::mapping::RecordKind;
use super::parse::{ParsedRow, RowParser};
use super::phone::PhoneParser;
use super::run::ImportError;
use crate::core::caller::CallerKeyer;
use crate::core::model::{DataIssue, Millis, Severity};

/// Records keyed by an id, or a phone system's interval counts.
enum Parser {
    Records(RowParser),
    Phone(PhoneParser),
}

pub struct Rows<R> {
    reader: Reader<R>,
    header: Header,
    parser: Parser,
    file: String,
    source: String,
    mapping_name: String,
    rec: StringRecord,
    /// The line of the row read last.
    line: u64,
    /// Lines of the file before the header this reader saw (a watch reads a grown file from
    /// where it stopped, after the header read again).
    offset: u64,
}

impl Rows<Box<dyn Read + Send>> {
    /// A whole file held in memory, as the importer would read it from disk.
    pub fn of_bytes(
        bytes: Vec<u8>,
        file: &str,
        mapping: &Mapping,
        keyer: CallerKeyer,
        now: Millis,
    ) -> Result<Self, ImportError> {
        let text = input::decode(std::io::Cursor::new(bytes), mapping.encoding());
        Rows::new(text, file, 1, mapping, keyer, now)
    }
}

impl<R: Read> Rows<R> {
    /// Reads the header and binds the mapping to it. `text` is the file as `input` gives it;
    /// `lines_before` is how many of the file's lines come before the first row given, its
    /// header counted (1 for a whole file). `now` bounds plausible timestamps.
    pub fn new(
        text: R,
        file: &str,
        lines_before: u64,
        mapping: &Mapping,
        keyer: CallerKeyer,
        now: Millis,
    ) -> Result<Self, ImportError> {
        let mut reader = ReaderBuilder::new().flexible(false).from_reader(text);
        let header = read_header(&mut reader, file, mapping)?;
        let parser = match mapping.record {
            RecordKind::PhoneInterval => {
                PhoneParser::new(mapping, &header, file, now).map(Parser::Phone)
            }
            _ => RowParser::new(mapping, &header, file, keyer, now).map(Parser::Records),
        }
        .map_err(ImportError::Header)?;
        Ok(Rows {
            reader,
            header,
            parser,
            file: file.to_string(),
            source: mapping.source.clone(),
            mapping_name: mapping.name.clone(),
            rec: StringRecord::new(),
            line: lines_before,
            offset: lines_before.saturating_sub(1),
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The line of the row read last.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The row read last, rejected as a whole (no column, no id).
    fn rejected(&self, reason: String) -> DataIssue {
        DataIssue {
            source: self.source.clone(),
            file: Some(self.file.clone()),
            line: Some(self.line),
            column: None,
            record_id: None,
            severity: Severity::Rejected,
            reason,
            raw_value: None,
        }
    }

    /// A row the CSV reader cannot split (wrong field count, broken quoting) is a rejected
    /// row. Text that is not UTF-8 stops the reading: the mapping names the wrong encoding,
    /// and every row with a Chinese character would be rejected one by one.
    fn malformed(&mut self, e: csv::Error) -> Result<ParsedRow, ImportError> {
        self.line = e
            .position()
            .map_or(self.line + 1, |p| p.line() + self.offset);
        if let csv::ErrorKind::Utf8 { err, .. } = e.kind() {
            return Err(ImportError::NotUtf8 {
                file: self.file.clone(),
                line: self.line,
                what: format!(
                    "field {} (column '{}')",
                    err.field() + 1,
                    self.header.name(err.field())
                ),
                mapping: self.mapping_name.clone(),
            });
        }
        if e.is_io_error() {
            let csv::ErrorKind::Io(source) = e.into_kind() else {
                unreachable!("an I/O error is of kind Io")
            };
            return Err(ImportError::Unreadable {
                file: self.file.clone(),
                source,
            });
        }
        let reason = format!("malformed CSV row: {}", csv_reason(&e));
        Ok(ParsedRow {
            issues: vec![self.rejected(reason)],
            ..ParsedRow::default()
        })
    }
}

impl<R: Read> Iterator for Rows<R> {
    /// Each row parsed, a malformed one as a rejected row; an error when the reading cannot
    /// go on (the file, or text the mapping's encoding cannot read).
    type Item = Result<ParsedRow, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_record(&mut self.rec) {
            Ok(false) => None,
            Ok(true) => {
                self.line = self
                    .rec
                    .position()
                    .map_or(self.line + 1, |p| p.line() + self.offset);
                let row = match &mut self.parser {
                    Parser::Records(p) => p.parse(&self.rec, self.line),
                    Parser::Phone(p) => p.parse(&self.rec, self.line),
                };
                Some(Ok(row))
            }
            Err(e) => Some(self.malformed(e)),
        }
    }
}

fn read_header<R: Read>(
    reader: &mut Reader<R>,
    file: &str,
    mapping: &Mapping,
) -> Result<Header, ImportError> {
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            if let csv::ErrorKind::Utf8 { err, .. } = e.kind() {
                return Err(ImportError::NotUtf8 {
                    file: file.to_string(),
                    line: 1,
                    what: format!("the header's field {}", err.field() + 1),
                    mapping: mapping.name.clone(),
                });
            }
            return Err(match e.into_kind() {
                csv::ErrorKind::Io(source) => ImportError::Unreadable {
                    file: file.to_string(),
                    source,
                },
                other => ImportError::NoHeader {
                    file: file.to_string(),
                    detail: format!("{other:?}"),
                },
            });
        }
    };
    if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
        return Err(ImportError::NoHeader {
            file: file.to_string(),
            detail: "the file is empty".into(),
        });
    }
    Ok(Header::new(&header))
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields where the header has {expected_len}")
        }
        _ => e.to_string(),
    }
}

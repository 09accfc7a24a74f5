//! Reading a CSV export through a mapping into the store, idempotently: records are keyed by
//! source id, so a second import of the same file stores nothing twice and an updated row
//! updates its record. Bad rows are named (file, line, column, reason) and skipped; good
//! rows are stored; a failure part-way keeps every batch already committed.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use csv::{ReaderBuilder, StringRecord};

use super::mapping::{Mapping, MappingError};
use super::parse::RowParser;
use crate::core::caller::CallerKeyer;
use crate::core::model::{Batch, DataIssue, Millis, Severity};
use crate::store::{ImportCounts, Store, StoreError};

const BATCH_ROWS: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {source}")]
    Unreadable {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} has no header row: {detail}")]
    NoHeader { file: String, detail: String },
    #[error("{0}")]
    Header(String),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("import of {file} stopped at line {line}: {source}. The {stored} rows before it are stored; importing the file again resumes safely")]
    Interrupted {
        file: String,
        line: u64,
        stored: u64,
        source: StoreError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub file: String,
    pub mapping: String,
    pub rows_read: u64,
    /// Rows stored (possibly with warnings).
    pub rows_stored: u64,
    pub rows_rejected: u64,
    pub rows_with_warnings: u64,
    /// Records that did not exist before.
    pub records_new: i64,
    /// Records that existed and changed.
    pub records_updated: i64,
    /// Records written again with the same values.
    pub records_unchanged: i64,
    /// Column → rows where it held a fill value (NULL, -9999, empty).
    pub fills: BTreeMap<String, u64>,
    pub issues: Vec<DataIssue>,
    pub elapsed: Duration,
}

impl ImportSummary {
    pub fn rows_per_second(&self) -> f64 {
        self.rows_read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Imports `path` through `mapping`. `now` bounds plausible timestamps and stamps the log.
pub async fn import_file(
    store: &Store,
    path: &Path,
    mapping: &Mapping,
    keyer: CallerKeyer,
    now: Millis,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let file = path.display().to_string();
    let mut reader = ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| unreadable(&file, e))?;
    let header = reader
        .headers()
        .map_err(|e| ImportError::NoHeader {
            file: file.clone(),
            detail: e.to_string(),
        })?
        .clone();
    if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
        return Err(ImportError::NoHeader {
            file,
            detail: "the file is empty".into(),
        });
    }
    let parser =
        RowParser::new(mapping, &header, &file, keyer, now).map_err(ImportError::Header)?;

    let before = store.source_counts(&mapping.source).await?;
    let import_id = store.begin_import(&mapping.source, &file, now).await?;
    let mut summary = ImportSummary {
        file: file.clone(),
        mapping: mapping.name.clone(),
        ..Default::default()
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut fills: HashMap<usize, u64> = HashMap::new();
    let mut batch = Batch::default();
    let mut pending_issues: Vec<DataIssue> = Vec::new();
    let mut batch_rows = 0u64;
    let mut written = 0i64;
    let mut changed = 0i64;
    let mut rec = StringRecord::new();
    let mut line = 1u64;
    loop {
        match reader.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                line = rec.position().map_or(line + 1, |p| p.line());
                summary.rows_read += 1;
                let mut row = parser.parse(&rec, line);
                if let Some(id) = &row.id {
                    if let Some(first) = seen.get(id) {
                        row.issues.push(DataIssue {
                            source: mapping.source.clone(),
                            file: Some(file.clone()),
                            line: Some(line),
                            column: Some(mapping.id.clone()),
                            record_id: Some(id.clone()),
                            severity: Severity::Rejected,
                            reason: format!("duplicate id, first seen on line {first}"),
                            raw_value: Some(id.clone()),
                        });
                    } else if !row.rejected() {
                        seen.insert(id.clone(), line);
                    }
                }
                for ix in &row.fills {
                    *fills.entry(*ix).or_default() += 1;
                }
                if row.rejected() {
                    summary.rows_rejected += 1;
                } else {
                    summary.rows_stored += 1;
                    if !row.issues.is_empty() {
                        summary.rows_with_warnings += 1;
                    }
                    batch.calls.extend(row.call.take());
                    batch.incidents.extend(row.incident.take());
                    batch.work_orders.extend(row.order.take());
                    batch_rows += 1;
                }
                pending_issues.append(&mut row.issues);
            }
            Err(e) => {
                // A row the CSV reader cannot split (wrong field count, broken quoting,
                // invalid UTF-8): name it and go on with the next one.
                let at = e.position().map_or(line + 1, |p| p.line());
                line = at;
                summary.rows_read += 1;
                summary.rows_rejected += 1;
                pending_issues.push(DataIssue {
                    source: mapping.source.clone(),
                    file: Some(file.clone()),
                    line: Some(at),
                    column: None,
                    record_id: None,
                    severity: Severity::Rejected,
                    reason: format!("malformed CSV row: {}", csv_reason(&e)),
                    raw_value: None,
                });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(unreadable(&file, e));
                }
            }
        }
        if batch_rows as usize >= BATCH_ROWS {
            let n = flush(store, &mut batch, &mut pending_issues, &mut summary, now)
                .await
                .map_err(|source| ImportError::Interrupted {
                    file: file.clone(),
                    line,
                    stored: summary.rows_stored - batch_rows,
                    source,
                })?;
            written += n.0;
            changed += n.1;
            batch_rows = 0;
        }
    }
    let n = flush(store, &mut batch, &mut pending_issues, &mut summary, now)
        .await
        .map_err(|source| ImportError::Interrupted {
            file: file.clone(),
            line,
            stored: summary.rows_stored - batch_rows,
            source,
        })?;
    written += n.0;
    changed += n.1;

    let after = store.source_counts(&mapping.source).await?;
    summary.records_new = after.total() - before.total();
    summary.records_updated = changed - summary.records_new;
    summary.records_unchanged = written - changed;
    summary.fills = fills
        .into_iter()
        .map(|(ix, n)| (header.get(ix).unwrap_or("?").to_string(), n))
        .collect();
    summary.elapsed = started.elapsed();
    let counts = ImportCounts {
        rows_read: summary.rows_read,
        rows_stored: summary.rows_stored,
        rows_rejected: summary.rows_rejected,
        warnings: summary
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
            .count() as u64,
    };
    store.finish_import(import_id, now, counts).await?;
    Ok(summary)
}

/// Writes the batch and its issues; returns (records written, records changed).
async fn flush(
    store: &Store,
    batch: &mut Batch,
    issues: &mut Vec<DataIssue>,
    summary: &mut ImportSummary,
    now: Millis,
) -> Result<(i64, i64), StoreError> {
    let n = batch.len() as i64;
    let stats = store.write(batch).await?;
    store.log_issues(issues, now).await?;
    summary.issues.append(issues);
    *batch = Batch::default();
    Ok((n, stats.changed as i64))
}

fn unreadable(file: &str, e: csv::Error) -> ImportError {
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

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Imported {} with mapping '{}'", self.file, self.mapping)?;
        writeln!(
            f,
            "  rows: {} read, {} stored ({} with warnings), {} rejected",
            self.rows_read, self.rows_stored, self.rows_with_warnings, self.rows_rejected
        )?;
        writeln!(
            f,
            "  records: {} new, {} updated, {} unchanged",
            self.records_new, self.records_updated, self.records_unchanged
        )?;
        writeln!(
            f,
            "  time: {:.2} s ({:.0} rows/s)",
            self.elapsed.as_secs_f64(),
            self.rows_per_second()
        )?;
        if !self.fills.is_empty() {
            writeln!(f, "  empty or fill values (NULL, -9999, blank) by column:")?;
            for (col, n) in &self.fills {
                writeln!(f, "    {col}: {n}")?;
            }
        }
        if !self.issues.is_empty() {
            let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
            for i in &self.issues {
                let key = format!(
                    "{} {}: {}",
                    i.severity.code(),
                    i.column.as_deref().unwrap_or("-"),
                    i.kind()
                );
                *by_reason.entry(key).or_default() += 1;
            }
            writeln!(f, "  problems by kind (all are in the data_quality table):")?;
            for (k, n) in &by_reason {
                writeln!(f, "    {n:>6}  {k}")?;
            }
            writeln!(f, "  first problems:")?;
            for i in self.issues.iter().take(10) {
                writeln!(f, "    {i}")?;
            }
        }
        Ok(())
    }
}

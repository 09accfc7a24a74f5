//! Reading a CSV export through a mapping into the store, idempotently: records are keyed by
//! source id, so a second import of the same file stores nothing twice and an updated row
//! updates its record. Bad rows are named (file, line, column, reason) and skipped; good
//! rows are stored; a failure part-way keeps every batch already committed.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use super::error::ImportError;
use super::mapping::Mapping;
use super::read::Rows;
use crate::core::caller::CallerKeyer;
use crate::core::model::{Batch, DataIssue, Millis, Severity};
use crate::store::{ImportCounts, Store, StoreError};

const BATCH_ROWS: usize = 5_000;

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
    let mut rows = Rows::from_path(path, mapping, keyer, now)?;

    let before = store.source_counts(&mapping.source).await?;
    let import_id = store.begin_import(&mapping.source, &file, now).await?;
    let mut summary = ImportSummary {
        file: file.clone(),
        mapping: mapping.name.clone(),
        ..Default::default()
    };
    let mut fills: HashMap<usize, u64> = HashMap::new();
    let mut batch = Batch::default();
    let mut pending_issues: Vec<DataIssue> = Vec::new();
    let mut batch_rows = 0u64;
    let mut written = 0i64;
    let mut changed = 0i64;
    while let Some(row) = rows.next() {
        let mut row = row?;
        let line = rows.line();
        summary.rows_read += 1;
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
            line: rows.line(),
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
        .map(|(ix, n)| (rows.header().get(ix).unwrap_or("?").to_string(), n))
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

//! What an import did, as the person who ran it reads it: counts, fill values by column,
//! and problems grouped by kind, each kind with its count and its first few rows.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::core::model::DataIssue;

/// Rows shown in full under each kind of problem.
const EXAMPLES: usize = 3;

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
    /// Column → rows where it held a fill value (NULL, -9999, empty); a column feeding
    /// two fields counts once a row.
    pub fills: BTreeMap<String, u64>,
    pub issues: Vec<DataIssue>,
    pub elapsed: Duration,
}

impl ImportSummary {
    pub fn rows_per_second(&self) -> f64 {
        self.rows_read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The problems by kind (severity, column, reason without its particulars), in the
    /// order each kind first occurred, with every issue of the kind.
    pub fn problems_by_kind(&self) -> Vec<(String, Vec<&DataIssue>)> {
        let mut kinds: Vec<(String, Vec<&DataIssue>)> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for i in &self.issues {
            let key = format!(
                "{} {}: {}",
                i.severity.code(),
                i.column.as_deref().unwrap_or("-"),
                i.kind()
            );
            let at = *index.entry(key.clone()).or_insert_with(|| {
                kinds.push((key, Vec::new()));
                kinds.len() - 1
            });
            kinds[at].1.push(i);
        }
        kinds
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
            writeln!(f, "  problems by kind (all are in the data_quality table):")?;
            for (kind, issues) in self.problems_by_kind() {
                writeln!(f, "    {:>6}  {kind}", issues.len())?;
                for i in issues.iter().take(EXAMPLES) {
                    writeln!(f, "              {i}")?;
                }
                if issues.len() > EXAMPLES {
                    writeln!(f, "              … and {} more", issues.len() - EXAMPLES)?;
                }
            }
        }
        Ok(())
    }
}

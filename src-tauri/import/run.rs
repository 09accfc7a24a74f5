//! Reading a CSV export through a mapping into the store, idempotently: records are keyed by
//! source id, so a second import of the same file stores nothing twice and an updated row
//! updates its record. Bad rows are named (file, line, column, reason) and skipped; good
//! rows are stored; a failure part-way keeps every batch already committed, and the import
//! is recorded as interrupted, with why.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::batch::Gather;
use super::input;
use super::mapping::{Mapping, MappingError};
use super::parse::ParsedRow;
use super::read::Rows;
pub use super::summary::ImportSummary;
use crate::core::caller::CallerKeyer;
use crate::core::model::{DataIssue, Millis, Severity};
use crate::store::{ImportCounts, ImportState, Store, StoreError, WriteStats};

/// Rows stored, or problems logged, per write: one transaction and one heartbeat each.
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
    #[error("{file}:{line}: {what} is not valid UTF-8, the encoding mapping '{mapping}' reads. A CSV saved by Excel on a Chinese desktop is GBK: add `encoding = \"gb18030\"` to the mapping (it reads GBK and GB2312 too)")]
    NotUtf8 {
        file: String,
        line: u64,
        /// The field at fault: "the header's field 3", "field 5 (column 'addr')".
        what: String,
        mapping: String,
    },
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

/// How far an import has got: rows read, and the file's bytes taken of all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub rows: u64,
    pub bytes: u64,
    pub total_bytes: u64,
}

/// Imports `path` through `mapping`. `now` bounds plausible timestamps and stamps the log.
pub async fn import_file(
    store: &Store,
    path: &Path,
    mapping: &Mapping,
    keyer: CallerKeyer,
    now: Millis,
) -> Result<ImportSummary, ImportError> {
    import_file_showing(store, path, mapping, keyer, now, &mut |_| {}).await
}

/// `import_file`, telling `progress` how far it has got after every batch.
pub async fn import_file_showing(
    store: &Store,
    path: &Path,
    mapping: &Mapping,
    keyer: CallerKeyer,
    now: Millis,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary, ImportError> {
    let file = path.display().to_string();
    let unreadable = |source| ImportError::Unreadable {
        file: file.clone(),
        source,
    };
    let total_bytes = std::fs::metadata(path).map_err(unreadable)?.len();
    let taken = Arc::new(AtomicU64::new(0));
    let text = input::open(path, mapping.encoding(), taken.clone()).map_err(unreadable)?;
    let read = Input {
        text,
        file,
        lines_before: 1,
        total_bytes,
        taken,
    };
    import_read(store, read, mapping, keyer, now, progress).await
}

/// Rows read from a file or part of one: its header, then rows. `lines_before` is how many
/// of the file's lines come before the rows given (its header counted), so the rows are named
/// by their lines in the file.
pub struct Input {
    pub text: Box<dyn std::io::Read + Send>,
    pub file: String,
    pub lines_before: u64,
    pub total_bytes: u64,
    /// The file's bytes taken so far, for progress.
    pub taken: Arc<AtomicU64>,
}

/// Imports the rows of `read` through `mapping`, as `import_file` does a whole file.
pub async fn import_read(
    store: &Store,
    read: Input,
    mapping: &Mapping,
    keyer: CallerKeyer,
    now: Millis,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let Input {
        text,
        file,
        lines_before,
        total_bytes,
        taken,
    } = read;
    let mut rows = Rows::new(text, &file, lines_before, mapping, keyer, now)?;

    let before = store.source_counts(&mapping.source).await?;
    let import_id = store.begin_import(&mapping.source, &file, now).await?;
    let mut run = Run {
        store,
        import_id,
        now,
        summary: ImportSummary {
            file: file.clone(),
            mapping: mapping.name.clone(),
            ..Default::default()
        },
        fills: HashMap::new(),
        batch: Gather::default(),
        pending: Vec::new(),
        warnings: 0,
        written: 0,
        changed: 0,
        line: lines_before,
    };
    let mut show = |rows| {
        progress(Progress {
            rows,
            bytes: taken.load(Ordering::Relaxed),
            total_bytes,
        })
    };
    if let Err(e) = run.read_all(&mut rows, &mut show).await {
        let why = e.to_string();
        if let Err(also) = store
            .update_import(import_id, run.counts(), ImportState::Interrupted { why })
            .await
        {
            tracing::warn!("could not record that the import of {file} stopped: {also}");
        }
        return Err(e);
    }

    let after = store.source_counts(&mapping.source).await?;
    let mut summary = run.summary;
    summary.records_new = after.total() - before.total();
    summary.records_updated = run.changed - summary.records_new;
    summary.records_unchanged = run.written - run.changed;
    summary.fills = run
        .fills
        .into_iter()
        .map(|(ix, n)| (rows.header().name(ix).to_string(), n))
        .collect();
    summary.elapsed = started.elapsed();
    let counts = ImportCounts {
        rows_read: summary.rows_read,
        rows_stored: summary.rows_stored,
        rows_rejected: summary.rows_rejected,
        warnings: run.warnings,
    };
    store
        .update_import(import_id, counts, ImportState::Finished { at: now })
        .await?;
    Ok(summary)
}

/// One import under way: what is read, held for the next write, and counted.
struct Run<'a> {
    store: &'a Store,
    import_id: i64,
    now: Millis,
    summary: ImportSummary,
    /// Column → rows where it held a fill value.
    fills: HashMap<usize, u64>,
    batch: Gather,
    /// Problems found since the last write.
    pending: Vec<DataIssue>,
    warnings: u64,
    /// Records written, and those of them that changed.
    written: i64,
    changed: i64,
    /// The line of the row read last.
    line: u64,
}

/// A batch being written while the rows of the next one are read: parsing and SQLite then
/// run on the two cores side by side, in order (one write at a time).
struct Flight {
    task: tokio::task::JoinHandle<Result<(WriteStats, Vec<DataIssue>), StoreError>>,
    records: i64,
    /// The line of its last row, and the rows stored before it: where an import that stops
    /// on it stopped.
    line: u64,
    stored_before: u64,
}

impl Run<'_> {
    async fn read_all<R: Read>(
        &mut self,
        rows: &mut Rows<R>,
        show: &mut (dyn FnMut(u64) + Send),
    ) -> Result<(), ImportError> {
        let mut flying: Option<Flight> = None;
        while let Some(row) = rows.next() {
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    // What was read before the file failed is stored all the same.
                    if let Some(f) = flying.take() {
                        self.land(f).await?;
                    }
                    return Err(e);
                }
            };
            self.line = rows.line();
            self.take(row);
            if self.batch.rows() >= BATCH_ROWS || self.pending.len() >= BATCH_ROWS {
                if let Some(f) = flying.take() {
                    self.land(f).await?;
                }
                flying = Some(self.launch());
                show(self.summary.rows_read);
            }
        }
        if let Some(f) = flying.take() {
            self.land(f).await?;
        }
        let last = self.launch();
        self.land(last).await?;
        show(self.summary.rows_read);
        Ok(())
    }

    fn take(&mut self, mut row: ParsedRow) {
        self.summary.rows_read += 1;
        for ix in &row.fills {
            *self.fills.entry(*ix).or_default() += 1;
        }
        if row.rejected() {
            self.summary.rows_rejected += 1;
        } else {
            self.summary.rows_stored += 1;
            if !row.issues.is_empty() {
                self.summary.rows_with_warnings += 1;
            }
            self.batch.add(&mut row);
        }
        self.pending.append(&mut row.issues);
    }

    /// Starts writing the batch and its problems.
    fn launch(&mut self) -> Flight {
        let rows = self.batch.rows() as u64;
        let batch = self.batch.take();
        let issues = std::mem::take(&mut self.pending);
        let (store, now) = (self.store.clone(), self.now);
        let records = batch.len() as i64;
        let task = tokio::spawn(async move {
            let stats = store.write(&batch).await?;
            store.log_issues(&issues, now).await?;
            Ok((stats, issues))
        });
        Flight {
            task,
            records,
            line: self.line,
            stored_before: self.summary.rows_stored - rows,
        }
    }

    /// Waits for a batch's write, counts it, and beats the import's heartbeat.
    async fn land(&mut self, f: Flight) -> Result<(), ImportError> {
        let (stats, mut issues) = match f.task.await {
            Ok(Ok(done)) => done,
            Ok(Err(source)) => {
                return Err(ImportError::Interrupted {
                    file: self.summary.file.clone(),
                    line: f.line,
                    stored: f.stored_before,
                    source,
                })
            }
            // The write panicked: the same panic, here.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        self.written += f.records;
        self.changed += stats.changed as i64;
        self.warnings += issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
            .count() as u64;
        self.summary.issues.append(&mut issues);
        self.store
            .update_import(self.import_id, self.counts(), ImportState::Running)
            .await?;
        Ok(())
    }

    fn counts(&self) -> ImportCounts {
        ImportCounts {
            rows_read: self.summary.rows_read,
            rows_stored: self.summary.rows_stored,
            rows_rejected: self.summary.rows_rejected,
            warnings: self.warnings,
        }
    }
}

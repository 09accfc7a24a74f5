//! The one interface to stored data. The URL scheme picks the backend; everything above
//! this module speaks `Store` and the core's records, never SQL.
//!
//! This file is backend-neutral: the `Backend` trait (every operation a backend answers),
//! the `Store` handle over one, and the values they exchange. Each backend lives in a
//! folder of its own (`sqlite/`; `postgres/` later) and is reached only through `Store`.

mod error;
pub mod naive;
mod rows;
mod sqlite;

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::core::model::OverdueOrder;
pub use error::StoreError;

use serde::Serialize;

use crate::config::Config;
use crate::core::alerts::lifecycle::Event;
use crate::core::kpi::engine::Key;
use crate::core::kpi::facts::{Fact, Zones};
use crate::core::kpi::filter::{Fields, Filter};
use crate::core::kpi::window::Span;
use crate::core::model::{Batch, DataIssue, Millis, ProblemKind};
use crate::core::repeat::{Periods, ReportedCall, Scope, Thresholds};

/// What one write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Rows inserted or updated with different values.
    pub changed: u64,
    /// The change number the write was stored under.
    pub seq: i64,
}

/// Row counts per table, and what `db check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    pub url: String,
    pub schema_version: i64,
    pub integrity: String,
    pub journal_mode: String,
    pub change_seq: i64,
    pub calls: i64,
    pub incidents: i64,
    pub work_orders: i64,
    pub callbacks: i64,
    pub data_issues: i64,
    /// Imports run, and those of them that stopped before their end.
    pub imports: i64,
    pub imports_interrupted: i64,
    pub first_call: Option<Millis>,
    pub last_call: Option<Millis>,
}

/// Rows of one source per table, to tell new rows from updated ones around an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceCounts {
    pub calls: i64,
    pub incidents: i64,
    pub work_orders: i64,
    pub callbacks: i64,
    pub phone_intervals: i64,
    /// Units of incidents a source lists one row per unit.
    pub units: i64,
}

impl SourceCounts {
    pub fn total(&self) -> i64 {
        self.calls
            + self.incidents
            + self.work_orders
            + self.callbacks
            + self.phone_intervals
            + self.units
    }
}

/// Counts kept in the `imports` table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub rows_read: u64,
    pub rows_stored: u64,
    pub rows_rejected: u64,
    pub warnings: u64,
}

/// Where an import stands, as `update_import` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportState {
    Running,
    Finished {
        at: Millis,
    },
    /// Stopped before the end of its file, and why.
    Interrupted {
        why: String,
    },
}

/// An import whose heartbeat has been silent this long is taken for dead: batches beat it
/// many times a second, and a batch waits at most SQLite's busy timeout (5 s).
pub const IMPORT_SILENT_MS: Millis = 10 * 60_000;

/// What a folder watch took of one file: its identity (device, inode), the bytes up to the
/// end of its last complete row taken, and the file's lines up to there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub identity: (u64, u64),
    pub bytes: u64,
    pub lines: u64,
}

/// What the wall says about imports: the last one finished, and the folder watch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportStatus {
    pub last: Option<LastImport>,
    pub watch: Option<WatchStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastImport {
    pub source: String,
    /// The file's name, without its folder.
    pub file: String,
    pub at: Millis,
    pub rows_read: u64,
    pub rows_stored: u64,
    pub rows_rejected: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchStatus {
    pub dir: String,
    pub mapping: String,
    /// Its last poll: a watch that stopped polling is no longer watching.
    pub polled: Millis,
    pub error: Option<String>,
}

/// Why a caller key's fingerprint was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChange {
    /// The key the database's first caller hashes were made with.
    First,
    /// A new key started deliberately (`commandwall caller-key rotate --confirm`).
    Rotated,
}

/// One row of the caller-key record: which key (by fingerprint, never the key), since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerKeyRecord {
    pub fingerprint: String,
    pub change: KeyChange,
    pub at: Millis,
    pub note: String,
}

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file if missing and bring the schema up to date.
    CreateAndMigrate,
    /// The database must exist; apply no migrations (for `db check` and read-only doors).
    Existing,
}

/// Which tables a grouped read streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tables {
    /// Those that carry the field grouped by (a seats table, a category mix).
    WithField,
    /// All of them: a span's whole figures and its groups from one pass.
    Every,
}

/// A field facts can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Seat,
    Category,
}

impl GroupBy {
    /// The column holding the field (the same in every backend).
    pub(crate) fn column(self) -> &'static str {
        match self {
            GroupBy::Seat => "seat",
            GroupBy::Category => "category",
        }
    }

    /// Whether a table with these fields carries this one.
    pub(crate) fn in_table(self, f: Fields) -> bool {
        match self {
            GroupBy::Seat => f.seat,
            GroupBy::Category => f.category,
        }
    }
}

/// Whether the database at a store's address is still the one it has open. A file deleted
/// or replaced (a backup restored by `mv`) under a running program is otherwise not
/// noticed: the open handle goes on reading the old file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// The same file (or a database that is not a file: in memory, a server).
    Same,
    /// Nothing is at the address any more.
    Deleted,
    /// Another file is at the address.
    Replaced,
}

/// What the feed has written, for judging whether it is alive (`Backend::feed`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedCheck {
    /// The newest change number committed.
    pub seq: i64,
    /// The newest receive time among calls dated no later than `ahead_of`.
    pub last_call: Option<Millis>,
    /// Whether a call dated no later than `ahead_of` was stored or changed under a change
    /// number above `after_seq`: data arrived.
    pub arrived: bool,
    /// Records of every kind (calls, incidents, work orders, callbacks) whose own time
    /// lies after `ahead_of`: how many, and the furthest such time.
    pub ahead: u64,
    pub furthest_ahead: Option<Millis>,
}

/// One stored incident as the drill-down lists it: the stored columns, nothing derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRecord {
    pub source_id: String,
    pub category: Option<String>,
    pub priority: Option<i64>,
    pub unit: Option<String>,
    pub created: Millis,
    pub dispatched: Option<Millis>,
    pub signed_for: Option<Millis>,
    pub arrived: Option<Millis>,
    pub closed: Option<Millis>,
}

/// Every operation a storage backend answers. Callers use it through `Store`, whose
/// methods are these (`Store` dereferences to the backend), so no caller imports this trait.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + fmt::Debug {
    /// The database's URL as given (may carry a password: print it through `redact_url`).
    fn url(&self) -> String;

    /// Writes reference data (zones, posts, seats, units, categories) from the config.
    async fn sync_reference(&self, config: &Config) -> Result<(), StoreError>;

    /// Inserts or updates every record of the batch (keyed by source and source id) in one
    /// transaction under one new change number.
    async fn write(&self, batch: &Batch) -> Result<WriteStats, StoreError>;

    /// Logs problems found in incoming data, each once: one logged before (the same file
    /// imported again) is not added again.
    async fn log_issues(&self, issues: &[DataIssue], now: Millis) -> Result<(), StoreError>;

    /// Starts an import record and returns its id. Imports whose heartbeat has been silent
    /// for `IMPORT_SILENT_MS` (their process died) are marked interrupted first.
    async fn begin_import(&self, source: &str, file: &str, now: Millis) -> Result<i64, StoreError>;

    /// Records how far an import has got, and beats its heartbeat; `state` says whether it
    /// goes on, finished, or stopped.
    async fn update_import(
        &self,
        id: i64,
        counts: ImportCounts,
        state: ImportState,
    ) -> Result<(), StoreError>;

    async fn source_counts(&self, source: &str) -> Result<SourceCounts, StoreError>;

    /// When the newest call stored was received, from any source (is the feed alive?).
    async fn last_call(&self) -> Result<Option<Millis>, StoreError>;

    /// What the feed wrote: the change number, the newest call, whether a call arrived under
    /// a change number above `after_seq`, and the records dated after `ahead_of` (the
    /// clock plus a tolerance), which neither count as arrivals nor as the newest call.
    async fn feed(&self, after_seq: i64, ahead_of: Millis) -> Result<FeedCheck, StoreError>;

    /// Whether the database at the store's address is still the one open (one `stat`).
    fn file_state(&self) -> FileState;

    /// Opens the database now at the store's address in place of the one open, for every
    /// clone of this `Store`. Never creates one: nothing there is `StoreError::Deleted`.
    async fn reopen(&self) -> Result<(), StoreError>;

    /// The latest `received` time stored for a source (where the live simulator resumes).
    async fn last_received(&self, source: &str) -> Result<Option<Millis>, StoreError>;

    /// Streams the facts anchored in `[from, to)` that the filter admits; returns how many.
    /// A long read: it must not hold an async worker while it reads.
    async fn facts_in(
        &self,
        zones: &Zones,
        range: (Millis, Millis),
        filter: &Filter,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<u64, StoreError>;

    /// Streams the facts stored under a change number above `seq`. Read `change_seq` first
    /// and pass it to the next call: a row committed meanwhile comes again, which is harmless.
    async fn facts_changed(
        &self,
        zones: &Zones,
        seq: i64,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<u64, StoreError>;

    /// The change number now, and the facts stored under a number above `after` streamed to
    /// `sink`, read at one moment: what the live loop asks several times a second.
    async fn changes(
        &self,
        zones: &Zones,
        after: i64,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<i64, StoreError>;

    /// Streams the facts anchored in `[from, to)` of `tables` with their value of `by`
    /// (seat, category; `None` where a table lacks that field).
    async fn facts_grouped(
        &self,
        zones: &Zones,
        range: (Millis, Millis),
        by: GroupBy,
        tables: Tables,
        sink: &mut (dyn for<'g> FnMut(Option<&'g str>, Fact) + Send),
    ) -> Result<u64, StoreError>;

    /// The calls repeat-call governance must screen (see `core::repeat`).
    async fn repeat_candidates(
        &self,
        periods: &Periods,
        thresholds: &Thresholds,
        scope: Scope,
    ) -> Result<Vec<ReportedCall>, StoreError>;

    /// The naive recompute of one span, for the benchmark's comparison.
    async fn naive_span_figures(&self, span: Span) -> Result<naive::NaiveFigures, StoreError>;

    /// Open work orders past their time limit at `now`, longest overdue first.
    async fn overdue_orders(
        &self,
        now: Millis,
        limit: u32,
    ) -> Result<Vec<OverdueOrder>, StoreError>;

    /// How many open work orders are past their time limit at `now`.
    async fn overdue_count(&self, now: Millis) -> Result<u64, StoreError>;

    /// Receive times of the calls in `[from, to)`.
    async fn received_times(&self, range: (Millis, Millis)) -> Result<Vec<Millis>, StoreError>;

    /// (unit, dispatch time) of incidents dispatched since `since` and still open.
    async fn open_by_unit(&self, since: Millis) -> Result<Vec<(String, Millis)>, StoreError>;

    /// One zone's incidents created in `[from, to)`, newest first, at most `limit`.
    async fn zone_incidents(
        &self,
        zone: &str,
        range: (Millis, Millis),
        limit: u32,
    ) -> Result<Vec<IncidentRecord>, StoreError>;

    /// The newest change number committed.
    async fn change_seq(&self) -> Result<i64, StoreError>;

    /// Row counts, schema state and the backend's integrity check (reads the whole file).
    async fn health(&self) -> Result<Health, StoreError>;

    /// Row counts and schema state without the integrity check.
    async fn summary(&self) -> Result<Health, StoreError>;

    /// Appends alert transitions to the append-only audit, in one transaction; returns the
    /// rows' ids. The one write a door may cause (a commander's acknowledgement or silence).
    async fn append_alert_events(&self, events: &[Event]) -> Result<Vec<i64>, StoreError>;

    /// Audit rows after row `after`, with their ids.
    async fn alert_events_after(&self, after: i64) -> Result<Vec<(i64, Event)>, StoreError>;

    /// The rows that rebuild the alert book: every row of each alert not yet resolved or
    /// with a row at or after `since`; and the last row's id.
    async fn alert_events_for_book(&self, since: Millis) -> Result<(Vec<Event>, i64), StoreError>;

    /// Problems the importer logged in `[from, to)`, grouped by source, severity and reason,
    /// most rows first.
    async fn import_problems(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProblemKind>, StoreError>;

    /// What the watch of `dir` took of each file, by file name.
    async fn watched_files(&self, dir: &str) -> Result<HashMap<String, Taken>, StoreError>;

    async fn remember_taken(
        &self,
        dir: &str,
        name: &str,
        taken: Taken,
        now: Millis,
    ) -> Result<(), StoreError>;

    /// Notes a poll of the watched folder (and what went wrong, if anything).
    async fn watch_polled(
        &self,
        dir: &str,
        mapping: &str,
        now: Millis,
        error: Option<&str>,
    ) -> Result<(), StoreError>;

    async fn import_status(&self) -> Result<ImportStatus, StoreError>;

    /// Audit rows in `[from, to)`, oldest first.
    async fn alert_events_between(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<Event>, StoreError>;

    /// Receive times of calls in `[from, now)` neither answered nor ended: still ringing.
    async fn waiting_calls(&self, from: Millis, now: Millis) -> Result<Vec<Millis>, StoreError>;

    /// Open work orders (neither handled nor returned) due in `[from, to)`: (number, due).
    async fn open_orders_due(
        &self,
        range: (Millis, Millis),
    ) -> Result<Vec<(String, Millis)>, StoreError>;

    /// When the first call stored was received: where history, and any baseline, begins.
    async fn first_call(&self) -> Result<Option<Millis>, StoreError>;

    /// How many calls were received in `[from, to)`.
    async fn count_calls(&self, from: Millis, to: Millis) -> Result<u64, StoreError>;

    /// The caller keys this database was written with, oldest first; the last is in force.
    async fn caller_keys(&self) -> Result<Vec<CallerKeyRecord>, StoreError>;

    /// Appends to the caller-key record (append-only). A `First` is recorded only where
    /// nothing is yet.
    async fn record_caller_key(&self, record: &CallerKeyRecord) -> Result<(), StoreError>;

    /// Whether any stored call carries a caller hash.
    async fn has_caller_hashes(&self) -> Result<bool, StoreError>;

    /// Which days starting in `[from, to)` have a daily sum kept under `digest`, and the
    /// change number each is known good up to, in order.
    async fn day_sum_stamps(
        &self,
        digest: &str,
        range: (Millis, Millis),
    ) -> Result<Vec<(Millis, i64)>, StoreError>;

    /// The daily sums kept under `digest` for days starting in `[from, to)`, in order.
    async fn day_sums(
        &self,
        digest: &str,
        range: (Millis, Millis),
    ) -> Result<Vec<StoredDaySum>, StoreError>;

    /// Keeps `sums` (replacing those of the same days) and marks the days starting at
    /// `good` as known good up to change `seq`, in one transaction.
    async fn keep_day_sums(
        &self,
        digest: &str,
        sums: &[StoredDaySum],
        good: &[Millis],
        seq: i64,
    ) -> Result<(), StoreError>;

    /// The earliest anchor time of any record (an incident's dispatch included): no day
    /// before it has anything to sum.
    async fn first_anchor(&self) -> Result<Option<Millis>, StoreError>;

    /// The times records left, by moving their anchor or being deleted, in changes after
    /// `seq` (a change in place is seen by the record's own change number).
    async fn anchors_left(&self, seq: i64) -> Result<Vec<Millis>, StoreError>;

    async fn close(&self);
}

/// A daily sum as kept (`core::kpi::ledger`, encoded by the service that made it): good as
/// long as no record anchored in its day changed after `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDaySum {
    pub day: Span,
    pub seq: i64,
    pub sum: Vec<u8>,
}

/// A handle to the centre's database. Cheap to clone (one backend, shared). Its methods are
/// the `Backend`'s, reached through `Deref`.
#[derive(Clone)]
pub struct Store(Arc<dyn Backend>);

impl Store {
    /// Opens the database at `url` (`sqlite:PATH`, `sqlite::memory:`; `postgres:` later).
    pub async fn open(url: &str, mode: OpenMode) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            return Ok(Store::new(sqlite::SqliteStore::open(url, mode).await?));
        }
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            return Err(StoreError::Unsupported {
                url: redact_url(url),
                why: "PostgreSQL is planned but this build stores to SQLite only".into(),
            });
        }
        Err(StoreError::Unsupported {
            url: redact_url(url),
            why:
                "the URL must start with sqlite: (for example sqlite:/var/lib/commandwall/wall.db)"
                    .into(),
        })
    }

    /// A store over an opened backend.
    pub fn new(backend: impl Backend + 'static) -> Store {
        Store(Arc::new(backend))
    }
}

impl Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Store").field(&self.0).finish()
    }
}

/// The default database: `commandwall.db` in the user's data directory.
pub fn default_database_path() -> PathBuf {
    directories::ProjectDirs::from("cn", "commandwall", "commandwall")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
        .join("commandwall.db")
}

/// URLs may carry passwords (PostgreSQL); never print them.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

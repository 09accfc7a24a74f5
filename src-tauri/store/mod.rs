//! The one interface to stored data. The URL scheme picks the backend; everything above
//! this module speaks `Store` and the core's records, never SQL.

mod alert_audit;
mod error;
mod facts;
pub mod naive;
mod overdue;
mod repeat;
mod rows;
mod scan;
mod sqlite;
mod wall;

use std::path::PathBuf;

pub use error::StoreError;
pub use facts::GroupBy;
pub use overdue::OverdueOrder;

use crate::config::Config;
use crate::core::alerts::lifecycle::Event;
use crate::core::kpi::engine::Key;
use crate::core::kpi::facts::{Fact, Zones};
use crate::core::kpi::filter::Filter;
use crate::core::model::{Batch, DataIssue, Millis};

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
}

impl SourceCounts {
    pub fn total(&self) -> i64 {
        self.calls + self.incidents + self.work_orders + self.callbacks
    }
}

/// A handle to the centre's database. Cheap to clone (a connection pool inside).
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
}

/// How to open a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file if missing and bring the schema up to date.
    CreateAndMigrate,
    /// The database must exist; apply no migrations (for `db check` and read-only doors).
    Existing,
}

impl Store {
    /// Opens the database at `url` (`sqlite:PATH`, `sqlite::memory:`; `postgres:` later).
    pub async fn open(url: &str, mode: OpenMode) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            return Ok(Store::Sqlite(sqlite::SqliteStore::open(url, mode).await?));
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

    pub fn url(&self) -> String {
        match self {
            Store::Sqlite(s) => s.url(),
        }
    }

    /// Writes reference data (zones, posts, seats, units, categories) from the config.
    pub async fn sync_reference(&self, config: &Config) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.sync_reference(config).await,
        }
    }

    /// Inserts or updates every record of the batch (keyed by source and source id) in one
    /// transaction under one new change number.
    pub async fn write(&self, batch: &Batch) -> Result<WriteStats, StoreError> {
        match self {
            Store::Sqlite(s) => s.write(batch).await,
        }
    }

    pub async fn log_issues(&self, issues: &[DataIssue], now: Millis) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.log_issues(issues, now).await,
        }
    }

    /// Starts an import record; returns its id.
    pub async fn begin_import(
        &self,
        source: &str,
        file: &str,
        now: Millis,
    ) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.begin_import(source, file, now).await,
        }
    }

    pub async fn finish_import(
        &self,
        id: i64,
        now: Millis,
        counts: ImportCounts,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.finish_import(id, now, counts).await,
        }
    }

    pub async fn source_counts(&self, source: &str) -> Result<SourceCounts, StoreError> {
        match self {
            Store::Sqlite(s) => s.source_counts(source).await,
        }
    }

    /// When the newest call stored was received, from any source (is the feed alive?).
    pub async fn last_call(&self) -> Result<Option<Millis>, StoreError> {
        match self {
            Store::Sqlite(s) => s.last_call().await,
        }
    }

    /// Streams the facts anchored in `[from, to)` that the filter admits; returns how many.
    pub async fn facts_in(
        &self,
        zones: &Zones,
        range: (Millis, Millis),
        filter: &Filter,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => {
                facts::facts_in(s.pool(), &s.url(), zones, range, filter, sink).await
            }
        }
    }

    /// Streams the facts stored under a change number above `seq`. Read `change_seq` first
    /// and pass it to the next call: a row committed meanwhile comes again, which is harmless.
    pub async fn facts_changed(
        &self,
        zones: &Zones,
        seq: i64,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => facts::facts_changed(s.pool(), &s.url(), zones, seq, sink).await,
        }
    }

    /// The calls repeat-call governance must screen (see `core::repeat`).
    pub async fn repeat_candidates(
        &self,
        periods: &crate::core::repeat::Periods,
        thresholds: &crate::core::repeat::Thresholds,
    ) -> Result<Vec<crate::core::repeat::ReportedCall>, StoreError> {
        match self {
            Store::Sqlite(s) => repeat::candidates(s.pool(), &s.url(), periods, thresholds).await,
        }
    }

    /// The naive recompute of one span, for the benchmark's comparison.
    pub async fn naive_span_figures(
        &self,
        span: crate::core::kpi::window::Span,
    ) -> Result<naive::NaiveFigures, StoreError> {
        match self {
            Store::Sqlite(s) => naive::span_figures(s.pool(), &s.url(), span).await,
        }
    }

    /// Open work orders past their time limit at `now`, longest overdue first.
    pub async fn overdue_orders(
        &self,
        now: Millis,
        limit: u32,
    ) -> Result<Vec<OverdueOrder>, StoreError> {
        match self {
            Store::Sqlite(s) => overdue::overdue_orders(s.pool(), &s.url(), now, limit).await,
        }
    }

    /// Streams the facts anchored in `[from, to)` with their value of `by` (seat, category).
    pub async fn facts_grouped(
        &self,
        zones: &Zones,
        range: (Millis, Millis),
        by: GroupBy,
        sink: &mut (dyn FnMut(Option<&str>, Fact) + Send),
    ) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => {
                facts::facts_grouped(s.pool(), &s.url(), zones, range, by, sink).await
            }
        }
    }

    /// Receive times of the calls in `[from, to)`.
    pub async fn received_times(&self, range: (Millis, Millis)) -> Result<Vec<Millis>, StoreError> {
        match self {
            Store::Sqlite(s) => wall::received_times(s.pool(), &s.url(), range).await,
        }
    }

    /// (unit, dispatch time) of incidents dispatched since `since` and still open.
    pub async fn open_by_unit(&self, since: Millis) -> Result<Vec<(String, Millis)>, StoreError> {
        match self {
            Store::Sqlite(s) => wall::open_by_unit(s.pool(), &s.url(), since).await,
        }
    }

    /// One zone's incidents created in `[from, to)`, newest first, at most `limit`.
    pub async fn zone_incidents(
        &self,
        zone: &str,
        range: (Millis, Millis),
        limit: u32,
    ) -> Result<Vec<crate::core::wall::pages::IncidentRow>, StoreError> {
        match self {
            Store::Sqlite(s) => wall::zone_incidents(s.pool(), &s.url(), zone, range, limit).await,
        }
    }

    /// How many open work orders are past their time limit at `now`.
    pub async fn overdue_count(&self, now: Millis) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => overdue::overdue_count(s.pool(), &s.url(), now).await,
        }
    }

    /// The newest change number committed.
    pub async fn change_seq(&self) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(s) => s.change_seq().await,
        }
    }

    /// Row counts, schema state and SQLite's integrity check (reads the whole file).
    pub async fn health(&self) -> Result<Health, StoreError> {
        match self {
            Store::Sqlite(s) => s.health(true).await,
        }
    }

    /// Row counts and schema state without the integrity check.
    pub async fn summary(&self) -> Result<Health, StoreError> {
        match self {
            Store::Sqlite(s) => s.health(false).await,
        }
    }

    /// The latest `received` time stored for a source (where the live simulator resumes).
    pub async fn last_received(&self, source: &str) -> Result<Option<Millis>, StoreError> {
        match self {
            Store::Sqlite(s) => s.last_received(source).await,
        }
    }

    /// Appends alert transitions to the append-only audit, in one transaction; returns the
    /// rows' ids. The one write a door may cause (a commander's acknowledgement or silence).
    pub async fn append_alert_events(&self, events: &[Event]) -> Result<Vec<i64>, StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::append(s.pool(), &s.url(), events).await,
        }
    }

    /// Audit rows after row `after`, with their ids.
    pub async fn alert_events_after(&self, after: i64) -> Result<Vec<(i64, Event)>, StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::after(s.pool(), &s.url(), after).await,
        }
    }

    /// The rows that rebuild the alert book: open alerts, and those with a row since
    /// `since`; and the last row's id.
    pub async fn alert_events_for_book(
        &self,
        since: Millis,
    ) -> Result<(Vec<Event>, i64), StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::for_book(s.pool(), &s.url(), since).await,
        }
    }

    /// Audit rows in `[from, to)`, oldest first.
    pub async fn alert_events_between(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<Event>, StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::between(s.pool(), &s.url(), from, to).await,
        }
    }

    /// Receive times of calls in `[from, now)` neither answered nor ended.
    pub async fn waiting_calls(
        &self,
        from: Millis,
        now: Millis,
    ) -> Result<Vec<Millis>, StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::waiting_calls(s.pool(), &s.url(), from, now).await,
        }
    }

    /// Open work orders due in `[from, to)`: (order number, due).
    pub async fn open_orders_due(
        &self,
        range: (Millis, Millis),
    ) -> Result<Vec<(String, Millis)>, StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::open_orders_due(s.pool(), &s.url(), range).await,
        }
    }

    /// When the first call stored was received.
    pub async fn first_call(&self) -> Result<Option<Millis>, StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::first_call(s.pool(), &s.url()).await,
        }
    }

    /// How many calls were received in `[from, to)`.
    pub async fn count_calls(&self, from: Millis, to: Millis) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => alert_audit::count_calls(s.pool(), &s.url(), from, to).await,
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
        }
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

//! The SQLite backend: one file in WAL mode, so the wall reads while a CAD feed writes.
//! `SqliteStore` answers every `Backend` operation; bulk reads step statements on the raw
//! handle (`scan`), the rest go through sqlx.

mod alert_audit;
mod bulk;
mod caller_keys;
mod changes;
mod day_sums;
mod error;
mod facts;
mod foreign;
mod imports;
mod naive;
mod overdue;
mod repeat;
mod scan;
mod units;
mod wall;
mod watch;

/// The page cache of a connection that writes records: 64 MB (negative: KiB).
const WRITE_CACHE: &str = "PRAGMA cache_size = -65536";

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use sqlx::query_builder::Separated;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Sqlite};

use super::naive::NaiveFigures;
use super::rows::{reference, Value};
use super::{
    Backend, CallerKeyRecord, FeedCheck, FileState, GroupBy, Health, ImportCounts, ImportState,
    ImportStatus, IncidentRecord, OpenMode, OverdueOrder, SourceCounts, StoreError, StoredDaySum,
    Tables, Taken, WriteStats,
};
use crate::config::Config;
use crate::core::alerts::lifecycle::Event;
use crate::core::kpi::engine::Key;
use crate::core::kpi::facts::{Fact, Zones};
use crate::core::kpi::filter::Filter;
use crate::core::kpi::window::Span;
use crate::core::model::{problem_kind, Batch, DataIssue, Millis, ProblemKind, Severity};
use crate::core::repeat::{Periods, ReportedCall, Scope, Thresholds};
use error::classify;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src-tauri/store/migrations/sqlite");

/// SQLite allows 32,766 bound parameters per statement; stay below it.
const MAX_PARAMS: usize = 30_000;

/// A handle on one SQLite database. Clones share the open database, so that `reopen` (a
/// file replaced under a running wall) moves every user of the store to the new file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    open: Arc<RwLock<Open>>,
    url: String,
    /// How to connect again: the URL's options, never creating a file.
    options: SqliteConnectOptions,
    mode: OpenMode,
    /// The file, unless the database is in memory.
    path: Option<PathBuf>,
    /// One reopen at a time.
    reopening: Arc<tokio::sync::Mutex<()>>,
}

/// The database open now, which file it is, and which are its log files (`-wal`, `-shm`)
/// as last seen beside it.
#[derive(Debug)]
struct Open {
    pool: SqlitePool,
    file: Option<FileId>,
    logs: [Option<FileId>; 2],
    /// The live loop's own connection to the same file (`changes`); none in memory.
    changes: Mutex<Option<changes::ChangeReader>>,
}

/// The log files SQLite keeps beside a database in WAL mode, paired with it by name only.
const LOGS: [&str; 2] = ["-wal", "-shm"];

fn log_path(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The identities of the log files beside `path` now.
fn log_ids(path: &Path) -> [Option<FileId>; 2] {
    LOGS.map(|suffix| file_id(&log_path(path, suffix)).ok().flatten())
}

/// A file's identity: the same path may name another file later (deleted, replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

/// The identity of the file at `path`; `None` where the platform has none to give. Only
/// Unix lets a program delete or rename over a file another has open, so only there can
/// the file at the path stop being the one open.
fn file_id(path: &Path) -> std::io::Result<Option<FileId>> {
    let meta = std::fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(Some(FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Ok(None)
    }
}

impl SqliteStore {
    pub async fn open(url: &str, mode: OpenMode) -> Result<SqliteStore, StoreError> {
        let bad_url = |detail: String| StoreError::Open {
            url: url.to_string(),
            detail,
        };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| bad_url(e.to_string()))?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let path = options.get_filename().to_path_buf();
        let in_memory = url.contains(":memory:") || path.as_os_str().is_empty();
        if !in_memory {
            if mode == OpenMode::Existing && !path.exists() {
                return Err(StoreError::Missing {
                    url: url.to_string(),
                });
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| bad_url(format!("cannot create folder {}: {e}", dir.display())))?;
            }
        }
        if mode == OpenMode::CreateAndMigrate && !in_memory {
            foreign::refuse_foreign(url, &path).await?;
        }
        let path = (!in_memory).then_some(path);
        let create = options
            .clone()
            .create_if_missing(mode == OpenMode::CreateAndMigrate);
        let open = connect(url, create, mode, path.as_deref()).await?;
        Ok(SqliteStore {
            open: Arc::new(RwLock::new(open)),
            url: url.to_string(),
            options: options.create_if_missing(false),
            mode,
            path,
            reopening: Arc::default(),
        })
    }

    /// The pool of the database open now (a cheap handle).
    fn pool(&self) -> SqlitePool {
        self.open
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .pool
            .clone()
    }

    /// Closes the live loop's reading connection; reads go through the pool from then on.
    fn drop_change_reader(&self) {
        self.open
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    fn err(&self) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        move |e| classify(&self.url, e)
    }

    /// Row counts and schema state; `check_integrity` adds SQLite's quick_check, which reads
    /// the whole file (seconds per gigabyte).
    async fn health_of(&self, check_integrity: bool) -> Result<Health, StoreError> {
        let integrity: String = if check_integrity {
            sqlx::query_scalar("PRAGMA quick_check")
                .fetch_one(&self.pool())
                .await
                .map_err(self.err())?
        } else {
            "not checked".into()
        };
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool())
            .await
            .map_err(self.err())?;
        let schema_version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool())
        .await
        .map_err(self.err())?;
        #[allow(clippy::type_complexity)]
        let (
            change_seq,
            calls,
            incidents,
            work_orders,
            callbacks,
            data_issues,
            imports,
            imports_interrupted,
            first_call,
            last_call,
        ): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
        ) = sqlx::query_as(
            "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'),
                    (SELECT COUNT(*) FROM calls), (SELECT COUNT(*) FROM incidents),
                    (SELECT COUNT(*) FROM work_orders), (SELECT COUNT(*) FROM callbacks),
                    (SELECT COUNT(*) FROM data_quality), (SELECT COUNT(*) FROM imports),
                    (SELECT COUNT(*) FROM imports WHERE status = 'interrupted'),
                    (SELECT MIN(received_ms) FROM calls), (SELECT MAX(received_ms) FROM calls)",
        )
        .fetch_one(&self.pool())
        .await
        .map_err(self.err())?;
        Ok(Health {
            url: self.url.clone(),
            schema_version,
            integrity,
            journal_mode,
            change_seq,
            calls,
            incidents,
            work_orders,
            callbacks,
            data_issues,
            imports,
            imports_interrupted,
            first_call,
            last_call,
        })
    }
}

/// Connects to the database at `url` and brings its schema up to date (`CreateAndMigrate`)
/// or checks that it is ours (`Existing`); notes which file it is.
async fn connect(
    url: &str,
    options: SqliteConnectOptions,
    mode: OpenMode,
    path: Option<&Path>,
) -> Result<Open, StoreError> {
    // An in-memory database exists once per connection: keep exactly one.
    let max = if path.is_none() { 1 } else { 4 };
    // Connections live as long as the pool: one opened later (sqlx recycles them after
    // 30 min by default) would open whatever file is at the path by then, beside the old
    // ones, while `file_state` still names the old file. A new file is taken in whole, by
    // `reopen`.
    let pool = SqlitePoolOptions::new()
        .max_connections(max)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options)
        .await
        .map_err(|e| classify(url, e))?;
    // The file now exists (connecting creates it when asked to); take its identity before
    // any reader could see a later file at the same path.
    let file = match path.map(file_id) {
        Some(Ok(id)) => id,
        Some(Err(e)) => {
            pool.close().await;
            return Err(StoreError::Open {
                url: url.to_string(),
                detail: format!("cannot read the file's details: {e}"),
            });
        }
        None => None,
    };
    let ready = if mode == OpenMode::CreateAndMigrate {
        MIGRATOR.run(&pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => classify(url, inner),
            other => StoreError::Migrate {
                url: url.to_string(),
                detail: other.to_string(),
            },
        })
    } else {
        check_is_ours(url, &pool).await
    };
    if let Err(e) = ready {
        pool.close().await;
        return Err(e);
    }
    let logs = path.map_or([None; 2], log_ids);
    // Opened now, beside the pool, so that it is the same file. Without it the loop reads
    // through the pool, only slower.
    let changes = path.and_then(|p| {
        changes::ChangeReader::open(p, url, &facts::change_queries())
            .inspect_err(|e| tracing::warn!("the live loop reads changes through the pool: {e}"))
            .ok()
    });
    Ok(Open {
        pool,
        file,
        logs,
        changes: Mutex::new(changes),
    })
}

async fn check_is_ours(url: &str, pool: &SqlitePool) -> Result<(), StoreError> {
    let has_meta: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
            .fetch_optional(pool)
            .await
            .map_err(|e| classify(url, e))?;
    if has_meta.is_none() {
        return Err(StoreError::Corrupt {
            url: url.to_string(),
            detail: "it has no Command Wall tables; run `commandwall db migrate` on an empty file"
                .into(),
        });
    }
    // A door that only reads must not change the schema, but must not fail later on a
    // missing column either: say what to run. Every migration shipped must be applied, not
    // only the newest (a schema missing one in the middle is as old as the one before it).
    let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
        .map_err(|e| classify(url, e))?;
    let applied = MIGRATOR
        .iter()
        .map(|m| m.version)
        .take_while(|v| done.contains(v))
        .last()
        .unwrap_or(0);
    let needed = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    if applied < needed {
        return Err(StoreError::Migrate {
            url: url.to_string(),
            detail: format!(
                "it is at schema version {applied} and this Command Wall needs {needed}; \
                 run `commandwall db migrate --database {url}` (it keeps every record)"
            ),
        });
    }
    Ok(())
}

/// Binds one of `rows.rs`'s values as the next value of a row.
fn push_value<'args>(b: &mut Separated<'_, 'args, Sqlite, &'static str>, v: Value<'args>) {
    match v {
        Value::Int(x) => b.push_bind(x),
        Value::Real(x) => b.push_bind(x),
        Value::Text(x) => b.push_bind(x),
        Value::Bool(x) => b.push_bind(x),
    };
}

#[async_trait::async_trait]
impl Backend for SqliteStore {
    fn url(&self) -> String {
        self.url.clone()
    }

    async fn sync_reference(&self, config: &Config) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(self.err())?;
        for table in reference(config) {
            let (prefix, suffix) = (table.insert_prefix(), table.upsert_suffix());
            // One statement per row, in the config's order: a code listed twice ends with
            // its last values.
            for row in table.rows {
                let mut qb = QueryBuilder::<Sqlite>::new(&prefix);
                qb.push_values([row], |mut b, row| {
                    for v in row {
                        push_value(&mut b, v);
                    }
                });
                qb.push(&suffix);
                qb.build().execute(&mut *tx).await.map_err(self.err())?;
            }
        }
        tx.commit().await.map_err(self.err())
    }

    async fn write(&self, batch: &Batch) -> Result<WriteStats, StoreError> {
        if batch.is_empty() {
            return Ok(WriteStats::default());
        }
        let mut tx = self.pool().begin().await.map_err(self.err())?;
        // A batch updates a dozen indexes of tables growing by millions of rows: with
        // SQLite's default 2 MB page cache their pages were read again for every batch. The
        // setting is the connection's and a cap, filled only by pages a write touches.
        sqlx::query(WRITE_CACHE)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        let seq: i64 = sqlx::query_scalar(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq'
             RETURNING CAST(value AS INTEGER)",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(self.err())?;
        let mut changed = 0;
        changed += bulk::upsert(&mut tx, &self.url, &batch.calls, seq).await?;
        // Units first: a per-unit incident's stage times are read back from all of them.
        changed += bulk::upsert(&mut tx, &self.url, &batch.units, seq).await?;
        let incidents = units::merged(&mut tx, &self.url, &batch.incidents).await?;
        changed += bulk::upsert(&mut tx, &self.url, &incidents, seq).await?;
        changed += bulk::upsert(&mut tx, &self.url, &batch.work_orders, seq).await?;
        changed += bulk::upsert(&mut tx, &self.url, &batch.callbacks, seq).await?;
        changed += bulk::upsert(&mut tx, &self.url, &batch.phone_intervals, seq).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(WriteStats { changed, seq })
    }

    async fn log_issues(&self, issues: &[DataIssue], now: Millis) -> Result<(), StoreError> {
        imports::log_issues(self, issues, now).await
    }

    async fn begin_import(&self, source: &str, file: &str, now: Millis) -> Result<i64, StoreError> {
        imports::begin(self, source, file, now).await
    }

    async fn update_import(
        &self,
        id: i64,
        counts: ImportCounts,
        state: ImportState,
    ) -> Result<(), StoreError> {
        imports::update(self, id, counts, state).await
    }

    async fn source_counts(&self, source: &str) -> Result<SourceCounts, StoreError> {
        let (calls, incidents, work_orders, callbacks, units, phone_intervals): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM calls WHERE source = ?1),
                    (SELECT COUNT(*) FROM incidents WHERE source = ?1),
                    (SELECT COUNT(*) FROM work_orders WHERE source = ?1),
                    (SELECT COUNT(*) FROM callbacks WHERE source = ?1),
                    (SELECT COUNT(*) FROM incident_units WHERE source = ?1),
                    (SELECT COUNT(*) FROM phone_intervals WHERE source = ?1)",
        )
        .bind(source)
        .fetch_one(&self.pool())
        .await
        .map_err(self.err())?;
        Ok(SourceCounts {
            calls,
            incidents,
            work_orders,
            callbacks,
            units,
            phone_intervals,
        })
    }

    async fn last_call(&self) -> Result<Option<Millis>, StoreError> {
        sqlx::query_scalar("SELECT MAX(received_ms) FROM calls")
            .fetch_one(&self.pool())
            .await
            .map_err(self.err())
    }

    async fn last_received(&self, source: &str) -> Result<Option<Millis>, StoreError> {
        sqlx::query_scalar("SELECT MAX(received_ms) FROM calls WHERE source = ?")
            .bind(source)
            .fetch_one(&self.pool())
            .await
            .map_err(self.err())
    }

    async fn facts_in(
        &self,
        zones: &Zones,
        range: (Millis, Millis),
        filter: &Filter,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<u64, StoreError> {
        facts::facts_in(self, zones, range, filter, sink).await
    }

    async fn facts_changed(
        &self,
        zones: &Zones,
        seq: i64,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<u64, StoreError> {
        facts::facts_changed(self, zones, seq, sink).await
    }

    async fn changes(
        &self,
        zones: &Zones,
        after: i64,
        sink: &mut (dyn FnMut(Key, Fact) + Send),
    ) -> Result<i64, StoreError> {
        let read = {
            let open = self.open.read().unwrap_or_else(PoisonError::into_inner);
            let mut reader = open.changes.lock().unwrap_or_else(PoisonError::into_inner);
            reader.as_mut().map(|r| {
                r.read(after, &mut |i, raw| {
                    let (key, fact) = facts::decode_changed(zones, i, raw)?;
                    sink(key, fact);
                    Ok(())
                })
            })
        };
        match read {
            Some(r) => r,
            None => {
                let seq = self.change_seq().await?;
                if seq > after {
                    self.facts_changed(zones, after, sink).await?;
                }
                Ok(seq)
            }
        }
    }

    async fn facts_grouped(
        &self,
        zones: &Zones,
        range: (Millis, Millis),
        by: GroupBy,
        tables: Tables,
        sink: &mut (dyn for<'g> FnMut(Option<&'g str>, Fact) + Send),
    ) -> Result<u64, StoreError> {
        facts::facts_grouped(self, zones, range, by, tables, sink).await
    }

    async fn repeat_candidates(
        &self,
        periods: &Periods,
        thresholds: &Thresholds,
        scope: Scope,
    ) -> Result<Vec<ReportedCall>, StoreError> {
        repeat::candidates(self, periods, thresholds, scope).await
    }

    async fn naive_span_figures(&self, span: Span) -> Result<NaiveFigures, StoreError> {
        naive::span_figures(self, span).await
    }

    async fn overdue_orders(
        &self,
        now: Millis,
        limit: u32,
    ) -> Result<Vec<OverdueOrder>, StoreError> {
        overdue::overdue_orders(self, now, limit).await
    }

    async fn overdue_count(&self, now: Millis) -> Result<u64, StoreError> {
        overdue::overdue_count(self, now).await
    }

    async fn received_times(&self, range: (Millis, Millis)) -> Result<Vec<Millis>, StoreError> {
        wall::received_times(self, range).await
    }

    async fn open_by_unit(&self, since: Millis) -> Result<Vec<(String, Millis)>, StoreError> {
        wall::open_by_unit(self, since).await
    }

    async fn zone_incidents(
        &self,
        zone: &str,
        range: (Millis, Millis),
        limit: u32,
    ) -> Result<Vec<IncidentRecord>, StoreError> {
        wall::zone_incidents(self, zone, range, limit).await
    }

    async fn append_alert_events(&self, events: &[Event]) -> Result<Vec<i64>, StoreError> {
        alert_audit::append(self, events).await
    }

    async fn alert_events_after(&self, after: i64) -> Result<Vec<(i64, Event)>, StoreError> {
        alert_audit::after(self, after).await
    }

    async fn alert_events_for_book(&self, since: Millis) -> Result<(Vec<Event>, i64), StoreError> {
        alert_audit::for_book(self, since).await
    }

    async fn watched_files(&self, dir: &str) -> Result<HashMap<String, Taken>, StoreError> {
        watch::watched_files(self, dir).await
    }

    async fn remember_taken(
        &self,
        dir: &str,
        name: &str,
        taken: Taken,
        now: Millis,
    ) -> Result<(), StoreError> {
        watch::remember_taken(self, dir, name, taken, now).await
    }

    async fn watch_polled(
        &self,
        dir: &str,
        mapping: &str,
        now: Millis,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        watch::watch_polled(self, dir, mapping, now, error).await
    }

    async fn import_status(&self) -> Result<ImportStatus, StoreError> {
        watch::import_status(self).await
    }

    async fn import_problems(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<ProblemKind>, StoreError> {
        let rows: Vec<(String, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT source, severity, column_name, reason, COUNT(*) FROM data_quality
             WHERE logged_ms >= ? AND logged_ms < ?
             GROUP BY source, severity, column_name, reason ORDER BY MIN(id)",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool())
        .await
        .map_err(self.err())?;
        // Reasons carry each row's particulars: they are counted here by kind.
        let mut kinds: Vec<ProblemKind> = Vec::new();
        for (source, severity, column, reason, rows) in rows {
            let severity = match severity.as_str() {
                "rejected" => Severity::Rejected,
                "warning" => Severity::Warning,
                other => {
                    return Err(StoreError::Corrupt {
                        url: self.url.clone(),
                        detail: format!("data_quality.severity: '{other}'"),
                    })
                }
            };
            let kind = problem_kind(&reason);
            match kinds.iter_mut().find(|k| {
                (&k.source, k.severity, &k.column, k.kind.as_str())
                    == (&source, severity, &column, kind)
            }) {
                Some(k) => k.rows += rows as u64,
                None => kinds.push(ProblemKind {
                    kind: kind.to_string(),
                    source,
                    severity,
                    column,
                    rows: rows as u64,
                    example: reason,
                }),
            }
        }
        kinds.sort_by_key(|k| std::cmp::Reverse(k.rows));
        Ok(kinds)
    }

    async fn alert_events_between(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<Event>, StoreError> {
        alert_audit::between(self, from, to).await
    }

    async fn waiting_calls(&self, from: Millis, now: Millis) -> Result<Vec<Millis>, StoreError> {
        alert_audit::waiting_calls(self, from, now).await
    }

    async fn open_orders_due(
        &self,
        range: (Millis, Millis),
    ) -> Result<Vec<(String, Millis)>, StoreError> {
        alert_audit::open_orders_due(self, range).await
    }

    async fn first_call(&self) -> Result<Option<Millis>, StoreError> {
        alert_audit::first_call(self).await
    }

    async fn count_calls(&self, from: Millis, to: Millis) -> Result<u64, StoreError> {
        alert_audit::count_calls(self, from, to).await
    }

    async fn change_seq(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'")
            .fetch_one(&self.pool())
            .await
            .map_err(self.err())
    }

    async fn health(&self) -> Result<Health, StoreError> {
        self.health_of(true).await
    }

    async fn summary(&self) -> Result<Health, StoreError> {
        self.health_of(false).await
    }

    async fn feed(&self, after_seq: i64, ahead_of: Millis) -> Result<FeedCheck, StoreError> {
        // One statement, so the change number and what it covers are read at one moment.
        // Every part is an index lookup: each table's own time, and the change numbers (named,
        // lest the planner walk the receive-time index over every call to find new ones).
        #[allow(clippy::type_complexity)]
        let (seq, last_call, arrived, ahead, furthest): (
            i64,
            Option<i64>,
            bool,
            i64,
            Option<i64>,
        ) = sqlx::query_as(
            "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'),
                    (SELECT MAX(received_ms) FROM calls WHERE received_ms <= ?2),
                    EXISTS (SELECT 1 FROM calls INDEXED BY calls_seq
                            WHERE seq > ?1 AND received_ms <= ?2),
                    (SELECT COUNT(*) FROM calls WHERE received_ms > ?2)
                      + (SELECT COUNT(*) FROM incidents WHERE created_ms > ?2)
                      + (SELECT COUNT(*) FROM work_orders WHERE sent_ms > ?2)
                      + (SELECT COUNT(*) FROM callbacks WHERE called_ms > ?2),
                    (SELECT MAX(t) FROM (
                       SELECT MAX(received_ms) AS t FROM calls
                       UNION ALL SELECT MAX(created_ms) FROM incidents
                       UNION ALL SELECT MAX(sent_ms) FROM work_orders
                       UNION ALL SELECT MAX(called_ms) FROM callbacks) WHERE t > ?2)",
        )
        .bind(after_seq)
        .bind(ahead_of)
        .fetch_one(&self.pool())
        .await
        .map_err(self.err())?;
        Ok(FeedCheck {
            seq,
            last_call,
            arrived,
            ahead: ahead.max(0) as u64,
            furthest_ahead: furthest,
        })
    }

    fn file_state(&self) -> FileState {
        let Some(path) = &self.path else {
            return FileState::Same;
        };
        let open = self
            .open
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .file;
        match file_id(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Deleted,
            // Cannot tell (permissions): the reads themselves will say what is wrong.
            Err(_) | Ok(None) => FileState::Same,
            Ok(now) if now == open => {
                // While the database is where it was, the logs beside it are its own: note
                // them, to know them again once it has moved (`reopen`).
                let logs = log_ids(path);
                self.open
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .logs = logs;
                FileState::Same
            }
            Ok(_) => FileState::Replaced,
        }
    }

    async fn reopen(&self) -> Result<(), StoreError> {
        let _turn = self.reopening.lock().await;
        match self.file_state() {
            FileState::Same => return Ok(()), // another caller reopened it meanwhile
            FileState::Deleted => {
                return Err(StoreError::Deleted {
                    url: self.url.clone(),
                })
            }
            FileState::Replaced => {}
        }
        // Close the old file first (readers get "pool closed" for a moment). SQLite leaves
        // a moved database's `-wal` and `-shm` at the path when its last connection closes
        // (it checkpoints only a database still at its name), and pairs logs with a
        // database by name alone: the new file opened beside them would read the old
        // file's pages from them. So the old logs (the very files noted while the old file
        // was in place, no newer ones) go before the new file is opened.
        self.drop_change_reader();
        self.pool().close().await;
        let (path, old_logs) = (
            self.path.as_deref().expect("a file: it was replaced"),
            self.open
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .logs,
        );
        for (suffix, old) in LOGS.iter().zip(old_logs) {
            let log = log_path(path, suffix);
            if old.is_some() && file_id(&log).ok().flatten() == old {
                if let Err(e) = std::fs::remove_file(&log) {
                    tracing::warn!("the old database's {} was not removed: {e}", log.display());
                }
            }
        }
        let open = connect(
            &self.url,
            self.options.clone(),
            self.mode,
            self.path.as_deref(),
        )
        .await?;
        *self.open.write().unwrap_or_else(PoisonError::into_inner) = open;
        Ok(())
    }

    async fn caller_keys(&self) -> Result<Vec<CallerKeyRecord>, StoreError> {
        caller_keys::list(self).await
    }

    async fn record_caller_key(&self, record: &CallerKeyRecord) -> Result<(), StoreError> {
        caller_keys::record(self, record).await
    }

    async fn has_caller_hashes(&self) -> Result<bool, StoreError> {
        caller_keys::has_caller_hashes(self).await
    }

    async fn day_sum_stamps(
        &self,
        digest: &str,
        range: (Millis, Millis),
    ) -> Result<Vec<(Millis, i64)>, StoreError> {
        day_sums::stamps(self, digest, range).await
    }

    async fn day_sums(
        &self,
        digest: &str,
        range: (Millis, Millis),
    ) -> Result<Vec<StoredDaySum>, StoreError> {
        day_sums::load(self, digest, range).await
    }

    async fn keep_day_sums(
        &self,
        digest: &str,
        sums: &[StoredDaySum],
        good: &[Millis],
        seq: i64,
    ) -> Result<(), StoreError> {
        day_sums::keep(self, digest, sums, good, seq).await
    }

    async fn first_anchor(&self) -> Result<Option<Millis>, StoreError> {
        day_sums::first_anchor(self).await
    }

    async fn anchors_left(&self, seq: i64) -> Result<Vec<Millis>, StoreError> {
        day_sums::anchors_left(self, seq).await
    }

    async fn close(&self) {
        // The reading connection first: the pool's last connection, closing, folds the
        // write-ahead log into the file (a read-only one cannot), so the file is whole on
        // its own (copied, moved, locked by another program).
        self.drop_change_reader();
        self.pool().close().await;
    }
}

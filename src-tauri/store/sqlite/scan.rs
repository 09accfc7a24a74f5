//! Bulk reads straight through SQLite's C API. sqlx hands each row across a channel from its
//! worker thread (about 7 µs a row here), which made building the KPI engine from 19 million
//! records take minutes; stepping a statement on the connection's own handle reads them at
//! SQLite's speed. sqlx exposes the handle for exactly this (`LockedSqliteHandle`), which is
//! why sqlx and libsqlite3-sys are pinned to matching versions in Cargo.toml.
//!
//! A scan may read for seconds (a year is millions of rows), so the stepping runs off the
//! async workers: the connection is acquired asynchronously, then the loop runs under
//! `block_in_place` (see `off_the_workers`).

use std::ffi::{c_int, CStr, CString};
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use super::error::{by_code, classify};
use super::SqliteStore;
use crate::store::StoreError;

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone)]
pub enum Bind {
    Int(i64),
    Text(String),
}

/// The current row of a scan.
pub struct RawRow {
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl RawRow {
    pub fn int(&self, col: usize) -> Option<i64> {
        // SAFETY: the statement is live and stepped to a row while the callback runs.
        unsafe {
            let s = self.stmt.as_ptr();
            (ffi::sqlite3_column_type(s, col as c_int) != ffi::SQLITE_NULL)
                .then(|| ffi::sqlite3_column_int64(s, col as c_int))
        }
    }

    pub fn text(&self, col: usize) -> Option<&str> {
        // SAFETY: as above; the text stays valid until the next step, which cannot happen
        // while `self` is borrowed by the callback.
        unsafe {
            let s = self.stmt.as_ptr();
            let p = ffi::sqlite3_column_text(s, col as c_int);
            if p.is_null() {
                return None;
            }
            let len = ffi::sqlite3_column_bytes(s, col as c_int) as usize;
            std::str::from_utf8(std::slice::from_raw_parts(p, len)).ok()
        }
    }
}

/// A prepared statement, finalized however its use ends.
pub(super) struct Stmt(*mut ffi::sqlite3_stmt);

impl Stmt {
    /// None yet: finalizing a null statement does nothing.
    pub fn null() -> Stmt {
        Stmt(ptr::null_mut())
    }

    /// Prepares `sql` on `db`, which must stay open as long as the statement lives.
    pub fn prepare(db: *mut ffi::sqlite3, url: &str, sql: &str) -> Result<Stmt, StoreError> {
        let csql = CString::new(sql).map_err(|e| other(url, e.to_string()))?;
        let mut raw = ptr::null_mut();
        // SAFETY: `db` is an open handle the caller holds for this statement's life.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db, csql.as_ptr(), -1, &mut raw, ptr::null_mut()) };
        let stmt = Stmt(raw);
        if rc != ffi::SQLITE_OK || raw.is_null() {
            // A damaged schema page fails here, before any row.
            return Err(failure(db, url, rc, "cannot prepare a query"));
        }
        Ok(stmt)
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: finalize accepts the statement once (or null).
        unsafe {
            ffi::sqlite3_finalize(self.0);
        }
    }
}

fn message(db: *mut ffi::sqlite3) -> String {
    // SAFETY: errmsg returns a NUL-terminated string owned by the connection.
    unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned()
}

/// Runs `sql` with `binds` and calls `on_row` for every row; returns the row count. The
/// rows are read off the async workers (`off_the_workers`).
pub async fn scan(
    store: &SqliteStore,
    sql: &str,
    binds: &[Bind],
    on_row: &mut (dyn FnMut(&RawRow) -> Result<(), String> + Send),
) -> Result<u64, StoreError> {
    let url = store.url.as_str();
    let mut conn = store.pool().acquire().await.map_err(|e| classify(url, e))?;
    let mut handle = conn.lock_handle().await.map_err(|e| classify(url, e))?;
    off_the_workers(|| step_all(&mut handle, url, sql, binds, on_row))
}

/// Runs a blocking read without holding an async worker. On the multi-thread runtime (the
/// app's, and Tauri's) `block_in_place` hands the worker's other tasks to another thread
/// while `f` runs. A current-thread runtime (most tests) has no other thread to hand them
/// to and `block_in_place` would panic there, so `f` simply runs; outside any runtime too.
pub(super) fn off_the_workers<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Prepares, binds and steps `sql` to the end on the locked connection.
fn step_all(
    handle: &mut LockedSqliteHandle<'_>,
    url: &str,
    sql: &str,
    binds: &[Bind],
    on_row: &mut (dyn FnMut(&RawRow) -> Result<(), String> + Send),
) -> Result<u64, StoreError> {
    let query = Prepared::new(handle.as_raw_handle().as_ptr(), url, sql)?;
    query.run(binds, on_row)
}

/// A statement prepared once on a locked connection and run as often as needed, with new
/// values each time.
pub(super) struct Prepared<'u> {
    db: *mut ffi::sqlite3,
    stmt: Stmt,
    url: &'u str,
}

impl<'u> Prepared<'u> {
    /// `db` must be the handle of a connection locked for as long as the statement lives.
    pub fn new(db: *mut ffi::sqlite3, url: &'u str, sql: &str) -> Result<Self, StoreError> {
        let stmt = Stmt::prepare(db, url, sql)?;
        Ok(Prepared { db, stmt, url })
    }

    /// The statement itself, for a caller that binds and steps it on its own (`bulk`).
    pub fn raw(&self) -> *mut ffi::sqlite3_stmt {
        self.stmt.0
    }

    /// Binds `binds` to the placeholders in order, steps to the end calling `on_row` for
    /// every row, and leaves the statement ready to run again; returns the row count.
    pub fn run(
        &self,
        binds: &[Bind],
        on_row: &mut dyn FnMut(&RawRow) -> Result<(), String>,
    ) -> Result<u64, StoreError> {
        run_statement(self.db, &self.stmt, self.url, binds, on_row)
    }
}

/// Binds `binds` to `stmt`'s placeholders in order, steps it to the end calling `on_row` for
/// every row, and leaves it ready to run again; returns the row count. `stmt` must have
/// been prepared on `db`, which the caller holds.
pub(super) fn run_statement(
    db: *mut ffi::sqlite3,
    stmt: &Stmt,
    url: &str,
    binds: &[Bind],
    on_row: &mut dyn FnMut(&RawRow) -> Result<(), String>,
) -> Result<u64, StoreError> {
    for (i, b) in binds.iter().enumerate() {
        let ix = (i + 1) as c_int;
        // SAFETY: binding to a prepared statement; SQLITE_TRANSIENT makes SQLite copy text.
        let rc = unsafe {
            match b {
                Bind::Int(v) => ffi::sqlite3_bind_int64(stmt.0, ix, *v),
                Bind::Text(t) => ffi::sqlite3_bind_text(
                    stmt.0,
                    ix,
                    t.as_ptr().cast(),
                    t.len() as c_int,
                    ffi::SQLITE_TRANSIENT(),
                ),
            }
        };
        if rc != ffi::SQLITE_OK {
            return Err(other(
                url,
                format!("cannot bind parameter {ix}: {}", message(db)),
            ));
        }
    }
    let row = RawRow {
        stmt: NonNull::new(stmt.0).expect("checked when prepared"),
    };
    let mut n = 0;
    let result = loop {
        // SAFETY: stepping the statement we own on the locked connection.
        match unsafe { ffi::sqlite3_step(stmt.0) } {
            ffi::SQLITE_ROW => {
                if let Err(detail) = on_row(&row) {
                    break Err(StoreError::Corrupt {
                        url: url.to_string(),
                        detail,
                    });
                }
                n += 1;
            }
            ffi::SQLITE_DONE => break Ok(n),
            // A damaged page is met only when a read reaches it: say so (`db_corrupt`),
            // as the same failure through sqlx does, rather than a failed read in general.
            rc => break Err(failure(db, url, rc, "reading failed")),
        }
    };
    // SAFETY: as above; reset repeats the step's error, already reported.
    unsafe { ffi::sqlite3_reset(stmt.0) };
    result
}

/// What SQLite's result `rc` on `db` means for an operator, else `what` failed and why.
pub(super) fn failure(db: *mut ffi::sqlite3, url: &str, rc: c_int, what: &str) -> StoreError {
    let text = message(db);
    by_code(url, rc, &text).unwrap_or_else(|| other(url, format!("{what}: {text}")))
}

fn other(url: &str, detail: String) -> StoreError {
    StoreError::Other {
        url: url.to_string(),
        detail,
    }
}

//! Bulk writes straight through SQLite's C API: one single-row upsert prepared per table and
//! write, then bound and stepped for every record. Through sqlx the records went as
//! statements of a thousand rows each: every batch's statements were parsed again (their
//! lengths differ), and every value was copied to cross to sqlx's worker thread; that was
//! most of an import's time. The statement runs inside the caller's transaction.

use std::ffi::c_int;

use libsqlite3_sys as ffi;
use sqlx::SqliteConnection;

use super::scan::{failure, off_the_workers, Prepared};
use crate::store::rows::{insert_prefix, upsert_suffix, Record, Value};
use crate::store::StoreError;

/// Inserts or updates `rows` with the change sequence `seq`; returns how many were new or
/// different (a record stored unchanged is not rewritten and does not count).
pub async fn upsert<R: Record>(
    conn: &mut SqliteConnection,
    url: &str,
    rows: &[R],
    seq: i64,
) -> Result<u64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut handle = conn
        .lock_handle()
        .await
        .map_err(|e| super::error::classify(url, e))?;
    let db = handle.as_raw_handle().as_ptr();
    off_the_workers(|| upsert_on(db, url, rows, seq))
}

fn upsert_sql<R: Record>() -> String {
    let marks = vec!["?"; R::COLUMNS.len() + 1].join(", ");
    format!(
        "{}VALUES ({marks}){}",
        insert_prefix::<R>(),
        upsert_suffix::<R>("IS NOT")
    )
}

fn upsert_on<R: Record>(
    db: *mut ffi::sqlite3,
    url: &str,
    rows: &[R],
    seq: i64,
) -> Result<u64, StoreError> {
    let query = Prepared::new(db, url, &upsert_sql::<R>())?;
    let stmt = query.raw();
    let failed = |rc, what: &str| failure(db, url, rc, &format!("{what} {}", R::TABLE));
    let mut changed = 0;
    for row in rows {
        let values = row.values();
        for (i, v) in values.iter().enumerate() {
            let rc = bind(stmt, (i + 1) as c_int, v);
            if rc != ffi::SQLITE_OK {
                return Err(failed(rc, "cannot bind a value of"));
            }
        }
        // SAFETY: binding to and stepping the statement we own, on the locked connection.
        let rc = unsafe {
            ffi::sqlite3_bind_int64(stmt, (values.len() + 1) as c_int, seq);
            ffi::sqlite3_step(stmt)
        };
        if rc != ffi::SQLITE_DONE {
            return Err(failed(rc, "writing failed in"));
        }
        // SAFETY: as above. The upsert's WHERE leaves an unchanged record alone: 0 changes.
        changed += unsafe { ffi::sqlite3_changes(db) } as u64;
        // SAFETY: as above; reset reports the step's error, already handled.
        unsafe { ffi::sqlite3_reset(stmt) };
    }
    Ok(changed)
}

/// Binds one value. Text is bound without a copy (SQLITE_STATIC): `rows` outlives the
/// statement, which is finalized before `upsert_on` returns.
fn bind(stmt: *mut ffi::sqlite3_stmt, ix: c_int, v: &Value<'_>) -> c_int {
    // SAFETY: a live prepared statement; text pointers stay valid as said above.
    unsafe {
        match *v {
            Value::Int(Some(x)) => ffi::sqlite3_bind_int64(stmt, ix, x),
            Value::Real(Some(x)) => ffi::sqlite3_bind_double(stmt, ix, x),
            Value::Text(Some(s)) => ffi::sqlite3_bind_text(
                stmt,
                ix,
                s.as_ptr().cast(),
                s.len() as c_int,
                ffi::SQLITE_STATIC(),
            ),
            Value::Bool(b) => ffi::sqlite3_bind_int64(stmt, ix, i64::from(b)),
            Value::Int(None) | Value::Real(None) | Value::Text(None) => {
                ffi::sqlite3_bind_null(stmt, ix)
            }
        }
    }
}

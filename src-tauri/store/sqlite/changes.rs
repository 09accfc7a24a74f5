//! The live loop's read of what changed, several times a second. Through the pool each
//! tick took a connection, locked its handle across sqlx's worker thread and prepared six
//! statements anew: about a millisecond, most of a quiet tick's cost. Here a connection of
//! its own, opened beside the pool (so it is the same file), keeps its statements prepared
//! and reads the change number and the changed rows in one read transaction.

use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

use super::scan::{failure, off_the_workers, run_statement, Bind, RawRow, Stmt};
use crate::store::StoreError;

/// A read-only connection and its prepared statements: `BEGIN`, the change number, one
/// query per source (`WHERE seq > ?`), `COMMIT`.
pub(super) struct ChangeReader {
    db: NonNull<ffi::sqlite3>,
    url: String,
    begin: Stmt,
    seq: Stmt,
    sources: Vec<Stmt>,
    commit: Stmt,
}

// SAFETY: the connection is opened without SQLite's own mutex (NOMUTEX) and used by one
// thread at a time: the reader lives behind a `Mutex` and is only used while locked.
unsafe impl Send for ChangeReader {}

impl Drop for ChangeReader {
    fn drop(&mut self) {
        // A connection closes only once its statements are finalized (replacing one
        // finalizes it).
        self.sources.clear();
        for s in [&mut self.begin, &mut self.seq, &mut self.commit] {
            *s = Stmt::null();
        }
        // SAFETY: the handle is open and nothing else uses it.
        unsafe {
            ffi::sqlite3_close(self.db.as_ptr());
        }
    }
}

impl std::fmt::Debug for ChangeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeReader")
            .field("url", &self.url)
            .finish()
    }
}

impl ChangeReader {
    /// Opens the database at `path` read-only and prepares `queries` (one per source, each
    /// with one `?` for the change number after which rows are wanted).
    pub fn open(path: &Path, url: &str, queries: &[String]) -> Result<ChangeReader, StoreError> {
        let other = |detail: String| StoreError::Other {
            url: url.to_string(),
            detail,
        };
        let cpath = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|e| other(format!("the path cannot be opened: {e}")))?;
        let mut raw = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX;
        // SAFETY: a fresh handle; on failure SQLite still returns one to close.
        let rc = unsafe { ffi::sqlite3_open_v2(cpath.as_ptr(), &mut raw, flags, ptr::null()) };
        let Some(db) = NonNull::new(raw) else {
            return Err(other("out of memory opening a reading connection".into()));
        };
        let mut reader = ChangeReader {
            db,
            url: url.to_string(),
            begin: Stmt::null(),
            seq: Stmt::null(),
            sources: Vec::new(),
            commit: Stmt::null(),
        };
        if rc != ffi::SQLITE_OK {
            return Err(failure(
                db.as_ptr(),
                url,
                rc,
                "cannot open a reading connection",
            ));
        }
        // SAFETY: the handle is open.
        unsafe { ffi::sqlite3_busy_timeout(db.as_ptr(), 5_000) };
        reader.begin = reader.prepare("BEGIN")?;
        reader.seq =
            reader.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'")?;
        reader.sources = queries
            .iter()
            .map(|q| reader.prepare(q))
            .collect::<Result<_, _>>()?;
        reader.commit = reader.prepare("COMMIT")?;
        Ok(reader)
    }

    fn prepare(&self, sql: &str) -> Result<Stmt, StoreError> {
        Stmt::prepare(self.db.as_ptr(), &self.url, sql)
    }

    /// The change number now, and every row of source `i` stored under a number above
    /// `after` given to `on_row(i, row)`, read at one moment. A long read (after an import)
    /// runs off the async workers.
    pub fn read(
        &mut self,
        after: i64,
        on_row: &mut (dyn FnMut(usize, &RawRow) -> Result<(), String> + Send),
    ) -> Result<i64, StoreError> {
        let db = self.db.as_ptr();
        let url = self.url.as_str();
        run_statement(db, &self.begin, url, &[], &mut |_| Ok(()))?;
        let result = (|| {
            let mut seq = None;
            run_statement(db, &self.seq, url, &[], &mut |r| {
                seq = r.int(0);
                Ok(())
            })?;
            let seq = seq.ok_or_else(|| StoreError::Corrupt {
                url: url.to_string(),
                detail: "meta has no change_seq".into(),
            })?;
            if seq > after {
                let mut each = |stmts: &[Stmt]| -> Result<(), StoreError> {
                    for (i, s) in stmts.iter().enumerate() {
                        run_statement(db, s, url, &[Bind::Int(after)], &mut |r| on_row(i, r))?;
                    }
                    Ok(())
                };
                // A handful of batches is read in line; more (an import's) may be many
                // rows, read without holding an async worker.
                if seq - after > SMALL {
                    off_the_workers(|| each(&self.sources))?;
                } else {
                    each(&self.sources)?;
                }
            }
            Ok(seq)
        })();
        // Ends the read transaction whatever happened (a failed COMMIT of a read changes
        // nothing; the next BEGIN would say so).
        let _ = run_statement(db, &self.commit, url, &[], &mut |_| Ok(()));
        result
    }
}

/// Write batches read in line; the simulator and a CAD feed write a few per second.
const SMALL: i64 = 16;

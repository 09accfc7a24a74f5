//! SQLite's failures sorted into `StoreError`, by SQLite's result code — the same for a
//! failure through sqlx (`classify`) and one stepping a statement on the raw handle
//! (`scan.rs`, through `by_code`).

use crate::store::StoreError;

/// Sorts a sqlx error by SQLite's result code into what happened.
pub fn classify(url: &str, err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if let Some(code) = db.code().and_then(|c| c.parse::<i32>().ok()) {
            if let Some(sorted) = by_code(url, code, db.message()) {
                return sorted;
            }
        }
    }
    tracing::debug!(error = ?err, "database error");
    StoreError::Other {
        url: url.to_string(),
        detail: err.to_string(),
    }
}

/// What SQLite's result `code` (primary or extended) with its `message` means, where it is
/// one an operator can act on; `None` for the rest.
pub fn by_code(url: &str, code: i32, message: &str) -> Option<StoreError> {
    let url = url.to_string();
    // The primary result code is the low byte of the extended code.
    Some(match code & 0xff {
        5 | 6 => StoreError::Locked { url },
        13 => StoreError::DiskFull { url },
        8 => StoreError::ReadOnly { url },
        // SQLITE_CORRUPT, SQLITE_NOTADB.
        11 | 26 => StoreError::Corrupt {
            url,
            detail: message.to_string(),
        },
        14 => StoreError::Open {
            url,
            detail: message.to_string(),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_codes_are_sorted_by_their_primary_code() {
        let code = |c: i32| by_code("sqlite:w.db", c, "m").map(|e| e.code());
        // SQLITE_CORRUPT, SQLITE_CORRUPT_INDEX (779), SQLITE_NOTADB, SQLITE_BUSY_SNAPSHOT (517).
        assert_eq!(code(11), Some("db_corrupt"));
        assert_eq!(code(779), Some("db_corrupt"));
        assert_eq!(code(26), Some("db_corrupt"));
        assert_eq!(code(517), Some("db_locked"));
        assert_eq!(code(13), Some("disk_full"));
        assert_eq!(code(1), None);
    }
}

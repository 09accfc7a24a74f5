//! SQLite's failures sorted into `StoreError`, by SQLite's result code.

use crate::store::StoreError;

/// Sorts a sqlx error by SQLite's result code into what happened.
pub fn classify(url: &str, err: sqlx::Error) -> StoreError {
    let url = url.to_string();
    if let sqlx::Error::Database(db) = &err {
        // Primary result code is the low byte of the extended code.
        let code = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        match code {
            Some(5) | Some(6) => return StoreError::Locked { url },
            Some(13) => return StoreError::DiskFull { url },
            Some(8) => return StoreError::ReadOnly { url },
            Some(11) | Some(26) => {
                return StoreError::Corrupt {
                    url,
                    detail: db.message().to_string(),
                }
            }
            Some(14) => {
                return StoreError::Open {
                    url,
                    detail: db.message().to_string(),
                }
            }
            _ => {}
        }
    }
    tracing::debug!(error = ?err, "database error");
    StoreError::Other {
        url,
        detail: err.to_string(),
    }
}

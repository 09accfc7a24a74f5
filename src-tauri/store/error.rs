//! What can go wrong with the database, in words an operator can act on.

/// A database failure, whatever the backend. Each backend sorts its driver's errors into
/// these (`sqlite/error.rs`) and logs the internals; `Display` is the message shown to
/// people, naming the database and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {url} does not exist (create it with `commandwall db migrate`)")]
    Missing { url: String },
    #[error("database {url} is locked by another program; it was left untouched, try again when that program has finished")]
    Locked { url: String },
    #[error("the disk holding {url} is full; the write was rolled back and nothing stored before was lost — free space and retry")]
    DiskFull { url: String },
    #[error("database {url} is read-only or its folder cannot be written")]
    ReadOnly { url: String },
    #[error("{url} is not a Command Wall database or is damaged ({detail})")]
    Corrupt { url: String, detail: String },
    /// A SQLite file with someone else's tables: writing ours into it (and switching it to
    /// WAL) would change a file that is not ours.
    #[error("{url} is not a Command Wall database: it holds {found}, none of them ours; it was left untouched — give --database a new file, or an empty one")]
    Foreign { url: String, found: String },
    #[error("database {url} cannot be opened: {detail}")]
    Open { url: String, detail: String },
    #[error("database {url} schema could not be brought up to date: {detail}")]
    Migrate { url: String, detail: String },
    #[error("cannot use database {url}: {why}")]
    Unsupported { url: String, why: String },
    #[error("database {url} was deleted while it was open; the last figures stay on show until a database is back at that path")]
    Deleted { url: String },
    #[error("database {url} was replaced on disk (a restored backup?); it was opened again and the figures are being rebuilt from it")]
    Replaced { url: String },
    #[error("database {url}: {detail}")]
    Other { url: String, detail: String },
}

impl StoreError {
    /// A stable code for IPC and HTTP (`{code, message}`).
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Missing { .. } => "db_missing",
            StoreError::Locked { .. } => "db_locked",
            StoreError::DiskFull { .. } => "disk_full",
            StoreError::ReadOnly { .. } => "db_read_only",
            StoreError::Corrupt { .. } => "db_corrupt",
            StoreError::Foreign { .. } => "db_foreign",
            StoreError::Open { .. } => "db_open",
            StoreError::Migrate { .. } => "db_migrate",
            StoreError::Unsupported { .. } => "db_unsupported",
            StoreError::Deleted { .. } => "db_deleted",
            StoreError::Replaced { .. } => "db_replaced",
            StoreError::Other { .. } => "db_error",
        }
    }
}

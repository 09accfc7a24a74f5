//! What stops an import: the file, its header, the mapping or the store.

use super::mapping::MappingError;
use crate::store::StoreError;

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

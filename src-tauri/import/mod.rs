//! Imports CSV exports of real CAD and 12345/311 systems through declarative mappings.

pub mod error;
pub mod mapping;
pub mod parse;
pub mod read;
pub mod run;

pub use error::ImportError;
pub use mapping::Mapping;
pub use run::{import_file, ImportSummary};

//! Imports CSV exports of real CAD and 12345/311 systems through declarative mappings.

mod batch;
mod clock;
pub mod field_source;
mod fill;
mod header;
mod input;
pub mod mapping;
mod nearest;
pub mod parse;
mod phone;
pub mod read;
pub mod run;
mod summary;
mod time_format;
mod toml_place;
pub mod watch;

pub use mapping::Mapping;
pub use run::{import_file, import_file_showing, ImportError, ImportSummary, Progress};

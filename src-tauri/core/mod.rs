//! The core: records, vocabularies, the local calendar and the figures computed from them.
//!
//! Architecture invariant: nothing under `core` does I/O, reads a clock, or imports tauri,
//! axum or sqlx. Adapters hand it data and a `now`; it hands back values.

pub mod caller;
pub mod categories;
pub mod kpi;
pub mod live;
pub mod model;
pub mod repeat;
pub mod time;
pub mod wall;

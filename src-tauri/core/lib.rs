//! The core: records, vocabularies, the local calendar and the figures computed from them.
//!
//! Architecture invariant: nothing in this crate does I/O, reads a clock, or imports tauri,
//! axum, sqlx or tokio (it is a crate of its own so the build holds it to that: its
//! Cargo.toml names none of them). Adapters hand it data, a `now` and the threads it may
//! use; it hands back values.

pub mod alerts;
pub mod caller;
pub mod categories;
pub mod holidays;
pub mod kpi;
pub mod model;
pub mod repeat;
pub mod time;
pub mod wall;

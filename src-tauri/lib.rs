//! Command Wall (指挥大屏): the 110 command hall's wallboard, desk view and weekly report.
//!
//! The layers, each using only those below it (see ARCHITECTURE.md):
//! `doors` (command line, window, HTTP) → `services` (the live loop and the questions
//! doors ask) → `store`, `charts`, `sim`, `import` → `core` (a crate of its own: pure
//! figures). `config` and `setup` are what every door reads first.

/// The core is its own crate so that "no I/O, no tauri/axum/sqlx/tokio" is checked by the
/// build; the layers above reach it as `crate::core::…`.
pub use commandwall_core as core;

pub mod charts;
pub mod config;
pub mod doors;
pub mod import;
pub mod report;
pub mod services;
pub mod setup;
pub mod sim;
pub mod store;

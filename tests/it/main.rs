//! The integration tests: one binary, one module per area.

mod cli;
mod disk_full;
mod helpers;
mod import_bad;
mod import_real;
mod migrations;
mod simulator;

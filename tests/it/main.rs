//! The integration tests: one binary, one module per area.

mod alerts;
mod bad_questions;
mod caller_key;
mod cli;
mod disk_full;
mod fuzz_corpus;
mod helpers;
mod import_bad;
mod import_real;
mod kpi_cad;
mod kpi_cuts;
mod kpi_engine;
mod kpi_fixtures;
mod kpi_reference;
mod layers;
mod live_faults;
mod live_rebuild;
mod long_labels;
mod migrations;
mod repeat_calls;
mod report;
mod serve;
mod serve_door;
mod simulator;
mod wall_pages;

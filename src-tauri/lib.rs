//! Command Wall (指挥大屏): the 110 command hall's wallboard, desk view and weekly report.
//!
//! One core computes the figures (`core`); the store (`store`), the simulator (`sim`), the
//! importer (`import`), the command line (`cli`) and the window (`desktop`) are doors onto
//! it. See ARCHITECTURE.md.

pub mod app;
pub mod bench;
pub mod charts;
pub mod cli;
pub mod config;
pub mod core;
pub mod desk;
pub mod desktop;
pub mod import;
pub mod kpi_cli;
pub mod kpi_feed;
pub mod live_service;
pub mod serve;
pub mod sim;
pub mod store;
pub mod wall_feed;

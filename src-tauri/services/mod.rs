//! What every door shares: the live loop that ticks the engine and publishes the wall's
//! state, and the questions the doors ask of the store and the core.

pub mod alerts;
pub mod desk_queries;
pub mod figures;
pub mod ledger;
pub mod live_loop;
pub mod memory;
pub mod report;
pub mod simulation;
pub mod ui_settings;
pub mod wall_lists;

//! The KPI engine: every figure of the domain contract, from facts to reports.

pub mod breakdown;
pub mod engine;
pub mod evaluate;
pub mod facts;
pub mod figures;
pub mod filter;
pub mod hist;
pub mod ledger;
pub mod report;
pub mod vocabulary;
pub mod window;

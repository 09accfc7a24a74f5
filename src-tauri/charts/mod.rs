//! Every chart, drawn in Rust with plotters as SVG, so the wall, the desk and the report
//! show the same picture. The theme is a parameter: dark for the wall, white for print.
//!
//! Labels are measured with the CJK font the UI renders them in, so Chinese labels get the
//! room they need; `fonts::register` must have run once before anything is drawn.

mod bars;
pub mod fonts;
mod hourly;
pub mod set;
mod theme;

pub use bars::{bars, Bar, Tone};
pub use hourly::hourly;
pub use theme::{Lang, Theme};

/// A chart could not be drawn (no font registered, or plotters failed).
#[derive(Debug, thiserror::Error)]
#[error("chart {chart}: {reason}")]
pub struct ChartError {
    pub chart: &'static str,
    pub reason: String,
}

fn failed<E: std::fmt::Debug>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError {
        chart,
        reason: format!("{e:?}"),
    }
}

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

/// Width of `text` as the browser will render it. plotters measures with ab_glyph at a
/// pixel *height* (ascent − descent) but writes `size / 1.24` as the SVG font-size (an em),
/// so its widths are short by the font's height-to-em ratio (1.448 / 1.24 for Noto CJK). A
/// full-width character is exactly one em wide: measuring one gives the ratio from the font
/// itself.
fn text_width<DB: plotters::prelude::DrawingBackend>(
    area: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    text: &str,
    style: &plotters::style::TextStyle,
) -> Result<i32, ChartError> {
    let measure = |t: &str| {
        area.estimate_text_size(t, style)
            .map(|(w, _)| f64::from(w))
            .map_err(failed("measure"))
    };
    let em_measured = measure("中")?.max(1.0);
    let em_rendered = style.font.get_size() / 1.24;
    Ok((measure(text)? * em_rendered / em_measured).ceil() as i32)
}

fn failed<E: std::fmt::Debug>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError {
        chart,
        reason: format!("{e:?}"),
    }
}

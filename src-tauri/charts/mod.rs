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
    // Ten of them, so plotters' whole-pixel widths round off a tenth as much.
    let em_measured = (measure("中中中中中中中中中中")? / 10.0).max(0.1);
    let em_rendered = style.font.get_size() / 1.24;
    Ok((measure(text)? * em_rendered / em_measured).ceil() as i32)
}

fn failed<E: std::fmt::Debug>(chart: &'static str) -> impl Fn(E) -> ChartError {
    move |e| ChartError {
        chart,
        reason: format!("{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use super::*;

    #[test]
    fn labels_are_measured_at_the_size_the_browser_renders() {
        fonts::register().expect("the CJK font (fonts-noto-cjk) is installed");
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (400, 100)).into_drawing_area();
        // plotters writes font-size = size / 1.24; at size 37.2 that is 30 px, and a
        // full-width character is one em: five of them are 150 px wide on screen.
        let style = TextStyle::from((fonts::FAMILY, 37.2).into_font());
        assert_eq!(text_width(&area, "非警务警情", &style).unwrap(), 150);
        // Latin digits are narrower than an em but measured with the same scale.
        let digits = text_width(&area, "12,345", &style).unwrap();
        assert!((60..120).contains(&digits), "{digits}");
    }
}

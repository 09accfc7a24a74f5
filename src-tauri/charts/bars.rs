//! Horizontal bars with their labels measured: funnels, time bands, category mixes, seats.
//! Drawn with plotters' primitives so the label column is exactly as wide as its longest
//! label in the CJK font.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts::FAMILY;
use super::{failed, text_width, ChartError, Theme};

/// What a bar's colour says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Good,
    Bad,
    Warn,
    Dim,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Written after the bar ("1,234", "23.4%").
    pub text: String,
    pub tone: Tone,
}

/// Bars on a `width`×`height` canvas, one row each, longest value filling the width.
pub fn bars(
    chart: &'static str,
    items: &[Bar],
    theme: &Theme,
    (width, height): (u32, u32),
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&theme.background).map_err(failed(chart))?;
        let px = theme.label_px as f64 * 1.24;
        let label_font = (FAMILY, px).into_font().color(&theme.text);
        let value_font = (FAMILY, px).into_font().style(FontStyle::Bold);
        let measure = |text: &str, f: &TextStyle| text_width(&root, text, f);
        let pad = (theme.label_px / 2) as i32;
        let mut label_w = 0;
        let mut value_w = 0;
        for b in items {
            label_w = label_w.max(measure(&b.label, &label_font)?);
            value_w = value_w.max(measure(&b.text, &value_font.color(&theme.text))?);
        }
        let n = items.len().max(1) as i32;
        let row = (height as i32 - 2 * pad) / n;
        let bar_h = (row as f64 * 0.62) as i32;
        let x0 = pad + label_w + pad;
        let span = (width as i32 - x0 - pad - value_w - pad).max(1);
        let max = items.iter().map(|b| b.value).fold(0.0, f64::max);
        for (i, b) in items.iter().enumerate() {
            let mid = pad + row * i as i32 + row / 2;
            let colour = match b.tone {
                Tone::Plain => theme.accent,
                Tone::Good => theme.good,
                Tone::Bad => theme.bad,
                Tone::Warn => theme.warn,
                Tone::Dim => theme.dim,
            };
            let len = if max > 0.0 {
                (b.value / max * span as f64).round() as i32
            } else {
                0
            };
            root.draw(&Text::new(
                b.label.clone(),
                (x0 - pad, mid),
                label_font.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(failed(chart))?;
            // A zero still shows a hairline, so an empty stage reads as zero, not missing.
            root.draw(&Rectangle::new(
                [(x0, mid - bar_h / 2), (x0 + len.max(2), mid + bar_h / 2)],
                colour.filled(),
            ))
            .map_err(failed(chart))?;
            root.draw(&Text::new(
                b.text.clone(),
                (x0 + len.max(2) + pad, mid),
                value_font
                    .color(&theme.text)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(failed(chart))?;
        }
        root.present().map_err(failed(chart))?;
    }
    Ok(svg)
}

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

/// The widest the label column may be, as a share of the canvas: a longer label (a
/// category the source names in 26 characters) is shortened with "…" so that the bars
/// keep the rest of the width.
const LABEL_SHARE: f64 = 0.34;

/// `text` as it fits in `max` pixels: whole, or as many leading characters as fit with
/// "…" after them (measured in the chart's font).
fn fit(
    text: &str,
    max: i32,
    measure: &dyn Fn(&str) -> Result<i32, ChartError>,
) -> Result<String, ChartError> {
    if measure(text)? <= max {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = |n: usize| chars[..n].iter().collect::<String>() + "…";
    // The most characters that fit, by halving: a wide label is measured a few times, not
    // once per character.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if measure(&cut(mid))? <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(cut(lo))
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
        let most = (f64::from(width) * LABEL_SHARE) as i32;
        let labels = items
            .iter()
            .map(|b| fit(&b.label, most, &|t| measure(t, &label_font)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut label_w = 0;
        let mut value_w = 0;
        for (b, label) in items.iter().zip(&labels) {
            label_w = label_w.max(measure(label, &label_font)?);
            value_w = value_w.max(measure(&b.text, &value_font.color(&theme.text))?);
        }
        let n = items.len().max(1) as i32;
        let row = (height as i32 - 2 * pad) / n;
        let bar_h = (row as f64 * 0.62) as i32;
        let x0 = pad + label_w + pad;
        let span = (width as i32 - x0 - pad - value_w - pad).max(1);
        let max = items.iter().map(|b| b.value).fold(0.0, f64::max);
        for (i, (b, label)) in items.iter().zip(labels).enumerate() {
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
                label,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The widths of the bars drawn (`<rect>`s after the background), in the SVG's pixels.
    fn bar_widths(svg: &str) -> Vec<f64> {
        svg.split("<rect")
            .skip(2)
            .filter_map(|r| {
                let w = r.split("width=\"").nth(1)?.split('"').next()?;
                w.parse().ok()
            })
            .collect()
    }

    #[test]
    fn a_long_label_is_shortened_and_leaves_the_bars_their_width() {
        super::super::fonts::register().expect("the CJK font (fonts-noto-cjk) is installed");
        let long = "因邻里纠纷引发的矛盾激化并造成人员受伤需要出警处置的警情";
        assert_eq!(long.chars().count(), 28);
        let bar = |label: &str, value: f64| Bar {
            label: label.into(),
            value,
            text: "1,234  50.0%".into(),
            tone: Tone::Plain,
        };
        let (w, h) = (1000, 300);
        let short = bars(
            "t",
            &[bar("盗窃", 10.0), bar("诈骗", 5.0)],
            &Theme::WALL,
            (w, h),
        )
        .unwrap();
        let with_long = bars(
            "t",
            &[bar(long, 10.0), bar("诈骗", 5.0)],
            &Theme::WALL,
            (w, h),
        )
        .unwrap();
        assert!(!with_long.contains(long), "the whole label is not drawn");
        let shown = &with_long[with_long.find("因邻里").expect("its start is drawn")..];
        let shown = shown[..shown.find('<').unwrap()].trim();
        assert!(
            shown.ends_with('…') && shown.chars().count() < 28,
            "{shown}"
        );
        // The longest bar keeps most of the width: at least the canvas minus the widest
        // label column and the value text.
        let longest = bar_widths(&with_long).into_iter().fold(0.0, f64::max);
        assert!(
            longest >= 0.4 * f64::from(w),
            "longest bar {longest} px of {w}"
        );
        let before = bar_widths(&short).into_iter().fold(0.0, f64::max);
        assert!(
            longest >= before - 0.34 * f64::from(w),
            "{longest} vs {before}"
        );
        // Labels that fit are drawn whole.
        assert!(short.contains("盗窃") && !short.contains('…'));
    }
}

//! Calls per hour today against the same weekday last week and last year: today thick and
//! bright, the bases thin and dim, each labelled at its line's end instead of a legend.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts::FAMILY;
use super::{failed, text_width, ChartError, Lang, Theme};
use crate::core::wall::hourly::Hourly;

pub fn hourly(
    h: &Hourly,
    theme: &Theme,
    lang: Lang,
    (width, height): (u32, u32),
) -> Result<String, ChartError> {
    const CHART: &str = "hourly";
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&theme.background).map_err(failed(CHART))?;
        let px = theme.label_px as f64 * 1.24;
        let font = (FAMILY, px).into_font().color(&theme.dim);
        let names = [
            lang.pick("今日", "Today"),
            lang.pick("上周同日", "Last week"),
            lang.pick("去年同期", "Last year"),
        ];
        // Room on the right for the longest direct label.
        let mut label_w = 0;
        for n in names {
            label_w = label_w.max(text_width(&root, n, &font)?);
        }
        // A base day without a single call is a day without data, not a quiet day.
        let has = |v: &[u32]| v.iter().any(|x| *x > 0);
        // The current hour is still filling: drawn as a point, not as a fall in the line.
        let (done, partial) = h.today.split_at(h.today.len().saturating_sub(1));
        let top = h
            .today
            .iter()
            .chain(&h.last_week)
            .chain(&h.last_year)
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let y_max = (top as f64 * 1.12).ceil();
        let mut chart = ChartBuilder::on(&root)
            .margin(theme.label_px / 2)
            .margin_right(label_w.max(0) as u32 + theme.label_px)
            .x_label_area_size(px as u32 + theme.label_px / 2)
            .y_label_area_size(
                text_width(&root, &format!("{}", y_max as u64), &font)? as u32 + theme.label_px / 2,
            )
            .build_cartesian_2d(0f64..23f64, 0f64..y_max)
            .map_err(failed(CHART))?;
        let hour_suffix = lang.pick("时", "h");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(theme.background)
            .bold_line_style(theme.grid.stroke_width(1))
            .axis_style(theme.grid.stroke_width(2))
            .x_labels(8)
            .y_labels(5)
            .x_label_formatter(&|x| format!("{}{hour_suffix}", *x as u32))
            .y_label_formatter(&|y| format!("{}", *y as u64))
            .label_style(font.clone())
            .draw()
            .map_err(failed(CHART))?;
        let series: [(&[u32], ShapeStyle, &str); 3] = [
            (&h.last_year, theme.dim.mix(0.6).stroke_width(3), names[2]),
            (&h.last_week, theme.dim.stroke_width(3), names[1]),
            (done, theme.accent.stroke_width(7), names[0]),
        ];
        if let Some(&v) = partial.first() {
            let at = (done.len() as f64, f64::from(v));
            chart
                .draw_series([Circle::new(at, 7, theme.accent.filled())])
                .map_err(failed(CHART))?;
        }
        let mut labels = Vec::new();
        for (i, (values, style, name)) in series.into_iter().enumerate() {
            // Today is labelled even in its first hour (at the point); a base only with data.
            let today = i == 2;
            if !(has(values) || today && !h.today.is_empty()) {
                continue;
            }
            let mut points: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, f64::from(*v)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), style))
                .map_err(failed(CHART))?;
            if today {
                points.extend(partial.first().map(|v| (done.len() as f64, f64::from(*v))));
            }
            let (x, y) = *points.last().expect("not empty");
            labels.push((name, chart.backend_coord(&(x, y)), style.color));
        }
        // Lines often end close together: labels are pushed apart to a line's height.
        labels.sort_by_key(|(_, (_, y), _)| *y);
        let line = (px * 1.05) as i32;
        for i in 1..labels.len() {
            let above = labels[i - 1].1 .1;
            if labels[i].1 .1 < above + line {
                labels[i].1 .1 = above + line;
            }
        }
        for (name, (px_x, px_y), colour) in labels {
            root.draw(&Text::new(
                name,
                (px_x + theme.label_px as i32 / 2, px_y),
                font.clone()
                    .color(&colour)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(failed(CHART))?;
        }
        root.present().map_err(failed(CHART))?;
    }
    Ok(svg)
}

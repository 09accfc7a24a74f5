//! The report's tables as a spreadsheet: one sheet per table, named by its section number
//! and title, the title in the first row and the header row under it, both frozen; numbers
//! stored as numbers in a format that shows them as the PDF does (shares as percentages,
//! changes signed), dates and times as dates; column widths from the longest text.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::cell::{Cell, Raw};
use super::csv::sheet_name;
use super::Document;
use crate::core::kpi::vocabulary::Unit;

/// The number format a cell is shown in.
fn num_format(c: &Cell) -> &'static str {
    match c {
        Cell::Value(Unit::Share, _) => "0.0%",
        Cell::Value(Unit::Count, v) if v.fract() == 0.0 => "#,##0",
        Cell::Value(..) => "#,##0.0",
        Cell::Diff(Unit::Count, _) => "+#,##0;-#,##0;0",
        // Points of a share, and seconds.
        Cell::Diff(..) => "+0.0;-0.0;0.0",
        Cell::Percent(_) => "+0.0\"%\";-0.0\"%\";0.0\"%\"",
        Cell::Date(_) => "yyyy-mm-dd",
        Cell::Time(_) => "yyyy-mm-dd hh:mm:ss",
        Cell::None | Cell::Text(_) => "@",
    }
}

/// Display width in Excel's character units: a CJK character takes two.
fn width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
        .sum()
}

fn sheet(ws: &mut Worksheet, name: &str, title: &str, t: &super::Table) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, title, &bold)?;
    let mut widths: Vec<f64> = t.columns.iter().map(|c| width(c)).collect();
    for (col, label) in t.columns.iter().enumerate() {
        ws.write_string_with_format(1, col as u16, label, &bold)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (col, cell) in row.iter().enumerate() {
            let c = col as u16;
            let f = Format::new().set_num_format(num_format(cell));
            match cell.raw() {
                Raw::Text(s) => {
                    ws.write_string(r, c, &s)?;
                }
                Raw::Number(v) => {
                    ws.write_number_with_format(r, c, v, &f)?;
                }
                Raw::Date(d) => {
                    ws.write_datetime_with_format(r, c, d, &f)?;
                }
                Raw::Time(t) => {
                    ws.write_datetime_with_format(r, c, t, &f)?;
                }
            }
            let shown = match cell {
                Cell::Time(_) => 19.0,
                Cell::Date(_) => 10.0,
                _ => width(&super::csv::raw_text(&cell.raw())) + 2.0,
            };
            if let Some(w) = widths.get_mut(col) {
                *w = w.max(shown);
            }
        }
    }
    for (col, w) in widths.iter().enumerate() {
        ws.set_column_width(col as u16, (w + 2.0).clamp(6.0, 60.0))?;
    }
    // The title and the header stay in view while scrolling.
    ws.set_freeze_panes(2, 0)?;
    Ok(())
}

pub fn write(doc: &Document) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut used: Vec<String> = Vec::new();
    for (section, t) in doc.tables() {
        let mut name = sheet_name(section, &t.title);
        // Names cut to 31 characters may meet; Excel wants each once.
        let mut k = 2;
        while used.contains(&name) {
            let tail = format!("~{k}");
            name = name.chars().take(31 - tail.len()).collect::<String>() + &tail;
            k += 1;
        }
        used.push(name.clone());
        sheet(wb.add_worksheet(), &name, &t.title, t)?;
    }
    if used.is_empty() {
        wb.add_worksheet();
    }
    wb.save_to_buffer()
}

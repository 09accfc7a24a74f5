//! The report's tables as one CSV file: UTF-8 with a byte-order mark (Excel on a Chinese
//! desktop reads a BOM-less file as GBK and garbles it), each table as a line with its
//! sheet name, its header row and its rows, then an empty line. Numbers are written as
//! numbers, as the spreadsheet stores them; a value that cannot be computed is "—".

use super::cell::Raw;
use super::Document;

pub const BOM: &str = "\u{feff}";

/// The name a table goes by in the CSV and as a spreadsheet sheet: section number and
/// title ("3 各巡区快速反应圈达标率"), cut to Excel's 31 characters.
pub fn sheet_name(section: usize, title: &str) -> String {
    // Excel forbids : \ / ? * [ ] in sheet names.
    let clean: String = title
        .chars()
        .map(|c| if ":\\/?*[]".contains(c) { ' ' } else { c })
        .collect();
    format!("{section} {clean}").chars().take(31).collect()
}

/// A raw value as the CSV writes it (and as the spreadsheet, read back, must give it).
pub fn raw_text(r: &Raw) -> String {
    match r {
        Raw::Text(s) => s.clone(),
        Raw::Number(v) => v.to_string(),
        Raw::Date(d) => d.format("%Y-%m-%d").to_string(),
        Raw::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

pub fn write(doc: &Document) -> Vec<u8> {
    let fail = "writing CSV to memory cannot fail";
    let mut out = BOM.as_bytes().to_vec();
    for (section, t) in doc.tables() {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        w.write_record([sheet_name(section, &t.title)]).expect(fail);
        w.write_record(&t.columns).expect(fail);
        for row in &t.rows {
            w.write_record(row.iter().map(|c| raw_text(&c.raw())))
                .expect(fail);
        }
        out.extend(w.into_inner().expect(fail));
        // An empty line between tables (a record of one empty field would be `""`).
        out.push(b'\n');
    }
    out
}

//! `commandwall categories`: the category codes a mapping translates into, each class
//! followed by its items, with their Chinese and English names.

use unicode_width::UnicodeWidthStr;

use crate::core::categories::{self, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

#[derive(Debug, clap::Args)]
pub struct CategoriesArgs {
    /// Only this language's names; both by default.
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

pub fn run(args: &CategoriesArgs) -> anyhow::Result<()> {
    print!("{}", table(args.lang));
    Ok(())
}

/// The vocabulary as aligned columns: code (items indented under their class), the names
/// asked for, and a class's kind (police, or non-police: for 12345).
pub fn table(lang: Option<Lang>) -> String {
    let zh = lang != Some(Lang::En);
    let en = lang != Some(Lang::Zh);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["code".to_string()];
    if zh {
        head.push("名称".into());
    }
    if en {
        head.push("name".into());
    }
    head.push(match lang {
        Some(Lang::Zh) => "类别".into(),
        Some(Lang::En) => "kind".into(),
        None => "类别 kind".into(),
    });
    rows.push(head);
    for c in categories::all() {
        let mut row = vec![match c.parent {
            Some(_) => format!("  {}", c.code),
            None => c.code.to_string(),
        }];
        if zh {
            row.push(c.zh.into());
        }
        if en {
            row.push(c.en.into());
        }
        if c.parent.is_none() {
            let (kzh, ken) = match c.kind {
                Kind::Police => ("警务", "police"),
                Kind::NonPolice => ("非警务 (12345)", "non-police (12345)"),
            };
            row.push(match lang {
                Some(Lang::Zh) => kzh.into(),
                Some(Lang::En) => ken.into(),
                None => format!("{kzh} {ken}"),
            });
        }
        rows.push(row);
    }
    aligned(&rows)
}

/// Columns padded to their widest cell, in terminal columns (a Chinese character takes two).
fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] - cell.width() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

//! The weekly report (周报, domain.md "The weekly report"): a document of sections, sentences,
//! tables and charts built from figures the KPI core computed (`content`), and the files it
//! is written as (`pdf` through a Typst template, `xlsx`, `csv`). The document is plain data:
//! every format renders the same one, so the PDF, the spreadsheet and the CSV cannot differ.
//! `schedule` says which week is due and names the archive's files. No I/O but reading the
//! template and the font, and no store: `services::report` gathers the inputs.

pub mod cell;
pub mod content;
pub mod csv;
pub mod pdf;
pub mod schedule;
pub mod xlsx;

pub use cell::Cell;
pub use content::{build, Inputs};

use crate::charts::Lang;

/// A report as every format renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub centre: String,
    /// "2026年第47周接处警工作周报" / "Weekly report, 2026-W47".
    pub title: String,
    /// The local days covered, as people write them.
    pub period: String,
    /// When and from what it was made ("制表时间 …").
    pub made: String,
    pub lang: Lang,
    pub sections: Vec<Section>,
}

/// One of the contract's sections (总体情况, 警情结构, …), in its order.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub key: &'static str,
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of plain prose.
    Text(String),
    Table(Table),
    Chart(Chart),
}

/// A chart drawn by `crate::charts` in the print theme, as SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub id: &'static str,
    pub caption: String,
    pub svg: String,
}

/// A table: the same rows in the PDF, one spreadsheet sheet, and one block of the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Stable name (sheet and CSV block), unlike the title it does not change with the lang.
    pub key: &'static str,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Document {
    /// Every table, in reading order, with the number of its section (1-based).
    pub fn tables(&self) -> impl Iterator<Item = (usize, &Table)> {
        self.sections.iter().enumerate().flat_map(|(i, s)| {
            s.blocks.iter().filter_map(move |b| match b {
                Block::Table(t) => Some((i + 1, t)),
                _ => None,
            })
        })
    }
}

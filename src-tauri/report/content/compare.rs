//! Figures against their bases as the report shows them. A base period without a single
//! record is a period without data (before the centre's history starts, or a gap in it),
//! not a period of zeros: its comparisons are "—", never a fake −100% or 0%.

use super::{Inputs, Lang};
use crate::charts::set::band_label;
use crate::core::kpi::evaluate::Evaluated;
use crate::core::kpi::report::{Change, Compared};
use crate::core::kpi::vocabulary::{Figure, Unit};
use crate::report::{Cell, Table};

/// Which base a comparison is against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// 环比: the period just before.
    Pop,
    /// 同比: the same period a year earlier.
    Yoy,
}

/// The period's figures, and which bases hold data.
pub struct Compare<'a> {
    compared: &'a [Compared],
    /// Whether the period itself has any record.
    pub has_data: bool,
    pub pop_has_data: bool,
    pub yoy_has_data: bool,
}

/// The records that make a period "with data": any call, incident, work order or callback.
const VOLUMES: [Figure; 4] = [
    Figure::Calls,
    Figure::Incidents,
    Figure::WorkOrders,
    Figure::Callbacks,
];

impl<'a> Compare<'a> {
    pub fn new(e: &'a Evaluated) -> Compare<'a> {
        let sum = |get: &dyn Fn(&Compared) -> Option<f64>| -> f64 {
            e.compared
                .iter()
                .filter(|c| VOLUMES.contains(&c.key))
                .filter_map(get)
                .sum()
        };
        Compare {
            compared: &e.compared,
            has_data: sum(&|c| c.value) > 0.0,
            pop_has_data: sum(&|c| c.pop.base) > 0.0,
            yoy_has_data: sum(&|c| c.yoy.base) > 0.0,
        }
    }

    /// A figure's value in the period.
    pub fn value(&self, f: Figure) -> Option<f64> {
        self.find(f).and_then(|c| c.value)
    }

    /// A figure's change against a base; `None` when the base holds no data.
    pub fn change(&self, f: Figure, base: Base) -> Option<Change> {
        let c = self.find(f)?;
        match base {
            Base::Pop if self.pop_has_data => Some(c.pop),
            Base::Yoy if self.yoy_has_data => Some(c.yoy),
            _ => None,
        }
    }

    fn find(&self, f: Figure) -> Option<&Compared> {
        self.compared.iter().find(|c| c.key == f)
    }

    /// Sentences saying which comparisons cannot be made, and on what terms the others are.
    pub fn notes(&self, i: &Inputs) -> Vec<String> {
        let n = i.names();
        let mut out = Vec::new();
        let missing = |name: &str| match i.lang {
            Lang::Zh => format!("{name}无数据，相应的同比、环比以“—”表示，不作比较。"),
            Lang::En => {
                format!("{name} has no data: its comparisons are shown as “—”, not as changes.")
            }
        };
        if !self.has_data {
            out.push(missing(n.now));
        }
        if !self.pop_has_data {
            out.push(missing(n.pop));
        }
        if !self.yoy_has_data {
            out.push(missing(n.yoy));
        }
        out.push(
            i.pick(
                "说明：办结、反馈、回访等后续环节，基期按与本期制表时相同的时长计入（同龄比较）；比率的增减以百分点表示；基数为0时百分比为“—”。",
                "Note: later stages (handled, fed back, called back) count in a base only up to the same age the period has now; changes of rates are in percentage points; a percentage against a base of 0 is “—”.",
            )
            .to_string(),
        );
        out
    }

    /// The figures with their 环比 and 同比, as difference and percentage.
    pub fn table(&self, i: &Inputs, key: &'static str, title: &str, figures: &[Figure]) -> Table {
        let n = i.names();
        let unit_name = |u: Unit| match u {
            Unit::Count => i.pick("起/次", "count"),
            Unit::Share => "%",
            Unit::Seconds => i.pick("秒", "s"),
        };
        let rows = figures
            .iter()
            .map(|&f| {
                let u = f.unit();
                // Known only by bands (a phone system's counts): the band, not seconds.
                let now = match (self.value(f), i.figures.report.band(f)) {
                    (None, Some((lo, hi))) => Cell::text(band_label(lo, hi, i.lang)),
                    (v, _) => Cell::value(u, v),
                };
                let mut row = vec![Cell::text(i.label(f)), Cell::text(unit_name(u)), now];
                for base in [Base::Pop, Base::Yoy] {
                    let c = self.change(f, base);
                    row.push(Cell::value(u, c.and_then(|c| c.base)));
                    row.push(Cell::diff(u, c.and_then(|c| c.diff)));
                    row.push(Cell::percent(c.and_then(|c| c.pct)));
                }
                row
            })
            .collect();
        let (chg, pct) = (i.pick("增减", "change"), "%");
        Table {
            key,
            title: title.to_string(),
            columns: vec![
                i.pick("指标", "Figure").into(),
                i.pick("单位", "Unit").into(),
                n.now.into(),
                n.pop.into(),
                format!("{}{chg}", i.pick("环比", "PoP ")),
                format!("{}{pct}", i.pick("环比", "PoP ")),
                n.yoy.into(),
                format!("{}{chg}", i.pick("同比", "YoY ")),
                format!("{}{pct}", i.pick("同比", "YoY ")),
            ],
            rows,
        }
    }
}

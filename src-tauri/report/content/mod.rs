//! From the figures of a period to the report's document, in the contract's order:
//! 总体情况, 警情结构, 接处警效率, 非警务分流, 重复警情治理, 满意度与预警, 数据质量, and an
//! appendix of every figure. Pure: the inputs are handed in, no figure is computed here
//! (values, bases and changes come from `core::kpi`); this only chooses, words and lays out.

mod compare;
mod lists;
mod prose;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::{Block, Chart, Document, Section, Table};
use crate::charts::{bars, Bar, Lang, Theme, Tone};
use crate::core::alerts::lifecycle::Event;
use crate::core::kpi::evaluate::Evaluated;
use crate::core::kpi::report::Report;
use crate::core::kpi::vocabulary::{Figure, Interval};
use crate::core::model::{Millis, OverdueOrder, ProblemKind};
use crate::core::repeat::Governance;
use crate::core::time::local_datetime;
use crate::core::wall::pages::ZoneInfo;

pub use compare::Compare;

/// What a report is made of, gathered by `services::report`.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub centre: String,
    pub tz: Tz,
    pub lang: Lang,
    /// `2026-W47`, or `2026-11-01 – 2026-11-30` for a range.
    pub label: String,
    /// An ISO week (本周/上周) rather than any range (本期/上期).
    pub weekly: bool,
    /// The local days covered, both included.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub made_at: Millis,
    /// The period's figures with their 同比 and 环比 bases.
    pub figures: Evaluated,
    /// Calls per local day of the period, and of the 环比 period day by day.
    pub days: Vec<(NaiveDate, u64)>,
    pub pop_days: Vec<(NaiveDate, u64)>,
    /// Figures per category: the period, its 环比 and its 同比 base (empty: no such base).
    pub categories: [Vec<(String, Report)>; 3],
    /// Figures per zone code: the period and its 环比 base.
    pub zones: [Vec<(String, Report)>; 2],
    pub zone_infos: Vec<ZoneInfo>,
    /// The centre's target for the response-circle rate.
    pub circle_target: f64,
    pub governance: Governance,
    /// Alert audit rows from the period's start to when the report is made.
    pub alerts: Vec<Event>,
    /// Work orders sent in the period and still open past their limit when it is made.
    pub overdue: Vec<OverdueOrder>,
    /// Problems imports logged during the period, by kind: rows not stored, or stored with a
    /// field left empty, which no figure can count.
    pub import_problems: Vec<ProblemKind>,
}

/// The words of the periods compared.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    pub now: &'static str,
    pub pop: &'static str,
    pub yoy: &'static str,
}

impl Inputs {
    pub fn names(&self) -> Names {
        let l = self.lang;
        if self.weekly {
            Names {
                now: l.pick("本周", "This week"),
                pop: l.pick("上周", "Last week"),
                yoy: l.pick("去年同期", "Last year"),
            }
        } else {
            Names {
                now: l.pick("本期", "This period"),
                pop: l.pick("上期", "Previous period"),
                yoy: l.pick("去年同期", "Last year"),
            }
        }
    }

    fn pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(zh, en)
    }

    fn label(&self, f: Figure) -> String {
        match self.lang {
            Lang::Zh => f.zh().into_owned(),
            Lang::En => f.en().into_owned(),
        }
    }

    fn interval_label(&self, i: Interval) -> &'static str {
        match self.lang {
            Lang::Zh => i.labels().0,
            Lang::En => i.labels().1,
        }
    }
}

/// The report's document, and why any chart is missing (the report is made without it).
pub fn build(inputs: &Inputs) -> (Document, Vec<String>) {
    let cmp = Compare::new(&inputs.figures);
    let mut charts = Charts::default();
    let sections = vec![
        overview(inputs, &cmp, &mut charts),
        lists::structure(inputs, &mut charts),
        lists::efficiency(inputs, &cmp, &mut charts),
        lists::diversion(inputs, &cmp, &mut charts),
        lists::repeat(inputs),
        lists::satisfaction_and_alerts(inputs, &cmp),
        lists::quality(inputs, &cmp),
        appendix(inputs, &cmp),
    ];
    let l = inputs.lang;
    let made = local_datetime(inputs.tz, inputs.made_at).format("%Y-%m-%d %H:%M");
    let doc = Document {
        centre: inputs.centre.clone(),
        title: if inputs.weekly {
            match l {
                Lang::Zh => format!(
                    "{}年第{}周接处警工作周报",
                    &inputs.label[..4],
                    inputs.label[6..].trim_start_matches('0')
                ),
                Lang::En => format!("Weekly report, {}", inputs.label),
            }
        } else {
            match l {
                Lang::Zh => "接处警工作报告".to_string(),
                Lang::En => "Report".to_string(),
            }
        },
        period: match l {
            Lang::Zh => format!(
                "{} 至 {}（{}）",
                inputs.first_day, inputs.last_day, inputs.label
            ),
            Lang::En => format!(
                "{} to {} ({})",
                inputs.first_day, inputs.last_day, inputs.label
            ),
        },
        made: match l {
            Lang::Zh => format!("制表时间 {made}（{}）", inputs.tz),
            Lang::En => format!("Made {made} ({})", inputs.tz),
        },
        lang: l,
        sections,
    };
    (doc, charts.errors)
}

/// Charts drawn while the sections are built; a chart that fails leaves its reason.
#[derive(Default)]
struct Charts {
    errors: Vec<String>,
}

/// Print canvas: half an A4 text column's aspect, in the chart's own pixels.
const CHART_SIZE: (u32, u32) = (1400, 420);

impl Charts {
    fn bars(&mut self, id: &'static str, caption: String, items: &[Bar]) -> Option<Block> {
        if items.is_empty() {
            return None;
        }
        let rows = items.len().max(3) as u32;
        let size = (CHART_SIZE.0, (rows * 52 + 30).max(CHART_SIZE.1 / 2));
        match bars(id, items, &Theme::PRINT, size) {
            Ok(svg) => Some(Block::Chart(Chart { id, caption, svg })),
            Err(e) => {
                self.errors.push(e.to_string());
                None
            }
        }
    }
}

fn section(key: &'static str, title: String, blocks: Vec<Block>) -> Section {
    Section { key, title, blocks }
}

/// The figures on the first page, in the order leadership reads them.
const HEADLINE: [Figure; 16] = [
    Figure::Calls,
    Figure::Answered,
    Figure::Abandoned,
    Figure::ValidIncidents,
    Figure::Dispatches,
    Figure::AnsweredWithin15s,
    Figure::P90(Interval::Answer),
    Figure::P90(Interval::SignFor),
    Figure::P90(Interval::Arrival),
    Figure::CircleRate,
    Figure::NonPoliceShare,
    Figure::DiversionRate,
    Figure::WorkOrderResponseRate,
    Figure::WorkOrderHandledRate,
    Figure::WorkOrdersOverdue,
    Figure::Satisfaction,
];

fn overview(i: &Inputs, cmp: &Compare, charts: &mut Charts) -> Section {
    let mut blocks = vec![Block::Text(prose::opening(i, cmp))];
    blocks.extend(cmp.notes(i).into_iter().map(Block::Text));
    blocks.push(Block::Table(cmp.table(
        i,
        "headline",
        i.pick("主要指标", "Headline figures"),
        &HEADLINE,
    )));
    let names = i.names();
    let weekday = |d: NaiveDate| {
        use chrono::Datelike;
        let zh = ["一", "二", "三", "四", "五", "六", "日"];
        match i.lang {
            Lang::Zh => format!("周{}", zh[d.weekday().num_days_from_monday() as usize]),
            Lang::En => d.format("%a").to_string(),
        }
    };
    let day_bars: Vec<Bar> = i
        .days
        .iter()
        .map(|(d, n)| Bar {
            label: format!("{} {}", d.format("%m-%d"), weekday(*d)),
            value: *n as f64,
            text: crate::charts::set::thousands(*n),
            tone: Tone::Plain,
        })
        .collect();
    if i.days.iter().any(|(_, n)| *n > 0) {
        blocks.extend(charts.bars(
            "daily",
            i.pick("每日呼入量", "Calls per day").to_string(),
            &day_bars,
        ));
    }
    let pop_has = i.pop_days.iter().any(|(_, n)| *n > 0);
    let rows = i
        .days
        .iter()
        .enumerate()
        .map(|(k, (d, n))| {
            let base = i.pop_days.get(k).filter(|_| pop_has).map(|(_, b)| *b);
            vec![
                super::Cell::Date(*d),
                super::Cell::text(weekday(*d)),
                super::Cell::count(*n),
                base.map_or(super::Cell::None, super::Cell::count),
                super::Cell::diff(
                    crate::core::kpi::vocabulary::Unit::Count,
                    base.map(|b| *n as f64 - b as f64),
                ),
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        key: "daily",
        title: i.pick("每日呼入量", "Calls per day").into(),
        columns: vec![
            i.pick("日期", "Date").into(),
            i.pick("星期", "Day").into(),
            i.pick("呼入量", "Calls").into(),
            match i.lang {
                Lang::Zh => format!("{}同日", names.pop),
                Lang::En => format!("{}, same day", names.pop),
            },
            i.pick("增减", "Change").into(),
        ],
        rows,
    }));
    section(
        "overview",
        i.pick("一、总体情况", "1. Overview").into(),
        blocks,
    )
}

fn appendix(i: &Inputs, cmp: &Compare) -> Section {
    let all: Vec<Figure> = Figure::all().collect();
    section(
        "appendix",
        i.pick("附表：全部指标", "Appendix: every figure").into(),
        vec![Block::Table(cmp.table(
            i,
            "all_figures",
            i.pick("全部指标", "Every figure"),
            &all,
        ))],
    )
}

//! Sections 2–7: the incident classes and what moved, response times and zones, diversion
//! and work orders, repeat calls, satisfaction and alerts, data quality.

use std::collections::BTreeMap;

use super::compare::{Base, Compare};
use super::{prose, section, Charts, Inputs, Lang};
use crate::charts::set::{band_bars, band_label, thousands};
use crate::charts::{Bar, Tone};
use crate::core::alerts::lifecycle::{Event, EventKind};
use crate::core::alerts::rule::Level;
use crate::core::categories::{self, Kind};
use crate::core::kpi::report::{BandEdges, Report};
use crate::core::kpi::vocabulary::{Figure, Interval, Unit};
use crate::core::model::Severity;
use crate::core::repeat::Flagged;
use crate::core::time::local_datetime;
use crate::report::{Block, Cell, Section, Table};

fn table(key: &'static str, title: &str, columns: &[&str], rows: Vec<Vec<Cell>>) -> Block {
    Block::Table(Table {
        key,
        title: title.to_string(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    })
}

fn pct_change(now: f64, base: f64) -> Option<f64> {
    (base != 0.0).then(|| (now - base) / base * 100.0)
}

/// The class a category belongs to: its police class, one row for every non-police
/// matter, and the categories the taxonomy does not know.
fn class_of(code: &str) -> &'static str {
    match categories::find(code) {
        Some(c) if c.kind == Kind::NonPolice => "non_police",
        Some(c) => c.parent.unwrap_or(c.code),
        None => "",
    }
}

fn class_name(i: &Inputs, class: &str) -> String {
    match (class, categories::find(class)) {
        ("non_police", _) => i.pick("非警务", "non-police").into(),
        (_, Some(c)) => i.pick(c.zh, c.en).into(),
        _ => i.pick("未分类", "uncategorised").into(),
    }
}

/// Valid incidents per class of one breakdown.
fn per_class(rows: &[(String, Report)]) -> BTreeMap<&'static str, f64> {
    let mut out = BTreeMap::new();
    for (code, r) in rows {
        *out.entry(class_of(code)).or_insert(0.0) +=
            r.metric(Figure::ValidIncidents).unwrap_or(0.0);
    }
    out
}

pub fn structure(i: &Inputs, charts: &mut Charts) -> Section {
    let n = i.names();
    let [now, pop, yoy] = i.categories.each_ref().map(|c| per_class(c));
    let (pop_ok, yoy_ok) = (!pop.is_empty(), !yoy.is_empty());
    let total: f64 = now.values().sum();
    // Classes in the taxonomy's order, then the non-police row, then the unknown.
    let mut order: Vec<&'static str> = categories::all()
        .filter(|c| c.parent.is_none() && c.kind == Kind::Police)
        .map(|c| c.code)
        .collect();
    order.push("non_police");
    if [&now, &pop, &yoy]
        .iter()
        .any(|m| m.get("").is_some_and(|v| *v > 0.0))
    {
        order.push("");
    }
    let mut moved: Vec<(f64, String, f64, Option<f64>)> = Vec::new();
    let rows = order
        .iter()
        .map(|class| {
            let v = now.get(class).copied().unwrap_or(0.0);
            let p = pop_ok.then(|| pop.get(class).copied().unwrap_or(0.0));
            let y = yoy_ok.then(|| yoy.get(class).copied().unwrap_or(0.0));
            if let Some(p) = p {
                moved.push(((v - p).abs(), class_name(i, class), v - p, pct_change(v, p)));
            }
            vec![
                Cell::text(class_name(i, class)),
                Cell::value(Unit::Count, Some(v)),
                Cell::value(Unit::Share, (total > 0.0).then(|| v / total)),
                Cell::value(Unit::Count, p),
                Cell::diff(Unit::Count, p.map(|p| v - p)),
                Cell::percent(p.and_then(|p| pct_change(v, p))),
                Cell::value(Unit::Count, y),
                Cell::diff(Unit::Count, y.map(|y| v - y)),
                Cell::percent(y.and_then(|y| pct_change(v, y))),
            ]
        })
        .collect();
    moved.sort_by(|a, b| b.0.total_cmp(&a.0));
    let movers: Vec<String> = moved
        .iter()
        .filter(|m| m.0 > 0.0)
        .take(3)
        .map(|(_, name, d, p)| {
            let d = Cell::Diff(Unit::Count, *d).show(i.lang);
            let p = Cell::percent(*p).show(i.lang);
            match i.lang {
                Lang::Zh => format!("{name}（{d}起，{p}）"),
                Lang::En => format!("{name} ({d}, {p})"),
            }
        })
        .collect();
    let text = match (i.lang, pop_ok, movers.is_empty()) {
        (Lang::Zh, false, _) => format!("{}无数据，无法比较各类警情的变化。", n.pop),
        (Lang::En, false, _) => format!("{} has no data: no class can be compared.", n.pop),
        (Lang::Zh, true, true) => format!("各类警情与{}持平。", n.pop),
        (Lang::En, true, true) => format!("Every class is unchanged on {}.", n.pop.to_lowercase()),
        (Lang::Zh, true, false) => {
            format!("与{}相比变化最大的类别：{}。", n.pop, movers.join("、"))
        }
        (Lang::En, true, false) => format!(
            "The classes that moved most on {}: {}.",
            n.pop.to_lowercase(),
            movers.join(", ")
        ),
    };
    let mut blocks = vec![Block::Text(text)];
    let bars: Vec<Bar> = order
        .iter()
        .map(|c| {
            let v = now.get(c).copied().unwrap_or(0.0);
            Bar {
                label: class_name(i, c),
                value: v,
                text: format!(
                    "{}  {:.1}%",
                    thousands(v as u64),
                    if total > 0.0 { v / total * 100.0 } else { 0.0 }
                ),
                tone: Tone::Plain,
            }
        })
        .collect();
    if total > 0.0 {
        blocks.extend(
            charts.bars(
                "classes",
                i.pick("有效警情类别构成", "Valid incidents by class")
                    .into(),
                &bars,
            ),
        );
    }
    blocks.push(table(
        "classes",
        i.pick("有效警情按类别", "Valid incidents by class"),
        &[
            i.pick("类别", "Class"),
            n.now,
            i.pick("占比", "Share"),
            n.pop,
            i.pick("环比增减", "PoP change"),
            i.pick("环比%", "PoP %"),
            n.yoy,
            i.pick("同比增减", "YoY change"),
            i.pick("同比%", "YoY %"),
        ],
        rows,
    ));
    section(
        "structure",
        i.pick("二、警情结构", "2. Incidents by class").into(),
        blocks,
    )
}

/// Intervals with anything to show: measured, or left out with a reason. Turnout and
/// travel appear where the source records them.
fn recorded(r: &Report) -> impl Iterator<Item = Interval> + '_ {
    Interval::ALL.into_iter().filter(|iv| {
        r.interval(*iv)
            .is_some_and(|x| x.n > 0 || x.missing > 0 || x.negative > 0)
    })
}

pub fn efficiency(i: &Inputs, cmp: &Compare, charts: &mut Charts) -> Section {
    let n = i.names();
    let r = &i.figures.report;
    let secs = |v: Option<f64>| Cell::value(Unit::Seconds, v);
    // Known only by bands (a phone system's counts): the band, not invented seconds.
    let quantile = |v: Option<u32>, band: Option<BandEdges>| match (v, band) {
        (None, Some((lo, hi))) => Cell::text(band_label(lo, hi, i.lang)),
        _ => secs(v.map(f64::from)),
    };
    let rows = recorded(r)
        .map(|iv| {
            let x = r.interval(iv).expect("recorded");
            let pop = cmp.change(Figure::P90(iv), Base::Pop);
            vec![
                Cell::text(i.interval_label(iv)),
                Cell::count(x.n),
                secs(x.avg_s),
                quantile(x.p50_s, x.p50_band),
                quantile(x.p90_s, x.p90_band),
                secs(pop.and_then(|c| c.base)),
                Cell::diff(Unit::Seconds, pop.and_then(|c| c.diff)),
            ]
        })
        .collect();
    let mut blocks = Vec::new();
    let absent: Vec<&str> = Interval::ALL
        .into_iter()
        .filter(|iv| !recorded(r).any(|x| x == *iv))
        .map(|iv| i.interval_label(iv))
        .collect();
    if !absent.is_empty() {
        blocks.push(Block::Text(match i.lang {
            Lang::Zh => format!("以下环节{}无记录，不列出：{}。", n.now, absent.join("、")),
            Lang::En => format!(
                "Not recorded {}: {}.",
                n.now.to_lowercase(),
                absent.join(", ")
            ),
        }));
    }
    blocks.push(table(
        "intervals",
        i.pick(
            "各环节用时（最近秩P90，附样本数n）",
            "Stage times (nearest-rank p90 with n)",
        ),
        &[
            i.pick("环节", "Stage"),
            "n",
            i.pick("平均", "Mean"),
            "P50",
            "P90",
            &format!("{}P90", n.pop),
            i.pick("P90环比", "P90 PoP"),
        ],
        rows,
    ));
    for iv in [Interval::SignFor, Interval::Arrival] {
        if let Some(x) = r.interval(iv).filter(|x| x.n > 0) {
            let caption = match i.lang {
                Lang::Zh => format!("{}用时分段（n={}）", iv.labels().0, thousands(x.n)),
                Lang::En => format!("{} time bands (n={})", iv.labels().1, thousands(x.n)),
            };
            let id = if iv == Interval::SignFor {
                "sign_for_bands"
            } else {
                "arrival_bands"
            };
            blocks.extend(charts.bars(id, caption, &band_bars(x, i.lang)));
        }
    }
    let band_rows = recorded(r)
        .flat_map(|iv| {
            let x = r.interval(iv).expect("recorded");
            let total = x.n;
            x.bands.iter().map(move |b| {
                vec![
                    Cell::text(i.interval_label(iv)),
                    Cell::text(band_label(b.lo_s, b.hi_s, i.lang)),
                    Cell::count(b.count),
                    Cell::value(
                        Unit::Share,
                        (total > 0).then(|| b.count as f64 / total as f64),
                    ),
                ]
            })
        })
        .collect();
    blocks.push(table(
        "bands",
        i.pick("用时分段", "Time bands"),
        &[
            i.pick("环节", "Stage"),
            i.pick("分段", "Band"),
            i.pick("数量", "Count"),
            i.pick("占比", "Share"),
        ],
        band_rows,
    ));
    zones(i, charts, &mut blocks);
    section(
        "efficiency",
        i.pick("三、接处警效率", "3. Response").into(),
        blocks,
    )
}

/// The response-circle rate of every zone, and the zones below target ranked.
fn zones(i: &Inputs, charts: &mut Charts, blocks: &mut Vec<Block>) {
    let n = i.names();
    let find = |k: usize, code: &str| i.zones[k].iter().find(|(c, _)| c == code).map(|(_, r)| r);
    let rate = |k: usize, code: &str| find(k, code).and_then(|r| r.metric(Figure::CircleRate));
    let pop_ok = !i.zones[1].is_empty();
    let rows = i
        .zone_infos
        .iter()
        .map(|z| {
            let now = rate(0, &z.code);
            let pop = rate(1, &z.code).filter(|_| pop_ok);
            let arrivals = find(0, &z.code)
                .and_then(|r| r.interval(Interval::Arrival))
                .map_or(0, |x| x.n);
            vec![
                Cell::text(&z.code),
                Cell::text(&z.name),
                Cell::value(Unit::Count, Some(f64::from(z.circle_minutes))),
                Cell::count(arrivals),
                Cell::value(Unit::Share, now),
                Cell::value(Unit::Share, pop),
                Cell::diff(Unit::Share, now.zip(pop).map(|(a, b)| a - b)),
                Cell::value(
                    Unit::Seconds,
                    find(0, &z.code).and_then(|r| r.metric(Figure::P90(Interval::Arrival))),
                ),
            ]
        })
        .collect();
    blocks.push(table(
        "zones",
        i.pick("各巡区快速反应圈达标率", "Response-circle rate by zone"),
        &[
            i.pick("巡区", "Zone"),
            i.pick("名称", "Name"),
            i.pick("反应圈(分钟)", "Circle (min)"),
            i.pick("到场n", "Arrivals n"),
            n.now,
            n.pop,
            i.pick("环比(百分点)", "PoP (pp)"),
            i.pick("P90到场", "P90 arrival"),
        ],
        rows,
    ));
    let mut lagging: Vec<(&str, &str, f64)> = i
        .zone_infos
        .iter()
        .filter_map(|z| rate(0, &z.code).map(|r| (z.code.as_str(), z.name.as_str(), r)))
        .filter(|(_, _, r)| *r < i.circle_target)
        .collect();
    lagging.sort_by(|a, b| a.2.total_cmp(&b.2));
    let target = format!("{:.0}%", i.circle_target * 100.0);
    let bars: Vec<Bar> = lagging
        .iter()
        .map(|(code, name, r)| Bar {
            label: format!("{code} {name}"),
            value: *r,
            text: format!("{:.1}%", r * 100.0),
            tone: Tone::Bad,
        })
        .collect();
    let caption = match i.lang {
        Lang::Zh => format!("未达标巡区（目标{target}，由低到高）"),
        Lang::En => format!("Zones below the {target} target, lowest first"),
    };
    if lagging.is_empty() {
        blocks.push(Block::Text(match i.lang {
            Lang::Zh => format!("各巡区快速反应圈达标率均达到目标{target}（或无到场记录）。"),
            Lang::En => format!("Every zone with arrivals meets the {target} target."),
        }));
        return;
    }
    blocks.extend(charts.bars("lagging_zones", caption.clone(), &bars));
    let rows = lagging
        .iter()
        .enumerate()
        .map(|(k, (code, name, r))| {
            vec![
                Cell::count(k as u64 + 1),
                Cell::text(*code),
                Cell::text(*name),
                Cell::value(Unit::Share, Some(*r)),
                Cell::Diff(Unit::Share, r - i.circle_target),
            ]
        })
        .collect();
    blocks.push(table(
        "lagging_zones",
        &caption,
        &[
            i.pick("名次", "Rank"),
            i.pick("巡区", "Zone"),
            i.pick("名称", "Name"),
            i.pick("达标率", "Rate"),
            i.pick("距目标(百分点)", "To target (pp)"),
        ],
        rows,
    ));
}

const FUNNEL: [Figure; 6] = [
    Figure::NonPolice,
    Figure::Diverted,
    Figure::DivertedOrders,
    Figure::DivertedAccepted,
    Figure::DivertedHandled,
    Figure::DivertedFedBack,
];

const ORDERS: [Figure; 7] = [
    Figure::NonPoliceShare,
    Figure::DiversionRate,
    Figure::WorkOrders,
    Figure::WorkOrderResponseRate,
    Figure::WorkOrderHandledRate,
    Figure::WorkOrderFeedbackRate,
    Figure::WorkOrdersOverdue,
];

pub fn diversion(i: &Inputs, cmp: &Compare, charts: &mut Charts) -> Section {
    let mut blocks = Vec::new();
    let bars: Vec<Bar> = FUNNEL
        .iter()
        .map(|f| {
            let v = cmp.value(*f).unwrap_or(0.0);
            Bar {
                label: i.label(*f),
                value: v,
                text: thousands(v as u64),
                tone: Tone::Plain,
            }
        })
        .collect();
    if cmp.value(Figure::NonPolice).unwrap_or(0.0) > 0.0 {
        blocks.extend(
            charts.bars(
                "funnel",
                i.pick("110→12345 分流漏斗", "The 110 → 12345 funnel")
                    .into(),
                &bars,
            ),
        );
    }
    blocks.push(Block::Table(cmp.table(
        i,
        "funnel",
        i.pick("分流漏斗", "Diversion funnel"),
        &FUNNEL,
    )));
    blocks.push(Block::Table(cmp.table(
        i,
        "work_orders",
        i.pick(
            "工单响应、办结、反馈与超时",
            "Work-order response, closure, feedback, overdue",
        ),
        &ORDERS,
    )));
    let tz = i.tz;
    let rows: Vec<Vec<Cell>> = i
        .overdue
        .iter()
        .map(|o| {
            vec![
                Cell::text(&o.source_id),
                Cell::text(category_name(i, o.category.as_deref())),
                Cell::text(o.zone.clone().unwrap_or_default()),
                Cell::text(o.department.clone().unwrap_or_default()),
                Cell::Time(local_datetime(tz, o.sent)),
                Cell::Time(local_datetime(tz, o.due)),
                Cell::value(
                    Unit::Count,
                    Some(((i.made_at - o.due) as f64 / 3_600_000.0 * 10.0).round() / 10.0),
                ),
            ]
        })
        .collect();
    blocks.push(Block::Text(match i.lang {
        Lang::Zh => format!("制表时仍未办结且已超时限的工单（{}期间派发）{}件。", i.names().now, rows.len()),
        Lang::En => format!("{} work orders sent in the period are open and past their limit as the report is made.", rows.len()),
    }));
    if !rows.is_empty() {
        blocks.push(table(
            "overdue",
            i.pick("超时未办结工单", "Overdue open work orders"),
            &[
                i.pick("工单号", "Order"),
                i.pick("类别", "Category"),
                i.pick("巡区", "Zone"),
                i.pick("承办部门", "Department"),
                i.pick("派发时间", "Sent"),
                i.pick("办理时限", "Due"),
                i.pick("超时(小时)", "Overdue (h)"),
            ],
            rows,
        ));
    }
    section(
        "diversion",
        i.pick("四、非警务分流", "4. Diversion to 12345").into(),
        blocks,
    )
}

fn category_name(i: &Inputs, code: Option<&str>) -> String {
    match code.map(|c| (c, categories::find(c))) {
        Some((_, Some(c))) => i.pick(c.zh, c.en).into(),
        Some((c, None)) => c.into(),
        None => String::new(),
    }
}

pub fn repeat(i: &Inputs) -> Section {
    let g = &i.governance;
    let mut blocks = Vec::new();
    blocks.push(Block::Text(match (i.lang, g.thresholds) {
        (Lang::Zh, Some(t)) => format!(
            "按本周{}次、本月{}次、本年{}次的阈值筛查：一人多报{}人，一地多报{}处，多人报一{}起。号码已脱敏。",
            t.week, t.month, t.year, g.callers.len(), g.places.len(), g.events.len()
        ),
        (Lang::En, Some(t)) => format!(
            "Screened at {} a week, {} a month, {} a year: {} callers, {} places, {} events reported by several callers. Numbers are masked.",
            t.week, t.month, t.year, g.callers.len(), g.places.len(), g.events.len()
        ),
        (_, None) => i.pick("本期未筛查重复警情。", "Repeat calls were not screened.").into(),
    }));
    let tz = i.tz;
    let flagged = |list: &[Flagged]| -> Vec<Vec<Cell>> {
        list.iter()
            .map(|f| {
                let last = f.history.first();
                vec![
                    Cell::text(&f.who),
                    Cell::text(category_name(i, f.category.as_deref())),
                    Cell::text(f.zone.clone().unwrap_or_default()),
                    Cell::count(u64::from(f.week)),
                    Cell::count(u64::from(f.month)),
                    Cell::count(u64::from(f.year)),
                    Cell::text(
                        f.crossed
                            .iter()
                            .map(|c| crossed_name(i, c))
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                    Cell::Time(local_datetime(tz, f.last)),
                    // What was done the last time: the incident it became, or how it ended.
                    Cell::text(
                        last.and_then(|h| h.incident_id.clone().or(h.outcome.map(String::from)))
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect()
    };
    let columns = |who: &'static str| {
        vec![
            who,
            i.pick("类别", "Category"),
            i.pick("巡区", "Zone"),
            i.pick("本周", "Week"),
            i.pick("本月", "Month"),
            i.pick("本年", "Year"),
            i.pick("超过阈值", "Over"),
            i.pick("最近报警", "Last call"),
            i.pick("最近处置", "Last handled as"),
        ]
    };
    blocks.push(table(
        "repeat_callers",
        i.pick("一人多报（号码脱敏）", "One caller, many reports (masked)"),
        &columns(i.pick("号码", "Caller")),
        flagged(&g.callers),
    ));
    blocks.push(table(
        "repeat_places",
        i.pick("一地多报", "One place, many reports"),
        &columns(i.pick("地点", "Place")),
        flagged(&g.places),
    ));
    section(
        "repeat",
        i.pick("五、重复警情治理", "5. Repeat calls").into(),
        blocks,
    )
}

fn crossed_name(i: &Inputs, c: &str) -> &'static str {
    match c {
        "week" => i.pick("周", "week"),
        "month" => i.pick("月", "month"),
        _ => i.pick("年", "year"),
    }
}

fn level_name(i: &Inputs, l: Level) -> &'static str {
    match l {
        Level::Blue => i.pick("蓝色", "blue"),
        Level::Yellow => i.pick("黄色", "yellow"),
        Level::Orange => i.pick("橙色", "orange"),
        Level::Red => i.pick("红色", "red"),
    }
}

pub fn satisfaction_and_alerts(i: &Inputs, cmp: &Compare) -> Section {
    let mut blocks = vec![Block::Table(cmp.table(
        i,
        "satisfaction",
        i.pick("满意度", "Satisfaction"),
        &[Figure::Satisfaction, Figure::Callbacks],
    ))];
    let (fired, acked) = prose::alert_counts(i);
    blocks.push(Block::Text(match i.lang {
        Lang::Zh => format!("{}触发预警{fired}起，已确认{acked}起。", i.names().now),
        Lang::En => format!("{fired} alerts fired in the period, {acked} acknowledged."),
    }));
    let span = i.figures.span;
    let tz = i.tz;
    let mut by_alert: BTreeMap<u64, Vec<&Event>> = BTreeMap::new();
    for e in &i.alerts {
        by_alert.entry(e.alert).or_default().push(e);
    }
    fn first<'a>(evs: &[&'a Event], k: EventKind) -> Option<&'a Event> {
        evs.iter().find(|e| e.kind == k).copied()
    }
    let rows: Vec<Vec<Cell>> = by_alert
        .values()
        .filter_map(|evs| {
            let fired =
                first(evs, EventKind::Firing).filter(|e| e.at >= span.from && e.at < span.to)?;
            let top = evs.iter().map(|e| e.level).max().unwrap_or(fired.level);
            let ack = first(evs, EventKind::Acknowledged);
            let resolved = first(evs, EventKind::Resolved);
            let time =
                |e: Option<&Event>| e.map_or(Cell::None, |e| Cell::Time(local_datetime(tz, e.at)));
            let actor = ack.and_then(|e| e.actor.as_ref());
            Some(vec![
                Cell::count(fired.alert),
                Cell::text(level_name(i, top)),
                Cell::text(&fired.rule),
                Cell::text(&fired.cut),
                Cell::Time(local_datetime(tz, fired.at)),
                actor.map_or(Cell::None, |a| Cell::text(&a.who)),
                time(ack),
                actor.map_or(Cell::None, |a| Cell::text(&a.comment)),
                time(resolved),
            ])
        })
        .collect();
    blocks.push(table(
        "alerts",
        i.pick("本期预警及确认情况", "Alerts and who acknowledged them"),
        &[
            i.pick("编号", "No."),
            i.pick("级别", "Level"),
            i.pick("规则", "Rule"),
            i.pick("范围", "Cut"),
            i.pick("触发时间", "Fired"),
            i.pick("确认人", "Acknowledged by"),
            i.pick("确认时间", "Acknowledged"),
            i.pick("确认意见", "Comment"),
            i.pick("解除时间", "Resolved"),
        ],
        rows,
    ));
    section(
        "satisfaction_alerts",
        i.pick("六、满意度与预警", "6. Satisfaction and alerts")
            .into(),
        blocks,
    )
}

pub fn quality(i: &Inputs, cmp: &Compare) -> Section {
    let r = &i.figures.report;
    let rows = Interval::ALL
        .into_iter()
        .filter_map(|iv| r.interval(iv).map(|x| (iv, x)))
        .map(|(iv, x)| {
            vec![
                Cell::text(i.interval_label(iv)),
                Cell::count(x.n),
                Cell::count(x.missing),
                Cell::count(x.negative),
                Cell::count(x.not_recorded),
            ]
        })
        .collect();
    let mut blocks = vec![Block::Text(
        i.pick(
            "各环节用时只由同一记录的两个时间计算：缺少任一时间、或后一环节早于前一环节（负值）的记录不计入，并在此列出；数据源不记录的环节计为“未记录”。",
            "Each stage time comes from two times of one record: records lacking either time, or with the later stage before the earlier (negative), are left out and counted here; stages the source does not record count as “not recorded”.",
        )
        .into(),
    )];
    blocks.push(table(
        "quality",
        i.pick(
            "各环节计入与未计入的记录",
            "Records counted and left out, by stage",
        ),
        &[
            i.pick("环节", "Stage"),
            i.pick("计入n", "Counted n"),
            i.pick("缺少时间", "Missing a time"),
            i.pick("时间倒置", "Negative"),
            i.pick("未记录", "Not recorded"),
        ],
        rows,
    ));
    blocks.push(import_problems(i));
    blocks.extend(cmp.notes(i).into_iter().map(Block::Text));
    section(
        "quality",
        i.pick("七、数据质量", "7. Data quality").into(),
        blocks,
    )
}

/// The rows imports rejected or stored incomplete during the period, by kind.
fn import_problems(i: &Inputs) -> Block {
    if i.import_problems.is_empty() {
        return Block::Text(
            i.pick(
                "本期导入未记录问题行。",
                "Imports logged no problem rows in this period.",
            )
            .into(),
        );
    }
    let rows = i
        .import_problems
        .iter()
        .map(|p| {
            vec![
                Cell::text(&p.source),
                Cell::text(match p.severity {
                    Severity::Rejected => i.pick("拒收（未入库）", "rejected (not stored)"),
                    Severity::Warning => i.pick("警告（已入库）", "warning (stored)"),
                }),
                Cell::text(p.column.clone().unwrap_or_default()),
                Cell::text(&p.kind),
                Cell::count(p.rows),
                Cell::text(&p.example),
            ]
        })
        .collect();
    table(
        "import_problems",
        i.pick(
            "本期导入发现的问题（按原因）",
            "Problems found by imports in this period, by kind",
        ),
        &[
            i.pick("来源", "Source"),
            i.pick("处理", "Handling"),
            i.pick("列", "Column"),
            i.pick("问题", "Problem"),
            i.pick("行数", "Rows"),
            i.pick("示例", "Example"),
        ],
        rows,
    )
}

//! The opening paragraph, written from the figures as a centre writes it to its leadership
//! (`本周共接报警情51,061起，环比增加1,200起，上升2.4%；同比减少6,000起，下降11.3%。`).

use super::compare::{Base, Compare};
use super::{Inputs, Lang};
use crate::core::alerts::lifecycle::EventKind;
use crate::core::kpi::vocabulary::{Figure, Interval, Unit};
use crate::report::cell::{duration, show_value, NONE};

/// How a figure moved against one base, in words: "环比增加1,200起，上升2.4%".
fn moved(i: &Inputs, cmp: &Compare, f: Figure, base: Base) -> String {
    let n = i.names();
    let (zh_base, en_base) = match base {
        Base::Pop => (
            "环比",
            if i.weekly {
                "on last week"
            } else {
                "on the previous period"
            },
        ),
        Base::Yoy => ("同比", "on last year"),
    };
    let Some(c) = cmp.change(f, base) else {
        let none = if base == Base::Pop { n.pop } else { n.yoy };
        return match i.lang {
            Lang::Zh => format!("{none}无数据"),
            Lang::En => format!("no data {en_base}"),
        };
    };
    let Some(d) = c.diff else {
        return match i.lang {
            Lang::Zh => format!("{zh_base}不可比"),
            Lang::En => format!("not comparable {en_base}"),
        };
    };
    let u = f.unit();
    let amount = match u {
        Unit::Share => match i.lang {
            Lang::Zh => format!("{:.1}个百分点", (d * 100.0).abs()),
            Lang::En => format!("{:.1} points", (d * 100.0).abs()),
        },
        Unit::Count => match i.lang {
            Lang::Zh => format!("{}起", show_value(u, d.abs(), i.lang)),
            Lang::En => show_value(u, d.abs(), i.lang),
        },
        Unit::Seconds => duration(d.abs(), i.lang),
    };
    if d == 0.0 {
        return match i.lang {
            Lang::Zh => format!("{zh_base}持平"),
            Lang::En => format!("unchanged {en_base}"),
        };
    }
    let up = d > 0.0;
    // Counts rise and fall; rates rise and fall by points; times lengthen and shorten.
    let (zh_verb, en_verb) = match (u, up) {
        (Unit::Count, true) => ("增加", "up"),
        (Unit::Count, false) => ("减少", "down"),
        (Unit::Share, true) => ("上升", "up"),
        (Unit::Share, false) => ("下降", "down"),
        (Unit::Seconds, true) => ("延长", "longer by"),
        (Unit::Seconds, false) => ("缩短", "shorter by"),
    };
    let pct = match (u, c.pct) {
        (Unit::Share, _) => String::new(),
        (_, Some(p)) => match i.lang {
            Lang::Zh => format!("，{}{:.1}%", if up { "上升" } else { "下降" }, p.abs()),
            Lang::En => format!(" ({}{:.1}%)", if up { "+" } else { "−" }, p.abs()),
        },
        (_, None) => match i.lang {
            Lang::Zh => format!(
                "（{}为0，百分比为{NONE}）",
                if base == Base::Pop { n.pop } else { n.yoy }
            ),
            Lang::En => String::new(),
        },
    };
    match i.lang {
        Lang::Zh => format!("{zh_base}{zh_verb}{amount}{pct}"),
        Lang::En => format!("{en_verb} {amount}{pct} {en_base}"),
    }
}

/// The value as the sentence shows it ("51,061起", "92.3%", "1分23秒"), "—" when unknown.
fn value(i: &Inputs, cmp: &Compare, f: Figure) -> String {
    match cmp.value(f) {
        Some(v) => {
            let s = show_value(f.unit(), v, i.lang);
            match (f.unit(), i.lang) {
                (Unit::Count, Lang::Zh) => format!("{s}起"),
                _ => s,
            }
        }
        None => NONE.into(),
    }
}

/// "共接报警情51,061起，环比增加1,200起，上升2.4%，同比减少6,000起，下降11.3%"
fn figure_sentence(i: &Inputs, cmp: &Compare, lead: &str, f: Figure) -> String {
    let v = value(i, cmp, f);
    let (pop, yoy) = (moved(i, cmp, f, Base::Pop), moved(i, cmp, f, Base::Yoy));
    match i.lang {
        Lang::Zh => format!("{lead}{v}，{pop}，{yoy}"),
        Lang::En => format!("{lead} {v}, {pop}, {yoy}"),
    }
}

/// A p90 with its n: "P90签收用时28秒（n=1,234）".
fn p90(i: &Inputs, cmp: &Compare, iv: Interval) -> Option<String> {
    let v = cmp.value(Figure::P90(iv))?;
    let n = i.figures.report.interval(iv).map_or(0, |r| r.n);
    let n = crate::charts::set::thousands(n);
    let d = duration(v, i.lang);
    Some(match i.lang {
        Lang::Zh => format!("P90{}用时{d}（n={n}）", iv.labels().0),
        Lang::En => format!("p90 {} {d} (n={n})", iv.labels().1),
    })
}

/// The paragraph of 总体情况.
pub fn opening(i: &Inputs, cmp: &Compare) -> String {
    let now = i.names().now;
    if !cmp.has_data {
        return match i.lang {
            Lang::Zh => format!(
                "{now}（{} 至 {}）没有任何接报警情、工单或回访记录，各项指标无法计算，以“—”表示。",
                i.first_day, i.last_day
            ),
            Lang::En => format!(
                "{now} ({} to {}) holds no call, incident, work order or callback: no figure can be computed, and each is shown as “—”.",
                i.first_day, i.last_day
            ),
        };
    }
    let mut parts: Vec<String> = Vec::new();
    let zh = i.lang == Lang::Zh;
    parts.push(figure_sentence(
        i,
        cmp,
        &if zh {
            format!("{now}共接报警情")
        } else {
            format!("{now} the centre received")
        },
        Figure::Calls,
    ));
    parts.push(figure_sentence(
        i,
        cmp,
        i.pick("其中有效警情", "Valid incidents were"),
        Figure::ValidIncidents,
    ));
    parts.push(figure_sentence(
        i,
        cmp,
        i.pick("15秒接听率", "Answered within 15 s:"),
        Figure::AnsweredWithin15s,
    ));
    let times: Vec<String> = [Interval::Answer, Interval::SignFor, Interval::Arrival]
        .into_iter()
        .filter_map(|iv| p90(i, cmp, iv))
        .collect();
    if !times.is_empty() {
        parts.push(times.join(if zh { "，" } else { ", " }));
    }
    if let Some(rate) = cmp.value(Figure::CircleRate) {
        let below = lagging_count(i);
        let target = format!("{:.0}%", i.circle_target * 100.0);
        parts.push(match i.lang {
            Lang::Zh => format!(
                "快速反应圈达标率{:.1}%，{}目标{target}{}",
                rate * 100.0,
                if rate >= i.circle_target {
                    "达到"
                } else {
                    "低于"
                },
                if below > 0 {
                    format!("，{below}个巡区未达标")
                } else {
                    String::new()
                }
            ),
            Lang::En => format!(
                "the response-circle rate was {:.1}%, {} the {target} target{}",
                rate * 100.0,
                if rate >= i.circle_target {
                    "meeting"
                } else {
                    "below"
                },
                if below > 0 {
                    format!(", with {below} zones below it")
                } else {
                    String::new()
                }
            ),
        });
    }
    parts.push(match i.lang {
        Lang::Zh => format!(
            "非警务警情{}，分流率{}，工单响应率{}，办结率{}",
            value(i, cmp, Figure::NonPolice),
            value(i, cmp, Figure::DiversionRate),
            value(i, cmp, Figure::WorkOrderResponseRate),
            value(i, cmp, Figure::WorkOrderHandledRate)
        ),
        Lang::En => format!(
            "non-police calls: {}, diverted {}, work orders answered in time {}, handled {}",
            value(i, cmp, Figure::NonPolice),
            value(i, cmp, Figure::DiversionRate),
            value(i, cmp, Figure::WorkOrderResponseRate),
            value(i, cmp, Figure::WorkOrderHandledRate)
        ),
    });
    parts.push(figure_sentence(
        i,
        cmp,
        i.pick("群众满意度", "Satisfaction:"),
        Figure::Satisfaction,
    ));
    let (fired, acked) = alert_counts(i);
    parts.push(match i.lang {
        Lang::Zh => format!("{now}触发预警{fired}起，已确认{acked}起"),
        Lang::En => format!("{fired} alerts fired, {acked} acknowledged"),
    });
    let sep = if zh { "；" } else { "; " };
    let mut text = parts.join(sep);
    text.push_str(if zh { "。" } else { "." });
    text
}

/// Zones whose circle rate is below the target.
pub fn lagging_count(i: &Inputs) -> usize {
    i.zones[0]
        .iter()
        .filter(|(_, r)| {
            r.metric(Figure::CircleRate)
                .is_some_and(|v| v < i.circle_target)
        })
        .count()
}

/// Alerts that fired in the period, and how many of those were acknowledged.
pub fn alert_counts(i: &Inputs) -> (usize, usize) {
    let span = i.figures.span;
    let fired: std::collections::BTreeSet<u64> = i
        .alerts
        .iter()
        .filter(|e| e.kind == EventKind::Firing && e.at >= span.from && e.at < span.to)
        .map(|e| e.alert)
        .collect();
    let acked = fired
        .iter()
        .filter(|id| {
            i.alerts
                .iter()
                .any(|e| e.alert == **id && e.kind == EventKind::Acknowledged)
        })
        .count();
    (fired.len(), acked)
}

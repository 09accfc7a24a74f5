//! What each page of the wall shows, built from the engine's snapshot and a few lists the
//! adapters read. Values only: the UI formats them, the charts draw them.

use serde::Serialize;

use super::goals::{grade, trend, Goal, Grade, Trend};
use super::hourly::Hourly;
use crate::categories;
use crate::kpi::engine::{CutFigures, Snapshot};
use crate::kpi::figures::{whole_seconds, within_circle};
use crate::kpi::report::{Compared, IntervalReport, Report};
use crate::kpi::vocabulary::{Better, Figure, Interval, Unit};
use crate::model::{Millis, OverdueOrder};
use crate::repeat::{Flagged, Governance, SharedEvent};

/// The window the pages show: today so far, local time.
pub const TODAY: &str = "day_so_far";

/// The pages go out every second, so what the data names in them is bounded: a source with
/// thousands of free-text categories, or a 10 KB field, must not make the state megabytes.
/// The desk's own questions (drill-down, filters) answer with the full text.
///
/// The most classes the category mix lists, as many as the taxonomy has (a test holds it
/// to that): codes the taxonomy does not know past these are summed into one
/// `OTHER_CATEGORIES`.
pub const CATEGORIES_LISTED: usize = 16;
/// The code (and names) of the sum of the classes not listed.
pub const OTHER_CATEGORIES: &str = "_other";
/// The most seats, and units, the pages list beyond those the centre configures (the
/// busiest); a feed naming a new one per record would otherwise grow the lists without end.
pub const EXTRA_LISTED: usize = 16;
/// The longest text from the data the pages carry, in characters (`shorten`).
pub const TEXT_LISTED: usize = 24;

/// One figure on a tile: value, target grade and both comparisons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tile {
    pub key: Figure,
    pub unit: Unit,
    pub value: Option<f64>,
    pub better: Option<Better>,
    pub target: Option<f64>,
    pub grade: Grade,
    pub yoy: Trend,
    pub pop: Trend,
}

/// The overview's tiles.
pub const OVERVIEW: [Figure; 10] = [
    Figure::Calls,
    Figure::ValidIncidents,
    Figure::Dispatches,
    Figure::DiversionRate,
    Figure::AnsweredWithin15s,
    Figure::Avg(Interval::SignFor),
    Figure::P90(Interval::Arrival),
    Figure::CircleRate,
    Figure::Satisfaction,
    Figure::WorkOrderResponseRate,
];

/// The diversion page's rates beside the funnel.
pub const DIVERSION: [Figure; 5] = [
    Figure::DiversionRate,
    Figure::WorkOrderResponseRate,
    Figure::WorkOrderHandledRate,
    Figure::WorkOrderFeedbackRate,
    Figure::WorkOrdersOverdue,
];

/// The funnel's stages, from non-police calls to orders fed back.
pub const FUNNEL: [Figure; 5] = [
    Figure::NonPolice,
    Figure::Diverted,
    Figure::DivertedAccepted,
    Figure::DivertedHandled,
    Figure::DivertedFedBack,
];

/// Tiles for `figures` from a window's compared figures.
pub fn tiles(figures: &[Figure], compared: &[Compared], goals: &[Goal]) -> Vec<Tile> {
    figures
        .iter()
        .map(|&key| {
            let c = compared.iter().find(|c| c.key == key);
            let value = c.and_then(|c| c.value);
            let goal = goals.iter().find(|g| g.figure == key);
            let better = key.better();
            let none = crate::kpi::report::Change::between(None, None);
            Tile {
                key,
                unit: key.unit(),
                value,
                better,
                target: goal.map(|g| g.target),
                grade: grade(value, goal),
                yoy: trend(c.map_or(none, |c| c.yoy), better),
                pop: trend(c.map_or(none, |c| c.pop), better),
            }
        })
        .collect()
}

/// A zone as the centre configures it.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneInfo {
    pub code: String,
    pub name: String,
    pub circle_minutes: u32,
}

/// A seat or a unit as the centre configures it.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub code: String,
    pub name: String,
    /// A unit's zone; empty for seats.
    pub zone: String,
}

fn today(s: &Snapshot) -> Option<&crate::kpi::engine::WindowFigures> {
    s.windows.iter().find(|w| w.key == TODAY)
}

/// The cut of a window for zone `code` (cut 0 is the whole centre, then the snapshot's zones).
fn zone_cut<'a>(
    s: &'a Snapshot,
    w: &'a crate::kpi::engine::WindowFigures,
    code: &str,
) -> Option<&'a CutFigures> {
    let i = s.zones.iter().position(|z| z == code)?;
    w.cuts.get(i + 1).map(|c| &**c)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    pub tiles: Vec<Tile>,
    pub hourly: Option<Hourly>,
}

pub fn overview(s: &Snapshot, goals: &[Goal], hourly: Option<Hourly>) -> Overview {
    let compared = today(s).map_or(&[][..], |w| &w.cuts[0].compared[..]);
    Overview {
        tiles: tiles(&OVERVIEW, compared, goals),
        hourly,
    }
}

/// One zone's cell in the grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneCell {
    pub code: String,
    pub name: String,
    pub circle_minutes: u32,
    pub circle_rate: Option<f64>,
    /// Incidents with both dispatch and arrival (the rate's n).
    pub n: u64,
    pub grade: Grade,
    pub arrival_p90_s: Option<u32>,
    pub sign_for_avg_s: Option<f64>,
    pub dispatches: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    pub sign_for: Option<IntervalReport>,
    pub arrival: Option<IntervalReport>,
    pub zones: Vec<ZoneCell>,
    /// Zones missing the circle target, worst first.
    pub lagging: Vec<ZoneCell>,
    pub tiles: Vec<Tile>,
}

pub const RESPONSE: [Figure; 4] = [
    Figure::SignedForWithin30s,
    Figure::Avg(Interval::SignFor),
    Figure::P90(Interval::Arrival),
    Figure::CircleRate,
];

pub fn response(s: &Snapshot, zones: &[ZoneInfo], goals: &[Goal]) -> Response {
    let Some(w) = today(s) else {
        return Response {
            sign_for: None,
            arrival: None,
            zones: Vec::new(),
            lagging: Vec::new(),
            tiles: tiles(&RESPONSE, &[], goals),
        };
    };
    let whole = &w.cuts[0].report;
    let circle_goal = goals.iter().find(|g| g.figure == Figure::CircleRate);
    let cells: Vec<ZoneCell> = zones
        .iter()
        .map(|z| {
            let r = zone_cut(s, w, &z.code).map(|c| &*c.report);
            let circle = r.and_then(|r| r.metrics.iter().find(|m| m.key == Figure::CircleRate));
            let rate = circle.and_then(|m| m.value);
            ZoneCell {
                code: z.code.clone(),
                name: z.name.clone(),
                circle_minutes: z.circle_minutes,
                circle_rate: rate,
                n: circle.and_then(|m| m.n).unwrap_or(0),
                grade: grade(rate, circle_goal),
                arrival_p90_s: r
                    .and_then(|r| r.interval(Interval::Arrival))
                    .and_then(|i| i.p90_s),
                sign_for_avg_s: r
                    .and_then(|r| r.interval(Interval::SignFor))
                    .and_then(|i| i.avg_s),
                dispatches: r.and_then(|r| r.metric(Figure::Dispatches)).unwrap_or(0.0) as u64,
            }
        })
        .collect();
    let mut lagging: Vec<ZoneCell> = cells
        .iter()
        .filter(|c| c.grade == Grade::Misses)
        .cloned()
        .collect();
    lagging.sort_by(|a, b| {
        a.circle_rate
            .partial_cmp(&b.circle_rate)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| b.n.cmp(&a.n))
    });
    Response {
        sign_for: whole.interval(Interval::SignFor).cloned(),
        arrival: whole.interval(Interval::Arrival).cloned(),
        zones: cells,
        lagging,
        tiles: tiles(&RESPONSE, &w.cuts[0].compared, goals),
    }
}

/// One stage of the 110→12345 funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub key: Figure,
    pub count: u64,
}

/// One class of matter in today's calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryShare {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub calls: u64,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diversion {
    pub funnel: Vec<Stage>,
    pub tiles: Vec<Tile>,
    /// Open orders past their limit, whenever sent: how many, and the longest overdue.
    pub overdue_open: u64,
    pub overdue: Vec<OverdueOrder>,
    pub categories: Vec<CategoryShare>,
}

pub fn diversion(
    s: &Snapshot,
    goals: &[Goal],
    (overdue_open, overdue): (u64, Vec<OverdueOrder>),
    by_category: &[(String, Report)],
) -> Diversion {
    let w = today(s);
    let report = w.map(|w| &*w.cuts[0].report);
    Diversion {
        funnel: FUNNEL
            .iter()
            .map(|&key| Stage {
                key,
                count: report.and_then(|r| r.metric(key)).unwrap_or(0.0) as u64,
            })
            .collect(),
        tiles: tiles(
            &DIVERSION,
            w.map_or(&[][..], |w| &w.cuts[0].compared[..]),
            goals,
        ),
        overdue_open,
        overdue: overdue.into_iter().map(listed_order).collect(),
        categories: category_mix(by_category),
    }
}

/// Calls per class of matter (leaf categories folded into their class), most first.
pub fn category_mix(by_category: &[(String, Report)]) -> Vec<CategoryShare> {
    let mut classes: Vec<CategoryShare> = Vec::new();
    for (code, r) in by_category {
        let calls = r.metric(Figure::Calls).unwrap_or(0.0) as u64;
        // Calls never answered carry no category: the mix is of categorised calls.
        if calls == 0 || code.is_empty() {
            continue;
        }
        let class =
            categories::find(code).map(|c| c.parent.and_then(categories::find).unwrap_or(c));
        let (code, zh, en) = match class {
            Some(c) => (c.code.to_string(), c.zh.to_string(), c.en.to_string()),
            // A code the taxonomy does not know is shown as it came (shortened), not hidden.
            None => {
                let shown = shorten(code, TEXT_LISTED);
                (code.clone(), shown.clone(), shown)
            }
        };
        match classes.iter_mut().find(|c| c.code == code) {
            Some(c) => c.calls += calls,
            None => classes.push(CategoryShare {
                code,
                zh,
                en,
                calls,
                share: 0.0,
            }),
        }
    }
    let total: u64 = classes.iter().map(|c| c.calls).sum();
    for c in &mut classes {
        c.share = c.calls as f64 / total.max(1) as f64;
    }
    classes.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.code.cmp(&b.code)));
    if classes.len() > CATEGORIES_LISTED {
        let rest = classes.split_off(CATEGORIES_LISTED - 1);
        let calls = rest.iter().map(|c| c.calls).sum::<u64>();
        classes.push(CategoryShare {
            code: OTHER_CATEGORIES.into(),
            zh: format!("其他{}类", rest.len()),
            en: format!("{} others", rest.len()),
            calls,
            share: calls as f64 / total.max(1) as f64,
        });
    }
    for c in &mut classes {
        c.code = shorten(&c.code, TEXT_LISTED);
    }
    classes
}

/// `text` cut to at most `max` characters, the last an ellipsis, when it is longer.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((cut, _)) if text.chars().count() > max => format!("{}…", &text[..cut]),
        _ => text.to_string(),
    }
}

/// An overdue order with the text its source wrote shortened (`shorten`).
fn listed_order(o: OverdueOrder) -> OverdueOrder {
    let cut = |t: Option<String>| t.map(|t| shorten(&t, TEXT_LISTED));
    OverdueOrder {
        source_id: shorten(&o.source_id, TEXT_LISTED),
        direction: shorten(&o.direction, TEXT_LISTED),
        category: cut(o.category),
        zone: cut(o.zone),
        department: cut(o.department),
        status: cut(o.status),
        ..o
    }
}

/// A flagged place, with its address cut to street level for the wall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    #[serde(flatten)]
    pub flagged: Flagged,
    pub street: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatPage {
    /// When the screening ran (it covers the year before).
    pub screened_at: Millis,
    /// How many callers, places and events were found; the lists hold the first `LISTED`.
    pub callers_found: usize,
    pub places_found: usize,
    pub events_found: usize,
    pub callers: Vec<Flagged>,
    pub places: Vec<Place>,
    pub events: Vec<SharedEvent>,
}

/// How many of each the page lists: more than a wall or a desk can show, few enough to
/// send every second (the full list is `commandwall kpi --repeat`).
pub const LISTED: usize = 100;

pub fn repeat(g: &Governance, screened_at: Millis) -> RepeatPage {
    RepeatPage {
        screened_at,
        callers_found: g.callers.len(),
        places_found: g.places.len(),
        events_found: g.events.len(),
        callers: g.callers.iter().take(LISTED).cloned().collect(),
        places: g
            .places
            .iter()
            .take(LISTED)
            .map(|f| Place {
                street: street_level(&f.who),
                flagged: f.clone(),
            })
            .collect(),
        events: g.events.iter().take(LISTED / 2).cloned().collect(),
    }
}

/// An address cut to its street, as visitors to the hall may see it: "城区人民路12号3栋"
/// → "城区人民路", "120 W 42nd St" → "W 42nd St".
pub fn street_level(address: &str) -> String {
    let a = address.trim();
    if a.starts_with(|c: char| c.is_ascii_digit()) {
        return a
            .split_once(char::is_whitespace)
            .map_or(String::new(), |(_, rest)| rest.trim().to_string());
    }
    a.split(|c: char| c.is_ascii_digit())
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// One call-taker seat today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeatRow {
    pub code: String,
    pub name: String,
    pub calls: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub answer_avg_s: Option<f64>,
    pub answer_p90_s: Option<u32>,
    pub answered_within_15s: Option<f64>,
    pub grade: Grade,
}

/// One unit: how many of today's dispatched incidents it still holds open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub zone: String,
    pub open_incidents: u32,
    /// Dispatch time of the oldest open incident.
    pub busy_since: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seats {
    pub seats: Vec<SeatRow>,
    pub units: Vec<UnitRow>,
    pub units_busy: u32,
}

/// Seats in the centre's order (and any seat the data names that the centre does not),
/// then units busiest first.
pub fn seats(
    by_seat: &[(String, Report)],
    seat_list: &[Named],
    unit_list: &[Named],
    open: &[(String, Millis)],
    goals: &[Goal],
) -> Seats {
    let goal = goals.iter().find(|g| g.figure == Figure::AnsweredWithin15s);
    let mut codes: Vec<(String, String)> = seat_list
        .iter()
        .map(|s| (s.code.clone(), s.name.clone()))
        .collect();
    // Seats the data names that the centre does not: the busiest few.
    let mut extra: Vec<&(String, Report)> = by_seat
        .iter()
        .filter(|(code, _)| !code.is_empty() && !seat_list.iter().any(|s| s.code == *code))
        .collect();
    let calls = |r: &Report| r.metric(Figure::Calls).unwrap_or(0.0);
    extra.sort_by(|a, b| {
        calls(&b.1)
            .total_cmp(&calls(&a.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    for (code, _) in extra.into_iter().take(EXTRA_LISTED) {
        codes.push((code.clone(), shorten(code, TEXT_LISTED)));
    }
    let rows = codes
        .into_iter()
        .map(|(code, name)| {
            let r = by_seat.iter().find(|(c, _)| *c == code).map(|(_, r)| r);
            let count = |k: Figure| r.and_then(|r| r.metric(k)).unwrap_or(0.0) as u64;
            let answer = r.and_then(|r| r.interval(Interval::Answer));
            let within = r.and_then(|r| r.metric(Figure::AnsweredWithin15s));
            SeatRow {
                calls: count(Figure::Calls),
                answered: count(Figure::Answered),
                abandoned: count(Figure::Abandoned),
                answer_avg_s: answer.and_then(|a| a.avg_s),
                answer_p90_s: answer.and_then(|a| a.p90_s),
                answered_within_15s: within,
                grade: grade(within, goal),
                code: shorten(&code, TEXT_LISTED),
                name,
            }
        })
        .collect();
    let mut units: Vec<UnitRow> = unit_list
        .iter()
        .map(|u| UnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            zone: u.zone.clone(),
            open_incidents: 0,
            busy_since: None,
        })
        .collect();
    for (unit, dispatched) in open {
        let row = match units.iter_mut().position(|u| u.code == *unit) {
            Some(i) => &mut units[i],
            None => {
                units.push(UnitRow {
                    code: unit.clone(),
                    name: unit.clone(),
                    zone: String::new(),
                    open_incidents: 0,
                    busy_since: None,
                });
                units.last_mut().expect("just pushed")
            }
        };
        row.open_incidents += 1;
        row.busy_since = Some(row.busy_since.map_or(*dispatched, |b| b.min(*dispatched)));
    }
    units.sort_by(|a, b| {
        b.open_incidents
            .cmp(&a.open_incidents)
            .then_with(|| a.busy_since.cmp(&b.busy_since))
    });
    let units_busy = units.iter().filter(|u| u.open_incidents > 0).count() as u32;
    // Units the data names that the centre does not: the busiest few (they sort first).
    let mut extra = 0;
    units.retain(|u| {
        let configured = unit_list.iter().any(|c| c.code == u.code);
        extra += usize::from(!configured);
        configured || extra <= EXTRA_LISTED
    });
    for u in units.iter_mut() {
        u.code = shorten(&u.code, TEXT_LISTED);
        u.name = shorten(&u.name, TEXT_LISTED);
    }
    Seats {
        units_busy,
        seats: rows,
        units,
    }
}

/// One incident of a zone, for drill-down: its stage times and the intervals between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    pub source_id: String,
    pub category: Option<String>,
    pub priority: Option<i64>,
    pub unit: Option<String>,
    pub created: Millis,
    pub dispatched: Option<Millis>,
    pub signed_for: Option<Millis>,
    pub arrived: Option<Millis>,
    pub closed: Option<Millis>,
    pub sign_for_s: Option<u32>,
    pub arrival_s: Option<u32>,
    /// Arrived within the zone's circle; `None` until it has both stages.
    pub within_circle: Option<bool>,
}

impl IncidentRow {
    /// Fills the intervals from the stage times with the figures' own definitions (whole
    /// seconds, truncated; stages out of order give none).
    pub fn with_intervals(mut self, circle_minutes: Option<u32>) -> IncidentRow {
        let secs = |a: Option<Millis>, b: Option<Millis>| whole_seconds(a?, b?);
        self.sign_for_s = secs(self.dispatched, self.signed_for);
        self.arrival_s = secs(self.dispatched, self.arrived);
        self.within_circle = match (self.dispatched, self.arrived, circle_minutes) {
            (Some(d), Some(a), Some(m)) if a >= d => {
                Some(within_circle(d, a, i64::from(m) * 60_000))
            }
            _ => None,
        };
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_cut_to_the_street() {
        assert_eq!(street_level("城区人民路123号5栋2单元"), "城区人民路");
        assert_eq!(street_level("东区解放街7号12号铺"), "东区解放街");
        assert_eq!(street_level("120 W 42nd St"), "W 42nd St");
        assert_eq!(street_level("火车站广场"), "火车站广场");
        assert_eq!(street_level(""), "");
    }

    #[test]
    fn open_incidents_make_units_busy_oldest_first() {
        let units = [
            Named {
                code: "u1".into(),
                name: "一组".into(),
                zone: "z1".into(),
            },
            Named {
                code: "u2".into(),
                name: "二组".into(),
                zone: "z1".into(),
            },
        ];
        let open = [("u2".to_string(), 50), ("u2".into(), 20), ("x9".into(), 30)];
        let s = seats(&[], &[], &units, &open, &[]);
        let got: Vec<_> = s
            .units
            .iter()
            .map(|u| (u.code.as_str(), u.open_incidents, u.busy_since))
            .collect();
        assert_eq!(
            got,
            [("u2", 2, Some(20)), ("x9", 1, Some(30)), ("u1", 0, None)]
        );
        assert_eq!(s.units_busy, 2);
    }

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        assert_eq!(shorten("盗窃", 4), "盗窃");
        assert_eq!(shorten("一二三四", 4), "一二三四");
        assert_eq!(shorten("一二三四五", 4), "一二三…");
        assert_eq!(shorten("abcdef", 1), "…");
        assert_eq!(shorten("", 3), "");
    }

    fn calls(n: f64) -> Report {
        Report {
            metrics: vec![crate::kpi::report::Metric {
                key: Figure::Calls,
                value: Some(n),
                n: None,
            }],
            intervals: Vec::new(),
        }
    }

    #[test]
    fn the_lists_the_data_names_are_bounded() {
        let classes = categories::all().filter(|c| c.parent.is_none()).count();
        assert!(
            CATEGORIES_LISTED >= classes,
            "every class of the taxonomy is listed"
        );
        // A source with a free-text category per call: the mix keeps the largest classes
        // and sums the rest, every share still of all calls.
        let long = |i: usize| format!("{i:03}{}", "很长的类别名称".repeat(4));
        let by_category: Vec<(String, Report)> =
            (0..200).map(|i| (long(i), calls(1.0 + i as f64))).collect();
        let mix = category_mix(&by_category);
        assert_eq!(mix.len(), CATEGORIES_LISTED);
        let other = mix.last().unwrap();
        assert_eq!(other.code, OTHER_CATEGORIES);
        assert_eq!(other.zh, format!("其他{}类", 200 - CATEGORIES_LISTED + 1));
        let total: u64 = mix.iter().map(|c| c.calls).sum();
        assert_eq!(total, (1..=200).sum::<u64>());
        assert!((mix.iter().map(|c| c.share).sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(mix[0].calls, 200, "the largest first");
        for c in &mix {
            for t in [&c.code, &c.zh, &c.en] {
                assert!(t.chars().count() <= TEXT_LISTED, "{t}");
            }
        }
        assert!(mix[0].zh.ends_with('…'));
        // Seats and units the data names beside the centre's: the busiest few, shortened.
        let by_seat: Vec<(String, Report)> = (0..100).map(|i| (long(i), calls(i as f64))).collect();
        let open: Vec<(String, Millis)> = (0..100).map(|i| (long(i), i as Millis)).collect();
        let s = seats(&by_seat, &[], &[], &open, &[]);
        assert_eq!(s.seats.len(), EXTRA_LISTED);
        assert_eq!(s.seats[0].calls, 99, "the busiest seat first");
        assert_eq!(s.units.len(), EXTRA_LISTED);
        assert_eq!(s.units_busy, 100, "the count is of every unit");
        assert!(s.seats.iter().all(
            |r| r.code.chars().count() <= TEXT_LISTED && r.name.chars().count() <= TEXT_LISTED
        ));
        assert!(s
            .units
            .iter()
            .all(|u| u.code.chars().count() <= TEXT_LISTED));
    }

    #[test]
    fn circle_is_judged_on_whole_stages() {
        let row = IncidentRow {
            source_id: "A".into(),
            category: None,
            priority: None,
            unit: None,
            created: 0,
            dispatched: Some(1_000),
            signed_for: Some(31_999),
            arrived: Some(181_000),
            closed: None,
            sign_for_s: None,
            arrival_s: None,
            within_circle: None,
        };
        let r = row.clone().with_intervals(Some(3));
        assert_eq!(
            (r.sign_for_s, r.arrival_s, r.within_circle),
            (Some(30), Some(180), Some(true))
        );
        let late = IncidentRow {
            arrived: Some(181_001),
            ..row
        }
        .with_intervals(Some(3));
        assert_eq!(late.within_circle, Some(false));
    }
}

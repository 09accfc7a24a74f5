//! Repeat-call governance (重复警情治理, seed 003): one caller many reports, one place many
//! reports, many callers one event. The adapter hands in the calls of the screening year
//! that could cross a threshold; this decides who crosses which and keeps their history.

use std::collections::BTreeMap;

use serde::Serialize;

use super::kpi::window::Span;
use super::model::{InvalidReason, Millis, Outcome};

/// Wuhai's thresholds by default: 2 in a week, 3 in a month, 5 in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    pub week: u32,
    pub month: u32,
    pub year: u32,
}

/// The three periods counted: rolling (the last 7, 30 and 365 days) on the wall, calendar
/// (the ISO week, its month and year) in the weekly report. The week and month lie in the
/// year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Periods {
    pub week: Span,
    pub month: Span,
    pub year: Span,
}

/// Which callers and places a screening lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// Every one over a threshold in any period: the wall's rolling screening.
    All,
    /// Only those that reported in the week: the weekly report lists the week's repeat
    /// callers, not everyone who crossed the year's threshold months ago.
    ReportedInWeek,
}

/// One answered call as the governance sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedCall {
    pub id: i64,
    pub received: Millis,
    pub caller_key: Option<String>,
    /// Already masked by the importer or simulator (`138****1234`); never the number.
    pub caller_masked: Option<String>,
    pub address: Option<String>,
    pub zone: Option<String>,
    pub category: Option<String>,
    pub outcome: Option<Outcome>,
    pub invalid_reason: Option<InvalidReason>,
    pub incident_id: Option<String>,
    pub duplicate: bool,
}

impl ReportedCall {
    /// A report of a matter: answered, not a further caller about an open event (those
    /// are "many callers, one event"), and not invalid, except calls marked invalid as a
    /// repeat of a handled call, which are exactly what governance counts.
    pub fn counts(&self) -> bool {
        !self.duplicate
            && match self.outcome {
                Some(Outcome::Invalid) => self.invalid_reason == Some(InvalidReason::Repeat),
                _ => true,
            }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryItem {
    pub received: Millis,
    pub category: Option<String>,
    pub outcome: Option<&'static str>,
    pub incident_id: Option<String>,
    pub address: Option<String>,
    pub zone: Option<String>,
}

/// A caller or place over at least one threshold, with its reports of the year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flagged {
    /// The masked number, or the address.
    pub who: String,
    pub category: Option<String>,
    pub zone: Option<String>,
    pub week: u32,
    pub month: u32,
    pub year: u32,
    /// Which thresholds are crossed: "week", "month", "year".
    pub crossed: Vec<&'static str>,
    pub last: Millis,
    /// Newest first.
    pub history: Vec<HistoryItem>,
}

/// One event reported by several callers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedEvent {
    pub incident_id: String,
    pub category: Option<String>,
    pub zone: Option<String>,
    pub address: Option<String>,
    pub calls: u32,
    pub callers: u32,
    pub first: Millis,
    pub last: Millis,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Governance {
    pub thresholds: Option<Thresholds>,
    pub callers: Vec<Flagged>,
    pub places: Vec<Flagged>,
    /// Events of the week with calls from more than one caller, most callers first.
    pub events: Vec<SharedEvent>,
}

/// How much history each flagged caller or place carries.
pub const HISTORY: usize = 20;

/// Places are matched on the address as written, ignoring case and spacing.
pub fn place_key(address: &str) -> String {
    address
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn flag(
    groups: BTreeMap<(String, Option<String>), Vec<&ReportedCall>>,
    who: impl Fn(&ReportedCall) -> Option<String>,
    p: &Periods,
    t: &Thresholds,
    scope: Scope,
) -> Vec<Flagged> {
    let within = |s: Span, calls: &[&ReportedCall]| {
        calls
            .iter()
            .filter(|c| c.received >= s.from && c.received < s.to)
            .count() as u32
    };
    let mut out: Vec<Flagged> = groups
        .into_iter()
        .filter_map(|((_, category), mut calls)| {
            let (week, month, year) = (
                within(p.week, &calls),
                within(p.month, &calls),
                within(p.year, &calls),
            );
            let crossed: Vec<&'static str> = [
                ("week", week >= t.week),
                ("month", month >= t.month),
                ("year", year >= t.year),
            ]
            .into_iter()
            .filter_map(|(k, over)| over.then_some(k))
            .collect();
            if crossed.is_empty() || (scope == Scope::ReportedInWeek && week == 0) {
                return None;
            }
            calls.sort_by_key(|c| std::cmp::Reverse((c.received, c.id)));
            let newest = calls[0];
            Some(Flagged {
                who: who(newest).unwrap_or_default(),
                category,
                zone: newest.zone.clone(),
                week,
                month,
                year,
                crossed,
                last: newest.received,
                history: calls
                    .iter()
                    .filter(|c| c.received >= p.year.from && c.received < p.year.to)
                    .take(HISTORY)
                    .map(|c| HistoryItem {
                        received: c.received,
                        category: c.category.clone(),
                        outcome: c.outcome.map(|o| o.code()),
                        incident_id: c.incident_id.clone(),
                        address: c.address.clone(),
                        zone: c.zone.clone(),
                    })
                    .collect(),
            })
        })
        .collect();
    // Most reports this week first, then this month, this year, most recent.
    out.sort_by_key(|f| std::cmp::Reverse((f.week, f.month, f.year, f.last)));
    out
}

/// Screens `calls` (any superset of the year's reports of those in `scope`) against the
/// thresholds.
pub fn screen(calls: &[ReportedCall], p: &Periods, t: &Thresholds, scope: Scope) -> Governance {
    let in_year = |c: &&ReportedCall| c.received >= p.year.from && c.received < p.year.to;
    let mut by_caller: BTreeMap<(String, Option<String>), Vec<&ReportedCall>> = BTreeMap::new();
    let mut by_place: BTreeMap<(String, Option<String>), Vec<&ReportedCall>> = BTreeMap::new();
    for c in calls.iter().filter(in_year).filter(|c| c.counts()) {
        if let Some(k) = &c.caller_key {
            by_caller
                .entry((k.clone(), c.category.clone()))
                .or_default()
                .push(c);
        }
        if let Some(a) = c
            .address
            .as_deref()
            .map(place_key)
            .filter(|a| !a.is_empty())
        {
            by_place.entry((a, c.category.clone())).or_default().push(c);
        }
    }
    let mut events: BTreeMap<&str, Vec<&ReportedCall>> = BTreeMap::new();
    for c in calls
        .iter()
        .filter(|c| c.received >= p.week.from && c.received < p.week.to)
    {
        if let Some(id) = &c.incident_id {
            events.entry(id).or_default().push(c);
        }
    }
    let mut shared: Vec<SharedEvent> = events
        .into_iter()
        .filter_map(|(id, calls)| {
            let mut callers: Vec<&str> = calls
                .iter()
                .filter_map(|c| c.caller_key.as_deref())
                .collect();
            callers.sort_unstable();
            callers.dedup();
            if callers.len() < 2 {
                return None;
            }
            let first = calls.iter().min_by_key(|c| c.received).expect("non-empty");
            Some(SharedEvent {
                incident_id: id.to_string(),
                category: first.category.clone(),
                zone: first.zone.clone(),
                address: first.address.clone(),
                calls: calls.len() as u32,
                callers: callers.len() as u32,
                first: first.received,
                last: calls.iter().map(|c| c.received).max().expect("non-empty"),
            })
        })
        .collect();
    shared.sort_by_key(|e| std::cmp::Reverse((e.callers, e.last)));
    Governance {
        thresholds: Some(*t),
        callers: flag(by_caller, |c| c.caller_masked.clone(), p, t, scope),
        places: flag(by_place, |c| c.address.clone(), p, t, scope),
        events: shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 86_400_000;

    fn call(id: i64, day: i64, caller: &str, address: &str, category: &str) -> ReportedCall {
        ReportedCall {
            id,
            received: day * DAY,
            caller_key: Some(caller.into()),
            caller_masked: Some(format!("138****{caller}")),
            address: Some(address.into()),
            zone: Some("Z01".into()),
            category: Some(category.into()),
            outcome: Some(Outcome::Police),
            invalid_reason: None,
            incident_id: Some(format!("I{id}")),
            duplicate: false,
        }
    }

    fn periods(now_day: i64) -> Periods {
        let s = |days: i64| Span {
            from: (now_day - days) * DAY,
            to: now_day * DAY,
        };
        Periods {
            week: s(7),
            month: s(30),
            year: s(365),
        }
    }

    const WUHAI: Thresholds = Thresholds {
        week: 2,
        month: 3,
        year: 5,
    };

    #[test]
    fn thresholds_by_hand() {
        // Now = day 400. Caller A: days 398, 399 (2 this week) → week. Caller B: days 380,
        // 385, 390 (3 this month, 0 this week) → month. Caller C: days 100, 200, 300, 350,
        // 399 → year (and only 1 this week, 1 this month). Caller D: 2 reports, a week apart
        // → nothing. Caller E: days 398, 399 but about two matters → nothing.
        let mut calls = vec![
            call(1, 398, "0001", "1 Road", "noise_living"),
            call(2, 399, "0001", "1 Road", "noise_living"),
            call(3, 380, "0002", "2 Road", "neighbour"),
            call(4, 385, "0002", "2 Road", "neighbour"),
            call(5, 390, "0002", "2 Road", "neighbour"),
            call(6, 100, "0003", "3 Road", "family"),
            call(7, 200, "0003", "3 Road", "family"),
            call(8, 300, "0003", "3 Road", "family"),
            call(9, 350, "0003", "3 Road", "family"),
            call(10, 399, "0003", "3 Road", "family"),
            call(11, 380, "0004", "4 Road", "labour"),
            call(12, 390, "0004", "4 Road", "labour"),
            call(13, 398, "0005", "5 Road", "labour"),
            call(14, 399, "0005", "5 Road", "consumer"),
            // Out of the year: day 30 does not count for caller C.
            call(15, 30, "0003", "3 Road", "family"),
        ];
        // A hang-up does not count; an invalid call marked as a repeat does.
        let mut hang_up = call(16, 399, "0004", "4 Road", "labour");
        hang_up.outcome = Some(Outcome::Invalid);
        hang_up.invalid_reason = Some(InvalidReason::HangUp);
        calls.push(hang_up);
        let g = screen(&calls, &periods(400), &WUHAI, Scope::All);
        let got: Vec<(&str, u32, u32, u32, Vec<&str>)> = g
            .callers
            .iter()
            .map(|f| (f.who.as_str(), f.week, f.month, f.year, f.crossed.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("138****0001", 2, 2, 2, vec!["week"]),
                ("138****0003", 1, 1, 5, vec!["year"]),
                ("138****0002", 0, 3, 3, vec!["month"]),
            ]
        );
        let c = &g.callers[1];
        assert_eq!(c.history.len(), 5, "the year's reports, not day 30");
        assert_eq!(c.history[0].received, 399 * DAY, "newest first");
        // Places follow the same counts here (one caller per address), matched loosely.
        assert_eq!(g.places.len(), 3);
        // The weekly report keeps those who reported in the week: not 0002 (month only).
        let week = screen(&calls, &periods(400), &WUHAI, Scope::ReportedInWeek);
        let who: Vec<&str> = week.callers.iter().map(|f| f.who.as_str()).collect();
        assert_eq!(who, vec!["138****0001", "138****0003"]);
        assert_eq!(week.places.len(), 2);
        assert_eq!(place_key("  1  ROAD "), "1 road");
    }

    #[test]
    fn many_callers_one_event() {
        let mut a = call(1, 399, "0001", "9 Road", "fire");
        let mut b = call(2, 399, "0002", "9 Road", "fire");
        let mut c = call(3, 399, "0002", "9 Road", "fire");
        let d = call(4, 399, "0003", "8 Road", "fire");
        for x in [&mut a, &mut b, &mut c] {
            x.incident_id = Some("E1".into());
        }
        b.duplicate = true;
        c.duplicate = true;
        b.received += 60_000;
        c.received += 120_000;
        let g = screen(&[a, b, c, d], &periods(400), &WUHAI, Scope::All);
        assert_eq!(g.events.len(), 1);
        let e = &g.events[0];
        assert_eq!((e.incident_id.as_str(), e.calls, e.callers), ("E1", 3, 2));
        assert_eq!(e.last - e.first, 120_000);
    }
}

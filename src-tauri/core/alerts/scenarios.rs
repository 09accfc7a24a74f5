//! Fake-clock scenarios: each rule kind, tick by tick, with the exact transitions (the
//! audit rows) it must produce.

use std::sync::Arc;

use super::lifecycle::{Actor, Book, Event, EventKind, State};
use super::observe::{observe, Flag, HourVolume, Inputs, OpenOrder};
use super::rule::{Direction, Level, Rule, RuleKind};
use crate::kpi::engine::{CutFigures, Snapshot, WindowFigures};
use crate::kpi::report::{IntervalReport, Report};
use crate::kpi::vocabulary::{Figure, Interval};
use crate::kpi::window::Span;
use crate::model::Millis;

const MIN: Millis = 60_000;
const T0: Millis = 1_795_478_400_000; // 2026-11-24 08:00 +08:00

fn rule(id: &str, kind: RuleKind, level: Level, hold: Millis) -> Rule {
    Rule {
        id: id.into(),
        kind,
        level,
        hold,
        escalate_after: None,
    }
}

/// A snapshot whose last-hour window has p90 arrival `p90` in zone Z07.
fn arrival_snapshot(p90: u32) -> Snapshot {
    let report = |p90: Option<u32>| {
        Arc::new(CutFigures {
            report: Arc::new(Report {
                metrics: Vec::new(),
                intervals: vec![IntervalReport {
                    key: Interval::Arrival,
                    n: 40,
                    avg_s: None,
                    p50_s: None,
                    p90_s: p90,
                    p50_band: None,
                    p90_band: None,
                    bands: Vec::new().into(),
                    missing: 0,
                    negative: 0,
                    not_recorded: 0,
                }],
            }),
            compared: Vec::new(),
        })
    };
    Snapshot {
        as_of: 0,
        seq: 1,
        zones: ["Z01".to_string(), "Z07".to_string()].into(),
        windows: vec![WindowFigures {
            key: "last_60m".into(),
            span: Span { from: 0, to: 1 },
            yoy: None,
            pop: None,
            cuts: vec![report(Some(300)), report(Some(300)), report(Some(p90))],
        }],
    }
}

/// Runs one tick and returns (kind, level) of each transition.
fn tick(
    book: &mut Book,
    rules: &[Rule],
    inputs: &Inputs<'_>,
    log: &mut Vec<Event>,
) -> Vec<(EventKind, Level)> {
    let seen = observe(rules, inputs, &|r, c| book.is_active(r, c));
    let events = book.step(rules, &seen, inputs.now);
    log.extend(events.iter().cloned());
    events.iter().map(|e| (e.kind, e.level)).collect()
}

fn commander(who: &str) -> Actor {
    Actor {
        who: who.into(),
        comment: "已派员核查".into(),
        door: "cli".into(),
        address: String::new(),
    }
}

#[test]
fn a_zone_slowing_down_fires_after_its_hold_and_hysteresis_keeps_it_from_flapping() {
    let rules = [rule(
        "z07_arrival",
        RuleKind::Threshold {
            figure: Figure::P90(Interval::Arrival),
            window: "last_60m".into(),
            zone: Some("Z07".into()),
            direction: Direction::Above,
            fire: 480.0,
            clear: 420.0,
        },
        Level::Orange,
        2 * MIN,
    )];
    let mut book = Book::default();
    let mut log = Vec::new();
    let at = |p90, now| (arrival_snapshot(p90), now);
    let mut run = |p90: u32, now: Millis| {
        let (s, now) = at(p90, now);
        let inputs = Inputs {
            now,
            snapshot: Some(&s),
            ..Inputs::default()
        };
        tick(&mut book, &rules, &inputs, &mut log)
    };
    // Exactly at the limit is within it.
    assert_eq!(run(480, T0), vec![]);
    assert_eq!(
        run(481, T0 + MIN),
        vec![(EventKind::Pending, Level::Orange)]
    );
    assert_eq!(run(600, T0 + 2 * MIN), vec![]);
    assert_eq!(
        run(600, T0 + 3 * MIN),
        vec![(EventKind::Firing, Level::Orange)]
    );
    // Hovering between clear (420) and fire (480): it stays firing, no flapping.
    for (i, p90) in [470, 430, 479, 421, 450].into_iter().enumerate() {
        assert_eq!(run(p90, T0 + (4 + i as i64) * MIN), vec![], "p90 {p90}");
    }
    assert_eq!(
        run(420, T0 + 10 * MIN),
        vec![(EventKind::Resolved, Level::Orange)]
    );
    // Back above: a new alert with a new id.
    assert_eq!(
        run(500, T0 + 11 * MIN),
        vec![(EventKind::Pending, Level::Orange)]
    );
    let ids: Vec<u64> = log.iter().map(|e| e.alert).collect();
    assert_eq!(ids, vec![1, 1, 1, 2]);
    assert_eq!(log[1].value, Some(600.0));
    assert_eq!(log[0].cut, "Z07");
    assert!(
        log[1]
            .detail
            .contains("arrival_p90_s last_60m Z07 = 600 s (> 480 s)"),
        "{}",
        log[1].detail
    );
}

#[test]
fn a_volume_spike_climbs_from_blue_to_red() {
    let rules = [rule(
        "volume",
        RuleKind::Baseline {
            weeks: 8,
            sigmas: [2.0, 3.0, 4.0, 5.0],
        },
        Level::Blue,
        0,
    )];
    let weeks = vec![100.0, 104.0, 96.0, 98.0, 102.0, 110.0, 90.0, 100.0, 500.0];
    let mut book = Book::default();
    let mut log = Vec::new();
    let mut at = |calls: f64, now| {
        let inputs = Inputs {
            now,
            hour: Some(HourVolume {
                now: calls,
                earlier_weeks: weeks.clone(),
            }),
            ..Inputs::default()
        };
        tick(&mut book, &rules, &inputs, &mut log)
    };
    // (The ninth week, 500, is outside the rule's 8 and must not widen the baseline.)
    assert_eq!(at(108.0, T0), vec![]);
    assert_eq!(
        at(109.0, T0 + MIN),
        vec![
            (EventKind::Pending, Level::Blue),
            (EventKind::Firing, Level::Blue)
        ]
    );
    assert_eq!(
        at(114.0, T0 + 2 * MIN),
        vec![(EventKind::Raised, Level::Yellow)]
    );
    assert_eq!(
        at(118.0, T0 + 3 * MIN),
        vec![(EventKind::Raised, Level::Orange)]
    );
    assert_eq!(
        at(123.0, T0 + 4 * MIN),
        vec![(EventKind::Raised, Level::Red)]
    );
    // Easing off keeps the highest colour until the spike is over.
    assert_eq!(at(112.0, T0 + 5 * MIN), vec![]);
    assert_eq!(
        at(100.0, T0 + 6 * MIN),
        vec![(EventKind::Resolved, Level::Red)]
    );
}

#[test]
fn a_repeat_caller_waiting_calls_and_a_silent_feed_each_raise_their_alert() {
    let rules = [
        rule("repeat", RuleKind::Repeat, Level::Yellow, 0),
        rule(
            "waiting",
            RuleKind::WaitingCalls {
                max_waiting: 3,
                max_wait: 30_000,
            },
            Level::Orange,
            0,
        ),
        rule(
            "feed",
            RuleKind::Feed {
                silent_for: 2 * MIN,
            },
            Level::Red,
            0,
        ),
    ];
    let mut book = Book::default();
    let mut log = Vec::new();
    let quiet = Inputs {
        now: T0,
        last_call: Some(T0 - 1_000),
        waiting_since: vec![T0 - 5_000],
        ..Inputs::default()
    };
    assert_eq!(tick(&mut book, &rules, &quiet, &mut log), vec![]);
    let busy = Inputs {
        now: T0 + 1_000,
        last_call: Some(T0),
        flags: vec![Flag {
            cut: "caller:138****5678".into(),
            detail: "3 calls in 7 days".into(),
        }],
        // Two waiting, but the oldest for 31 s: over 30 s.
        waiting_since: vec![T0 - 30_000, T0 + 500],
        ..Inputs::default()
    };
    let kinds: Vec<EventKind> = tick(&mut book, &rules, &busy, &mut log)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Pending,
            EventKind::Firing,
            EventKind::Pending,
            EventKind::Firing
        ]
    );
    assert_eq!(log[0].rule, "repeat");
    assert_eq!(log[0].cut, "caller:138****5678");
    assert_eq!((log[2].rule.as_str(), log[2].value), ("waiting", Some(2.0)));
    // The feed goes silent for just over 2 minutes; the caller and the queue clear.
    let silent = Inputs {
        now: T0 + 2 * MIN + 1,
        last_call: Some(T0),
        ..Inputs::default()
    };
    let events = tick(&mut book, &rules, &silent, &mut log);
    assert_eq!(
        events,
        vec![
            (EventKind::Pending, Level::Red),
            (EventKind::Firing, Level::Red),
            (EventKind::Resolved, Level::Yellow),
            (EventKind::Resolved, Level::Orange)
        ]
    );
    let db = Inputs {
        now: T0 + 3 * MIN,
        db_error: Some("database is locked".into()),
        ..Inputs::default()
    };
    assert_eq!(tick(&mut book, &rules, &db, &mut log), vec![]);
    assert!(book
        .active()
        .next()
        .unwrap()
        .detail
        .contains("database is locked"));
}

#[test]
fn an_order_nearing_then_passing_its_limit_is_raised_and_needs_a_new_acknowledgement() {
    let rules = [rule(
        "orders",
        RuleKind::WorkOrders {
            warn_before: 120 * MIN,
        },
        Level::Yellow,
        0,
    )];
    let due = T0 + 180 * MIN;
    let orders = vec![OpenOrder {
        id: "W1".into(),
        due,
    }];
    let mut book = Book::default();
    let mut log = Vec::new();
    let mut at = |book: &mut Book, now: Millis, orders: &Vec<OpenOrder>| {
        let inputs = Inputs {
            now,
            open_orders: orders.clone(),
            ..Inputs::default()
        };
        tick(book, &rules, &inputs, &mut log)
    };
    assert_eq!(at(&mut book, T0, &orders), vec![]);
    assert_eq!(
        at(&mut book, due - 120 * MIN, &orders),
        vec![
            (EventKind::Pending, Level::Yellow),
            (EventKind::Firing, Level::Yellow)
        ]
    );
    let id = book.active().next().unwrap().id;
    let ack = book
        .acknowledge(id, commander("张伟"), due - 100 * MIN)
        .unwrap();
    assert_eq!(
        (ack.kind, ack.actor.unwrap().who.as_str()),
        (EventKind::Acknowledged, "张伟")
    );
    // Acknowledged again by someone else: refused, naming who did.
    let again = book
        .acknowledge(id, commander("李强"), due - 99 * MIN)
        .unwrap_err();
    assert_eq!(
        again.to_string(),
        "alert 1 was already acknowledged by 张伟"
    );
    assert_eq!(at(&mut book, due, &orders), vec![]);
    // One millisecond past the limit: raised to orange, firing again.
    assert_eq!(
        at(&mut book, due + 1, &orders),
        vec![(EventKind::Raised, Level::Orange)]
    );
    assert_eq!(book.active().next().unwrap().state, State::Firing);
    // Handled: it leaves the open list and the alert resolves.
    assert_eq!(
        at(&mut book, due + 5 * MIN, &vec![]),
        vec![(EventKind::Resolved, Level::Orange)]
    );
}

#[test]
fn escalation_silence_and_a_restart_that_keeps_state_and_history() {
    let mut r = rule("feed", RuleKind::Feed { silent_for: MIN }, Level::Yellow, 0);
    r.escalate_after = Some(10 * MIN);
    let rules = [r];
    let mut book = Book::default();
    let mut log = Vec::new();
    let silent = |now| Inputs {
        now,
        last_call: Some(T0 - 2 * MIN),
        ..Inputs::default()
    };
    assert_eq!(tick(&mut book, &rules, &silent(T0), &mut log).len(), 2);
    assert_eq!(
        tick(&mut book, &rules, &silent(T0 + 9 * MIN), &mut log),
        vec![]
    );
    assert_eq!(
        tick(&mut book, &rules, &silent(T0 + 10 * MIN), &mut log),
        vec![(EventKind::Escalated, Level::Orange)]
    );
    assert_eq!(
        tick(&mut book, &rules, &silent(T0 + 20 * MIN), &mut log),
        vec![(EventKind::Escalated, Level::Red)]
    );
    // Silenced for an hour: it stays listed, off the wall, and does not escalate.
    let id = book.active().next().unwrap().id;
    assert!(
        book.silence(id, commander("王芳"), T0 + 10 * MIN, T0 + 21 * MIN)
            .is_err(),
        "a silence in the past"
    );
    log.push(
        book.silence(id, commander("王芳"), T0 + 81 * MIN, T0 + 21 * MIN)
            .unwrap(),
    );
    assert!(!book.active().next().unwrap().on_wall(T0 + 22 * MIN));
    assert_eq!(
        tick(&mut book, &rules, &silent(T0 + 40 * MIN), &mut log),
        vec![]
    );
    // Restart: the book rebuilt from the audit is the same book (but for the latest value,
    // which the audit records only at transitions and the next tick brings back).
    let rebuilt = Book::replay(&log);
    let without_value = |a: &super::lifecycle::Alert| {
        let mut a = a.clone();
        (a.value, a.detail) = (None, String::new());
        a
    };
    let a: Vec<_> = book.active().map(without_value).collect();
    let b: Vec<_> = rebuilt.active().map(without_value).collect();
    assert_eq!(a, b);
    assert_eq!(b[0].escalations, 2);
    assert_eq!(b[0].silenced_until, Some(T0 + 81 * MIN));
    // After the silence, and with the rebuilt book, escalation resumes (already red).
    let mut book = rebuilt;
    assert_eq!(
        tick(&mut book, &rules, &silent(T0 + 82 * MIN), &mut log),
        vec![(EventKind::Escalated, Level::Red)]
    );
    // Resolved, the alert is history; a new one gets the next id even after a restart.
    let fed = |now| Inputs {
        now,
        last_call: Some(now),
        ..Inputs::default()
    };
    assert_eq!(
        tick(&mut book, &rules, &fed(T0 + 83 * MIN), &mut log),
        vec![(EventKind::Resolved, Level::Red)]
    );
    let mut book = Book::replay(&log);
    assert_eq!(book.recent().next().unwrap().state, State::Resolved);
    tick(&mut book, &rules, &silent(T0 + 200 * MIN), &mut log);
    assert_eq!(book.active().next().unwrap().id, 2);
}

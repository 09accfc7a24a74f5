//! Hand-worked fixtures for the edges of the contract, each figure worked out on paper.

use chrono::NaiveDate;
use chrono_tz::Tz;
use commandwall::core::kpi::evaluate::{Evaluated, Evaluation};
use commandwall::core::kpi::facts::{CallFact, Fact, IncidentFact, OrderFact};
use commandwall::core::kpi::vocabulary::{Figure, Interval};
use commandwall::core::kpi::window::{calendar, range, Calendar, Period};
use commandwall::core::model::{Direction, Millis, Outcome, Unrecorded};
use commandwall::core::time::local_to_utc;

const SH: Tz = chrono_tz::Asia::Shanghai;

fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> Millis {
    local_to_utc(
        tz,
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, s)
            .unwrap(),
    )
}

fn call(received: Millis, answer_after_ms: Option<i64>, outcome: Option<Outcome>) -> Fact {
    Fact::Call(CallFact {
        received,
        answered: answer_after_ms.map(|a| received + a),
        ended: Some(received + 60_000),
        ring_recorded: true,
        outcome,
        duplicate: false,
        zone: None,
    })
}

fn incident(created: Millis, sign_for_s: i64) -> Fact {
    let dispatched = created + 30_000;
    Fact::Incident(IncidentFact {
        created,
        call_received: Some(created - 20_000),
        call_answered: Some(created - 10_000),
        dispatched: Some(dispatched),
        signed_for: Some(dispatched + sign_for_s * 1000),
        departed: None,
        arrived: None,
        fed_back: None,
        closed: None,
        circle_ms: None,
        case_filed: false,
        case_cleared: false,
        zone: None,
        unrecorded: Unrecorded::NONE,
    })
}

fn eval(w: commandwall::core::kpi::window::Window, facts: &[Fact], now: Millis) -> Evaluated {
    let mut e = Evaluation::new(w, now);
    for (i, _) in e.needs() {
        for f in facts {
            e.add(i, f);
        }
    }
    e.finish()
}

fn day(tz: Tz, y: i32, m: u32, d: u32) -> commandwall::core::kpi::window::Window {
    calendar(
        tz,
        Calendar::Day,
        Period::day(NaiveDate::from_ymd_opt(y, m, d).unwrap()),
    )
}

#[test]
fn a_shanghai_day_by_hand() {
    // 24 Nov 2026 local. Five calls: answered after 3.0 s, 12.9 s, 15.0 s and 25 s, one
    // abandoned; one of the answered is non-police and diverted, one invalid. One call at
    // 23:59:59 the evening before and one at 00:00:00 the next day fall outside.
    let facts = [
        call(
            at(SH, 2026, 11, 23, 23, 59, 59),
            Some(1000),
            Some(Outcome::Police),
        ),
        call(
            at(SH, 2026, 11, 24, 0, 0, 0),
            Some(3_000),
            Some(Outcome::Police),
        ),
        call(
            at(SH, 2026, 11, 24, 9, 0, 0),
            Some(12_900),
            Some(Outcome::Diverted),
        ),
        call(
            at(SH, 2026, 11, 24, 12, 0, 0),
            Some(15_000),
            Some(Outcome::Invalid),
        ),
        call(
            at(SH, 2026, 11, 24, 18, 0, 0),
            Some(25_000),
            Some(Outcome::Police),
        ),
        call(at(SH, 2026, 11, 24, 23, 59, 59), None, None),
        call(
            at(SH, 2026, 11, 25, 0, 0, 0),
            Some(1000),
            Some(Outcome::Police),
        ),
        // 23 Nov 2025 (同比 base): two calls; 23 Nov 2026 (环比 base): the one above.
        call(
            at(SH, 2025, 11, 24, 10, 0, 0),
            Some(5_000),
            Some(Outcome::Police),
        ),
        call(
            at(SH, 2025, 11, 24, 11, 0, 0),
            Some(9_000),
            Some(Outcome::NonPolice),
        ),
    ];
    let e = eval(day(SH, 2026, 11, 24), &facts, at(SH, 2026, 11, 25, 8, 0, 0));
    let r = &e.report;
    assert_eq!(r.metric(Figure::Calls), Some(5.0));
    assert_eq!(r.metric(Figure::Abandoned), Some(1.0));
    assert_eq!(r.metric(Figure::Answered), Some(4.0));
    // Valid: answered and not invalid → 3 of 4.
    assert_eq!(r.metric(Figure::ValidIncidents), Some(3.0));
    assert_eq!(r.metric(Figure::NonPoliceShare), Some(0.25));
    assert_eq!(r.metric(Figure::DiversionRate), Some(1.0));
    // Whole seconds 3, 12, 15, 25: within 10 s one, within 15 s three, within 20 s three.
    assert_eq!(r.metric(Figure::AnsweredWithin10s), Some(0.25));
    assert_eq!(r.metric(Figure::AnsweredWithin15s), Some(0.75));
    assert_eq!(r.metric(Figure::AnsweredWithin20s), Some(0.75));
    let a = r.interval(Interval::Answer).unwrap();
    assert_eq!(
        (a.n, a.avg_s, a.p50_s, a.p90_s),
        (4, Some(13.75), Some(12), Some(25))
    );
    // 同比: 2 calls → +3, +150%; 环比: 1 call → +4, +400%.
    let calls = e.compared.iter().find(|c| c.key == Figure::Calls).unwrap();
    assert_eq!(
        (calls.yoy.base, calls.yoy.diff, calls.yoy.pct),
        (Some(2.0), Some(3.0), Some(150.0))
    );
    assert_eq!(
        (calls.pop.base, calls.pop.diff, calls.pop.pct),
        (Some(1.0), Some(4.0), Some(400.0))
    );
    // The 环比 base had no diverted calls and no non-police calls: the rate is unknown
    // there, so the change is "—" as well.
    let div = e
        .compared
        .iter()
        .find(|c| c.key == Figure::DiversionRate)
        .unwrap();
    assert_eq!((div.pop.base, div.pop.pct), (None, None));
}

#[test]
fn an_empty_window_and_a_base_of_zero() {
    let facts = [call(
        at(SH, 2026, 11, 24, 9, 0, 0),
        Some(3_000),
        Some(Outcome::Police),
    )];
    let e = eval(day(SH, 2026, 11, 20), &facts, at(SH, 2026, 11, 25, 8, 0, 0));
    assert_eq!(e.report.metric(Figure::Calls), Some(0.0));
    assert_eq!(
        e.report.metric(Figure::NonPoliceShare),
        None,
        "nothing to divide by"
    );
    let a = e.report.interval(Interval::Answer).unwrap();
    assert_eq!((a.n, a.avg_s, a.p50_s, a.p90_s), (0, None, None, None));
    // Now the day with the call against an empty day before: +1, and "—" not infinity.
    let e = eval(day(SH, 2026, 11, 24), &facts, at(SH, 2026, 11, 25, 8, 0, 0));
    let calls = e.compared.iter().find(|c| c.key == Figure::Calls).unwrap();
    assert_eq!(
        (calls.pop.base, calls.pop.diff, calls.pop.pct),
        (Some(0.0), Some(1.0), None)
    );
}

#[test]
fn p90_over_1_9_10_and_11_sign_for_times() {
    let t0 = at(SH, 2026, 11, 24, 9, 0, 0);
    let cases: [(&[i64], u32, u32); 4] = [
        (&[42], 42, 42),
        (&[9, 1, 8, 2, 7, 3, 6, 4, 5], 5, 9),
        (&[10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 5, 9),
        (&[11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6], 6, 10),
    ];
    for (secs, p50, p90) in cases {
        let facts: Vec<Fact> = secs
            .iter()
            .enumerate()
            .map(|(i, s)| incident(t0 + i as i64 * 60_000, *s))
            .collect();
        let e = eval(day(SH, 2026, 11, 24), &facts, t0 + 86_400_000);
        let s = e.report.interval(Interval::SignFor).unwrap();
        assert_eq!(
            (s.n, s.p50_s, s.p90_s),
            (secs.len() as u64, Some(p50), Some(p90)),
            "{secs:?}"
        );
        // Processing is 10 s for each: answered 10 s before creation, dispatched 30 s after.
        assert_eq!(
            e.report.interval(Interval::Processing).unwrap().p90_s,
            Some(40)
        );
    }
}

#[test]
fn a_daylight_saving_day_has_25_hours_of_calls() {
    // 25 Oct 2026 in Berlin: clocks go back at 03:00, the day has 25 hours.
    let berlin = chrono_tz::Europe::Berlin;
    let facts = [
        call(at(berlin, 2026, 10, 25, 0, 30, 0), Some(2_000), None),
        // 02:30 happens twice; local_to_utc takes the first. Add the second explicitly.
        call(at(berlin, 2026, 10, 25, 2, 30, 0), Some(2_000), None),
        call(
            at(berlin, 2026, 10, 25, 2, 30, 0) + 3_600_000,
            Some(2_000),
            None,
        ),
        call(at(berlin, 2026, 10, 25, 23, 59, 59), Some(2_000), None),
        call(at(berlin, 2026, 10, 26, 0, 0, 0), Some(2_000), None),
    ];
    let w = day(berlin, 2026, 10, 25);
    assert_eq!(w.now.to - w.now.from, 25 * 3_600_000);
    let e = eval(w.clone(), &facts, at(berlin, 2026, 10, 27, 0, 0, 0));
    assert_eq!(e.report.metric(Figure::Calls), Some(4.0));
    // The same calls over an explicit UTC range of 24 hours from local midnight miss the last.
    let e = eval(
        range(berlin, w.now.from, w.now.from + 24 * 3_600_000),
        &facts,
        w.now.to,
    );
    assert_eq!(e.report.metric(Figure::Calls), Some(3.0));
}

fn order(sent: Millis, handled: Option<Millis>, due: Millis) -> Fact {
    Fact::Order(OrderFact {
        sent,
        direction: Direction::ToPolice,
        accepted: Some(sent + 60_000),
        accept_by: Some(sent + 3_600_000),
        handled,
        fed_back: handled,
        due: Some(due),
        returned: None,
        zone: None,
        unrecorded: Unrecorded::NONE,
    })
}

fn compared(e: &Evaluated, f: Figure) -> &commandwall::core::kpi::report::Compared {
    e.compared.iter().find(|c| c.key == f).unwrap()
}

/// Domain.md, "Comparisons at equal age", worked by hand. The day 24 Nov 2026 is asked for
/// at 08:00 the next morning: 8 hours old. Its 环比 base (23 Nov) is seen at 24 Nov 08:00,
/// its 同比 base (24 Nov 2025) at 25 Nov 2025 08:00.
#[test]
fn bases_are_seen_at_the_age_of_the_window() {
    let t = |y, m, d, h| at(SH, y, m, d, h, 0, 0);
    let facts = [
        // The day: A handled that evening; B still open, due at 18:00 → overdue now.
        order(
            t(2026, 11, 24, 10),
            Some(t(2026, 11, 24, 20)),
            t(2026, 11, 25, 10),
        ),
        order(t(2026, 11, 24, 12), None, t(2026, 11, 24, 18)),
        // 环比 base: C handled by 22:00 (counts); D handled at 12:00 the next day, after
        // the cut (08:00), and due at 09:00: at equal age it is open and not yet overdue.
        order(
            t(2026, 11, 23, 10),
            Some(t(2026, 11, 23, 22)),
            t(2026, 11, 24, 10),
        ),
        order(
            t(2026, 11, 23, 11),
            Some(t(2026, 11, 24, 12)),
            t(2026, 11, 24, 9),
        ),
        // 同比 base: E handled two days later, due 06:00 the next day → open and overdue
        // at its cut; F handled the same afternoon.
        order(
            t(2025, 11, 24, 10),
            Some(t(2025, 11, 26, 10)),
            t(2025, 11, 25, 6),
        ),
        order(
            t(2025, 11, 24, 11),
            Some(t(2025, 11, 24, 15)),
            t(2025, 11, 25, 11),
        ),
        // A case filed on 23 Nov, cleared when the incident closed at 10:00 on the 24th:
        // after the 环比 cut, so not yet cleared at equal age.
        Fact::Incident(IncidentFact {
            case_filed: true,
            case_cleared: true,
            closed: Some(t(2026, 11, 24, 10)),
            ..match incident(t(2026, 11, 23, 9), 20) {
                Fact::Incident(i) => i,
                _ => unreachable!(),
            }
        }),
    ];
    let e = eval(day(SH, 2026, 11, 24), &facts, t(2026, 11, 25, 8));
    let r = &e.report;
    assert_eq!(r.metric(Figure::WorkOrders), Some(2.0));
    assert_eq!(r.metric(Figure::WorkOrderHandledRate), Some(0.5));
    assert_eq!(r.metric(Figure::WorkOrderFeedbackRate), Some(0.5));
    assert_eq!(r.metric(Figure::WorkOrdersOverdue), Some(1.0));
    // A was handled in 10 h; the others are open or outside the day.
    let h = r.interval(Interval::OrderHandling).unwrap();
    assert_eq!((h.n, h.p90_s), (1, Some(36_000)));

    let handled = compared(&e, Figure::WorkOrderHandledRate);
    // 环比: C of C, D → 50% (not 100%, as seen today); 同比: F of E, F → 50%.
    assert_eq!((handled.pop.base, handled.pop.diff), (Some(0.5), Some(0.0)));
    assert_eq!((handled.yoy.base, handled.yoy.diff), (Some(0.5), Some(0.0)));
    let overdue = compared(&e, Figure::WorkOrdersOverdue);
    // 环比: D was not yet due at 08:00 → 0, so the change is +1 and its percentage "—".
    assert_eq!(
        (overdue.pop.base, overdue.pop.diff, overdue.pop.pct),
        (Some(0.0), Some(1.0), None)
    );
    // 同比: E open past its limit at the cut → 1.
    assert_eq!(overdue.yoy.base, Some(1.0));
    let cleared = compared(&e, Figure::ClearanceRate);
    assert_eq!(cleared.pop.base, Some(0.0), "cleared after the 环比 cut");

    // A week later the same day is a week old; its 环比 base is seen a week after its end,
    // by when D was handled (late) and the case cleared.
    let e = eval(day(SH, 2026, 11, 24), &facts, t(2026, 12, 2, 0));
    assert_eq!(
        compared(&e, Figure::WorkOrderHandledRate).pop.base,
        Some(1.0)
    );
    assert_eq!(compared(&e, Figure::WorkOrdersOverdue).pop.base, Some(1.0));
    assert_eq!(compared(&e, Figure::ClearanceRate).pop.base, Some(1.0));
}

/// A limit is judged on the exact interval: 10.0 s is within 10 s, 10.001 s and 10.9 s
/// are not, though all three are 10 whole seconds; the bands agree with the shares.
#[test]
fn limits_take_the_exact_interval() {
    let t0 = at(SH, 2026, 11, 24, 9, 0, 0);
    let facts: Vec<Fact> = [10_000, 10_001, 10_900, 9_999]
        .iter()
        .enumerate()
        .map(|(i, ms)| call(t0 + i as i64 * 60_000, Some(*ms), Some(Outcome::Police)))
        .collect();
    let e = eval(day(SH, 2026, 11, 24), &facts, t0 + 86_400_000);
    let r = &e.report;
    assert_eq!(r.metric(Figure::AnsweredWithin10s), Some(0.5));
    assert_eq!(r.metric(Figure::AnsweredWithin15s), Some(1.0));
    let a = r.interval(Interval::Answer).unwrap();
    let counts: Vec<u64> = a.bands.iter().map(|b| b.count).collect();
    assert_eq!(counts, [2, 2, 0, 0], "bands (0,10], (10,15], (15,20], >20");
    // Percentiles stay in whole seconds: 9, 10, 10, 10.
    assert_eq!((a.p50_s, a.p90_s), (Some(10), Some(10)));
}

/// A base that starts before the stored data is only partly recorded: its comparisons are
/// "—", not a change against days nobody stored.
#[test]
fn a_base_before_the_data_begins_is_not_compared() {
    let t0 = at(SH, 2026, 11, 24, 9, 0, 0);
    let facts = [
        call(t0, Some(3_000), Some(Outcome::Police)),
        call(t0 - 86_400_000, Some(3_000), Some(Outcome::Police)),
    ];
    let now = t0 + 86_400_000;
    let w = day(SH, 2026, 11, 24);
    let mut e = Evaluation::new(w, now).data_from(Some(t0 - 86_400_000));
    for (i, _) in e.needs() {
        for f in &facts {
            e.add(i, f);
        }
    }
    let e = e.finish();
    let calls = compared(&e, Figure::Calls);
    // 环比: 23 Nov from 00:00, the data from 09:00 → not covered; 同比 a year back likewise.
    assert_eq!((calls.pop.base, calls.pop.diff), (None, None));
    assert_eq!((calls.yoy.base, calls.yoy.diff), (None, None));
    // The same with the data from midnight: 1 call against 1.
    let mut e =
        Evaluation::new(day(SH, 2026, 11, 24), now).data_from(Some(at(SH, 2026, 11, 23, 0, 0, 0)));
    for (i, _) in e.needs() {
        for f in &facts {
            e.add(i, f);
        }
    }
    let e = e.finish();
    let calls = compared(&e, Figure::Calls);
    assert_eq!((calls.pop.base, calls.pop.diff), (Some(1.0), Some(0.0)));
    assert_eq!(calls.yoy.base, None);
}

//! The naive way: every figure of the contract computed by plain loops over all facts of a
//! span, written from the domain document and sharing no code with the engine's counters,
//! distributions or its `as_of`. The property tests and fixtures compare the engine with
//! this. A span is seen at a cut: a stage after it has not happened yet (domain.md,
//! "Comparisons at equal age"); limits and bands take the exact interval.

use std::collections::BTreeMap;

use commandwall::core::kpi::facts::{CallFact, Fact, IncidentFact, OrderFact};
use commandwall::core::kpi::window::Span;
use commandwall::core::model::{Direction, Millis, Outcome, Satisfaction, Stage, Unrecorded};

/// Figure name → value, in the engine's vocabulary (`Report::values` keys, plus `{k}_n`).
pub type Figures = BTreeMap<String, Option<f64>>;

fn inside(t: Millis, s: Span) -> bool {
    t >= s.from && t < s.to
}

fn share(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Milliseconds from `a` to `b`, if both exist and `b` is not before `a`.
fn ms(a: Option<Millis>, b: Option<Millis>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) if b >= a => Some((b - a) as u64),
        _ => None,
    }
}

/// A fact as its records stood at `cut`: every stage after it erased; a case is cleared
/// only once its incident is closed.
pub fn seen_at(f: &Fact, cut: Millis) -> Fact {
    let by = |t: Option<Millis>| match t {
        Some(t) if t <= cut => Some(t),
        _ => None,
    };
    match f {
        Fact::Call(c) => Fact::Call(CallFact {
            answered: by(c.answered),
            ended: by(c.ended),
            ..*c
        }),
        Fact::Incident(i) => Fact::Incident(IncidentFact {
            dispatched: by(i.dispatched),
            signed_for: by(i.signed_for),
            departed: by(i.departed),
            arrived: by(i.arrived),
            fed_back: by(i.fed_back),
            closed: by(i.closed),
            case_cleared: i.case_cleared && by(i.closed).is_some(),
            ..*i
        }),
        Fact::Order(o) => Fact::Order(OrderFact {
            accepted: by(o.accepted),
            handled: by(o.handled),
            fed_back: by(o.fed_back),
            returned: by(o.returned),
            ..*o
        }),
        // Whole once stored.
        Fact::Callback(_) | Fact::Phone(_) => *f,
    }
}

/// The bands of an interval, as the contract publishes them, in seconds.
pub fn bands_of(k: &str) -> &'static [u64] {
    match k {
        "answer" => &[10, 15, 20],
        "processing" => &[60],
        "sign_for" => &[30, 60, 180],
        "arrival" | "arrival_total" => &[300, 600, 1200, 1800],
        "feedback" => &[1800, 3600, 14_400],
        "turnout" => &[60, 120, 300],
        "travel" => &[300, 600, 1200],
        "order_handling" | "order_feedback" => &[86_400, 3 * 86_400, 7 * 86_400],
        _ => panic!("no bands for {k}"),
    }
}

/// Nearest rank: sort, take the ⌈q·n⌉-th value.
pub fn nearest_rank(sorted: &[u64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank - 1] as f64)
}

/// The figures of `span` as seen at `now`, for facts of `zone` (or all).
pub fn figures(facts: &[Fact], span: Span, zone: Option<u16>, now: Millis) -> Figures {
    let in_cut = |f: &Fact| zone.is_none() || f.zone() == zone;
    let seen: Vec<Fact> = facts.iter().map(|f| seen_at(f, now)).collect();
    let facts = &seen[..];
    let mut calls = Vec::new();
    let mut incidents = Vec::new();
    let mut dispatched = 0usize;
    let mut orders = Vec::new();
    let mut callbacks = Vec::new();
    for f in facts.iter().filter(|f| in_cut(f)) {
        match f {
            Fact::Call(c) if inside(c.received, span) => calls.push(*c),
            Fact::Incident(i) => {
                if inside(i.created, span) {
                    incidents.push(*i);
                }
                if i.dispatched.is_some_and(|d| inside(d, span)) {
                    dispatched += 1;
                }
            }
            Fact::Order(o) if inside(o.sent, span) => orders.push(*o),
            Fact::Callback(b) if inside(b.called, span) => callbacks.push(*b),
            _ => {}
        }
    }
    let answered: Vec<_> = calls.iter().filter(|c| c.answered.is_some()).collect();
    let non_police = answered
        .iter()
        .filter(|c| matches!(c.outcome, Some(Outcome::NonPolice | Outcome::Diverted)))
        .count();
    let diverted = answered
        .iter()
        .filter(|c| c.outcome == Some(Outcome::Diverted))
        .count();
    let invalid = answered
        .iter()
        .filter(|c| c.outcome == Some(Outcome::Invalid))
        .count();
    let valid = answered
        .iter()
        .filter(|c| c.outcome != Some(Outcome::Invalid) && !c.duplicate)
        .count();

    // Exact milliseconds of each interval.
    let mut intervals: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    intervals.insert(
        "answer",
        answered
            .iter()
            .filter(|c| c.ring_recorded)
            .filter_map(|c| ms(Some(c.received), c.answered))
            .collect(),
    );
    let with_dispatch: Vec<_> = incidents
        .iter()
        .filter(|i| i.dispatched.is_some())
        .collect();
    // A stage the source never records gives no interval, whatever the row holds.
    let recorded = |u: Unrecorded, stages: &[Stage]| stages.iter().all(|s| !u.has(*s));
    let of = |needs: &[Stage], f: &dyn Fn(&IncidentFact) -> Option<u64>| {
        with_dispatch
            .iter()
            .filter(|i| recorded(i.unrecorded, needs))
            .filter_map(|i| f(i))
            .collect::<Vec<u64>>()
    };
    intervals.insert(
        "processing",
        of(&[], &|i| ms(i.call_answered, i.dispatched)),
    );
    intervals.insert(
        "sign_for",
        of(&[Stage::SignedFor], &|i| ms(i.dispatched, i.signed_for)),
    );
    intervals.insert(
        "arrival",
        of(&[Stage::Arrived], &|i| ms(i.dispatched, i.arrived)),
    );
    intervals.insert(
        "arrival_total",
        of(&[Stage::Arrived], &|i| ms(i.call_received, i.arrived)),
    );
    intervals.insert(
        "turnout",
        of(&[Stage::Departed], &|i| ms(i.dispatched, i.departed)),
    );
    intervals.insert(
        "travel",
        incidents
            .iter()
            .filter(|i| recorded(i.unrecorded, &[Stage::Departed, Stage::Arrived]))
            .filter_map(|i| ms(i.departed, i.arrived))
            .collect(),
    );
    intervals.insert(
        "feedback",
        incidents
            .iter()
            .filter(|i| recorded(i.unrecorded, &[Stage::Arrived, Stage::FedBack]))
            .filter_map(|i| ms(i.arrived, i.fed_back))
            .collect(),
    );
    intervals.insert(
        "order_handling",
        orders
            .iter()
            .filter(|o| recorded(o.unrecorded, &[Stage::Handled]))
            .filter_map(|o| ms(Some(o.sent), o.handled))
            .collect(),
    );
    intervals.insert(
        "order_feedback",
        orders
            .iter()
            .filter(|o| recorded(o.unrecorded, &[Stage::FedBack]))
            .filter_map(|o| ms(Some(o.sent), o.fed_back))
            .collect(),
    );
    let within = |k: &str, limit_s: u64| {
        let v = &intervals[k];
        share(v.iter().filter(|m| **m <= limit_s * 1000).count(), v.len())
    };

    // Circle: arrival − dispatch within the zone's circle, among incidents that have both.
    let circle: Vec<bool> = with_dispatch
        .iter()
        .filter(|i| recorded(i.unrecorded, &[Stage::Arrived]))
        .filter_map(|i| match (i.dispatched, i.arrived, i.circle_ms) {
            (Some(d), Some(a), Some(c)) if a >= d => Some(a - d <= c),
            _ => None,
        })
        .collect();

    let diverted_orders: Vec<_> = orders
        .iter()
        .filter(|o| o.direction == Direction::Diverted)
        .collect();
    let to_police: Vec<_> = orders
        .iter()
        .filter(|o| o.direction == Direction::ToPolice)
        .collect();
    // Counts and rates of a stage only over the orders whose source records it; a count
    // with orders but none recording the stage is not recorded.
    let judged = |os: &[&OrderFact], needs: &[Stage]| -> Vec<OrderFact> {
        os.iter()
            .filter(|o| recorded(o.unrecorded, needs))
            .map(|o| **o)
            .collect()
    };
    let count_of = |os: &[&OrderFact], needs: &[Stage], hit: &dyn Fn(&OrderFact) -> bool| {
        let known = judged(os, needs);
        (os.is_empty() || !known.is_empty()).then(|| known.iter().filter(|o| hit(o)).count() as f64)
    };
    let rate_of = |os: &[&OrderFact], needs: &[Stage], hit: &dyn Fn(&OrderFact) -> bool| {
        let known = judged(os, needs);
        share(known.iter().filter(|o| hit(o)).count(), known.len())
    };
    let all_orders: Vec<&OrderFact> = orders.iter().collect();
    let response_rate = rate_of(
        &to_police,
        &[Stage::Accepted, Stage::AcceptBy],
        &|o| matches!((o.accepted, o.accept_by), (Some(a), Some(by)) if a <= by),
    );
    let overdue = count_of(&all_orders, &[Stage::Handled, Stage::Due], &|o| match (
        o.handled, o.returned, o.due,
    ) {
        (Some(h), _, Some(d)) => h > d,
        (None, None, Some(d)) => d < now,
        _ => false,
    });
    let answered_cb: Vec<_> = callbacks.iter().filter_map(|b| b.satisfaction).collect();
    let pleased = answered_cb
        .iter()
        .filter(|s| matches!(s, Satisfaction::Satisfied | Satisfaction::Basic))
        .count();
    let filed = incidents.iter().filter(|i| i.case_filed).count();
    let cleared = incidents.iter().filter(|i| i.case_cleared).count();

    let n = |x: usize| Some(x as f64);
    let mut out: Figures = [
        ("calls", n(calls.len())),
        (
            "abandoned",
            n(calls
                .iter()
                .filter(|c| c.answered.is_none() && c.ended.is_some())
                .count()),
        ),
        ("answered", n(answered.len())),
        ("valid_incidents", n(valid)),
        ("incidents", n(incidents.len())),
        ("dispatches", n(dispatched)),
        ("non_police_share", share(non_police, answered.len())),
        ("diversion_rate", share(diverted, non_police)),
        ("invalid_share", share(invalid, answered.len())),
        ("answered_within_10s", within("answer", 10)),
        ("answered_within_15s", within("answer", 15)),
        ("answered_within_20s", within("answer", 20)),
        ("processing_within_60s", within("processing", 60)),
        ("signed_for_within_30s", within("sign_for", 30)),
        (
            "circle_rate",
            share(circle.iter().filter(|b| **b).count(), circle.len()),
        ),
        ("non_police", n(non_police)),
        ("diverted", n(diverted)),
        ("diverted_orders", n(diverted_orders.len())),
        (
            "diverted_accepted",
            count_of(&diverted_orders, &[Stage::Accepted], &|o| {
                o.accepted.is_some()
            }),
        ),
        (
            "diverted_handled",
            count_of(&diverted_orders, &[Stage::Handled], &|o| {
                o.handled.is_some()
            }),
        ),
        (
            "diverted_fed_back",
            count_of(&diverted_orders, &[Stage::FedBack], &|o| {
                o.fed_back.is_some()
            }),
        ),
        ("work_orders", n(orders.len())),
        ("work_order_response_rate", response_rate),
        (
            "work_order_handled_rate",
            rate_of(&all_orders, &[Stage::Handled], &|o| o.handled.is_some()),
        ),
        (
            "work_order_feedback_rate",
            rate_of(&all_orders, &[Stage::FedBack], &|o| o.fed_back.is_some()),
        ),
        ("work_orders_overdue", overdue),
        ("satisfaction", share(pleased, answered_cb.len())),
        ("callbacks", n(callbacks.len())),
        ("cases_filed", n(filed)),
        ("clearance_rate", share(cleared, filed)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, exact) in intervals {
        // Bands on the exact interval: the first [0, hi], then (lo, hi], the last open.
        let edges = bands_of(k);
        let mut lo = None;
        for hi in edges.iter().map(Some).chain([None]) {
            let count = exact
                .iter()
                .filter(|m| lo.is_none_or(|lo| **m > lo * 1000))
                .filter(|m| hi.is_none_or(|hi| **m <= hi * 1000))
                .count();
            out.insert(format!("{k}_band_{}", lo.unwrap_or(0)), n(count));
            lo = hi.copied();
        }
        // Averages and percentiles in whole seconds.
        let mut v: Vec<u64> = exact.iter().map(|m| m / 1000).collect();
        v.sort_unstable();
        let total: u64 = v.iter().sum();
        out.insert(format!("{k}_n"), n(v.len()));
        out.insert(
            format!("{k}_avg_s"),
            (!v.is_empty()).then(|| total as f64 / v.len() as f64),
        );
        out.insert(format!("{k}_p50_s"), nearest_rank(&v, 0.5));
        out.insert(format!("{k}_p90_s"), nearest_rank(&v, 0.9));
    }
    out
}

/// The engine's report in the same vocabulary.
pub fn of_report(r: &commandwall::core::kpi::report::Report) -> Figures {
    let mut out: Figures = r.values().map(|(k, v)| (k.to_string(), v)).collect();
    for i in &r.intervals {
        out.insert(format!("{}_n", i.key), Some(i.n as f64));
        for b in i.bands.iter() {
            out.insert(format!("{}_band_{}", i.key, b.lo_s), Some(b.count as f64));
        }
    }
    out
}

/// Asserts two figure sets agree (to rounding), naming every figure that differs.
pub fn assert_same(engine: &Figures, reference: &Figures, what: &str) {
    let mut wrong = Vec::new();
    for (k, want) in reference {
        let got = engine.get(k).copied().flatten();
        let same = match (got, *want) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            (None, None) => true,
            _ => false,
        };
        if !same {
            wrong.push(format!("{k}: engine {got:?}, reference {want:?}"));
        }
    }
    let uncovered: Vec<_> = engine
        .keys()
        .filter(|k| !reference.contains_key(*k))
        .collect();
    assert!(
        uncovered.is_empty(),
        "{what}: no reference for {uncovered:?}"
    );
    assert!(wrong.is_empty(), "{what}:\n  {}", wrong.join("\n  "));
}

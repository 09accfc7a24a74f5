//! The aggregate behind every figure: counters and exact interval distributions that facts
//! are added to and removed from. One window's figures may be the sum of several parts
//! (frozen past days and live recent facts); the report reads the sum.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::facts::{Fact, Part};
use super::hist::{coalesce, Dist, Frozen, FrozenSum, Hist, Watch};
use crate::model::{Direction, Millis, Outcome, Satisfaction, Stage};

use super::vocabulary::Interval;

/// Records left out of an interval, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    /// A finished record lacks one of the two timestamps.
    pub missing: u64,
    /// The later stage is recorded before the earlier one.
    pub negative: u64,
    /// The source does not record this time at all (e.g. a CAD without ring times).
    pub not_recorded: u64,
}

impl Excluded {
    fn add(&mut self, o: Excluded) {
        self.missing += o.missing;
        self.negative += o.negative;
        self.not_recorded += o.not_recorded;
    }
}

/// Plain counters; every field is a count of records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub calls: i64,
    pub abandoned: i64,
    pub answered: i64,
    pub valid: i64,
    pub non_police: i64,
    pub diverted: i64,
    pub invalid: i64,
    pub duplicates: i64,
    pub incidents: i64,
    pub dispatches: i64,
    pub circle_n: i64,
    pub circle_within: i64,
    pub cases_filed: i64,
    pub cases_cleared: i64,
    pub orders: i64,
    pub orders_handled: i64,
    pub orders_fed_back: i64,
    pub orders_returned: i64,
    pub orders_done_late: i64,
    pub to_police: i64,
    pub to_police_in_time: i64,
    /// Orders diverted from 110, and how far along the 12345 side has taken them.
    pub diverted_orders: i64,
    pub diverted_accepted: i64,
    pub diverted_handled: i64,
    pub diverted_fed_back: i64,
    /// Of the counts above, how many records come from a source that records the stage
    /// (the rest cannot say either way).
    pub known: KnownStages,
    pub callbacks: i64,
    pub callbacks_reached: i64,
    pub satisfied: i64,
    pub basic: i64,
    pub dissatisfied: i64,
    /// A phone system's interval counts: calls, not records.
    pub phone: PhoneCounts,
}

/// Calls a phone system counted over its intervals (`Fact::Phone`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneCounts {
    pub offered: i64,
    pub abandoned: i64,
    /// Answered per band of the answer interval.
    pub answered: [i64; 4],
}

impl PhoneCounts {
    fn add(&mut self, o: &PhoneCounts) {
        self.offered += o.offered;
        self.abandoned += o.abandoned;
        for (a, b) in self.answered.iter_mut().zip(o.answered) {
            *a += b;
        }
    }
}

/// Records whose source records the stages a count needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownStages {
    pub handled: i64,
    pub fed_back: i64,
    /// Handled and due: whether an order is overdue.
    pub overdue: i64,
    /// Orders to the police with acceptance and its limit.
    pub response: i64,
    pub diverted_accepted: i64,
    pub diverted_handled: i64,
    pub diverted_fed_back: i64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.phone.add(&o.phone);
        macro_rules! known { ($($f:ident),*) => { $(self.known.$f += o.known.$f;)* } }
        known!(
            handled,
            fed_back,
            overdue,
            response,
            diverted_accepted,
            diverted_handled,
            diverted_fed_back
        );
        macro_rules! sum { ($($f:ident),*) => { $(self.$f += o.$f;)* } }
        sum!(
            calls,
            abandoned,
            answered,
            valid,
            non_police,
            diverted,
            invalid,
            duplicates,
            incidents,
            dispatches,
            circle_n,
            circle_within,
            cases_filed,
            cases_cleared,
            orders,
            orders_handled,
            orders_fed_back,
            orders_returned,
            orders_done_late,
            to_police,
            to_police_in_time,
            diverted_orders,
            diverted_accepted,
            diverted_handled,
            diverted_fed_back,
            callbacks,
            callbacks_reached,
            satisfied,
            basic,
            dissatisfied
        );
    }
}

/// Records per band of each interval, judged on the exact interval (`Interval::bands`).
pub type BandCounts = [[i64; Interval::MAX_BANDS]; Interval::COUNT];

/// The figures of one window part, mutable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub counts: Counts,
    /// Whole seconds, for percentiles and averages.
    pub intervals: [Hist; Interval::COUNT],
    /// Exact, for limits and bands.
    pub bands: BandCounts,
    pub excluded: [Excluded; Interval::COUNT],
    /// Open orders (not handled, not returned) by due time: overdue depends on `now`.
    pub open_due: BTreeMap<Millis, i64>,
    /// `open_due` counted up to (not including) `due_cut`, kept as orders open and close and
    /// as the cut moves (`set_due_cut`): a report asks for it at every tick, and summing the
    /// map each time cost as much as the rest of the report.
    due_cut: Millis,
    due_before_cut: i64,
    /// Intervals changed since `take_touched`, one bit each: a report recomputes only
    /// their percentiles (most of its cost) and keeps the others.
    touched: u16,
    /// Where the last report found each interval's p50 and p90, kept true as values come
    /// and go (`report_reusing`).
    pub watches: Derived<Watches>,
}

/// Per interval, the p50 and p90 watches.
pub type Watches = [[Watch; 2]; Interval::COUNT];

/// Milliseconds from `a` to `b`, or why there are none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Exact(Millis),
    Missing,
    Negative,
    Pending,
}

/// Whole seconds from `a` to `b`, truncated; `None` when `b` is before `a`. The one
/// definition of an interval, for the figures and for the rows a drill-down lists.
pub fn whole_seconds(a: Millis, b: Millis) -> Option<u32> {
    (b >= a).then(|| u32::try_from((b - a) / 1000).unwrap_or(u32::MAX))
}

/// Whether an arrival counts inside the zone's response circle.
pub fn within_circle(dispatched: Millis, arrived: Millis, circle_ms: Millis) -> bool {
    arrived - dispatched <= circle_ms
}

/// What one part of a fact gives one interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sample {
    Recorded(Span),
    /// The source does not record a stage the interval needs.
    NotRecorded,
}

/// The intervals one part of a fact gives, in the order `count` finds them (an incident's
/// dispatch gives the most: seven).
#[derive(Default)]
struct Samples {
    len: usize,
    items: [Option<(Interval, Sample)>; 8],
}

impl Samples {
    fn push(&mut self, k: Interval, s: Sample) {
        self.items[self.len] = Some((k, s));
        self.len += 1;
    }

    fn iter(&self) -> impl Iterator<Item = (Interval, Sample)> + '_ {
        self.items[..self.len].iter().flatten().copied()
    }

    fn contains(&self, item: (Interval, Sample)) -> bool {
        self.iter().any(|i| i == item)
    }
}

fn span(a: Option<Millis>, b: Option<Millis>, finished: bool) -> Span {
    match (a, b) {
        (Some(a), Some(b)) if b >= a => Span::Exact(b - a),
        (Some(_), Some(_)) => Span::Negative,
        (Some(_), None) if finished => Span::Missing,
        (None, Some(_)) => Span::Missing,
        _ => Span::Pending,
    }
}

impl Figures {
    /// The intervals changed since the last call, as bits by `Interval as usize`.
    pub fn take_touched(&mut self) -> u16 {
        std::mem::take(&mut self.touched)
    }

    pub fn touched(&self) -> u16 {
        self.touched
    }

    fn sample(&mut self, k: Interval, s: Sample, sign: i64) {
        let ix = k as usize;
        self.touched |= 1 << ix;
        match s {
            Sample::Recorded(Span::Exact(ms)) => {
                let secs = whole_seconds(0, ms).expect("an exact span is not negative");
                self.intervals[ix].add(secs, sign);
                for w in &mut self.watches.0[ix] {
                    w.add(secs, sign);
                }
                self.bands[ix][k.band_of(ms)] += sign;
            }
            Sample::Recorded(Span::Missing) => {
                self.excluded[ix].missing = add_u(self.excluded[ix].missing, sign)
            }
            Sample::Recorded(Span::Negative) => {
                self.excluded[ix].negative = add_u(self.excluded[ix].negative, sign)
            }
            Sample::Recorded(Span::Pending) => {}
            Sample::NotRecorded => {
                let e = &mut self.excluded[ix];
                e.not_recorded = add_u(e.not_recorded, sign);
            }
        }
    }

    /// Adds (`sign` = 1) or removes (`sign` = −1) one part of a fact.
    pub fn apply(&mut self, fact: &Fact, part: Part, sign: i64) {
        let mut samples = Samples::default();
        self.count(fact, part, sign, &mut samples);
        for (k, s) in samples.iter() {
            self.sample(k, s, sign);
        }
    }

    /// Replaces one part of a fact, counted as `old`, by the same part as `new` (the fact
    /// updated, or seen at a later cut). Only the intervals whose samples differ are
    /// touched: an update or a stage passing the cut changes one or two of the seven, and
    /// a report recomputes only the intervals touched. False when nothing changed.
    pub fn replace(&mut self, old: &Fact, new: &Fact, part: Part) -> bool {
        if old == new {
            return false;
        }
        let (mut was, mut is) = (Samples::default(), Samples::default());
        self.count(old, part, -1, &mut was);
        self.count(new, part, 1, &mut is);
        for (k, s) in was.iter() {
            if !is.contains((k, s)) {
                self.sample(k, s, -1);
            }
        }
        for (k, s) in is.iter() {
            if !was.contains((k, s)) {
                self.sample(k, s, 1);
            }
        }
        true
    }

    /// Counts one part of a fact into the counters (`sign` 1) or out of them (−1), and
    /// lists what it gives each interval.
    fn count(&mut self, fact: &Fact, part: Part, sign: i64, out: &mut Samples) {
        // Whether the source records what an interval needs.
        let given = |recorded: bool, s: Span| {
            if recorded {
                Sample::Recorded(s)
            } else {
                Sample::NotRecorded
            }
        };
        let c = &mut self.counts;
        match (fact, part) {
            (Fact::Incident(i), Part::Dispatch) => {
                if i.dispatched.is_some() {
                    c.dispatches += sign;
                }
            }
            (_, Part::Dispatch) => {}
            (Fact::Call(call), Part::Main) => {
                c.calls += sign;
                match call.answered {
                    None => {
                        if call.ended.is_some() {
                            c.abandoned += sign;
                        }
                    }
                    Some(_) => {
                        c.answered += sign;
                        if call.outcome != Some(Outcome::Invalid) && !call.duplicate {
                            c.valid += sign;
                        }
                        match call.outcome {
                            Some(Outcome::NonPolice) => c.non_police += sign,
                            Some(Outcome::Diverted) => {
                                c.non_police += sign;
                                c.diverted += sign;
                            }
                            Some(Outcome::Invalid) => c.invalid += sign,
                            _ => {}
                        }
                        if call.duplicate {
                            c.duplicates += sign;
                        }
                        out.push(
                            Interval::Answer,
                            given(
                                call.ring_recorded,
                                span(Some(call.received), call.answered, true),
                            ),
                        );
                    }
                }
            }
            (Fact::Incident(i), Part::Main) => {
                c.incidents += sign;
                if i.case_filed {
                    c.cases_filed += sign;
                }
                if i.case_cleared {
                    c.cases_cleared += sign;
                }
                let done = i.closed.is_some();
                let has = |s: &[Stage]| !i.unrecorded.any(s);
                if let Some(dispatched) = i.dispatched {
                    out.push(
                        Interval::Processing,
                        Sample::Recorded(span(i.call_answered, i.dispatched, true)),
                    );
                    out.push(
                        Interval::SignFor,
                        given(
                            has(&[Stage::SignedFor]),
                            span(i.dispatched, i.signed_for, done),
                        ),
                    );
                    out.push(
                        Interval::Turnout,
                        given(
                            has(&[Stage::Departed]),
                            span(i.dispatched, i.departed, done),
                        ),
                    );
                    let arrival = span(i.dispatched, i.arrived, done);
                    let arrived = has(&[Stage::Arrived]);
                    if let (Span::Exact(_), Some(circle), true) = (&arrival, i.circle_ms, arrived) {
                        c.circle_n += sign;
                        if i.arrived
                            .is_some_and(|a| within_circle(dispatched, a, circle))
                        {
                            c.circle_within += sign;
                        }
                    }
                    out.push(Interval::Arrival, given(arrived, arrival));
                    out.push(
                        Interval::ArrivalTotal,
                        given(arrived, span(i.call_received, i.arrived, done)),
                    );
                    // Travel and feedback start at a later stage; without it they are not
                    // recorded for a dispatched incident, and pending otherwise.
                    if !has(&[Stage::Departed, Stage::Arrived]) {
                        out.push(Interval::Travel, Sample::NotRecorded);
                    }
                    if !has(&[Stage::Arrived, Stage::FedBack]) {
                        out.push(Interval::Feedback, Sample::NotRecorded);
                    }
                }
                if i.departed.is_some() && has(&[Stage::Departed, Stage::Arrived]) {
                    out.push(
                        Interval::Travel,
                        Sample::Recorded(span(i.departed, i.arrived, done)),
                    );
                }
                if i.arrived.is_some() && has(&[Stage::Arrived, Stage::FedBack]) {
                    out.push(
                        Interval::Feedback,
                        Sample::Recorded(span(i.arrived, i.fed_back, done)),
                    );
                }
            }
            (Fact::Order(o), Part::Main) => {
                let has = |s: &[Stage]| !o.unrecorded.any(s);
                // An open order is pending, not missing: 12345 may still handle it.
                out.push(
                    Interval::OrderHandling,
                    given(has(&[Stage::Handled]), span(Some(o.sent), o.handled, false)),
                );
                out.push(
                    Interval::OrderFeedback,
                    given(
                        has(&[Stage::FedBack]),
                        span(Some(o.sent), o.fed_back, false),
                    ),
                );
                // Counts `happened` among records whose source records `stages`.
                let tally = |known: &mut i64, count: &mut i64, stages: &[Stage], happened| {
                    if has(stages) {
                        *known += sign;
                        *count += sign * i64::from(happened);
                    }
                };
                c.orders += sign;
                let k = &mut c.known;
                tally(
                    &mut k.handled,
                    &mut c.orders_handled,
                    &[Stage::Handled],
                    o.handled.is_some(),
                );
                tally(
                    &mut k.fed_back,
                    &mut c.orders_fed_back,
                    &[Stage::FedBack],
                    o.fed_back.is_some(),
                );
                if o.returned.is_some() {
                    c.orders_returned += sign;
                }
                let late = matches!((o.handled, o.due), (Some(h), Some(d)) if h > d);
                tally(
                    &mut k.overdue,
                    &mut c.orders_done_late,
                    &[Stage::Handled, Stage::Due],
                    late,
                );
                if o.direction == Direction::Diverted {
                    c.diverted_orders += sign;
                    for (known, count, stage, happened) in [
                        (
                            &mut k.diverted_accepted,
                            &mut c.diverted_accepted,
                            Stage::Accepted,
                            o.accepted.is_some(),
                        ),
                        (
                            &mut k.diverted_handled,
                            &mut c.diverted_handled,
                            Stage::Handled,
                            o.handled.is_some(),
                        ),
                        (
                            &mut k.diverted_fed_back,
                            &mut c.diverted_fed_back,
                            Stage::FedBack,
                            o.fed_back.is_some(),
                        ),
                    ] {
                        tally(known, count, &[stage], happened);
                    }
                }
                if o.direction == Direction::ToPolice {
                    c.to_police += sign;
                    let in_time =
                        matches!((o.accepted, o.accept_by), (Some(a), Some(by)) if a <= by);
                    tally(
                        &mut k.response,
                        &mut c.to_police_in_time,
                        &[Stage::Accepted, Stage::AcceptBy],
                        in_time,
                    );
                }
                let judged = has(&[Stage::Handled, Stage::Due]);
                if let (None, None, Some(due), true) = (o.handled, o.returned, o.due, judged) {
                    let e = self.open_due.entry(due).or_default();
                    *e += sign;
                    if *e == 0 {
                        self.open_due.remove(&due);
                    }
                    if due < self.due_cut {
                        self.due_before_cut += sign;
                    }
                }
            }
            (Fact::Phone(p), Part::Main) => {
                let counted = PhoneCounts {
                    offered: i64::from(p.offered) * sign,
                    abandoned: i64::from(p.abandoned) * sign,
                    answered: p.answered.map(|n| i64::from(n) * sign),
                };
                c.phone.add(&counted);
                // The answer interval's report reads these counts where calls lack ring times.
                self.touched |= 1 << Interval::Answer as usize;
            }
            (Fact::Callback(b), Part::Main) => {
                c.callbacks += sign;
                if b.reached {
                    c.callbacks_reached += sign;
                }
                match b.satisfaction {
                    Some(Satisfaction::Satisfied) => c.satisfied += sign,
                    Some(Satisfaction::Basic) => c.basic += sign,
                    Some(Satisfaction::Dissatisfied) => c.dissatisfied += sign,
                    None => {}
                }
            }
        }
    }

    /// Heap bytes held, roughly.
    pub fn bytes(&self) -> usize {
        self.intervals.iter().map(Hist::bytes).sum::<usize>() + self.open_due.len() * 40
    }

    /// Moves the time `overdue_open` answers at once (the span's cut): by the orders due
    /// between the old and the new time, not all of them. True when some were: open
    /// orders fell due (or, moving back, ceased to be), and the report changes.
    pub fn set_due_cut(&mut self, cut: Millis) -> bool {
        let (lo, hi, sign) = if cut >= self.due_cut {
            (self.due_cut, cut, 1)
        } else {
            (cut, self.due_cut, -1)
        };
        let mut passed = false;
        for (_, n) in self.open_due.range(lo..hi) {
            self.due_before_cut += sign * n;
            passed = true;
        }
        self.due_cut = cut;
        passed
    }

    pub fn freeze(&self) -> FrozenFigures {
        let open_due: Vec<(Millis, i64)> = self.open_due.iter().map(|(d, n)| (*d, *n)).collect();
        FrozenFigures {
            counts: self.counts,
            intervals: std::array::from_fn(|i| self.intervals[i].freeze()),
            bands: self.bands,
            excluded: self.excluded,
            due_cum: due_cum(&open_due),
            open_due,
        }
    }
}

fn add_u(x: u64, sign: i64) -> u64 {
    x.checked_add_signed(sign)
        .expect("removed more than was added")
}

/// Figures of a part that no longer changes (a finished stretch of past days).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrozenFigures {
    pub counts: Counts,
    pub intervals: [Frozen; Interval::COUNT],
    pub bands: BandCounts,
    pub excluded: [Excluded; Interval::COUNT],
    pub open_due: Vec<(Millis, i64)>,
    /// Open orders due up to each of `open_due`, for `overdue_open` in one search; made by
    /// `freeze` and `FrozenFiguresSum::finish`, the only frozen parts reports read.
    #[serde(skip)]
    due_cum: Derived<Vec<i64>>,
}

/// What is derived from the other fields only to answer faster (a lookup table, where a
/// percentile was found): not stored, and not part of equality.
#[derive(Debug, Clone, Copy, Default)]
pub struct Derived<T>(pub T);

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Derived<T>) -> bool {
        true
    }
}

fn due_cum(open_due: &[(Millis, i64)]) -> Derived<Vec<i64>> {
    let mut total = 0;
    Derived(
        open_due
            .iter()
            .map(|(_, n)| {
                total += n;
                total
            })
            .collect(),
    )
}

impl FrozenFigures {
    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        self.intervals.iter().map(Frozen::bytes).sum::<usize>() + self.open_due.capacity() * 16
    }

    /// Whether an open order falls due in `[from, to)`.
    pub fn any_due_in(&self, from: Millis, to: Millis) -> bool {
        let i = self.open_due.partition_point(|(d, _)| *d < from);
        self.open_due.get(i).is_some_and(|(d, _)| *d < to)
    }
}

/// Sums many frozen parts into one (a span's frozen days, from their daily sums).
#[derive(Debug, Default)]
pub struct FrozenFiguresSum {
    counts: Counts,
    intervals: [FrozenSum; Interval::COUNT],
    bands: BandCounts,
    excluded: [Excluded; Interval::COUNT],
    open_due: Vec<(Millis, i64)>,
}

impl FrozenFiguresSum {
    pub fn add(&mut self, part: &FrozenFigures) {
        self.counts.add(&part.counts);
        for (acc, d) in self.intervals.iter_mut().zip(&part.intervals) {
            acc.add(d);
        }
        for (acc, b) in self.bands.iter_mut().zip(&part.bands) {
            for (a, n) in acc.iter_mut().zip(b) {
                *a += n;
            }
        }
        for (acc, e) in self.excluded.iter_mut().zip(&part.excluded) {
            acc.add(*e);
        }
        self.open_due.extend_from_slice(&part.open_due);
    }

    pub fn finish(self) -> FrozenFigures {
        let mut open_due = self.open_due;
        coalesce(&mut open_due);
        let mut intervals = self.intervals.into_iter().map(FrozenSum::finish);
        FrozenFigures {
            counts: self.counts,
            intervals: std::array::from_fn(|_| intervals.next().expect("one per interval")),
            bands: self.bands,
            excluded: self.excluded,
            due_cum: due_cum(&open_due),
            open_due,
        }
    }
}

/// Read access common to both kinds of part.
pub trait View {
    fn counts(&self) -> &Counts;
    fn dist(&self, k: Interval) -> &dyn Dist;
    /// Records in each band of `k`, on the exact interval.
    fn bands(&self, k: Interval) -> &[i64; Interval::MAX_BANDS];
    fn excluded(&self, k: Interval) -> Excluded;
    /// Open orders whose due time has passed at `now`.
    fn overdue_open(&self, now: Millis) -> i64;
}

impl View for Figures {
    fn counts(&self) -> &Counts {
        &self.counts
    }
    fn dist(&self, k: Interval) -> &dyn Dist {
        &self.intervals[k as usize]
    }
    fn bands(&self, k: Interval) -> &[i64; Interval::MAX_BANDS] {
        &self.bands[k as usize]
    }
    fn excluded(&self, k: Interval) -> Excluded {
        self.excluded[k as usize]
    }
    fn overdue_open(&self, now: Millis) -> i64 {
        if now == self.due_cut {
            return self.due_before_cut;
        }
        self.open_due.range(..now).map(|(_, n)| n).sum()
    }
}

impl View for FrozenFigures {
    fn counts(&self) -> &Counts {
        &self.counts
    }
    fn dist(&self, k: Interval) -> &dyn Dist {
        &self.intervals[k as usize]
    }
    fn bands(&self, k: Interval) -> &[i64; Interval::MAX_BANDS] {
        &self.bands[k as usize]
    }
    fn excluded(&self, k: Interval) -> Excluded {
        self.excluded[k as usize]
    }
    fn overdue_open(&self, now: Millis) -> i64 {
        let due = self.open_due.partition_point(|(d, _)| *d < now);
        match self.due_cum.0.get(due.wrapping_sub(1)) {
            Some(n) if self.due_cum.0.len() == self.open_due.len() => *n,
            _ => self.open_due[..due].iter().map(|(_, n)| n).sum(),
        }
    }
}

/// The sum of several parts' counters.
pub fn total_counts(parts: &[&dyn View]) -> Counts {
    let mut c = Counts::default();
    for p in parts {
        c.add(p.counts());
    }
    c
}

pub fn total_excluded(parts: &[&dyn View], k: Interval) -> Excluded {
    let mut e = Excluded::default();
    for p in parts {
        e.add(p.excluded(k));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::facts::{IncidentFact, OrderFact};
    use crate::model::Unrecorded;

    /// What a reader of the figures sees, without the bookkeeping of reports.
    fn seen(f: &Figures) -> impl PartialEq + std::fmt::Debug + '_ {
        (&f.counts, &f.intervals, &f.bands, &f.excluded, &f.open_due)
    }

    fn incident(unrecorded: Unrecorded) -> Fact {
        let s = 1000;
        Fact::Incident(IncidentFact {
            created: 0,
            call_received: Some(-40 * s),
            call_answered: Some(-30 * s),
            dispatched: Some(45 * s + 500),
            signed_for: Some(66 * s + 400),
            departed: Some(90 * s),
            arrived: Some(700 * s),
            fed_back: Some(4000 * s),
            closed: Some(5000 * s),
            circle_ms: Some(600 * s),
            case_filed: true,
            case_cleared: false,
            zone: Some(2),
            unrecorded,
        })
    }

    fn order() -> Fact {
        let h = 3_600_000;
        Fact::Order(OrderFact {
            sent: 0,
            direction: Direction::Diverted,
            accepted: Some(h),
            accept_by: Some(2 * h),
            handled: Some(30 * h),
            fed_back: Some(50 * h),
            due: Some(24 * h),
            returned: None,
            zone: None,
            unrecorded: Unrecorded::NONE,
        })
    }

    #[test]
    fn replacing_a_fact_leaves_what_counting_the_new_one_alone_leaves() {
        // Each fact seen at every cut its stages pass, one after the other, as maturing and
        // updates replace it; at each step the figures must be those of the new state
        // counted from nothing.
        let facts = [
            incident(Unrecorded::NONE),
            incident(Unrecorded::NONE.with(Stage::Departed)),
            order(),
        ];
        for fact in facts {
            let mut cuts: Vec<Millis> = fact.stage_times().collect();
            cuts.insert(0, 0);
            cuts.sort_unstable();
            for part in [Part::Main, Part::Dispatch] {
                let mut live = Figures::default();
                let mut was = fact.as_of(cuts[0]);
                live.apply(&was, part, 1);
                for &cut in &cuts[1..] {
                    let now = fact.as_of(cut);
                    live.replace(&was, &now, part);
                    let mut fresh = Figures::default();
                    fresh.apply(&now, part, 1);
                    assert_eq!(seen(&live), seen(&fresh), "{fact:?} {part:?} at {cut}");
                    was = now;
                }
            }
        }
    }

    #[test]
    fn a_replacement_touches_only_the_intervals_whose_samples_differ() {
        let fact = incident(Unrecorded::NONE);
        let before = fact.as_of(60_000);
        let signed = fact.as_of(66_400);
        let mut f = Figures::default();
        f.apply(&before, Part::Main, 1);
        f.take_touched();
        assert!(f.replace(&before, &signed, Part::Main));
        assert_eq!(f.take_touched(), 1 << Interval::SignFor as usize);
        assert!(!f.replace(&signed, &signed, Part::Main), "nothing changed");
        assert_eq!(f.take_touched(), 0);
        // The figures a reader sees are those of the signed-for incident.
        let mut fresh = Figures::default();
        fresh.apply(&signed, Part::Main, 1);
        assert_eq!(seen(&f), seen(&fresh));
        assert_eq!(
            f.bands[Interval::SignFor as usize][0],
            1,
            "20.9 s: within 30 s"
        );
    }
}

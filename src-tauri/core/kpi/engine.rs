//! The live engine: keeps every window's figures in memory and folds in only what changed.
//!
//! Each window span is split at the start of yesterday (local). The part before is
//! *frozen*: computed once from the database when the engine is built. The part after is
//! the *tail*, kept from facts in memory (the recent pool: yesterday and today) or, for the
//! bases of sliding windows a week, a month or a year back, from the days they end in (the
//! reference pool). A tick applies changed facts to the tails whose bounds hold them and
//! moves the sliding bounds forward, adding facts that enter and removing facts that
//! leave. Its cost follows the changes and the time elapsed, not the history.
//!
//! Every span is seen at its own end (domain.md, "Comparisons at equal age": a live
//! window's age is 0): a fact counts as it stood at the span's `cut`, and is counted
//! again as the cut passes one of its later stages. A fact before the split with a stage
//! after it is *held* in the tail rather than frozen, for the same reason.
//!
//! A change the tails cannot absorb — a record anchored before yesterday — is left out and
//! the tick says the engine is `Behind`: the adapter builds a new one beside it while this
//! one keeps ticking. A new local day asks for a new engine before the next snapshot
//! (`Tick::Rebuild`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use serde::Serialize;

pub use super::facts::Table;
use super::facts::{Fact, Part, Zones};
use super::figures::{Figures, FrozenFigures, FrozenFiguresSum, View, Watches};
use super::ledger::{DaySum, SETTLE_MS};
use super::report::{compare, report_reusing, Compared, Report};
use super::window::{last_minutes, so_far, Calendar, Span, Window};
use crate::model::Millis;
use crate::time::{day_bounds, local_date};

/// A record's identity: its table and row id.
pub type Key = (Table, i64);

/// Open records anchored this recently before yesterday are held in memory, so their later
/// stages fold in. Older ones that change (a work order handled more than five weeks on)
/// are rare enough to build the engine again for.
const HOLD_OPEN_MS: Millis = 35 * 86_400_000;

/// The windows on the wall, in the order they are reported.
pub fn windows(tz: Tz, now: Millis) -> Vec<Window> {
    vec![
        last_minutes(tz, 15, now),
        last_minutes(tz, 60, now),
        so_far(tz, Calendar::Day, now),
        so_far(tz, Calendar::Week, now),
        so_far(tz, Calendar::Month, now),
        so_far(tz, Calendar::Year, now),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Now,
    Yoy,
    Pop,
}

fn variant_span(w: &Window, v: Variant) -> Option<Span> {
    match v {
        Variant::Now => Some(w.now),
        Variant::Yoy => w.yoy,
        Variant::Pop => w.pop,
    }
}

/// What became of a change to a fact from before yesterday.
enum Held {
    /// The engine does not keep it.
    Not,
    /// Folded into every tail that counts it.
    Folded,
    /// Its anchor moved, or a span has it frozen: a new engine must place it.
    Moved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pool {
    Recent,
    Reference,
}

/// One span of one window: frozen part plus a tail over a pool.
struct SpanState {
    window: usize,
    variant: Variant,
    pool: Pool,
    /// Where the tail starts; the frozen part covers `[span.from, split)`.
    split: Millis,
    /// The whole local days of the frozen part that daily sums may stand for: those settled
    /// by the split (`ledger`). Empty when none is.
    summable: (Millis, Millis),
    frozen: Vec<FrozenFigures>,
    tail: Vec<Figures>,
    /// Bounds of the tail as applied: `[from, to)`.
    applied: (Millis, Millis),
    /// Facts count as they stood at this time: the span's end.
    cut: Millis,
    /// Facts anchored in the frozen part with a stage after `split`: counted in the tail,
    /// as of `cut`, since their figures still change while the span grows.
    held: FactPool,
    dirty: Vec<bool>,
}

/// Facts held in memory, indexed by anchor time and by the times of their later stages.
#[derive(Default)]
struct FactPool {
    facts: FxHashMap<Key, Fact>,
    index: BTreeSet<(Millis, Key, PartOrd)>,
    stages: BTreeSet<(Millis, Key)>,
}

/// `Part` with an order, for the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct PartOrd(u8);

fn part_of(p: PartOrd) -> Part {
    if p.0 == 0 {
        Part::Main
    } else {
        Part::Dispatch
    }
}

fn anchors(f: &Fact) -> impl Iterator<Item = (Millis, PartOrd)> {
    f.anchors()
        .into_iter()
        .filter(|(t, _)| *t != Millis::MIN)
        .map(|(t, p)| (t, PartOrd(if p == Part::Main { 0 } else { 1 })))
}

impl FactPool {
    /// Heap bytes held, roughly: a hash entry at its size plus a control byte, a sorted
    /// set's entry at its size plus a third for the tree's nodes.
    fn bytes(&self) -> usize {
        use std::mem::size_of;
        self.facts.capacity() * (size_of::<(Key, Fact)>() + 1)
            + self.index.len() * size_of::<(Millis, Key, PartOrd)>() * 4 / 3
            + self.stages.len() * size_of::<(Millis, Key)>() * 4 / 3
    }

    fn insert(&mut self, key: Key, fact: Fact) -> Option<Fact> {
        let old = self.facts.insert(key, fact);
        // Only the entries that differ: an update brings one stage, and each entry of these
        // sets of a few hundred thousand is a walk down a tree.
        let old_anchors = || old.iter().flat_map(anchors);
        let old_stages = || old.iter().flat_map(Fact::stage_times);
        for (t, p) in old_anchors() {
            if !anchors(&fact).any(|a| a == (t, p)) {
                self.index.remove(&(t, key, p));
            }
        }
        for t in old_stages() {
            if !fact.stage_times().any(|s| s == t) {
                self.stages.remove(&(t, key));
            }
        }
        for (t, p) in anchors(&fact) {
            if !old_anchors().any(|a| a == (t, p)) {
                self.index.insert((t, key, p));
            }
        }
        for t in fact.stage_times() {
            if !old_stages().any(|s| s == t) {
                self.stages.insert((t, key));
            }
        }
        old
    }

    /// Replaces a fact the pool has; returns the old one, or `None` (and adds nothing).
    fn insert_if_present(&mut self, key: Key, fact: Fact) -> Option<Fact> {
        if !self.facts.contains_key(&key) {
            return None;
        }
        self.insert(key, fact)
    }

    /// Facts with a stage in `(after, upto]`, once each.
    fn maturing(&self, after: Millis, upto: Millis) -> Vec<Key> {
        if upto <= after {
            return Vec::new();
        }
        let lo = (after + 1, (Table::Calls, i64::MIN));
        let mut keys: Vec<Key> = self
            .stages
            .range(lo..)
            .take_while(|(t, _)| *t <= upto)
            .map(|(_, k)| *k)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// Whether span `s` has the day holding `t` from a daily sum (`summed`, in order).
fn is_summed(summed: &[Span], s: &SpanState, t: Millis) -> bool {
    if t < s.summable.0 || t >= s.summable.1 {
        return false;
    }
    let i = summed.partition_point(|d| d.to <= t);
    summed.get(i).is_some_and(|d| d.from <= t)
}

/// The whole local days of `[from, split)` settled by `split` (`ledger::SETTLE_MS`).
fn summable_days(tz: Tz, from: Millis, split: Millis) -> (Millis, Millis) {
    let first_day = local_date(tz, from);
    let (start, _) = day_bounds(tz, first_day);
    let lo = if start == from {
        from
    } else {
        day_bounds(tz, first_day).1
    };
    let hi = day_bounds(tz, local_date(tz, split - SETTLE_MS)).0;
    if hi > lo {
        (lo, hi)
    } else {
        (lo, lo)
    }
}

/// Every local day of the given ranges (day boundaries), in order, once.
fn summable_days_of(tz: Tz, ranges: &[(Millis, Millis)]) -> Vec<Span> {
    let mut days: Vec<Span> = Vec::new();
    for &(mut d, to) in ranges {
        while d < to {
            let end = day_bounds(tz, local_date(tz, d)).1;
            days.push(Span { from: d, to: end });
            d = end;
        }
    }
    days.sort_by_key(|d| d.from);
    days.dedup();
    days
}

/// What the adapter must load to build an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub now: Millis,
    /// Facts anchored in `[frozen.from, frozen.to)` go to `Builder::add_frozen`, except
    /// those of days given as daily sums (`Builder::frozen_reads` says what is left).
    pub frozen: Span,
    /// Facts anchored at or after this go to `Builder::add_recent` (yesterday and today).
    pub recent_from: Millis,
    /// Whole local days whose facts go to `Builder::add_reference`.
    pub reference: Vec<Span>,
}

/// Builds an engine from facts the adapter streams in.
pub struct Builder {
    tz: Tz,
    zones: Zones,
    plan: Plan,
    windows: Vec<Window>,
    spans: Vec<SpanState>,
    frozen_work: Vec<Vec<Figures>>,
    /// Per span and cut, the daily sums of its summable days.
    sum_work: Vec<Vec<FrozenFiguresSum>>,
    /// The days a sum may be given for, in order, and those given.
    summable: Vec<Span>,
    summed: Vec<Span>,
    recent: FactPool,
    reference: FactPool,
    max_row: HashMap<Table, i64>,
    seq: i64,
    threads: usize,
    data_from: Option<Millis>,
    zone_windows: Option<Vec<String>>,
}

impl Builder {
    pub fn new(tz: Tz, zones: Zones, now: Millis) -> Builder {
        let today = local_date(tz, now);
        let yesterday = today.pred_opt().expect("date in range");
        let recent_from = day_bounds(tz, yesterday).0;
        let day_end = day_bounds(tz, today).1;
        let windows = windows(tz, now);
        let later = self::windows(tz, now + 1);
        let ncuts = 1 + zones.codes.len();
        let mut spans = Vec::new();
        let mut reference: Vec<Span> = Vec::new();
        let mut frozen_from = recent_from;
        for (wi, w) in windows.iter().enumerate() {
            for variant in [Variant::Now, Variant::Yoy, Variant::Pop] {
                let Some(s) = variant_span(w, variant) else {
                    continue;
                };
                // A span ending before yesterday slides inside the day holding its end:
                // that day (and the one before, for a sliding span that starts in it) is a reference day.
                // One ending exactly where yesterday begins is empty and grows into yesterday
                // (the day so far's 环比 seen at midnight, as the engine prepared before
                // midnight is built): the recent pool is its.
                let (pool, split) = if s.to >= recent_from {
                    (Pool::Recent, recent_from.max(s.from))
                } else {
                    // The span's end moves with the clock until this engine's day is over
                    // (an engine prepared before midnight is built as of midnight, when a
                    // base ends on a day boundary): every day it reaches is a reference day.
                    let end_day = local_date(tz, s.to - 1);
                    let last_day = local_date(tz, s.to + (day_end - now) - 1).max(end_day);
                    // A base whose start stays put (a calendar period's) needs only the days
                    // its end reaches in the pool; one whose start slides too (the last 60
                    // minutes a year ago) also the day that start is in now.
                    let slides =
                        variant_span(&later[wi], variant).is_some_and(|l| l.from != s.from);
                    let first = if slides {
                        local_date(tz, s.from).min(end_day)
                    } else {
                        end_day
                    };
                    let mut d = first;
                    while d <= last_day {
                        let (a, b) = day_bounds(tz, d);
                        if !reference.iter().any(|r| r.from == a) {
                            reference.push(Span {
                                from: a,
                                to: b.min(recent_from),
                            });
                        }
                        d = d.succ_opt().expect("date in range");
                    }
                    (Pool::Reference, day_bounds(tz, first).0.max(s.from))
                };
                frozen_from = frozen_from.min(s.from);
                // The bases are kept for the whole centre only: nothing on the wall or in
                // an alert compares a zone with its own past, and a zone's 同比 / 环比 is the
                // desk's to compute when asked. Cut by zone too they were half a tick's work.
                let ncuts = if variant == Variant::Now { ncuts } else { 1 };
                spans.push(SpanState {
                    window: wi,
                    variant,
                    pool,
                    split,
                    summable: summable_days(tz, s.from, split),
                    frozen: Vec::new(),
                    tail: vec![Figures::default(); ncuts],
                    applied: (split, split),
                    cut: split,
                    held: FactPool::default(),
                    dirty: vec![true; ncuts],
                });
            }
        }
        let frozen_work = spans
            .iter()
            .map(|s| vec![Figures::default(); s.tail.len()])
            .collect();
        let spans_summable: Vec<(Millis, Millis)> = spans.iter().map(|s| s.summable).collect();
        let sum_work = spans
            .iter()
            .map(|s| {
                (0..s.tail.len())
                    .map(|_| FrozenFiguresSum::default())
                    .collect()
            })
            .collect();
        let plan = Plan {
            now,
            frozen: Span {
                from: frozen_from,
                to: recent_from,
            },
            recent_from,
            reference,
        };
        Builder {
            tz,
            zones,
            plan,
            windows,
            spans,
            frozen_work,
            sum_work,
            summable: summable_days_of(tz, &spans_summable),
            summed: Vec::new(),
            recent: FactPool::default(),
            reference: FactPool::default(),
            max_row: HashMap::new(),
            seq: 0,
            threads: 1,
            data_from: None,
            zone_windows: None,
        }
    }

    /// Computes zone cuts only for the windows with these keys (a page's zone grid, an alert
    /// on a zone); the others carry the whole centre only. By default every window has them.
    /// Reports are most of a tick's cost, and zones multiply them.
    /// Ask it before giving any fact: the other windows' spans keep no zone figures at all,
    /// so a fact updates half as many of their distributions.
    pub fn zone_cuts_for(mut self, keys: impl IntoIterator<Item = String>) -> Builder {
        let keys: Vec<String> = keys.into_iter().collect();
        for (si, s) in self.spans.iter_mut().enumerate() {
            if !keys.contains(&self.windows[s.window].key) {
                s.tail.truncate(1);
                s.dirty.truncate(1);
                self.frozen_work[si].truncate(1);
                self.sum_work[si].truncate(1);
            }
        }
        self.zone_windows = Some(keys);
        self
    }

    /// When the stored data begins: a base that starts earlier is only partly recorded, so
    /// its comparisons are "—" rather than a change against missing days.
    pub fn data_from(mut self, t: Option<Millis>) -> Builder {
        self.data_from = t;
        self
    }

    /// How many threads may compute reports at once (the adapter knows the machine).
    pub fn threads(mut self, n: usize) -> Builder {
        self.threads = n.max(1);
        self
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn zones(&self) -> &Zones {
        &self.zones
    }

    fn seen(&mut self, key: Key) {
        let m = self.max_row.entry(key.0).or_insert(0);
        *m = (*m).max(key.1);
    }

    /// The local days a daily sum may be given for (`add_sum`), in order.
    pub fn summable_days(&self) -> &[Span] {
        &self.summable
    }

    /// A day's sum (`ledger::DaySum`), counted into every span whose frozen part it may
    /// stand for; its records that had not settled are placed as `add_frozen` places a
    /// record. Give each day once, before any `add_frozen`. False (and nothing counted)
    /// when it is not a summable day or was summed over another list of zones.
    pub fn add_sum(&mut self, day: Span, sum: &DaySum) -> bool {
        if sum.cuts.len() != 1 + self.zones.codes.len()
            || self.summed.last().is_some_and(|d| d.from >= day.from)
            || self
                .summable
                .binary_search_by_key(&day.from, |d| d.from)
                .map(|i| self.summable[i])
                != Ok(day)
        {
            return false;
        }
        self.summed.push(day);
        for (s, work) in self.spans.iter().zip(&mut self.sum_work) {
            if s.summable.0 <= day.from && day.to <= s.summable.1 {
                for (w, cut) in work.iter_mut().zip(&sum.cuts) {
                    w.add(cut);
                }
            }
        }
        for (key, fact) in &sum.late {
            self.seen(*key);
            self.place(*key, fact, |s, _, t| {
                t >= day.from && t < day.to && s.summable.0 <= t && t < s.summable.1
            });
        }
        true
    }

    /// The ranges whose facts `add_frozen` still needs: every span's frozen part but the
    /// days given as sums, merged.
    pub fn frozen_reads(&self) -> Vec<Span> {
        let mut parts: Vec<Span> = Vec::new();
        for s in &self.spans {
            let span = variant_span(&self.windows[s.window], s.variant).expect("span exists");
            let mut from = span.from;
            for d in self
                .summed
                .iter()
                .filter(|d| s.summable.0 <= d.from && d.to <= s.summable.1)
            {
                if d.from > from {
                    parts.push(Span { from, to: d.from });
                }
                from = from.max(d.to);
            }
            if s.split > from {
                parts.push(Span { from, to: s.split });
            }
        }
        parts.sort_by_key(|p| p.from);
        let mut merged: Vec<Span> = Vec::new();
        for p in parts {
            match merged.last_mut() {
                Some(m) if p.from <= m.to => m.to = m.to.max(p.to),
                _ => merged.push(p),
            }
        }
        merged
    }

    /// A fact from before yesterday: counted into every frozen part that holds it, or held
    /// by the span when one of its stages comes after the frozen part, or when it is a
    /// recent record still open (a work order handled days after it was sent is a change
    /// the tail folds in, not a reason to build the engine again). Its anchors in days a
    /// span has from a daily sum are that sum's.
    pub fn add_frozen(&mut self, key: Key, fact: &Fact) {
        self.seen(key);
        self.place(key, fact, |s, summed, t| !is_summed(summed, s, t));
    }

    /// Counts the fact's anchors that `pick` gives a span into its frozen part, or holds
    /// the fact in the span.
    fn place(&mut self, key: Key, fact: &Fact, pick: impl Fn(&SpanState, &[Span], Millis) -> bool) {
        let last_stage = fact.stage_times().max();
        let open = fact.may_change() && fact.anchors()[0].0 >= self.plan.now - HOLD_OPEN_MS;
        for (si, s) in self.spans.iter_mut().enumerate() {
            let span = variant_span(&self.windows[s.window], s.variant).expect("span exists");
            // At most two anchors: kept on the stack, this runs for every fact read.
            let mut picked = [None; 2];
            for (slot, (t, p)) in picked.iter_mut().zip(anchors(fact)) {
                if t >= span.from && t < s.split && pick(s, &self.summed, t) {
                    *slot = Some(p);
                }
            }
            if picked.iter().all(Option::is_none) {
                continue;
            }
            if open || last_stage.is_some_and(|t| t > s.split) {
                s.held.insert(key, *fact);
                continue;
            }
            // Every stage is by the split, so the fact stands as it will at any later cut.
            let seen = fact.as_of(s.split);
            let work = &mut self.frozen_work[si];
            let ncuts = work.len();
            for p in picked.into_iter().flatten() {
                for c in fact.cuts().filter(|c| *c < ncuts) {
                    work[c].apply(&seen, part_of(p), 1);
                }
            }
        }
    }

    /// Room for this many more facts of the recent and the reference pool: their tables
    /// are made once at their size rather than grown by doubling, which held the old table
    /// and the new one at once (the peak of a build).
    pub fn reserve_pools(&mut self, recent: usize, reference: usize) {
        self.recent.facts.reserve(recent);
        self.reference.facts.reserve(reference);
    }

    pub fn add_recent(&mut self, key: Key, fact: Fact) {
        self.seen(key);
        self.recent.insert(key, fact);
    }

    pub fn add_reference(&mut self, key: Key, fact: Fact) {
        self.seen(key);
        self.reference.insert(key, fact);
    }

    /// The change number the loaded data is complete up to.
    pub fn set_seq(&mut self, seq: i64) {
        self.seq = seq;
    }

    pub fn finish(mut self) -> Engine {
        for ((s, work), sums) in self
            .spans
            .iter_mut()
            .zip(self.frozen_work)
            .zip(self.sum_work)
        {
            s.frozen = work
                .iter()
                .zip(sums)
                .map(|(w, mut sum)| {
                    if s.summable.0 == s.summable.1 {
                        return w.freeze();
                    }
                    sum.add(&w.freeze());
                    sum.finish()
                })
                .collect();
            // Held facts start in the tail as of the split; `advance` carries them to the cut.
            let span = variant_span(&self.windows[s.window], s.variant).expect("span exists");
            let bounds = (span.from, s.split);
            let held: Vec<Fact> = s.held.facts.values().copied().collect();
            for fact in held {
                change_at(
                    &mut s.tail,
                    &mut s.dirty,
                    bounds,
                    None,
                    Some((&fact, s.cut)),
                );
            }
        }
        // The pools grew while they were read in; from here they change by a few facts.
        for pool in [&mut self.recent, &mut self.reference]
            .into_iter()
            .chain(self.spans.iter_mut().map(|s| &mut s.held))
        {
            pool.facts.shrink_to_fit();
        }
        let zone_cuts = self
            .windows
            .iter()
            .map(|w| {
                self.zone_windows
                    .as_ref()
                    .is_none_or(|keys| keys.contains(&w.key))
            })
            .collect();
        let mut e = Engine {
            zone_cuts,
            tz: self.tz,
            day: local_date(self.tz, self.plan.now),
            windows: self.windows,
            recent_from: self.plan.recent_from,
            reference_days: self.plan.reference.clone(),
            spans: self.spans,
            recent: self.recent,
            reference: self.reference,
            max_row: self.max_row,
            seq: self.seq,
            threads: self.threads,
            data_from: self.data_from,
            now: self.plan.now,
            reports: FxHashMap::default(),
            cut_cache: FxHashMap::default(),
            zone_codes: self.zones.codes.iter().cloned().collect(),
            zones: self.zones,
            snapshot: Arc::new(Snapshot::default()),
        };
        e.advance(self.plan.now);
        e.snapshot = Arc::new(e.build_snapshot());
        e
    }
}

/// The outcome of a tick.
#[derive(Debug)]
pub enum Tick {
    Fresh(Arc<Snapshot>),
    /// Every change is folded in except those that reach data the engine keeps only as
    /// frozen sums (a late update to a record from before yesterday): the snapshot is live
    /// for everything else, and a new engine should be built to take those in.
    Behind {
        snapshot: Arc<Snapshot>,
        why: String,
    },
    /// A new day began: the windows moved past what this engine holds; build a new one
    /// (the last snapshot stays valid meanwhile).
    Rebuild {
        why: String,
    },
}

pub struct Engine {
    /// Per window: whether its zone cuts are reported.
    zone_cuts: Vec<bool>,
    tz: Tz,
    zones: Zones,
    day: chrono::NaiveDate,
    /// The windows as of `now`.
    windows: Vec<Window>,
    recent_from: Millis,
    /// The days whose facts the reference pool keeps (`Plan::reference`).
    reference_days: Vec<Span>,
    spans: Vec<SpanState>,
    recent: FactPool,
    reference: FactPool,
    max_row: HashMap<Table, i64>,
    seq: i64,
    /// Threads `refresh_reports` may use, chosen by the adapter.
    threads: usize,
    /// When the stored data begins; bases starting earlier are not compared.
    data_from: Option<Millis>,
    now: Millis,
    reports: FxHashMap<(usize, usize), Arc<Report>>,
    /// Each window cut's figures with the reports they were compared from.
    #[allow(clippy::type_complexity)]
    cut_cache: FxHashMap<(usize, usize), ([Option<Arc<Report>>; 3], Arc<CutFigures>)>,
    /// The zones' codes, shared by every snapshot.
    zone_codes: Arc<[String]>,
    snapshot: Arc<Snapshot>,
}

/// Every figure the doors show, computed once per tick. Part of the wire format.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// When the figures were computed (UTC ms).
    pub as_of: Millis,
    /// The change number of the newest data included.
    pub seq: i64,
    pub windows: Vec<WindowFigures>,
    /// Shared from one snapshot to the next: the list is the engine's, fixed when built.
    pub zones: Arc<[String]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WindowFigures {
    pub key: String,
    pub span: Span,
    pub yoy: Option<Span>,
    pub pop: Option<Span>,
    /// Cut 0 is the whole centre; cut 1 + i is zone `zones[i]`, for the windows the engine
    /// was asked to cut by zone (`Builder::zone_cuts_for`).
    pub cuts: Vec<Arc<CutFigures>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CutFigures {
    pub report: Arc<Report>,
    /// The report's figures against its 同比 and 环比 bases: for the whole centre's cut only
    /// (a zone's are the desk's, computed when asked); empty for a zone's.
    pub compared: Vec<Compared>,
}

/// Where an engine's memory is, roughly, in bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Footprint {
    pub frozen: usize,
    pub tails: usize,
    pub pools: usize,
    pub held: usize,
}

impl Engine {
    pub fn footprint(&self) -> Footprint {
        let mut f = Footprint {
            pools: self.recent.bytes() + self.reference.bytes(),
            ..Footprint::default()
        };
        for s in &self.spans {
            f.frozen += s.frozen.iter().map(FrozenFigures::bytes).sum::<usize>();
            f.tails += s.tail.iter().map(Figures::bytes).sum::<usize>();
            f.held += s.held.bytes();
        }
        f
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot)
    }

    pub fn seq(&self) -> i64 {
        self.seq
    }

    pub fn zones(&self) -> &Zones {
        &self.zones
    }

    /// Folds in the records changed since the last tick (all of them, with the change
    /// number they bring the engine up to) and moves the windows to `now`.
    pub fn tick(&mut self, now: Millis, changes: &[(Key, Fact)], seq: i64) -> Tick {
        if local_date(self.tz, now) != self.day {
            return Tick::Rebuild {
                why: "a new day began".into(),
            };
        }
        // The windows move first, with the facts as they were; the changes are then counted
        // once, as they stand at the new cut (counted at the old one, a stage they bring
        // would be counted again as the cut passed it).
        self.advance(now);
        // Changes the tails cannot absorb are left to a new engine; the rest still show now,
        // so a late correction of last week never holds up the call that just came in.
        let mut behind: Option<String> = None;
        // A record is new when its row is past every row the engine had before this tick:
        // the changes come in change order, not row order, so a row inserted and updated
        // since the last tick may follow a newer row it must not be judged against.
        let known = self.max_row.clone();
        for (key, fact) in changes {
            let old = self.recent.facts.get(key).copied();
            let is_new = key.1 > known.get(&key.0).copied().unwrap_or(0);
            let held = match self.fold_held(key, fact) {
                Held::Folded => true,
                Held::Not => false,
                Held::Moved => {
                    behind.get_or_insert_with(|| {
                        format!("a held record changed its time ({:?} {})", key.0, key.1)
                    });
                    continue;
                }
            };
            if old.is_none() && !is_new && !held {
                behind.get_or_insert_with(|| {
                    format!("an older record changed ({:?} {})", key.0, key.1)
                });
                continue;
            }
            let since_yesterday = anchors(fact).any(|(t, _)| t >= self.recent_from);
            if !held && anchors(fact).any(|(t, _)| t < self.recent_from) {
                behind.get_or_insert_with(|| {
                    format!(
                        "a record from before yesterday arrived ({:?} {})",
                        key.0, key.1
                    )
                });
                continue;
            }
            if is_new {
                let m = self.max_row.entry(key.0).or_insert(0);
                *m = (*m).max(key.1);
            }
            // The parts anchored since yesterday are the recent pool's (a held incident
            // dispatched today counts its dispatch there).
            if old.is_some() || since_yesterday {
                for s in self.spans.iter_mut().filter(|s| s.pool == Pool::Recent) {
                    change_in(s, old.as_ref(), Some(fact));
                }
                self.recent.insert(*key, *fact);
            }
        }
        self.seq = self.seq.max(seq);
        self.snapshot = Arc::new(self.build_snapshot());
        match behind {
            None => Tick::Fresh(self.snapshot()),
            Some(why) => Tick::Behind {
                snapshot: self.snapshot(),
                why,
            },
        }
    }

    /// Folds a change of a fact from before yesterday that the engine keeps — held by some
    /// spans (open, or with a stage after their split) or in the reference days — into the
    /// tails that count it. A fact whose anchor moved, or that a span has in its frozen sum,
    /// is left to a new engine.
    fn fold_held(&mut self, key: &Key, fact: &Fact) -> Held {
        let kept = self
            .spans
            .iter()
            .find_map(|s| s.held.facts.get(key).copied());
        let Some(old) = kept.or_else(|| self.reference.facts.get(key).copied()) else {
            return Held::Not;
        };
        if old.anchors()[0] != fact.anchors()[0] {
            return Held::Moved;
        }
        let bounds: Vec<(Millis, Millis)> = self
            .spans
            .iter()
            .map(|s| {
                let span = variant_span(&self.windows[s.window], s.variant).expect("span exists");
                (span.from, s.split)
            })
            .collect();
        let frozen_somewhere = self.spans.iter().zip(&bounds).any(|(s, &(from, to))| {
            !s.held.facts.contains_key(key) && anchors(&old).any(|(t, _)| t >= from && t < to)
        });
        if frozen_somewhere {
            return Held::Moved;
        }
        for (s, &bounds) in self.spans.iter_mut().zip(&bounds) {
            if let Some(was) = s.held.insert_if_present(*key, *fact) {
                let cut = s.cut;
                change_at(
                    &mut s.tail,
                    &mut s.dirty,
                    bounds,
                    Some((&was, cut)),
                    Some((fact, cut)),
                );
            }
        }
        // A held incident dispatched late may now be dispatched in a reference day: the
        // pool takes it then, and the bases sliding over that day count its dispatch.
        let reference_day = |f: &Fact| {
            anchors(f).any(|(t, _)| self.reference_days.iter().any(|d| t >= d.from && t < d.to))
        };
        let was = self.reference.facts.get(key).copied();
        if was.is_some() || reference_day(fact) {
            self.reference.insert(*key, *fact);
            for s in self.spans.iter_mut().filter(|s| s.pool == Pool::Reference) {
                change_in(s, was.as_ref(), Some(fact));
            }
        }
        Held::Folded
    }

    /// Moves every tail's bounds and cut to those of `now`.
    fn advance(&mut self, now: Millis) {
        self.now = now;
        self.windows = windows(self.tz, now);
        for s in &mut self.spans {
            let span = variant_span(&self.windows[s.window], s.variant).expect("span exists");
            let (from, to) = (span.from.max(s.split), span.to.max(s.split));
            let pool = match s.pool {
                Pool::Recent => &self.recent,
                Pool::Reference => &self.reference,
            };
            // First the facts already counted whose stages the cut passes, at the old
            // bounds; then the facts that enter or leave, at the new cut.
            let cut = s.cut.max(span.to);
            for key in pool.maturing(s.cut, cut) {
                let fact = &pool.facts[&key];
                let (old, new) = (Some((fact, s.cut)), Some((fact, cut)));
                change_at(&mut s.tail, &mut s.dirty, s.applied, old, new);
            }
            for key in s.held.maturing(s.cut, cut) {
                let fact = &s.held.facts[&key];
                let (old, new) = (Some((fact, s.cut)), Some((fact, cut)));
                change_at(&mut s.tail, &mut s.dirty, (span.from, s.split), old, new);
            }
            // Open orders that fell due as the cut passed them turn overdue: the report
            // changes though no fact did.
            for (c, tail) in s.tail.iter_mut().enumerate() {
                let fell_due = tail.set_due_cut(cut)
                    || s.frozen.get(c).is_some_and(|f| f.any_due_in(s.cut, cut));
                s.dirty[c] |= fell_due;
            }
            s.cut = cut;
            let (old_from, old_to) = s.applied;
            // Enter: [old_to, to); leave: [old_from, from).
            let mut moves: Vec<((Millis, Key, PartOrd), i64)> = Vec::new();
            if to > old_to {
                let lo = old_to.max(from);
                moves.extend(range(pool, lo, to).map(|e| (e, 1)));
            }
            if from > old_from {
                let hi = from.min(old_to);
                moves.extend(range(pool, old_from, hi).map(|e| (e, -1)));
            }
            for ((_, key, p), sign) in moves {
                let fact = pool.facts[&key].as_of(cut);
                let ncuts = s.tail.len();
                for c in fact.cuts().filter(|c| *c < ncuts) {
                    s.tail[c].apply(&fact, part_of(p), sign);
                    s.dirty[c] = true;
                }
            }
            s.applied = (from, to);
        }
    }

    /// Recomputes the reports of every span cut whose figures changed, or in which an open
    /// order fell due since the last snapshot. The first ones, each from scratch over a
    /// whole frozen part, are shared out over the machine's cores; a tick's reuse the last
    /// and take microseconds, less than starting a thread (measured on 2 cores: a 100-row
    /// tick's reports took about half as long in line).
    fn refresh_reports(&mut self) {
        let mut stale = Vec::new();
        for (si, s) in self.spans.iter().enumerate() {
            let cuts = if self.zone_cuts[s.window] {
                s.tail.len()
            } else {
                1
            };
            for c in 0..cuts {
                if s.dirty[c] || !self.reports.contains_key(&(si, c)) {
                    stale.push((si, c));
                }
            }
        }
        let spans = &self.spans;
        let reports = &self.reports;
        let one = |&(si, c): &(usize, usize)| {
            let s = &spans[si];
            let parts: Vec<&dyn View> = match s.frozen.get(c) {
                Some(f) => vec![f, &s.tail[c]],
                None => vec![&s.tail[c]],
            };
            // Frozen parts never change: only the tail's touched intervals are recomputed.
            let earlier = reports.get(&(si, c)).map(|r| (&**r, s.tail[c].touched()));
            let mut watches = s.tail[c].watches.0;
            let report = report_reusing(&parts, s.cut, earlier, &mut watches);
            ((si, c), (Arc::new(report), watches))
        };
        let threads = self.threads;
        let first = self.reports.is_empty();
        // Each span cut's new report, with where its percentiles now are.
        let fresh: Vec<(SpanCut, (Arc<Report>, Watches))> = if threads < 2 || !first {
            stale.iter().map(one).collect()
        } else {
            let chunk = stale.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = stale
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("a report computation panicked"))
                    .collect()
            })
        };
        for (key, (r, watches)) in fresh {
            self.reports.insert(key, r);
            let s = &mut self.spans[key.0];
            s.dirty[key.1] = false;
            s.tail[key.1].take_touched();
            s.tail[key.1].watches.0 = watches;
        }
    }

    fn build_snapshot(&mut self) -> Snapshot {
        self.refresh_reports();
        let windows = &self.windows;
        let ncuts = 1 + self.zones.codes.len();
        let mut out = Vec::new();
        for (wi, w) in windows.iter().enumerate() {
            let ncuts = if self.zone_cuts[wi] { ncuts } else { 1 };
            // The window's spans, as now, 同比, 环比; a base the data does not cover is left
            // out (its comparisons are "—").
            let mut spans: [Option<usize>; 3] = [None; 3];
            for (si, s) in self
                .spans
                .iter()
                .enumerate()
                .filter(|(_, s)| s.window == wi)
            {
                let span = variant_span(w, s.variant).expect("span exists");
                if s.variant != Variant::Now && !recorded_from(self.data_from, span) {
                    continue;
                }
                let ix = match s.variant {
                    Variant::Now => 0,
                    Variant::Yoy => 1,
                    Variant::Pop => 2,
                };
                spans[ix] = Some(si);
            }
            let mut cuts = Vec::with_capacity(ncuts);
            for c in 0..ncuts {
                let reps: [Option<Arc<Report>>; 3] =
                    spans.map(|si| si.and_then(|si| self.reports.get(&(si, c)).cloned()));
                // Unchanged reports keep their comparisons from the last snapshot.
                let same = |a: &[Option<Arc<Report>>; 3], b: &[Option<Arc<Report>>; 3]| {
                    a.iter().zip(b).all(|(x, y)| match (x, y) {
                        (Some(x), Some(y)) => Arc::ptr_eq(x, y),
                        (None, None) => true,
                        _ => false,
                    })
                };
                let cut = match self.cut_cache.get(&(wi, c)) {
                    Some((from, cut)) if same(from, &reps) => Arc::clone(cut),
                    _ => {
                        let now_rep = reps[0].clone().expect("every window has a current span");
                        // A zone's cut has no bases (`Builder::new`), so nothing to compare.
                        let compared = if c == 0 {
                            compare(&now_rep, reps[1].as_deref(), reps[2].as_deref())
                        } else {
                            Vec::new()
                        };
                        let cut = Arc::new(CutFigures {
                            compared,
                            report: now_rep,
                        });
                        self.cut_cache.insert((wi, c), (reps, Arc::clone(&cut)));
                        cut
                    }
                };
                cuts.push(cut);
            }
            out.push(WindowFigures {
                key: w.key.clone(),
                span: w.now,
                yoy: w.yoy,
                pop: w.pop,
                cuts,
            });
        }
        Snapshot {
            as_of: self.now,
            seq: self.seq,
            windows: out,
            zones: Arc::clone(&self.zone_codes),
        }
    }
}

/// A span and one of its cuts, by index.
type SpanCut = (usize, usize);

/// Whether the stored data covers a base span from its start.
pub fn recorded_from(data_from: Option<Millis>, span: Span) -> bool {
    data_from.is_none_or(|t| t <= span.from)
}

fn range(
    pool: &FactPool,
    from: Millis,
    to: Millis,
) -> impl Iterator<Item = (Millis, Key, PartOrd)> + '_ {
    let lo = (from, (Table::Calls, i64::MIN), PartOrd(0));
    pool.index
        .range(lo..)
        .take_while(move |(t, _, _)| *t < to)
        .copied()
}

/// Moves a fact counted in a span's applied tail bounds from `old` to `new` as both stand
/// at the span's cut (`None`: not counted before, or not any more).
fn change_in(s: &mut SpanState, old: Option<&Fact>, new: Option<&Fact>) {
    let cut = s.cut;
    let (old, new) = (old.map(|f| (f, cut)), new.map(|f| (f, cut)));
    change_at(&mut s.tail, &mut s.dirty, s.applied, old, new);
}

/// Where a fact's parts anchored in `[from, to)` are counted: by cut and part.
fn placed(
    fact: &Fact,
    (from, to): (Millis, Millis),
    ncuts: usize,
) -> impl Iterator<Item = (usize, Part)> + '_ {
    anchors(fact)
        .filter(move |(t, _)| *t >= from && *t < to)
        .flat_map(move |(_, p)| {
            fact.cuts()
                .filter(move |c| *c < ncuts)
                .map(move |c| (c, part_of(p)))
        })
}

/// Moves the parts of a fact anchored in `bounds` from how `old` stood at its cut to how
/// `new` stands at its cut. A part counted in both is replaced, so only the intervals that
/// differ are touched (a stage arriving, or passing the cut, changes one or two); one
/// counted in only one of them is removed or added.
fn change_at(
    tail: &mut [Figures],
    dirty: &mut [bool],
    bounds: (Millis, Millis),
    old: Option<(&Fact, Millis)>,
    new: Option<(&Fact, Millis)>,
) {
    let ncuts = tail.len();
    let old = old.map(|(f, cut)| (f, f.as_of(cut)));
    let new = new.map(|(f, cut)| (f, f.as_of(cut)));
    let was = |c, p| old.is_some_and(|(f, _)| placed(f, bounds, ncuts).any(|x| x == (c, p)));
    let is = |c, p| new.is_some_and(|(f, _)| placed(f, bounds, ncuts).any(|x| x == (c, p)));
    if let Some((f, seen)) = &old {
        for (c, p) in placed(f, bounds, ncuts) {
            let changed = match &new {
                Some((_, now)) if is(c, p) => tail[c].replace(seen, now, p),
                _ => {
                    tail[c].apply(seen, p, -1);
                    true
                }
            };
            dirty[c] |= changed;
        }
    }
    if let Some((f, seen)) = &new {
        for (c, p) in placed(f, bounds, ncuts) {
            if !was(c, p) {
                tail[c].apply(seen, p, 1);
                dirty[c] = true;
            }
        }
    }
}

//! The live engine against the naive reference, on random event streams: records arrive
//! out of order, stages are filled in late (or before the stage they follow), work orders
//! turn overdue as time passes, the clock crosses midnight and daylight-saving changes, and
//! old records change so that the engine must be rebuilt. After every tick, every figure of
//! every window, cut and base must equal the reference: the window seen now, each base seen
//! at the same age (a live window's age is 0, so a base is seen at its own end), with
//! stages that lie ahead of either not yet counted.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use commandwall::core::kpi::engine::{Builder, Engine, Key, Snapshot, Table, Tick};
use commandwall::core::kpi::facts::{CallFact, CallbackFact, Fact, IncidentFact, OrderFact, Zones};
use commandwall::core::kpi::ledger::{DaySum, DaySumBuilder};
use commandwall::core::model::{Direction, Millis, Outcome, Satisfaction, Stage, Unrecorded};
use commandwall::core::time::local_to_utc;
use proptest::prelude::*;

use crate::kpi_reference::{assert_same, figures, of_report, Figures};

const MIN: Millis = 60_000;
const HOUR: Millis = 60 * MIN;
const DAY: Millis = 24 * HOUR;

fn zones() -> Zones {
    Zones::new([("Z1".to_string(), 1), ("Z3".to_string(), 3)])
}

/// Random draws for one record; each field takes what it needs by modulo.
type Draws = [u32; 12];

fn opt_after(r: u32, base: Option<Millis>, span: Millis) -> Option<Millis> {
    let base = base?;
    match r % 9 {
        0 | 1 => None,
        // Out of order: the later stage recorded before the earlier one.
        2 => Some(base - Millis::from(r % 90 + 1) * 1000),
        _ => Some(base + Millis::from(r) % span),
    }
}

/// Now and then a source that records some of the stages not at all.
fn unrecorded(r: u32, stages: &[Stage]) -> Unrecorded {
    if r % 4 != 0 {
        return Unrecorded::NONE;
    }
    stages
        .iter()
        .enumerate()
        .filter(|(i, _)| (r >> (2 + i)) & 1 == 1)
        .map(|(_, s)| *s)
        .collect()
}

fn zone(r: u32) -> Option<u16> {
    match r % 3 {
        0 => None,
        z => Some(z as u16 - 1),
    }
}

fn make(kind: u8, t: Millis, r: &Draws) -> (Table, Fact) {
    let z = zones();
    match kind % 4 {
        0 => (
            Table::Calls,
            Fact::Call(CallFact {
                received: t,
                answered: opt_after(r[0], Some(t), 40_000),
                ended: opt_after(r[1], Some(t), 300_000),
                ring_recorded: r[2] % 5 != 0,
                outcome: [
                    None,
                    Some(Outcome::Police),
                    Some(Outcome::NonPolice),
                    Some(Outcome::Diverted),
                    Some(Outcome::Invalid),
                ][r[3] as usize % 5],
                duplicate: r[4] % 6 == 0,
                zone: zone(r[5]),
            }),
        ),
        1 => {
            let zone = zone(r[5]);
            let received = t - Millis::from(r[6] % 120) * 1000;
            let answered = received + Millis::from(r[7] % 30) * 1000;
            let dispatched = opt_after(r[0], Some(t), 20 * MIN);
            let departed = opt_after(r[10], dispatched, 3 * MIN);
            let arrived = opt_after(r[2], dispatched, 12 * MIN);
            (
                Table::Incidents,
                Fact::Incident(IncidentFact {
                    created: t,
                    call_received: (r[8] % 7 != 0).then_some(received),
                    call_answered: (r[8] % 7 != 0).then_some(answered),
                    dispatched,
                    signed_for: opt_after(r[1], dispatched, 4 * MIN),
                    departed,
                    arrived,
                    fed_back: opt_after(r[3], arrived, 3 * HOUR),
                    // Now and then closed days later: late for a daily sum.
                    closed: (r[4] % 3 == 0)
                        .then_some(t + 5 * HOUR + Millis::from(r[4] % 2) * 3 * DAY),
                    circle_ms: z.circle_ms(zone),
                    case_filed: r[9] % 4 == 0,
                    case_cleared: r[9] % 8 == 0,
                    zone,
                    unrecorded: unrecorded(r[11], &Stage::INCIDENT),
                }),
            )
        }
        2 => {
            let accepted = opt_after(r[0], Some(t), 2 * HOUR);
            (
                Table::WorkOrders,
                Fact::Order(OrderFact {
                    sent: t,
                    direction: [Direction::Diverted, Direction::ToPolice, Direction::Hotline]
                        [r[1] as usize % 3],
                    accepted,
                    accept_by: (r[2] % 4 != 0).then_some(t + HOUR),
                    handled: opt_after(r[3], accepted, [6 * HOUR, 5 * DAY][r[9] as usize % 2]),
                    fed_back: opt_after(r[4], accepted, 8 * HOUR),
                    // Due soon, so open orders turn overdue while the test's clock runs.
                    due: (r[6] % 5 != 0).then_some(t + Millis::from(r[7]) % (3 * HOUR)),
                    returned: (r[8] % 9 == 0).then_some(t + HOUR),
                    zone: zone(r[5]),
                    unrecorded: unrecorded(r[11], &Stage::WORK_ORDER),
                }),
            )
        }
        _ => (
            Table::Callbacks,
            Fact::Callback(CallbackFact {
                called: t,
                reached: r[0] % 6 != 0,
                satisfaction: [
                    None,
                    Some(Satisfaction::Satisfied),
                    Some(Satisfaction::Basic),
                    Some(Satisfaction::Dissatisfied),
                ][r[1] as usize % 4],
                zone: zone(r[5]),
            }),
        ),
    }
}

/// The database as the engine's loader would read it.
struct World {
    tz: Tz,
    facts: BTreeMap<Key, Fact>,
    next_id: i64,
    seq: i64,
}

impl World {
    fn new(tz: Tz) -> World {
        World {
            tz,
            facts: BTreeMap::new(),
            next_id: 0,
            seq: 1,
        }
    }

    /// A world with an incident every minute of the last 50, and its engine as of `now`.
    fn with_recent_incidents(tz: Tz, now: Millis) -> (World, Engine) {
        let mut world = World::new(tz);
        for i in 0..50 {
            world.insert(1, now - i * MIN, &[3; 12]);
        }
        let engine = world.load(now);
        (world, engine)
    }

    fn insert(&mut self, kind: u8, t: Millis, r: &Draws) -> (Key, Fact) {
        let (table, fact) = make(kind, t, r);
        self.next_id += 1;
        let key = (table, self.next_id);
        self.facts.insert(key, fact);
        (key, fact)
    }

    /// A late stage update: the same record (same table and anchor), new stage times.
    fn update(&mut self, pick: usize, r: &Draws) -> Option<(Key, Fact)> {
        let key = *self.facts.keys().nth(pick % self.facts.len().max(1))?;
        let old = self.facts[&key];
        let kind = key.0 as u8;
        let t = old.anchors()[0].0;
        let (_, fact) = make(kind, t, r);
        self.facts.insert(key, fact);
        Some((key, fact))
    }

    /// What `services::figures::build_engine` does, over the in-memory facts.
    fn load(&self, now: Millis) -> Engine {
        self.load_with(now, None)
    }

    /// `load`, with daily sums for the days `sums` picks (bit i for the i-th summable day,
    /// in turn), each through its stored encoding; bit 63 reads the frozen facts over the
    /// whole frozen stretch instead of only the ranges the sums leave; bit 62 keeps zone
    /// figures only for two windows, as the wall does.
    fn load_with(&self, now: Millis, sums: Option<u64>) -> Engine {
        let mut b = Builder::new(self.tz, zones(), now);
        if sums.is_some_and(|m| m >> 62 & 1 == 1) {
            b = b.zone_cuts_for(["day_so_far".to_string(), "last_60m".to_string()]);
        }
        let plan = b.plan().clone();
        let mut reads = vec![plan.frozen];
        if let Some(mask) = sums {
            for (i, day) in b.summable_days().to_vec().into_iter().enumerate() {
                if mask.rotate_right(i as u32 % 63) & 1 == 0 {
                    continue;
                }
                let mut d = DaySumBuilder::new(self.tz, &zones(), day);
                for (k, f) in &self.facts {
                    d.add(*k, f);
                }
                let bytes = postcard::to_allocvec(&d.finish()).unwrap();
                let sum: DaySum = postcard::from_bytes(&bytes).unwrap();
                assert!(b.add_sum(day, &sum), "{day:?} is summable");
            }
            if mask >> 63 == 0 {
                reads = b.frozen_reads();
            }
        }
        for (k, f) in &self.facts {
            let ts: Vec<Millis> = f
                .anchors()
                .iter()
                .map(|(t, _)| *t)
                .filter(|t| *t != Millis::MIN)
                .collect();
            let any_in = |from: Millis, to: Millis| ts.iter().any(|t| *t >= from && *t < to);
            if reads.iter().any(|r| any_in(r.from, r.to)) {
                b.add_frozen(*k, f);
            }
            if any_in(plan.recent_from, Millis::MAX) {
                b.add_recent(*k, *f);
            }
            for d in &plan.reference {
                if any_in(d.from, d.to) {
                    b.add_reference(*k, *f);
                }
            }
        }
        b.set_seq(self.seq);
        b.finish()
    }

    fn check(&self, snap: &Snapshot, now: Millis, step: usize) {
        assert_eq!(snap.as_of, now);
        let facts: Vec<Fact> = self.facts.values().copied().collect();
        for w in &snap.windows {
            for (c, cut) in w.cuts.iter().enumerate() {
                let zone = c.checked_sub(1).map(|z| z as u16);
                let what = format!("step {step}, window {}, cut {c}", w.key);
                let want = figures(&facts, w.span, zone, now);
                assert_same(&of_report(&cut.report), &want, &what);
                if c > 0 {
                    // The bases are the whole centre's; a zone's are the desk's to compute.
                    assert!(cut.compared.is_empty(), "{what}: a zone's cut is compared");
                    continue;
                }
                let bases = [
                    (
                        "同比",
                        w.yoy,
                        cut.compared
                            .iter()
                            .map(|x| (x.key.to_string(), x.yoy.base))
                            .collect::<Figures>(),
                    ),
                    (
                        "环比",
                        w.pop,
                        cut.compared
                            .iter()
                            .map(|x| (x.key.to_string(), x.pop.base))
                            .collect(),
                    ),
                ];
                for (name, span, got) in bases {
                    let Some(span) = span else { continue };
                    // At equal age: the live window ends now, so its base ends at its cut.
                    let mut want = figures(&facts, span, zone, span.to);
                    // Comparisons carry values, not the n or bands of each interval.
                    want.retain(|k, _| !k.ends_with("_n") && !k.contains("_band_"));
                    assert_same(&got, &want, &format!("{what} {name}"));
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Change {
    /// A new record anchored this long before now.
    New { kind: u8, ago_s: u32, r: Draws },
    /// A record from days ago arriving late (the engine must rebuild).
    Old { kind: u8, days: u8, r: Draws },
    /// New stage times for an existing record.
    Update { pick: usize, r: Draws },
}

fn draws() -> impl Strategy<Value = Draws> {
    prop::array::uniform12(any::<u32>())
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => (any::<u8>(), 0u32..5400, draws()).prop_map(|(kind, ago_s, r)| Change::New { kind, ago_s, r }),
        1 => (any::<u8>(), 2u8..40, draws()).prop_map(|(kind, days, r)| Change::Old { kind, days, r }),
        4 => (any::<usize>(), draws()).prop_map(|(pick, r)| Change::Update { pick, r }),
    ]
}

/// History offsets that land in the bases of the wall's windows: the day, week, month and
/// year before, the days around where daily sums begin, and anywhere in the past 400 days.
fn history() -> impl Strategy<Value = Vec<(u8, Millis, Draws)>> {
    let offset = prop_oneof![
        (0usize..14, 0i64..3 * HOUR)
            .prop_map(|(i, j)| { [0, 1, 2, 3, 4, 5, 7, 8, 10, 28, 30, 31, 364, 365][i] * DAY + j }),
        0i64..400 * DAY,
    ];
    prop::collection::vec((any::<u8>(), offset, draws()), 0..40)
}

/// Starting clocks: an ordinary afternoon, just before local midnight, New Year, the first
/// hour of an ISO week 53, and the day Berlin springs forward.
fn start(i: usize, tz: Tz) -> Millis {
    let at = |y, m, d, h, min| {
        local_to_utc(
            tz,
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, min, 0)
                .unwrap(),
        )
    };
    [
        at(2026, 11, 24, 15, 10),
        at(2026, 11, 24, 23, 35),
        at(2027, 1, 1, 0, 20),
        at(2026, 12, 28, 0, 40),
        at(2026, 3, 29, 1, 30),
    ][i]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_equals_the_reference_after_every_tick(
        berlin in any::<bool>(),
        sums in prop::option::of(any::<u64>()),
        start_ix in 0usize..5,
        hist in history(),
        steps in prop::collection::vec(
            (prop_oneof![3 => 0i64..900, 1 => 900i64..4 * 3600], prop::collection::vec(change(), 0..6)),
            1..8,
        ),
    ) {
        let tz = if berlin { chrono_tz::Europe::Berlin } else { chrono_tz::Asia::Shanghai };
        let mut now = start(start_ix, tz);
        let mut world = World::new(tz);
        for (kind, ago, r) in &hist {
            world.insert(*kind, now - ago, r);
        }
        let mut engine = world.load_with(now, sums);
        world.check(&engine.snapshot(), now, 0);
        for (step, (advance_s, changes)) in steps.iter().enumerate() {
            now += advance_s * 1000;
            let mut batch = Vec::new();
            for ch in changes {
                let done = match ch {
                    Change::New { kind, ago_s, r } => Some(world.insert(*kind, now - Millis::from(*ago_s) * 1000, r)),
                    Change::Old { kind, days, r } => Some(world.insert(*kind, now - Millis::from(*days) * DAY, r)),
                    Change::Update { pick, r } => world.update(*pick, r),
                };
                batch.extend(done);
            }
            world.seq += 1;
            let snap = match engine.tick(now, &batch, world.seq) {
                Tick::Fresh(s) => s,
                // The adapter builds a new engine for what this one could not take in.
                Tick::Behind { .. } | Tick::Rebuild { .. } => {
                    engine = world.load_with(now, sums);
                    engine.snapshot()
                }
            };
            prop_assert_eq!(snap.seq, world.seq);
            world.check(&snap, now, step + 1);
        }
    }
}

/// A tick that only moves the clock, with many records in the recent pool, must not be
/// told to rebuild, and a late stage update must change the figures in place.
#[test]
fn late_stage_updates_are_folded_in_without_a_rebuild() {
    let tz = chrono_tz::Asia::Shanghai;
    let now = start(0, tz);
    let (mut world, mut engine) = World::with_recent_incidents(tz, now);
    let (key, _) = world.update(7, &[4; 12]).unwrap();
    world.seq += 1;
    let fact = world.facts[&key];
    match engine.tick(now + 1000, &[(key, fact)], world.seq) {
        Tick::Fresh(s) => world.check(&s, now + 1000, 1),
        Tick::Behind { why, .. } | Tick::Rebuild { why } => {
            panic!("a recent record's update rebuilt the engine: {why}")
        }
    }
}

/// Changes come in change order, not row order: a record inserted and then updated since
/// the last tick comes after a newer record inserted between the two. It is still new to
/// the engine (a busy minute on a live wall; it used to rebuild the engine each time).
#[test]
fn a_record_inserted_and_updated_since_the_last_tick_is_new_in_any_order() {
    let tz = chrono_tz::Asia::Shanghai;
    let now = start(0, tz);
    let (mut world, mut engine) = World::with_recent_incidents(tz, now);
    let r: Draws = [3; 12];
    let first = world.insert(1, now - 20_000, &r);
    let second = world.insert(1, now - 10_000, &r);
    let updated = world.update(50, &[4; 12]).expect("a record to update");
    assert_eq!(updated.0, first.0, "the update is of the first new record");
    world.seq += 1;
    match engine.tick(now + 1000, &[second, updated], world.seq) {
        Tick::Fresh(s) => world.check(&s, now + 1000, 1),
        Tick::Behind { why, .. } | Tick::Rebuild { why } => {
            panic!("two new records in change order rebuilt the engine: {why}")
        }
    }
}

/// A 12345 order is handled days after it was sent: the live engine holds the open orders
/// from before yesterday and folds their later stages in, equal to the reference, instead
/// of building itself again for each one (which a live wall did every few seconds).
#[test]
fn an_open_work_order_from_days_ago_handled_now_is_folded_in_without_a_rebuild() {
    let tz = chrono_tz::Asia::Shanghai;
    let now = start(0, tz);
    let mut world = World::new(tz);
    let r: Draws = [3; 12];
    for i in 0..50 {
        world.insert(1, now - i * MIN, &r);
    }
    let (key, fact) = world.insert(2, now - 3 * DAY, &r);
    let Fact::Order(o) = fact else {
        panic!("kind 2 is a work order")
    };
    let open = OrderFact {
        accepted: Some(o.sent + MIN),
        handled: None,
        fed_back: None,
        returned: None,
        due: Some(now + DAY),
        unrecorded: Unrecorded::NONE,
        ..o
    };
    world.facts.insert(key, Fact::Order(open));
    let mut engine = world.load(now);
    for (step, (handled, fed_back)) in [(Some(now - MIN), None), (Some(now - MIN), Some(now))]
        .into_iter()
        .enumerate()
    {
        let done = Fact::Order(OrderFact {
            handled,
            fed_back,
            ..open
        });
        world.facts.insert(key, done);
        world.seq += 1;
        let at = now + 1000 * (step as Millis + 1);
        match engine.tick(at, &[(key, done)], world.seq) {
            Tick::Fresh(s) => world.check(&s, at, step + 1),
            Tick::Behind { why, .. } | Tick::Rebuild { why } => {
                panic!("an open order's later stage rebuilt the engine: {why}")
            }
        }
    }
}

/// The engine of a new day is built before midnight as of midnight, when the day so far and
/// its 环比 (yesterday at equal age) are both empty; hours later, ticking, it must still
/// equal the reference. Its 环比 read yesterday from the reference days (two days before)
/// and stayed 0 all day; last week's base ended on a day boundary and missed the day its
/// end then moved into.
#[test]
fn an_engine_built_as_of_midnight_counts_yesterday_as_the_day_goes_on() {
    let tz = chrono_tz::Asia::Shanghai;
    let midnight = local_to_utc(
        tz,
        NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    let mut world = World::new(tz);
    let r: Draws = [3; 12];
    // Ten days back, so that last week's and last month's bases have records too.
    for i in 1..300 {
        world.insert((i % 3) as u8, midnight - i * 47 * MIN, &r);
    }
    let mut engine = world.load(midnight);
    for (step, hours) in [1, 4, 9].into_iter().enumerate() {
        let now = midnight + hours * HOUR;
        match engine.tick(now, &[], world.seq) {
            Tick::Fresh(s) => world.check(&s, now, step + 1),
            Tick::Behind { why, .. } | Tick::Rebuild { why } => {
                panic!("a tick with nothing changed asked for a new engine: {why}")
            }
        }
    }
}

/// Zone cuts only where someone reads them: the asked-for window has every zone, equal to
/// the reference; the others carry the whole centre only.
#[test]
fn zone_cuts_are_reported_only_for_the_windows_asked_for() {
    let tz = chrono_tz::Asia::Shanghai;
    let now = start(0, tz);
    let mut world = World::new(tz);
    for i in 0..60u32 {
        world.insert(
            (i % 4) as u8,
            now - Millis::from(i) * 7 * MIN,
            &[i.wrapping_mul(2_654_435_761); 12],
        );
    }
    let full = world.load(now);
    let mut b = Builder::new(tz, zones(), now).zone_cuts_for(["day_so_far".to_string()]);
    let plan = b.plan().clone();
    for (k, f) in &world.facts {
        let t = f.anchors()[0].0;
        if t >= plan.recent_from {
            b.add_recent(*k, *f);
        } else if t >= plan.frozen.from {
            b.add_frozen(*k, f);
        }
    }
    b.set_seq(world.seq);
    let lazy = b.finish();
    let (a, b) = (full.snapshot(), lazy.snapshot());
    for (wa, wb) in a.windows.iter().zip(&b.windows) {
        if wb.key == "day_so_far" {
            assert_eq!(wb.cuts.len(), 1 + zones().codes.len());
            for (ca, cb) in wa.cuts.iter().zip(&wb.cuts) {
                assert_eq!(ca.report, cb.report, "{}", wb.key);
            }
        } else {
            assert_eq!(wb.cuts.len(), 1, "{} has no zone cuts", wb.key);
            assert_eq!(wa.cuts[0].report, wb.cuts[0].report, "{}", wb.key);
        }
    }
}

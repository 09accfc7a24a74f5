//! Writing the simulated city to a store: a backfill of past days, then live writing as a
//! CAD would, each stage appearing when its time comes (optionally sped up).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use super::city::City;
use super::generate::generate_day;
use crate::core::model::{Batch, Millis};
use crate::core::time::local_date;
use crate::store::{Store, StoreError};

/// The records of a generated day that exist at `now`, each as it stood then.
pub fn day_as_of(day: &Batch, now: Millis) -> Batch {
    Batch {
        calls: day
            .calls
            .iter()
            .filter(|c| c.received <= now)
            .map(|c| c.as_of(now))
            .collect(),
        incidents: day
            .incidents
            .iter()
            .filter(|i| i.created <= now)
            .map(|i| i.as_of(now))
            .collect(),
        work_orders: day
            .work_orders
            .iter()
            .filter(|w| w.sent <= now)
            .map(|w| w.as_of(now))
            .collect(),
        callbacks: day
            .callbacks
            .iter()
            .filter(|b| b.called <= now)
            .cloned()
            .collect(),
        // The simulated centre's calls carry their ring times: no phone-system counts.
        phone_intervals: Vec::new(),
        units: Vec::new(),
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct BackfillStats {
    pub days: usize,
    pub calls: u64,
    pub rows: u64,
}

/// Writes every day from `first` to `last` (local dates) as it stood at `now`. Days are
/// generated on a second thread while the previous one is written.
pub async fn backfill(
    store: &Store,
    city: Arc<City>,
    first: NaiveDate,
    last: NaiveDate,
    now: Millis,
    mut progress: impl FnMut(NaiveDate, BackfillStats),
) -> Result<BackfillStats, StoreError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(2);
    let generator = std::thread::spawn(move || {
        let mut day = first;
        while day <= last {
            let batch = day_as_of(&generate_day(&city, day), now);
            if tx.blocking_send(batch).is_err() {
                return;
            }
            day = day.succ_opt().expect("date in range");
        }
    });
    let mut stats = BackfillStats::default();
    let mut day = first;
    while let Some(batch) = rx.recv().await {
        store.write(&batch).await?;
        stats.days += 1;
        stats.calls += batch.calls.len() as u64;
        stats.rows += batch.len() as u64;
        progress(day, stats);
        day = day.succ_opt().expect("date in range");
    }
    generator.join().expect("generator thread panicked");
    Ok(stats)
}

/// Simulated time: starts at `start` and runs `speed` times faster than the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    start: Millis,
    wall_start: Instant,
    speed: f64,
}

impl SimClock {
    pub fn new(start: Millis, speed: f64) -> SimClock {
        SimClock {
            start,
            wall_start: Instant::now(),
            speed,
        }
    }

    pub fn now(&self) -> Millis {
        self.start + (self.wall_start.elapsed().as_secs_f64() * 1000.0 * self.speed) as Millis
    }
}

/// Which record of a day a stage time belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rec {
    Call(usize),
    Incident(usize),
    Order(usize),
    Callback(usize),
}

/// A generated day with its stage times in order and how far live writing has got.
struct LiveDay {
    date: NaiveDate,
    records: Batch,
    events: Vec<(Millis, Rec)>,
    next: usize,
}

impl LiveDay {
    fn new(date: NaiveDate, records: Batch, written_up_to: Millis) -> LiveDay {
        let mut events = Vec::new();
        for (i, c) in records.calls.iter().enumerate() {
            for t in [Some(c.received), c.answered, c.ended]
                .into_iter()
                .flatten()
            {
                events.push((t, Rec::Call(i)));
            }
        }
        for (i, inc) in records.incidents.iter().enumerate() {
            for t in inc.stages().into_iter().flatten() {
                events.push((t, Rec::Incident(i)));
            }
        }
        for (i, w) in records.work_orders.iter().enumerate() {
            for t in [
                Some(w.sent),
                w.accepted,
                w.assigned,
                w.handled,
                w.fed_back,
                w.returned,
            ]
            .into_iter()
            .flatten()
            {
                events.push((t, Rec::Order(i)));
            }
        }
        for (i, b) in records.callbacks.iter().enumerate() {
            events.push((b.called, Rec::Callback(i)));
        }
        events.sort_unstable();
        let next = events.partition_point(|(t, _)| *t <= written_up_to);
        LiveDay {
            date,
            records,
            events,
            next,
        }
    }

    fn add_as_of(&self, rec: Rec, now: Millis, out: &mut Batch) {
        let r = &self.records;
        match rec {
            Rec::Call(i) => out.calls.push(r.calls[i].as_of(now)),
            Rec::Incident(i) => out.incidents.push(r.incidents[i].as_of(now)),
            Rec::Order(i) => out.work_orders.push(r.work_orders[i].as_of(now)),
            Rec::Callback(i) => out.callbacks.push(r.callbacks[i].clone()),
        }
    }
}

/// The records the next `changes` distinct records' stage events after `from` touch, as the
/// live simulator would write them, and the time of the last event. Benchmarks use it to
/// advance a simulated database by exactly so many changed rows.
pub fn next_changes(city: &City, from: Millis, changes: usize) -> (Batch, Millis) {
    let today = local_date(city.tz, from);
    let days: Vec<LiveDay> = [today.pred_opt(), Some(today), today.succ_opt()]
        .into_iter()
        .flatten()
        .map(|d| LiveDay::new(d, generate_day(city, d), from))
        .collect();
    let mut events: Vec<(Millis, usize, Rec)> = days
        .iter()
        .enumerate()
        .flat_map(|(di, d)| d.events[d.next..].iter().map(move |(t, r)| (*t, di, *r)))
        .collect();
    events.sort_unstable();
    let mut touched: BTreeSet<(usize, Rec)> = BTreeSet::new();
    let mut until = from;
    for (t, di, r) in events {
        if touched.len() == changes && !touched.contains(&(di, r)) {
            break;
        }
        touched.insert((di, r));
        until = t;
    }
    let mut batch = Batch::default();
    for (di, r) in touched {
        days[di].add_as_of(r, until, &mut batch);
    }
    (batch, until)
}

/// Writes the city live from `clock.now()` on, every `tick`, until the task is dropped.
/// Stages already written up to `written_up_to` are not written again. A failed write
/// (database locked, disk full) is logged and retried on the next tick; nothing is skipped.
pub async fn write_live(
    store: &Store,
    city: Arc<City>,
    clock: SimClock,
    written_up_to: Millis,
    tick: Duration,
    mut on_write: impl FnMut(Millis, usize),
) -> Result<(), StoreError> {
    let mut days: Vec<LiveDay> = Vec::new();
    let mut unflushed: BTreeSet<(NaiveDate, Rec)> = BTreeSet::new();
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        let now = clock.now();
        let today = local_date(city.tz, now);
        // Yesterday's incidents are still being handled; keep its stages coming.
        for date in [today.pred_opt().expect("date in range"), today] {
            if !days.iter().any(|d| d.date == date) {
                let c = Arc::clone(&city);
                let records = tokio::task::spawn_blocking(move || generate_day(&c, date))
                    .await
                    .expect("day generator panicked");
                days.push(LiveDay::new(date, records, written_up_to));
            }
        }
        for day in &mut days {
            while day.next < day.events.len() && day.events[day.next].0 <= now {
                unflushed.insert((day.date, day.events[day.next].1));
                day.next += 1;
            }
        }
        if !unflushed.is_empty() {
            let mut batch = Batch::default();
            for (date, rec) in &unflushed {
                if let Some(day) = days.iter().find(|d| d.date == *date) {
                    day.add_as_of(*rec, now, &mut batch);
                }
            }
            match store.write(&batch).await {
                Ok(_) => {
                    on_write(now, batch.len());
                    unflushed.clear();
                }
                Err(e) => tracing::warn!("live write failed, retrying next tick: {e}"),
            }
        }
        days.retain(|d| d.next < d.events.len() || d.date >= today);
    }
}

//! The adapter between the store and the KPI core: builds the live engine, ticks it with
//! what changed, evaluates one-off windows and screens repeat calls. The only place figures
//! are asked of the database.

use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::config::Config;
use crate::core::kpi::engine::{Builder, Engine, Key, Plan, Snapshot, Tick};
use crate::core::kpi::evaluate::{Evaluated, Evaluation};
use crate::core::kpi::facts::{Fact, Zones};
use crate::core::kpi::filter::Filter;
use crate::core::kpi::window::{Span, Window};
use crate::core::model::Millis;
use crate::core::repeat::{screen, Governance, Periods, Scope, Thresholds};
use crate::core::time::{day_bounds, local_date};
use crate::store::{Store, StoreError};

/// The centre's zones, in config order, with their response circles.
pub fn zones(config: &Config) -> Zones {
    Zones::new(
        config
            .zones
            .iter()
            .map(|z| (z.code.clone(), z.circle_minutes)),
    )
}

/// How a build went, for logs and the benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildStats {
    pub frozen_facts: u64,
    pub recent_facts: u64,
    pub reference_facts: u64,
    /// Frozen days taken from their kept daily sums, and summed from their records.
    pub days_reused: u64,
    pub days_summed: u64,
}

/// Ranges to read the frozen facts in: as given, or, when one is long, the whole stretch in
/// one pass (the store reads a long range without its index, and the builder keeps only
/// what it asked for).
fn long_reads(ranges: Vec<Span>) -> Vec<Span> {
    const LONG: Millis = 60 * 86_400_000;
    match (ranges.first(), ranges.last()) {
        (Some(a), Some(z)) if ranges.iter().any(|r| r.to - r.from > LONG) => vec![Span {
            from: a.from,
            to: z.to,
        }],
        _ => ranges,
    }
}

/// Builds the live engine as of `now`: frozen sums of the past, facts of yesterday and
/// today, and the reference days the sliding bases need.
pub async fn build_engine(
    store: &Store,
    zones: Zones,
    tz: Tz,
    zone_windows: Option<Vec<String>>,
    now: Millis,
) -> Result<(Engine, BuildStats), StoreError> {
    // Read the change number first: anything committed while loading comes again on the
    // first tick, and folding a fact in twice replaces it, so nothing is lost or doubled.
    let seq = store.change_seq().await?;
    let data_from = store.first_call().await?;
    let mut b = Builder::new(tz, zones.clone(), now)
        .threads(report_threads())
        .data_from(data_from);
    if let Some(keys) = zone_windows {
        b = b.zone_cuts_for(keys);
    }
    let plan = b.plan().clone();
    let started = std::time::Instant::now();
    // Yesterday, today and the reference days are read on another connection while the
    // daily sums are added up here: the builder takes their facts afterwards.
    let pools = {
        let (store, zones, plan) = (store.clone(), zones.clone(), plan.clone());
        tokio::spawn(async move { read_pools(&store, &zones, &plan).await })
    };
    let sums = super::ledger::give_sums(store, &mut b, tz, seq).await?;
    let summed_in = started.elapsed();
    let all = Filter::default();
    let mut frozen_facts = 0;
    for range in long_reads(b.frozen_reads()) {
        frozen_facts += store
            .facts_in(&zones, (range.from, range.to), &all, &mut |k, f| {
                b.add_frozen(k, &f)
            })
            .await?;
    }
    let (recent, reference) = match pools.await {
        Ok(read) => read?,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let stats = BuildStats {
        frozen_facts,
        recent_facts: recent.len() as u64,
        reference_facts: reference.len() as u64,
        days_reused: sums.reused,
        days_summed: sums.computed,
    };
    b.reserve_pools(recent.len(), reference.len());
    for (k, f) in recent {
        b.add_recent(k, f);
    }
    for (k, f) in reference {
        b.add_reference(k, f);
    }
    b.set_seq(seq);
    let engine = b.finish();
    super::memory::release_freed();
    tracing::info!(
        "KPI engine built in {:.1} s: {} days from kept daily sums and {} summed from records \
         ({:.1} s), {} facts read",
        started.elapsed().as_secs_f64(),
        stats.days_reused,
        stats.days_summed,
        summed_in.as_secs_f64(),
        stats.frozen_facts + stats.recent_facts + stats.reference_facts
    );
    Ok((engine, stats))
}

type Facts = Vec<(Key, Fact)>;

/// The facts of yesterday and today, and of the reference days.
async fn read_pools(
    store: &Store,
    zones: &Zones,
    plan: &Plan,
) -> Result<(Facts, Facts), StoreError> {
    let all = Filter::default();
    let mut recent = Vec::new();
    store
        .facts_in(zones, (plan.recent_from, Millis::MAX), &all, &mut |k, f| {
            recent.push((k, f))
        })
        .await?;
    let mut reference = Vec::new();
    for day in &plan.reference {
        store
            .facts_in(zones, (day.from, day.to), &all, &mut |k, f| {
                reference.push((k, f))
            })
            .await?;
    }
    Ok((recent, reference))
}

/// The live windows whose zone cuts someone reads: today's (the response page's zone grid)
/// and any a zone's alert rule watches. The other windows are reported for the whole
/// centre only, which keeps a tick's reports few.
pub fn zone_windows(config: &Config) -> Vec<String> {
    let mut keys = vec![crate::core::wall::pages::TODAY.to_string()];
    for rule in config.alert_rules() {
        if let crate::core::alerts::rule::RuleKind::Threshold {
            window,
            zone: Some(_),
            ..
        } = rule.kind
        {
            keys.push(window);
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The live figures of the wall: an engine kept current by ticks.
pub struct LiveFigures {
    store: Store,
    zones: Zones,
    tz: Tz,
    zone_windows: Vec<String>,
    engine: Engine,
    /// What the last build read.
    pub stats: BuildStats,
    /// How many times the engine was rebuilt, and why the last time.
    pub rebuilds: u64,
    /// Of those, how many held up a tick while the whole engine was read in.
    pub inline_rebuilds: u64,
    pub last_rebuild: Option<String>,
    /// What the last tick cost: reading the changes, and folding them into the figures.
    pub last_tick: TickCost,
    /// A new engine being built beside this one, to take in late changes to the past.
    pending: Option<Build>,
    pending_since: Option<std::time::Instant>,
    /// Why a new engine is still owed (a background build failed: try again).
    owed: Option<String>,
    /// The next local day's engine, built before midnight (see `prepare_next_day`).
    next_day: Option<(NaiveDate, Build)>,
    /// How long before midnight to start it.
    midnight_lead: Millis,
}

type Build = tokio::task::JoinHandle<Result<(Engine, BuildStats), StoreError>>;

#[derive(Debug, Clone, Copy, Default)]
pub struct TickCost {
    pub rows: usize,
    pub read: std::time::Duration,
    pub fold: std::time::Duration,
}

impl LiveFigures {
    pub async fn start(store: Store, config: &Config, now: Millis) -> Result<Self, StoreError> {
        let zones = zones(config);
        let tz = config.tz();
        let zone_windows = zone_windows(config);
        let (engine, stats) =
            build_engine(&store, zones.clone(), tz, Some(zone_windows.clone()), now).await?;
        Ok(LiveFigures {
            store,
            zones,
            tz,
            zone_windows,
            engine,
            stats,
            rebuilds: 0,
            inline_rebuilds: 0,
            last_rebuild: None,
            last_tick: TickCost::default(),
            pending: None,
            pending_since: None,
            owed: None,
            next_day: None,
            midnight_lead: (config.live.midnight_lead_s as Millis).saturating_mul(1000),
        })
    }

    /// Within the lead before local midnight, starts building the engine of the day that
    /// begins then, from what is stored now: at midnight it takes over with only the changes
    /// since, instead of the wall pausing while a whole engine is read in.
    fn prepare_next_day(&mut self, now: Millis) {
        let today = local_date(self.tz, now);
        let midnight = day_bounds(self.tz, today).1;
        if self.next_day.is_some() || midnight - now > self.midnight_lead {
            return;
        }
        let day = local_date(self.tz, midnight);
        tracing::info!("building the KPI engine for {day} before midnight");
        let (store, zones, tz) = (self.store.clone(), self.zones.clone(), self.tz);
        let keys = Some(self.zone_windows.clone());
        self.next_day = Some((
            day,
            tokio::spawn(async move { build_engine(&store, zones, tz, keys, midnight).await }),
        ));
    }

    /// The engine prepared for the day of `now`, if there is one and its build succeeded
    /// (waiting for it to finish if it has not: still shorter than building anew).
    async fn take_next_day(&mut self, now: Millis) -> Option<(Engine, BuildStats)> {
        let (day, build) = self.next_day.take()?;
        if day != local_date(self.tz, now) {
            build.abort();
            return None;
        }
        match build.await {
            Ok(Ok(built)) => Some(built),
            Ok(Err(e)) => {
                tracing::warn!("the engine prepared for {day} failed, building it now: {e}");
                None
            }
            Err(e) => {
                tracing::warn!("the engine prepared for {day} stopped, building it now: {e}");
                None
            }
        }
    }

    /// Where the engine's memory is (`commandwall bench`).
    pub fn footprint(&self) -> crate::core::kpi::engine::Footprint {
        self.engine.footprint()
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.engine.snapshot()
    }

    /// Whether a new engine is being built in the background.
    pub fn catching_up(&self) -> bool {
        self.pending.is_some()
    }

    /// Takes the engine built in the background once it is done; the changes committed
    /// since it read the database come in on the next read, and folding one in twice
    /// replaces it.
    async fn adopt_finished_build(&mut self) {
        if !self.pending.as_ref().is_some_and(|h| h.is_finished()) {
            return;
        }
        let handle = self.pending.take().expect("checked above");
        match handle.await {
            Ok(Ok((engine, stats))) => {
                tracing::info!(
                    "the KPI engine built beside the live one took over after {:?}",
                    self.pending_since.map(|t| t.elapsed()).unwrap_or_default()
                );
                self.take_over(engine, stats);
            }
            Ok(Err(e)) => {
                tracing::warn!("building the KPI engine failed, trying again: {e}");
                self.owed = self.last_rebuild.clone();
            }
            Err(e) => {
                tracing::warn!("the KPI engine build stopped, trying again: {e}");
                self.owed = self.last_rebuild.clone();
            }
        }
    }

    /// Puts `engine` in place of the live one. The old one is dropped off the tick, on a
    /// blocking thread: freeing millions of facts takes longer than a tick, and the memory
    /// it held is then given back to the system rather than kept by the allocator.
    fn take_over(&mut self, engine: Engine, stats: BuildStats) {
        let old = std::mem::replace(&mut self.engine, engine);
        self.stats = stats;
        self.rebuilds += 1;
        tokio::task::spawn_blocking(move || {
            drop(old);
            super::memory::release_freed();
        });
    }

    fn build_beside(&mut self, why: String, now: Millis) {
        if self.pending.is_some() {
            return; // whatever it misses comes in as a change after it, and asks again
        }
        tracing::info!("building a new KPI engine beside the live one: {why}");
        let (store, zones, tz) = (self.store.clone(), self.zones.clone(), self.tz);
        let keys = Some(self.zone_windows.clone());
        self.pending_since = Some(std::time::Instant::now());
        self.pending = Some(tokio::spawn(async move {
            build_engine(&store, zones, tz, keys, now).await
        }));
        self.last_rebuild = Some(why);
        self.owed = None;
    }

    /// Reads what changed since the last tick and folds it in. A change to the frozen past
    /// starts a new engine in the background while this one keeps the wall live; a new day
    /// rebuilds before the next snapshot. On an error the last snapshot stands.
    pub async fn tick(&mut self, now: Millis) -> Result<Arc<Snapshot>, StoreError> {
        self.adopt_finished_build().await;
        if let Some(why) = self.owed.take() {
            self.build_beside(why, now);
        }
        self.prepare_next_day(now);
        let started = std::time::Instant::now();
        let mut changes: Vec<(Key, Fact)> = Vec::new();
        let seq = self
            .store
            .changes(&self.zones, self.engine.seq(), &mut |k, f| {
                changes.push((k, f))
            })
            .await?;
        let read = started.elapsed();
        let tick = self.engine.tick(now, &changes, seq);
        self.last_tick = TickCost {
            rows: changes.len(),
            read,
            fold: started.elapsed() - read,
        };
        match tick {
            Tick::Fresh(s) => Ok(s),
            Tick::Behind { snapshot, why } => {
                self.build_beside(why, now);
                Ok(snapshot)
            }
            Tick::Rebuild { why } => {
                // A build started for yesterday's windows is of no use now.
                if let Some(h) = self.pending.take() {
                    h.abort();
                }
                if let Some((engine, stats)) = self.take_next_day(now).await {
                    // Built as of midnight: it takes over with what changed since it read.
                    self.take_over(engine, stats);
                    self.last_rebuild = Some(format!("{why} (prepared before midnight)"));
                    return Box::pin(self.tick(now)).await;
                }
                tracing::info!("rebuilding the KPI engine: {why}");
                let (engine, stats) = build_engine(
                    &self.store,
                    self.zones.clone(),
                    self.tz,
                    Some(self.zone_windows.clone()),
                    now,
                )
                .await?;
                self.take_over(engine, stats);
                self.inline_rebuilds += 1;
                self.last_rebuild = Some(why);
                Ok(self.engine.snapshot())
            }
        }
    }
}

/// The figures of one window and its bases, cut by `filter`, computed from the stored facts.
pub async fn evaluate(
    store: &Store,
    zones: &Zones,
    window: Window,
    filter: &Filter,
    now: Millis,
) -> Result<Evaluated, StoreError> {
    let data_from = store.first_call().await?;
    let mut e = Evaluation::new(window, now)
        .cut_by(filter)
        .data_from(data_from);
    // Bases may overlap the window (a range longer than a year): read each span on its own.
    for (i, span) in e.needs() {
        store
            .facts_in(zones, (span.from, span.to), filter, &mut |_, f| {
                e.add(i, &f)
            })
            .await?;
    }
    Ok(e.finish())
}

/// Repeat-call governance as the wall shows it: the last 7, 30 and 365 days up to `now`.
pub async fn governance(
    store: &Store,
    config: &Config,
    now: Millis,
) -> Result<Governance, StoreError> {
    let back = |days: i64| Span {
        from: now - days * 86_400_000,
        to: now,
    };
    let periods = Periods {
        week: back(7),
        month: back(30),
        year: back(365),
    };
    let t = thresholds(config);
    let calls = store.repeat_candidates(&periods, &t, Scope::All).await?;
    Ok(screen(&calls, &periods, &t, Scope::All))
}

pub fn thresholds(config: &Config) -> Thresholds {
    Thresholds {
        week: config.repeat.per_week,
        month: config.repeat.per_month,
        year: config.repeat.per_year,
    }
}

/// Threads the engine may compute reports on: the machine's cores, at most four (more
/// fight the live loop and the store for the same cores).
fn report_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

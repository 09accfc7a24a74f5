//! `commandwall bench`: the live engine against the naive recompute on a real database.
//!
//! It prints the engine's startup time (first and second start: the first sums every day
//! the database keeps no daily sum for yet, the second reuses them) and memory, the cost of
//! ticks that each fold in `--changes` changed rows (100, then 4: the simulated city's next
//! records and stage updates, written to the database first as `simulate --live` would
//! write them), first paced as the live loop ticks (once a refresh period, the rows arriving
//! as one batch) and then one tick for all the time the rows took (a loop catching up), the
//! cost of the same snapshot recomputed by SQL GROUP BY over the whole windows, and the
//! ratio. `--import N` times the importer instead (`bench_import`).

use std::sync::Arc;
use std::time::Instant;

use super::parse;
use crate::config::Config;
use crate::config::WINDOWS;
use crate::core::alerts::lifecycle::Book;
use crate::core::alerts::observe::{observe, Inputs};
use crate::core::alerts::rule::{Direction, Level, Rule, RuleKind};
use crate::core::kpi::engine::{windows, Snapshot};
use crate::core::kpi::vocabulary::{Figure, Interval};
use crate::core::model::Millis;
use crate::services::figures::LiveFigures;
use crate::setup::caller_keyer;
use crate::sim::run::next_changes;
use crate::sim::City;
use crate::store::naive::quantile;
use crate::store::{OpenMode, Store};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Changed rows per tick; each size is timed over `--ticks` ticks in turn.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 4])]
    pub changes: Vec<usize>,
    /// Ticks to time.
    #[arg(long, default_value_t = 30)]
    pub ticks: usize,
    /// Seed the database was simulated with (its next minutes are the changes).
    #[arg(long, default_value_t = 110)]
    pub seed: u64,
    /// Build the engine as of this time (RFC 3339); default: the newest call stored.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Skip the naive recompute (it scans every window's rows and takes a while).
    #[arg(long)]
    pub no_naive: bool,
    /// Time the weekly report instead: last week's (as of --as-of) in PDF, XLSX and CSV,
    /// `--ticks` times.
    #[arg(long)]
    pub report: bool,
    /// Time the day's rollover instead: start `--lead` seconds before the local midnight
    /// after the newest call (or --as-of), tick once a second in real time until a few
    /// seconds after it, and print the longest gap between updates.
    #[arg(long)]
    pub midnight: bool,
    /// Seconds before midnight the next day's engine is started (live.midnight_lead_s);
    /// the run lasts that long.
    #[arg(long, default_value_t = 90)]
    pub lead: u64,
    /// Time the importer instead: this many generated rows one per incident, and as many
    /// one per unit, each into a fresh database in a temporary folder (the database
    /// given is not touched).
    #[arg(long, value_name = "ROWS")]
    pub import: Option<u64>,
}

/// Resident and peak memory of this process, in MiB, from /proc (Linux).
fn memory_mib() -> (Option<f64>, Option<f64>) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn run(url: &str, config: &Config, args: &BenchArgs) -> anyhow::Result<()> {
    if let Some(rows) = args.import {
        return super::bench_import::run(config, rows).await;
    }
    let store = Store::open(url, OpenMode::Existing).await?;
    let h = store.summary().await?;
    let as_of = match &args.as_of {
        Some(t) => parse::time("--as-of", t)?,
        None => h
            .last_call
            .ok_or_else(|| anyhow::anyhow!("the database has no calls to benchmark on"))?,
    };
    println!(
        "database: {} calls, {} incidents, {} work orders, {} callbacks",
        h.calls, h.incidents, h.work_orders, h.callbacks
    );
    if args.report {
        return bench_report(&store, config, as_of, args.ticks.max(1)).await;
    }
    if args.midnight {
        return bench_midnight(&store, config, as_of, args.lead).await;
    }

    let started = Instant::now();
    let mut live = LiveFigures::start(store.clone(), config, as_of).await?;
    let startup = started.elapsed();
    let (rss, peak) = memory_mib();
    let stats = live.stats;
    println!(
        "startup: {:.2} s ({} days from kept daily sums, {} days summed from records; {} frozen, {} recent, {} reference facts read)",
        startup.as_secs_f64(),
        stats.days_reused,
        stats.days_summed,
        stats.frozen_facts,
        stats.recent_facts,
        stats.reference_facts
    );
    let f = live.footprint();
    let mib = |b: usize| b as f64 / 1_048_576.0;
    println!(
        "memory: resident {:.0} MiB, peak {:.0} MiB; the engine holds about {:.0} MiB of frozen \
         distributions, {:.0} MiB of tails, {:.0} MiB of recent and reference facts, {:.0} MiB of \
         held facts",
        rss.unwrap_or(f64::NAN),
        peak.unwrap_or(f64::NAN),
        mib(f.frozen),
        mib(f.tails),
        mib(f.pools),
        mib(f.held)
    );

    // Started again, the database's pages are in the system's cache (the first start after a
    // backfill or a reboot reads them from disk).
    let again = Instant::now();
    let second = LiveFigures::start(store.clone(), config, as_of).await?;
    println!(
        "second start: {:.2} s ({} days from kept daily sums, {} summed)",
        again.elapsed().as_secs_f64(),
        second.stats.days_reused,
        second.stats.days_summed
    );
    drop(second);

    let keyer = caller_keyer(config, url, &store).await?;
    let city = Arc::new(City::new(config, args.seed, keyer));
    let mut cursor = as_of;
    let mut median = None;
    let period = config.live.refresh_ms.max(1) as Millis;
    for pace in [Pace::Loop(period), Pace::CatchUp] {
        for &changes in &args.changes {
            let (until, m) =
                time_ticks(&store, &mut live, &city, cursor, changes, args.ticks, pace).await?;
            println!(
                "  (the simulated clock advanced {:.0} s)",
                (until - cursor) as f64 / 1000.0
            );
            cursor = until;
            median.get_or_insert(m);
        }
    }
    let median = median.ok_or_else(|| anyhow::anyhow!("--changes names no tick size"))?;
    alert_rules(&live.snapshot(), config, cursor);
    if args.no_naive {
        return Ok(());
    }

    // The same snapshot the naive way: every span of every window, every zone, from SQL.
    let snap = live.snapshot();
    let t = Instant::now();
    let mut spans = 0;
    let mut check = None;
    for w in windows(config.tz(), cursor) {
        for (i, span) in [Some(w.now), w.yoy, w.pop].into_iter().enumerate() {
            let Some(span) = span else { continue };
            let naive = store.naive_span_figures(span).await?;
            spans += 1;
            if i == 0 && w.key == "day_so_far" {
                check = Some(naive);
            }
        }
    }
    let naive = t.elapsed();
    println!(
        "naive recompute (SQL GROUP BY over {spans} window spans, all zones): {:.2} s",
        naive.as_secs_f64()
    );
    println!(
        "ratio: naive / median of the first ticks timed ({} changed rows, paced as the loop) = {:.0}×",
        args.changes.first().copied().unwrap_or_default(),
        naive.as_secs_f64() / median.as_secs_f64()
    );
    // Both ways must agree on today's figures for the whole centre.
    if let (Some(naive), Some(day)) = (check, snap.windows.iter().find(|w| w.key == "day_so_far")) {
        let r = &day.cuts[0].report;
        let sum = |k: &str| {
            naive
                .values()
                .map(|c| c.counts.get(k).copied().unwrap_or(0))
                .sum::<i64>()
        };
        let mut arrival = std::collections::BTreeMap::new();
        for c in naive.values() {
            for (s, n) in c.intervals.get("arrival").into_iter().flatten() {
                *arrival.entry(*s).or_insert(0) += n;
            }
        }
        let engine = (
            r.metric(Figure::Calls).map(|v| v as i64),
            r.metric(Figure::Dispatches).map(|v| v as i64),
            r.metric(Figure::P90(Interval::Arrival)).map(|v| v as i64),
        );
        let naive = (
            Some(sum("calls")),
            Some(sum("dispatches")),
            quantile(&arrival, 0.9),
        );
        println!(
            "today, whole centre (calls, dispatches, p90 arrival s): engine {engine:?}, naive {naive:?}: {}",
            if engine == naive { "agree" } else { "DIFFER" }
        );
        anyhow::ensure!(engine == naive, "the engine and the naive recompute differ");
    }
    Ok(())
}

/// 200 threshold rules (every figure with a good direction × live windows × zones) run
/// against the live snapshot as the loop runs them each tick: observe, then step the book.
fn alert_rules(snapshot: &Snapshot, config: &Config, now: Millis) {
    let figures: Vec<Figure> = Figure::all().filter(|f| f.better().is_some()).collect();
    let zones: Vec<Option<String>> = std::iter::once(None)
        .chain(config.zones.iter().map(|z| Some(z.code.clone())))
        .collect();
    let rules: Vec<Rule> = figures
        .iter()
        .flat_map(|f| WINDOWS.iter().map(move |w| (*f, *w)))
        .flat_map(|(f, w)| zones.iter().map(move |z| (f, w, z.clone())))
        .take(200)
        .enumerate()
        .map(|(i, (figure, window, zone))| Rule {
            id: format!("r{i}"),
            kind: RuleKind::Threshold {
                figure,
                window: window.to_string(),
                zone,
                direction: Direction::Above,
                // Half of them fire: a busy book, not an idle one.
                fire: if i % 2 == 0 { -1.0 } else { f64::MAX },
                clear: -1.0,
            },
            level: Level::Yellow,
            hold: 0,
            escalate_after: Some(600_000),
        })
        .collect();
    let mut book = Book::default();
    let mut times = Vec::new();
    for k in 0..500 {
        let inputs = Inputs {
            now: now + k * 1000,
            snapshot: Some(snapshot),
            last_call: Some(now),
            ..Inputs::default()
        };
        let t = Instant::now();
        let seen = observe(&rules, &inputs, &|r, c| book.is_active(r, c));
        let events = book.step(&rules, &seen, inputs.now);
        times.push(t.elapsed());
        std::hint::black_box(events);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "alert rules: {} threshold rules ({} holding) evaluated per tick: median {:.3} ms, max {:.3} ms over {} ticks (budget 0.5 ms)",
        rules.len(),
        book.active().count(),
        ms(median),
        ms(*times.last().expect("ticks")),
        times.len()
    );
}

/// The weekly report made `runs` times: the slowest and median total, and where the time
/// goes (reading and computing the figures, then each format).
async fn bench_report(
    store: &Store,
    config: &Config,
    as_of: Millis,
    runs: usize,
) -> anyhow::Result<()> {
    use crate::services::report::{last_week, make, Request};
    let mut request = Request::from_config(config, last_week(config, as_of))?;
    request.formats = crate::config::ReportFormat::ALL.to_vec();
    println!(
        "report: {} in pdf, xlsx and csv, {runs} times",
        request.covers.label()
    );
    let mut totals = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        let made = make(store, config, &request, as_of).await?;
        let total = started.elapsed();
        totals.push(ms(total));
        let sizes: Vec<String> = made
            .files
            .iter()
            .map(|(f, b)| format!("{} {} KiB", f.ext(), b.len() / 1024))
            .collect();
        let formats: Vec<String> = made
            .render
            .iter()
            .map(|(f, d)| format!("{} {:.0} ms", f.ext(), ms(*d)))
            .collect();
        println!(
            "  run {}: {:.0} ms (figures {:.0} ms; {}) [{}]",
            run + 1,
            ms(total),
            ms(made.gather),
            formats.join(", "),
            sizes.join(", ")
        );
    }
    totals.sort_by(f64::total_cmp);
    println!(
        "report total: median {:.0} ms, slowest {:.0} ms (goal ≤ 2000 ms)",
        totals[totals.len() / 2],
        totals[totals.len() - 1]
    );
    Ok(())
}

/// The rollover at midnight as the wall lives it: ticks once a real second from `lead`
/// seconds before the midnight after `as_of` (the clock shifted so that it reads that time)
/// to 5 s after, with the next day's engine built in the background meanwhile.
async fn bench_midnight(
    store: &Store,
    config: &Config,
    as_of: Millis,
    lead: u64,
) -> anyhow::Result<()> {
    let tz = config.tz();
    let midnight = crate::core::time::day_bounds(tz, crate::core::time::local_date(tz, as_of)).1;
    let mut config = config.clone();
    config.live.midnight_lead_s = lead;
    let lead_ms = (lead as Millis) * 1000;
    let start = midnight - lead_ms - 2_000;
    let t = Instant::now();
    let mut live = LiveFigures::start(store.clone(), &config, start).await?;
    println!(
        "midnight: engine as of {} built in {:.2} s; the next day's build starts {lead} s before midnight",
        crate::core::time::local_datetime(tz, start).format("%Y-%m-%d %H:%M:%S"),
        t.elapsed().as_secs_f64()
    );
    let began = Instant::now();
    let clock = |began: Instant| start + began.elapsed().as_millis() as Millis;
    let mut gaps: Vec<(Millis, f64)> = Vec::new();
    let mut last = Instant::now();
    while clock(began) < midnight + 5_000 {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        let now = clock(began);
        live.tick(now).await?;
        let done = Instant::now();
        gaps.push((now, ms(done - last)));
        last = done;
    }
    let (at, longest) = gaps
        .iter()
        .copied()
        .fold((0, 0.0), |a, g| if g.1 > a.1 { g } else { a });
    let crossing = gaps
        .iter()
        .find(|(t, _)| *t >= midnight)
        .map_or(f64::NAN, |g| g.1);
    println!(
        "midnight: longest gap between updates {:.0} ms (at {}), across midnight {:.0} ms; {} rebuilds, {} of them inline ({})",
        longest,
        crate::core::time::local_datetime(tz, at).format("%H:%M:%S"),
        crossing,
        live.rebuilds,
        live.inline_rebuilds,
        live.last_rebuild.as_deref().unwrap_or("none")
    );
    anyhow::ensure!(
        live.inline_rebuilds == 0,
        "the day rolled over by rebuilding in line"
    );
    Ok(())
}

/// How a timed tick meets its changed rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pace {
    /// As the live loop ticks: once a refresh period. The rows arrive together (a feed
    /// or an import delivering a batch), and the ticks between batches, with no rows, carry
    /// the clock forward untimed; the timed tick moves the windows by one period.
    Loop(Millis),
    /// One tick for the whole time the rows took to arrive (a loop that stalled that long,
    /// catching up): the windows move by all of it at once.
    CatchUp,
}

/// Times `ticks` ticks that each fold in `changes` changed rows: the simulated city's
/// next records and stage updates from `cursor` on, written to the database first.
async fn time_ticks(
    store: &Store,
    live: &mut LiveFigures,
    city: &Arc<City>,
    mut cursor: Millis,
    changes: usize,
    ticks: usize,
    pace: Pace,
) -> anyhow::Result<(Millis, std::time::Duration)> {
    let mut times = Vec::new();
    let mut reads = Vec::new();
    let mut folds = Vec::new();
    let mut idle = Vec::new();
    let mut rebuilds = 0;
    let mut moved = Vec::new();
    // The batches are made first: making one (three simulated days) sweeps the caches, and
    // in the wall the rows come from another process or a small writer, not from that.
    let c = Arc::clone(city);
    let batches = tokio::task::spawn_blocking(move || {
        let mut from = cursor;
        (0..ticks.max(1))
            .map(|_| {
                let (batch, until) = next_changes(&c, from, changes);
                from = until;
                (batch, until)
            })
            .collect::<Vec<_>>()
    })
    .await?;
    for (batch, until) in batches {
        let mut last = cursor;
        if let Pace::Loop(period) = pace {
            // The ticks while the batch was on its way, the last one a period before it lands.
            let mut t = until - (until - cursor) / period * period;
            while t < until {
                if t > last {
                    let started = Instant::now();
                    live.tick(t).await?;
                    idle.push(started.elapsed());
                    last = t;
                }
                t += period;
            }
        }
        store.write(&batch).await?;
        let t = Instant::now();
        let before = live.rebuilds;
        live.tick(until).await?;
        times.push(t.elapsed());
        reads.push(live.last_tick.read);
        folds.push(live.last_tick.fold);
        rebuilds += live.rebuilds - before;
        moved.push(until - last);
        cursor = until;
    }
    let median = |v: &mut Vec<std::time::Duration>| {
        v.sort();
        v.get(v.len() / 2).copied()
    };
    let tick_median = median(&mut times).expect("ticks");
    let p90 = times[(times.len() * 9).div_ceil(10) - 1];
    moved.sort();
    let how = match pace {
        Pace::Loop(period) => format!("paced as the loop, a tick every {period} ms"),
        Pace::CatchUp => "one tick for all the time the rows took".to_string(),
    };
    println!(
        "tick with {changes} changed rows ({how}): median {:.2} ms, p90 {:.2} ms, max {:.2} ms over {} ticks ({rebuilds} rebuilds)",
        ms(tick_median),
        ms(p90),
        ms(*times.last().expect("ticks")),
        times.len(),
    );
    println!(
        "  of which reading the changes: median {:.2} ms; folding them in and the snapshot: median {:.2} ms; the windows moved {:.1} s per timed tick (median)",
        ms(median(&mut reads).expect("ticks")),
        ms(median(&mut folds).expect("ticks")),
        moved[moved.len() / 2] as f64 / 1000.0
    );
    if let Some(m) = median(&mut idle) {
        println!(
            "  ticks with no changed rows between the batches: median {:.2} ms, max {:.2} ms over {}",
            ms(m),
            ms(*idle.last().expect("idle ticks")),
            idle.len()
        );
    }
    Ok((cursor, tick_median))
}

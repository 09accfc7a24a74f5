//! Running the built-in simulator into a store: a backfill of past days, then live writing.
//! Shared by `commandwall simulate` and the window's demo, which both say what they want in
//! a typed `Plan`.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::core::model::Millis;
use crate::core::time::{local_date, utc};
use crate::setup::caller_keyer;
use crate::sim::run::{backfill, write_live, SimClock};
use crate::sim::City;
use crate::store::{redact_url, Store};

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Write this much history up to `until`.
    pub backfill: Option<chrono::Duration>,
    /// Then keep writing live at this speed (1.0 = real time).
    pub live: Option<f64>,
    /// The end of the backfill and the start of live time.
    pub until: Millis,
}

/// The seed of the demo city, so every demo shows the same city.
pub const DEMO_SEED: u64 = 110;

/// Backfill and/or live simulation. Live writing runs until Ctrl-C.
pub async fn simulate(store: &Store, city: Arc<City>, plan: &Plan) -> anyhow::Result<()> {
    let now = plan.until;
    let mut written_up_to = now;
    if let Some(span) = plan.backfill {
        let last = local_date(city.tz, now);
        let first = local_date(city.tz, now - span.num_milliseconds())
            .succ_opt()
            .unwrap_or(last);
        let total = (last - first).num_days() + 1;
        let started = std::time::Instant::now();
        eprintln!(
            "backfilling {total} days ({first} … {last}) into {}",
            redact_url(&store.url())
        );
        let stats = backfill(store, Arc::clone(&city), first, last, now, |day, s| {
            if s.days % 10 == 0 || s.days as i64 == total {
                eprintln!(
                    "  {day}: {} days, {} calls, {} records, {:.0} s",
                    s.days,
                    s.calls,
                    s.rows,
                    started.elapsed().as_secs_f64()
                );
            }
        })
        .await?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "backfilled {} days: {} calls, {} records in {:.1} s ({:.0} records/s)",
            stats.days,
            stats.calls,
            stats.rows,
            secs,
            stats.rows as f64 / secs.max(1e-9)
        );
    } else {
        written_up_to = store
            .last_received(crate::sim::SOURCE)
            .await?
            .unwrap_or(now)
            .min(now);
    }
    if let Some(speed) = plan.live {
        eprintln!(
            "live at {speed}x from {}; Ctrl-C stops",
            utc(now).format("%Y-%m-%d %H:%M:%S UTC")
        );
        let clock = SimClock::new(now, speed);
        let tick = Duration::from_millis(250);
        tokio::select! {
            r = write_live(store, city, clock, written_up_to, tick, |_, _| {}) => r?,
            _ = tokio::signal::ctrl_c() => eprintln!("stopped"),
        }
    }
    Ok(())
}

/// The demo city of this centre's config.
pub async fn demo_city(config: &Config, url: &str, store: &Store) -> anyhow::Result<Arc<City>> {
    let keyer = caller_keyer(config, url, store).await?;
    Ok(Arc::new(City::new(config, DEMO_SEED, keyer)))
}

/// Fills an empty demo database with `backfill` of history up to `now`, so the wall has
/// figures at once; a database that already holds simulated calls is left as it is.
pub async fn prepare_demo(
    store: &Store,
    config: &Config,
    url: &str,
    backfill: chrono::Duration,
    now: Millis,
) -> anyhow::Result<()> {
    if store.last_received(crate::sim::SOURCE).await?.is_some() {
        return Ok(());
    }
    let plan = Plan {
        backfill: Some(backfill),
        live: None,
        until: now,
    };
    simulate(store, demo_city(config, url, store).await?, &plan).await
}

/// Writes the demo city live, in real time, from where the database left off.
pub async fn run_demo_live(
    store: Store,
    config: Config,
    url: String,
    now: Millis,
) -> anyhow::Result<()> {
    let plan = Plan {
        backfill: None,
        live: Some(1.0),
        until: now,
    };
    simulate(&store, demo_city(&config, &url, &store).await?, &plan).await
}

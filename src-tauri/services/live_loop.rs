//! The live loop every door shares: ticks the KPI engine every `refresh_ms`, and publishes
//! the latest figures with whether they are stale. A failing database or a silent feed never
//! blanks the wall: the last good snapshot stays, marked stale with the reason and since when.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::charts::set::{ChartSet, Digests};
use crate::config::Config;
use crate::core::kpi::engine::Snapshot;
use crate::core::model::Millis;
use crate::core::wall::pages::RepeatPage;
use crate::core::wall::Pages;
use crate::services::alerts::{Alerting, AlertsView};
use crate::services::figures::LiveFigures;
use crate::services::wall_lists::{HourlyCache, PageInputs};
use crate::setup::now_ms;
use crate::store::{Store, StoreError};

/// Why the figures on show may be out of date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stale {
    /// `feed_silent`, or the store's error code (`db_missing`, `db_locked`, …).
    pub code: &'static str,
    pub reason: String,
    pub since: Millis,
}

/// What every door shows. Part of the wire format (Tauri and HTTP).
#[derive(Debug, Clone, Serialize)]
pub struct WallState {
    pub centre: String,
    pub time_zone: String,
    /// The last good figures; `None` until the engine has been built once. Served on its
    /// own (`/api/snapshot`): every window × zone is too much to send every second.
    #[serde(skip)]
    pub snapshot: Option<Arc<Snapshot>>,
    /// The snapshot's time and change number.
    pub as_of: Option<Millis>,
    pub seq: Option<i64>,
    /// The pages built from them.
    pub pages: Option<Arc<Pages>>,
    /// Digest of each chart (`id.lang`); a door fetches a chart again only when its digest
    /// changed.
    pub charts: Digests,
    /// Why a chart could not be drawn (the figures are still shown).
    pub chart_errors: Vec<String>,
    pub last_call: Option<Millis>,
    /// When the loop last looked (UTC ms).
    pub checked_at: Millis,
    pub stale: Option<Stale>,
    /// The drawn charts themselves, served by id.
    #[serde(skip)]
    pub chart_set: Arc<ChartSet>,
    /// Active and recent alerts: the wall's banner, flashing tiles, chime and page jumps.
    pub alerts: Arc<AlertsView>,
}

impl WallState {
    /// The repeat-call page of the last screening.
    pub fn repeat(&self) -> Option<Arc<RepeatPage>> {
        self.pages.as_ref().and_then(|p| p.repeat.clone())
    }

    /// The SVG of chart `id.lang`, if it is drawn.
    pub fn chart(&self, key: &str) -> Option<Arc<String>> {
        self.chart_set.charts.get(key).map(|c| c.svg.clone())
    }
}

/// Starts the loop on the current runtime; the receiver always holds the latest state.
pub fn spawn(store: Store, config: Config) -> watch::Receiver<Arc<WallState>> {
    let initial = Arc::new(WallState {
        centre: config.centre.name.clone(),
        time_zone: config.centre.time_zone.clone(),
        snapshot: None,
        as_of: None,
        seq: None,
        pages: None,
        charts: Digests::default(),
        chart_errors: Vec::new(),
        last_call: None,
        checked_at: now_ms(),
        stale: None,
        chart_set: Arc::new(ChartSet::default()),
        alerts: Arc::new(AlertsView::default()),
    });
    let (tx, rx) = watch::channel(initial);
    if let Err(e) = crate::charts::fonts::register() {
        tracing::warn!("{e}");
    }
    let (repeat_tx, repeat_rx) = watch::channel(None);
    tokio::spawn(screen_repeats(store.clone(), config.clone(), repeat_tx));
    tokio::spawn(run(store, config, tx, repeat_rx));
    rx
}

/// Screens the year's calls for repeat callers and places every `repeat_refresh_s`. A pass
/// over a large year takes seconds, so it runs beside the live loop, not in it.
async fn screen_repeats(store: Store, config: Config, tx: watch::Sender<Option<Arc<RepeatPage>>>) {
    let every = Duration::from_secs(config.live.repeat_refresh_s.max(10));
    loop {
        match crate::services::wall_lists::repeat_page(&store, &config, now_ms()).await {
            Ok(page) => {
                if tx.send(Some(Arc::new(page))).is_err() {
                    return;
                }
            }
            Err(e) => tracing::warn!("repeat calls not screened: {e}"),
        }
        tokio::time::sleep(every).await;
    }
}

/// The pages' lists and when they were read.
#[derive(Default)]
struct Lists {
    inputs: PageInputs,
    read_at: Option<Millis>,
    hourly: HourlyCache,
    /// What the pages were last built from: snapshot seq, lists, repeat screening.
    built_from: Option<(i64, Millis, Millis)>,
}

async fn run(
    store: Store,
    config: Config,
    tx: watch::Sender<Arc<WallState>>,
    repeat: watch::Receiver<Option<Arc<RepeatPage>>>,
) {
    let mut live: Option<LiveFigures> = None;
    let mut lists = Lists::default();
    let zones = crate::services::figures::zones(&config);
    let mut failing_since: Option<Millis> = None;
    let mut alerts = AlertLoop::default();
    let mut interval =
        tokio::time::interval(Duration::from_millis(config.live.refresh_ms.max(100)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let now = now_ms();
        let result = step(&store, &config, &mut live, now).await;
        let prev = tx.borrow().clone();
        let mut next = WallState {
            checked_at: now,
            ..(*prev).clone()
        };
        match result {
            Ok((snapshot, last_call)) => {
                failing_since = None;
                let screened = repeat.borrow().clone();
                if let Err(e) = refresh_pages(
                    &store, &config, &zones, &mut lists, &snapshot, screened, now, &mut next,
                )
                .await
                {
                    // The figures are fresh; only the lists beside them are from earlier.
                    tracing::warn!("page lists not updated: {e}");
                }
                next.as_of = Some(snapshot.as_of);
                next.seq = Some(snapshot.seq);
                next.snapshot = Some(snapshot);
                next.last_call = last_call;
                next.stale = silence(last_call, now, config.live.stale_after_s);
            }
            Err(e) => {
                let since = *failing_since.get_or_insert(now);
                tracing::warn!("live figures not updated: {e}");
                next.stale = Some(Stale {
                    code: e.code(),
                    reason: e.to_string(),
                    since,
                });
            }
        }
        let db_error = next.stale.as_ref().filter(|s| s.code != "feed_silent");
        let db_error = db_error.map(|s| s.reason.clone());
        let screened = repeat.borrow().clone();
        if let Some(view) = alerts
            .tick(&store, &config, &next, screened.as_deref(), db_error, now)
            .await
        {
            next.alerts = Arc::new(view);
        }
        if tx.send(Arc::new(next)).is_err() {
            return; // every door has closed
        }
    }
}

/// Reads the lists again when they are due, and rebuilds the pages and charts when the
/// snapshot, the lists or the repeat screening changed.
#[allow(clippy::too_many_arguments)]
async fn refresh_pages(
    store: &Store,
    config: &Config,
    zones: &crate::core::kpi::facts::Zones,
    lists: &mut Lists,
    snapshot: &Arc<Snapshot>,
    screened: Option<Arc<RepeatPage>>,
    now: Millis,
    next: &mut WallState,
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let due = lists
        .read_at
        .is_none_or(|t| now - t >= config.live.lists_refresh_s as i64 * 1000);
    if due {
        lists.inputs =
            crate::services::wall_lists::read_inputs(store, config, zones, &mut lists.hourly, now)
                .await?;
        lists.read_at = Some(now);
    }
    let key = (
        snapshot.seq,
        lists.read_at.unwrap_or(0),
        screened.as_ref().map_or(0, |r| r.screened_at),
    );
    if lists.built_from == Some(key) && next.pages.is_some() {
        return Ok(());
    }
    let pages = crate::services::wall_lists::assemble(snapshot, &lists.inputs, screened, config);
    let assembled = started.elapsed();
    let set = crate::charts::set::draw(&pages, &crate::charts::Theme::WALL);
    tracing::debug!(
        "pages rebuilt (lists read: {due}) in {:?}, charts drawn in {:?}",
        assembled,
        started.elapsed() - assembled
    );
    next.charts = set.digests();
    next.chart_errors = set.errors.clone();
    next.chart_set = Arc::new(set);
    next.pages = Some(Arc::new(pages));
    lists.built_from = Some(key);
    Ok(())
}

async fn step(
    store: &Store,
    config: &Config,
    live: &mut Option<LiveFigures>,
    now: Millis,
) -> Result<(Arc<Snapshot>, Option<Millis>), StoreError> {
    let snapshot = match live {
        Some(l) => l.tick(now).await?,
        None => {
            let l = LiveFigures::start(store.clone(), config, now).await?;
            let s = l.snapshot();
            *live = Some(l);
            s
        }
    };
    let last_call = store.last_call().await?;
    Ok((snapshot, last_call))
}

/// Stale when no call has arrived for longer than the centre's limit.
pub fn silence(last_call: Option<Millis>, now: Millis, stale_after_s: i64) -> Option<Stale> {
    let limit = stale_after_s * 1000;
    match last_call {
        Some(t) if now - t <= limit => None,
        Some(t) => Some(Stale {
            code: "feed_silent",
            reason: format!(
                "no new call for {}",
                crate::core::time::describe_span(now - t)
            ),
            since: t,
        }),
        None => Some(Stale {
            code: "feed_silent",
            reason: "no call has been received yet".into(),
            since: now,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_beyond_the_limit_is_stale() {
        let now = 1_000_000_000;
        assert_eq!(silence(Some(now - 120_000), now, 120), None);
        let s = silence(Some(now - 121_000), now, 120).unwrap();
        assert_eq!((s.code, s.since), ("feed_silent", now - 121_000));
        assert_eq!(s.reason, "no new call for 2 min 1 s");
        assert_eq!(
            silence(None, now, 120).unwrap().reason,
            "no call has been received yet"
        );
    }
}

/// The alerts as the live loop runs them, started from the audit once the store answers.
#[derive(Default)]
struct AlertLoop {
    alerting: Option<Alerting>,
}

impl AlertLoop {
    async fn tick(
        &mut self,
        store: &Store,
        config: &Config,
        state: &WallState,
        repeat: Option<&RepeatPage>,
        db_error: Option<String>,
        now: Millis,
    ) -> Option<AlertsView> {
        if self.alerting.is_none() {
            match Alerting::start(store, config, now).await {
                Ok(a) => self.alerting = Some(a),
                Err(e) => {
                    tracing::warn!("alerts not started: {e}");
                    return None;
                }
            }
        }
        let alerting = self.alerting.as_mut()?;
        let snapshot = state.snapshot.as_deref();
        if let Err(e) = alerting
            .tick(store, config, snapshot, repeat, db_error, now)
            .await
        {
            tracing::warn!("alerts not evaluated: {e}");
        }
        Some(alerting.view(now))
    }
}

//! The live loop every door shares: ticks the KPI engine every `refresh_ms`, and publishes
//! the latest figures with whether they are stale. A failing database or a silent feed never
//! blanks the wall: the last good snapshot stays, marked stale with the reason and since when.
//!
//! The loop runs supervised (`supervise`): when it panics, the state turns stale at once
//! (`engine_failed`) and the loop starts again with a fresh engine. Each tick it also checks
//! that the database file at its path is still the one open (a deleted file, a restored
//! backup) and judges the feed by when data last arrived (`feed`), not by the records' own
//! times.

mod feed;
mod supervise;

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
use crate::store::{FeedCheck, FileState, ImportStatus, Store, StoreError};
use feed::Feed;
pub use feed::{silence, Ahead};
#[cfg(feature = "fault-injection")]
pub use supervise::Faults;
#[cfg(not(feature = "fault-injection"))]
use supervise::Faults;

/// Why the figures on show may be out of date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stale {
    /// `feed_silent`, `engine_failed`, or the store's error code (`db_missing`,
    /// `db_locked`, `db_deleted`, `db_replaced`, …).
    pub code: &'static str,
    pub reason: String,
    pub since: Millis,
}

impl Stale {
    /// Stale for `code`, since when the state before already was for the same reason.
    fn after(prev: &WallState, code: &'static str, reason: String, now: Millis) -> Stale {
        let since = prev
            .stale
            .as_ref()
            .filter(|s| s.code == code)
            .map_or(now, |s| s.since);
        Stale {
            code,
            reason,
            since,
        }
    }

    fn of_store(prev: &WallState, e: &StoreError, now: Millis) -> Stale {
        Stale::after(prev, e.code(), e.to_string(), now)
    }
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
    /// The newest call's receive time, leaving out calls dated ahead of the clock.
    pub last_call: Option<Millis>,
    /// When the loop last looked (UTC ms). A door that shows a state whose `checked_at` is
    /// older than the UI's stale period marks its figures stale: the loop is not running.
    pub checked_at: Millis,
    pub stale: Option<Stale>,
    /// Records dated ahead of the clock beyond `live.ahead_tolerance_s`, if any.
    pub ahead: Option<Ahead>,
    /// How many times the loop failed and was started again since the program started.
    pub engine_restarts: u32,
    /// The drawn charts themselves, served by id.
    #[serde(skip)]
    pub chart_set: Arc<ChartSet>,
    /// Active and recent alerts: the wall's banner, flashing tiles, chime and page jumps.
    pub alerts: Arc<AlertsView>,
    /// The last import and the folder watch (`import --watch`), if any.
    pub imports: Option<Arc<ImportStatus>>,
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

    /// The state as a door sends it at `now`.
    pub fn sent(self: &Arc<Self>, now: Millis) -> Sent {
        Sent {
            state: self.clone(),
            sent_at: now,
        }
    }
}

/// The state as a door sends it, stamped with the sender's clock. A page judges the state's
/// age as `sent_at − checked_at` plus the time since it arrived, each measured on one
/// clock, so a wall controller whose clock is off neither calls fresh figures stale nor
/// old ones fresh. Part of the wire format.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    #[serde(flatten)]
    pub state: Arc<WallState>,
    pub sent_at: Millis,
}

/// Starts the loop on the current runtime; the receiver always holds the latest state.
pub fn spawn(store: Store, config: Config) -> watch::Receiver<Arc<WallState>> {
    start(store, config, Faults::default())
}

/// `spawn`, with failures the test can make happen (`Faults`).
#[cfg(feature = "fault-injection")]
pub fn spawn_with_faults(
    store: Store,
    config: Config,
    faults: Faults,
) -> watch::Receiver<Arc<WallState>> {
    start(store, config, faults)
}

fn start(store: Store, config: Config, faults: Faults) -> watch::Receiver<Arc<WallState>> {
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
        ahead: None,
        engine_restarts: 0,
        chart_set: Arc::new(ChartSet::default()),
        alerts: Arc::new(AlertsView::default()),
        imports: None,
    });
    let (tx, rx) = watch::channel(initial);
    if let Err(e) = crate::charts::fonts::register() {
        tracing::warn!("{e}");
    }
    let (repeat_tx, repeat_rx) = watch::channel(None);
    let refresh = refresh_period(&config);
    let repeat_tx = Arc::new(repeat_tx);
    let (s, c) = (store.clone(), config.clone());
    tokio::spawn(async move {
        let start = || screen_repeats(s.clone(), c.clone(), repeat_tx.clone());
        supervise::supervise("repeat-call screening", refresh, start, |_, _| {}).await;
    });
    let tx = Arc::new(tx);
    tokio::spawn(async move {
        let start = || {
            let args = (store.clone(), config.clone(), tx.clone());
            run(args.0, args.1, args.2, repeat_rx.clone(), faults.clone())
        };
        let failed = |why: &str, _: u32| engine_failed(&tx, why);
        supervise::supervise("the live loop", refresh, start, failed).await;
    });
    rx
}

fn refresh_period(config: &Config) -> Duration {
    Duration::from_millis(config.live.refresh_ms.max(100))
}

/// The loop died: its last figures stay on show, stale, saying why.
fn engine_failed(tx: &watch::Sender<Arc<WallState>>, why: &str) {
    let now = now_ms();
    let prev = tx.borrow().clone();
    let reason = format!("the figures engine failed ({why}); it is being started again");
    let next = WallState {
        checked_at: now,
        stale: Some(Stale::after(&prev, "engine_failed", reason, now)),
        engine_restarts: prev.engine_restarts + 1,
        ..(*prev).clone()
    };
    // Nobody listening: the loop would not be started again either.
    let _ = tx.send(Arc::new(next));
}

/// Screens the year's calls for repeat callers and places every `repeat_refresh_s`. A pass
/// over a large year takes seconds, so it runs beside the live loop, not in it.
async fn screen_repeats(
    store: Store,
    config: Config,
    tx: Arc<watch::Sender<Option<Arc<RepeatPage>>>>,
) {
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

/// What the loop builds from one database; all of it starts again when the file is replaced.
#[derive(Default)]
struct Built {
    live: Option<LiveFigures>,
    lists: Lists,
    feed: Feed,
    alerts: AlertLoop,
    /// When the import status was last read, and the change number then.
    imports_read: Option<(Millis, i64)>,
}

/// How often the import status is read when no data arrives (a watch's polls change no data).
const IMPORTS_EVERY_MS: Millis = 5_000;

async fn run(
    store: Store,
    config: Config,
    tx: Arc<watch::Sender<Arc<WallState>>>,
    repeat: watch::Receiver<Option<Arc<RepeatPage>>>,
    faults: Faults,
) {
    let mut built = Built::default();
    let zones = crate::services::figures::zones(&config);
    let mut interval = tokio::time::interval(refresh_period(&config));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let now = now_ms();
        let prev = tx.borrow().clone();
        let mut next = WallState {
            checked_at: now,
            ..(*prev).clone()
        };
        // The file first: reading on from a deleted or replaced file shows figures of a
        // database nobody writes to any more.
        let file = match store.file_state() {
            FileState::Same => None,
            FileState::Deleted => Some(StoreError::Deleted { url: store.url() }),
            FileState::Replaced => {
                let e = match store.reopen().await {
                    Ok(()) => {
                        // Everything built from the old file goes; the next tick builds
                        // afresh while this one says why the figures are old.
                        built = Built::default();
                        StoreError::Replaced { url: store.url() }
                    }
                    Err(e) => e,
                };
                tracing::warn!("{e}");
                next.stale = Some(Stale::of_store(&prev, &e, now));
                if tx.send(Arc::new(next)).is_err() {
                    return;
                }
                continue;
            }
        };
        if let Some(e) = file
            .as_ref()
            .filter(|e| prev.stale.as_ref().is_none_or(|s| s.code != e.code()))
        {
            tracing::warn!("{e}");
        }
        faults.at_tick();
        let result = step(&store, &config, &mut built, now).await;
        match result {
            Ok((snapshot, check)) if check.seq < snapshot.seq => {
                // The change number went back: another database was put in place of this
                // one's contents (restored in place). Its changes would go unseen until the
                // number passed the old one; build everything again from it.
                let e = StoreError::Replaced { url: store.url() };
                tracing::warn!(
                    "{e} (its change number went back from {} to {})",
                    snapshot.seq,
                    check.seq
                );
                built = Built::default();
                next.stale = Some(Stale::of_store(&prev, &e, now));
            }
            Ok((snapshot, check)) => {
                let screened = repeat.borrow().clone();
                if let Err(e) = refresh_pages(
                    &store,
                    &config,
                    &zones,
                    &mut built.lists,
                    &snapshot,
                    screened,
                    now,
                    &mut next,
                )
                .await
                {
                    // The figures are fresh; only the lists beside them are from earlier.
                    tracing::warn!("page lists not updated: {e}");
                }
                built.feed.observe(&check, now);
                let due = built
                    .imports_read
                    .is_none_or(|(t, seq)| seq != check.seq || now - t >= IMPORTS_EVERY_MS);
                if due {
                    match store.import_status().await {
                        Ok(status) => {
                            next.imports = Some(Arc::new(status));
                            built.imports_read = Some((now, check.seq));
                        }
                        Err(e) => tracing::warn!("import status not read: {e}"),
                    }
                }
                next.as_of = Some(snapshot.as_of);
                next.seq = Some(snapshot.seq);
                next.snapshot = Some(snapshot);
                next.last_call = check.last_call;
                next.ahead = Ahead::of(&check, config.live.ahead_tolerance_s);
                next.stale = match &file {
                    Some(e) => Some(Stale::of_store(&prev, e, now)),
                    None => silence(
                        built.feed.heard(),
                        now,
                        config.live.stale_after_s,
                        next.ahead.as_ref(),
                    ),
                };
            }
            Err(e) => {
                tracing::warn!("live figures not updated: {e}");
                let e = file.as_ref().unwrap_or(&e);
                next.stale = Some(Stale::of_store(&prev, e, now));
            }
        }
        let screened = repeat.borrow().clone();
        let heard = built.feed.heard();
        if let Some(view) = built
            .alerts
            .tick(&store, &config, &next, screened.as_deref(), heard, now)
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
    built: &mut Built,
    now: Millis,
) -> Result<(Arc<Snapshot>, FeedCheck), StoreError> {
    let snapshot = match &mut built.live {
        Some(l) => l.tick(now).await?,
        None => {
            let l = LiveFigures::start(store.clone(), config, now).await?;
            let s = l.snapshot();
            built.live = Some(l);
            s
        }
    };
    let ahead_of = now.saturating_add(config.live.ahead_tolerance_s.saturating_mul(1000));
    let check = store.feed(built.feed.after(), ahead_of).await?;
    Ok((snapshot, check))
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
        heard: Option<Millis>,
        now: Millis,
    ) -> Option<AlertsView> {
        // Anything stale but a silent feed means the figures cannot be trusted: the feed
        // rule says so (a silent feed it judges itself, from `heard`).
        let db_error = state.stale.as_ref().filter(|s| s.code != "feed_silent");
        let db_error = db_error.map(|s| s.reason.clone());
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
        alerting.heard_at(heard);
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

//! The live loop every door shares: ticks the KPI engine every `refresh_ms`, and publishes
//! the latest figures with whether they are stale. A failing database or a silent feed never
//! blanks the wall: the last good snapshot stays, marked stale with the reason and since when.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::app::now_ms;
use crate::config::Config;
use crate::core::kpi::engine::Snapshot;
use crate::core::model::Millis;
use crate::kpi_feed::LiveFigures;
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
    /// The last good figures; `None` until the engine has been built once.
    pub snapshot: Option<Arc<Snapshot>>,
    pub last_call: Option<Millis>,
    /// When the loop last looked (UTC ms).
    pub checked_at: Millis,
    pub stale: Option<Stale>,
}

/// Starts the loop on the current runtime; the receiver always holds the latest state.
pub fn spawn(store: Store, config: Config) -> watch::Receiver<Arc<WallState>> {
    let initial = Arc::new(WallState {
        centre: config.centre.name.clone(),
        time_zone: config.centre.time_zone.clone(),
        snapshot: None,
        last_call: None,
        checked_at: now_ms(),
        stale: None,
    });
    let (tx, rx) = watch::channel(initial);
    tokio::spawn(run(store, config, tx));
    rx
}

async fn run(store: Store, config: Config, tx: watch::Sender<Arc<WallState>>) {
    let mut live: Option<LiveFigures> = None;
    let mut failing_since: Option<Millis> = None;
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
        if tx.send(Arc::new(next)).is_err() {
            return; // every door has closed
        }
    }
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
    let last_call = store.feed_reading(now, now).await?.last_received;
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

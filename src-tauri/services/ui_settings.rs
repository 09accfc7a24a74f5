//! What the UI needs to know from the server before it draws: refresh periods, the repeat
//! thresholds, how many zones there are, how long lists are, and every figure's labels. The
//! UI copies none of these; both doors hand it this one value (Tauri `ui_settings`, HTTP
//! `/api/settings`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Config;
use crate::core::kpi::vocabulary::{Figure, Unit};

/// How long a browser waits without hearing a state before it says the connection is lost.
const LOST_AFTER_MS: u64 = 5_000;
/// How often the desk re-asks a filtered question.
const DESK_REFRESH_S: u64 = 15;

#[derive(Debug, Clone, Serialize)]
pub struct UiSettings {
    /// The centre's zone, for the clock before the first state arrives.
    pub time_zone: String,
    pub refresh_ms: u64,
    pub stale_after_ms: u64,
    pub desk_refresh_s: u64,
    pub repeat: RepeatThresholds,
    pub zones: usize,
    pub limits: Limits,
    /// Seconds each page stays up on the wall.
    pub dwell_s: BTreeMap<&'static str, u32>,
    pub figures: BTreeMap<&'static str, FigureLabel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepeatThresholds {
    pub per_week: u32,
    pub per_month: u32,
    pub per_year: u32,
}

/// How many rows each list shows on the wall (read from 10 m) and on the desk.
#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    pub lagging_wall: usize,
    pub lagging_desk: usize,
    pub overdue_wall: usize,
    pub overdue_desk: usize,
    pub repeat_wall: usize,
    pub repeat_desk: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FigureLabel {
    pub zh: String,
    pub en: String,
    pub unit: Unit,
}

pub fn ui_settings(config: &Config) -> UiSettings {
    let refresh_ms = config.live.refresh_ms.max(100);
    UiSettings {
        time_zone: config.centre.time_zone.clone(),
        refresh_ms,
        stale_after_ms: LOST_AFTER_MS.max(5 * refresh_ms),
        desk_refresh_s: DESK_REFRESH_S,
        repeat: RepeatThresholds {
            per_week: config.repeat.per_week,
            per_month: config.repeat.per_month,
            per_year: config.repeat.per_year,
        },
        zones: config.zones.len(),
        limits: Limits {
            lagging_wall: 6,
            lagging_desk: config.zones.len(),
            overdue_wall: 5,
            overdue_desk: crate::services::wall_lists::OVERDUE_LISTED as usize,
            repeat_wall: 13,
            repeat_desk: 100,
        },
        dwell_s: [
            ("overview", 30),
            ("response", 20),
            ("diversion", 20),
            ("repeat", 15),
            ("seats", 15),
        ]
        .into_iter()
        .collect(),
        figures: Figure::all()
            .map(|f| {
                (
                    f.key(),
                    FigureLabel {
                        zh: f.zh().into_owned(),
                        en: f.en().into_owned(),
                        unit: f.unit(),
                    },
                )
            })
            .collect(),
    }
}

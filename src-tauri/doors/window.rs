//! The Tauri shell: a window onto the figures. Its one command hands the UI the live loop's
//! latest state; nothing here computes.

use std::sync::Arc;

use anyhow::Context;
use tauri::{WebviewUrl, WebviewWindowBuilder};
use tokio::sync::watch;

use crate::config::Config;
use crate::core::alerts::lifecycle::{Actor, Event};
use crate::core::alerts::rule::Level;
use crate::core::wall::pages::{IncidentRow, RepeatPage};
use crate::services::alerts::{self, AlertError};
use crate::services::desk_queries::{DeskAnswer, DeskError, DeskQuery};
use crate::services::live_loop::{Sent, WallState};
use crate::services::simulation::{prepare_demo, run_demo_live};
use crate::services::ui_settings::UiSettings;
use crate::setup::{now_ms, open_store_waiting};
use crate::store::Store;

/// How the window opens.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Full screen, no cursor, pages rotating.
    pub wall: bool,
    /// The monitor the wall fills, counted from 1.
    pub monitor: Option<usize>,
    /// Run the demo city live, first backfilling this much history into an empty database.
    pub demo: Option<chrono::Duration>,
}

struct AppState {
    live: watch::Receiver<Arc<WallState>>,
    store: Store,
    config: Config,
    /// The database's URL: the report archive sits beside the database by default.
    url: String,
}

/// An error as the UI receives it: what went wrong, in words an operator can act on.
#[derive(Debug, serde::Serialize)]
struct UiError {
    code: &'static str,
    message: String,
}

impl From<DeskError> for UiError {
    fn from(e: DeskError) -> Self {
        UiError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// The latest figures and whether they are stale, from the live loop, stamped with the
/// time it is handed over (the UI marks a state whose loop stopped as stale).
#[tauri::command]
fn wall_state(state: tauri::State<'_, AppState>) -> Sent {
    state.live.borrow().sent(now_ms())
}

/// Periods, thresholds, list limits and figure labels the UI draws with.
#[tauri::command]
fn ui_settings(state: tauri::State<'_, AppState>) -> UiSettings {
    crate::services::ui_settings::ui_settings(&state.config)
}

/// The repeat-call page of the last screening.
#[tauri::command]
fn repeat_page(state: tauri::State<'_, AppState>) -> Option<Arc<RepeatPage>> {
    state.live.borrow().repeat()
}

/// One chart's SVG (`hourly.zh-CN`), as last drawn.
#[tauri::command]
fn chart(state: tauri::State<'_, AppState>, key: String) -> Result<String, UiError> {
    let svg = state.live.borrow().chart(&key);
    svg.map(|s| (*s).clone()).ok_or(UiError {
        code: "no_chart",
        message: format!("no chart '{key}' is drawn"),
    })
}

#[tauri::command]
async fn desk_query(
    state: tauri::State<'_, AppState>,
    query: DeskQuery,
) -> Result<DeskAnswer, UiError> {
    Ok(crate::services::desk_queries::query(&state.store, &state.config, &query, now_ms()).await?)
}

#[tauri::command]
async fn zone_incidents(
    state: tauri::State<'_, AppState>,
    zone: String,
    query: DeskQuery,
) -> Result<Vec<IncidentRow>, UiError> {
    Ok(crate::services::desk_queries::zone_incidents(
        &state.store,
        &state.config,
        &zone,
        &query,
        now_ms(),
    )
    .await?)
}

/// Makes a week's report (last week by default) into the archive, opens it with the
/// desktop's viewer, and returns the file's path. A report already in the archive is kept:
/// the new one is written beside it.
#[tauri::command]
async fn weekly_report(
    state: tauri::State<'_, AppState>,
    query: crate::services::report::DeskReport,
) -> Result<String, UiError> {
    let (path, _) = crate::services::report::for_desk(
        &state.store,
        &state.config,
        &state.url,
        &query,
        now_ms(),
    )
    .await
    .map_err(|e| UiError {
        code: e.code(),
        message: e.to_string(),
    })?;
    // The desktop's own viewer; where none answers, the path shown is enough.
    if let Err(e) = std::process::Command::new("xdg-open").arg(&path).spawn() {
        tracing::info!(
            "the report is at {} (no viewer opened: {e})",
            path.display()
        );
    }
    Ok(path.display().to_string())
}

/// A commander, chosen from the configured list in the window, acknowledges an alert.
#[tauri::command]
async fn alert_ack(
    state: tauri::State<'_, AppState>,
    id: u64,
    by: String,
    comment: String,
) -> Result<Event, UiError> {
    let actor = window_actor(&state.config, by, comment)?;
    Ok(alerts::acknowledge(&state.store, id, actor, now_ms()).await?)
}

/// A commander silences an alert for `minutes`.
#[tauri::command]
async fn alert_silence(
    state: tauri::State<'_, AppState>,
    id: u64,
    by: String,
    comment: String,
    minutes: u32,
) -> Result<Event, UiError> {
    let actor = window_actor(&state.config, by, comment)?;
    let now = now_ms();
    if minutes == 0 {
        return Err(UiError {
            code: "bad_query",
            message: "a silence needs minutes > 0".into(),
        });
    }
    let until = now + i64::from(minutes) * 60_000;
    Ok(alerts::silence(&state.store, id, actor, until, now).await?)
}

/// The alert audit between two times (UTC ms), oldest first.
#[tauri::command]
async fn alert_history(
    state: tauri::State<'_, AppState>,
    from: i64,
    to: i64,
) -> Result<Vec<Event>, UiError> {
    let (from, to) = crate::services::desk_queries::audit_span(from, to)?;
    state
        .store
        .alert_events_between(from, to)
        .await
        .map_err(|e| UiError {
            code: e.code(),
            message: e.to_string(),
        })
}

/// The window trusts the desktop's session: the name must be one of the commanders.
fn window_actor(config: &Config, by: String, comment: String) -> Result<Actor, UiError> {
    if !config.alerts.commanders.iter().any(|c| c.name == by) {
        return Err(UiError {
            code: "refused",
            message: format!("'{by}' is not a configured commander"),
        });
    }
    Ok(Actor {
        who: by,
        comment,
        door: "window".into(),
        address: String::new(),
    })
}

impl From<AlertError> for UiError {
    fn from(e: AlertError) -> Self {
        UiError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Switches the window between the desk and the wall (full screen, no cursor).
#[tauri::command]
fn set_wall(window: tauri::WebviewWindow, on: bool) -> Result<(), UiError> {
    let fail = |e: tauri::Error| UiError {
        code: "window",
        message: e.to_string(),
    };
    window.set_fullscreen(on).map_err(fail)?;
    window.set_cursor_visible(!on).map_err(fail)
}

pub fn run(url: String, config: Config, options: Options) -> anyhow::Result<()> {
    let store = tauri::async_runtime::block_on(async {
        let store = open_store_waiting(&url, &config).await?;
        if let Some(backfill) = options.demo {
            prepare_demo(&store, &config, &url, backfill, now_ms()).await?;
        }
        anyhow::Ok(store)
    })?;
    // The live loop runs on Tauri's runtime for as long as the window is open.
    let live = tauri::async_runtime::block_on(async {
        crate::services::report::spawn_schedule(store.clone(), config.clone(), url.clone());
        crate::services::live_loop::spawn(store.clone(), config.clone())
    });
    let notify_from = live.clone();
    let demo_store = store.clone();
    let demo_config = config.clone();
    let wall = options.wall;
    let monitor = options.monitor;
    let demo = options.demo.is_some();
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(AppState {
            live,
            store: store.clone(),
            config: config.clone(),
            url: url.clone(),
        })
        .invoke_handler(tauri::generate_handler![
            wall_state,
            repeat_page,
            chart,
            desk_query,
            zone_incidents,
            set_wall,
            ui_settings,
            alert_ack,
            alert_silence,
            alert_history,
            weekly_report
        ])
        .setup(move |app| {
            let page = if wall {
                "index.html?wall"
            } else {
                "index.html"
            };
            let mut builder = WebviewWindowBuilder::new(app, "main", WebviewUrl::App(page.into()))
                .title("指挥大屏 Command Wall")
                .inner_size(1600.0, 900.0)
                .min_inner_size(960.0, 540.0);
            if wall {
                builder = builder.fullscreen(true).decorations(false);
            }
            let window = builder.build()?;
            if wall {
                // Cover the monitor even where no window manager honours full-screen
                // requests (a bare X server driving a video wall).
                let chosen = match monitor {
                    Some(n) => {
                        let all = window.available_monitors()?;
                        let count = all.len();
                        Some(all.into_iter().nth(n - 1).ok_or_else(|| {
                            anyhow::anyhow!("--monitor {n}: this system lists {count} monitor(s)")
                        })?)
                    }
                    None => window.current_monitor()?.or(window.primary_monitor()?),
                };
                if let Some(monitor) = chosen {
                    window.set_position(*monitor.position())?;
                    window.set_size(*monitor.size())?;
                }
                window.set_cursor_visible(false)?;
            }
            // A commander's desktop is told of orange and red alerts by the system, even
            // with the window behind others; the wall has its banner and chime instead.
            if !wall {
                let app = app.handle().clone();
                tauri::async_runtime::spawn(notify_loud_alerts(app, notify_from));
            }
            if demo {
                let url = demo_store.url();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = run_demo_live(demo_store, demo_config, url, now_ms()).await {
                        tracing::error!("demo simulator stopped: {e:#}");
                    }
                });
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .context("the window could not be started")
}

/// Shows a system notification each time an orange or red alert starts firing or escalates
/// (its chime time changes), once per such moment.
async fn notify_loud_alerts(app: tauri::AppHandle, mut live: watch::Receiver<Arc<WallState>>) {
    use tauri_plugin_notification::NotificationExt;
    let mut told: std::collections::HashSet<(u64, Option<i64>)> = Default::default();
    while live.changed().await.is_ok() {
        let alerts = live.borrow_and_update().alerts.clone();
        for a in alerts.active.iter().filter(|a| a.chime) {
            let moment = (a.alert.id, a.alert.chimed_at);
            if !told.insert(moment) {
                continue;
            }
            let title = format!("{} · {}", level_zh(a.alert.level), a.alert.rule);
            let shown = app
                .notification()
                .builder()
                .title(title)
                .body(&a.alert.detail)
                .show();
            if let Err(e) = shown {
                tracing::warn!("alert #{} not notified on the desktop: {e}", a.alert.id);
            }
        }
        // Forget alerts that are gone, so the set stays as small as the active list.
        told.retain(|(id, _)| alerts.active.iter().any(|a| a.alert.id == *id));
    }
}

fn level_zh(level: Level) -> &'static str {
    match level {
        Level::Blue => "蓝色预警",
        Level::Yellow => "黄色预警",
        Level::Orange => "橙色预警",
        Level::Red => "红色预警",
    }
}

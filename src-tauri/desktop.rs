//! The Tauri shell: a window onto the figures. Commands are thin: they read the store and
//! hand the reading to the core.

use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use tauri::{WebviewUrl, WebviewWindowBuilder};

use crate::app::{caller_keyer, now_ms, open_store};
use crate::cli::{simulate, DesktopArgs, SimulateArgs};
use crate::config::Config;
use crate::core::live::LiveStatus;
use crate::core::time::today_so_far;
use crate::sim::City;
use crate::store::{Store, StoreError};

struct AppState {
    store: Store,
    config: Config,
}

/// The error the UI receives: a stable code and a message for people.
#[derive(Debug, Serialize, PartialEq)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        UiError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Today's live figures for the window.
#[tauri::command]
async fn live_status(state: tauri::State<'_, AppState>) -> Result<LiveStatus, UiError> {
    let now = now_ms();
    let tz = state.config.tz();
    let (from, to) = today_so_far(tz, now);
    let reading = state.store.feed_reading(from, to + 1).await?;
    Ok(LiveStatus::from_reading(
        &state.config.centre.name,
        &state.config.centre.time_zone,
        now,
        reading,
        state.config.live.stale_after_s,
    ))
}

pub fn run(url: String, config: Config, args: DesktopArgs) -> anyhow::Result<()> {
    let store = tauri::async_runtime::block_on(async {
        let store = open_store(&url, &config).await?;
        if args.demo {
            prepare_demo(&store, &config, &url, &args.demo_backfill).await?;
        }
        anyhow::Ok(store)
    })?;
    let demo_store = store.clone();
    let demo_config = config.clone();
    let wall = args.wall;
    let demo = args.demo;
    tauri::Builder::default()
        .manage(AppState { store, config })
        .invoke_handler(tauri::generate_handler![live_status])
        .setup(move |app| {
            let mut builder =
                WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
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
                if let Some(monitor) = window.current_monitor()?.or(window.primary_monitor()?) {
                    window.set_position(*monitor.position())?;
                    window.set_size(*monitor.size())?;
                }
                window.set_cursor_visible(false)?;
            }
            if demo {
                let url = demo_store.url();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = run_demo_live(demo_store, demo_config, url).await {
                        tracing::error!("demo simulator stopped: {e:#}");
                    }
                });
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .context("the window could not be started")
}

/// Fills an empty demo database with recent history so the wall has figures at once.
async fn prepare_demo(store: &Store, config: &Config, url: &str, span: &str) -> anyhow::Result<()> {
    if store.last_received(crate::sim::SOURCE).await?.is_some() {
        return Ok(());
    }
    let keyer = caller_keyer(config, url)?;
    let city = Arc::new(City::new(config, 110, keyer));
    let args = SimulateArgs {
        backfill: Some(span.to_string()),
        live: false,
        speed: "1x".into(),
        seed: 110,
        calls_per_day: None,
        until: None,
    };
    simulate(store, city, &args).await
}

async fn run_demo_live(store: Store, config: Config, url: String) -> anyhow::Result<()> {
    let keyer = caller_keyer(&config, &url)?;
    let city = Arc::new(City::new(&config, 110, keyer));
    let args = SimulateArgs {
        backfill: None,
        live: true,
        speed: "1x".into(),
        seed: 110,
        calls_per_day: None,
        until: None,
    };
    simulate(&store, city, &args).await
}

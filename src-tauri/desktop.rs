//! The Tauri shell: a window onto the figures. Its one command hands the UI the live loop's
//! latest state; nothing here computes.

use std::sync::Arc;

use anyhow::Context;
use tauri::{WebviewUrl, WebviewWindowBuilder};
use tokio::sync::watch;

use crate::app::{caller_keyer, open_store};
use crate::cli::{simulate, DesktopArgs, SimulateArgs};
use crate::config::Config;
use crate::live_service::WallState;
use crate::sim::City;
use crate::store::Store;

struct AppState {
    live: watch::Receiver<Arc<WallState>>,
}

/// The latest figures and whether they are stale, from the live loop.
#[tauri::command]
fn wall_state(state: tauri::State<'_, AppState>) -> WallState {
    (**state.live.borrow()).clone()
}

pub fn run(url: String, config: Config, args: DesktopArgs) -> anyhow::Result<()> {
    let store = tauri::async_runtime::block_on(async {
        let store = open_store(&url, &config).await?;
        if args.demo {
            prepare_demo(&store, &config, &url, &args.demo_backfill).await?;
        }
        anyhow::Ok(store)
    })?;
    // The live loop runs on Tauri's runtime for as long as the window is open.
    let live = tauri::async_runtime::block_on(async {
        crate::live_service::spawn(store.clone(), config.clone())
    });
    let demo_store = store.clone();
    let demo_config = config.clone();
    let wall = args.wall;
    let demo = args.demo;
    tauri::Builder::default()
        .manage(AppState { live })
        .invoke_handler(tauri::generate_handler![wall_state])
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

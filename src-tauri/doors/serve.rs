//! `commandwall serve`: the same UI and live figures for browsers on other wall controllers.
//! Read-only; bound to 127.0.0.1 unless `--bind` says otherwise; every request for figures
//! needs the token (header `Authorization: Bearer …`, or `?token=…` for the event stream,
//! which browsers cannot give headers). The page opened as `/?token=…` passes it on.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;
use tokio_stream::StreamExt;

use crate::config::Config;
use crate::services::desk_queries::{DeskError, DeskQuery};
use crate::services::live_loop::WallState;
use crate::services::ui_settings::{ui_settings, UiSettings};
use crate::setup::now_ms;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. The default serves this machine only; give e.g. 0.0.0.0:8110
    /// to serve the hall's network.
    #[arg(long, default_value = "127.0.0.1:8110")]
    pub bind: SocketAddr,
    /// The token browsers must present. Default: a random one, printed at start.
    #[arg(long, env = "COMMANDWALL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(Clone)]
struct ServeState {
    token: Arc<str>,
    state: watch::Receiver<Arc<WallState>>,
    /// For the desk's questions, answered from the store on demand.
    store: Store,
    config: Arc<Config>,
}

/// The UI, compiled in so the server needs no files beside it: (name, content type,
/// body). `/` is `index.html`; every other file is served under its own name.
pub const UI_FILES: &[(&str, &str, &str)] = &[
    ("index.html", HTML, include_str!("../../ui/index.html")),
    ("style.css", CSS, include_str!("../../ui/style.css")),
    ("app.js", JS, include_str!("../../ui/app.js")),
    ("i18n.js", JS, include_str!("../../ui/i18n.js")),
    ("format.js", JS, include_str!("../../ui/format.js")),
    ("dom.js", JS, include_str!("../../ui/dom.js")),
    ("doors.js", JS, include_str!("../../ui/doors.js")),
    ("tiles.js", JS, include_str!("../../ui/tiles.js")),
    ("charts.js", JS, include_str!("../../ui/charts.js")),
    ("desk.js", JS, include_str!("../../ui/desk.js")),
    (
        "page-overview.js",
        JS,
        include_str!("../../ui/page-overview.js"),
    ),
    (
        "page-response.js",
        JS,
        include_str!("../../ui/page-response.js"),
    ),
    (
        "page-diversion.js",
        JS,
        include_str!("../../ui/page-diversion.js"),
    ),
    (
        "page-repeat.js",
        JS,
        include_str!("../../ui/page-repeat.js"),
    ),
    ("page-seats.js", JS, include_str!("../../ui/page-seats.js")),
];

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The router: the page, its script and style, the state as JSON and as an event stream.
pub fn router(
    token: &str,
    state: watch::Receiver<Arc<WallState>>,
    store: Store,
    config: Config,
) -> Router {
    let served = ServeState {
        token: token.into(),
        state,
        store,
        config: Arc::new(config),
    };
    // The figures need the token; the page, script and style hold none and load without it
    // (a browser does not pass the page's ?token= on to them).
    let api = Router::new()
        .route("/api/state", get(current))
        .route("/api/settings", get(settings))
        .route("/api/events", get(events))
        .route("/api/snapshot", get(snapshot))
        .route("/api/repeat", get(repeat))
        .route("/api/charts/{key}", get(chart))
        .route("/api/desk", get(desk_query))
        .route("/api/zones/{zone}/incidents", get(zone_incidents))
        .layer(middleware::from_fn_with_state(
            served.clone(),
            require_token,
        ))
        .with_state(served);
    Router::new()
        .route(
            "/",
            get(|| async { ui_file(Path("index.html".into())).await }),
        )
        .route("/{file}", get(ui_file))
        .merge(api)
        .layer(middleware::from_fn(security_headers))
}

async fn ui_file(Path(name): Path<String>) -> Response {
    match UI_FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => ([(header::CONTENT_TYPE, *kind)], *body).into_response(),
        None => (StatusCode::NOT_FOUND, "no such file\n").into_response(),
    }
}

async fn settings(State(served): State<ServeState>) -> Json<UiSettings> {
    Json(ui_settings(&served.config))
}

async fn current(State(served): State<ServeState>) -> Json<Arc<WallState>> {
    Json(served.state.borrow().clone())
}

async fn events(
    State(served): State<ServeState>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let stream = WatchStream::new(served.state).map(|s| {
        Ok(Event::default()
            .event("state")
            .data(serde_json::to_string(&*s).unwrap_or_else(|_| "{}".into())))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Every live window × zone of the last good snapshot (`null` before the first).
async fn snapshot(State(served): State<ServeState>) -> Response {
    let snap = served.state.borrow().snapshot.clone();
    Json(snap).into_response()
}

/// The repeat-call page of the last screening (`null` before the first).
async fn repeat(State(served): State<ServeState>) -> Response {
    let page = served.state.borrow().repeat();
    Json(page).into_response()
}

/// One chart's SVG (`hourly.zh-CN`), as last drawn.
async fn chart(State(served): State<ServeState>, Path(key): Path<String>) -> Response {
    let svg = served.state.borrow().chart(&key);
    match svg {
        Some(svg) => (
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            (*svg).clone(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            format!("no chart '{key}' is drawn\n"),
        )
            .into_response(),
    }
}

fn desk_error(e: DeskError) -> Response {
    let status = match e {
        DeskError::Query(_) => StatusCode::BAD_REQUEST,
        DeskError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    (
        status,
        Json(serde_json::json!({ "code": e.code(), "message": e.to_string() })),
    )
        .into_response()
}

async fn desk_query(State(served): State<ServeState>, Query(q): Query<DeskQuery>) -> Response {
    match crate::services::desk_queries::query(&served.store, &served.config, &q, now_ms()).await {
        Ok(a) => Json(a).into_response(),
        Err(e) => desk_error(e),
    }
}

async fn zone_incidents(
    State(served): State<ServeState>,
    Path(zone): Path<String>,
    Query(q): Query<DeskQuery>,
) -> Response {
    match crate::services::desk_queries::zone_incidents(
        &served.store,
        &served.config,
        &zone,
        &q,
        now_ms(),
    )
    .await
    {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => desk_error(e),
    }
}

/// The token from the Authorization header or the `token` query parameter.
fn presented(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get(header::AUTHORIZATION) {
        return v
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
    }
    req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "token")
            .map(|(_, v)| v.to_string())
    })
}

async fn require_token(State(served): State<ServeState>, req: Request, next: Next) -> Response {
    let ok =
        presented(&req).is_some_and(|t| bool::from(t.as_bytes().ct_eq(served.token.as_bytes())));
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a valid token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)\n",
        )
            .into_response();
    }
    next.run(req).await
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A random token: 32 hex digits.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

pub async fn run(
    url: &str,
    config: &crate::config::Config,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    let store = crate::store::Store::open(url, crate::store::OpenMode::Existing).await?;
    let token = args.token.clone().unwrap_or_else(new_token);
    anyhow::ensure!(
        token.len() >= 16,
        "the token must be at least 16 characters (it is the only lock on the figures)"
    );
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.bind))?;
    let state = crate::services::live_loop::spawn(store.clone(), config.clone());
    let addr = listener.local_addr()?;
    println!("serving the wall on http://{addr}/?token={token}");
    if !addr.ip().is_loopback() {
        eprintln!("note: {addr} is reachable from other machines; share the token only with wall controllers");
    }
    axum::serve(listener, router(&token, state, store, config.clone()))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_ui_is_served() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut served: Vec<String> = UI_FILES.iter().map(|(n, _, _)| n.to_string()).collect();
        served.sort();
        assert_eq!(served, on_disk, "ui/ and UI_FILES must list the same files");
    }
}

//! `commandwall serve`: the same UI and live figures for browsers on other wall controllers.
//! Read-only; bound to 127.0.0.1 unless `--bind` says otherwise; every request for figures
//! needs the token (header `Authorization: Bearer …`, or `?token=…` for the event stream,
//! which browsers cannot give headers). The page opened as `/?token=…` passes it on.
//! Connections are guarded (timeouts, a limit) by `connections`.

pub mod connections;
pub mod questions;

use std::net::SocketAddr;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;
use tokio_stream::StreamExt;

use crate::config::Config;
use crate::core::alerts::lifecycle::{ActionError, Actor, Event as AlertEvent};
use crate::services::alerts::{self, AlertError};
use crate::services::desk_queries::{DeskError, DeskQuery};
use crate::services::live_loop::{Sent, WallState};
use crate::services::ui_settings::{ui_settings, UiSettings};
use crate::setup::now_ms;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. The default serves this machine only; give e.g. 0.0.0.0:8110
    /// to serve the hall's network.
    #[arg(long, default_value = "127.0.0.1:8110")]
    pub bind: SocketAddr,
    /// The token browsers must present. Prefer --token-file or the environment variable: a
    /// token given here shows in `ps` to every user of the machine. Default: a random one,
    /// printed at start.
    #[arg(long, env = "COMMANDWALL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A file holding the token (readable by its owner only: mode 0600 or stricter).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
}

/// Characters a token may hold: they travel unchanged in a header and in `?token=`.
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// Whether `token` may lock the figures: not blank, at least 16 characters of the few a
/// URL carries unchanged, and not one or two characters repeated.
pub fn check_token(token: &str) -> Result<(), String> {
    const HOW: &str = "make one with `openssl rand -hex 16`";
    if token.trim().is_empty() {
        return Err(format!("the token is blank; {HOW}"));
    }
    if let Some(c) = token.chars().find(|c| !token_char(*c)) {
        return Err(format!(
            "the token holds {c:?}; use only letters, digits and - . _ ~ (it travels in a URL); {HOW}"
        ));
    }
    let n = token.chars().count();
    if n < 16 {
        return Err(format!(
            "the token is {n} characters long; it is the only lock on the figures, use at least 16; {HOW}"
        ));
    }
    let mut distinct: Vec<char> = token.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(format!(
            "the token repeats {} character(s) and is guessed at once; {HOW}",
            distinct.len()
        ));
    }
    Ok(())
}

/// The token from a file only its owner may read (its content, without surrounding space).
pub fn read_token_file(path: &FsPath) -> anyhow::Result<String> {
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("cannot read the token file {shown}: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        anyhow::ensure!(
            mode & 0o077 == 0,
            "the token file {shown} can be read by other users (mode {mode:04o}); \
             it must be 0600 or stricter: run `chmod 600 {shown}`"
        );
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read the token file {shown}: {e}"))?;
    Ok(text.trim().to_string())
}

/// Where the token came from, which decides whether `serve` may print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Made at start: printed once, or nobody could open the wall.
    Generated,
    /// From a file or the environment, kept there so that `ps` and logs do not show it:
    /// printing it would undo that.
    Given,
}

/// What `serve` says when it starts: where it serves, and the token only if it made it.
pub fn announce(addr: std::net::SocketAddr, token: &str, origin: TokenOrigin) -> String {
    match origin {
        TokenOrigin::Generated => format!("serving the wall on http://{addr}/?token={token}"),
        TokenOrigin::Given => format!(
            "serving the wall on http://{addr}/ (open it with ?token= and the token you gave)"
        ),
    }
}

/// The token `serve` is started with: from --token-file, or --token / COMMANDWALL_TOKEN,
/// or a random one; refused when weak.
pub fn token(args: &ServeArgs) -> anyhow::Result<(String, TokenOrigin)> {
    let token = match (&args.token_file, &args.token) {
        (Some(_), Some(_)) => anyhow::bail!(
            "give the token once: --token-file, or COMMANDWALL_TOKEN (or --token), not both"
        ),
        (Some(path), None) => {
            let t = read_token_file(path)?;
            check_token(&t).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            (t, TokenOrigin::Given)
        }
        (None, Some(t)) => {
            check_token(t).map_err(anyhow::Error::msg)?;
            (t.clone(), TokenOrigin::Given)
        }
        (None, None) => (new_token(), TokenOrigin::Generated),
    };
    Ok(token)
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
    ("alerts.js", JS, include_str!("../../ui/alerts.js")),
    ("chime.js", JS, include_str!("../../ui/chime.js")),
    (
        "page-alerts.js",
        JS,
        include_str!("../../ui/page-alerts.js"),
    ),
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
        .route("/api/alerts", get(alerts))
        .route("/api/alerts/history", get(alert_history))
        .route("/api/report", get(weekly_report))
        .layer(middleware::from_fn_with_state(
            served.clone(),
            require_token,
        ))
        .with_state(served.clone());
    // The one write: a commander acknowledges or silences an alert with their own token.
    let writes = Router::new()
        .route("/api/alerts/{id}/ack", post(alert_ack))
        .route("/api/alerts/{id}/silence", post(alert_silence))
        .layer(middleware::from_fn_with_state(
            served.clone(),
            require_commander,
        ))
        .with_state(served);
    Router::new()
        .route(
            "/",
            get(|| async { ui_file(Path("index.html".into())).await }),
        )
        .route("/{file}", get(ui_file))
        .merge(api)
        .merge(writes)
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

async fn current(State(served): State<ServeState>) -> Json<Sent> {
    Json(served.state.borrow().sent(now_ms()))
}

async fn events(
    State(served): State<ServeState>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let stream = WatchStream::new(served.state).map(|s| {
        Ok(Event::default()
            .event("state")
            .data(serde_json::to_string(&s.sent(now_ms())).unwrap_or_else(|_| "{}".into())))
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

/// A desk question from the query string (`questions::desk`).
struct Asked(DeskQuery);

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        questions::desk(&parts.uri).map(Asked).map_err(desk_error)
    }
}

async fn desk_query(State(served): State<ServeState>, Asked(q): Asked) -> Response {
    match crate::services::desk_queries::query(&served.store, &served.config, &q, now_ms()).await {
        Ok(a) => Json(a).into_response(),
        Err(e) => desk_error(e),
    }
}

/// The weekly report as a download: `?week=2026-W47&format=pdf|xlsx|csv&lang=zh|en`,
/// last week in PDF by default. Made on demand, in memory: the server writes no file.
async fn weekly_report(State(served): State<ServeState>, uri: Uri) -> Response {
    use crate::services::report::{make, ReportError};
    let now = now_ms();
    let made = match questions::report(&uri, &served.config, now) {
        Ok(r) => make(&served.store, &served.config, &r, now).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(made) => {
            let Some((format, bytes)) = made.files.into_iter().next() else {
                return StatusCode::NO_CONTENT.into_response();
            };
            let name = crate::report::schedule::file_name(&made.label, format);
            (
                [
                    (header::CONTENT_TYPE, format.mime().to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            let status = match e {
                ReportError::Query(_) => StatusCode::BAD_REQUEST,
                ReportError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            tracing::warn!("the desk's report could not be made: {e}");
            (
                status,
                Json(serde_json::json!({ "code": e.code(), "message": e.to_string() })),
            )
                .into_response()
        }
    }
}

async fn zone_incidents(
    State(served): State<ServeState>,
    Path(zone): Path<String>,
    Asked(q): Asked,
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
        // `Bearer` is a scheme name, and scheme names are case-insensitive (RFC 9110 11.1).
        return v
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim_start_matches(' ').to_string());
    }
    questions::token(req.uri()).map(str::to_string)
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

/// The commander a write is made by, from their own token.
#[derive(Clone)]
struct Commander(String);

/// Writes need a commander's token; the wall's token only reads (403), anything else 401.
async fn require_commander(
    State(served): State<ServeState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(t) = presented(&req) else {
        return refused(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "a commander's token is required",
        );
    };
    let same = |a: &str| bool::from(t.as_bytes().ct_eq(a.as_bytes()));
    if same(&served.token) {
        return refused(
            StatusCode::FORBIDDEN,
            "read_only",
            "the wall's token can only read; acknowledge with a commander's own token",
        );
    }
    let who = served
        .config
        .alerts
        .commanders
        .iter()
        .find(|c| !c.token.0.is_empty() && same(&c.token.0));
    match who {
        Some(c) => {
            req.extensions_mut().insert(Commander(c.name.clone()));
            next.run(req).await
        }
        None => refused(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "no commander has this token",
        ),
    }
}

fn refused(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "code": code, "message": message })),
    )
        .into_response()
}

async fn alerts(State(served): State<ServeState>) -> Response {
    let view = served.state.borrow().alerts.clone();
    Json(view).into_response()
}

async fn alert_history(State(served): State<ServeState>, uri: Uri) -> Response {
    let (from, to) = match questions::history(&uri) {
        Ok(span) => span,
        Err(e) => return desk_error(e),
    };
    match served.store.alert_events_between(from, to).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => refused(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct Action {
    #[serde(default)]
    comment: String,
    /// For a silence: how long.
    minutes: Option<u32>,
}

fn actor(who: String, comment: String, from: Option<Extension<ConnectInfo<SocketAddr>>>) -> Actor {
    Actor {
        who,
        comment,
        door: "http".into(),
        address: from.map(|c| c.0 .0.ip().to_string()).unwrap_or_default(),
    }
}

fn action_result(r: Result<AlertEvent, AlertError>) -> Response {
    match r {
        Ok(e) => Json(e).into_response(),
        Err(e) => {
            let status = match &e {
                AlertError::Refused(ActionError::NoSuchAlert(_)) => StatusCode::NOT_FOUND,
                AlertError::Refused(_) => StatusCode::CONFLICT,
                AlertError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            refused(status, e.code(), &e.to_string())
        }
    }
}

async fn alert_ack(
    State(served): State<ServeState>,
    Path(id): Path<u64>,
    Extension(Commander(who)): Extension<Commander>,
    from: Option<Extension<ConnectInfo<SocketAddr>>>,
    Json(a): Json<Action>,
) -> Response {
    let actor = actor(who, a.comment, from);
    action_result(alerts::acknowledge(&served.store, id, actor, now_ms()).await)
}

async fn alert_silence(
    State(served): State<ServeState>,
    Path(id): Path<u64>,
    Extension(Commander(who)): Extension<Commander>,
    from: Option<Extension<ConnectInfo<SocketAddr>>>,
    Json(a): Json<Action>,
) -> Response {
    let now = now_ms();
    let Some(minutes) = a.minutes.filter(|m| *m > 0) else {
        return refused(
            StatusCode::BAD_REQUEST,
            "bad_query",
            "a silence needs minutes > 0",
        );
    };
    let until = now + i64::from(minutes) * 60_000;
    let actor = actor(who, a.comment, from);
    action_result(alerts::silence(&served.store, id, actor, until, now).await)
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
    let (token, origin) = token(args)?;
    let store = crate::setup::open_waiting(url, crate::store::OpenMode::Existing).await?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.bind))?;
    let state = crate::services::live_loop::spawn(store.clone(), config.clone());
    crate::services::report::spawn_schedule(store.clone(), config.clone(), url.to_string());
    let addr = listener.local_addr()?;
    println!("{}", announce(addr, &token, origin));
    if !addr.ip().is_loopback() {
        eprintln!("note: {addr} is reachable from other machines; share the token only with wall controllers");
    }
    let app = router(&token, state, store, config.clone());
    connections::serve(listener, app, (&config.serve).into(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_tokens_are_refused_with_the_reason() {
        for (token, says) in [
            ("", "blank"),
            ("                ", "blank"),
            ("\t\n", "blank"),
            ("short-token", "11 characters long"),
            ("aaaaaaaaaaaaaaaaaaaaaaaa", "repeats 1 character"),
            ("abababababababababab", "repeats 2 character"),
            ("a token with spaces in it", "' '"),
            ("0123456789abcdef&x=1", "'&'"),
        ] {
            let err = check_token(token).unwrap_err();
            assert!(err.contains(says), "{token:?}: {err}");
        }
        for token in [new_token().as_str(), "test-token-0123456789abcdef"] {
            assert_eq!(check_token(token), Ok(()), "{token}");
        }
    }

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

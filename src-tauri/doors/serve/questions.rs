//! The served door's query strings, read and checked before any store is asked: the
//! handlers call these with the URI as hyper parsed it, and so does the fuzzer (`fuzz/`).
//! A question that cannot be read is a `bad_query` naming what is accepted, like any other
//! bad question, never axum's plain-text rejection.

use axum::extract::Query;
use axum::http::Uri;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::core::model::Millis;
use crate::services::desk_queries::{audit_span, DeskError, DeskQuery};
use crate::services::report::{DeskReport, ReportError, Request};

/// The query string as axum's `Query` reads it, or why it cannot be read and `how` to ask.
fn read<T: DeserializeOwned>(uri: &Uri, how: &str) -> Result<T, String> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|e| format!("the question cannot be read ({}); {how}", e.body_text()))
}

/// A desk question (`/api/desk`, a zone's drill-down), not yet checked: the desk's own
/// functions check it, for every door alike.
pub fn desk(uri: &Uri) -> Result<DeskQuery, DeskError> {
    read(uri, "ask with period, from and to, zone, category, channel").map_err(DeskError::Query)
}

#[derive(serde::Deserialize)]
struct HistoryQuery {
    from: Millis,
    to: Millis,
}

/// The span of the alert history asked for (`/api/alerts/history?from=…&to=…`, UTC ms).
pub fn history(uri: &Uri) -> Result<(Millis, Millis), DeskError> {
    let q: HistoryQuery = Query::try_from_uri(uri).map(|Query(q)| q).map_err(|e| {
        DeskError::Query(format!(
            "from and to are times in UTC milliseconds, e.g. ?from=1795478400000&to=1795564800000 ({})",
            e.body_text()
        ))
    })?;
    audit_span(q.from, q.to)
}

/// The weekly report asked for (`/api/report?week=2026-W47&format=pdf&lang=zh`).
pub fn report(uri: &Uri, config: &Config, now: Millis) -> Result<Request, ReportError> {
    let asked: DeskReport = read(uri, "ask with week, format, lang").map_err(ReportError::Query)?;
    asked.request(config, now)
}

/// The token given as `?token=…` (the event stream's way: browsers give it no header).
pub fn token(uri: &Uri) -> Option<&str> {
    uri.query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

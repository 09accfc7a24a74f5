//! The commander's desk: figures for a chosen window and cut, and a zone's incidents. Both
//! doors (Tauri commands and `serve`) call these with the same arguments.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::kpi::evaluate::Evaluated;
use crate::core::kpi::filter::Filter;
use crate::core::kpi::window::{calendar, parse_period, range, so_far, Calendar, Span, Window};
use crate::core::model::{Channel, Millis};
use crate::core::time::{day_bounds, parse_date};
use crate::core::wall::pages::{tiles, IncidentRow, Tile, OVERVIEW};
use crate::store::{Store, StoreError};

/// What the desk asks. Part of the wire format (query string or Tauri arguments).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeskQuery {
    /// `day`, `week`, `month` or `year` so far; or a calendar period (`2026-W47`).
    pub period: Option<String>,
    /// A local date range, both days included.
    pub from: Option<String>,
    pub to: Option<String>,
    pub zone: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeskAnswer {
    pub tiles: Vec<Tile>,
    pub figures: Evaluated,
}

/// A desk request the centre cannot answer, with what was wrong in it.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0}")]
    Query(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DeskError {
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::Query(_) => "bad_query",
            DeskError::Store(e) => e.code(),
        }
    }
}

fn date(name: &str, text: &str) -> Result<NaiveDate, DeskError> {
    match parse_date(text) {
        Some(Ok(d)) => Ok(d),
        Some(Err(e)) => Err(DeskError::Query(format!("{name} '{text}': {e}"))),
        None => Err(DeskError::Query(format!(
            "{name} '{text}' is not a date (YYYY-MM-DD)"
        ))),
    }
}

/// Checks the codes a cut names against what the centre knows: zones from its
/// configuration, categories from the taxonomy (`core::categories`), channels from the
/// records' vocabulary. An unknown code would cut every record away and answer zeros that
/// look like figures; the message names the codes that are known. Every door's cut goes
/// through here (the desk over HTTP and in the window, `commandwall kpi`).
pub fn check_cut(config: &Config, filter: &Filter) -> Result<(), String> {
    fn known(
        (what, whats): (&str, &str),
        code: Option<&str>,
        all: Vec<&str>,
    ) -> Result<(), String> {
        match code {
            Some(c) if !all.contains(&c) => Err(format!(
                "{what} '{c}' is not known; the {whats} are: {}",
                all.join(", ")
            )),
            _ => Ok(()),
        }
    }
    known(
        ("zone", "zones"),
        filter.zone.as_deref(),
        config.zones.iter().map(|z| z.code.as_str()).collect(),
    )?;
    known(
        ("category", "categories"),
        filter.category.as_deref(),
        crate::core::categories::all().map(|c| c.code).collect(),
    )?;
    known(
        ("channel", "channels"),
        filter.channel.as_deref(),
        Channel::ALL.iter().map(|c| c.code()).collect(),
    )
}

/// The window a query names; today so far when it names none.
pub fn window(tz: Tz, q: &DeskQuery, now: Millis) -> Result<Window, DeskError> {
    match (q.period.as_deref(), q.from.as_deref(), q.to.as_deref()) {
        (_, Some(f), Some(t)) => {
            let (from, to) = (date("from", f)?, date("to", t)?);
            if from > to {
                return Err(DeskError::Query(format!(
                    "from ({f}) is after to ({t}): the window would be empty"
                )));
            }
            Ok(range(tz, day_bounds(tz, from).0, day_bounds(tz, to).1))
        }
        (None | Some("day"), None, None) => Ok(so_far(tz, Calendar::Day, now)),
        (Some("week"), None, None) => Ok(so_far(tz, Calendar::Week, now)),
        (Some("month"), None, None) => Ok(so_far(tz, Calendar::Month, now)),
        (Some("year"), None, None) => Ok(so_far(tz, Calendar::Year, now)),
        (Some(p), None, None) => {
            let (kind, period) = parse_period(p).map_err(DeskError::Query)?;
            Ok(calendar(tz, kind, period))
        }
        _ => Err(DeskError::Query(
            "give both from and to, or neither".to_string(),
        )),
    }
}

/// The window and cut a desk question names, checked: everything `query` does before it
/// reads the store (pure, so the fuzzer in `fuzz/` asks it directly).
pub fn read_question(
    config: &Config,
    q: &DeskQuery,
    now: Millis,
) -> Result<(Window, Filter), DeskError> {
    let w = window(config.tz(), q, now)?;
    let clean = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let filter = Filter {
        zone: clean(&q.zone),
        category: clean(&q.category),
        channel: clean(&q.channel),
        ..Filter::default()
    };
    check_cut(config, &filter).map_err(DeskError::Query)?;
    Ok((w, filter))
}

/// One desk question at a time. The store reads off the async workers, so a long question
/// no longer stalls the runtime (four at once used to freeze both workers for 14 s), but
/// each read holds one of the store's four pooled connections and a core. Measured on 19 M
/// rows: four month-long questions at once made the live loop's tick wait up to 0.5–2 s
/// for a connection (under 5 ms when they take turns), and all four took about as long.
static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Figures of the asked window and cut, with the overview's tiles graded.
pub async fn query(
    store: &Store,
    config: &Config,
    q: &DeskQuery,
    now: Millis,
) -> Result<DeskAnswer, DeskError> {
    let (w, filter) = read_question(config, q, now)?;
    let _turn = ONE_AT_A_TIME.acquire().await.expect("never closed");
    let zones = crate::services::figures::zones(config);
    let figures = crate::services::figures::evaluate(store, &zones, w, &filter, now).await?;
    Ok(DeskAnswer {
        tiles: tiles(
            &OVERVIEW,
            &figures.compared,
            &crate::services::wall_lists::goals(config),
        ),
        figures,
    })
}

/// The span of the alert audit a door asks for (`from`, `to` in UTC ms), checked.
pub fn audit_span(from: Millis, to: Millis) -> Result<(Millis, Millis), DeskError> {
    if from > to {
        return Err(DeskError::Query(format!(
            "from ({from}) is after to ({to}): the span would be empty"
        )));
    }
    Ok((from, to))
}

/// How many incidents a drill-down lists.
const DRILL_LIMIT: u32 = 500;

/// The window of a zone's drill-down, the zone checked: what `zone_incidents` does before
/// it reads the store.
pub fn read_zone_question(
    config: &Config,
    zone: &str,
    q: &DeskQuery,
    now: Millis,
) -> Result<Window, DeskError> {
    if !config.zones.iter().any(|z| z.code == zone) {
        let known: Vec<&str> = config.zones.iter().map(|z| z.code.as_str()).collect();
        return Err(DeskError::Query(format!(
            "'{zone}' is not one of the centre's zones ({})",
            known.join(", ")
        )));
    }
    window(config.tz(), q, now)
}

/// A zone's incidents in the asked window (today when none), newest first.
pub async fn zone_incidents(
    store: &Store,
    config: &Config,
    zone: &str,
    q: &DeskQuery,
    now: Millis,
) -> Result<Vec<IncidentRow>, DeskError> {
    let w = read_zone_question(config, zone, q, now)?;
    let _turn = ONE_AT_A_TIME.acquire().await.expect("never closed");
    let span = Span {
        from: w.now.from,
        to: w.now.to,
    };
    Ok(crate::services::wall_lists::zone_incidents(store, config, zone, span, DRILL_LIMIT).await?)
}

//! The wall's pages: reads the lists the pages show beside the figures (hourly
//! volumes, seats, categories, units, overdue orders, a zone's incidents), and assembles
//! `core::wall::Pages` from them and the live snapshot. The pages' only door to the store.

use std::sync::Arc;

use chrono::{NaiveDate, Timelike};
use chrono_tz::Tz;

use crate::config::Config;
use crate::core::kpi::breakdown::Breakdown;
use crate::core::kpi::engine::Snapshot;
use crate::core::kpi::facts::Zones;
use crate::core::kpi::report::Report;
use crate::core::kpi::vocabulary::{Figure, Interval};
use crate::core::kpi::window::Span;
use crate::core::model::{Millis, OverdueOrder};
use crate::core::time::{day_bounds, local_date, today_so_far};
use crate::core::wall::goals::Goal;
use crate::core::wall::hourly::{compared_days, per_hour, Hourly};
use crate::core::wall::pages::{self, IncidentRow, Named, RepeatPage, ZoneInfo};
use crate::core::wall::Pages;
use crate::store::{GroupBy, IncidentRecord, Store, StoreError, Tables};

/// How many overdue orders the diversion page lists.
pub const OVERDUE_LISTED: u32 = 50;
/// Incidents held open longer than this no longer count a unit as busy (a record never
/// closed by the source).
const BUSY_HORIZON_MS: Millis = 24 * 3_600_000;

/// The centre's targets as goals on the figures that carry them.
pub fn goals(config: &Config) -> Vec<Goal> {
    let t = &config.targets;
    let mut targets = vec![
        (Figure::AnsweredWithin10s, t.answer_10s_share),
        (Figure::AnsweredWithin15s, t.answer_15s_share),
        (Figure::AnsweredWithin20s, t.answer_20s_share),
        (Figure::Avg(Interval::SignFor), t.sign_for_s),
        (Figure::SignedForWithin30s, 0.9),
        (Figure::CircleRate, t.circle_share),
        (Figure::WorkOrderResponseRate, t.work_order_response),
        (Figure::Satisfaction, t.satisfaction),
        (Figure::WorkOrdersOverdue, 0.0),
    ];
    // The figure is "processed within 60 s"; a centre that sets another limit has no
    // figure to grade against it yet.
    if t.processing_s == 60.0 {
        targets.push((Figure::ProcessingWithin60s, t.processing_share));
    }
    targets
        .into_iter()
        .filter_map(|(figure, target)| Goal::new(figure, target))
        .collect()
}

pub fn zone_infos(config: &Config) -> Vec<ZoneInfo> {
    config
        .zones
        .iter()
        .map(|z| ZoneInfo {
            code: z.code.clone(),
            name: z.name.clone(),
            circle_minutes: z.circle_minutes,
        })
        .collect()
}

/// The lists read from the store for one refresh of the pages.
#[derive(Debug, Clone, Default)]
pub struct PageInputs {
    pub hourly: Option<Hourly>,
    pub by_seat: Vec<(String, Report)>,
    pub by_category: Vec<(String, Report)>,
    pub open_units: Vec<(String, Millis)>,
    pub overdue: Vec<OverdueOrder>,
    pub overdue_open: u64,
}

/// Hour counts of finished days do not change: kept per day.
#[derive(Debug, Default)]
pub struct HourlyCache {
    bases: Option<(NaiveDate, [u32; 24], [u32; 24])>,
}

async fn hours_of(store: &Store, tz: Tz, day: NaiveDate) -> Result<[u32; 24], StoreError> {
    let times = store.received_times(day_bounds(tz, day)).await?;
    Ok(per_hour(tz, day, &times))
}

async fn grouped(
    store: &Store,
    zones: &Zones,
    span: Span,
    by: GroupBy,
    now: Millis,
) -> Result<Vec<(String, Report)>, StoreError> {
    let mut b = Breakdown::new(span, now);
    store
        .facts_grouped(
            zones,
            (span.from, span.to),
            by,
            Tables::WithField,
            &mut |label, f| b.add(label, &f),
        )
        .await?;
    Ok(b.finish())
}

pub async fn read_inputs(
    store: &Store,
    config: &Config,
    zones: &Zones,
    cache: &mut HourlyCache,
    now: Millis,
) -> Result<PageInputs, StoreError> {
    let tz = config.tz();
    let today = local_date(tz, now);
    let [_, week_ago, year_ago] = compared_days(today);
    let (last_week, last_year) = match cache.bases {
        Some((d, w, y)) if d == today => (w, y),
        _ => {
            let w = hours_of(store, tz, week_ago).await?;
            let y = hours_of(store, tz, year_ago).await?;
            cache.bases = Some((today, w, y));
            (w, y)
        }
    };
    let (from, to) = today_so_far(tz, now);
    let times = store.received_times((from, to)).await?;
    let hours = per_hour(tz, today, &times);
    let begun = crate::core::time::local_datetime(tz, now).hour() as usize + 1;
    let span = Span { from, to };
    Ok(PageInputs {
        hourly: Some(Hourly {
            today: hours[..begun.min(24)].to_vec(),
            last_week,
            last_year,
            days: [today, week_ago, year_ago],
        }),
        by_seat: grouped(store, zones, span, GroupBy::Seat, now).await?,
        by_category: grouped(store, zones, span, GroupBy::Category, now).await?,
        open_units: store.open_by_unit(now - BUSY_HORIZON_MS).await?,
        overdue: store.overdue_orders(now, OVERDUE_LISTED).await?,
        overdue_open: store.overdue_count(now).await?,
    })
}

/// The five pages from the live snapshot, the lists, and the last repeat screening.
pub fn assemble(
    snapshot: &Snapshot,
    inputs: &PageInputs,
    repeat: Option<Arc<RepeatPage>>,
    config: &Config,
) -> Pages {
    let goals = goals(config);
    let named = |code: &str, name: &str, zone: &str| Named {
        code: code.into(),
        name: name.into(),
        zone: zone.into(),
    };
    let seats: Vec<Named> = config
        .seats
        .iter()
        .map(|s| named(&s.code, &s.name, ""))
        .collect();
    let units: Vec<Named> = config
        .units
        .iter()
        .map(|u| named(&u.code, &u.name, &u.zone))
        .collect();
    Pages {
        overview: pages::overview(snapshot, &goals, inputs.hourly.clone()),
        response: pages::response(snapshot, &zone_infos(config), &goals),
        diversion: pages::diversion(
            snapshot,
            &goals,
            (inputs.overdue_open, inputs.overdue.clone()),
            &inputs.by_category,
        ),
        repeat_screened_at: repeat.as_ref().map(|r| r.screened_at),
        repeat,
        names: crate::core::wall::names(&zone_infos(config)),
        seats: pages::seats(&inputs.by_seat, &seats, &units, &inputs.open_units, &goals),
    }
}

/// Repeat-call screening as the repeat page shows it.
pub async fn repeat_page(
    store: &Store,
    config: &Config,
    now: Millis,
) -> Result<RepeatPage, StoreError> {
    let g = crate::services::figures::governance(store, config, now).await?;
    Ok(pages::repeat(&g, now))
}

/// Drill-down: a zone's incidents in `span`, with their intervals, newest first.
pub async fn zone_incidents(
    store: &Store,
    config: &Config,
    zone: &str,
    span: Span,
    limit: u32,
) -> Result<Vec<IncidentRow>, StoreError> {
    let circle = config
        .zones
        .iter()
        .find(|z| z.code == zone)
        .map(|z| z.circle_minutes);
    Ok(store
        .zone_incidents(zone, (span.from, span.to), limit)
        .await?
        .into_iter()
        .map(|r| incident_row(r, circle))
        .collect())
}

/// A drill-down row: the stored incident, with its intervals by the figures' definitions.
fn incident_row(r: IncidentRecord, circle_minutes: Option<u32>) -> IncidentRow {
    IncidentRow {
        source_id: r.source_id,
        category: r.category,
        priority: r.priority,
        unit: r.unit,
        created: r.created,
        dispatched: r.dispatched,
        signed_for: r.signed_for,
        arrived: r.arrived,
        closed: r.closed,
        sign_for_s: None,
        arrival_s: None,
        within_circle: None,
    }
    .with_intervals(circle_minutes)
}

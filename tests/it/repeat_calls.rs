//! Repeat-call governance on a simulated city: the store's prefilter plus the core's rules
//! against plain loops over every stored call.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use commandwall::config::Config;
use commandwall::core::kpi::window::Span;
use commandwall::core::repeat::{screen, Periods, Scope};
use commandwall::services::figures::{governance, thresholds};
use commandwall::sim::run::backfill;
use commandwall::sim::City;
use sqlx::Connection;

use crate::helpers::{keyer, TestDb};

type Row = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    Option<i64>,
);

/// (who, category) → (this week, this month, this year, as shown).
type Tally = BTreeMap<(String, Option<String>), (u32, u32, u32, String)>;

#[tokio::test]
async fn flagged_callers_places_and_events_match_plain_loops() {
    let db = TestDb::new().await;
    let mut config = Config::load(None, []).unwrap();
    config.simulator.calls_per_day = 3_000;
    let city = Arc::new(City::new(&config, 21, keyer()));
    let tz = city.tz;
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let now = commandwall::core::time::local_to_utc(tz, d(11, 24).and_hms_opt(18, 0, 0).unwrap());
    backfill(&db.store, city, d(10, 1), d(11, 24), now, |_, _| {})
        .await
        .unwrap();

    let g = governance(&db.store, &config, now).await.unwrap();

    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT received_ms, caller_key, caller_masked, address, category, outcome, invalid_reason,
                incident_id, duplicate, answered_ms FROM calls",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    const DAY: i64 = 86_400_000;
    let within = |t: i64, days: i64| t >= now - days * DAY && t < now;
    // (who, category) → (week, month, year)
    let mut callers: Tally = BTreeMap::new();
    let mut places: Tally = BTreeMap::new();
    let mut events: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (t, key, masked, address, category, outcome, reason, incident, duplicate, answered) in rows
    {
        if answered.is_none() || !within(t, 365) {
            continue;
        }
        if within(t, 7) {
            if let (Some(i), Some(k)) = (&incident, &key) {
                events.entry(i.clone()).or_default().insert(k.clone());
            }
        }
        let counts = !duplicate
            && (outcome.as_deref() != Some("invalid") || reason.as_deref() == Some("repeat"));
        if !counts {
            continue;
        }
        let bump = |m: &mut BTreeMap<_, (u32, u32, u32, String)>, k: String, shown: String| {
            let e = m.entry((k, category.clone())).or_insert((0, 0, 0, shown));
            e.0 += u32::from(within(t, 7));
            e.1 += u32::from(within(t, 30));
            e.2 += 1;
        };
        if let Some(k) = key {
            bump(&mut callers, k, masked.clone().unwrap_or_default());
        }
        if let Some(a) = address {
            let norm = a
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            bump(&mut places, norm, a.clone());
        }
    }
    let over = |m: Tally| {
        m.into_iter()
            .filter(|(_, (w, mo, y, _))| *w >= 2 || *mo >= 3 || *y >= 5)
            .map(|((_, cat), (w, mo, y, shown))| (shown, cat, w, mo, y))
            .collect::<BTreeSet<_>>()
    };
    let got = |list: &[commandwall::core::repeat::Flagged]| {
        list.iter()
            .map(|f| (f.who.clone(), f.category.clone(), f.week, f.month, f.year))
            .collect::<BTreeSet<_>>()
    };
    let want_callers = over(callers.clone());
    assert_eq!(got(&g.callers), want_callers);
    let want_places = over(places.clone());
    assert!(
        !want_places.is_empty(),
        "the simulator's hot places cross a threshold"
    );
    assert_eq!(got(&g.places), want_places);
    assert!(
        want_callers.iter().any(|(_, _, w, _, _)| *w >= 2),
        "the simulator's frequent repeaters cross the weekly threshold"
    );
    // Only masked numbers are shown: three digits, four stars, four digits.
    assert!(g.callers.iter().all(|f| {
        let b = f.who.as_bytes();
        b.len() == 11 && &f.who[3..7] == "****"
    }));
    let shared = events.values().filter(|c| c.len() >= 2).count();
    assert_eq!(g.events.len(), shared);
    assert!(
        shared > 0,
        "the simulator has events reported by several callers"
    );
    assert!(g
        .events
        .iter()
        .all(|e| e.callers >= 2 && e.calls >= e.callers));

    // The weekly report's screening: the same rules, only those who reported in the week,
    // found by seeking them rather than grouping the year.
    let back = |days: i64| Span {
        from: now - days * DAY,
        to: now,
    };
    let periods = Periods {
        week: back(7),
        month: back(30),
        year: back(365),
    };
    let t = thresholds(&config);
    let calls = db
        .store
        .repeat_candidates(&periods, &t, Scope::ReportedInWeek)
        .await
        .unwrap();
    let week = screen(&calls, &periods, &t, Scope::ReportedInWeek);
    let active = |m: BTreeSet<(String, Option<String>, u32, u32, u32)>| {
        m.into_iter()
            .filter(|(_, _, w, _, _)| *w >= 1)
            .collect::<BTreeSet<_>>()
    };
    let want = active(over(callers));
    assert!(
        want.len() < want_callers.len(),
        "some are over a threshold without a call this week"
    );
    assert_eq!(got(&week.callers), want);
    assert_eq!(got(&week.places), active(over(places)));
    assert_eq!(week.events.len(), shared);
}

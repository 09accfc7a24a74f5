//! The wall's pages against plain SQL over the same rows: every number a page shows beside
//! the engine's figures (hourly volumes, seats, categories, the funnel, busy units, a zone's
//! incidents) is counted again here without the code that built the page.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use commandwall::charts;
use commandwall::config::Config;
use commandwall::core::categories;
use commandwall::core::kpi::vocabulary::Figure;
use commandwall::core::time::local_to_utc;
use commandwall::services::desk_queries::{self as desk, DeskQuery};
use commandwall::services::figures::{zones, LiveFigures};
use commandwall::services::wall_lists::{assemble, read_inputs, zone_incidents, HourlyCache};
use commandwall::sim::run::backfill;
use commandwall::sim::City;
use sqlx::{Connection, SqliteConnection};

use crate::helpers::{keyer, TestDb};
use crate::kpi_reference::nearest_rank;

/// seat, received, answered, ended
type SeatCall = (String, i64, Option<i64>, Option<i64>);

async fn count(conn: &mut SqliteConnection, sql: &str, binds: &[i64]) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.fetch_one(conn).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_on_the_pages_counts_what_sql_counts() {
    let db = TestDb::new().await;
    let mut config = Config::load(None, []).unwrap();
    config.simulator.calls_per_day = 2_500;
    let city = Arc::new(City::new(&config, 9, keyer()));
    let tz = city.tz;
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let now = local_to_utc(tz, d(11, 24).and_hms_opt(15, 30, 0).unwrap());
    // Today, yesterday, and the same weekday a week earlier (the hourly chart's base).
    backfill(&db.store, city, d(11, 16), d(11, 24), now, |_, _| {})
        .await
        .unwrap();
    let live = LiveFigures::start(db.store.clone(), &config, now)
        .await
        .unwrap();
    let snapshot = live.snapshot();
    let mut cache = HourlyCache::default();
    let inputs = read_inputs(&db.store, &config, &zones(&config), &mut cache, now)
        .await
        .unwrap();
    let pages = assemble(&snapshot, &inputs, None, &config);
    let mut conn = SqliteConnection::connect(&db.url).await.unwrap();
    let today = local_to_utc(tz, d(11, 24).and_hms_opt(0, 0, 0).unwrap());

    // Overview: today's calls on the first tile.
    let calls = count(
        &mut conn,
        "SELECT COUNT(*) FROM calls WHERE received_ms >= ? AND received_ms < ?",
        &[today, now],
    )
    .await;
    assert!(calls > 1_000, "the fixture has a day's calls ({calls})");
    let tile = &pages.overview.tiles[0];
    assert_eq!((tile.key, tile.value), (Figure::Calls, Some(calls as f64)));

    // Hourly: Shanghai has no DST, so the local hour is UTC + 8.
    let hours = |from: i64, to: i64| {
        format!(
            "SELECT CAST(strftime('%H', received_ms / 1000, 'unixepoch', '+8 hours') AS INTEGER) h, COUNT(*)
             FROM calls WHERE received_ms >= {from} AND received_ms < {to} GROUP BY h"
        )
    };
    let by_hour = |rows: Vec<(i64, i64)>| {
        let mut out = [0u32; 24];
        for (h, n) in rows {
            out[h as usize] = n as u32;
        }
        out
    };
    let h = pages.overview.hourly.as_ref().expect("hourly volumes");
    let today_sql = by_hour(
        sqlx::query_as(&hours(today, now))
            .fetch_all(&mut conn)
            .await
            .unwrap(),
    );
    assert_eq!(h.today.len(), 16, "hours 0–15 have begun at 15:30");
    assert_eq!(h.today[..], today_sql[..16]);
    let week_ago = today - 7 * 86_400_000;
    let week_sql = by_hour(
        sqlx::query_as(&hours(week_ago, week_ago + 86_400_000))
            .fetch_all(&mut conn)
            .await
            .unwrap(),
    );
    assert_eq!(h.last_week, week_sql);
    assert!(h.last_week.iter().sum::<u32>() > 1_000);
    assert_eq!(h.last_year, [0; 24], "no data a year back in this fixture");

    // Seats: calls, answered, abandoned and p90 answer time per seat.
    let seat_rows: Vec<SeatCall> = sqlx::query_as(
        "SELECT seat, received_ms, answered_ms, ended_ms FROM calls
         WHERE received_ms >= ? AND received_ms < ? AND seat IS NOT NULL",
    )
    .bind(today)
    .bind(now)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut per_seat: BTreeMap<String, Vec<&SeatCall>> = BTreeMap::new();
    for r in &seat_rows {
        per_seat.entry(r.0.clone()).or_default().push(r);
    }
    assert!(per_seat.len() >= 10);
    for (seat, rows) in &per_seat {
        let row = pages
            .seats
            .seats
            .iter()
            .find(|s| &s.code == seat)
            .unwrap_or_else(|| panic!("seat {seat} is listed"));
        let mut answered: Vec<u64> = rows
            .iter()
            .filter_map(|r| r.2.map(|a| ((a - r.1) / 1000) as u64))
            .collect();
        answered.sort_unstable();
        let abandoned = rows
            .iter()
            .filter(|r| r.2.is_none() && r.3.is_some())
            .count();
        assert_eq!(row.calls, rows.len() as u64, "{seat}");
        assert_eq!(row.answered, answered.len() as u64, "{seat}");
        assert_eq!(row.abandoned, abandoned as u64, "{seat}");
        assert_eq!(
            row.answer_p90_s.map(f64::from),
            nearest_rank(&answered, 0.9),
            "{seat}"
        );
    }

    // Category mix: calls per class of matter, categorised calls only.
    let cats: Vec<(String, i64)> = sqlx::query_as(
        "SELECT category, COUNT(*) FROM calls
         WHERE received_ms >= ? AND received_ms < ? AND category IS NOT NULL GROUP BY category",
    )
    .bind(today)
    .bind(now)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    for (code, n) in cats {
        let c = categories::find(&code).expect("a known category");
        *classes
            .entry(c.parent.unwrap_or(c.code).to_string())
            .or_default() += n as u64;
    }
    let shown: BTreeMap<String, u64> = pages
        .diversion
        .categories
        .iter()
        .map(|c| (c.code.clone(), c.calls))
        .collect();
    assert_eq!(shown, classes);
    let first = &pages.diversion.categories[0];
    assert_eq!(first.calls, *classes.values().max().unwrap(), "most first");
    let shares: f64 = pages.diversion.categories.iter().map(|c| c.share).sum();
    assert!((shares - 1.0).abs() < 1e-9);

    // The funnel: non-police calls → diverted → accepted → handled → fed back.
    let answered_as = |outcomes: &str| {
        format!(
            "SELECT COUNT(*) FROM calls WHERE received_ms >= ? AND received_ms < ?
             AND answered_ms IS NOT NULL AND outcome IN ({outcomes})"
        )
    };
    let orders = |cond: &str| {
        format!(
            "SELECT COUNT(*) FROM work_orders WHERE sent_ms >= ? AND sent_ms < ?
             AND direction = 'diverted' AND {cond}"
        )
    };
    let expected = [
        count(
            &mut conn,
            &answered_as("'non_police', 'diverted'"),
            &[today, now],
        )
        .await,
        count(&mut conn, &answered_as("'diverted'"), &[today, now]).await,
        count(&mut conn, &orders("accepted_ms IS NOT NULL"), &[today, now]).await,
        count(&mut conn, &orders("handled_ms IS NOT NULL"), &[today, now]).await,
        count(&mut conn, &orders("fed_back_ms IS NOT NULL"), &[today, now]).await,
    ];
    let funnel: Vec<i64> = pages
        .diversion
        .funnel
        .iter()
        .map(|s| s.count as i64)
        .collect();
    assert_eq!(funnel, expected);
    assert!(expected[0] > expected[1] && expected[1] > 0);

    // Overdue orders: the count of all open ones past their limit, the list cut at 50.
    let overdue = count(
        &mut conn,
        "SELECT COUNT(*) FROM work_orders WHERE handled_ms IS NULL AND returned_ms IS NULL
         AND due_ms < ? AND sent_ms <= ?",
        &[now, now],
    )
    .await;
    assert!(overdue > 0, "the simulator leaves some orders overdue");
    assert_eq!(pages.diversion.overdue_open, overdue as u64);
    assert_eq!(pages.diversion.overdue.len() as i64, overdue.min(50));

    // Units: incidents dispatched in the last day that the unit has not reported back on.
    let busy: Vec<(String, i64)> = sqlx::query_as(
        "SELECT unit, COUNT(*) FROM incidents WHERE dispatched_ms >= ? AND fed_back_ms IS NULL
         AND closed_ms IS NULL AND unit IS NOT NULL GROUP BY unit",
    )
    .bind(now - 86_400_000)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(!busy.is_empty());
    for (unit, n) in &busy {
        let u = pages.seats.units.iter().find(|u| &u.code == unit).unwrap();
        assert_eq!(i64::from(u.open_incidents), *n, "{unit}");
    }
    assert_eq!(pages.seats.units_busy as usize, busy.len());
    assert_eq!(pages.seats.units.len(), config.units.len());

    // Zone grid: each cell holds its own zone's figures (dispatches counted by dispatch time).
    for cell in &pages.response.zones {
        let n = count(
            &mut conn,
            &format!(
                "SELECT COUNT(*) FROM incidents WHERE zone = '{}' AND dispatched_ms >= ? AND dispatched_ms < ?",
                cell.code
            ),
            &[today, now],
        )
        .await;
        assert_eq!(cell.dispatches as i64, n, "{}", cell.code);
    }
    assert_eq!(pages.response.zones.len(), 17);
    let busy_zones = pages
        .response
        .zones
        .iter()
        .filter(|c| c.dispatches > 0)
        .count();
    assert!(
        busy_zones >= 10,
        "only {busy_zones} zones have dispatches today"
    );
    let lagging = &pages.response.lagging;
    assert!(
        !lagging.is_empty(),
        "the fixture has zones below 90% in the circle"
    );
    assert!(lagging
        .windows(2)
        .all(|w| w[0].circle_rate <= w[1].circle_rate));
    assert!(lagging.iter().all(|z| z.circle_rate < Some(0.9)));

    // Drill-down: the zone's incidents of today, newest first, intervals from their stages.
    let zone = &pages.response.zones[0].code;
    let rows = zone_incidents(
        &db.store,
        &config,
        zone,
        commandwall::core::kpi::window::Span {
            from: today,
            to: now,
        },
        10_000,
    )
    .await
    .unwrap();
    let n = count(
        &mut conn,
        &format!("SELECT COUNT(*) FROM incidents WHERE zone = '{zone}' AND created_ms >= ? AND created_ms < ?"),
        &[today, now],
    )
    .await;
    assert!(n > 0, "zone {zone} has incidents today");
    assert_eq!(rows.len() as i64, n);
    assert!(rows.windows(2).all(|w| w[0].created >= w[1].created));
    let mut signed = 0;
    for r in &rows {
        if let (Some(d), Some(s)) = (r.dispatched, r.signed_for) {
            if s >= d {
                assert_eq!(r.sign_for_s, Some(((s - d) / 1000) as u32));
                signed += 1;
            }
        }
    }
    assert!(
        signed > 0,
        "some of zone {zone}'s incidents were signed for"
    );

    // The desk: a zone's calls today, and a question it cannot answer.
    let q = DeskQuery {
        period: Some("day".into()),
        zone: Some(zone.clone()),
        ..DeskQuery::default()
    };
    let a = desk::query(&db.store, &config, &q, now).await.unwrap();
    let zone_calls = count(
        &mut conn,
        &format!("SELECT COUNT(*) FROM calls WHERE zone = '{zone}' AND received_ms >= ? AND received_ms < ?"),
        &[today, now],
    )
    .await;
    assert!(zone_calls > 0, "zone {zone} has calls today");
    assert_eq!(a.tiles[0].value, Some(zone_calls as f64));
    let bad = DeskQuery {
        period: Some("2026-W99".into()),
        ..DeskQuery::default()
    };
    let e = desk::query(&db.store, &config, &bad, now)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "bad_query");
    assert!(e.to_string().contains("2026 has no ISO week 99"), "{e}");

    // Charts: every chart in both languages, labels in the language asked.
    charts::fonts::register().expect("the CJK font (fonts-noto-cjk) is installed");
    let set = charts::set::draw(&pages, &charts::Theme::WALL);
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    for id in [
        "hourly",
        "sign_for_bands",
        "arrival_bands",
        "funnel",
        "categories",
    ] {
        for lang in ["zh-CN", "en"] {
            assert!(
                set.charts.contains_key(&format!("{id}.{lang}")),
                "{id}.{lang}"
            );
        }
    }
    let funnel_zh = &set.charts["funnel.zh-CN"].svg;
    assert!(funnel_zh.contains("非警务警情") && funnel_zh.contains("12345受理"));
    assert!(funnel_zh.contains(&format!(
        "\n{}\n",
        charts::set::thousands(expected[0] as u64)
    )));
    assert!(set.charts["funnel.en"].svg.contains("Non-police"));
    assert!(set.charts["hourly.zh-CN"].svg.contains("上周同日"));
    assert!(
        !set.charts["hourly.zh-CN"].svg.contains("去年同期"),
        "a base day without data is not drawn as zeros"
    );
    // Same pages, same pictures: the digest only moves when the data does.
    let again = charts::set::draw(&pages, &charts::Theme::WALL);
    assert_eq!(again.digests(), set.digests());
}

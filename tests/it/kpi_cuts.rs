//! Cuts by zone, category, channel, seat, unit and priority: each counts what a plain SQL
//! count over the same rows says, and tables without the field stay out of the cut.

use std::sync::Arc;

use chrono::NaiveDate;
use commandwall::config::Config;
use commandwall::core::kpi::filter::Filter;
use commandwall::core::kpi::vocabulary::Figure;
use commandwall::core::kpi::window::range;
use commandwall::services::figures::{evaluate, zones};
use commandwall::sim::run::backfill;
use commandwall::sim::City;
use sqlx::Connection;

use crate::helpers::{keyer, TestDb};

#[tokio::test]
async fn each_cut_counts_what_sql_counts() {
    let db = TestDb::new().await;
    let mut config = Config::load(None, []).unwrap();
    config.simulator.calls_per_day = 3_000;
    let city = Arc::new(City::new(&config, 4, keyer()));
    let tz = city.tz;
    let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    let at =
        |day, h| commandwall::core::time::local_to_utc(tz, d(day).and_hms_opt(h, 0, 0).unwrap());
    let now = at(24, 12);
    backfill(&db.store, city, d(22), d(24), now, |_, _| {})
        .await
        .unwrap();
    let (from, to) = (at(23, 0), at(24, 0));
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let most_common = |table: &str, col: &str| {
        format!(
            "SELECT {col} FROM {table} WHERE {col} IS NOT NULL GROUP BY {col} ORDER BY COUNT(*) DESC LIMIT 1"
        )
    };
    let zones = zones(&config);
    let cuts: [(&str, &str, &str); 6] = [
        ("zone", "calls", "zone"),
        ("category", "calls", "category"),
        ("channel", "calls", "channel"),
        ("seat", "calls", "seat"),
        ("unit", "incidents", "unit"),
        ("priority", "incidents", "priority"),
    ];
    for (field, table, col) in cuts {
        let value: String = sqlx::query_scalar(&format!(
            "SELECT CAST(({}) AS TEXT)",
            most_common(table, col)
        ))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let mut f = Filter::default();
        match field {
            "zone" => f.zone = Some(value.clone()),
            "category" => f.category = Some(value.clone()),
            "channel" => f.channel = Some(value.clone()),
            "seat" => f.seat = Some(value.clone()),
            "unit" => f.unit = Some(value.clone()),
            _ => f.priority = Some(value.parse().unwrap()),
        }
        let e = evaluate(&db.store, &zones, range(tz, from, to), &f, now)
            .await
            .unwrap();
        let count = |table: &str, anchor: &str| {
            format!("SELECT COUNT(*) FROM {table} WHERE {anchor} >= ? AND {anchor} < ? AND CAST({col} AS TEXT) = ?")
        };
        let sql_count = |sql: String| {
            let value = value.clone();
            let url = db.url.clone();
            async move {
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                let n: i64 = sqlx::query_scalar(&sql)
                    .bind(from)
                    .bind(to)
                    .bind(value)
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
                n as f64
            }
        };
        let calls = e.report.metric(Figure::Calls);
        let incidents = e.report.metric(Figure::Incidents);
        if table == "calls" {
            let calls = calls.unwrap();
            assert_eq!(
                calls,
                sql_count(count("calls", "received_ms")).await,
                "{field}={value}"
            );
            assert!(calls > 0.0, "{field}={value} has calls");
        } else {
            assert_eq!(
                calls, None,
                "calls have no {field}: not recorded for the cut, not 0"
            );
        }
        let incidents_have = matches!(field, "zone" | "category" | "unit" | "priority");
        if incidents_have {
            let incidents = incidents.unwrap();
            assert_eq!(
                incidents,
                sql_count(count("incidents", "created_ms")).await,
                "{field}={value}"
            );
            assert!(incidents > 0.0, "{field}={value} has incidents");
        } else {
            assert_eq!(incidents, None, "incidents have no {field}");
        }
    }
}

#[tokio::test]
async fn overdue_orders_are_the_open_ones_past_their_limit() {
    let db = TestDb::new().await;
    let mut config = Config::load(None, []).unwrap();
    config.simulator.calls_per_day = 3_000;
    let city = Arc::new(City::new(&config, 6, keyer()));
    let tz = city.tz;
    let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    let now = commandwall::core::time::local_to_utc(tz, d(24).and_hms_opt(12, 0, 0).unwrap());
    backfill(&db.store, city, d(10), d(24), now, |_, _| {})
        .await
        .unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    type Row = (String, Option<i64>, Option<i64>, Option<i64>, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT source_id, handled_ms, returned_ms, due_ms, sent_ms FROM work_orders",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut want: Vec<(i64, String)> = rows
        .into_iter()
        .filter_map(
            |(id, handled, returned, due, _)| match (handled, returned, due) {
                (None, None, Some(due)) if due < now => Some((due, id)),
                _ => None,
            },
        )
        .collect();
    want.sort();
    assert!(!want.is_empty(), "the simulator leaves some orders overdue");
    let got = db.store.overdue_orders(now, 10_000).await.unwrap();
    let got_ids: Vec<&str> = got.iter().map(|o| o.source_id.as_str()).collect();
    let want_ids: Vec<&str> = want.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(got_ids, want_ids);
    assert!(got.iter().all(|o| o.due < now));
    assert_eq!(
        db.store.overdue_orders(now, 3).await.unwrap().len(),
        want.len().min(3)
    );
}

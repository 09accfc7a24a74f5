//! The engine's daily sums kept in the database: a second start reuses them and shows the
//! same figures; a record changed, moved to another day or deleted afterwards, or a sum
//! that cannot be read, makes exactly the days it touches be summed again, and the figures
//! equal those of an engine built from the records alone.

use commandwall::config::Config;
use commandwall::core::kpi::engine::Snapshot;
use commandwall::core::kpi::vocabulary::Figure;
use commandwall::core::model::{Batch, Millis};
use commandwall::core::time::local_to_utc;
use commandwall::services::figures::{build_engine, zones, BuildStats};
use commandwall::store::Store;

use crate::helpers::records::{call, incident, work_order};
use crate::helpers::TestDb;

const DAY: Millis = 86_400_000;

fn figure(s: &Snapshot, window: &str, key: Figure) -> f64 {
    let w = s.windows.iter().find(|w| w.key == window).unwrap();
    w.cuts[0].report.metric(key).unwrap()
}

async fn build(
    store: &Store,
    config: &Config,
    now: Millis,
) -> (serde_json::Value, Snapshot, BuildStats) {
    let (engine, stats) = build_engine(store, zones(config), config.tz(), None, now)
        .await
        .unwrap();
    let snap = (*engine.snapshot()).clone();
    (serde_json::to_value(&snap).unwrap(), snap, stats)
}

/// Builds with the kept sums, then with none kept (every day summed from its records):
/// both engines must show the same figures. The kept sums are then put back as they were.
async fn build_and_compare(db: &TestDb, config: &Config, now: Millis) -> (Snapshot, BuildStats) {
    let (with_sums, snap, stats) = build(&db.store, config, now).await;
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    type Row = (String, i64, i64, i64, Vec<u8>);
    let kept: Vec<Row> = sqlx::query_as("SELECT digest, day_ms, end_ms, seq, sum FROM day_sums")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM day_sums")
        .execute(&mut conn)
        .await
        .unwrap();
    let (from_records, _, fresh) = build(&db.store, config, now).await;
    assert_eq!(fresh.days_reused, 0);
    assert_eq!(
        with_sums, from_records,
        "kept sums and records give the same figures"
    );
    sqlx::query("DELETE FROM day_sums")
        .execute(&mut conn)
        .await
        .unwrap();
    for (digest, day, end, seq, sum) in kept {
        sqlx::query(
            "INSERT INTO day_sums (digest, day_ms, end_ms, seq, sum) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(digest)
        .bind(day)
        .bind(end)
        .bind(seq)
        .bind(sum)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    (snap, stats)
}

use sqlx::Connection;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_sums_are_reused_and_summed_again_exactly_where_records_changed() {
    let db = TestDb::new().await;
    let config = Config::load(None, []).unwrap();
    let tz = config.tz();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let now = local_to_utc(tz, day.and_hms_opt(15, 0, 0).unwrap());
    // A call, an incident and a work order on each of the 80 days before today. Every
    // seventh order is handled five days on and every eleventh never (late for its day's
    // sum: kept whole in it).
    let mut batch = Batch::default();
    for d in 1..=80 {
        let t = now - d * DAY;
        batch.calls.push(call(&format!("c{d}"), t));
        batch.incidents.push(incident(&format!("i{d}"), t));
        let mut w = work_order(&format!("w{d}"), t);
        if d % 11 != 0 {
            let after = if d % 7 == 0 { 5 * DAY } else { 3_600_000 };
            w.handled = Some(t + after);
            w.fed_back = Some(t + after + 60_000);
        }
        batch.work_orders.push(w);
    }
    db.store.write(&batch).await.unwrap();

    let (first, _, stats) = build(&db.store, &config, now).await;
    assert!(stats.days_summed > 60, "{stats:?}");
    assert_eq!(stats.days_reused, 0);
    let (second, snap, again) = build(&db.store, &config, now).await;
    assert_eq!(
        (again.days_summed, again.days_reused),
        (0, stats.days_summed)
    );
    assert_eq!(
        first, second,
        "a start from kept sums shows the same figures"
    );
    // Hand-counted: November's 23 days before today, and all 80 in the year.
    assert_eq!(figure(&snap, "month_so_far", Figure::Calls), 23.0);
    assert_eq!(figure(&snap, "year_so_far", Figure::Calls), 80.0);
    assert_eq!(figure(&snap, "year_so_far", Figure::WorkOrders), 80.0);

    // A call of 25 October corrected to 14 November: both days are summed again.
    db.store
        .write(&Batch {
            calls: vec![call("c30", now - 10 * DAY)],
            ..Default::default()
        })
        .await
        .unwrap();
    let (snap, stats) = build_and_compare(&db, &config, now).await;
    assert_eq!(stats.days_summed, 2, "{stats:?}");
    assert_eq!(figure(&snap, "month_so_far", Figure::Calls), 24.0);
    assert_eq!(figure(&snap, "year_so_far", Figure::Calls), 80.0);

    // An order of 20 October handled late, in place: its day alone.
    let mut w = work_order("w35", now - 35 * DAY);
    w.handled = Some(now - 20 * DAY);
    db.store
        .write(&Batch {
            work_orders: vec![w],
            ..Default::default()
        })
        .await
        .unwrap();
    let (_, stats) = build_and_compare(&db, &config, now).await;
    assert_eq!(stats.days_summed, 1, "{stats:?}");

    // A kept sum that cannot be read is summed again, not trusted.
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query(
        "UPDATE day_sums SET sum = x'ff00' WHERE day_ms = (SELECT MIN(day_ms) FROM day_sums)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (_, stats) = build_and_compare(&db, &config, now).await;
    assert_eq!(stats.days_summed, 1, "{stats:?}");

    // A call deleted by another program, straight in the database (last: such a delete
    // does not move the change number, so its day is summed again until a write does).
    sqlx::query("DELETE FROM calls WHERE source_id = 'c40'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (snap, stats) = build_and_compare(&db, &config, now).await;
    assert_eq!(stats.days_summed, 1, "{stats:?}");
    assert_eq!(figure(&snap, "year_so_far", Figure::Calls), 79.0);
}

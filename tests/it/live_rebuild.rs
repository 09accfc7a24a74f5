//! A late record for the frozen past must not hold up the wall: the live engine shows the
//! call that just came in at once, builds a new engine beside it for the late record, and
//! takes that in when it is ready.

use commandwall::config::Config;
use commandwall::core::kpi::engine::Snapshot;
use commandwall::core::kpi::vocabulary::Figure;
use commandwall::core::model::Batch;
use commandwall::core::time::local_to_utc;
use commandwall::services::figures::LiveFigures;

use crate::helpers::records::{call, work_order};
use crate::helpers::{Deadline, TestDb, PATIENCE};

fn figure(s: &Snapshot, window: &str, key: Figure) -> f64 {
    let w = s.windows.iter().find(|w| w.key == window).unwrap();
    w.cuts[0].report.metric(key).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_record_of_the_past_is_built_in_beside_the_live_engine() {
    let db = TestDb::new().await;
    let config = Config::load(None, []).unwrap();
    let tz = config.tz();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let now = local_to_utc(tz, day.and_hms_opt(15, 0, 0).unwrap());
    db.store
        .write(&Batch {
            calls: vec![call("c1", now - 3_600_000)],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut live = LiveFigures::start(db.store.clone(), &config, now)
        .await
        .unwrap();
    let before = live.snapshot();
    assert_eq!(figure(&before, "day_so_far", Figure::Calls), 1.0);
    assert_eq!(figure(&before, "month_so_far", Figure::WorkOrders), 0.0);

    // A call now, and a work order sent three days ago that only now reached the database.
    db.store
        .write(&Batch {
            calls: vec![call("c2", now + 500)],
            work_orders: vec![work_order("w-late", now - 3 * 86_400_000)],
            ..Default::default()
        })
        .await
        .unwrap();
    let s = live.tick(now + 1_000).await.unwrap();
    assert_eq!(
        figure(&s, "day_so_far", Figure::Calls),
        2.0,
        "the new call shows at once"
    );
    assert_eq!(figure(&s, "month_so_far", Figure::WorkOrders), 0.0);
    assert!(
        live.catching_up(),
        "a new engine is being built for the late order"
    );

    let deadline = Deadline::new("the new engine with the late order", PATIENCE);
    let mut t = now + 1_000;
    loop {
        t += 100;
        let s = live.tick(t).await.unwrap();
        if !live.catching_up() {
            assert_eq!(
                figure(&s, "month_so_far", Figure::WorkOrders),
                1.0,
                "the late order is in"
            );
            assert_eq!(figure(&s, "day_so_far", Figure::Calls), 2.0);
            break;
        }
        deadline
            .again(&format!(
                "still catching up; calls today {}",
                figure(&s, "day_so_far", Figure::Calls)
            ))
            .await;
    }
    assert_eq!(live.rebuilds, 1);
}

/// The next day's engine is built before midnight while the wall keeps ticking; at midnight
/// it takes over with the changes since, no tick waits for a whole engine to be read in, and
/// its figures are those of an engine built afresh after midnight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_day_rolls_over_at_midnight_on_an_engine_prepared_before_it() {
    let db = TestDb::new().await;
    let mut config = Config::load(None, []).unwrap();
    config.live.midnight_lead_s = 600;
    let tz = config.tz();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let at = |h, m, s| local_to_utc(tz, day.and_hms_opt(h, m, s).unwrap());
    let midnight = at(23, 59, 59) + 1_000;
    let write = |id: &'static str, t| {
        let store = db.store.clone();
        async move {
            store
                .write(&Batch {
                    calls: vec![call(id, t)],
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    write("c1", at(9, 0, 0)).await;
    let mut live = LiveFigures::start(db.store.clone(), &config, at(23, 40, 0))
        .await
        .unwrap();
    // Ticks through the last minutes of the day; the next day's engine is started at 23:50.
    let mut t = at(23, 45, 0);
    while t < midnight {
        if t == at(23, 55, 0) {
            write("c2", t).await;
        }
        if t == at(23, 59, 30) {
            write("c3", t).await;
        }
        live.tick(t).await.unwrap();
        t += 30_000;
    }
    write("c4", midnight + 10_000).await;
    let s = live.tick(midnight + 15_000).await.unwrap();
    assert_eq!(live.inline_rebuilds, 0, "no tick waited for a whole build");
    assert_eq!(live.rebuilds, 1);
    assert!(live
        .last_rebuild
        .as_deref()
        .is_some_and(|w| w.contains("prepared before midnight")));
    assert_eq!(figure(&s, "day_so_far", Figure::Calls), 1.0, "c4 only");
    assert_eq!(figure(&s, "week_so_far", Figure::Calls), 4.0);

    let fresh = LiveFigures::start(db.store.clone(), &config, midnight + 15_000)
        .await
        .unwrap()
        .snapshot();
    assert_eq!(
        serde_json::to_value(&s.windows).unwrap(),
        serde_json::to_value(&fresh.windows).unwrap(),
        "the prepared engine shows what one built after midnight shows"
    );
}

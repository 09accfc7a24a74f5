//! The simulated city has the statistical shape of a real centre, and the same seed gives
//! the same data. Every figure here is counted with plain loops over the generated records.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use chrono::{Datelike, NaiveDate, Timelike, Weekday};
use commandwall::config::Config;
use commandwall::core::model::{Batch, Direction, Outcome, Satisfaction};
use commandwall::core::time::local_datetime;
use commandwall::sim::run::{backfill, write_live, SimClock};
use commandwall::sim::{generate_day, rhythm, City};

use crate::helpers::{keyer, Deadline, TestDb, PATIENCE};

fn city_with(seed: u64, tweak: impl FnOnce(&mut Config)) -> City {
    let mut config = Config::load(None, []).unwrap();
    tweak(&mut config);
    City::new(&config, seed, keyer())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A local time in the default centre's zone, as UTC milliseconds.
fn shanghai(day: NaiveDate, h: u32, m: u32) -> i64 {
    commandwall::core::time::local_to_utc(
        chrono_tz::Asia::Shanghai,
        day.and_hms_opt(h, m, 0).unwrap(),
    )
}

/// Two weeks of the default city (25,000 calls a day), Monday 2026-03-02 to Sunday 03-15.
fn fortnight() -> &'static Vec<(NaiveDate, Batch)> {
    static DATA: OnceLock<Vec<(NaiveDate, Batch)>> = OnceLock::new();
    DATA.get_or_init(|| {
        let city = city_with(110, |_| {});
        (0..14)
            .map(|i| date(2026, 3, 2 + i))
            .map(|d| (d, generate_day(&city, d)))
            .collect()
    })
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_does_not() {
    let d = date(2026, 5, 1);
    let a = generate_day(&city_with(7, |c| c.simulator.calls_per_day = 3000), d);
    let b = generate_day(&city_with(7, |c| c.simulator.calls_per_day = 3000), d);
    let c = generate_day(&city_with(8, |c| c.simulator.calls_per_day = 3000), d);
    assert!(a.calls.len() > 1_000, "a day of calls: {}", a.calls.len());
    assert_eq!(a, b);
    assert_ne!(a.calls, c.calls);
}

#[test]
fn daily_volume_and_weekly_rhythm() {
    let data = fortnight();
    let per_day: Vec<(Weekday, usize)> = data
        .iter()
        .map(|(d, b)| (d.weekday(), b.calls.len()))
        .collect();
    let mean = per_day.iter().map(|(_, n)| *n as f64).sum::<f64>() / 14.0;
    // Early March: a little below the ordinary 25,000 (winter, and the yearly decline).
    assert!(
        (21_000.0..25_500.0).contains(&mean),
        "mean calls/day {mean}"
    );
    let on = |w: Weekday| {
        per_day
            .iter()
            .filter(|(d, _)| *d == w)
            .map(|(_, n)| *n as f64)
            .sum::<f64>()
    };
    let ratio = on(Weekday::Sat) / on(Weekday::Tue);
    assert!((1.05..1.22).contains(&ratio), "Saturday/Tuesday = {ratio}");
}

#[test]
fn hourly_rhythm_follows_the_day() {
    let mut hours = [0f64; 24];
    let tz = chrono_tz::Asia::Shanghai;
    for (_, b) in fortnight() {
        for c in &b.calls {
            hours[local_datetime(tz, c.received).hour() as usize] += 1.0;
        }
    }
    let total: f64 = hours.iter().sum();
    let shares: Vec<f64> = hours.iter().map(|h| h / total).collect();
    // Pearson correlation with the published curve.
    let mx = shares.iter().sum::<f64>() / 24.0;
    let my = rhythm::HOURLY.iter().sum::<f64>() / 24.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in shares.iter().zip(rhythm::HOURLY) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    let r = sxy / (sxx * syy).sqrt();
    assert!(r > 0.97, "correlation {r}");
    assert!(
        shares[4] < 0.3 * shares[20],
        "04h {} vs 20h {}",
        shares[4],
        shares[20]
    );
}

#[test]
fn call_outcomes_have_the_contract_shape() {
    for (d, b) in fortnight() {
        let answered = b.calls.iter().filter(|c| c.answered.is_some()).count() as f64;
        let non_police = b
            .calls
            .iter()
            .filter(|c| matches!(c.outcome, Some(Outcome::NonPolice | Outcome::Diverted)))
            .count() as f64;
        let share = non_police / answered;
        assert!(
            (0.25..=0.35).contains(&share),
            "{d}: non-police share {share}"
        );
    }
    let all: Vec<_> = fortnight().iter().flat_map(|(_, b)| &b.calls).collect();
    let count = |f: &dyn Fn(&&commandwall::core::model::Call) -> bool| {
        all.iter().filter(|c| f(c)).count() as f64
    };
    let diverted = count(&|c| c.outcome == Some(Outcome::Diverted));
    let non_police = count(&|c| matches!(c.outcome, Some(Outcome::NonPolice | Outcome::Diverted)));
    let rate = diverted / non_police;
    assert!(
        (0.87..0.95).contains(&rate),
        "diversion rate {rate} (configured 0.92, gas leaks kept)"
    );
    let abandoned = count(&|c| c.answered.is_none()) / all.len() as f64;
    assert!((0.01..0.06).contains(&abandoned), "abandoned {abandoned}");
    let invalid =
        count(&|c| c.outcome == Some(Outcome::Invalid)) / count(&|c| c.answered.is_some());
    assert!((0.11..0.17).contains(&invalid), "invalid {invalid}");
    let within_15 = count(&|c| c.answered.is_some_and(|a| a - c.received <= 15_000))
        / count(&|c| c.answered.is_some());
    assert!(
        (0.85..0.99).contains(&within_15),
        "answered within 15 s {within_15}"
    );
}

#[test]
fn satisfaction_stays_within_the_configured_bounds() {
    let count = |batches: &[Batch]| {
        let (mut ok, mut reached) = (0.0, 0.0);
        for b in batches {
            for cb in b.callbacks.iter().filter(|c| c.reached) {
                reached += 1.0;
                if matches!(
                    cb.satisfaction,
                    Some(Satisfaction::Satisfied | Satisfaction::Basic)
                ) {
                    ok += 1.0;
                }
            }
        }
        (ok / reached, reached)
    };
    let (default_share, n) = count(
        &fortnight()
            .iter()
            .map(|(_, b)| b.clone())
            .collect::<Vec<_>>(),
    );
    assert!(n > 10_000.0, "{n} callbacks");
    assert!(
        (0.95..=0.98).contains(&default_share),
        "satisfaction {default_share} (configured 0.97)"
    );

    let unhappy = city_with(3, |c| {
        c.simulator.satisfaction = 0.80;
        c.simulator.calls_per_day = 8_000;
    });
    let batches: Vec<Batch> = (1..=5)
        .map(|d| generate_day(&unhappy, date(2026, 6, d)))
        .collect();
    let (share, _) = count(&batches);
    assert!(
        (0.76..=0.82).contains(&share),
        "satisfaction {share} (configured 0.80)"
    );
}

#[test]
fn records_hang_together() {
    for (d, b) in fortnight() {
        let ids: HashSet<&str> = b.calls.iter().map(|c| c.source_id.as_str()).collect();
        assert_eq!(ids.len(), b.calls.len(), "{d}: call ids unique");
        let incidents: HashSet<&str> = b.incidents.iter().map(|i| i.source_id.as_str()).collect();
        assert_eq!(
            incidents.len(),
            b.incidents.len(),
            "{d}: incident ids unique"
        );
        for c in &b.calls {
            if let Some(inc) = &c.incident_id {
                assert!(
                    incidents.contains(inc.as_str()),
                    "{d}: call {} names a missing incident",
                    c.source_id
                );
            }
            if c.outcome == Some(Outcome::Police) {
                assert!(
                    c.incident_id.is_some(),
                    "{d}: police call {} without incident",
                    c.source_id
                );
            }
        }
        let ordered: HashSet<&str> = b
            .work_orders
            .iter()
            .filter_map(|w| w.call_id.as_deref())
            .collect();
        for c in b
            .calls
            .iter()
            .filter(|c| c.outcome == Some(Outcome::Diverted))
        {
            assert!(
                ordered.contains(c.source_id.as_str()),
                "{d}: diverted call {} without work order",
                c.source_id
            );
        }
        // Many callers, one event: some incidents have further reports.
        let dups = b.calls.iter().filter(|c| c.duplicate).count() as f64 / b.calls.len() as f64;
        assert!((0.01..0.08).contains(&dups), "{d}: further reports {dups}");
        // Stage times are in order apart from a rare terminal clock error.
        let out_of_order = b
            .incidents
            .iter()
            .filter(|i| {
                let s: Vec<i64> = i.stages().into_iter().flatten().collect();
                s.windows(2).any(|w| w[1] < w[0])
            })
            .count() as f64;
        assert!(
            out_of_order / (b.incidents.len() as f64) < 0.01,
            "{d}: {out_of_order} out of order"
        );
    }
}

#[test]
fn some_work_orders_go_overdue_and_twelve_three_four_five_sends_orders_to_the_police() {
    let orders: Vec<_> = fortnight()
        .iter()
        .flat_map(|(_, b)| &b.work_orders)
        .collect();
    let overdue = orders
        .iter()
        .filter(|w| w.direction == Direction::Diverted && w.returned.is_none())
        .filter(|w| w.handled.unwrap_or(i64::MAX) > w.due.unwrap())
        .count() as f64;
    let diverted = orders
        .iter()
        .filter(|w| w.direction == Direction::Diverted)
        .count() as f64;
    assert!(
        (0.005..0.10).contains(&(overdue / diverted)),
        "overdue share {}",
        overdue / diverted
    );
    let to_police: Vec<_> = orders
        .iter()
        .filter(|w| w.direction == Direction::ToPolice)
        .collect();
    assert!(
        to_police.len() > 14 * 150,
        "{} orders to the police",
        to_police.len()
    );
    let in_time = to_police
        .iter()
        .filter(|w| w.accepted.unwrap() <= w.accept_by.unwrap())
        .count() as f64;
    let rate = in_time / to_police.len() as f64;
    assert!(
        (0.97..1.0).contains(&rate),
        "accepted in time {rate}: close to, not exactly, 100%"
    );
}

#[test]
fn repeat_callers_and_places_cross_the_thresholds() {
    let city = city_with(110, |c| c.simulator.calls_per_day = 5_000);
    let tz = chrono_tz::Asia::Shanghai;
    let mut by_caller: HashMap<String, Vec<NaiveDate>> = HashMap::new();
    let mut by_place: HashMap<String, usize> = HashMap::new();
    for i in 0..91 {
        let d = date(2026, 1, 1) + chrono::Duration::days(i);
        for c in generate_day(&city, d).calls {
            by_caller
                .entry(c.caller_key.unwrap())
                .or_default()
                .push(local_datetime(tz, c.received).date());
            if let Some(a) = c.address {
                *by_place.entry(a).or_default() += 1;
            }
        }
    }
    let max_in = |days: &Vec<NaiveDate>, key: &dyn Fn(&NaiveDate) -> (i32, u32)| {
        let mut m: BTreeMap<(i32, u32), usize> = BTreeMap::new();
        for d in days {
            *m.entry(key(d)).or_default() += 1;
        }
        m.values().copied().max().unwrap_or(0)
    };
    let week = |d: &NaiveDate| (d.iso_week().year(), d.iso_week().week());
    let month = |d: &NaiveDate| (d.year(), d.month());
    let over_week = by_caller.values().filter(|v| max_in(v, &week) >= 2).count();
    let over_month = by_caller
        .values()
        .filter(|v| max_in(v, &month) >= 3)
        .count();
    let over_quarter = by_caller.values().filter(|v| v.len() >= 5).count();
    assert!(over_week >= 10, "{over_week} callers with 2+ in a week");
    assert!(over_month >= 10, "{over_month} callers with 3+ in a month");
    assert!(
        over_quarter >= 15,
        "{over_quarter} callers with 5+ in a quarter"
    );
    // Most callers call once: repeat callers are a small minority.
    let once = by_caller.values().filter(|v| v.len() == 1).count() as f64 / by_caller.len() as f64;
    assert!(once > 0.95, "{once} call once");
    let hot_places = by_place.values().filter(|n| **n >= 5).count();
    assert!(hot_places >= 5, "{hot_places} places with 5+ reports");
}

#[tokio::test]
async fn backfill_stores_every_record_once() {
    let db = TestDb::new().await;
    let city = Arc::new(city_with(5, |c| c.simulator.calls_per_day = 2_000));
    let now = shanghai(date(2026, 4, 2), 15, 30);
    let stats = backfill(
        &db.store,
        Arc::clone(&city),
        date(2026, 4, 1),
        date(2026, 4, 2),
        now,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(stats.days, 2);
    // Expected: everything generated for those days that had begun by `now`.
    let mut want = (0, 0, 0, 0);
    for d in [date(2026, 4, 1), date(2026, 4, 2)] {
        let day = generate_day(&city, d);
        want.0 += day.calls.iter().filter(|c| c.received <= now).count() as i64;
        want.1 += day.incidents.iter().filter(|i| i.created <= now).count() as i64;
        want.2 += day.work_orders.iter().filter(|w| w.sent <= now).count() as i64;
        want.3 += day.callbacks.iter().filter(|b| b.called <= now).count() as i64;
    }
    let h = db.store.health().await.unwrap();
    assert_eq!((h.calls, h.incidents, h.work_orders, h.callbacks), want);
    assert!(h.calls > 2_500, "{} calls", h.calls);
    // Nothing from after `now` is visible.
    let latest: i64 = sqlx::query_scalar(
        "SELECT MAX(t) FROM (SELECT MAX(received_ms) t FROM calls UNION ALL SELECT MAX(answered_ms) FROM calls
         UNION ALL SELECT MAX(ended_ms) FROM calls UNION ALL SELECT MAX(arrived_ms) FROM incidents
         UNION ALL SELECT MAX(closed_ms) FROM incidents UNION ALL SELECT MAX(handled_ms) FROM work_orders)",
    )
    .fetch_one(&mut <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url).await.unwrap())
    .await
    .unwrap();
    assert!(latest <= now, "a stage from the future was written");
    // Backfilling the same span again stores nothing twice.
    backfill(
        &db.store,
        city,
        date(2026, 4, 1),
        date(2026, 4, 2),
        now,
        |_, _| {},
    )
    .await
    .unwrap();
    let again = db.store.health().await.unwrap();
    assert_eq!((again.calls, again.incidents), (h.calls, h.incidents));
}

#[tokio::test]
async fn live_writing_adds_stages_as_their_time_comes() {
    let db = TestDb::new().await;
    let city = Arc::new(city_with(9, |c| c.simulator.calls_per_day = 20_000));
    let start = shanghai(date(2026, 4, 2), 10, 0);
    // An hour of the city per second of test.
    let clock = SimClock::new(start, 3600.0);
    let writes = std::sync::Mutex::new(Vec::new());
    let run = write_live(
        &db.store,
        city,
        clock,
        start,
        std::time::Duration::from_millis(100),
        |now, n| writes.lock().unwrap().push((now, n)),
    );
    // Until five writes have landed and the city's clock has passed an hour, however long a
    // busy machine takes to generate the days first (it once took longer than 1.5 s).
    let enough = async {
        let deadline = Deadline::new("five live writes over a simulated hour", PATIENCE);
        loop {
            let (count, last) = {
                let w = writes.lock().unwrap();
                (w.len(), w.last().copied())
            };
            if count >= 5 && last.is_some_and(|(t, _)| t >= start + 3_600_000) {
                return;
            }
            deadline.again(&(count, last)).await;
        }
    };
    tokio::select! {
        stopped = run => panic!("the live writer stopped: {stopped:?}"),
        () = enough => {}
    }
    // A write in flight when the writer was dropped may still have landed, after the last
    // one reported; none can be later than the city's clock now.
    let stopped_at = clock.now();
    let writes = writes.into_inner().unwrap();
    let last_now = writes.last().unwrap().0;
    let h = db.store.health().await.unwrap();
    assert!(
        h.calls > 300,
        "{} calls in {} simulated minutes",
        h.calls,
        (last_now - start) / 60_000
    );
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let latest: i64 = sqlx::query_scalar("SELECT MAX(received_ms) FROM calls")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(latest <= stopped_at, "nothing from the future");
    // Calls from before the start appear only because a stage of theirs came after it.
    let stale: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM calls WHERE received_ms <= ?1 AND COALESCE(MAX(answered_ms, ended_ms), answered_ms, ended_ms, 0) <= ?1",
    )
    .bind(start)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(stale, 0, "calls finished before the start were written");
    // Stages arrive later than the row: some incidents were written more than once.
    let updated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM incidents WHERE seq > (SELECT MIN(seq) FROM incidents) AND arrived_ms IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(updated > 0);
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE closed_ms IS NULL")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        open > 0,
        "incidents still being handled have no close time yet"
    );
}

//! Alerts over a real store: the live lists the rules read, the append-only audit, a
//! commander's acknowledgement from another "process" folded in, state rebuilt after a
//! restart, and a baseline that does not take weeks without data for weeks without calls.

use commandwall::config::Config;
use commandwall::core::alerts::lifecycle::{Actor, EventKind, State};
use commandwall::core::model::{Call, Millis};
use commandwall::services::alerts::{self, Alerting};

use crate::helpers::records::{self, calls};
use crate::helpers::TestDb;

const MIN: Millis = 60_000;
/// 2026-11-24 10:30 Asia/Shanghai.
const NOW: Millis = 1_795_487_400_000;

fn config(rules: &str) -> Config {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("centre.toml");
    std::fs::write(
        &path,
        format!(
            "[alerts]\nescalate_after_min = 0\n{rules}\n[[alerts.commanders]]\nname = \"张伟\"\n"
        ),
    )
    .unwrap();
    Config::load(Some(&path), []).unwrap()
}

fn zhang() -> Actor {
    Actor {
        who: "张伟".into(),
        comment: "已核实".into(),
        door: "cli".into(),
        address: String::new(),
    }
}

#[tokio::test]
async fn waiting_calls_fire_are_acknowledged_elsewhere_and_survive_a_restart() {
    let db = TestDb::new().await;
    let c = config(
        "[[alerts.rules]]\nid = \"waiting\"\nkind = \"waiting_calls\"\nmax_waiting = 1\nmax_wait_s = 30\nlevel = \"orange\"",
    );
    // Two calls ringing (no answer, not ended) and one answered.
    let ringing = |id: &str, t| Call {
        answered: None,
        ended: None,
        ..records::call(id, t)
    };
    db.store
        .write(&calls(vec![
            ringing("r1", NOW - 20_000),
            ringing("r2", NOW - 5_000),
            records::call("a1", NOW - 50_000),
        ]))
        .await
        .unwrap();
    let mut a = Alerting::start(&db.store, &c, NOW).await.unwrap();
    a.tick(&db.store, &c, None, None, None, NOW).await.unwrap();
    let view = a.view(NOW);
    assert_eq!(view.active.len(), 1, "{view:?}");
    let alert = &view.active[0].alert;
    assert_eq!((alert.state, alert.value), (State::Firing, Some(2.0)));
    assert!(view.active[0].chime, "orange and firing: the wall chimes");

    // A commander acknowledges from another door (the command line), through the audit.
    let e = alerts::acknowledge(&db.store, alert.id, zhang(), NOW + MIN)
        .await
        .unwrap();
    assert_eq!(e.kind, EventKind::Acknowledged);
    a.tick(&db.store, &c, None, None, None, NOW + MIN)
        .await
        .unwrap();
    let view = a.view(NOW + MIN);
    assert_eq!(view.active[0].alert.state, State::Acknowledged);
    assert!(!view.active[0].chime, "acknowledged: no more chime");

    // Restart: the same state from the audit, which holds every transition once.
    let b = Alerting::start(&db.store, &c, NOW + 2 * MIN).await.unwrap();
    let again = b.view(NOW + 2 * MIN);
    assert_eq!(again.active[0].alert.id, alert.id);
    assert_eq!(again.active[0].alert.state, State::Acknowledged);
    let rows = db
        .store
        .alert_events_between(0, NOW + 3 * MIN)
        .await
        .unwrap();
    let kinds: Vec<EventKind> = rows.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Pending,
            EventKind::Firing,
            EventKind::Acknowledged
        ]
    );
    assert_eq!(rows[2].actor.as_ref().unwrap().who, "张伟");

    // The audit is append-only, whoever asks.
    let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    let err = sqlx::query("UPDATE alert_events SET who = 'x'")
        .execute(&pool)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("append-only"), "{err}");
    assert!(sqlx::query("DELETE FROM alert_events")
        .execute(&pool)
        .await
        .is_err());

    // The calls are answered: the alert resolves.
    db.store
        .write(&calls(vec![
            records::call("r1", NOW - 20_000),
            records::call("r2", NOW - 5_000),
        ]))
        .await
        .unwrap();
    let mut b = b;
    b.tick(&db.store, &c, None, None, None, NOW + 3 * MIN)
        .await
        .unwrap();
    let view = b.view(NOW + 3 * MIN);
    assert!(view.active.is_empty());
    assert_eq!(view.recent[0].alert.state, State::Resolved);
}

#[tokio::test]
async fn a_baseline_needs_weeks_the_database_covers_and_compares_at_equal_age() {
    let db = TestDb::new().await;
    let c = config("[[alerts.rules]]\nid = \"volume\"\nkind = \"baseline\"\nweeks = 4");
    // 40 calls in the first half hour of this hour: with no earlier weeks stored, nothing
    // is unusual (a week before the data is not a week without calls).
    let hour = NOW - 30 * MIN;
    let now_calls: Vec<Call> = (0..40)
        .map(|i| records::call(&format!("n{i}"), hour + i * 30_000))
        .collect();
    db.store.write(&calls(now_calls)).await.unwrap();
    let mut a = Alerting::start(&db.store, &c, NOW).await.unwrap();
    a.tick(&db.store, &c, None, None, None, NOW).await.unwrap();
    assert!(a.view(NOW).active.is_empty(), "no history, no baseline");

    // Four earlier weeks with 10 calls in the same first half hour, and 30 more later in
    // that hour that equal age must not count.
    let mut earlier = Vec::new();
    for w in 1..=4 {
        let start = hour - w * 7 * 24 * 60 * MIN;
        for i in 0..10 {
            earlier.push(records::call(&format!("w{w}-{i}"), start + i * 60_000));
        }
        for i in 0..30 {
            earlier.push(records::call(
                &format!("w{w}-late{i}"),
                start + 31 * MIN + i * 10_000,
            ));
        }
    }
    db.store.write(&calls(earlier)).await.unwrap();
    a.tick(&db.store, &c, None, None, None, NOW + 1_000)
        .await
        .unwrap();
    let view = a.view(NOW + 1_000);
    assert_eq!(
        view.active.len(),
        1,
        "40 against 10, 10, 10, 10 is far above normal"
    );
    assert_eq!(view.active[0].alert.value, Some(40.0));
    assert_eq!(view.active[0].alert.level.key(), "red");
}

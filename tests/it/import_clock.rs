//! Local times across clock changes (domain.md, "Local times in exports"), on exports
//! written by hand around 2025-11-02 in New York, where 01:00–01:59 happens twice: first
//! on EDT (UTC−4: 01:00 is 05:00 UTC), then on EST (UTC−5: 01:00 is 06:00 UTC). Every
//! expected instant below was worked out by hand.

use std::collections::HashMap;

use commandwall::core::model::Severity;
use commandwall::import::{import_file, ImportSummary, Mapping};
use sqlx::Connection;

use crate::helpers::{keyer, TestDb, IMPORT_NOW};

const MAPPING: &str = r#"
name = "ny_cad"
source = "ny"
record = "incident"
id = "id"
time_formats = ["%Y-%m-%d %H:%M"]
time_zone = "America/New_York"
null_values = [""]

[fields]
received = "received"
dispatched = "dispatched"
arrived = "arrived"
"#;

/// 2025-11-02 at `hm` UTC, in milliseconds.
fn utc(hm: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(&format!("2025-11-02 {hm}"), "%Y-%m-%d %H:%M")
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

type Times = (i64, Option<i64>, Option<i64>);

async fn import(db: &TestDb, mapping: &str, body: &str) -> (ImportSummary, HashMap<String, Times>) {
    let map = Mapping::from_toml(mapping, "ny.toml").unwrap();
    let path = db.path("export.csv");
    std::fs::write(&path, body).unwrap();
    let s = import_file(&db.store, &path, &map, keyer(), IMPORT_NOW)
        .await
        .unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let rows: Vec<(String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT i.source_id, c.received_ms, i.dispatched_ms, i.arrived_ms
         FROM incidents i JOIN calls c USING (source, source_id)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let stored = rows
        .into_iter()
        .map(|(id, r, d, a)| (id, (r, d, a)))
        .collect();
    (s, stored)
}

#[tokio::test]
async fn times_in_the_repeated_hour_are_read_by_the_order_of_stages() {
    let db = TestDb::new().await;
    let body = "id,received,dispatched,arrived
A1,2025-11-02 01:50,2025-11-02 01:10,2025-11-02 01:25
A2,2025-11-02 00:55,2025-11-02 01:05,2025-11-02 01:40
A3,2025-11-02 01:30,2025-11-02 01:45,2025-11-02 01:20
A4,2025-11-02 01:40,2025-11-02 01:20,2025-11-02 00:50
A5,2025-11-02 01:15,2025-11-02 02:10,
A6,2025-11-02 01:10,2025-11-02 01:20,
";
    let (s, t) = import(&db, MAPPING, body).await;
    assert_eq!((s.rows_stored, s.rows_rejected), (6, 0));
    // A1: received 01:50 then dispatched 01:10 — the dispatch is after the clocks went
    // back (EST), 20 min after the call taken at 01:50 EDT; arrived 01:25 EST after it.
    assert_eq!(
        t["A1"],
        (utc("05:50"), Some(utc("06:10")), Some(utc("06:25")))
    );
    // A2: received 00:55 (EDT, the hour before happens once); 01:05 is 10 min later on
    // EDT rather than 70 min on EST, and 01:40 EDT after it.
    assert_eq!(
        t["A2"],
        (utc("04:55"), Some(utc("05:05")), Some(utc("05:40")))
    );
    // A3: 01:30 and 01:45 on EDT, then the arrival at 01:20 only fits on EST.
    assert_eq!(
        t["A3"],
        (utc("05:30"), Some(utc("05:45")), Some(utc("06:20")))
    );
    // A5: dispatched 02:10 (EST, once: 07:10 UTC); the call at 01:15 is 55 min before it
    // on EST rather than 1 h 55 min on EDT.
    assert_eq!(t["A5"], (utc("06:15"), Some(utc("07:10")), None));
    // A6: both in the repeated hour, 10 min apart on either pass: the first pass.
    assert_eq!(t["A6"], (utc("05:10"), Some(utc("05:20")), None));

    // A4: arrived 00:50 EDT, before any reading of the call and dispatch: no reading puts
    // it in order, and that is a data-quality problem (besides the stages out of order).
    let problems: Vec<String> = s
        .issues
        .iter()
        .map(|i| {
            format!(
                "{} {:?} {}",
                i.record_id.as_deref().unwrap(),
                i.severity,
                i.reason
            )
        })
        .collect();
    assert!(
        problems.iter().any(|p| p.starts_with(
            "A4 Warning ambiguous local time: received, dispatched in the hour the clocks went back, and no reading puts the stages in order"
        )),
        "{problems:#?}"
    );
    assert!(
        problems.iter().all(|p| p.starts_with("A4 ")),
        "{problems:#?}"
    );
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_quality WHERE reason LIKE 'ambiguous local time%' AND line = 5",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(logged, 1);
}

#[tokio::test]
async fn a_time_in_the_skipped_hour_is_named_and_read_on_the_old_offset() {
    let db = TestDb::new().await;
    // 2025-03-09: New York's clocks go from 02:00 EST straight to 03:00 EDT.
    let body =
        "id,received,dispatched,arrived\nS1,2025-03-09 01:50,2025-03-09 02:30,2025-03-09 03:10\n";
    let (s, t) = import(&db, MAPPING, body).await;
    let march = |hm: &str| utc(hm) - 238 * 86_400_000;
    // 01:50 EST is 06:50 UTC; 02:30 read on EST is 07:30 UTC; 03:10 EDT is 07:10 UTC —
    // which puts the arrival before the dispatch, named too.
    assert_eq!(
        t["S1"],
        (march("06:50"), Some(march("07:30")), Some(march("07:10")))
    );
    let named: Vec<(Option<&str>, Severity, &str)> = s
        .issues
        .iter()
        .map(|i| (i.column.as_deref(), i.severity, i.kind()))
        .collect();
    assert_eq!(
        named,
        [
            (
                Some("dispatched"),
                Severity::Warning,
                "local time in the hour skipped when the clocks went forward"
            ),
            (Some("arrived"), Severity::Warning, "stages out of order"),
        ]
    );
}

#[tokio::test]
async fn a_stored_offset_settles_the_reading() {
    let db = TestDb::new().await;
    // `offset` gives every time of the row its offset; `[offsets]` one time its own.
    let mapping = MAPPING.replace("id = \"id\"\n", "id = \"id\"\noffset = \"utc_offset\"\n")
        + "\n[offsets]\nreceived = \"received_offset\"\n";
    let body = "id,received,received_offset,dispatched,arrived,utc_offset
B1,2025-11-02 01:50,-04:00,2025-11-02 01:10,,-0500
B2,2025-11-02 01:30,-5,2025-11-02 01:40,,
B3,2025-11-02 01:30,EDT,2025-11-02 01:40,,
";
    let (s, t) = import(&db, &mapping, body).await;
    // B1: 01:50 at −04:00 is 05:50 UTC; 01:10 at −05:00 is 06:10 UTC.
    assert_eq!(t["B1"], (utc("05:50"), Some(utc("06:10")), None));
    // B2: the call at −5 is 06:30 UTC; the dispatch has no offset, so it is read by the
    // order of stages: 01:40 EDT (05:40) would precede the call, 01:40 EST (06:40) does not.
    assert_eq!(t["B2"], (utc("06:30"), Some(utc("06:40")), None));
    // B3: "EDT" is no offset; the call's time cannot be placed, so the row is not stored.
    assert!(!t.contains_key("B3"));
    let b3: Vec<String> = s
        .issues
        .iter()
        .filter(|i| i.record_id.as_deref() == Some("B3"))
        .map(|i| format!("{:?} {:?} {}", i.column, i.severity, i.reason))
        .collect();
    assert_eq!(
        b3,
        ["Some(\"received\") Rejected bad UTC offset: column 'received_offset' holds 'EDT'; offsets are written like -04:00, -0400 or -4"]
    );
}

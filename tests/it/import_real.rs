//! Importing the real exports in shared/data: exact counts, idempotence, and the CAD's own
//! interval columns recomputed from the timestamps we stored.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use commandwall::import::{import_file, Mapping};
use sqlx::Connection;

use crate::helpers::{keyer, mapping, shared, TestDb, IMPORT_NOW};

const CAD: &str = "data/decc_cad_2025w35-41.csv";
const NYC: &str = "data/nyc311_20131225.csv";

async fn import(db: &TestDb, file: &str, map: &str) -> commandwall::import::ImportSummary {
    let m = Mapping::load(&mapping(map)).unwrap();
    import_file(&db.store, &shared(file), &m, keyer(), IMPORT_NOW)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cad_export_imports_once_with_exact_counts() {
    let db = TestDb::new().await;
    let first = import(&db, CAD, "decc_cad.toml").await;
    // 9,651 rows; 3 have no incident number and cannot be keyed.
    assert_eq!(
        (first.rows_read, first.rows_stored, first.rows_rejected),
        (9_651, 9_648, 3)
    );
    assert_eq!(
        first.records_new,
        2 * 9_648,
        "one call and one incident per row"
    );
    let missing_ids = first
        .issues
        .iter()
        .filter(|i| i.reason == "missing record id")
        .count();
    assert_eq!(missing_ids, 3);
    assert_eq!(first.fills["Incident_Arrival_Time"], 1_294);
    assert_eq!(first.fills["TimeFirstUnitDispatchAcknowledged"], 233);

    let again = import(&db, CAD, "decc_cad.toml").await;
    assert_eq!(
        (
            again.records_new,
            again.records_updated,
            again.records_unchanged
        ),
        (0, 0, 2 * 9_648)
    );
    let h = db.store.health().await.unwrap();
    assert_eq!((h.calls, h.incidents), (9_648, 9_648));
    // Every problem is in the data-quality log with its line, once (the second run found
    // the same ones).
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let logged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM data_quality WHERE source = 'decc_cad' AND line IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(logged as usize, first.issues.len());
    assert_eq!(again.issues.len(), first.issues.len());
}

#[tokio::test]
async fn the_311_day_imports_as_work_orders() {
    let db = TestDb::new().await;
    let first = import(&db, NYC, "nyc311.toml").await;
    assert_eq!(
        (first.rows_read, first.rows_stored, first.rows_rejected),
        (2_386, 2_386, 0)
    );
    // The one request with a Closed Date 56 days before it was created (line 2,072) is
    // Pending: its date is not a handling time, so no stage is out of order.
    assert!(
        !first
            .issues
            .iter()
            .any(|i| i.reason.starts_with("stages out of order")),
        "{:?}",
        first.issues
    );
    let again = import(&db, NYC, "nyc311.toml").await;
    assert_eq!((again.records_new, again.records_updated), (0, 0));

    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let (orders, to_police, with_due, open): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), SUM(direction = 'to_police'), COUNT(due_ms), SUM(handled_ms IS NULL) FROM work_orders",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    // Counted independently from the CSV: 298 NYPD rows, 2,386 − 1,941 with a Due Date;
    // handled only where Status is Closed (the mapping's `when`).
    let not_closed = nyc_rows_not_closed();
    assert_eq!(
        not_closed,
        (84, 7),
        "rows not Closed, and of them with a Closed Date"
    );
    assert_eq!(
        (orders, to_police, with_due, open),
        (2_386, 298, 445, not_closed.0)
    );
    // 311 timestamps are New York local time: the first request of the day, 00:00:xx EST,
    // is 05:00 UTC.
    let first_sent: i64 = sqlx::query_scalar("SELECT MIN(sent_ms) FROM work_orders")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let t = chrono::DateTime::from_timestamp_millis(first_sent).unwrap();
    assert_eq!(t.format("%Y-%m-%d %H").to_string(), "2013-12-25 05");

    // 311 records closing and resolution but not acceptance: the response rate of the
    // 298 NYPD orders is not recorded ("—"), not 0.0%; closure is, over all 2,386.
    use commandwall::core::kpi::{filter::Filter, vocabulary::Figure, window::range};
    let tz = chrono_tz::America::New_York;
    let e = commandwall::services::figures::evaluate(
        &db.store,
        &Default::default(),
        range(tz, first_sent, first_sent + 86_400_000),
        &Filter::default(),
        IMPORT_NOW,
    )
    .await
    .unwrap();
    let r = &e.report;
    assert_eq!(r.metric(Figure::WorkOrders), Some(2_386.0));
    assert_eq!(r.metric(Figure::WorkOrderResponseRate), None);
    let handled = r.metric(Figure::WorkOrderHandledRate).unwrap();
    assert!(
        (handled - (2_386.0 - not_closed.0 as f64) / 2_386.0).abs() < 1e-12,
        "handled rate {handled}"
    );
}

/// Rows of the 311 file whose Status is not Closed, and how many of them carry a Closed
/// Date all the same: read with the csv crate alone.
fn nyc_rows_not_closed() -> (i64, i64) {
    let mut reader = csv::Reader::from_path(shared(NYC)).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (status, closed) = (col("Status"), col("Closed Date"));
    let mut out = (0, 0);
    for r in reader.records().map(Result::unwrap) {
        if r[status].trim() != "Closed" {
            out.0 += 1;
            out.1 += i64::from(!r[closed].trim().is_empty());
        }
    }
    out
}

/// SQL Server's DATEDIFF(second, a, b): whole-second boundaries crossed.
fn datediff_s(a: i64, b: i64) -> i64 {
    b.div_euclid(1000) - a.div_euclid(1000)
}

fn parse_local(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok()
}

#[tokio::test]
async fn cad_intervals_from_stored_timestamps_match_the_files_own_columns() {
    let db = TestDb::new().await;
    import(&db, CAD, "decc_cad.toml").await;
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    type Row = (String, i64, i64, Option<i64>, Option<i64>, Option<i64>, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.source_id, c.answered_ms, i.created_ms, i.dispatched_ms, i.departed_ms, i.arrived_ms, c.received_ms
         FROM incidents i JOIN calls c ON c.source = i.source AND c.source_id = i.source_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let stored: HashMap<String, Row> = rows.into_iter().map(|r| (r.0.clone(), r)).collect();

    // The file read on its own, with its own columns.
    let mut reader = csv::Reader::from_path(shared(CAD)).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, t2d, proc_t, roll, transit) = (
        col("Master_Incident_Number"),
        col("Time_To_Dispatch"),
        col("Processing_Time"),
        col("Rollout_Time"),
        col("Transit_Time"),
    );
    let (start, queue, disp, enroute, arrive) = (
        col("Incident_Start_Time"),
        col("Incident_Queue_Time"),
        col("Incident_Dispatch_Time"),
        col("Incident_Enroute_Time"),
        col("Incident_Arrival_Time"),
    );
    // (matches, compared, no timestamp in the file, row not stored)
    let mut tally: HashMap<&str, (u32, u32, u32, u32)> = HashMap::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        let Some(row) = stored.get(&rec[id]) else {
            for k in [
                "Time_To_Dispatch",
                "Processing_Time",
                "Rollout_Time",
                "Transit_Time",
            ] {
                tally.entry(k).or_default().3 += 1;
            }
            continue;
        };
        let (_, answered, created, dispatched, departed, arrived, received) = row.clone();
        // Sanity: our stored received time is the file's start time, in New York time.
        let local = parse_local(&rec[start]).unwrap();
        let expect = commandwall::core::time::local_to_utc(chrono_tz::America::New_York, local);
        assert_eq!(received, expect);
        let checks = [
            ("Time_To_Dispatch", t2d, queue, Some(created), dispatched),
            ("Processing_Time", proc_t, disp, Some(answered), dispatched),
            ("Rollout_Time", roll, enroute, dispatched, departed),
            ("Transit_Time", transit, arrive, departed, arrived),
        ];
        for (name, file_col, later_col, a, b) in checks {
            let entry = tally.entry(name).or_default();
            match (a, b, rec[file_col].parse::<i64>()) {
                (Some(a), Some(b), Ok(file_value)) => {
                    entry.1 += 1;
                    if datediff_s(a, b) == file_value {
                        entry.0 += 1;
                    } else {
                        panic!(
                            "{} {name}: ours {} file {file_value}",
                            &rec[id],
                            datediff_s(a, b)
                        );
                    }
                }
                _ => {
                    assert!(
                        a.is_none() || b.is_none(),
                        "{} {name}: both stages stored but the file has no interval",
                        &rec[id]
                    );
                    assert!(parse_local(&rec[later_col]).is_none() || a.is_none());
                    entry.2 += 1;
                }
            }
        }
    }
    for (name, (m, n, blank, unstored)) in &tally {
        println!("{name}: {m} of {n} compared rows match; {blank} rows have no timestamp (NULL); {unstored} rows not stored (no incident number)");
    }
    // Every row where both exist matches; the others lack a stage (NULL) or an id.
    assert_eq!(tally["Time_To_Dispatch"], (9_648, 9_648, 0, 3));
    assert_eq!(tally["Processing_Time"], (9_648, 9_648, 0, 3));
    assert_eq!(tally["Rollout_Time"].1 + tally["Rollout_Time"].2, 9_648);
    assert_eq!(tally["Transit_Time"].1 + tally["Transit_Time"].2, 9_648);
    assert_eq!(
        tally["Rollout_Time"].2,
        224 - missing_in_unstored(&["Incident_Enroute_Time"])
    );
    assert_eq!(
        tally["Transit_Time"].2,
        1_294 - missing_in_unstored(&["Incident_Arrival_Time"])
    );
}

/// NULL stages among the three rows without an incident number (read from the file).
fn missing_in_unstored(cols: &[&str]) -> u32 {
    let mut reader = csv::Reader::from_path(shared(CAD)).unwrap();
    let header = reader.headers().unwrap().clone();
    let ix: Vec<usize> = cols
        .iter()
        .map(|c| header.iter().position(|h| h == *c).unwrap())
        .collect();
    let id = header
        .iter()
        .position(|h| h == "Master_Incident_Number")
        .unwrap();
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| r[id].is_empty() && ix.iter().any(|i| parse_local(&r[*i]).is_none()))
        .count() as u32
}

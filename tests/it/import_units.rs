//! A per-unit CAD export (one row per unit sent), built here from the real
//! one-row-per-incident file: each incident split into 1–3 units, the first carrying the
//! incident's own stage times, later ones later times, rows shuffled. Imported with the
//! shipped `decc_units` mapping, its figures must equal those of the original through
//! `decc_cad`; each incident's units, their number and the first unit are as built, and a
//! unit's own turnout and travel are kept.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use commandwall::core::kpi::filter::Filter;
use commandwall::core::kpi::window::range;
use commandwall::import::{import_file, ImportSummary, Mapping};
use commandwall::services::figures::evaluate;
use sqlx::Connection;

use crate::helpers::{keyer, mapping, shared, TestDb, IMPORT_NOW};

const CAD: &str = "data/decc_cad_2025w35-41.csv";
const FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// The incident's columns, copied to each of its units' rows.
const INCIDENT_COLUMNS: [&str; 12] = [
    "Master_Incident_Number",
    "Agency",
    "Problem",
    "Priority_Number",
    "Call_Reception",
    "Call_Taker",
    "Incident_Start_Time",
    "Incident_Queue_Time",
    "Incident_Phone_Stop",
    "Incident_First_Close_Time",
    "Final_Closed_Time",
    "Disposition",
];

/// Each unit column and the incident column its first unit copies.
const UNIT_COLUMNS: [(&str, &str); 5] = [
    ("Unit_Dispatch_Time", "Incident_Dispatch_Time"),
    (
        "Unit_Acknowledged_Time",
        "TimeFirstUnitDispatchAcknowledged",
    ),
    ("Unit_Enroute_Time", "Incident_Enroute_Time"),
    ("Unit_Arrival_Time", "Incident_Arrival_Time"),
    ("Unit_Cleared_Time", "TimeFirstCallCleared"),
];

/// A small deterministic generator, so the built file is the same every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One unit as built: its name and its five times as written in the file.
struct BuiltUnit {
    name: String,
    times: [String; 5],
}

/// The per-unit export: header and rows (shuffled), and the units of each incident, the
/// first dispatched first.
fn per_unit_export() -> (Vec<Vec<String>>, HashMap<String, Vec<BuiltUnit>>) {
    let mut reader = csv::Reader::from_path(shared(CAD)).unwrap();
    let h = reader.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let incident_ix: Vec<usize> = INCIDENT_COLUMNS.iter().map(|c| col(c)).collect();
    let unit_ix: Vec<usize> = UNIT_COLUMNS.iter().map(|(_, c)| col(c)).collect();
    let mut rng = Lcg(2025);
    let mut rows = Vec::new();
    let mut units: HashMap<String, Vec<BuiltUnit>> = HashMap::new();
    for rec in reader.records().map(Result::unwrap) {
        let id = rec[incident_ix[0]].to_string();
        let n = 1 + rng.below(3);
        // Names drawn at random, so the first dispatched is not the first by name.
        let mut names: Vec<String> = Vec::new();
        while names.len() < n as usize {
            let name = format!(
                "{}{:02}",
                ["E", "M", "P", "K"][rng.below(4) as usize],
                rng.below(40)
            );
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut delay = 0;
        for (k, name) in names.into_iter().enumerate() {
            if k > 0 {
                delay += 30 + rng.below(240) as i64;
            }
            let mut times: [String; 5] = Default::default();
            for (slot, ix) in times.iter_mut().zip(&unit_ix) {
                let raw = &rec[*ix];
                // A later unit's stage comes later; a stage the incident lacks (NULL,
                // -9999) every unit lacks.
                *slot = match NaiveDateTime::parse_from_str(raw.trim(), FORMAT) {
                    Ok(t) if k > 0 => (t + Duration::seconds(delay))
                        .format("%Y-%m-%d %H:%M:%S%.3f")
                        .to_string(),
                    _ => raw.to_string(),
                };
            }
            let mut row: Vec<String> = incident_ix.iter().map(|ix| rec[*ix].to_string()).collect();
            row.push(name.clone());
            row.extend(times.iter().cloned());
            rows.push(row);
            units
                .entry(id.clone())
                .or_default()
                .push(BuiltUnit { name, times });
        }
    }
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let header: Vec<String> = INCIDENT_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(std::iter::once("Unit_Id".to_string()))
        .chain(UNIT_COLUMNS.iter().map(|(c, _)| c.to_string()))
        .collect();
    rows.insert(0, header);
    (rows, units)
}

fn write_csv(path: &std::path::Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

async fn import(db: &TestDb, file: &std::path::Path, map: &str) -> ImportSummary {
    let m = Mapping::load(&mapping(map)).unwrap();
    import_file(&db.store, file, &m, keyer(), IMPORT_NOW)
        .await
        .unwrap()
}

/// Every figure of the weeks' range, and by priority, as JSON.
async fn figures(db: &TestDb) -> Vec<serde_json::Value> {
    let tz = chrono_tz::America::New_York;
    let at = |s: &str| {
        NaiveDateTime::parse_from_str(s, FORMAT)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let (from, to) = (at("2025-08-01 04:00:00"), at("2025-11-01 04:00:00"));
    let mut out = Vec::new();
    for priority in [None, Some(1), Some(2), Some(4)] {
        let filter = Filter {
            priority,
            ..Filter::default()
        };
        let e = evaluate(
            &db.store,
            &Default::default(),
            range(tz, from, to),
            &filter,
            IMPORT_NOW,
        )
        .await
        .unwrap();
        out.push(serde_json::to_value(&e.report).unwrap());
    }
    out
}

/// The keys where two JSON values differ, with both sides.
fn differences(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value::{Array, Object};
    match (a, b) {
        (Object(x), Object(y)) => {
            for (k, v) in x {
                differences(
                    &format!("{path}.{k}"),
                    v,
                    y.get(k).unwrap_or(&serde_json::Value::Null),
                    out,
                );
            }
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} vs {b}")),
        _ => {}
    }
}

type StoredUnit = (
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

async fn stored_units(db: &TestDb) -> Vec<StoredUnit> {
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query_as(
        "SELECT incident_id, unit, dispatched_ms, departed_ms, arrived_ms, cleared_ms
         FROM incident_units ORDER BY incident_id, unit",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_per_unit_export_gives_the_figures_of_the_incident_export() {
    let (rows, built) = per_unit_export();
    let whole = TestDb::new().await;
    import(&whole, &shared(CAD), "decc_cad.toml").await;

    let db = TestDb::new().await;
    let file = db.path("units.csv");
    write_csv(&file, &rows);
    let first = import(&db, &file, "decc_units.toml").await;
    let unit_rows = rows.len() as u64 - 1;
    // The rows built from the three without an incident number are rejected, as those are
    // in the incident export.
    let no_id = built[""].len() as u64;
    assert_eq!(
        (first.rows_read, first.rows_stored, first.rows_rejected),
        (unit_rows, unit_rows - no_id, no_id)
    );
    let (a, b) = (figures(&whole).await, figures(&db).await);
    let mut diff = Vec::new();
    for (x, y) in a.iter().zip(&b) {
        differences("", x, y, &mut diff);
    }
    assert!(diff.is_empty(), "figures differ:\n{}", diff.join("\n"));

    // Each incident's units, their number and the first unit dispatched, as built.
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let incidents: Vec<(String, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT source_id, units, unit FROM incidents")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(incidents.len(), 9_648);
    for (id, n, unit) in &incidents {
        let units = &built[id];
        assert_eq!(*n, Some(units.len() as i64), "{id}");
        assert_eq!(unit.as_deref(), Some(units[0].name.as_str()), "{id}");
    }
    let stored = stored_units(&db).await;
    let built_units: usize = built
        .iter()
        .filter(|(id, _)| !id.is_empty())
        .map(|(_, u)| u.len())
        .sum();
    assert_eq!(stored.len(), built_units);

    // Each unit's turnout (dispatch → en route) and travel (en route → arrival), summed
    // from the times the test wrote, against the stored units.
    let local = |s: &str| NaiveDateTime::parse_from_str(s.trim(), FORMAT).ok();
    let (mut turnout, mut travel) = ((0i64, 0i64), (0i64, 0i64));
    for (_, units) in built.iter().filter(|(id, _)| !id.is_empty()) {
        for u in units {
            let [dispatched, _, enroute, arrived, _] = u.times.each_ref().map(|t| local(t));
            if let (Some(d), Some(e)) = (dispatched, enroute) {
                turnout.0 += 1;
                turnout.1 += (e - d).num_milliseconds();
            }
            if let (Some(e), Some(a)) = (enroute, arrived) {
                travel.0 += 1;
                travel.1 += (a - e).num_milliseconds();
            }
        }
    }
    let (mut got_turnout, mut got_travel) = ((0i64, 0i64), (0i64, 0i64));
    for (_, _, dispatched, departed, arrived, _) in &stored {
        if let (Some(d), Some(e)) = (dispatched, departed) {
            got_turnout.0 += 1;
            got_turnout.1 += e - d;
        }
        if let (Some(e), Some(a)) = (departed, arrived) {
            got_travel.0 += 1;
            got_travel.1 += a - e;
        }
    }
    assert_eq!((got_turnout, got_travel), (turnout, travel));
    assert!(
        turnout.0 > 9_000 && travel.0 > 8_000,
        "{turnout:?} {travel:?}"
    );

    // The same file again adds and changes nothing.
    let again = import(&db, &file, "decc_units.toml").await;
    assert_eq!((again.records_new, again.records_updated), (0, 0));
    assert_eq!(stored_units(&db).await, stored);

    // The rows in two files, the second imported later: the incidents merge.
    let halves = TestDb::new().await;
    let cut = rows.len() / 2;
    let (one, two) = (halves.path("one.csv"), halves.path("two.csv"));
    write_csv(&one, &rows[..cut]);
    write_csv(&two, &[&rows[..1], &rows[cut..]].concat());
    import(&halves, &one, "decc_units.toml").await;
    import(&halves, &two, "decc_units.toml").await;
    assert_eq!(stored_units(&halves).await, stored);
    assert_eq!(figures(&halves).await, b);
}

/// A cumulative export repeats a unit's row when it changes: the later row replaces the
/// unit, and the incident follows; a row of another unit adds it.
#[tokio::test]
async fn a_units_later_row_replaces_it_and_a_new_unit_is_added() {
    let db = TestDb::new().await;
    let header = "Master_Incident_Number,Agency,Problem,Priority_Number,Call_Reception,Call_Taker,Incident_Start_Time,Incident_Queue_Time,Incident_Phone_Stop,Incident_First_Close_Time,Final_Closed_Time,Disposition,Unit_Id,Unit_Dispatch_Time,Unit_Acknowledged_Time,Unit_Enroute_Time,Unit_Arrival_Time,Unit_Cleared_Time";
    let row = |unit: &str, dispatch: &str, arrive: &str, closed: &str| {
        format!("I1,P,MVC AUTO,2,E-911,C1,2025-09-01 10:00:00,2025-09-01 10:01:00,2025-09-01 10:02:00,NULL,{closed},,{unit},{dispatch},NULL,NULL,{arrive},NULL")
    };
    let body = [
        header.to_string(),
        row(
            "M1",
            "2025-09-01 10:03:00",
            "2025-09-01 10:20:00",
            "2025-09-01 11:00:00",
        ),
        row(
            "E2",
            "2025-09-01 10:05:00",
            "2025-09-01 10:12:00",
            "2025-09-01 11:30:00",
        ),
        // M1 again, corrected: it arrived at 10:15. The close on this row is earlier.
        row(
            "M1",
            "2025-09-01 10:03:00",
            "2025-09-01 10:15:00",
            "2025-09-01 11:10:00",
        ),
    ]
    .join("\n");
    let path = db.path("cumulative.csv");
    std::fs::write(&path, body).unwrap();
    let s = import(&db, &path, "decc_units.toml").await;
    assert_eq!((s.rows_stored, s.rows_rejected), (3, 0));
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let (dispatched, arrived, closed, units, unit): (i64, i64, i64, i64, String) = sqlx::query_as(
        "SELECT dispatched_ms, arrived_ms, closed_ms, units, unit FROM incidents WHERE source_id = 'I1'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    // New York is 4 h behind UTC in September: 10:03 EDT is 14:03 UTC.
    let utc = |hm: &str| {
        NaiveDateTime::parse_from_str(&format!("2025-09-01 {hm}:00"), "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    assert_eq!(
        (dispatched, arrived, closed, units, unit.as_str()),
        (utc("14:03"), utc("14:12"), utc("15:30"), 2, "M1")
    );
    // E2 arrived first (10:12), M1 at 10:15 after its correction.
    let arrivals: Vec<(String, i64)> =
        sqlx::query_as("SELECT unit, arrived_ms FROM incident_units ORDER BY unit")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(
        arrivals,
        [
            ("E2".to_string(), utc("14:12")),
            ("M1".to_string(), utc("14:15"))
        ]
    );
}

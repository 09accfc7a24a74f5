//! A phone system's hourly counts (the real DECC ACD export, and hand-written files around a
//! clock change): imported as interval aggregates, never as made-up calls; the answer shares,
//! the abandoned calls and the p90's band computed from them equal those summed straight from
//! the CSV here.

use chrono::{NaiveDateTime, TimeZone};
use commandwall::core::kpi::filter::Filter;
use commandwall::core::kpi::vocabulary::{Figure, Interval};
use commandwall::core::kpi::window::range;
use commandwall::core::model::Severity;
use commandwall::import::{import_file, Mapping};
use commandwall::services::figures::evaluate;

use crate::helpers::{keyer, mapping, shared, TestDb, IMPORT_NOW};
use crate::kpi_reference::nearest_rank;

const PHONE: &str = "data/decc_phone_hourly_2025w44.csv";
const NY: chrono_tz::Tz = chrono_tz::America::New_York;

fn ny(local: &str) -> i64 {
    let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    NY.from_local_datetime(&t)
        .earliest()
        .unwrap()
        .timestamp_millis()
}

/// Sums over the whole file, both lines: answered per band edge (10, 15, 20, then the
/// rest), abandoned, offered, and rows.
struct FromCsv {
    bands: [u64; 4],
    abandoned: u64,
    offered: u64,
    rows: u64,
}

fn from_csv() -> FromCsv {
    let mut reader = csv::Reader::from_path(shared(PHONE)).unwrap();
    let h = reader.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let mut out = FromCsv {
        bands: [0; 4],
        abandoned: 0,
        offered: 0,
        rows: 0,
    };
    for row in reader.records().map(Result::unwrap) {
        out.rows += 1;
        let n = |c: &str| -> u64 { row[col(c)].trim().parse().unwrap() };
        for line in ["911", "ADM"] {
            let c = |suffix: &str| n(&format!("{line}_{suffix}"));
            out.bands[0] += c("10");
            out.bands[1] += c("15");
            out.bands[2] += c("20");
            out.bands[3] += c("40") + c("60") + c("120") + c("121");
            out.abandoned += c("AB");
            out.offered += c("T");
        }
    }
    out
}

fn phone_mapping() -> Mapping {
    Mapping::load(&mapping("decc_phone_hourly.toml")).unwrap()
}

#[tokio::test]
async fn the_real_hourly_export_gives_the_weeks_answer_shares_and_the_p90_as_a_band() {
    let db = TestDb::new().await;
    let s = import_file(
        &db.store,
        &shared(PHONE),
        &phone_mapping(),
        keyer(),
        IMPORT_NOW,
    )
    .await
    .unwrap();
    let want = from_csv();
    assert_eq!(want.rows, 168, "a week of hours");
    assert_eq!((s.rows_read, s.rows_stored, s.rows_rejected), (168, 168, 0));
    assert!(s.issues.is_empty(), "{:?}", s.issues);
    // Two lines an hour: 336 intervals, none of them a call.
    assert_eq!(s.records_new, 336);
    let h = db.store.health().await.unwrap();
    assert_eq!(h.calls, 0, "aggregates are never stored as calls");

    // The week as the file has it (dates written with and without zero padding).
    let e = evaluate(
        &db.store,
        &Default::default(),
        range(NY, ny("2025-10-26 00:00"), ny("2025-11-02 00:00")),
        &Filter::default(),
        IMPORT_NOW,
    )
    .await
    .unwrap();
    let answered: u64 = want.bands.iter().sum();
    let share = |k: usize| want.bands[..k].iter().sum::<u64>() as f64 / answered as f64;
    let r = &e.report;
    let close = |f: Figure, v: f64| {
        let got = r.metric(f).unwrap_or_else(|| panic!("{f:?} missing"));
        assert!((got - v).abs() < 1e-12, "{f:?}: {got} vs {v}");
    };
    close(Figure::AnsweredWithin10s, share(1));
    close(Figure::AnsweredWithin15s, share(2));
    close(Figure::AnsweredWithin20s, share(3));
    assert_eq!(r.metric(Figure::Abandoned), Some(want.abandoned as f64));
    assert_eq!(want.offered, answered + want.abandoned, "the file adds up");

    let a = r.interval(Interval::Answer).unwrap();
    assert_eq!(a.n, answered);
    assert_eq!(
        a.bands.iter().map(|b| b.count).collect::<Vec<_>>(),
        want.bands
    );
    // The p90 by nearest rank over the calls as bands: which band holds the ⌈0.9·n⌉-th.
    let as_bands: Vec<u64> = want
        .bands
        .iter()
        .enumerate()
        .flat_map(|(i, n)| std::iter::repeat_n(i as u64, *n as usize))
        .collect();
    let edges = [(0, Some(10)), (10, Some(15)), (15, Some(20)), (20, None)];
    let p90 = edges[nearest_rank(&as_bands, 0.9).unwrap() as usize];
    let p50 = edges[nearest_rank(&as_bands, 0.5).unwrap() as usize];
    assert_eq!((a.p50_band, a.p90_band), (Some(p50), Some(p90)));
    assert_eq!((a.p50_s, a.p90_s), (None, None), "no seconds are made up");

    // Importing the same file again changes nothing.
    let again = import_file(
        &db.store,
        &shared(PHONE),
        &phone_mapping(),
        keyer(),
        IMPORT_NOW,
    )
    .await
    .unwrap();
    assert_eq!((again.records_new, again.records_unchanged), (0, 336));
}

/// A phone mapping for a small hand-written file: one line, bands at 10/15/20 s.
const SMALL: &str = r#"
name = "small_acd"
source = "small_acd"
record = "phone_interval"
interval_minutes = 60
time_formats = ["%Y-%m-%d %H:%M"]
time_zone = "America/New_York"
[fields]
start = "Hour"
[lines.main]
offered = "Offered"
abandoned = "Abandoned"
answered_after = "Later"
[lines.main.answered_within]
10 = "In10"
15 = "In15"
20 = "In20"
"#;

async fn import_small(
    db: &TestDb,
    name: &str,
    rows: &[&str],
) -> commandwall::import::ImportSummary {
    let path = db.path(name);
    let mut text = String::from("Hour,Offered,Abandoned,In10,In15,In20,Later\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    let m = Mapping::from_toml(SMALL, "small.toml").unwrap();
    import_file(&db.store, &path, &m, keyer(), IMPORT_NOW)
        .await
        .unwrap()
}

/// Calls answered in each UTC hour from 00:00 EDT on 2025-11-02 (04:00Z) for four hours,
/// read back through the figures.
async fn answered_by_hour(db: &TestDb) -> Vec<u64> {
    let mut out = Vec::new();
    let from = ny("2025-11-02 00:00");
    for t in (0..4).map(|h| from + h * 3_600_000) {
        let r = evaluate(
            &db.store,
            &Default::default(),
            range(NY, t, t + 3_600_000),
            &Filter::default(),
            IMPORT_NOW,
        )
        .await
        .unwrap();
        out.push(r.report.interval(Interval::Answer).map_or(0, |a| a.n));
    }
    out
}

#[tokio::test]
async fn the_hour_that_repeats_when_clocks_go_back_is_read_by_row_order() {
    // 2025-11-02 in New York: 01:00–02:00 happens twice (EDT, then EST). Worked by hand:
    // 00:00 EDT = 04:00Z, 01:00 EDT = 05:00Z, 01:00 EST = 06:00Z, 02:00 EST = 07:00Z. Each
    // row answers a different number of calls (1, 2, 3, 4) within 10 s, so each UTC hour
    // shows whose row it got.
    let db = TestDb::new().await;
    let s = import_small(
        &db,
        "dst.csv",
        &[
            "2025-11-02 00:00,1,0,1,0,0,0",
            "2025-11-02 01:00,2,0,2,0,0,0",
            "2025-11-02 01:00,3,0,3,0,0,0",
            "2025-11-02 02:00,4,0,4,0,0,0",
        ],
    )
    .await;
    assert_eq!((s.rows_stored, s.records_new), (4, 4), "{:?}", s.issues);
    assert!(s.issues.is_empty(), "{:?}", s.issues);
    // UTC hours from 04:00Z (00:00 EDT): 04, 05, 06, 07.
    assert_eq!(ny("2025-11-02 00:00"), 1_762_056_000_000, "04:00Z by hand");
    assert_eq!(answered_by_hour(&db).await, [1, 2, 3, 4]);
}

#[tokio::test]
async fn a_repeated_hour_written_once_is_reported_and_a_skipped_hour_refused() {
    let db = TestDb::new().await;
    let s = import_small(
        &db,
        "lone.csv",
        &[
            "2025-11-02 00:00,1,0,1,0,0,0",
            "2025-11-02 01:00,2,0,2,0,0,0",
            "2025-11-02 02:00,4,0,4,0,0,0",
            // Spring forward: 02:00–03:00 on 2025-03-09 never happened in New York.
            "2025-03-09 02:30,5,0,5,0,0,0",
        ],
    )
    .await;
    assert_eq!((s.rows_stored, s.rows_rejected), (3, 1));
    let lone: Vec<_> = s
        .issues
        .iter()
        .filter(|i| i.reason.starts_with("repeated hour written once"))
        .collect();
    assert_eq!(lone.len(), 1, "{:?}", s.issues);
    assert_eq!(
        (lone[0].line, lone[0].severity),
        (Some(3), Severity::Warning)
    );
    let skipped = s
        .issues
        .iter()
        .find(|i| i.severity == Severity::Rejected)
        .unwrap();
    assert_eq!(skipped.line, Some(5));
    assert!(
        skipped.reason.contains("does not exist"),
        "{}",
        skipped.reason
    );
    // Read as the first pass: 01:00 EDT, the hour after midnight; the second pass is empty.
    assert_eq!(answered_by_hour(&db).await, [1, 2, 0, 4]);
}

#[tokio::test]
async fn bad_counts_are_named_and_the_row_is_not_stored() {
    let db = TestDb::new().await;
    let s = import_small(
        &db,
        "bad.csv",
        &[
            "2025-10-30 09:00,5,1,2,1,1,0",
            "2025-10-30 10:00,5,1,two,1,1,0",
            "2025-10-30 11:00,5,1,-2,1,1,0",
            // More answered and abandoned than offered: stored, with a warning.
            "2025-10-30 12:00,3,1,2,1,1,0",
        ],
    )
    .await;
    assert_eq!((s.rows_stored, s.rows_rejected), (2, 2), "{:?}", s.issues);
    let bad: Vec<(Option<u64>, Option<&str>)> = s
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Rejected)
        .map(|i| (i.line, i.column.as_deref()))
        .collect();
    assert_eq!(bad, [(Some(3), Some("In10")), (Some(4), Some("In10"))]);
    let warned = s
        .issues
        .iter()
        .find(|i| i.severity == Severity::Warning)
        .unwrap();
    assert_eq!(warned.line, Some(5));
    assert!(warned
        .reason
        .contains("more calls answered and abandoned than offered"));
}

#[test]
fn a_mapping_that_cannot_describe_interval_counts_is_refused() {
    // The old way to import an ACD file: each hour as one call keyed by its own time.
    let as_calls = r#"
name = "acd_as_calls"
source = "acd"
record = "incident"
id = "DateTime"
time_formats = ["%m/%d/%Y %H:%M"]
time_zone = "America/New_York"
[fields]
received = "DateTime"
"#;
    let e = Mapping::from_toml(as_calls, "acd.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("id 'DateTime' is also the received time") && e.contains("phone_interval"),
        "{e}"
    );
    // Bands that do not end at the answer limits cannot give the shares within 10/15/20 s.
    let coarse = SMALL
        .replace("15 = \"In15\"\n", "")
        .replace("20 = \"In20\"", "30 = \"In20\"");
    let e = Mapping::from_toml(&coarse, "coarse.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("answered_within") && e.contains("10, 30 s") && e.contains("10, 15, 20 s"),
        "{e}"
    );
    // Neither the calls answered after the bands nor all answered: the rest is unknown.
    let open = SMALL.replace("answered_after = \"Later\"\n", "");
    let e = Mapping::from_toml(&open, "open.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("answered_after") && e.contains("lines.main"),
        "{e}"
    );
}

#[tokio::test]
async fn an_interval_written_again_later_in_the_file_replaces_the_first() {
    // A cumulative export appends an hour's corrected row: the last row wins, once.
    let db = TestDb::new().await;
    let s = import_small(
        &db,
        "again.csv",
        &[
            "2025-11-02 00:00,1,0,1,0,0,0",
            "2025-11-02 03:00,7,0,7,0,0,0",
            "2025-11-02 00:00,5,0,5,0,0,0",
        ],
    )
    .await;
    assert_eq!((s.rows_stored, s.records_new), (3, 2), "{:?}", s.issues);
    assert_eq!(answered_by_hour(&db).await, [5, 0, 0, 0]);
}

//! Bad input: each malformed row is named with file, line, column and reason; good rows are
//! stored; whole-file problems stop with one clear message; nothing stored before is lost.

use std::path::Path;

use sqlx::Connection;

use commandwall::core::model::Severity;
use commandwall::import::parse::ParsedRow;
use commandwall::import::read::Rows;
use commandwall::import::{import_file, ImportError, Mapping};

use crate::helpers::{keyer, TestDb, IMPORT_NOW};

/// A small CAD-style mapping with every kind of field.
const MAPPING: &str = r#"
name = "mini"
source = "mini"
record = "incident"
id = "id"
time_formats = ["%Y-%m-%d %H:%M:%S"]
time_zone = "Asia/Shanghai"
null_values = ["NULL", "-9999", ""]

[fields]
received = "start"
dispatched = "dispatch"
arrived = "arrive"
channel = "via"
priority = "prio"

[values.channel]
unknown = "reject"
[values.channel.map]
"110" = "phone"
"SMS" = "sms"
"#;

const HEADER: &str = "id,start,dispatch,arrive,via,prio";
const GOOD: &str = "A1,2026-11-20 08:00:00,2026-11-20 08:01:00,2026-11-20 08:05:00,110,1";

fn mapping(text: &str) -> Mapping {
    Mapping::from_toml(text, "mini.toml").unwrap()
}

async fn run(
    db: &TestDb,
    name: &str,
    body: &[u8],
    map: &Mapping,
) -> Result<commandwall::import::ImportSummary, ImportError> {
    let path = db.path(name);
    std::fs::write(&path, body).unwrap();
    import_file(&db.store, &path, map, keyer(), IMPORT_NOW).await
}

struct Case {
    name: &'static str,
    row: &'static [u8],
    /// Expected: stored?, column named, words in the reason.
    stored: bool,
    column: Option<&'static str>,
    reason: &'static str,
}

#[tokio::test]
async fn each_malformed_row_is_named_and_good_rows_are_stored() {
    let cases = [
        Case {
            name: "bad timestamp",
            row: b"B1,20/11/2026 8am,,,110,1",
            stored: false,
            column: Some("start"),
            reason: "bad timestamp",
        },
        Case {
            name: "impossible date",
            row: b"B2,2026-02-30 08:00:00,,,110,1",
            stored: false,
            column: Some("start"),
            reason: "bad timestamp",
        },
        Case {
            name: "year 1900",
            row: b"B3,1900-01-01 08:00:00,,,110,1",
            stored: false,
            column: Some("start"),
            reason: "impossible timestamp: before 1990",
        },
        Case {
            name: "in the future",
            row: b"B4,2031-01-01 08:00:00,,,110,1",
            stored: false,
            column: Some("start"),
            reason: "impossible timestamp: more than a day in the future",
        },
        Case {
            name: "bad stage time",
            row: b"B5,2026-11-20 08:00:00,soon,,110,1",
            stored: true,
            column: Some("dispatch"),
            reason: "bad timestamp",
        },
        Case {
            name: "arrival before dispatch",
            row: b"B6,2026-11-20 08:00:00,2026-11-20 08:05:00,2026-11-20 08:01:00,110,1",
            stored: true,
            column: Some("arrive"),
            reason: "stages out of order: arrived is 4 min 0 s before dispatched",
        },
        Case {
            name: "dispatch before the call",
            row: b"B7,2026-11-20 08:00:00,2026-11-20 07:59:00,,110,1",
            stored: true,
            column: Some("dispatch"),
            reason: "stages out of order: dispatched is 1 min 0 s before created",
        },
        Case {
            name: "unknown code",
            row: b"B8,2026-11-20 08:00:00,,,PAGER,1",
            stored: false,
            column: Some("via"),
            reason: "unknown channel code: valid: 110, SMS",
        },
        Case {
            name: "not a number",
            row: b"B9,2026-11-20 08:00:00,,,110,high",
            stored: true,
            column: Some("prio"),
            reason: "not a whole number; priority left empty",
        },
        Case {
            name: "missing id",
            row: b",2026-11-20 08:00:00,,,110,1",
            stored: false,
            column: Some("id"),
            reason: "missing record id",
        },
        Case {
            name: "missing received",
            row: b"B10,NULL,,,110,1",
            stored: false,
            column: Some("start"),
            reason: "missing received time",
        },
        Case {
            name: "too few fields",
            row: b"B11,2026-11-20 08:00:00",
            stored: false,
            column: None,
            reason: "malformed CSV row: 2 fields where the header has 6",
        },
        Case {
            name: "priority beyond what a priority can be",
            row: b"B12,2026-11-20 08:00:00,,,110,99999999999",
            stored: true,
            column: Some("prio"),
            reason: "out of range; priority left empty: priority must lie within -2147483648 … 2147483647",
        },
    ];
    let map = mapping(MAPPING);
    for case in cases {
        let db = TestDb::new().await;
        let body = [
            HEADER.as_bytes(),
            b"\n",
            GOOD.as_bytes(),
            b"\n",
            case.row,
            b"\n",
            GOOD.replace("A1", "A2").as_bytes(),
            b"\n",
        ]
        .concat();
        let s = run(&db, "export.csv", &body, &map)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let issue = s
            .issues
            .iter()
            .find(|i| i.line == Some(3))
            .unwrap_or_else(|| panic!("{}: no issue on line 3: {:?}", case.name, s.issues));
        assert_eq!(
            issue.file.as_deref(),
            Some(db.path("export.csv").to_str().unwrap()),
            "{}",
            case.name
        );
        assert_eq!(
            issue.column.as_deref(),
            case.column,
            "{}: {issue}",
            case.name
        );
        assert!(
            issue.reason.starts_with(case.reason),
            "{}: got '{}'",
            case.name,
            issue.reason
        );
        assert_eq!(
            issue.severity == Severity::Rejected,
            !case.stored,
            "{}",
            case.name
        );
        assert_eq!(s.rows_rejected, u64::from(!case.stored), "{}", case.name);
        let calls = db.store.health().await.unwrap().calls;
        assert_eq!(
            calls,
            2 + i64::from(case.stored),
            "{}: the good rows around it are stored",
            case.name
        );
        // The message a person reads names the place.
        let shown = issue.to_string();
        assert!(shown.contains("export.csv:3"), "{}: {shown}", case.name);
    }
}

/// A cumulative export appends a record's updated row: within one file, as across files,
/// the last row wins, and nothing is rejected.
#[tokio::test]
async fn a_repeated_id_in_one_file_takes_its_last_row() {
    let db = TestDb::new().await;
    let body = format!(
        "{HEADER}\n{GOOD}\nA2,2026-11-20 08:30:00,,,110,2\nA1,2026-11-20 08:00:00,2026-11-20 08:02:00,,SMS,3\n"
    );
    let s = run(&db, "cumulative.csv", body.as_bytes(), &mapping(MAPPING))
        .await
        .unwrap();
    assert!(s.issues.is_empty(), "{:?}", s.issues);
    assert_eq!((s.rows_stored, s.rows_rejected, s.records_new), (3, 0, 4));
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let a1: (String, i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT c.channel, i.priority, i.dispatched_ms, i.arrived_ms
         FROM calls c JOIN incidents i USING (source, source_id) WHERE source_id = 'A1'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    // Line 4's A1: by SMS, priority 3, dispatched 08:02 Shanghai time (00:02 UTC), and
    // no arrival (line 2's 08:05 is gone, as a re-import of line 4 would leave it).
    let dispatched = chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(0, 2, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    assert_eq!(a1, ("sms".to_string(), 3, Some(dispatched), None));
    assert_eq!(db.store.health().await.unwrap().calls, 2);
}

#[tokio::test]
async fn fill_values_are_counted_not_reported() {
    let db = TestDb::new().await;
    // A fill value written as another number equal to it is the same fill value.
    let body = format!(
        "{HEADER}\n{GOOD}\nC1,2026-11-20 08:00:00,-9999,NULL,110,\nC2,2026-11-20 08:00:00,-9999.0,-9999.00,110,-9999.000\n"
    );
    let s = run(&db, "fills.csv", body.as_bytes(), &mapping(MAPPING))
        .await
        .unwrap();
    assert!(s.issues.is_empty(), "{:?}", s.issues);
    assert_eq!(
        (s.fills["dispatch"], s.fills["arrive"], s.fills["prio"]),
        (2, 2, 2)
    );
    assert_eq!(s.rows_stored, 3);
}

#[tokio::test]
async fn a_column_feeding_two_fields_is_counted_and_reported_once() {
    // The dispatch column feeds both dispatched and signed_for (as decc_cad's start time
    // feeds received and answered).
    let map = mapping(&MAPPING.replace(
        "dispatched = \"dispatch\"",
        "dispatched = \"dispatch\"\nsigned_for = \"dispatch\"",
    ));
    let db = TestDb::new().await;
    let body = format!(
        "{HEADER}\n{GOOD}\nC1,2026-11-20 08:00:00,,,110,1\nC2,2026-11-20 08:00:00,soon,,110,1\n"
    );
    let s = run(&db, "shared.csv", body.as_bytes(), &map).await.unwrap();
    assert_eq!(s.fills["dispatch"], 1, "one blank, one row");
    let on_dispatch: Vec<String> = s
        .issues
        .iter()
        .filter(|i| i.column.as_deref() == Some("dispatch"))
        .map(|i| format!("{}: {}", i.line.unwrap(), i.reason))
        .collect();
    assert_eq!(
        on_dispatch,
        ["4: bad timestamp; dispatched left empty: matches none of the formats %Y-%m-%d %H:%M:%S"]
    );
    assert_eq!((s.rows_stored, s.rows_with_warnings), (3, 1));
}

#[tokio::test]
async fn coordinates_off_the_earth_are_named_not_dropped() {
    let map = mapping(&MAPPING.replace(
        "priority = \"prio\"",
        "priority = \"prio\"\nlat = \"y\"\nlon = \"x\"",
    ));
    let db = TestDb::new().await;
    let body = format!(
        "{HEADER},y,x\n{GOOD},40.7,-74.0\nG1,2026-11-20 08:00:00,,,110,1,91,-74\nG2,2026-11-20 08:00:00,,,110,1,-90,180.5\n"
    );
    let s = run(&db, "geo.csv", body.as_bytes(), &map).await.unwrap();
    let named: Vec<String> = s
        .issues
        .iter()
        .map(|i| {
            format!(
                "{} {} {}: {}",
                i.line.unwrap(),
                i.column.as_deref().unwrap(),
                i.raw_value.as_deref().unwrap(),
                i.reason
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            "3 y 91: out of range; lat left empty: lat must lie within -90 … 90",
            "4 x 180.5: out of range; lon left empty: lon must lie within -180 … 180",
        ]
    );
    assert_eq!(
        s.rows_stored, 3,
        "a warning stores the row without the value"
    );
}

#[tokio::test]
async fn a_duplicated_column_name_the_mapping_reads_is_refused_naming_it() {
    let db = TestDb::new().await;
    let map = mapping(MAPPING);
    let msg = whole_file_error(
        &db,
        "twice.csv",
        Some(format!("{HEADER},start\n{GOOD},2026-11-20 09:00:00\n").as_bytes()),
        &map,
    )
    .await;
    assert!(
        msg.contains("reads column 'start' for field 'received'")
            && msg.contains("twice.csv has 2 columns named 'start' (columns 2 and 7)"),
        "{msg}"
    );
    // Two columns of one name that the mapping does not read harm nothing.
    let s = run(
        &db,
        "notes.csv",
        format!("{HEADER},note,note\n{GOOD},a,b\n").as_bytes(),
        &map,
    )
    .await
    .unwrap();
    assert_eq!(s.rows_stored, 1);
}

#[tokio::test]
async fn an_unknown_category_lists_the_nearest_codes_and_where_to_see_all() {
    let map = mapping(&MAPPING.replace(
        "priority = \"prio\"",
        "priority = \"prio\"\ncategory = \"cat\"",
    ));
    let db = TestDb::new().await;
    let body = format!("{HEADER},cat\n{GOOD},theft\nK1,2026-11-20 08:00:00,,,110,1,thefts\n");
    let s = run(&db, "cats.csv", body.as_bytes(), &map).await.unwrap();
    assert_eq!(s.issues.len(), 1, "{:?}", s.issues);
    let reason = &s.issues[0].reason;
    assert!(
        reason.starts_with("unknown category code; category left empty: nearest: theft, ")
            && reason.contains("`commandwall categories` lists all"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_callers_number_is_shown_only_masked() {
    // A mapping that translates caller values (withheld numbers) and warns on the rest.
    let text = MAPPING.replace(
        "priority = \"prio\"",
        "priority = \"prio\"\ncaller = \"phone\"",
    )
        + "\n[values.caller]\nunknown = \"warn\"\n[values.caller.map]\n\"WITHHELD\" = \"\"\n";
    let map = mapping(&text);
    let db = TestDb::new().await;
    let body =
        format!("{HEADER},phone\n{GOOD},WITHHELD\nP1,2026-11-20 08:00:00,,,110,1,13800001234\n");
    let s = run(&db, "callers.csv", body.as_bytes(), &map)
        .await
        .unwrap();
    assert_eq!(s.issues.len(), 1, "{:?}", s.issues);
    assert_eq!(s.issues[0].raw_value.as_deref(), Some("138****1234"));
    let shown = s.to_string();
    assert!(
        !shown.contains("13800001234") && shown.contains("138****1234"),
        "{shown}"
    );
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let logged: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT reason, raw_value FROM data_quality")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(logged.len(), 1);
    for (reason, raw) in logged {
        assert!(!reason.contains("0000"), "{reason}");
        assert_eq!(raw.as_deref(), Some("138****1234"));
    }
}

#[tokio::test]
async fn an_updated_row_updates_its_record_and_nothing_else() {
    let db = TestDb::new().await;
    let map = mapping(MAPPING);
    let v1 = format!("{HEADER}\n{GOOD}\nA2,2026-11-20 09:00:00,2026-11-20 09:01:00,,SMS,2\n");
    run(&db, "v1.csv", v1.as_bytes(), &map).await.unwrap();
    // The CAD export again, now with A2's arrival recorded.
    let v2 = format!(
        "{HEADER}\n{GOOD}\nA2,2026-11-20 09:00:00,2026-11-20 09:01:00,2026-11-20 09:09:00,SMS,2\n"
    );
    let s = run(&db, "v2.csv", v2.as_bytes(), &map).await.unwrap();
    assert_eq!(
        (s.records_new, s.records_updated, s.records_unchanged),
        (0, 1, 3)
    );
    let h = db.store.health().await.unwrap();
    assert_eq!((h.calls, h.incidents), (2, 2));
}

async fn whole_file_error(db: &TestDb, name: &str, body: Option<&[u8]>, map: &Mapping) -> String {
    let path = db.path(name);
    if let Some(b) = body {
        std::fs::write(&path, b).unwrap();
    }
    import_file(&db.store, &path, map, keyer(), IMPORT_NOW)
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn whole_file_problems_stop_with_one_clear_message_and_lose_nothing() {
    let db = TestDb::new().await;
    let map = mapping(MAPPING);
    // Something stored earlier.
    run(
        &db,
        "good.csv",
        format!("{HEADER}\n{GOOD}\n").as_bytes(),
        &map,
    )
    .await
    .unwrap();

    let msg = whole_file_error(&db, "absent.csv", None, &map).await;
    assert!(
        msg.starts_with("cannot read")
            && msg.contains("absent.csv")
            && msg.contains("No such file"),
        "{msg}"
    );

    let msg = whole_file_error(&db, "empty.csv", Some(b""), &map).await;
    assert!(msg.contains("empty.csv has no header row"), "{msg}");

    // Text in another encoding under a UTF-8 mapping: one message, naming the place and
    // the encoding to name, not every row rejected one by one.
    let msg = whole_file_error(
        &db,
        "latin.csv",
        Some(
            &[
                HEADER.as_bytes(),
                b"\n",
                GOOD.as_bytes(),
                b"\nB12,2026-11-20 08:00:00,,,\xff\xfe,1\n",
            ]
            .concat(),
        ),
        &map,
    )
    .await;
    assert!(
        msg.contains("latin.csv:3: field 5 (column 'via') is not valid UTF-8")
            && msg.contains("encoding = \"gb18030\""),
        "{msg}"
    );

    let msg = whole_file_error(&db, "other.csv", Some(b"id,when,where\n1,2,3\n"), &map).await;
    assert!(
        msg.contains("needs column 'start' for field 'received'") && msg.contains("other.csv"),
        "{msg}"
    );
    assert!(msg.contains("its columns: id, when, where"), "{msg}");

    let h = db.store.health().await.unwrap();
    assert_eq!(h.calls, 1, "the earlier import is intact");
}

#[test]
fn a_wrong_mapping_is_refused_before_any_file_is_read() {
    let cases = [
        (
            MAPPING.replace("Asia/Shanghai", "Asia/Atlantis"),
            "time_zone 'Asia/Atlantis' is not an IANA time zone",
        ),
        (
            MAPPING.replace("received = \"start\"", "recieved = \"start\""),
            "at line 11, column 1 (key fields.recieved): unknown field 'recieved'",
        ),
        (
            MAPPING.replace("\"110\" = \"phone\"", "\"110\" = \"telephone\""),
            "maps to 'telephone', which is not a Channel code; valid: phone, ",
        ),
        // Mistakes the TOML reader finds are placed by line, column and key.
        (
            MAPPING.replace("null_values", "ring_recorded = \"no\"\nnull_values"),
            "at line 8, column 17 (key ring_recorded): invalid type: string \"no\", expected a boolean",
        ),
        (
            MAPPING.replace("null_values", "null_value"),
            "at line 8, column 1 (key null_value): unknown field `null_value`",
        ),
        (
            MAPPING.replace("unknown = \"reject\"", "unknown = \"rejekt\""),
            "at line 18, column 11 (key values.channel.unknown): unknown variant `rejekt`",
        ),
        (
            format!("{MAPPING}\n[constants]\ncategory = \"thefts\"\n"),
            "(key constants.category): constants.category = 'thefts' is not a Category code; nearest: theft, ",
        ),
        (
            MAPPING.replace("null_values", "encoding = \"big-5-ish\"\nnull_values"),
            "at line 8, column 1 (key encoding): encoding 'big-5-ish' is not one we know",
        ),
        (
            MAPPING.replace("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %Q"),
            "is not a valid chrono format",
        ),
        (
            MAPPING.replace("received = \"start\"\n", ""),
            "field 'received' must be mapped",
        ),
    ];
    for (text, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, text).unwrap();
        let err = Mapping::load(&path).unwrap_err().to_string();
        assert!(
            err.contains(want) && err.contains("m.toml"),
            "want '{want}', got '{err}'"
        );
    }
    let err = Mapping::load(Path::new("/nonexistent/m.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot read mapping /nonexistent/m.toml"),
        "{err}"
    );
}

/// The rows of `file` as the importer reads them, without a store.
fn read_rows(map: &Mapping, file: &str) -> Vec<ParsedRow> {
    Rows::of_bytes(
        file.as_bytes().to_vec(),
        "rows.csv",
        map,
        keyer(),
        IMPORT_NOW,
    )
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn reasons(row: &ParsedRow) -> Vec<(Severity, &str)> {
    row.issues
        .iter()
        .map(|i| (i.severity, i.reason.as_str()))
        .collect()
}

#[test]
fn a_time_past_chronos_last_instant_is_an_impossible_timestamp_not_a_panic() {
    // chrono reads `+262142-12-31 23:30` (its last year), but west of Greenwich that local
    // time has no instant, and the DST-gap fallback added an hour past chrono's end: a
    // panic that stopped the import.
    let map = mapping(&MAPPING.replace("Asia/Shanghai", "America/New_York"));
    let rows = read_rows(
        &map,
        &format!("{HEADER}\nA1,+262142-12-31 23:30:00,,,110,1\n{GOOD}\n"),
    );
    assert_eq!(
        reasons(&rows[0]),
        [(
            Severity::Rejected,
            "impossible timestamp: more than a day in the future"
        )]
    );
    assert!(rows[1].call.is_some() && rows[1].issues.is_empty());
}

#[test]
fn a_required_time_a_value_map_leaves_empty_rejects_the_row_not_a_panic() {
    // `unknown = "warn"` without a default leaves a field empty; on the required field
    // that made a row with no receive time, and building its record panicked.
    let map = mapping(&format!(
        "{MAPPING}\n[values.received]\nunknown = \"warn\"\nmap = {{ \"now\" = \"2026-11-20 08:00:00\" }}\n"
    ));
    let rows = read_rows(
        &map,
        &format!("{HEADER}\nA1,later,,,110,1\nA2,now,,,110,1\n"),
    );
    assert_eq!(
        reasons(&rows[0]),
        [
            (
                Severity::Warning,
                "unknown received code, field left empty: valid: now"
            ),
            (Severity::Rejected, "missing received time"),
        ]
    );
    assert!(rows[0].rejected() && rows[0].call.is_none());
    assert!(rows[1].call.is_some() && rows[1].issues.is_empty());
}

//! The weekly report (#13), made end to end (store → core → document → files) from a
//! simulated city and from the real CAD export, and read back as a person or a program
//! would: the PDF's text through `pdftotext`, the spreadsheet through calamine. The
//! figures looked for are computed here from the rows themselves (SQL counts, the CSV's
//! own columns), sharing no code with the engine.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use commandwall::config::{Config, ReportFormat};
use commandwall::core::kpi::window::Period;
use commandwall::core::time::{day_bounds, local_to_utc};
use commandwall::import::{import_file, Mapping};
use commandwall::report::pdf::Template;
use commandwall::services::report::{make, Covers, Made, Request};
use commandwall::sim::{generate_day, City};
use sqlx::Connection;

use crate::helpers::{keyer, mapping, shared, TestDb, IMPORT_NOW};
use crate::kpi_reference::nearest_rank;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn week(y: i32, w: u32) -> Covers {
    Covers::Week(Period::iso_week(y, w).unwrap())
}

fn request(covers: Covers, lang: &str) -> Request {
    Request {
        covers,
        lang: commandwall::charts::Lang::parse(lang),
        formats: ReportFormat::ALL.to_vec(),
        template: Template::builtin(),
    }
}

fn file(made: &Made, f: ReportFormat) -> &[u8] {
    &made.files.iter().find(|(g, _)| *g == f).unwrap().1
}

/// The PDF's text as `pdftotext` reads it, with all white space taken out (lines break
/// anywhere in Chinese prose).
fn pdf_text(pdf: &[u8]) -> String {
    pdf_read(pdf).0
}

fn pages(pdf: &[u8]) -> usize {
    pdf_read(pdf).1
}

/// The text, and the number of pages (pdftotext ends each with a form feed).
fn pdf_read(pdf: &[u8]) -> (String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/deps)");
    assert!(out.status.success(), "pdftotext failed");
    let raw = String::from_utf8(out.stdout).unwrap();
    let pages = raw.matches('\u{c}').count();
    (raw.chars().filter(|c| !c.is_whitespace()).collect(), pages)
}

fn assert_shows(text: &str, wanted: &str) {
    let w: String = wanted.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(text.contains(&w), "the PDF does not show «{wanted}»");
}

/// 51061 → "51,061", written here rather than borrowed from the program.
fn grouped(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn zh_duration(s: i64) -> String {
    match s {
        0..=59 => format!("{s}秒"),
        60..=3599 => format!("{}分{}秒", s / 60, s % 60),
        _ => format!("{}小时{}分", s / 3600, s % 3600 / 60),
    }
}

/// "环比增加1,200起，上升2.4%" from two counts, as the contract writes a change.
fn zh_change(word: &str, now: i64, base: i64) -> String {
    let d = now - base;
    if d == 0 {
        return format!("{word}持平");
    }
    let (verb, dir) = if d > 0 {
        ("增加", "上升")
    } else {
        ("减少", "下降")
    };
    let pct = (d as f64 / base as f64 * 100.0).abs();
    format!("{word}{verb}{}起，{dir}{pct:.1}%", grouped(d))
}

/// The CSV's tables: name line, then rows, until an empty line.
fn csv_tables(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let text = std::str::from_utf8(bytes).unwrap();
    let body = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark first");
    let mut out = Vec::new();
    for block in body.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(block.as_bytes());
        let mut rows: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        let name = rows.remove(0).remove(0);
        out.push((name, rows));
    }
    out
}

/// The spreadsheet's sheets, each read back as the CSV writes values.
fn xlsx_tables(
    bytes: &[u8],
    csv: &[(String, Vec<Vec<String>>)],
) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names().to_vec();
    names
        .iter()
        .zip(csv)
        .map(|(name, (_, csv_rows))| {
            let range = book.worksheet_range(name).unwrap();
            let rows = range
                .rows()
                .skip(1) // the title row above the frozen header
                .zip(csv_rows)
                .map(|(row, csv_row)| {
                    row.iter()
                        .zip(csv_row)
                        .map(|(cell, csv_cell)| match cell {
                            Data::String(s) => s.clone(),
                            Data::Float(f) => f.to_string(),
                            Data::Int(i) => i.to_string(),
                            Data::DateTime(d) => {
                                let t = d.as_datetime().unwrap();
                                // Serial days carry float noise below a millisecond.
                                let t = chrono::DateTime::from_timestamp_millis(
                                    ((t.and_utc().timestamp_millis() + 500) / 1000) * 1000,
                                )
                                .unwrap()
                                .naive_utc();
                                if csv_cell.len() == 10 {
                                    t.format("%Y-%m-%d").to_string()
                                } else {
                                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                                }
                            }
                            Data::Empty => String::new(),
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect();
            (name.clone(), rows)
        })
        .collect()
}

/// The spreadsheet holds the CSV's tables, cell for cell, with numbers and dates typed.
fn assert_xlsx_equals_csv(made: &Made) {
    let csv = csv_tables(file(made, ReportFormat::Csv));
    let xlsx = xlsx_tables(file(made, ReportFormat::Xlsx), &csv);
    assert_eq!(csv.len(), xlsx.len(), "one sheet per table");
    assert!(csv.len() >= 10, "only {} tables", csv.len());
    for ((cn, crows), (xn, xrows)) in csv.iter().zip(&xlsx) {
        assert_eq!(cn, xn);
        assert_eq!(crows.len(), xrows.len(), "rows of {cn}");
        for (c, x) in crows.iter().zip(xrows) {
            assert_eq!(c, x, "sheet {cn}");
        }
    }
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(file(made, ReportFormat::Xlsx).to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    // The headline's first row: 呼入量, a unit, then this week's calls as a number.
    assert!(
        matches!(range.get((2, 2)), Some(Data::Float(_))),
        "{:?}",
        range.get((2, 2))
    );
}

async fn sql_i64(db: &TestDb, sql: &str, binds: Vec<i64>) -> Vec<i64> {
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(&mut conn).await.unwrap()
}

/// A small simulated city: two weeks of 2026 (W46, W47) and W47 of 2025, with the Sunday
/// before it (a base that begins before the first stored call is not compared).
async fn simulated() -> (TestDb, Config) {
    let db = TestDb::new().await;
    let mut config = Config::load(None, []).unwrap();
    config.simulator.calls_per_day = 400;
    let city = City::new(&config, 110, keyer());
    let days = (0..14)
        .map(|k| date(2026, 11, 9) + chrono::Days::new(k))
        .chain((0..8).map(|k| date(2025, 11, 16) + chrono::Days::new(k)));
    for d in days {
        db.store.write(&generate_day(&city, d)).await.unwrap();
    }
    (db, config)
}

fn shanghai(d: NaiveDate, h: u32) -> i64 {
    local_to_utc(chrono_tz::Asia::Shanghai, d.and_hms_opt(h, 0, 0).unwrap())
}

#[tokio::test]
async fn a_simulated_week_reads_back_with_the_figures_counted_from_the_rows() {
    let (db, config) = simulated().await;
    let tz = config.tz();
    let made_at = shanghai(date(2026, 11, 23), 8);
    let made = make(&db.store, &config, &request(week(2026, 47), "zh"), made_at)
        .await
        .unwrap();
    assert!(made.chart_errors.is_empty(), "{:?}", made.chart_errors);
    if let Some(dir) = std::env::var_os("REPORT_SAMPLE_DIR") {
        // For looking at: `REPORT_SAMPLE_DIR=/tmp/r cargo test --test it report`.
        for (f, bytes) in &made.files {
            std::fs::write(Path::new(&dir).join(format!("sim.{}", f.ext())), bytes).unwrap();
        }
    }

    // Counted straight from the table, for the week, last week and the same week last year.
    let count = |from: NaiveDate| {
        let (a, b) = (
            day_bounds(tz, from).0,
            day_bounds(tz, from + chrono::Days::new(7)).0,
        );
        sql_i64(
            &db,
            "SELECT COUNT(*) FROM calls WHERE received_ms >= ? AND received_ms < ?",
            vec![a, b],
        )
    };
    let now = count(date(2026, 11, 16)).await[0];
    let pop = count(date(2026, 11, 9)).await[0];
    let yoy = count(date(2025, 11, 17)).await[0];
    assert!(
        now > 2_000 && pop > 2_000 && yoy > 2_000,
        "{now} {pop} {yoy}"
    );
    // Sign-for: signed-for − dispatched of the week's incidents, whole seconds, nearest rank.
    let (a, b) = (
        day_bounds(tz, date(2026, 11, 16)).0,
        day_bounds(tz, date(2026, 11, 23)).0,
    );
    let mut sign_for: Vec<u64> = sql_i64(
        &db,
        "SELECT signed_for_ms - dispatched_ms FROM incidents WHERE created_ms >= ? AND created_ms < ? \
         AND signed_for_ms IS NOT NULL AND dispatched_ms IS NOT NULL AND signed_for_ms >= dispatched_ms",
        vec![a, b],
    )
    .await
    .into_iter()
    .map(|ms| (ms / 1000) as u64)
    .collect();
    sign_for.sort_unstable();
    let p90 = nearest_rank(&sign_for, 0.9).unwrap() as i64;

    let text = pdf_text(file(&made, ReportFormat::Pdf));
    assert_shows(&text, "示范市公安局110指挥中心");
    assert_shows(&text, "2026年第47周接处警工作周报");
    assert_shows(
        &text,
        &format!(
            "本周共接报警情{}起，{}，{}",
            grouped(now),
            zh_change("环比", now, pop),
            zh_change("同比", now, yoy)
        ),
    );
    assert_shows(
        &text,
        &format!(
            "P90签收用时{}（n={}）",
            zh_duration(p90),
            grouped(sign_for.len() as i64)
        ),
    );
    for section in [
        "一、总体情况",
        "二、警情结构",
        "三、接处警效率",
        "四、非警务分流",
        "五、重复警情治理",
        "六、满意度与预警",
        "七、数据质量",
    ] {
        assert_shows(&text, section);
    }
    assert_shows(&text, "第1页/共");
    assert!(
        pages(file(&made, ReportFormat::Pdf)) >= 4,
        "an A4 report of several pages"
    );
    assert_xlsx_equals_csv(&made);

    // The same week in English.
    let en = make(&db.store, &config, &request(week(2026, 47), "en"), made_at)
        .await
        .unwrap();
    let text = pdf_text(file(&en, ReportFormat::Pdf));
    assert_shows(
        &text,
        &format!("This week the centre received {}", grouped(now)),
    );
    assert_shows(&text, "Weekly report, 2026-W47");
}

#[tokio::test]
async fn an_empty_week_and_a_week_without_last_year_say_so() {
    let (db, config) = simulated().await;
    let made_at = shanghai(date(2026, 11, 23), 8);
    // W44: no record at all (its bases have none either).
    let empty = make(&db.store, &config, &request(week(2026, 44), "zh"), made_at)
        .await
        .unwrap();
    let text = pdf_text(file(&empty, ReportFormat::Pdf));
    assert_shows(
        &text,
        "本周（2026-10-26至2026-11-01）没有任何接报警情、工单或回访记录",
    );
    assert_shows(&text, "去年同期无数据");
    assert!(
        !text.contains("−100.0%") && !text.contains("+0.0%"),
        "no fake change"
    );
    assert_xlsx_equals_csv(&empty);
    let csv = csv_tables(file(&empty, ReportFormat::Csv));
    let headline = &csv[0].1;
    assert_eq!(headline[1][..3], ["呼入量", "起/次", "0"]);
    assert_eq!(
        headline[1][3..],
        ["—", "—", "—", "—", "—", "—"],
        "no base: no change"
    );

    // W46 has last week (W45: none) and last year (2025-W46: none) empty.
    let first = make(&db.store, &config, &request(week(2026, 46), "zh"), made_at)
        .await
        .unwrap();
    let text = pdf_text(file(&first, ReportFormat::Pdf));
    assert_shows(&text, "起，上周无数据，去年同期无数据");
    assert_shows(&text, "去年同期无数据");
    assert_xlsx_equals_csv(&first);
}

/// The CSV's local stage times, as written.
fn local(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f").ok()
}

#[tokio::test]
async fn the_real_cad_export_reports_its_weeks_in_its_own_time_zone() {
    let db = TestDb::new().await;
    let m = Mapping::load(&mapping("decc_cad.toml")).unwrap();
    let imported = import_file(
        &db.store,
        &shared("data/decc_cad_2025w35-41.csv"),
        &m,
        keyer(),
        IMPORT_NOW,
    )
    .await
    .unwrap();
    let mut config = Config::load(None, []).unwrap();
    config.centre.time_zone = "America/New_York".into();
    config.centre.name = "DECC".into();
    // From the file: calls by local day (Incident_Start_Time), and dispatch → arrival of
    // the incidents queued in W36 (1–7 September 2025).
    let mut reader = csv::Reader::from_path(shared("data/decc_cad_2025w35-41.csv")).unwrap();
    let h = reader.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (id, start, queue, disp, arr) = (
        col("Master_Incident_Number"),
        col("Incident_Start_Time"),
        col("Incident_Queue_Time"),
        col("Incident_Dispatch_Time"),
        col("Incident_Arrival_Time"),
    );
    let in_week = |t: NaiveDateTime, first: NaiveDate| {
        t.date() >= first && t.date() < first + chrono::Days::new(7)
    };
    let mut calls: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    let mut arrival = Vec::new();
    for row in reader.records().map(Result::unwrap) {
        if row[id].trim().is_empty() {
            continue;
        }
        if let Some(t) = local(&row[start]) {
            for first in [date(2025, 8, 25), date(2025, 9, 1)] {
                if in_week(t, first) {
                    *calls.entry(first).or_default() += 1;
                }
            }
        }
        if local(&row[queue]).is_some_and(|t| in_week(t, date(2025, 9, 1))) {
            if let (Some(a), Some(b)) = (local(&row[disp]), local(&row[arr])) {
                let ms = (b - a).num_milliseconds();
                if ms >= 0 {
                    arrival.push((ms / 1000) as u64);
                }
            }
        }
    }
    arrival.sort_unstable();
    let (now, pop) = (calls[&date(2025, 9, 1)], calls[&date(2025, 8, 25)]);
    let p90 = nearest_rank(&arrival, 0.9).unwrap() as i64;
    // Made the Monday after, 08:00 in Virginia.
    let made_at = local_to_utc(
        chrono_tz::America::New_York,
        date(2025, 9, 8).and_hms_opt(8, 0, 0).unwrap(),
    );
    let made = make(&db.store, &config, &request(week(2025, 36), "zh"), made_at)
        .await
        .unwrap();
    let text = pdf_text(file(&made, ReportFormat::Pdf));
    assert_shows(
        &text,
        &format!(
            "本周共接报警情{}起，{}，去年同期无数据",
            grouped(now),
            zh_change("环比", now, pop)
        ),
    );
    assert_shows(
        &text,
        &format!(
            "P90到场用时{}（n={}）",
            zh_duration(p90),
            grouped(arrival.len() as i64)
        ),
    );
    assert_shows(&text, "2025-09-01至2025-09-07（2025-W36）");
    assert_shows(&text, "America/New_York");
    assert_xlsx_equals_csv(&made);

    // The week the file was imported in lists its problems by kind, with the rows of each
    // as the importer reported them one by one.
    let mut kinds: BTreeMap<(&str, &str, &str), i64> = BTreeMap::new();
    for i in &imported.issues {
        let column = i.column.as_deref().unwrap_or("");
        // The kind: the reason before the particulars of its row, written out here.
        let kind = i.reason.split(':').next().unwrap();
        *kinds.entry((i.severity.code(), column, kind)).or_default() += 1;
    }
    assert!(!kinds.is_empty(), "the real export has rows with problems");
    let import_week = make(
        &db.store,
        &config,
        &request(week(2026, 48), "en"),
        IMPORT_NOW + 3_600_000,
    )
    .await
    .unwrap();
    let csv = String::from_utf8(file(&import_week, ReportFormat::Csv).to_vec()).unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let mut listed: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for r in rows.records().map(Result::unwrap) {
        let cells: Vec<&str> = r.iter().collect();
        if let ["decc_cad", handling, column, kind, n, _example] = cells[..] {
            let code = if handling.starts_with("rejected") {
                "rejected"
            } else {
                "warning"
            };
            let key = (code.to_string(), column.to_string(), kind.to_string());
            listed.insert(key, n.parse().unwrap());
        }
    }
    let want: BTreeMap<(String, String, String), i64> = kinds
        .into_iter()
        .map(|((s, c, k), n)| ((s.to_string(), c.to_string(), k.to_string()), n))
        .collect();
    assert_eq!(listed, want, "{csv}");
    if let Some(dir) = std::env::var_os("REPORT_SAMPLE_DIR") {
        std::fs::write(
            Path::new(&dir).join("cad.pdf"),
            file(&made, ReportFormat::Pdf),
        )
        .unwrap();
    }
}

/// A phone system's hourly counts (the real ACD export): the week's answer p90 is printed as
/// the band that holds it, in the headline and the stages' table, never as seconds.
#[tokio::test]
async fn a_phone_systems_answer_p90_is_reported_as_its_band() {
    let db = TestDb::new().await;
    let m = Mapping::load(&mapping("decc_phone_hourly.toml")).unwrap();
    let path = shared("data/decc_phone_hourly_2025w44.csv");
    import_file(&db.store, &path, &m, keyer(), IMPORT_NOW)
        .await
        .unwrap();
    // From the file: answered calls of ISO week 44 (27 Oct – 2 Nov) by band, both lines.
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let h = reader.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let mut bands = [0u64; 4];
    for row in reader.records().map(Result::unwrap) {
        let day = NaiveDateTime::parse_from_str(&row[col("DateTime")], "%m/%d/%Y %H:%M").unwrap();
        if day.date() < date(2025, 10, 27) {
            continue;
        }
        for line in ["911", "ADM"] {
            let n = |s: &str| -> u64 { row[col(&format!("{line}_{s}"))].parse().unwrap() };
            bands[0] += n("10");
            bands[1] += n("15");
            bands[2] += n("20");
            bands[3] += n("40") + n("60") + n("120") + n("121");
        }
    }
    let total: u64 = bands.iter().sum();
    let rank = (0.9 * total as f64).ceil() as u64;
    let mut seen = 0;
    let band = bands.iter().position(|b| {
        seen += b;
        seen >= rank
    });
    let label = ["0–10 秒", "10–15 秒", "15–20 秒", ">20 秒"][band.unwrap()];

    let mut config = Config::load(None, []).unwrap();
    config.centre.time_zone = "America/New_York".into();
    let made_at = local_to_utc(
        chrono_tz::America::New_York,
        date(2025, 11, 3).and_hms_opt(8, 0, 0).unwrap(),
    );
    let made = make(&db.store, &config, &request(week(2025, 44), "zh"), made_at)
        .await
        .unwrap();
    let label: String = label.split_whitespace().collect();
    let tables = csv_tables(file(&made, ReportFormat::Csv));
    let row = |title: &str, first: &str| -> Vec<String> {
        tables
            .iter()
            .filter(|(name, _)| name.contains(title))
            .flat_map(|(_, rows)| rows.iter())
            .find(|r| r[0] == first)
            .unwrap_or_else(|| panic!("no row {first} in {title}"))
            .clone()
    };
    // The headline: figure, unit, this week.
    assert_eq!(row("主要指标", "P90接听")[2], label);
    // The stages: stage, n, average, p50, p90 — no average either.
    let stage = row("各环节用时", "接听");
    assert_eq!(stage[1], total.to_string(), "{stage:?}");
    assert_eq!(
        (stage[2].as_str(), stage[4].as_str()),
        ("—", label.as_str())
    );
    assert_xlsx_equals_csv(&made);
}

#[tokio::test]
async fn the_schedule_makes_the_week_owed_once_and_the_command_line_never_replaces_a_file() {
    let (db, mut config) = simulated().await;
    let archive = db.path("archive");
    config.report.archive = archive.display().to_string();
    // Thursday: Monday's 08:00 run was missed (the machine was off); W47 is still owed.
    let thursday = shanghai(date(2026, 11, 26), 15);
    let made = commandwall::services::report::run_due(&db.store, &config, &db.url, thursday)
        .await
        .unwrap();
    let names: Vec<String> = made
        .iter()
        .map(|p| p.strip_prefix(&archive).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "2026-W47/report-2026-W47.pdf",
            "2026-W47/report-2026-W47.xlsx",
            "2026-W47/report-2026-W47.csv"
        ]
    );
    let again =
        commandwall::services::report::run_due(&db.store, &config, &db.url, thursday + 60_000)
            .await
            .unwrap();
    assert!(
        again.is_empty(),
        "a week in its folder is not made again: {again:?}"
    );

    // The command line, twice into the same folder: the second run writes beside the first.
    let out = db.path("out");
    let run = || {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_commandwall"))
            .args([
                "--database",
                &db.url,
                "report",
                "--week",
                "2026-W47",
                "--format",
                "csv,xlsx",
            ])
            .args([
                "--out",
                out.to_str().unwrap(),
                "--as-of",
                "2026-11-23T08:00:00+08:00",
            ])
            .env_remove("COMMANDWALL_CONFIG")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let first = run();
    assert!(
        first.contains("report-2026-W47.csv") && first.contains("report-2026-W47.xlsx"),
        "{first}"
    );
    let csv = std::fs::read(out.join("report-2026-W47.csv")).unwrap();
    let second = run();
    assert!(second.contains("report-2026-W47-2.csv"), "{second}");
    assert_eq!(
        std::fs::read(out.join("report-2026-W47.csv")).unwrap(),
        csv,
        "the first file is kept"
    );
    assert_eq!(
        std::fs::read(out.join("report-2026-W47-2.csv")).unwrap(),
        csv,
        "same data, same report"
    );
}

#[tokio::test]
async fn the_desk_downloads_a_week_over_http_with_the_token() {
    let mut config = crate::helpers::server::config();
    config.simulator.calls_per_day = 200;
    let server = crate::helpers::server::spawn_server(config.clone(), Default::default()).await;
    let city = City::new(&config, 7, keyer());
    for k in 0..7 {
        server
            .write(generate_day(
                &city,
                date(2026, 11, 16) + chrono::Days::new(k),
            ))
            .await;
    }
    let path = "/api/report?week=2026-W47&format=csv";
    assert_eq!(server.get_as(path, None).await.status, 401);
    let reply = server.get(path).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"report-2026-W47.csv\"")
    );
    assert!(reply.body.starts_with('\u{feff}'), "a byte-order mark");
    assert!(reply.body.contains("呼入量"));
    let bad = server.get("/api/report?week=2026-13&format=csv").await;
    assert_eq!(
        (bad.status, bad.json()["code"].as_str()),
        (400, Some("bad_query"))
    );
    // The defaults (last week, PDF) are the desk button's; a wrong language is named.
    let lang = server.get("/api/report?lang=fr").await;
    assert_eq!(lang.status, 400);
    assert!(lang.body.contains("lang 'fr'"), "{}", lang.body);
}

#[tokio::test]
async fn a_centres_own_template_lays_out_the_same_data_and_a_broken_one_names_its_line() {
    let (db, config) = simulated().await;
    let dir = db.path("tpl");
    std::fs::create_dir_all(&dir).unwrap();
    // A template of the centre's own, with a file of its own beside it (a logo).
    std::fs::write(
        dir.join("logo.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="red"/></svg>"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("mine.typ"),
        "#let r = json(\"report.json\")\n#set text(font: r.font)\n#image(\"logo.svg\", width: 1cm)\n= 自定义模板 #r.title\n#for s in r.sections [#s.title \\ ]\n",
    )
    .unwrap();
    let mut req = request(week(2026, 47), "zh");
    req.formats = vec![ReportFormat::Pdf];
    req.template = Template::load(&dir.join("mine.typ")).unwrap();
    let made_at = shanghai(date(2026, 11, 23), 8);
    let made = make(&db.store, &config, &req, made_at).await.unwrap();
    let text = pdf_text(file(&made, ReportFormat::Pdf));
    assert_shows(&text, "自定义模板2026年第47周接处警工作周报");
    assert_shows(&text, "七、数据质量");

    std::fs::write(
        dir.join("broken.typ"),
        "#let r = json(\"report.json\")\n\n#r.no_such_field\n",
    )
    .unwrap();
    req.template = Template::load(&dir.join("broken.typ")).unwrap();
    let e = make(&db.store, &config, &req, made_at)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken.typ") && e.contains("line 3"), "{e}");

    // The schedule's settings are checked when the config is read.
    let bad = Config::load(
        None,
        [("COMMANDWALL__REPORT__TIME".to_string(), "8am".to_string())],
    );
    let e = bad.unwrap_err().to_string();
    assert!(e.contains("report.time '8am'"), "{e}");
}

//! The binary itself: exit codes and the messages a person reads.

use std::process::Command;

use crate::helpers::{mapping, shared};

fn commandwall(args: &[&str], db: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_commandwall"))
        .args(["--database", db.to_str().unwrap()])
        .args(args)
        .env_remove("COMMANDWALL_CONFIG")
        // The caller key is made in the config directory: the test's own.
        .env("XDG_CONFIG_HOME", db.parent().unwrap().join("config"))
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn db_check_names_a_missing_database_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let (ok, _, err) = commandwall(&["db", "check"], &db);
    assert!(!ok);
    assert!(
        err.contains("none.db") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!db.exists());
}

#[test]
fn simulate_import_and_check_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wall.db");
    let (ok, out, err) = commandwall(
        &[
            "simulate",
            "--backfill",
            "2d",
            "--calls-per-day",
            "1500",
            "--until",
            "2026-11-24T10:00:00+08:00",
        ],
        &db,
    );
    assert!(ok, "{err}");
    assert!(out.contains("backfilled 2 days"), "{out}");
    let nyc = shared("data/nyc311_20131225.csv");
    let (ok, out, err) = commandwall(
        &[
            "import",
            nyc.to_str().unwrap(),
            "--mapping",
            mapping("nyc311.toml").to_str().unwrap(),
        ],
        &db,
    );
    assert!(ok, "{err}");
    assert!(out.contains("2386 read, 2386 stored"), "{out}");
    let (ok, out, err) = commandwall(&["db", "check"], &db);
    assert!(ok, "{err}");
    assert!(out.contains("integrity    ok"), "{out}");
    // The caller-hashing key was made apart from the data, in the config directory,
    // readable by its owner only.
    assert!(!dir.path().join("caller.key").exists());
    let keys: Vec<_> = std::fs::read_dir(dir.path().join("config/commandwall"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&keys[0]).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn a_bad_mapping_exits_non_zero_with_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wall.db");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n").unwrap();
    let (ok, _, err) = commandwall(
        &["import", "whatever.csv", "--mapping", bad.to_str().unwrap()],
        &db,
    );
    assert!(!ok);
    // A missing key has no place to name (it is nowhere).
    assert_eq!(
        err.trim(),
        format!(
            "commandwall: mapping {} is not valid: missing field `source`",
            bad.display()
        )
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn built_in_mappings_are_usable_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wall.db");
    let cad = shared("data/decc_cad_2025w35-41.csv");
    let (ok, out, err) = commandwall(
        &["import", cad.to_str().unwrap(), "--mapping", "decc_cad"],
        &db,
    );
    assert!(ok, "{err}");
    assert!(out.contains("9651 read, 9648 stored"), "{out}");
    assert!(out.contains("3 rejected"), "{out}");
}

#[test]
fn kpi_names_bad_windows_codes_and_a_missing_database_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let (ok, _, err) = commandwall(&["kpi", "--period", "2026-W47"], &missing);
    assert!(!ok);
    assert!(
        err.contains("none.db") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!missing.exists(), "kpi creates no database");

    let db = dir.path().join("wall.db");
    let (ok, _, err) = commandwall(&["db", "migrate"], &db);
    assert!(ok, "{err}");
    let cases: [(&[&str], &str); 16] = [
        (&["kpi", "--period", "2025-W53"], "2025 has no ISO week 53"),
        // Dates chrono holds but no window can be built around; codes nobody knows.
        (
            &["kpi", "--period", "262142-12-31"],
            "'262142-12-31': 262142-12-31 is outside the dates the wall answers for (1900-01-01 to 9999-12-31)",
        ),
        (
            &["kpi", "--period=-262142"],
            "'-262142' is outside the periods the wall answers for (years 1900 to 9999)",
        ),
        (&["kpi", "--period", "262142-W01"], "(years 1900 to 9999)"),
        (
            &["kpi", "--from", "262142-01-01", "--to", "262142-01-02"],
            "--from '262142-01-01': 262142-01-01 is outside the dates",
        ),
        (
            &["kpi", "--from", "2026-11-01", "--to", "+262142-12-31"],
            "--to '+262142-12-31'",
        ),
        (
            &["kpi", "--as-of", "0001-01-01T00:00:00Z"],
            "--as-of '0001-01-01T00:00:00Z': 0001-01-01T00:00:00+00:00 is outside the times",
        ),
        (
            &["kpi", "--period", "2026-11", "--zone", "Z99"],
            "zone 'Z99' is not known; the zones are: Z01, Z02,",
        ),
        (
            &["kpi", "--period", "2026-11", "--category", "nonsense"],
            "category 'nonsense' is not known; the categories are: criminal, theft,",
        ),
        (
            &["kpi", "--period", "2026-11", "--channel", "fax"],
            "channel 'fax' is not known; the channels are: phone, sms,",
        ),
        (
            &["kpi", "--zone", "Z99"],
            "zone 'Z99' is not known",
        ),
        (
            &["alerts", "history", "--from", "262142-01-01", "--to", "262142-01-02"],
            "--from '262142-01-01'",
        ),
        (
            &["simulate", "--backfill", "99999999999d"],
            "'99999999999d' is longer than a span may be (at most 36500d)",
        ),
        (
            &["kpi", "--period", "last week"],
            "'last week' is not a period",
        ),
        (
            &["kpi", "--from", "2026-11-24", "--to", "2026-11-01"],
            "must be before --to",
        ),
        (
            &["kpi", "--from", "yesterday", "--to", "2026-11-24"],
            "--from 'yesterday' is not an RFC 3339 time",
        ),
    ];
    for (args, says) in cases {
        let (ok, _, err) = commandwall(args, &db);
        assert!(!ok, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `commandwall kpi --json | head -c 100` ends quietly: the closed pipe stops the command
/// (SIGPIPE, as command-line tools stop) instead of a panic "failed printing to stdout".
#[test]
fn a_printing_command_ends_quietly_when_its_reader_stops() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wall.db");
    let (ok, _, err) = commandwall(
        &["simulate", "--backfill", "1d", "--calls-per-day", "500"],
        &db,
    );
    assert!(ok, "{err}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_commandwall"))
        .args(["--database", db.to_str().unwrap(), "kpi", "--json"])
        .env_remove("COMMANDWALL_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is gone: the rest of the output (hundreds of KB) meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        out.status.signal(),
        Some(libc_sigpipe()),
        "{:?}: {err}",
        out.status
    );
}

/// SIGPIPE's number on Linux.
fn libc_sigpipe() -> i32 {
    13
}

/// An import fails (non-zero, summary still printed, good rows kept) when it stores no row
/// or rejects more than `import.max_rejected_share` (5 %) of them; a few bad rows pass.
#[test]
fn an_import_that_rejects_too_many_rows_or_stores_none_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read_to_string(shared("data/decc_cad_2025w35-41.csv")).unwrap();
    let lines: Vec<String> = real.lines().take(41).map(String::from).collect();
    let id = lines[0]
        .split(',')
        .position(|c| c.trim_matches('"') == "Master_Incident_Number")
        .unwrap();
    // Rows without an incident number are rejected; `bad` of the 40 data rows lose it.
    let write = |bad: usize, name: &str| {
        let mut rows = lines.clone();
        for row in rows.iter_mut().skip(1).take(bad) {
            let mut cells: Vec<&str> = row.split(',').collect();
            cells[id] = "";
            *row = cells.join(",");
        }
        let path = dir.path().join(name);
        std::fs::write(&path, rows.join("\n") + "\n").unwrap();
        path
    };
    let import = |file: &std::path::Path, db: &str| {
        commandwall(
            &["import", file.to_str().unwrap(), "--mapping", "decc_cad"],
            &dir.path().join(db),
        )
    };
    let (ok, out, err) = import(&write(1, "one.csv"), "one.db");
    assert!(ok, "1 of 40 rejected (2.5 %) passes: {out}{err}");
    let (ok, out, err) = import(&write(3, "three.csv"), "three.db");
    assert!(!ok, "3 of 40 rejected (7.5 %) fails: {out}");
    assert!(out.contains("rejected"), "the summary is printed: {out}");
    assert!(
        err.contains("3 of 40 rows") && err.contains("7.5%") && err.contains("37 good rows"),
        "{err}"
    );
    let header = dir.path().join("header.csv");
    std::fs::write(&header, format!("{}\n", lines[0])).unwrap();
    let (ok, _, err) = import(&header, "header.db");
    assert!(
        !ok && err.contains("no row") && err.contains("no data rows"),
        "{err}"
    );
}

#[test]
fn categories_prints_the_vocabulary_in_both_languages_or_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wall.db");
    let (ok, both, err) = commandwall(&["categories"], &db);
    assert!(ok, "{err}");
    let row = |out: &str, code: &str| -> Vec<String> {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(code))
            .unwrap_or_else(|| panic!("no {code} in {out}"))
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    // A class flush left with its kind, its items indented under it.
    assert_eq!(
        row(&both, "criminal"),
        ["criminal", "刑事", "criminal", "警务 police"]
    );
    assert_eq!(row(&both, "theft"), ["theft", "盗窃", "theft"]);
    assert!(both.contains("\n  theft "), "{both}");
    assert_eq!(
        row(&both, "np_lockout"),
        [
            "np_lockout",
            "开锁求助",
            "lockout",
            "非警务 (12345) non-police (12345)"
        ]
    );
    assert_eq!(
        row(&both, "hit_run"),
        ["hit_run", "肇事逃逸", "hit and run"]
    );
    // 16 classes and their items, and the heading.
    assert_eq!(both.lines().count(), 1 + 16 + 48, "{both}");
    assert!(!db.exists(), "no database is opened");

    let (ok, en, _) = commandwall(&["categories", "--lang", "en"], &db);
    assert!(ok);
    assert_eq!(row(&en, "hit_run"), ["hit_run", "hit and run"]);
    assert!(!en.contains("盗窃"), "{en}");
    let (ok, zh, _) = commandwall(&["categories", "--lang", "zh"], &db);
    assert!(ok);
    assert_eq!(row(&zh, "hit_run"), ["hit_run", "肇事逃逸"]);
    assert_eq!(row(&zh, "criminal"), ["criminal", "刑事", "警务"]);
}

/// `import` and `simulate` leave another program's SQLite file as it was; an empty one
/// becomes a Command Wall database.
#[test]
fn a_sqlite_file_of_another_program_is_refused_and_left_untouched() {
    use sqlx::{Connection, Executor};
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("crm.sqlite");
    let empty = dir.path().join("empty.sqlite");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let look = |path: &std::path::Path| -> (String, Vec<String>) {
        rt.block_on(async {
            let url = format!("sqlite:{}", path.display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            conn.close().await.unwrap();
            (mode, tables)
        })
    };
    rt.block_on(async {
        for (path, sql) in [
            (&other, "CREATE TABLE people (name TEXT); CREATE TABLE orders (id INTEGER); INSERT INTO people VALUES ('x');"),
            (&empty, "PRAGMA user_version = 0; VACUUM;"),
        ] {
            let url = format!("sqlite:{}?mode=rwc", path.display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            conn.execute(sql).await.unwrap();
            conn.close().await.unwrap();
        }
    });
    let before = std::fs::read(&other).unwrap();
    let nyc = shared("data/nyc311_20131225.csv");
    let attempts: [&[&str]; 2] = [
        &["import", nyc.to_str().unwrap(), "--mapping", "nyc311"],
        &["simulate", "--backfill", "1d", "--calls-per-day", "100"],
    ];
    for args in attempts {
        let (ok, _, err) = commandwall(args, &other);
        assert!(!ok, "{args:?}");
        assert!(
            err.contains("crm.sqlite is not a Command Wall database")
                && err.contains("2 tables ('orders', 'people')")
                && err.contains("left untouched"),
            "{args:?}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    assert_eq!(std::fs::read(&other).unwrap(), before, "not a byte changed");
    assert_eq!(
        look(&other),
        ("delete".into(), vec!["orders".into(), "people".into()])
    );
    assert!(!dir.path().join("crm.sqlite-wal").exists());

    let (ok, out, err) = commandwall(attempts[0], &empty);
    assert!(ok, "{err}");
    assert!(out.contains("2386 read, 2386 stored"), "{out}");
    let (mode, tables) = look(&empty);
    assert_eq!(mode, "wal");
    assert!(tables.contains(&"work_orders".to_string()), "{tables:?}");
}

/// An import killed part-way (kill -9: nothing runs to record it) is marked interrupted by
/// the next import once its heartbeat has been silent long enough; its rows stay.
#[test]
fn an_import_killed_part_way_is_marked_interrupted_by_the_next() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wall.db");
    let mapping_file = dir.path().join("mini.toml");
    std::fs::write(
        &mapping_file,
        "name = \"mini\"\nsource = \"mini\"\nrecord = \"incident\"\nid = \"id\"\n\
         time_formats = [\"%Y-%m-%d %H:%M:%S\"]\ntime_zone = \"Asia/Shanghai\"\n\
         [fields]\nreceived = \"start\"\n",
    )
    .unwrap();
    let big = dir.path().join("big.csv");
    let mut text = String::from("id,start\n");
    for i in 0..400_000 {
        text.push_str(&format!(
            "K{i},2025-11-20 08:{:02}:{:02}\n",
            i / 60 % 60,
            i % 60
        ));
    }
    std::fs::write(&big, text).unwrap();
    let (ok, _, err) = commandwall(&["db", "migrate"], &db);
    assert!(ok, "{err}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_commandwall"))
        .args([
            "--database",
            db.to_str().unwrap(),
            "import",
            big.to_str().unwrap(),
        ])
        .args(["--mapping", mapping_file.to_str().unwrap()])
        .env_remove("COMMANDWALL_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite:{}", db.display());
    let query = |sql: &str| -> Vec<(String, i64, Option<String>)> {
        rt.block_on(async {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            rows
        })
    };
    let started = std::time::Instant::now();
    loop {
        let seen = query("SELECT status, rows_read, note FROM imports");
        if seen.first().is_some_and(|r| r.1 > 0) {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "no batch written: {seen:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let seen = query("SELECT status, rows_read, note FROM imports");
    assert_eq!(seen[0].0, "running", "nobody was left to say otherwise");
    assert!(seen[0].1 < 400_000, "killed before its end: {seen:?}");

    // Still beating a minute ago: it may be running yet, and is left alone.
    let small = dir.path().join("small.csv");
    std::fs::write(&small, "id,start\nS1,2025-11-20 09:00:00\n").unwrap();
    let import_small = || {
        commandwall(
            &[
                "import",
                small.to_str().unwrap(),
                "--mapping",
                mapping_file.to_str().unwrap(),
            ],
            &db,
        )
    };
    let (ok, _, err) = import_small();
    assert!(ok, "{err}");
    assert_eq!(
        query("SELECT status, rows_read, note FROM imports")[0].0,
        "running"
    );
    // Silent for 11 minutes: taken for dead.
    query("UPDATE imports SET heartbeat_ms = heartbeat_ms - 660000 WHERE id = 1 RETURNING status, rows_read, note");
    let (ok, _, err) = import_small();
    assert!(ok, "{err}");
    let seen = query("SELECT status, rows_read, note FROM imports ORDER BY id");
    assert_eq!(seen[0].0, "interrupted", "{seen:?}");
    assert!(seen[0]
        .2
        .as_deref()
        .unwrap()
        .contains("stopped without a word"));
    assert!(seen[1..].iter().all(|r| r.0 == "finished"), "{seen:?}");
    let (ok, out, _) = commandwall(&["db", "check"], &db);
    assert!(ok);
    assert!(out.contains("imports      3 (1 interrupted)"), "{out}");
}

#[test]
fn progress_lines_give_rows_per_second_and_time_left() {
    use commandwall::doors::cli::progress::line;
    use commandwall::import::Progress;
    use std::time::Duration;
    let p = |rows, bytes| Progress {
        rows,
        bytes,
        total_bytes: 1_000,
    };
    // A quarter of the bytes in 10 s: three times as long again.
    assert_eq!(
        line(p(20_000, 250), Duration::from_secs(10)),
        "20000 rows (25%), 2000 rows/s, about 30.0 s left"
    );
    assert_eq!(
        line(p(0, 0), Duration::from_secs(1)),
        "0 rows (0%), 0 rows/s, time left not known yet"
    );
}

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
    assert!(
        err.starts_with("commandwall: mapping") && err.contains("bad.toml"),
        "{err}"
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

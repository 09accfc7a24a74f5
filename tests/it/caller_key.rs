//! The caller-hashing key, through the binary: kept apart from the data (one per database,
//! in the config directory, owner-only), an open file refused, an old key beside the
//! database still used, a different or missing key refused, and a new key started only
//! deliberately — and recorded.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use commandwall::core::caller::CallerKeyer;
use commandwall::store::{CallerKeyRecord, KeyChange, OpenMode, Store};
use sqlx::Connection;

/// `commandwall --database DB ARGS` with the config directory in `dir/config`.
fn commandwall(
    dir: &Path,
    db: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_commandwall"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("COMMANDWALL_CONFIG")
        .env_remove("COMMANDWALL__PRIVACY__CALLER_KEY")
        .env_remove("COMMANDWALL__PRIVACY__CALLER_KEY_FILE")
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A day of the simulated city: callers hashed with the key.
fn simulate(dir: &Path, db: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let (ok, _, err) = commandwall(
        dir,
        db,
        &[
            "simulate",
            "--backfill",
            "1d",
            "--calls-per-day",
            "300",
            "--until",
            "2026-11-24T10:00:00+08:00",
        ],
        env,
    );
    (ok, err)
}

/// The key files in the config directory.
fn key_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("config/commandwall"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn unhex(text: &str) -> Vec<u8> {
    let t = text.trim();
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap())
        .collect()
}

fn fingerprint(key_file: &Path) -> String {
    CallerKeyer::new(&unhex(&std::fs::read_to_string(key_file).unwrap())).fingerprint()
}

fn write_key(path: &Path, key: &[u8; 32]) {
    let text: String = key.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

async fn recorded(db: &Path) -> Vec<CallerKeyRecord> {
    let store = Store::open(&format!("sqlite:{}", db.display()), OpenMode::Existing)
        .await
        .unwrap();
    let rows = store.caller_keys().await.unwrap();
    store.close().await;
    rows
}

#[tokio::test]
async fn the_key_is_made_apart_from_the_data_one_per_database_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (a, b) = (dir.join("a/wall.db"), dir.join("b/wall.db"));
    for db in [&a, &b] {
        std::fs::create_dir_all(db.parent().unwrap()).unwrap();
        let (ok, err) = simulate(dir, db, &[]);
        assert!(ok, "{err}");
        assert!(
            !db.with_file_name("caller.key").exists(),
            "no key beside the data"
        );
    }
    let keys = key_files(dir);
    assert_eq!(keys.len(), 2, "one key per database: {keys:?}");
    for k in &keys {
        let name = k.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with("caller-wall-") && name.ends_with(".key"),
            "{name}"
        );
        assert_eq!(mode(k), 0o600, "{name}");
    }
    assert_ne!(fingerprint(&keys[0]), fingerprint(&keys[1]));
    let of_a = recorded(&a).await;
    assert_eq!(of_a.len(), 1, "{of_a:?}");
    assert_eq!(of_a[0].change, KeyChange::First);
    let key_of_a = keys
        .iter()
        .find(|k| fingerprint(k) == of_a[0].fingerprint)
        .expect("a's recorded fingerprint is one of the key files'");

    // Opened to others, the key is refused, with the fix.
    std::fs::set_permissions(key_of_a, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, err) = simulate(dir, &a, &[]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "the caller key {} can be read by other users (mode 0644)",
            key_of_a.display()
        )) && err.contains(&format!("chmod 600 {}", key_of_a.display())),
        "{err}"
    );

    // A key file the config names is made there.
    let c = dir.join("c/wall.db");
    std::fs::create_dir_all(c.parent().unwrap()).unwrap();
    let named = dir.join("secrets/centre.key");
    let (ok, err) = simulate(
        dir,
        &c,
        &[(
            "COMMANDWALL__PRIVACY__CALLER_KEY_FILE",
            named.to_str().unwrap(),
        )],
    );
    assert!(ok, "{err}");
    assert_eq!(mode(&named), 0o600);
    assert_eq!(recorded(&c).await[0].fingerprint, fingerprint(&named));
    assert_eq!(
        key_files(dir).len(),
        2,
        "none made in the config directory for c"
    );
}

#[tokio::test]
async fn a_key_beside_an_existing_database_goes_on_working_and_is_not_made_twice() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = dir.join("wall.db");
    let (ok, _, err) = commandwall(dir, &db, &["db", "migrate"], &[]);
    assert!(ok, "{err}");
    let old = dir.join("caller.key");
    write_key(&old, &[7; 32]);

    let (ok, err) = simulate(dir, &db, &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!("the caller key is read from {}", old.display()))
            && err.contains("mv "),
        "a warning recommends moving it: {err}"
    );
    assert_eq!(key_files(dir), Vec::<PathBuf>::new(), "no second key made");
    assert_eq!(recorded(&db).await[0].fingerprint, fingerprint(&old));

    // Moved where the warning says, it is found there, with no warning.
    let (ok, out, err) = commandwall(dir, &db, &["caller-key", "status"], &[]);
    assert!(ok, "{err}");
    let key_file = out
        .lines()
        .find_map(|l| l.strip_prefix("key file     "))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("status names the key file: {out}"));
    std::fs::create_dir_all(key_file.parent().unwrap()).unwrap();
    std::fs::rename(&old, &key_file).unwrap();
    let (ok, err) = simulate(dir, &db, &[]);
    assert!(ok, "{err}");
    assert!(!err.contains("caller key"), "{err}");
}

#[tokio::test]
async fn a_different_or_missing_key_is_refused_and_a_new_one_is_started_only_deliberately() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = dir.join("wall.db");
    let (ok, err) = simulate(dir, &db, &[]);
    assert!(ok, "{err}");
    let key = key_files(dir).pop().expect("a key was made");
    let first = fingerprint(&key);

    // Another key in its place: refused, saying what happened and both ways out.
    std::fs::remove_file(&key).unwrap();
    write_key(&key, &[9; 32]);
    let (ok, err) = simulate(dir, &db, &[]);
    assert!(!ok);
    for says in [
        format!(
            "is not the key database sqlite:{} was written with",
            db.display()
        ),
        format!("(fingerprint {first})"),
        "the same caller would appear as two".to_string(),
        format!(
            "Restore the key this database was written with to {}",
            key.display()
        ),
        "caller-key rotate --confirm".to_string(),
    ] {
        assert!(err.contains(&says), "{says}: {err}");
    }
    // No key at all: refused too, and none is made.
    std::fs::remove_file(&key).unwrap();
    let (ok, err) = simulate(dir, &db, &[]);
    assert!(!ok);
    assert!(
        err.contains(&format!("no key is at {}", key.display())) && err.contains("Restore"),
        "{err}"
    );
    assert!(!key.exists(), "no key is made silently");

    // A new key only when asked for, and confirmed; recorded with its time.
    let (ok, _, err) = commandwall(dir, &db, &["caller-key", "rotate"], &[]);
    assert!(
        !ok && err.contains("--confirm") && err.contains("two"),
        "{err}"
    );
    let before = commandwall::setup::now_ms();
    let (ok, out, err) = commandwall(dir, &db, &["caller-key", "rotate", "--confirm"], &[]);
    assert!(ok, "{err}");
    let after = commandwall::setup::now_ms();
    assert_eq!(mode(&key), 0o600);
    let new = fingerprint(&key);
    assert!(out.contains(&new), "{out}");
    let rows = recorded(&db).await;
    assert_eq!(
        rows.iter()
            .map(|r| (r.change, r.fingerprint.clone()))
            .collect::<Vec<_>>(),
        [
            (KeyChange::First, first.clone()),
            (KeyChange::Rotated, new.clone())
        ]
    );
    assert!((before..=after).contains(&rows[1].at), "{rows:?}");
    assert!(
        rows[1].note.contains(&first),
        "the note names the key replaced: {rows:?}"
    );
    let (ok, err) = simulate(dir, &db, &[]);
    assert!(ok, "{err}");
    let (ok, out, _) = commandwall(dir, &db, &["caller-key", "status"], &[]);
    assert!(
        ok && out.contains("written with this key") && out.contains("rotated"),
        "{out}"
    );
}

#[tokio::test]
async fn hashed_callers_without_a_recorded_key_get_no_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = dir.join("wall.db");
    let inline = [(
        "COMMANDWALL__PRIVACY__CALLER_KEY",
        "a centre's own long secret",
    )];
    let (ok, err) = simulate(dir, &db, &inline);
    assert!(ok, "{err}");
    // As a database written before keys were recorded: hashes, no record, no key file.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    for sql in [
        "DROP TRIGGER caller_keys_append_only_delete",
        "DELETE FROM caller_keys",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
    let (ok, err) = simulate(dir, &db, &[]);
    assert!(!ok);
    assert!(err.contains("holds caller hashes made with a key"), "{err}");
    assert_eq!(key_files(dir), Vec::<PathBuf>::new());
    // The config's key goes on working, and is recorded.
    let (ok, err) = simulate(dir, &db, &inline);
    assert!(ok, "{err}");
    assert_eq!(
        recorded(&db).await[0].fingerprint,
        CallerKeyer::new(inline[0].1.as_bytes()).fingerprint()
    );
}

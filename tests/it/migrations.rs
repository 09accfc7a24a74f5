//! The schema, the store's write semantics and its failures.

use commandwall::core::model::Call;
use commandwall::store::{OpenMode, Store, StoreError};
use sqlx::Connection;

use crate::helpers::records::{self, calls as batch};
use crate::helpers::TestDb;

/// A call with a seat, a masked caller and a category, so that those columns are written.
fn call(id: &str, received: i64) -> Call {
    Call {
        ended: None,
        seat: Some("S01".into()),
        caller_masked: Some("138****1234".into()),
        category: Some("theft".into()),
        ..records::call(id, received)
    }
}

#[tokio::test]
async fn a_fresh_database_has_the_schema_in_wal_mode() {
    let db = TestDb::new().await;
    let h = db.store.health().await.unwrap();
    assert_eq!(h.schema_version, migration_count());
    assert_eq!(h.journal_mode, "wal");
    assert_eq!(h.integrity, "ok");
    assert_eq!(
        (
            h.calls,
            h.incidents,
            h.work_orders,
            h.callbacks,
            h.change_seq
        ),
        (0, 0, 0, 0, 0)
    );

    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let want = [
        "alert_events",
        "anchor_moves",
        "callbacks",
        "caller_keys",
        "calls",
        "categories",
        "data_quality",
        "day_sums",
        "imports",
        "incident_units",
        "incidents",
        "meta",
        "phone_intervals",
        "posts",
        "seats",
        "units",
        "watched_files",
        "watches",
        "work_orders",
        "zones",
    ];
    assert_eq!(tables, want);
    let zones: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM zones")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let posts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!((zones, posts), (17, 27));
}

#[tokio::test]
async fn migrating_again_changes_nothing_and_keeps_data() {
    let db = TestDb::new().await;
    db.store
        .write(&batch(vec![call("1", 1_000)]))
        .await
        .unwrap();
    db.store.close().await;
    let again = Store::open(&db.url, OpenMode::CreateAndMigrate)
        .await
        .unwrap();
    let h = again.health().await.unwrap();
    assert_eq!((h.schema_version, h.calls), (migration_count(), 1));
}

/// A database written by the previous release (before `unrecorded`): a door that only
/// reads says which command brings it up to date instead of failing on a missing column
/// later; `db migrate` (CreateAndMigrate) does, and keeps the records.
#[tokio::test]
async fn an_older_schema_is_named_by_read_only_doors_and_migrated_keeping_data() {
    let db = TestDb::new().await;
    db.store
        .write(&batch(vec![call("1", 1_000)]))
        .await
        .unwrap();
    db.store.close().await;
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    for sql in [
        // Back to version 4: undo the later migrations, 0012 to 0005.
        "DROP TRIGGER calls_anchor_moved",
        "DROP TRIGGER calls_deleted",
        "DROP TRIGGER incidents_anchor_moved",
        "DROP TRIGGER incidents_deleted",
        "DROP TRIGGER work_orders_anchor_moved",
        "DROP TRIGGER work_orders_deleted",
        "DROP TRIGGER callbacks_anchor_moved",
        "DROP TRIGGER callbacks_deleted",
        "DROP TRIGGER phone_intervals_anchor_moved",
        "DROP TRIGGER phone_intervals_deleted",
        "DROP TABLE anchor_moves",
        "DROP TABLE day_sums",
        "DROP TABLE incident_units",
        "ALTER TABLE incidents DROP COLUMN units",
        "DROP TABLE phone_intervals",
        "DROP TABLE watched_files",
        "DROP TABLE watches",
        "DROP INDEX data_quality_once",
        "ALTER TABLE imports DROP COLUMN status",
        "ALTER TABLE imports DROP COLUMN heartbeat_ms",
        "ALTER TABLE imports DROP COLUMN note",
        "DROP TABLE caller_keys",
        "DROP INDEX calls_repeat_caller",
        "DROP INDEX calls_repeat_place",
        "ALTER TABLE incidents DROP COLUMN unrecorded",
        "ALTER TABLE work_orders DROP COLUMN unrecorded",
        "DELETE FROM _sqlx_migrations WHERE version >= 5",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();

    let refused = Store::open(&db.url, OpenMode::Existing).await.unwrap_err();
    let msg = refused.to_string();
    assert!(
        matches!(refused, StoreError::Migrate { .. })
            && msg.contains("schema version 4")
            && msg.contains("commandwall db migrate"),
        "{msg}"
    );
    let migrated = Store::open(&db.url, OpenMode::CreateAndMigrate)
        .await
        .unwrap();
    let h = migrated.health().await.unwrap();
    assert_eq!((h.schema_version, h.calls), (migration_count(), 1));
    migrated.close().await;
    Store::open(&db.url, OpenMode::Existing).await.unwrap();
}

#[tokio::test]
async fn changes_are_numbered_so_readers_fetch_only_what_changed() {
    let db = TestDb::new().await;
    let first = db
        .store
        .write(&batch(vec![call("1", 1_000), call("2", 2_000)]))
        .await
        .unwrap();
    assert_eq!((first.changed, first.seq), (2, 1));

    // The same rows again: nothing changes, no row takes the new number.
    let same = db
        .store
        .write(&batch(vec![call("1", 1_000), call("2", 2_000)]))
        .await
        .unwrap();
    assert_eq!(same.changed, 0);

    // A late stage update to one row: only that row carries the newest number.
    let mut late = call("2", 2_000);
    late.ended = Some(90_000);
    let upd = db.store.write(&batch(vec![late])).await.unwrap();
    assert_eq!(upd.changed, 1);

    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let changed: Vec<(String, i64)> =
        sqlx::query_as("SELECT source_id, seq FROM calls WHERE seq > ? ORDER BY source_id")
            .bind(first.seq)
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(changed, vec![("2".to_string(), upd.seq)]);
    assert_eq!(db.store.health().await.unwrap().calls, 2);
}

#[tokio::test]
async fn a_missing_database_is_named_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("nowhere.db").display());
    let err = Store::open(&url, OpenMode::Existing).await.unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
    assert!(
        err.to_string().contains("nowhere.db") && err.to_string().contains("does not exist"),
        "{err}"
    );
    assert!(!dir.path().join("nowhere.db").exists());
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(
        &path,
        "these are meeting notes, not a database ".repeat(200),
    )
    .unwrap();
    let url = format!("sqlite:{}", path.display());
    let err = Store::open(&url, OpenMode::CreateAndMigrate)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "db_corrupt", "{err:?}");
    assert!(err.to_string().contains("notes.db"), "{err}");
    // Untouched.
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with("these are meeting notes"));
}

#[tokio::test]
async fn an_empty_sqlite_file_from_elsewhere_is_not_taken_for_ours() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("other.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&format!("{url}?mode=rwc"))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (x)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let err = Store::open(&url, OpenMode::Existing).await.unwrap_err();
    assert!(err.to_string().contains("no Command Wall tables"), "{err}");
}

#[tokio::test]
async fn a_locked_database_fails_clearly_and_loses_nothing() {
    let db = TestDb::new().await;
    db.store
        .write(&batch(vec![call("1", 1_000)]))
        .await
        .unwrap();
    let mut other = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    let err = db
        .store
        .write(&batch(vec![call("2", 2_000)]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "db_locked", "{err:?}");
    assert!(
        err.to_string().contains("locked by another program"),
        "{err}"
    );
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    let h = db.store.health().await.unwrap();
    assert_eq!(h.calls, 1, "the earlier row is still there");
    db.store
        .write(&batch(vec![call("2", 2_000)]))
        .await
        .unwrap();
    assert_eq!(
        db.store.health().await.unwrap().calls,
        2,
        "and writing works again"
    );
}

#[tokio::test]
async fn unsupported_urls_say_what_is_supported() {
    let err = Store::open("postgres://wall:secret@db/wall", OpenMode::Existing)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("PostgreSQL"), "{msg}");
    assert!(
        !msg.contains("secret"),
        "passwords are never printed: {msg}"
    );
    let err = Store::open("mysql://x", OpenMode::Existing)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sqlite:"), "{err}");
}

/// The newest version is the number of migration files shipped.
fn migration_count() -> i64 {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/store/migrations/sqlite");
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count() as i64
}

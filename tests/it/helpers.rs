//! Shared test setup: each test gets its own database file in its own temporary folder;
//! `records` builds the rows tests write, `server` starts the served door on them.

pub mod records;
pub mod server;

use std::path::PathBuf;

use commandwall::config::Config;
use commandwall::core::caller::CallerKeyer;
use commandwall::store::{OpenMode, Store};

pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub store: Store,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite:{}", dir.path().join("wall.db").display());
        let config = Config::load(None, []).expect("default config");
        let store = Store::open(&url, OpenMode::CreateAndMigrate)
            .await
            .expect("open store");
        store.sync_reference(&config).await.expect("reference data");
        TestDb { dir, url, store }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub fn keyer() -> CallerKeyer {
    CallerKeyer::new(b"test-centre-secret")
}

/// `shared/` sits beside the repository (CI clones it there too).
pub fn shared(rel: &str) -> PathBuf {
    let base = std::env::var_os("COMMANDWALL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let path = base.join(rel);
    assert!(
        path.exists(),
        "test data {} is missing (set COMMANDWALL_SHARED)",
        path.display()
    );
    path
}

pub fn mapping(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src-tauri/import/mappings")
        .join(name)
}

/// A fixed instant for imports: 2026-11-24 08:00 UTC.
pub const IMPORT_NOW: i64 = 1_795_507_200_000;

//! Shared test setup: each test gets its own database file in its own temporary folder;
//! `records` builds the rows tests write, `server` starts the served door on them.

pub mod records;
pub mod server;

use std::fmt::Debug;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

/// How long a wait with no timing requirement of its own may take before it fails: long
/// enough for a first engine build or a simulated day on a busy two-core CI machine.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// A wait with a limit: `again` sleeps a little before the next look, or fails once the
/// limit has passed, naming what was awaited and the last value seen.
pub struct Deadline {
    what: String,
    started: Instant,
    limit: Duration,
}

impl Deadline {
    pub fn new(what: impl Into<String>, limit: Duration) -> Deadline {
        Deadline {
            what: what.into(),
            started: Instant::now(),
            limit,
        }
    }

    pub async fn again(&self, last_seen: &dyn Debug) {
        assert!(
            self.started.elapsed() < self.limit,
            "waited {:?} for {}; last seen: {last_seen:?}",
            self.limit,
            self.what
        );
        tokio::time::sleep(POLL).await;
    }
}

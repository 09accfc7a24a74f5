//! What every door (window, CLI, server) needs before it starts: the configuration, the
//! database and the caller-hashing secret.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Config;
use crate::core::caller::CallerKeyer;
use crate::core::model::Millis;
use crate::store::{default_database_path, OpenMode, Store};

/// The database URL: the one given, or the default file in the user's data directory.
pub fn database_url(given: Option<&str>) -> String {
    match given {
        Some(url) if url.contains(':') => url.to_string(),
        // A bare path is taken as a SQLite file.
        Some(path) => format!("sqlite:{path}"),
        None => format!("sqlite:{}", default_database_path().display()),
    }
}

/// Opens (creating and migrating if needed) the database and writes the reference data.
pub async fn open_store(url: &str, config: &Config) -> anyhow::Result<Store> {
    let store = Store::open(url, OpenMode::CreateAndMigrate).await?;
    store.sync_reference(config).await?;
    Ok(store)
}

/// The secret for caller keys: from the config if set, otherwise a random one kept in
/// `caller.key` beside the database (created once, readable only by its owner).
pub fn caller_keyer(config: &Config, url: &str) -> anyhow::Result<CallerKeyer> {
    if !config.privacy.caller_key.0.is_empty() {
        return Ok(CallerKeyer::new(config.privacy.caller_key.0.as_bytes()));
    }
    let dir = sqlite_dir(url).unwrap_or_else(|| {
        default_database_path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    });
    let path = dir.join("caller.key");
    if let Ok(hex_key) = std::fs::read_to_string(&path) {
        let key = hex::decode(hex_key.trim()).with_context(|| {
            format!(
                "{} is not a hex key; delete it only if no database uses it",
                path.display()
            )
        })?;
        return Ok(CallerKeyer::new(&key));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key: [u8; 32] = rand::random();
    write_private(&path, &hex::encode(key))
        .with_context(|| format!("cannot write the caller key to {}", path.display()))?;
    Ok(CallerKeyer::new(&key))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

fn sqlite_dir(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next()?;
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Path::new(path).parent().map(|p| {
        if p.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            p.to_path_buf()
        }
    })
}

/// The wall clock, read only by adapters (the core is handed `now`).
pub fn now_ms() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

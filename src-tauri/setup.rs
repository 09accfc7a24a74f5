//! What every door (window, CLI, server) needs before it starts: the configuration, the
//! database and the caller-hashing secret.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Config;
use crate::core::caller::CallerKeyer;
use crate::core::model::Millis;
use crate::store::{
    default_database_path, redact_url, CallerKeyRecord, KeyChange, OpenMode, Store, StoreError,
};

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

/// `open_store` for the window, waiting while another program holds the database's lock
/// (`open_waiting`).
pub async fn open_store_waiting(url: &str, config: &Config) -> anyhow::Result<Store> {
    let store = open_waiting(url, OpenMode::CreateAndMigrate).await?;
    store.sync_reference(config).await?;
    Ok(store)
}

/// How long `open_waiting` pauses between tries (each try itself waits out SQLite's busy
/// timeout, 5 s).
const LOCK_RETRY: Duration = Duration::from_secs(2);

/// Opens the database, waiting while another program holds its lock (a backup, a
/// migration, a long import): a wall controller started meanwhile comes up when the lock
/// is released instead of exiting. Says so at each try, naming the database. Any other
/// failure is returned at once.
pub async fn open_waiting(url: &str, mode: OpenMode) -> Result<Store, StoreError> {
    let started = Instant::now();
    let mut tries = 0u32;
    loop {
        match Store::open(url, mode).await {
            Err(StoreError::Locked { .. }) => {
                tries += 1;
                tracing::warn!(
                    "database {} is locked by another program; waiting for it to finish \
                     (try {tries}, {} s so far; Ctrl-C stops)",
                    redact_url(url),
                    started.elapsed().as_secs()
                );
                tokio::time::sleep(LOCK_RETRY).await;
            }
            other => return other,
        }
    }
}

/// Where a database's caller key is kept: a file of its own in the user's config directory
/// (`~/.config/commandwall/caller-wall-3fa2c1d09e8b.key`, named after the database's path so
/// that two databases never share a key), or `privacy.caller_key_file`; and where an older
/// Command Wall kept it (`caller.key` beside the database), still read so that a key made
/// then goes on working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPlace {
    pub path: PathBuf,
    pub legacy: Option<PathBuf>,
}

/// Where the key of the database at `url` is kept; `None` for a database in memory, whose
/// key lives as long as the process.
pub fn key_place(config: &Config, url: &str) -> anyhow::Result<Option<KeyPlace>> {
    let db = sqlite_path(url);
    if url.contains(":memory:") {
        return Ok(None);
    }
    let legacy = Some(
        db.as_deref()
            .map(dir_of)
            .unwrap_or_else(|| dir_of(&default_database_path()))
            .join("caller.key"),
    );
    let explicit = config.privacy.caller_key_file.trim();
    if !explicit.is_empty() {
        return Ok(Some(KeyPlace {
            path: PathBuf::from(explicit),
            legacy,
        }));
    }
    let dir = directories::ProjectDirs::from("cn", "commandwall", "commandwall")
        .map(|d| d.config_dir().to_path_buf())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no config directory is known for this user (is HOME set?); \
                 name the caller key's file in privacy.caller_key_file"
            )
        })?;
    let db = db.unwrap_or_else(default_database_path);
    Ok(Some(KeyPlace {
        path: dir.join(key_file_name(&db)),
        legacy,
    }))
}

/// `caller-<name>-<12 hex digits of the SHA-256 of the database's full path>.key`.
fn key_file_name(db: &Path) -> String {
    use sha2::Digest;
    let full = std::fs::canonicalize(db)
        .or_else(|_| std::path::absolute(db))
        .unwrap_or_else(|_| db.to_path_buf());
    let digest = sha2::Sha256::digest(full.as_os_str().as_encoded_bytes());
    let stem: String = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("caller-{stem}-{}.key", hex::encode(&digest[..6]))
}

/// The caller key as found, and where.
struct Found {
    keyer: CallerKeyer,
    from: String,
}

/// The key this process would use: `privacy.caller_key`, else the key file, else the old
/// `caller.key` beside the database (with a warning to move it). Every file is refused when
/// other users may read it.
fn find_key(config: &Config, place: Option<&KeyPlace>) -> anyhow::Result<Option<Found>> {
    let inline = &config.privacy.caller_key.0;
    if !inline.is_empty() {
        anyhow::ensure!(
            config.privacy.caller_key_file.trim().is_empty(),
            "set privacy.caller_key or privacy.caller_key_file, not both"
        );
        return Ok(Some(Found {
            keyer: CallerKeyer::new(inline.as_bytes()),
            from: "privacy.caller_key in the config".into(),
        }));
    }
    let Some(place) = place else {
        static IN_MEMORY: OnceLock<[u8; 32]> = OnceLock::new();
        return Ok(Some(Found {
            keyer: CallerKeyer::new(IN_MEMORY.get_or_init(rand::random)),
            from: "this process (a database in memory)".into(),
        }));
    };
    let legacy = place.legacy.as_ref().filter(|l| **l != place.path);
    if let Some(keyer) = read_key(&place.path)? {
        if let Some(old) = legacy.filter(|l| l.exists()) {
            tracing::warn!(
                "an older caller key lies beside the database at {}, where a copy of the folder \
                 takes it along with the data; the key in use is {} — delete the old one once \
                 you have checked that no other database needs it",
                old.display(),
                place.path.display()
            );
        }
        return Ok(Some(Found {
            keyer,
            from: place.path.display().to_string(),
        }));
    }
    if let Some(old) = legacy {
        if let Some(keyer) = read_key(old)? {
            let dir = dir_of(&place.path);
            tracing::warn!(
                "the caller key is read from {old}, beside the database, where anyone who copies \
                 the folder has it with the data; keep it apart: \
                 `mkdir -p -m 700 {dir} && mv {old} {new}`",
                old = old.display(),
                dir = dir.display(),
                new = place.path.display()
            );
            return Ok(Some(Found {
                keyer,
                from: old.display().to_string(),
            }));
        }
    }
    Ok(None)
}

/// The secret for caller keys, checked against the one the database was written with.
///
/// It comes from the config (`privacy.caller_key`), or a file kept apart from the data
/// (`KeyPlace`): found there, or beside the database where older versions made it, or else
/// made once (mode 0600) when the database holds no caller hashes yet. Its fingerprint is
/// recorded in the database the first time; afterwards a different key, or none, is
/// refused with what happened and how to put it right — a new key would make every caller
/// already stored a stranger, one caller counted as two in the repeat-call lists.
pub async fn caller_keyer(
    config: &Config,
    url: &str,
    store: &Store,
) -> anyhow::Result<CallerKeyer> {
    let place = key_place(config, url)?;
    let found = find_key(config, place.as_ref())?;
    let recorded = store.caller_keys().await?.pop();
    let db = redact_url(url);
    let (keyer, from) = match (found, recorded) {
        (Some(found), Some(rec)) => {
            refuse_other(&found, &rec.fingerprint, &db, place.as_ref())?;
            return Ok(found.keyer);
        }
        (None, Some(rec)) => return Err(missing(&db, place.as_ref(), Some(&rec.fingerprint))),
        (Some(found), None) => (found.keyer, found.from),
        (None, None) => {
            if store.has_caller_hashes().await? {
                return Err(missing(&db, place.as_ref(), None));
            }
            let path = &place
                .as_ref()
                .expect("a database in memory always has a key")
                .path;
            let keyer = make_key(path)?;
            tracing::info!(
                "made a new caller key for {db} at {} (mode 0600); back it up apart from the \
                 database's backups",
                path.display()
            );
            (keyer, path.display().to_string())
        }
    };
    store
        .record_caller_key(&CallerKeyRecord {
            fingerprint: keyer.fingerprint(),
            change: KeyChange::First,
            at: now_ms(),
            note: format!("first key, from {from}"),
        })
        .await?;
    // Another door starting on the same new database at once may have recorded first.
    if let Some(rec) = store.caller_keys().await?.pop() {
        let found = Found { keyer, from };
        refuse_other(&found, &rec.fingerprint, &db, place.as_ref())?;
        return Ok(found.keyer);
    }
    Ok(keyer)
}

fn refuse_other(
    found: &Found,
    recorded: &str,
    db: &str,
    place: Option<&KeyPlace>,
) -> anyhow::Result<()> {
    let fingerprint = found.keyer.fingerprint();
    if fingerprint == recorded {
        return Ok(());
    }
    let put_back = place.map_or_else(
        || "where it was".to_string(),
        |p| p.path.display().to_string(),
    );
    anyhow::bail!(
        "the caller key from {} (fingerprint {fingerprint}) is not the key database {db} was \
         written with (fingerprint {recorded}): with it, every caller already stored would be a \
         stranger and the same caller would appear as two in the repeat-call lists. Restore the \
         key this database was written with to {put_back} (from your backup; \
         `commandwall caller-key status` shows fingerprints), or, to start a new key \
         deliberately, run `commandwall --database {db} caller-key rotate --confirm` (the change \
         is recorded in the database)",
        found.from
    )
}

fn missing(db: &str, place: Option<&KeyPlace>, recorded: Option<&str>) -> anyhow::Error {
    let at = place.map_or_else(String::new, |p| {
        format!(" at {}", p.path.display())
            + &p.legacy
                .as_ref()
                .map(|l| format!(" (nor at {})", l.display()))
                .unwrap_or_default()
    });
    let written = match recorded {
        Some(fp) => format!("was written with the caller key of fingerprint {fp}"),
        None => "holds caller hashes made with a key".to_string(),
    };
    let restore = place.map_or_else(String::new, |p| {
        format!(" to {} (mode 0600)", p.path.display())
    });
    anyhow::anyhow!(
        "database {db} {written}, and no key is{at}; a new key would make the same caller appear \
         as two in the repeat-call lists, so none is made. Restore the key from your backup{restore} \
         or name its file in privacy.caller_key_file; to start a new key deliberately instead, \
         run `commandwall --database {db} caller-key rotate --confirm` (recorded in the database)"
    )
}

/// What `caller-key status` shows.
#[derive(Debug)]
pub struct KeyStatus {
    /// Where the key in use was found, if anywhere.
    pub from: Option<String>,
    /// Where it is kept by default (or by `privacy.caller_key_file`).
    pub place: Option<KeyPlace>,
    pub fingerprint: Option<String>,
    /// The database's record, oldest first.
    pub history: Vec<CallerKeyRecord>,
}

pub async fn caller_key_status(
    config: &Config,
    url: &str,
    store: &Store,
) -> anyhow::Result<KeyStatus> {
    let place = key_place(config, url)?;
    let found = find_key(config, place.as_ref())?;
    Ok(KeyStatus {
        fingerprint: found.as_ref().map(|f| f.keyer.fingerprint()),
        from: found.map(|f| f.from),
        place,
        history: store.caller_keys().await?,
    })
}

/// What `caller-key rotate --confirm` did.
#[derive(Debug)]
pub struct Rotated {
    pub fingerprint: String,
    /// The key in use now: a file, or the config.
    pub key: String,
    /// The key file that was replaced, kept under a new name.
    pub set_aside: Option<PathBuf>,
}

/// Starts a new caller key for the database deliberately and records it (with the time):
/// a key at the key file that is not the recorded one is adopted; otherwise a new key is
/// made there, the old file kept beside it as `….replaced-<UTC time>`. With the key in the
/// config, the config's (changed) key is recorded.
pub async fn rotate_caller_key(
    config: &Config,
    url: &str,
    store: &Store,
    now: Millis,
) -> anyhow::Result<Rotated> {
    let recorded = store.caller_keys().await?.pop().map(|r| r.fingerprint);
    let place = key_place(config, url)?;
    let (keyer, key, set_aside, note) = if !config.privacy.caller_key.0.is_empty() {
        let found = find_key(config, None)?.expect("an inline key");
        anyhow::ensure!(
            recorded.as_deref() != Some(&found.keyer.fingerprint()),
            "privacy.caller_key is already the key this database was written with; to start a \
             new key, put a new secret there first"
        );
        (
            found.keyer,
            found.from.clone(),
            None,
            "the key in privacy.caller_key".to_string(),
        )
    } else {
        let place = place.ok_or_else(|| {
            anyhow::anyhow!("a database in memory has a key only as long as the process runs")
        })?;
        let path = &place.path;
        match read_key(path)? {
            Some(keyer) if recorded.as_deref() != Some(&keyer.fingerprint()) => (
                keyer,
                path.display().to_string(),
                None,
                format!("adopted the key at {}", path.display()),
            ),
            existing => {
                let set_aside = match existing {
                    Some(_) => {
                        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                        let mut aside = path.as_os_str().to_owned();
                        aside.push(format!(".replaced-{stamp}"));
                        let aside = PathBuf::from(aside);
                        std::fs::rename(path, &aside).with_context(|| {
                            format!("cannot set {} aside as {}", path.display(), aside.display())
                        })?;
                        Some(aside)
                    }
                    None => None,
                };
                let keyer = make_key(path)?;
                (
                    keyer,
                    path.display().to_string(),
                    set_aside,
                    format!("new key made at {}", path.display()),
                )
            }
        }
    };
    let fingerprint = keyer.fingerprint();
    store
        .record_caller_key(&CallerKeyRecord {
            fingerprint: fingerprint.clone(),
            change: KeyChange::Rotated,
            at: now,
            note: match &recorded {
                Some(old) => format!("{note}, replacing {old}"),
                None => note,
            },
        })
        .await?;
    Ok(Rotated {
        fingerprint,
        key,
        set_aside,
    })
}

/// A key file's key; `None` if there is no file. A file others may read is refused.
fn read_key(path: &Path) -> anyhow::Result<Option<CallerKeyer>> {
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read the caller key {shown}")),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        anyhow::ensure!(
            mode & 0o077 == 0,
            "the caller key {shown} can be read by other users (mode {mode:04o}); with it and the \
             database every masked number is recovered in under a second: run `chmod 600 {shown}`"
        );
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the caller key {shown}"))?;
    let key = hex::decode(text.trim()).with_context(|| {
        format!("{shown} is not a hex key; delete it only if no database uses it")
    })?;
    anyhow::ensure!(
        key.len() >= 16,
        "{shown} holds a key of {} bytes; a caller key has at least 16",
        key.len()
    );
    Ok(Some(CallerKeyer::new(&key)))
}

/// Makes a random key at `path` (its folder 0700 where made, the file 0600). Another door
/// making it at the same moment wins; its key is read.
fn make_key(path: &Path) -> anyhow::Result<CallerKeyer> {
    let dir = dir_of(path);
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let key: [u8; 32] = rand::random();
    match write_private(path, &hex::encode(key)) {
        Ok(()) => Ok(CallerKeyer::new(&key)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path)?
            .ok_or_else(|| anyhow::anyhow!("{} vanished as it was made", path.display())),
        Err(e) => {
            Err(e).with_context(|| format!("cannot write the caller key to {}", path.display()))
        }
    }
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
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// The file of a `sqlite:` URL; `None` for another scheme or a database in memory.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next()?;
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// The folder a file is in (`.` for a bare name).
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The wall clock, read only by adapters (the core is handed `now`).
pub fn now_ms() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_database_has_a_key_file_of_its_own() {
        let a = key_file_name(Path::new("/srv/wall/wall.db"));
        let b = key_file_name(Path::new("/srv/other/wall.db"));
        assert!(a.starts_with("caller-wall-") && a.ends_with(".key"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, key_file_name(Path::new("/srv/wall/wall.db")));
        assert!(key_file_name(Path::new("/x/某 中心.db")).starts_with("caller-某_中心-"));
    }

    #[test]
    fn the_key_place_follows_the_config_and_keeps_the_old_place() {
        let mut config = Config::load(None, []).unwrap();
        config.privacy.caller_key_file = "/secrets/caller.key".into();
        let place = key_place(&config, "sqlite:/data/wall.db").unwrap().unwrap();
        assert_eq!(place.path, PathBuf::from("/secrets/caller.key"));
        assert_eq!(place.legacy, Some(PathBuf::from("/data/caller.key")));
        assert_eq!(key_place(&config, "sqlite::memory:").unwrap(), None);
    }
}

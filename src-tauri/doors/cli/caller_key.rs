//! `commandwall caller-key`: where the caller-hashing key is, whether it is the one the
//! database was written with, and starting a new one deliberately.

use crate::config::Config;
use crate::core::time::utc;
use crate::setup::{caller_key_status, now_ms, rotate_caller_key};
use crate::store::{redact_url, KeyChange, OpenMode, Store};

#[derive(Debug, clap::Subcommand)]
pub enum CallerKeyAction {
    /// Where the key is kept, its fingerprint, and the keys the database was written with.
    Status,
    /// Start a new key for this database deliberately, recorded in the database with the
    /// time. Callers stored before are strangers to the new key: the same caller appears as
    /// two in the repeat-call lists until the old calls age out of the year.
    Rotate {
        /// Required: you have read the above.
        #[arg(long)]
        confirm: bool,
    },
}

pub async fn run(url: &str, config: &Config, action: &CallerKeyAction) -> anyhow::Result<()> {
    let store = Store::open(url, OpenMode::Existing).await?;
    match action {
        CallerKeyAction::Status => status(url, config, &store).await,
        CallerKeyAction::Rotate { confirm: false } => anyhow::bail!(
            "a new caller key makes every caller already stored a stranger: the same caller \
             would appear as two in the repeat-call lists until the old calls age out of the \
             year. To do it anyway, run again with --confirm"
        ),
        CallerKeyAction::Rotate { confirm: true } => {
            let done = rotate_caller_key(config, url, &store, now_ms()).await?;
            println!(
                "database {} now uses the caller key {} (fingerprint {}); the change is recorded",
                redact_url(url),
                done.key,
                done.fingerprint
            );
            if let Some(old) = done.set_aside {
                println!(
                    "the key it replaces was kept as {}: delete it once no backup needs it",
                    old.display()
                );
            }
            println!("back the new key up now, apart from the database's backups");
            Ok(())
        }
    }
}

async fn status(url: &str, config: &Config, store: &Store) -> anyhow::Result<()> {
    let s = caller_key_status(config, url, store).await?;
    println!("database     {}", redact_url(url));
    if let Some(place) = &s.place {
        println!("key file     {}", place.path.display());
    }
    match (&s.from, &s.fingerprint) {
        (Some(from), Some(fp)) => println!("key in use   {from} (fingerprint {fp})"),
        _ => println!("key in use   none found"),
    }
    let current = s.history.last().map(|r| r.fingerprint.as_str());
    println!(
        "database     {}",
        match (current, s.fingerprint.as_deref()) {
            (None, _) => "records no key yet (the first door that writes callers records it)",
            (Some(a), Some(b)) if a == b => "written with this key",
            (Some(_), Some(_)) =>
                "written with ANOTHER key: doors that write callers refuse to start",
            (Some(_), None) => "written with a key that is not found: restore it from the backup",
        }
    );
    for r in &s.history {
        let change = match r.change {
            KeyChange::First => "first",
            KeyChange::Rotated => "rotated",
        };
        println!(
            "  {}  {change:<8} {}  {}",
            utc(r.at).format("%Y-%m-%d %H:%M UTC"),
            r.fingerprint,
            r.note
        );
    }
    Ok(())
}

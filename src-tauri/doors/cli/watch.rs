//! `commandwall import --watch DIR --mapping M`: takes the files a CAD exports into a folder
//! as they appear and grow, until Ctrl-C. One line per file taken; problems as `import`
//! prints them; the wall shows the last file and whether the watch is polling.

use std::path::Path;
use std::time::Duration;

use crate::config::Config;
use crate::import::watch::{watch, Watch};
use crate::import::Mapping;
use crate::setup::{caller_keyer, now_ms, open_store};

pub async fn run(
    url: &str,
    config: &Config,
    dir: &Path,
    mapping: &Mapping,
    poll: Duration,
) -> anyhow::Result<()> {
    if !dir.is_dir() {
        anyhow::bail!("--watch {}: no such folder", dir.display());
    }
    let store = open_store(url, config).await?;
    let keyer = caller_keyer(config, url, &store).await?;
    eprintln!(
        "watching {} with mapping '{}' every {:?}; Ctrl-C stops",
        dir.display(),
        mapping.name,
        poll
    );
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let w = Watch { dir, mapping, poll };
    let done = watch(
        &store,
        w,
        keyer,
        now_ms,
        |path, result| match result {
            Ok(s) => println!(
                "{}: {} rows, {} stored, {} rejected ({} new, {} updated)",
                path.display(),
                s.rows_read,
                s.rows_stored,
                s.rows_rejected,
                s.records_new,
                s.records_updated
            ),
            Err(e) => eprintln!("{}: not imported: {e}", path.display()),
        },
        stop,
    )
    .await;
    store.close().await;
    Ok(done?)
}

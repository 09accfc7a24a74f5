//! A full disk: the write that does not fit fails with a clear message, everything stored
//! before it stays, and the importer says how far it got.

use std::path::{Path, PathBuf};
use std::process::Command;

use commandwall::core::model::{Batch, Call};
use commandwall::import::{import_file, Mapping};
use commandwall::store::{OpenMode, Store};

use crate::helpers::{keyer, records, shared, IMPORT_NOW};

/// A 1 MiB tmpfs, unmounted when dropped. Mounting needs root, which CI has.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1M", "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk { dir })
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn small_disk() -> Option<SmallDisk> {
    let disk = SmallDisk::mount();
    if disk.is_none() {
        // Developers without root skip this; CI (root) must run it.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs for the disk-full test"
        );
        eprintln!("skipped: mounting a tmpfs needs root");
    }
    disk
}

/// `n` unanswered calls with long addresses, to fill the disk quickly.
fn calls(from: usize, n: usize) -> Batch {
    records::calls(
        (from..from + n)
            .map(|i| Call {
                answered: None,
                ended: None,
                outcome: None,
                seat: Some("S01".into()),
                caller_key: Some(format!("{i:032x}")),
                caller_masked: Some("138****1234".into()),
                address: Some("正阳中央街100号".repeat(4)),
                ..records::call(&format!("C{i:08}"), 1_700_000_000_000 + i as i64 * 1000)
            })
            .collect(),
    )
}

fn url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("wall.db").display())
}

#[tokio::test]
async fn a_full_disk_fails_the_write_and_keeps_what_was_stored() {
    let Some(disk) = small_disk() else { return };
    let store = Store::open(&url(&disk.path()), OpenMode::CreateAndMigrate)
        .await
        .unwrap();
    let mut stored = 0;
    let err = loop {
        match store.write(&calls(stored, 200)).await {
            Ok(_) => stored += 200,
            Err(e) => break e,
        }
        assert!(stored < 100_000, "a 1 MiB disk never filled");
    };
    assert_eq!(err.code(), "disk_full", "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("disk") && msg.contains("full") && msg.contains("wall.db"),
        "{msg}"
    );
    assert!(stored > 0);
    assert_eq!(
        store.health().await.unwrap().calls,
        stored as i64,
        "every committed row is still there"
    );
}

#[tokio::test]
async fn an_import_onto_a_full_disk_says_how_far_it_got() {
    let Some(disk) = small_disk() else { return };
    let store = Store::open(&url(&disk.path()), OpenMode::CreateAndMigrate)
        .await
        .unwrap();
    let mapping = Mapping::load(Path::new("decc_cad")).unwrap();
    let err = import_file(
        &store,
        &shared("data/decc_cad_2025w35-41.csv"),
        &mapping,
        keyer(),
        IMPORT_NOW,
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("stopped at line")
            && msg.contains("disk")
            && msg.contains("rows before it are stored"),
        "{msg}"
    );
    let h = store.health().await.unwrap();
    assert_eq!(h.integrity, "ok");
    assert_eq!(
        h.calls, h.incidents,
        "batches are whole: no call without its incident"
    );
}

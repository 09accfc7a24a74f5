//! `import --watch`: a folder a CAD exports into. A grown file is taken from where it
//! stopped, its rows named by their lines in the file; a restarted watch takes nothing
//! again; a file replaced under the same name is read whole, adding nothing twice. The
//! export is GBK with CRLF line ends, as Excel on a Chinese desktop writes it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use commandwall::import::watch::{watch, Watch};
use commandwall::import::Mapping;

use crate::helpers::{keyer, TestDb, IMPORT_NOW};
use crate::import_files::{gbk, GBK_MAPPING as MAPPING};

const HEADER: &str = "编号,接警时间,类别,地址\r\n";
const ROW_1: &str = "A1,2026-11-20 08:00:00,盗窃,新华路12号\r\n";
const ROW_2: &str = "A2,2026-11-20 09:00:00,火灾,解放路8号\r\n";
/// A category the mapping does not know: a warning on the row's line.
const ROW_3: &str = "A3,2026-11-20 10:00:00,扰民,人民路3号\r\n";

/// What each file taken gave: rows read, records new (a row is a call and its incident), the
/// lines of its problems.
type Taken = Arc<Mutex<Vec<(u64, i64, Vec<u64>)>>>;

/// A watch running in the background until the returned sender is dropped.
fn start(db: &TestDb, dir: &Path, taken: Taken) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let store = db.store.clone();
    let dir = dir.to_path_buf();
    tokio::spawn(async move {
        let mapping: Mapping = toml::from_str(MAPPING).unwrap();
        let w = Watch {
            dir: &dir,
            mapping: &mapping,
            poll: Duration::from_millis(50),
        };
        watch(
            &store,
            w,
            keyer(),
            || IMPORT_NOW,
            |path, r| {
                let s = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let lines = s.issues.iter().filter_map(|i| i.line).collect();
                taken
                    .lock()
                    .unwrap()
                    .push((s.rows_read, s.records_new, lines));
            },
            async {
                let _ = stopped.await;
            },
        )
        .await
        .unwrap();
    });
    stop
}

async fn wait_for(taken: &Taken, n: usize) -> Vec<(u64, i64, Vec<u64>)> {
    for _ in 0..200 {
        if taken.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    taken.lock().unwrap().clone()
}

fn append(path: &PathBuf, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(&gbk(text)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_folder_is_taken_once_row_by_row_across_growth_restarts_and_replacement() {
    let db = TestDb::new().await;
    let dir = db.path("exports");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("cad.csv");
    // Half a row: the CAD is still writing it.
    std::fs::write(&file, gbk(&format!("{HEADER}{ROW_1}A2,2026-11-20 09"))).unwrap();
    let taken: Taken = Arc::default();
    let stop = start(&db, &dir, taken.clone());
    let got = wait_for(&taken, 1).await;
    assert_eq!(got, vec![(1, 2, vec![])], "only the whole row is taken");

    append(&file, &ROW_2[ROW_2.find(" 09").unwrap() + 3..]);
    append(&file, ROW_3);
    let got = wait_for(&taken, 2).await;
    assert_eq!(
        got[1],
        (2, 4, vec![4]),
        "the rest of row 2 and row 3, whose problem is on line 4 of the file"
    );
    drop(stop);

    // A restarted watch remembers what it took.
    let again: Taken = Arc::default();
    let stop = start(&db, &dir, again.clone());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        again.lock().unwrap().is_empty(),
        "{:?}",
        again.lock().unwrap()
    );

    // The file replaced under its name (written beside it and renamed over it, as exports
    // are): read whole again, one new row, the others unchanged.
    let beside = dir.join(".cad.csv.tmp");
    let row_4 = "A4,2026-11-20 11:00:00,盗窃,新华路13号\r\n";
    std::fs::write(
        &beside,
        gbk(&format!("{HEADER}{ROW_1}{ROW_2}{ROW_3}{row_4}")),
    )
    .unwrap();
    std::fs::rename(&beside, &file).unwrap();
    let got = wait_for(&again, 1).await;
    assert_eq!(got, vec![(4, 2, vec![4])]);
    drop(stop);

    let h = db.store.health().await.unwrap();
    assert_eq!(h.calls, 4, "four calls, none twice");
}

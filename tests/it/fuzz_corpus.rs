//! The fuzzer's corpus replayed on stable: every file under `fuzz/corpus/<target>/` through
//! the entry point its target calls (`fuzz/src/lib.rs`, included here as it is), so the
//! inputs the fuzzer kept, crashes it found among them, are checked by every test run
//! without nightly. A panic names the file.

#[path = "../../fuzz/src/lib.rs"]
mod entries;

use std::path::Path;

#[test]
fn every_corpus_file_goes_through_its_entry_point_without_a_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, entry) in entries::TARGETS {
        let dir = corpus.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} holds no input", dir.display());
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let run = std::panic::catch_unwind(|| entry(&data));
            assert!(run.is_ok(), "{} panicked", file.display());
        }
    }
}

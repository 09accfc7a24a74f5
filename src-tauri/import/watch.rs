//! `import --watch DIR`: many CADs can only export files on a schedule into a folder. Each
//! new or grown file is taken once it has stopped changing for one poll, and only up to its
//! last complete row, so a file still being written is never read half. What was taken of
//! each file (bytes, lines, the file's identity) is remembered in the database, so a restart
//! goes on where it stopped; rows are upserts by id, so taking a file again (replaced,
//! truncated, or after a crash between storing rows and remembering them) adds nothing.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::input;
use super::mapping::Mapping;
use super::run::{import_read, ImportError, ImportSummary, Input};
use crate::core::caller::CallerKeyer;
use crate::core::model::Millis;
use crate::store::{Store, Taken};

/// What one poll sees of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub len: u64,
    pub modified_ms: i64,
    /// The file's identity (device and inode): a file replaced under the same name is new.
    pub identity: (u64, u64),
}

/// What to do with a file at this poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// It changed since the last poll (or was first seen now): a writer may be at work.
    Wait,
    /// Everything in it was taken.
    Nothing,
    /// New, replaced or shortened: from its start.
    Whole,
    /// Grown: from the end of what was taken.
    From(Taken),
}

/// The decision for one file, from what this poll and the last saw and what was taken.
pub fn next(now: Seen, before: Option<Seen>, taken: Option<&Taken>) -> Next {
    if before != Some(now) {
        return Next::Wait;
    }
    match taken {
        Some(t) if t.identity == now.identity && t.bytes == now.len => Next::Nothing,
        Some(t) if t.identity == now.identity && t.bytes < now.len => Next::From(*t),
        _ => Next::Whole,
    }
}

/// Where the complete rows of `bytes` end: after the last line break outside quotes (a
/// quoted field may hold line breaks), or 0 when no row is complete yet.
pub fn complete_rows(bytes: &[u8]) -> usize {
    let mut quoted = false;
    let mut end = 0;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => end = i + 1,
            _ => {}
        }
    }
    end
}

/// Line breaks in the complete rows of `bytes` (a `\r\n` counts once): the file's lines.
fn lines_in(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

/// Names in the folder that may be exports: not hidden, not a partial download or an
/// editor's spare, regular files only.
fn candidates(dir: &Path) -> std::io::Result<Vec<(PathBuf, Seen)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let spare = name.starts_with('.')
            || name.starts_with('~')
            || [".tmp", ".part", ".crdownload", "~"]
                .iter()
                .any(|s| name.ends_with(s));
        if spare {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        out.push((entry.path(), seen(&meta)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn seen(meta: &std::fs::Metadata) -> Seen {
    use std::os::unix::fs::MetadataExt;
    let modified_ms = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    Seen {
        len: meta.len(),
        modified_ms,
        identity: (meta.dev(), meta.ino()),
    }
}

/// One file's new rows: the header line and the complete rows after what was taken.
struct Chunk {
    header: Vec<u8>,
    rows: Vec<u8>,
    /// What will have been taken once these rows are stored.
    taken: Taken,
    /// Lines of the file before the first of these rows.
    lines_before: u64,
}

fn read_chunk(path: &Path, now: Seen, from: Option<Taken>) -> std::io::Result<Option<Chunk>> {
    let mut file = std::fs::File::open(path)?;
    let mut all = Vec::new();
    let start = from.map_or(0, |t| t.bytes);
    // The header is the first complete row; it is read again for a grown file.
    let mut head = Vec::new();
    (&mut file).take(64 * 1024).read_to_end(&mut head)?;
    let header_end = complete_rows_first(&head);
    if header_end == 0 {
        return Ok(None);
    }
    let header = head[..header_end].to_vec();
    let start = start.max(header_end as u64);
    file.seek(SeekFrom::Start(start))?;
    file.take(now.len.saturating_sub(start))
        .read_to_end(&mut all)?;
    let end = complete_rows(&all);
    if end == 0 {
        return Ok(None); // no complete row yet
    }
    all.truncate(end);
    let lines_before = from.map_or(1, |t| t.lines);
    Ok(Some(Chunk {
        taken: Taken {
            identity: now.identity,
            bytes: start + end as u64,
            lines: lines_before + lines_in(&all),
        },
        header,
        rows: all,
        lines_before,
    }))
}

/// Where the first complete row ends.
fn complete_rows_first(bytes: &[u8]) -> usize {
    let mut quoted = false;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return i + 1,
            _ => {}
        }
    }
    0
}

/// The watcher's settings.
pub struct Watch<'a> {
    pub dir: &'a Path,
    pub mapping: &'a Mapping,
    pub poll: Duration,
}

/// Polls the folder until `stop` resolves; each file taken is reported through `report`.
/// A file that cannot be read or imported is reported and tried again at the next change;
/// the database failing stops the watch (the caller says why and exits non-zero).
pub async fn watch(
    store: &Store,
    w: Watch<'_>,
    keyer: CallerKeyer,
    clock: impl Fn() -> Millis,
    mut report: impl FnMut(&Path, Result<&ImportSummary, &ImportError>),
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), ImportError> {
    let dir_key = w.dir.display().to_string();
    let mut before: HashMap<PathBuf, Seen> = HashMap::new();
    let mut failed: HashMap<PathBuf, Seen> = HashMap::new();
    let mut ticker = tokio::time::interval(w.poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = ticker.tick() => {}
        }
        let listing = match candidates(w.dir) {
            Ok(l) => Ok(l),
            Err(e) => Err(format!("cannot list {}: {e}", w.dir.display())),
        };
        let error = listing.as_ref().err().cloned();
        store
            .watch_polled(&dir_key, &w.mapping.name, clock(), error.as_deref())
            .await?;
        let Ok(listing) = listing else { continue };
        let taken = store.watched_files(&dir_key).await?;
        let mut seen_now = HashMap::new();
        for (path, now) in listing {
            seen_now.insert(path.clone(), now);
            let name = file_name(&path);
            let decision = next(now, before.get(&path).copied(), taken.get(&name));
            let from = match decision {
                Next::Wait | Next::Nothing => continue,
                _ if failed.get(&path) == Some(&now) => continue,
                Next::Whole => None,
                Next::From(t) => Some(t),
            };
            match take(store, &path, now, from, w.mapping, keyer.clone(), clock()).await {
                Ok(Some((summary, t))) => {
                    store.remember_taken(&dir_key, &name, t, clock()).await?;
                    failed.remove(&path);
                    report(&path, Ok(&summary));
                }
                Ok(None) => {}
                Err(e) => {
                    if let ImportError::Interrupted { .. } | ImportError::Store(_) = e {
                        return Err(e);
                    }
                    failed.insert(path.clone(), now);
                    report(&path, Err(&e));
                }
            }
        }
        before = seen_now;
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

async fn take(
    store: &Store,
    path: &Path,
    now: Seen,
    from: Option<Taken>,
    mapping: &Mapping,
    keyer: CallerKeyer,
    at: Millis,
) -> Result<Option<(ImportSummary, Taken)>, ImportError> {
    let file = path.display().to_string();
    let chunk = read_chunk(path, now, from).map_err(|source| ImportError::Unreadable {
        file: file.clone(),
        source,
    })?;
    let Some(chunk) = chunk else { return Ok(None) };
    let total_bytes = (chunk.header.len() + chunk.rows.len()) as u64;
    let bytes = std::io::Cursor::new(chunk.header).chain(std::io::Cursor::new(chunk.rows));
    let rows = Input {
        text: input::decode(bytes, mapping.encoding()),
        file,
        lines_before: chunk.lines_before,
        total_bytes,
        taken: Default::default(),
    };
    let summary = import_read(store, rows, mapping, keyer, at, &mut |_| {}).await?;
    Ok(Some((summary, chunk.taken)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Seen = Seen {
        len: 100,
        modified_ms: 5,
        identity: (1, 7),
    };

    #[test]
    fn a_file_is_taken_only_once_it_has_stopped_changing() {
        assert_eq!(next(A, None, None), Next::Wait, "first seen");
        let growing = Seen { len: 90, ..A };
        assert_eq!(next(A, Some(growing), None), Next::Wait);
        assert_eq!(next(A, Some(A), None), Next::Whole);
    }

    #[test]
    fn a_grown_file_goes_on_where_it_stopped_and_a_replaced_one_starts_again() {
        let t = Taken {
            identity: A.identity,
            bytes: 60,
            lines: 3,
        };
        assert_eq!(next(A, Some(A), Some(&t)), Next::From(t));
        let all = Taken { bytes: 100, ..t };
        assert_eq!(next(A, Some(A), Some(&all)), Next::Nothing);
        let shorter = Taken { bytes: 120, ..t };
        assert_eq!(next(A, Some(A), Some(&shorter)), Next::Whole, "truncated");
        let other = Taken {
            identity: (1, 8),
            ..t
        };
        assert_eq!(next(A, Some(A), Some(&other)), Next::Whole, "replaced");
    }

    #[test]
    fn only_complete_rows_are_taken_and_quoted_line_breaks_are_inside_a_row() {
        assert_eq!(complete_rows(b"a,b\n1,2\n3,"), 8);
        assert_eq!(complete_rows(b"a,b\r\n1,\"x\ny\"\n2,\"open\n"), 13);
        assert_eq!(complete_rows(b"a,b"), 0);
        assert_eq!(complete_rows_first(b"\"h\n1\",b\nrest\n"), 8);
    }
}

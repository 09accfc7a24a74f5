//! The fuzzer's entry points: arbitrary bytes into the code that reads what the outside
//! world sends, which must answer every input without a panic. The targets in
//! `fuzz_targets/` (nightly, libFuzzer) call these, and so does the stable test that
//! replays the corpus (`tests/it/fuzz_corpus.rs` includes this file), so the two cannot
//! drift apart.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::http::Uri;
use commandwall::config::Config;
use commandwall::core::caller::CallerKeyer;
use commandwall::core::kpi::evaluate::Evaluation;
use commandwall::core::kpi::filter::Filter;
use commandwall::core::kpi::window::Window;
use commandwall::core::model::Millis;
use commandwall::doors::serve::questions;
use commandwall::import::mapping::{Mapping, RecordKind, BUILT_IN};
use commandwall::import::read::Rows;
use commandwall::services::desk_queries;

/// What a target does with one input.
pub type Entry = fn(&[u8]);

/// Each target by the name of its corpus folder (`fuzz/corpus/<name>/`).
pub const TARGETS: [(&str, Entry); 3] = [
    ("import_rows", import_rows),
    ("mapping", mapping),
    ("query", query),
];

/// A fixed "now" (2026-06-01 UTC): what counts as a time in the future, and what "this week"
/// is, must not move between a crash and its replay.
const NOW: Millis = 1_780_272_000_000;

/// A CSV export read as the importer reads it (`import::read::Rows`: the CSV reader, then
/// `RowParser`) through a shipped mapping. The first byte picks the mapping (`BUILT_IN`
/// order); the rest is the file, header first.
pub fn import_rows(data: &[u8]) {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let shipped = shipped();
    read_all(file, &shipped[usize::from(pick) % shipped.len()]);
}

/// A mapping file's text as `Mapping::load` reads it; then, after the first NUL byte, rows
/// for it under a header of the columns it names. A mapping that loads must read any row.
pub fn mapping(data: &[u8]) {
    let (text, rows) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return; // `load` reads the file as UTF-8 and says so
    };
    let Ok(mapping) = Mapping::from_toml(text, "fuzz.toml") else {
        return;
    };
    let mut file = header_of(&mapping);
    file.extend_from_slice(rows);
    read_all(&file, &mapping);
}

/// A query string as the served door's endpoints read it: the desk and a zone's
/// drill-down (their windows then evaluated, on no records, as far as the store would be
/// asked), the alert history, the weekly report, the token. The bytes follow `?` in the
/// request target, and hyper's parse of it comes first, as on the wire.
pub fn query(data: &[u8]) {
    let Ok(uri) = Uri::try_from([b"/api/desk?".as_slice(), data].concat()) else {
        return;
    };
    let config = config();
    if let Ok(q) = questions::desk(&uri) {
        if let Ok((window, filter)) = desk_queries::read_question(config, &q, NOW) {
            evaluate(window, &filter);
        }
        let zone = q.zone.as_deref().unwrap_or("Z01");
        if let Ok(window) = desk_queries::read_zone_question(config, zone, &q, NOW) {
            evaluate(window, &Filter::default());
        }
    }
    let _ = questions::history(&uri);
    if let Ok(request) = questions::report(&uri, config, NOW) {
        evaluate(request.covers.window(config.tz()), &Filter::default());
    }
    let _ = questions::token(&uri);
}

fn shipped() -> &'static [Mapping] {
    static SHIPPED: OnceLock<Vec<Mapping>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        BUILT_IN
            .iter()
            .map(|(name, text)| Mapping::from_toml(text, name).expect("a shipped mapping loads"))
            .collect()
    })
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::default)
}

fn keyer() -> CallerKeyer {
    static KEYER: OnceLock<CallerKeyer> = OnceLock::new();
    KEYER.get_or_init(|| CallerKeyer::new(b"fuzz")).clone()
}

/// Every row of `file`; a row not rejected carries its record, as the importer stores it.
fn read_all(file: &[u8], mapping: &Mapping) {
    let Ok(rows) = Rows::of_bytes(file.to_vec(), "fuzz.csv", mapping, keyer(), NOW) else {
        return;
    };
    for row in rows {
        // Text the mapping's encoding cannot read stops the reading (and says so); bytes
        // in memory never fail to read otherwise.
        let Ok(row) = row else {
            return;
        };
        // A phone system's row may count nothing on any line (not recording that hour).
        assert!(
            row.rejected()
                || row.call.is_some()
                || row.order.is_some()
                || mapping.record == RecordKind::PhoneInterval,
            "a row stored without a record: {row:?}"
        );
    }
}

/// The header row of every column a mapping names, written as CSV.
fn header_of(mapping: &Mapping) -> Vec<u8> {
    let columns: BTreeSet<&str> = mapping.columns();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns).expect("writes to memory");
    w.into_inner().expect("writes to memory")
}

/// The windows a desk question or a report builds, evaluated on no records.
fn evaluate(window: Window, filter: &Filter) {
    let e = Evaluation::new(window, NOW).cut_by(filter).data_from(None);
    let _ = e.needs();
    let _ = e.finish();
}

//! The live path under faults, on a running server: the engine panics (the loop is
//! supervised: stale at once, restarted with a fresh engine); a row dated hours ahead (it
//! neither wakes a silent feed nor passes for the newest call, and is shown as a
//! data-quality problem); the database file deleted, then replaced by a restored backup
//! (noticed, said, reopened, rebuilt).

use std::sync::Arc;
use std::time::{Duration, Instant};

use commandwall::config::Config;
use commandwall::core::model::{Batch, Millis};
use commandwall::services::live_loop::{Faults, WallState};
use commandwall::setup::now_ms;
use commandwall::store::{OpenMode, Store};
use serde_json::Value;

use crate::helpers::records;
use crate::helpers::server::{
    config, spawn_server, spawn_server_with_faults, today_at, TestServer,
};
use crate::helpers::PATIENCE;

/// Today's calls (in the last two minutes, never before local midnight).
fn calls_today(config: &Config, n: usize) -> Batch {
    let now = now_ms();
    records::calls(
        (0..n)
            .map(|i| {
                records::call(
                    &format!("c{i}"),
                    today_at(config, now, 90_000 + i as Millis),
                )
            })
            .collect(),
    )
}

/// The overview's calls figure.
fn calls(state: &Value) -> Option<f64> {
    let tiles = state["pages"]["overview"]["tiles"].as_array()?;
    tiles.iter().find(|t| t["key"] == "calls")?["value"].as_f64()
}

/// Waits until `/api/state` is fresh (not stale) with `n` calls on the overview.
async fn fresh_with(server: &TestServer, what: &str, n: f64) -> Value {
    let look = |s: &Value| (calls(s), s["stale"].clone());
    let fresh = |(c, stale): &(Option<f64>, Value)| *c == Some(n) && stale.is_null();
    server.wait_state(what, look, fresh).await.1
}

/// Waits on the loop's own channel (no polling gap) until `until` holds; gives the state.
async fn wait_live(
    server: &TestServer,
    what: &str,
    until: impl Fn(&WallState) -> bool,
) -> Arc<WallState> {
    let mut rx = server.live.clone();
    let seen = tokio::time::timeout(PATIENCE, async {
        rx.wait_for(|s| until(s))
            .await
            .expect("the loop is running")
            .clone()
    })
    .await;
    seen.unwrap_or_else(|_| {
        let last = server.live.borrow().stale.clone();
        panic!("waited {PATIENCE:?} for {what}; last: {last:?}")
    })
}

fn code(s: &WallState) -> Option<&'static str> {
    s.stale.as_ref().map(|s| s.code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_engine_is_stale_at_once_and_restarts_with_a_fresh_engine() {
    // The centre's own refresh period (1 s): the bound is two of them. (With 200 ms the
    // default panic hook alone can take longer: with RUST_BACKTRACE=1 it resolves a
    // backtrace of the test binary, ~0.7 s here, before the task ends.)
    let mut config = config();
    config.live.refresh_ms = Config::load(None, []).unwrap().live.refresh_ms;
    let refresh = Duration::from_millis(config.live.refresh_ms);
    let faults = Faults::default();
    let server =
        spawn_server_with_faults(config.clone(), calls_today(&config, 3), faults.clone()).await;
    let s = fresh_with(&server, "fresh figures", 3.0).await;
    let seq = s["seq"].as_i64();
    assert_eq!(s["engine_restarts"], 0);

    // The engine breaks an invariant on its next tick, and on the first tick of each of
    // the next two loops started in its place.
    faults.panic_next_ticks(3);
    let failed = wait_live(&server, "the failure reported", |s| {
        code(s) == Some("engine_failed")
    })
    .await;
    let seen = Instant::now();
    let took = seen - faults.fired()[0];
    println!("# engine failure → stale state: {took:?} (refresh period {refresh:?})");
    assert!(
        took <= 2 * refresh,
        "stale {took:?} after the failure, more than two refresh periods"
    );
    let why = failed.stale.as_ref().unwrap();
    assert!(
        why.reason.contains("the figures engine failed")
            && why
                .reason
                .contains("injected fault: the engine broke an invariant"),
        "{}",
        why.reason
    );
    assert_eq!(failed.engine_restarts, 1);
    assert_eq!(failed.seq, seq, "the last figures stay on show");
    assert!(failed.pages.is_some());
    let json = server.json("/api/state").await;
    assert_eq!(json["stale"]["code"], "engine_failed", "the doors serve it");

    // Failing again and again: stale all along, since the first failure, waiting longer
    // before each new start.
    let last = wait_live(&server, "the third failure", |s| s.engine_restarts == 3).await;
    assert_eq!(code(&last), Some("engine_failed"));
    assert_eq!(
        last.stale.as_ref().unwrap().since,
        why.since,
        "since the first failure"
    );
    let fired = faults.fired();
    assert_eq!(fired.len(), 3);
    // A refresh period before the second start, two before the third (each gap also holds
    // the panic hook's time, with RUST_BACKTRACE=1 most of a second).
    let gaps = [fired[1] - fired[0], fired[2] - fired[1]];
    assert!(
        gaps[0] >= refresh && gaps[1] >= 2 * refresh,
        "the restarts wait longer each time: {gaps:?}"
    );

    // Started again with a fresh engine: fresh, and a call written now is counted.
    let again = wait_live(&server, "fresh after the failures", |s| s.stale.is_none()).await;
    assert_eq!(again.engine_restarts, 3);
    server
        .write(records::calls(vec![records::call("late", now_ms())]))
        .await;
    let s = fresh_with(&server, "fresh, with the new call", 4.0).await;
    assert_eq!(s["engine_restarts"], 3, "{}", s["engine_restarts"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_dated_ahead_neither_wakes_a_silent_feed_nor_passes_for_the_last_call() {
    let mut config = config();
    config.live.stale_after_s = 2;
    let server = spawn_server(config.clone(), calls_today(&config, 3)).await;
    let silent = wait_live(&server, "the silent feed", |s| {
        code(s) == Some("feed_silent")
    })
    .await;
    let last_call = silent.last_call;
    assert!(last_call.is_some());

    // One imported row dated 20 h ahead.
    let ahead = now_ms() + 20 * 3_600_000;
    server
        .write(records::calls(vec![records::call("ahead", ahead)]))
        .await;
    let written = server.db.store.change_seq().await.unwrap();
    let seen = wait_live(&server, "the row seen", |s| s.ahead.is_some()).await;
    // Ticks later: still silent, the row named, the newest call not it.
    let later = seen.checked_at + 3 * config.live.refresh_ms as Millis;
    let s = wait_live(&server, "three ticks on", |s| s.checked_at >= later).await;
    assert!(
        s.seq.is_some_and(|q| q >= written),
        "the engine has read the row"
    );
    assert_eq!(
        code(&s),
        Some("feed_silent"),
        "the row dated ahead woke the feed"
    );
    assert_eq!(
        s.last_call, last_call,
        "the newest call is not the one dated ahead"
    );
    let a = s.ahead.as_ref().unwrap();
    assert_eq!((a.records, a.furthest, a.tolerance_s), (1, ahead, 300));
    let reason = &s.stale.as_ref().unwrap().reason;
    assert!(
        reason.contains("1 record dated up to 19 h 59 min ahead of the clock")
            || reason.contains("1 record dated up to 20 h 0 min ahead of the clock"),
        "{reason}"
    );
    let json = server.json("/api/state").await;
    assert_eq!(json["ahead"]["records"], 1, "{}", json["ahead"]);

    // A row dated a minute ahead is within the tolerance: it is data, and it arrived.
    let written_at = now_ms();
    server
        .write(records::calls(vec![records::call(
            "soon",
            written_at + 60_000,
        )]))
        .await;
    let fresh = wait_live(&server, "fresh figures", |s| s.stale.is_none()).await;
    assert_eq!(
        fresh.ahead.as_ref().map(|a| a.records),
        Some(1),
        "only the 20 h row is ahead"
    );
    assert_eq!(fresh.last_call, Some(written_at + 60_000));

    // Silent again: since the row arrived (by the loop's clock), not since its own time.
    let silent = wait_live(&server, "silent again", |s| code(s) == Some("feed_silent")).await;
    let since = silent.stale.as_ref().unwrap().since;
    assert!(
        (written_at..written_at + 2_000).contains(&since),
        "silent since {since}; the row arrived at {written_at}"
    );

    // A row written now but dated 10 minutes back (a source that writes late) arrived now.
    server
        .write(records::calls(vec![records::call(
            "late",
            now_ms() - 600_000,
        )]))
        .await;
    wait_live(&server, "fresh after a late row", |s| s.stale.is_none()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_deleted_then_restored_under_the_wall_is_noticed_and_reopened() {
    let config = config();
    let server = spawn_server(config.clone(), calls_today(&config, 3)).await;
    server
        .wait_state("fresh figures", calls, |c| *c == Some(3.0))
        .await;
    let path = server.db.path("wall.db");

    // A backup with two calls more, made aside as an operator would keep one.
    let backup = server.db.path("backup.db");
    {
        let store = Store::open(
            &format!("sqlite:{}", backup.display()),
            OpenMode::CreateAndMigrate,
        )
        .await
        .unwrap();
        store.sync_reference(&config).await.unwrap();
        store.write(&calls_today(&config, 5)).await.unwrap();
        store.close().await;
    }

    // Deleted under the running wall: said, the last figures kept.
    std::fs::remove_file(&path).unwrap();
    let deleted = wait_live(&server, "the deletion noticed", |s| {
        code(s) == Some("db_deleted")
    })
    .await;
    let reason = &deleted.stale.as_ref().unwrap().reason;
    assert!(
        reason.contains("wall.db") && reason.contains("was deleted"),
        "{reason}"
    );
    assert!(deleted.pages.is_some(), "the last figures stay on show");
    let json = server.json("/api/state").await;
    assert_eq!(json["stale"]["code"], "db_deleted");
    assert_eq!(calls(&json), Some(3.0));

    // The backup restored at the path: noticed as another file, reopened, rebuilt.
    std::fs::rename(&backup, &path).unwrap();
    let replaced = wait_live(&server, "the new file noticed", |s| {
        code(s) == Some("db_replaced")
    })
    .await;
    let reason = &replaced.stale.as_ref().unwrap().reason;
    assert!(reason.contains("was replaced on disk"), "{reason}");
    let fresh = wait_live(&server, "the backup's figures", |s| {
        s.stale.is_none() && s.pages.is_some() && s.seq == Some(1)
    })
    .await;
    assert_eq!(fresh.seq, Some(1), "the backup's own change number");
    let (c, _) = server
        .wait_state("the backup's calls", calls, |c| *c == Some(5.0))
        .await;
    assert_eq!(c, Some(5.0));

    // Data flows into the restored file (through any handle on the store: they all moved
    // to it) and shows at once, with no false banner.
    let written = Instant::now();
    server
        .write(records::calls(vec![records::call("after", now_ms())]))
        .await;
    let s = fresh_with(&server, "the new call", 6.0).await;
    assert!(
        written.elapsed() <= Duration::from_secs(2),
        "took {:?}",
        written.elapsed()
    );
    assert_eq!(s["seq"], 2);
    // The desk asks the same file.
    let desk = server.json("/api/desk?period=day").await;
    assert_eq!(
        desk["tiles"][0]["value"].as_f64(),
        Some(6.0),
        "{}",
        desk["tiles"][0]
    );
}

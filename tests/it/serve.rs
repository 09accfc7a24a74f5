//! The HTTP door, each behaviour on its own server (`helpers::server`): the token is
//! required, the figures served are the engine's and the desk's, a row written to the
//! database shows within 2 s, a silent feed or a failing database is reported as stale with
//! the last figures kept, the repeat page travels on its own, charts and security headers.

use std::time::{Duration, Instant};

use commandwall::config::Config;
use commandwall::core::model::{Batch, Call, Incident, Millis, Outcome, WorkOrder};
use commandwall::doors::serve::UI_FILES;
use commandwall::setup::now_ms;
use serde_json::Value;
use sqlx::Connection;

use crate::helpers::records;
use crate::helpers::server::{config, spawn_server, spawn_server_on, today_at, TestServer, TOKEN};
use crate::helpers::TestDb;

const DAY: Millis = 86_400_000;
const REPEAT_KEY: &str = "key-of-a-caller-who-calls-again";
const REPEAT_SHOWN: &str = "139****0001";
const REPEAT_PLACE: &str = "城区人民路12号3栋";
/// Calls the fixture receives today.
const TODAY_CALLS: f64 = 3.0;

/// A centre's day so far, built to cross the repeat thresholds (2 reports a week, 3 a
/// month): one caller reports a theft at the same address today and on each of the three
/// days before; a second caller reports today's theft again (one event, two callers).
/// Today also has a call diverted to 12345, the theft's incident, a work order and a
/// callback, so every overview tile has a value. Today's rows lie in the last 2 min (never
/// before local midnight).
fn fixture(config: &Config, now: Millis) -> Batch {
    let at = |ago_s: i64| today_at(config, now, ago_s * 1000);
    let repeat = |id: &str, received: Millis| Call {
        caller_key: Some(REPEAT_KEY.into()),
        caller_masked: Some(REPEAT_SHOWN.into()),
        address: Some(REPEAT_PLACE.into()),
        category: Some("theft".into()),
        ..records::call(id, received)
    };
    let mut calls: Vec<Call> = (1..=3)
        .map(|d| repeat(&format!("past-{d}"), now - d * DAY))
        .collect();
    calls.push(Call {
        outcome: Some(Outcome::Diverted),
        ..records::call("c0", at(120))
    });
    calls.push(Call {
        answered: Some(at(96)),
        ended: Some(at(40)),
        incident_id: Some("i1".into()),
        ..repeat("c1", at(100))
    });
    calls.push(Call {
        answered: Some(at(87)),
        ended: Some(at(30)),
        caller_key: Some("key-of-a-passer-by".into()),
        caller_masked: Some("139****0002".into()),
        category: Some("theft".into()),
        incident_id: Some("i1".into()),
        duplicate: true,
        ..records::call("c2", at(90))
    });
    Batch {
        calls,
        incidents: vec![Incident {
            category: Some("theft".into()),
            call_received: Some(at(100)),
            call_answered: Some(at(96)),
            dispatched: Some(at(80)),
            signed_for: Some(at(70)),
            arrived: Some(at(20)),
            ..records::incident("i1", at(95))
        }],
        work_orders: vec![WorkOrder {
            accepted: Some(at(50)),
            ..records::work_order("w1", at(85))
        }],
        callbacks: vec![records::callback("b1", at(10))],
        phone_intervals: Vec::new(),
        units: Vec::new(),
    }
}

/// A server on the fixture.
async fn serve(config: Config) -> TestServer {
    let rows = fixture(&config, now_ms());
    spawn_server(config, rows).await
}

/// The overview's tiles as (key, value).
fn tiles(tiles: &Value) -> Vec<(String, Option<f64>)> {
    tiles
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    (
                        t["key"].as_str().unwrap_or("?").to_string(),
                        t["value"].as_f64(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Today's calls as the overview page's tile shows them.
fn calls_today(state: &Value) -> Option<f64> {
    let tiles = state["pages"]["overview"]["tiles"].as_array()?;
    tiles.iter().find(|t| t["key"] == "calls")?["value"].as_f64()
}

/// Waits until the overview shows the fixture's calls.
async fn first_figures(server: &TestServer) -> Value {
    server
        .wait_state("the fixture's calls on the overview", calls_today, |c| {
            *c == Some(TODAY_CALLS)
        })
        .await
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_the_token_are_refused_and_see_nothing() {
    let server = serve(config()).await;
    // Every path for data: with the token it is served (or, for a chart not yet drawn,
    // named missing); without it, refused with nothing of the data.
    let paths = [
        "/api/state",
        "/api/settings",
        "/api/snapshot",
        "/api/repeat",
        "/api/charts/hourly.zh-CN",
        "/api/desk",
        "/api/zones/Z01/incidents",
    ];
    for path in paths {
        let ok = server.get(path).await;
        assert_ne!(ok.status, 401, "{path} with the token: {}", ok.body);
    }
    let wrong_header = |t: &str| vec![format!("Authorization: {t}")];
    for (path, headers) in [
        ("/api/state", vec![]),
        (
            "/api/state",
            wrong_header("Bearer not-the-token-0000000000"),
        ),
        ("/api/state", wrong_header(TOKEN)),
        ("/api/state", wrong_header(&format!("Basic {TOKEN}"))),
        ("/api/state?token=", vec![]),
        ("/api/events?token=nope", vec![]),
        ("/api/events", vec![]),
        ("/api/settings", vec![]),
        ("/api/snapshot", vec![]),
        ("/api/repeat", vec![]),
        ("/api/charts/hourly.zh-CN", vec![]),
        ("/api/desk", wrong_header("Bearer wrong-token-wrong-token")),
        ("/api/zones/Z01/incidents", vec![]),
    ] {
        let reply = server.request(path, &headers).await;
        assert_eq!(reply.status, 401, "{path} {headers:?}: {}", reply.body);
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"), "{path}");
        assert_eq!(
            reply.body,
            "a valid token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)\n",
            "{path} {headers:?}"
        );
    }
    // The scheme's name is case-insensitive (RFC 9110), and may be followed by more spaces.
    for scheme in ["bearer", "BEARER", "bEaReR", "Bearer "] {
        let reply = server
            .request("/api/state", &wrong_header(&format!("{scheme} {TOKEN}")))
            .await;
        assert_eq!(reply.status, 200, "{scheme:?}: {}", reply.body);
    }
    // The token in the query, as browsers give it to the event stream, opens it.
    let ok = server
        .get_as(&format!("/api/state?token={TOKEN}"), None)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let event = server
        .first_event(&format!("/api/events?token={TOKEN}"))
        .await;
    let state: Value = serde_json::from_str(&event).expect("the event is the state as JSON");
    assert!(state["centre"].is_string(), "{event}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_loads_without_the_token_and_is_the_compiled_in_ui() {
    let server = serve(config()).await;
    for (path, name) in [
        ("/", "index.html"),
        ("/index.html", "index.html"),
        ("/style.css", "style.css"),
        ("/app.js", "app.js"),
    ] {
        let (_, kind, body) = UI_FILES.iter().find(|(n, _, _)| *n == name).unwrap();
        let reply = server.get_as(path, None).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), Some(*kind), "{path}");
        assert_eq!(reply.body, *body, "{path} is the compiled-in {name}");
    }
    let page = server.get_as("/", None).await.body;
    assert!(page.contains("<meta charset=\"utf-8\">"));
    let reply = server.get_as("/secrets.txt", None).await;
    assert_eq!((reply.status, reply.body.as_str()), (404, "no such file\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let server = serve(config()).await;
    for (path, auth, status) in [
        ("/", None, 200),
        ("/app.js", None, 200),
        ("/api/state", Some(TOKEN), 200),
        ("/api/state", None, 401),
        ("/nothing.txt", None, 404),
        ("/api/charts/nothing.zh-CN", Some(TOKEN), 404),
        ("/api/desk?from=2026-11-30&to=2026-11-01", Some(TOKEN), 400),
    ] {
        let reply = server.get_as(path, auth).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        let csp = reply.header("content-security-policy").unwrap_or_default();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp:?}");
        }
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_figures_are_the_engines_and_the_desks() {
    let server = serve(config()).await;
    let s = first_figures(&server).await;
    let shown = tiles(&s["pages"]["overview"]["tiles"]);
    assert_eq!(shown.len(), 10, "{shown:?}");
    assert!(
        shown.iter().all(|(_, v)| v.is_some()),
        "the fixture gives every overview tile a value: {shown:?}"
    );

    // The full snapshot is the one the state was built from (nothing is written meanwhile).
    let snap = server.json("/api/snapshot").await;
    assert_eq!(snap["seq"], s["seq"]);
    assert!(
        snap["seq"].as_i64().is_some_and(|q| q > 0),
        "{}",
        snap["seq"]
    );
    let day = snap["windows"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["key"] == "day_so_far"))
        .unwrap_or_else(|| panic!("no day_so_far window in {}", snap["windows"]));
    let metrics = &day["cuts"][0]["report"]["metrics"];
    let calls = metrics
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["key"] == "calls"))
        .unwrap_or_else(|| panic!("no calls in {metrics}"));
    assert_eq!(calls["value"].as_f64(), Some(TODAY_CALLS));

    // The desk computes today on demand from the database: the same tiles, the same values.
    let desk = server.json("/api/desk?period=day").await;
    assert_eq!(desk["tiles"][0]["key"], "calls");
    assert_eq!(desk["tiles"][0]["value"].as_f64(), Some(TODAY_CALLS));
    assert_eq!(tiles(&desk["tiles"]), shown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_row_shows_within_2_s() {
    let server = serve(config()).await;
    let s = first_figures(&server).await;
    assert!(
        s["stale"].is_null(),
        "fresh figures are not stale: {}",
        s["stale"]
    );
    let seq = s["seq"].as_i64().expect("a change number");

    let received = now_ms();
    server
        .write(records::calls(vec![records::call("c3", received)]))
        .await;
    let written = Instant::now();
    let (_, s) = server
        .wait_state("the new call on the overview", calls_today, |c| {
            *c == Some(TODAY_CALLS + 1.0)
        })
        .await;
    let took = written.elapsed();
    assert!(
        took <= Duration::from_secs(2),
        "the new call showed after {took:?}, not within 2 s"
    );
    assert!(
        s["seq"].as_i64().is_some_and(|q| q > seq),
        "{} after {seq}",
        s["seq"]
    );
    assert_eq!(s["last_call"].as_i64(), Some(received));
    assert!(
        s["stale"].is_null(),
        "fresh figures are not stale: {}",
        s["stale"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_feed_is_stale_with_the_figures_kept_until_a_call_comes() {
    // The fixture's last call was 90 s ago: silent beyond 5 s from the start.
    let mut config = config();
    config.live.stale_after_s = 5;
    let server = serve(config).await;
    let stale = |s: &Value| (s["stale"].clone(), calls_today(s));
    let ((why, calls), s) = server
        .wait_state("the silent feed reported", stale, |(why, calls)| {
            why["code"] == "feed_silent" && calls.is_some()
        })
        .await;
    assert_eq!(calls, Some(TODAY_CALLS), "the last figures stay on show");
    assert_eq!(why["since"], s["last_call"], "silent since the last call");
    let reason = why["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("no new call for "), "{reason}");

    // A call comes: fresh again, with it counted.
    let received = now_ms();
    server
        .write(records::calls(vec![records::call("c3", received)]))
        .await;
    let (why, s) = server
        .wait_state("fresh figures with the new call", stale, |(why, calls)| {
            why.is_null() && *calls == Some(TODAY_CALLS + 1.0)
        })
        .await;
    assert_eq!(s["last_call"].as_i64(), Some(received), "{why:?}");

    // Silent again for 5 s: stale again, since that call, figures kept.
    let ((why, calls), s) = server
        .wait_state("the feed silent again", stale, |(why, _)| {
            why["code"] == "feed_silent"
        })
        .await;
    // Silent since the call arrived: the loop saw it within a tick or two of its writing.
    let since = why["since"].as_i64().unwrap();
    assert!(
        (received..received + 2_000).contains(&since),
        "silent since {since}, the call was written at {received}"
    );
    assert_eq!(calls, Some(TODAY_CALLS + 1.0));
    let checked = s["checked_at"].as_i64().unwrap();
    assert!(
        checked - received > 5_000,
        "stale only after 5 s of silence: checked at {checked}, last call {received}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_database_is_stale_with_the_figures_kept_until_it_recovers() {
    let server = serve(config()).await;
    let s = first_figures(&server).await;
    let seq = s["seq"].clone();

    // The calls table goes away under the running server (as with a wrong file restored).
    let mut other = sqlx::SqliteConnection::connect(&server.db.url)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE calls RENAME TO calls_away")
        .execute(&mut other)
        .await
        .unwrap();
    let stale = |s: &Value| (s["stale"].clone(), calls_today(s), s["seq"].clone());
    let ((why, calls, kept_seq), _) = server
        .wait_state("the database failure reported", stale, |(why, _, _)| {
            why["code"].as_str().is_some_and(|c| c.starts_with("db_"))
        })
        .await;
    assert_eq!(why["code"], "db_error", "{why}");
    let reason = why["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("wall.db") && reason.contains("calls"),
        "{reason}"
    );
    assert_eq!(calls, Some(TODAY_CALLS), "the last figures stay on show");
    assert_eq!(kept_seq, seq);
    // The desk, asked meanwhile, says the database is unavailable rather than answering 0.
    let desk = server.get("/api/desk?period=day").await;
    assert_eq!(desk.status, 503, "{}", desk.body);
    assert_eq!(desk.json()["code"], "db_error", "{}", desk.body);

    // The table is back: fresh again, the same figures.
    sqlx::query("ALTER TABLE calls_away RENAME TO calls")
        .execute(&mut other)
        .await
        .unwrap();
    let ((_, calls, _), _) = server
        .wait_state("the figures fresh again", stale, |(why, _, _)| {
            why.is_null()
        })
        .await;
    assert_eq!(calls, Some(TODAY_CALLS));
}

/// Makes the first leaf page of `table` (its oldest rows) unreadable — its page type byte
/// 0 — in a database no one has open; its root and indexes stay whole. Gives the page.
async fn damage_first_leaf(url: &str, table: &str) -> i64 {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .unwrap();
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let (root, leaf): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT rootpage FROM sqlite_master WHERE name = ?1),
                (SELECT pageno FROM dbstat WHERE name = ?1 AND pagetype = 'leaf' ORDER BY path LIMIT 1)",
    )
    .bind(table)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_ne!(root, leaf, "{table} must span more than one page");
    conn.close().await.unwrap();
    let path = url.strip_prefix("sqlite:").unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes[((leaf - 1) * page_size) as usize] = 0;
    std::fs::write(path, bytes).unwrap();
    leaf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_page_is_reported_as_db_corrupt_by_the_wall_and_the_desk() {
    let config = config();
    let now = now_ms();
    let db = TestDb::new().await;
    // Three days ago, 400 calls (written first: the table's first pages); then today's.
    let old_day = now - 3 * DAY;
    let old: Vec<Call> = (0..400)
        .map(|i| records::call(&format!("old{i}"), old_day + i * 1_000))
        .collect();
    db.store.write(&records::calls(old)).await.unwrap();
    db.store.write(&fixture(&config, now)).await.unwrap();
    db.store.close().await;
    damage_first_leaf(&db.url, "calls").await;
    let store = commandwall::store::Store::open(&db.url, commandwall::store::OpenMode::Existing)
        .await
        .expect("the schema is intact: the database opens");
    let db = TestDb { store, ..db };
    let server = spawn_server_on(config.clone(), db, Default::default()).await;

    // The desk, asked about the day whose rows lie on the damaged page, reads it through
    // the raw statement path: 503, and it says the database is damaged.
    let day = chrono::DateTime::from_timestamp_millis(old_day)
        .unwrap()
        .with_timezone(&config.tz())
        .format("%Y-%m-%d");
    let desk = server.get(&format!("/api/desk?from={day}&to={day}")).await;
    assert_eq!(desk.status, 503, "{}", desk.body);
    assert_eq!(desk.json()["code"], "db_corrupt", "{}", desk.body);
    let message = desk.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("wall.db") && message.contains("damaged"),
        "{message}"
    );
    // So does the wall: the live engine reads every stored day when it starts.
    let (why, _) = server
        .wait_state(
            "the damage reported",
            |s| s["stale"].clone(),
            |why| why["code"].as_str().is_some_and(|c| c.starts_with("db_")),
        )
        .await;
    assert_eq!(why["code"], "db_corrupt", "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_repeat_page_travels_on_its_own_once_per_screening() {
    let server = serve(config()).await;
    let (screened_at, s) = server
        .wait_state(
            "the first repeat screening on the pages",
            |s| s["pages"]["repeat_screened_at"].as_i64(),
            Option::is_some,
        )
        .await;
    assert!(
        s["pages"].get("repeat").is_none(),
        "not in the per-second state"
    );

    let repeat = server.json("/api/repeat").await;
    assert_eq!(repeat["screened_at"].as_i64(), screened_at);
    // The fixture's repeat caller: four thefts in the week (today and the three days
    // before), shown masked, never by its key.
    assert_eq!(repeat["callers_found"], 1, "{repeat}");
    let caller = &repeat["callers"][0];
    assert_eq!(caller["who"], REPEAT_SHOWN, "{caller}");
    assert_eq!(caller["category"], "theft");
    assert_eq!(
        (caller["week"].as_u64(), caller["month"].as_u64()),
        (Some(4), Some(4))
    );
    let crossed = caller["crossed"].as_array().unwrap();
    assert!(
        crossed.contains(&"week".into()) && crossed.contains(&"month".into()),
        "{caller}"
    );
    assert_eq!(caller["history"].as_array().map(Vec::len), Some(4));
    // The same place, cut to its street for the wall.
    assert_eq!(repeat["places_found"], 1, "{repeat}");
    assert_eq!(
        repeat["places"][0]["street"], "城区人民路",
        "{}",
        repeat["places"]
    );
    // Two callers, one event.
    assert_eq!(repeat["events_found"], 1, "{repeat}");
    assert_eq!(repeat["events"][0]["incident_id"], "i1");
    assert_eq!(repeat["events"][0]["callers"], 2);
    let body = server.get("/api/repeat").await.body;
    assert!(!body.contains(REPEAT_KEY), "caller keys are never served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_are_drawn_in_both_languages_with_the_uis_font() {
    let server = serve(config()).await;
    let (keys, s) = server
        .wait_state(
            "the hourly chart in both languages",
            |s| {
                s["charts"]
                    .as_object()
                    .map(|c| c.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            },
            |keys| {
                keys.iter().any(|k| k == "hourly.zh-CN") && keys.iter().any(|k| k == "hourly.en")
            },
        )
        .await;
    assert_eq!(
        s["chart_errors"],
        serde_json::json!([]),
        "every chart drawn"
    );
    for key in &keys {
        let reply = server.get(&format!("/api/charts/{key}")).await;
        assert_eq!(reply.status, 200, "{key}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("image/svg+xml; charset=utf-8"),
            "{key}"
        );
        assert!(reply.body.contains("<svg"), "{key}");
    }
    let zh = server.get("/api/charts/hourly.zh-CN").await.body;
    assert!(zh.contains("今日") && zh.contains("Noto Sans CJK SC"));
    let en = server.get("/api/charts/hourly.en").await.body;
    assert!(en.contains("Today") && !en.contains("今日"));
    let reply = server.get("/api/charts/nothing.zh-CN").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body, "no chart 'nothing.zh-CN' is drawn\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_answers_from_the_database_and_names_bad_questions() {
    let config = config();
    let rows = fixture(&config, now_ms());
    let theft = rows.incidents[0].clone();
    let server = spawn_server(config, rows).await;
    let desk = server.json("/api/desk?period=day").await;
    assert_eq!(desk["tiles"][0]["key"], "calls");
    assert_eq!(desk["tiles"][0]["value"].as_f64(), Some(TODAY_CALLS));

    let rows = server.json("/api/zones/Z01/incidents").await;
    let rows = rows.as_array().expect("a list of incidents");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["source_id"], "i1");
    let sign_for_s = (theft.signed_for.unwrap() - theft.dispatched.unwrap()) / 1000;
    assert_eq!(
        rows[0]["sign_for_s"].as_i64(),
        Some(sign_for_s),
        "{}",
        rows[0]
    );
    assert_eq!(rows[0]["dispatched"].as_i64(), theft.dispatched);

    for (path, message) in [
        (
            "/api/desk?from=2026-11-30&to=2026-11-01",
            "from (2026-11-30) is after to (2026-11-01)",
        ),
        (
            "/api/desk?from=2026-11-30",
            "give both from and to, or neither",
        ),
        (
            "/api/desk?from=30.11.2026&to=2026-12-01",
            "from '30.11.2026' is not a date",
        ),
        (
            "/api/zones/NOPE/incidents",
            "'NOPE' is not one of the centre's zones",
        ),
    ] {
        server.bad_question(path, message).await;
    }
}

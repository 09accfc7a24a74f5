//! The HTTP door: the token is required, the state is served as JSON, a row written to the
//! database shows within 2 s, and a silent feed is reported as stale.

use std::time::{Duration, Instant};

use commandwall::config::Config;
use commandwall::core::model::{Batch, Call, Channel, Outcome};
use commandwall::live_service;
use commandwall::serve::router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestDb;

const TOKEN: &str = "test-token-0123456789abcdef";

async fn get(addr: std::net::SocketAddr, path: &str, auth: Option<&str>) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = auth.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: wall\r\n{auth}Connection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let status = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn call(id: &str, received: i64) -> Call {
    Call {
        source: "test".into(),
        source_id: id.into(),
        channel: Channel::Phone,
        received,
        answered: Some(received + 4_000),
        ended: Some(received + 60_000),
        ring_recorded: true,
        seat: None,
        caller_key: None,
        caller_masked: None,
        zone: Some("Z01".into()),
        address: None,
        lat: None,
        lon: None,
        category: None,
        outcome: Some(Outcome::Police),
        invalid_reason: None,
        incident_id: None,
        duplicate: false,
    }
}

fn calls_today(state: &serde_json::Value) -> Option<f64> {
    let windows = state["snapshot"]["windows"].as_array()?;
    let day = windows.iter().find(|w| w["key"] == "day_so_far")?;
    let metrics = day["cuts"][0]["report"]["metrics"].as_array()?;
    metrics.iter().find(|m| m["key"] == "calls")?["value"].as_f64()
}

async fn state(addr: std::net::SocketAddr) -> serde_json::Value {
    let (status, body) = get(addr, "/api/state", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_state_needs_the_token_follows_the_database_and_goes_stale() {
    let db = TestDb::new().await;
    let now = commandwall::app::now_ms();
    db.store
        .write(&Batch {
            calls: vec![call("c1", now - 1_000)],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut config = Config::load(None, []).unwrap();
    config.live.refresh_ms = 200;
    config.live.stale_after_s = 4;
    let live = live_service::spawn(db.store.clone(), config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(TOKEN, live, db.store.clone(), config);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // No token, a wrong token, a token in the wrong place: refused, with nothing of the data.
    for (path, auth) in [
        ("/api/state", None),
        ("/api/state", Some("not-the-token-0000000000")),
        ("/api/events?token=nope", None),
    ] {
        let (status, body) = get(addr, path, auth).await;
        assert_eq!(status, 401, "{path} {auth:?}");
        assert!(!body.contains("snapshot"));
    }
    // The page itself holds no figures and loads without the token.
    let (status, page) = get(addr, "/", None).await;
    assert_eq!(status, 200);
    assert!(page.contains("<meta charset=\"utf-8\">"));

    // The first figures arrive, then a new row shows within 2 s.
    let started = Instant::now();
    let mut before = None;
    while before.is_none() && started.elapsed() < Duration::from_secs(30) {
        before = calls_today(&state(addr).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = before.expect("figures within 30 s of start");
    assert!(before >= 1.0);
    let written = Instant::now();
    db.store
        .write(&Batch {
            calls: vec![call("c2", commandwall::app::now_ms())],
            ..Default::default()
        })
        .await
        .unwrap();
    loop {
        if calls_today(&state(addr).await) == Some(before + 1.0) {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(2),
            "the new call did not show within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let s = state(addr).await;
    assert!(
        s["stale"].is_null(),
        "fresh figures are not stale: {}",
        s["stale"]
    );

    // The feed goes silent: after 4 s without a call the state says so, figures kept.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let s = state(addr).await;
    assert_eq!(s["stale"]["code"], "feed_silent", "{}", s["stale"]);
    assert_eq!(
        calls_today(&s),
        Some(before + 1.0),
        "the last figures stay on show"
    );
}

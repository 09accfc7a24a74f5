//! The HTTP door: the token is required, the state is served as JSON, a row written to the
//! database shows within 2 s, and a silent feed is reported as stale.

use std::time::{Duration, Instant};

use commandwall::config::Config;
use commandwall::core::model::{Batch, Call, Channel, Outcome};
use commandwall::doors::serve::router;
use commandwall::services::live_loop;
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

pub(crate) fn call(id: &str, received: i64) -> Call {
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

/// Today's calls as the overview page's first tile shows them.
fn calls_today(state: &serde_json::Value) -> Option<f64> {
    let tiles = state["pages"]["overview"]["tiles"].as_array()?;
    tiles.iter().find(|t| t["key"] == "calls")?["value"].as_f64()
}

async fn state(addr: std::net::SocketAddr) -> serde_json::Value {
    let (status, body) = get(addr, "/api/state", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_state_needs_the_token_follows_the_database_and_goes_stale() {
    let db = TestDb::new().await;
    let now = commandwall::setup::now_ms();
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
    let live = live_loop::spawn(db.store.clone(), config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(TOKEN, live, db.store.clone(), config);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // No token, a wrong token, a token in the wrong place: refused, with nothing of the data.
    for (path, auth) in [
        ("/api/state", None),
        ("/api/state", Some("not-the-token-0000000000")),
        ("/api/events?token=nope", None),
        ("/api/snapshot", None),
        ("/api/repeat", None),
        ("/api/charts/hourly.zh-CN", None),
        ("/api/desk", Some("wrong-token-wrong-token")),
        ("/api/zones/Z01/incidents", None),
    ] {
        let (status, body) = get(addr, path, auth).await;
        assert_eq!(status, 401, "{path} {auth:?}");
        assert!(!body.contains("snapshot") && !body.contains("<svg"));
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
            calls: vec![call("c2", commandwall::setup::now_ms())],
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

    // The same call through the other doors: the full snapshot, the desk, the drill-down.
    let (status, body) = get(addr, "/api/snapshot", Some(TOKEN)).await;
    assert_eq!(status, 200);
    let snap: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(snap["seq"], s["seq"]);
    // The repeat page travels on its own, once per screening.
    let (status, body) = get(addr, "/api/repeat", Some(TOKEN)).await;
    assert_eq!(status, 200);
    let repeat: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(repeat["screened_at"], s["pages"]["repeat_screened_at"]);
    assert!(
        s["pages"].get("repeat").is_none(),
        "not in the per-second state"
    );
    let (status, body) = get(addr, "/api/desk?period=day", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let desk: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(desk["tiles"][0]["key"], "calls");
    assert_eq!(desk["tiles"][0]["value"].as_f64(), Some(before + 1.0));
    let (status, body) = get(addr, "/api/desk?from=2026-11-30&to=2026-11-01", Some(TOKEN)).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("from (2026-11-30) is after to (2026-11-01)"),
        "{body}"
    );
    let (status, body) = get(addr, "/api/zones/NOPE/incidents", Some(TOKEN)).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("'NOPE' is not one of the centre's zones"),
        "{body}"
    );
    // Charts: the hourly chart in both languages, its labels in the CJK font the UI uses.
    let digests = s["charts"].as_object().unwrap();
    assert!(digests.contains_key("hourly.zh-CN") && digests.contains_key("hourly.en"));
    let (status, svg) = get(addr, "/api/charts/hourly.zh-CN", Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(svg.contains("<svg") && svg.contains("今日") && svg.contains("Noto Sans CJK SC"));
    let (status, _) = get(addr, "/api/charts/nothing.zh-CN", Some(TOKEN)).await;
    assert_eq!(status, 404);

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

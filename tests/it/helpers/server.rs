//! The served door on a fresh database, one per test (zero2prod's `spawn_app`): the live
//! loop and the HTTP router on 127.0.0.1 with an OS-chosen port, a plain HTTP client for
//! it, and waits on its answers that poll until a condition holds or fail saying what they
//! waited for and what they saw last. No test sleeps a fixed time and hopes.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::time::Duration;

use commandwall::config::Config;
use commandwall::core::model::{Batch, Millis};
use commandwall::core::time::today_so_far;
use commandwall::doors::serve::{connections, router};
use std::sync::Arc;

use commandwall::services::live_loop::{self, Faults, WallState};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Deadline, TestDb, PATIENCE};

/// The token test servers are started with.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// The default configuration with the live loop ticking every 200 ms.
pub fn config() -> Config {
    let mut config = Config::load(None, []).expect("default config");
    config.live.refresh_ms = 200;
    config
}

/// `ago` ms before `now`, but not before the start of the centre's local day, so a
/// fixture's "today" rows stay today even when a test runs just after midnight.
pub fn today_at(config: &Config, now: Millis, ago: Millis) -> Millis {
    let (start, _) = today_so_far(config.tz(), now);
    (now - ago).max(start)
}

/// A running server: its address, token and database. Stopped when dropped (the live loop
/// then ends at its next tick, having no one left to publish to).
pub struct TestServer {
    pub addr: SocketAddr,
    pub token: &'static str,
    pub db: TestDb,
    /// The live loop's state as the doors receive it.
    pub live: watch::Receiver<Arc<WallState>>,
    server: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Writes `rows` to a fresh database, then starts the live loop and the router on it, as
/// `commandwall serve` does.
pub async fn spawn_server(config: Config, rows: Batch) -> TestServer {
    spawn_server_with_faults(config, rows, Faults::default()).await
}

/// `spawn_server`, with a live loop that fails when the test says (`Faults`).
pub async fn spawn_server_with_faults(config: Config, rows: Batch, faults: Faults) -> TestServer {
    let db = TestDb::new().await;
    if !rows.is_empty() {
        db.store.write(&rows).await.expect("write the fixture");
    }
    spawn_server_on(config, db, faults).await
}

/// The live loop and the router on a database the test prepared, served as `serve` serves
/// them: through the guarded connections of `[serve]` in `config`.
pub async fn spawn_server_on(config: Config, db: TestDb, faults: Faults) -> TestServer {
    let live = live_loop::spawn_with_faults(db.store.clone(), config.clone(), faults);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let limits = (&config.serve).into();
    let app = router(TOKEN, live.clone(), db.store.clone(), config);
    let server = tokio::spawn(connections::serve(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    TestServer {
        addr,
        token: TOKEN,
        db,
        live,
        server,
    }
}

/// One HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestServer {
    pub async fn write(&self, rows: Batch) {
        self.db.store.write(&rows).await.expect("write rows");
    }

    /// GET `path` with these extra header lines (`Name: value`).
    pub async fn request(&self, path: &str, headers: &[String]) -> Reply {
        let mut s = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("connect");
        let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: wall\r\n{extra}Connection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("send the request");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.expect("read the response");
        parse_reply(&raw)
    }

    /// GET `path` with `Authorization: Bearer auth`, or with no Authorization.
    pub async fn get_as(&self, path: &str, auth: Option<&str>) -> Reply {
        let headers: Vec<String> = auth
            .map(|t| format!("Authorization: Bearer {t}"))
            .into_iter()
            .collect();
        self.request(path, &headers).await
    }

    /// GET `path` with the server's token.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_as(path, Some(self.token)).await
    }

    /// GET `path` with the token, which must answer 200 with JSON.
    pub async fn json(&self, path: &str) -> Value {
        let reply = self.get(path).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        reply.json()
    }

    /// Polls `path` until `until` holds for what `look` sees in its JSON; gives back what
    /// was seen and the whole answer. Fails after `limit` saying what was awaited and what
    /// was seen last.
    pub async fn wait_for<V: Debug>(
        &self,
        path: &str,
        what: &str,
        limit: Duration,
        look: impl Fn(&Value) -> V,
        until: impl Fn(&V) -> bool,
    ) -> (V, Value) {
        let deadline = Deadline::new(format!("{what} (GET {path})"), limit);
        loop {
            let answer = self.json(path).await;
            let seen = look(&answer);
            if until(&seen) {
                return (seen, answer);
            }
            deadline.again(&seen).await;
        }
    }

    /// GET `path` with the token must be refused as a bad question: 400, `bad_query`, and a
    /// message saying `says`.
    pub async fn bad_question(&self, path: &str, says: &str) {
        let reply = self.get(path).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        let error = reply.json();
        assert_eq!(error["code"], "bad_query", "{path}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{path}: {message}");
    }

    /// The first `state` event of the event stream at `path`: its data line.
    pub async fn first_event(&self, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: wall\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let deadline = Deadline::new(format!("a state event on {path}"), PATIENCE);
        let mut raw = Vec::new();
        loop {
            let text = String::from_utf8_lossy(&raw).to_string();
            assert!(text.starts_with("HTTP/1.1 200") || raw.len() < 12, "{text}");
            if let Some(at) = text.find("event: state\ndata: ") {
                let data = &text[at + "event: state\ndata: ".len()..];
                if let Some(end) = data.find('\n') {
                    return data[..end].to_string();
                }
            }
            let mut buf = [0u8; 8192];
            match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
                Ok(Ok(0)) => panic!("the stream closed: {text}"),
                Ok(Ok(n)) => raw.extend_from_slice(&buf[..n]),
                Ok(Err(e)) => panic!("reading the stream: {e}"),
                Err(_) => deadline.again(&text.len()).await,
            }
        }
    }

    /// `wait_for` on `/api/state` with the usual patience.
    pub async fn wait_state<V: Debug>(
        &self,
        what: &str,
        look: impl Fn(&Value) -> V,
        until: impl Fn(&V) -> bool,
    ) -> (V, Value) {
        self.wait_for("/api/state", what, PATIENCE, look, until)
            .await
    }
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).expect("headers are ASCII");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(body).expect("a UTF-8 body"),
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size = std::str::from_utf8(&rest[..eol]).expect("chunk size");
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .expect("hex chunk size");
        rest = &rest[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

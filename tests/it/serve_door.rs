//! The served door against clients that hold connections without the token (idle, headers
//! dripped a byte at a time, a body that never comes, more connections than the limit),
//! the token's sources and strength, and a database locked when `serve` starts. On
//! 127.0.0.1 only; every wait is bounded.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use commandwall::config::{Commander, Secret};
use commandwall::core::model::Batch;
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::server::{config, spawn_server};
use crate::helpers::{Deadline, TestDb, PATIENCE};

/// Reads until the server closes the connection (or resets it); fails after `limit`.
/// Gives back what was read and how long it took.
async fn closed_by_server(s: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), s.read(&mut buf)).await {
            Err(_) => panic!(
                "the server kept the connection open for {limit:?}; read {:?}",
                String::from_utf8_lossy(&got)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => {
                return (String::from_utf8_lossy(&got).into(), started.elapsed())
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// GET `path` with these header lines, on a connection of its own: (status, body).
async fn get(addr: SocketAddr, path: &str, headers: &[String]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: wall\r\n{extra}Connection: close\r\n\r\n").as_bytes(),
    )
    .await
    .expect("send");
    let (text, _) = closed_by_server(&mut s, PATIENCE).await;
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_and_the_door_still_answers() {
    let mut config = config();
    config.serve.header_read_timeout_s = 1;
    let server = spawn_server(config, Batch::default()).await;
    let bearer = vec![format!("Authorization: Bearer {}", server.token)];

    // 60 connections that send nothing, and 3 that drip a request head a byte at a time.
    let mut idle = Vec::new();
    for _ in 0..60 {
        idle.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    let mut drips = Vec::new();
    for _ in 0..3 {
        let s = TcpStream::connect(server.addr).await.expect("connect");
        let (read, mut write) = s.into_split();
        let writer = tokio::spawn(async move {
            let head = b"GET /api/state HTTP/1.1\r\nHost: wall\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
            for byte in head {
                if write.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        drips.push((tokio::spawn(read_closed(read)), writer));
    }
    // Meanwhile the door answers a request with the token.
    let (status, body) = get(server.addr, "/api/state", &bearer).await;
    assert_eq!(status, 200, "{body}");

    for (i, mut s) in idle.into_iter().enumerate() {
        let (_, took) = closed_by_server(&mut s, Duration::from_secs(15)).await;
        assert!(took < Duration::from_secs(15), "idle connection {i}");
    }
    for (closed, writer) in drips {
        let took = closed.await.expect("the reader");
        assert!(
            took < Duration::from_secs(4),
            "a dripped head was closed only after {took:?} (its header timeout is 1 s)"
        );
        writer.abort();
    }
    let (status, body) = get(server.addr, "/api/state", &bearer).await;
    assert_eq!(status, 200, "{body}");
}

/// How long until the server closes the read half (bounded).
async fn read_closed(mut read: tokio::net::tcp::OwnedReadHalf) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(15), read.read(&mut buf)).await {
            Err(_) => panic!("a dripped head was never closed"),
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_comes_is_closed_after_the_idle_timeout() {
    let mut config = config();
    config.serve.idle_timeout_s = 1;
    config.serve.header_read_timeout_s = 30;
    let commander = "commander-token-0123456789";
    config.alerts.commanders.push(Commander {
        name: "值班长王芳".into(),
        token: Secret(commander.into()),
    });
    let server = spawn_server(config, Batch::default()).await;
    // A commander's acknowledgement whose body is promised and never sent: the handler
    // waits on the client, which is idle.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(
        format!(
            "POST /api/alerts/1/ack HTTP/1.1\r\nHost: wall\r\nAuthorization: Bearer {commander}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"comm"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let (_, took) = closed_by_server(&mut s, Duration::from_secs(10)).await;
    assert!(
        took >= Duration::from_millis(900),
        "closed after {took:?}, before the idle timeout (1 s)"
    );
    let (status, body) = get(
        server.addr,
        "/api/state",
        &[format!("Authorization: Bearer {}", server.token)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// `commandwall serve` as a process: its address once it serves, and what it logged.
struct Served {
    child: Child,
    stderr: Arc<Mutex<String>>,
    stdout: Arc<Mutex<String>>,
    addr: Arc<Mutex<Option<SocketAddr>>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// `commandwall --database DB [--config FILE] serve --bind 127.0.0.1:0 ARGS`, with `env`.
    fn start(db: &TestDb, config: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_commandwall"));
        cmd.arg("--database").arg(db.path("wall.db"));
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("COMMANDWALL_CONFIG")
            .env_remove("COMMANDWALL_TOKEN")
            .env("XDG_CONFIG_HOME", db.path("config"))
            .env("RUST_LOG", "warn,commandwall=info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start commandwall serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let addr = Arc::new(Mutex::new(None));
        let mut err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let out = child.stdout.take().unwrap();
        let found = addr.clone();
        let stdout = Arc::new(Mutex::new(String::new()));
        let said = stdout.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                said.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(rest) = line.strip_prefix("serving the wall on http://") {
                    let a = rest.split('/').next().unwrap_or_default();
                    *found.lock().unwrap() = a.parse().ok();
                }
            }
        });
        Served {
            child,
            stderr,
            stdout,
            addr,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until the server says where it serves; fails if it exits first.
    async fn addr(&mut self) -> SocketAddr {
        let deadline = Deadline::new("commandwall serve to start serving", PATIENCE);
        loop {
            if let Some(a) = *self.addr.lock().unwrap() {
                return a;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("serve exited ({status}): {}", self.stderr());
            }
            deadline.again(&self.stderr()).await;
        }
    }

    /// Waits until serve exits on its own: (success, stderr).
    async fn exit(&mut self) -> (bool, String) {
        let deadline = Deadline::new("commandwall serve to exit", PATIENCE);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last of stderr.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return (status.success(), self.stderr());
            }
            deadline.again(&self.stderr()).await;
        }
    }
}

/// A file holding `text`, with `mode`.
fn secret_file(db: &TestDb, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = db.path(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

const TOKEN: &str = "c0ffee-token-from-a-file-0123";

/// `serve`'s arguments and environment, and what its refusal says.
type Refusal<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_tokens_and_a_token_file_others_can_read_are_refused() {
    let db = TestDb::new().await;
    db.store.close().await;
    let open = secret_file(&db, "token.txt", &format!("{TOKEN}\n"), 0o644);
    let open_path = open.to_str().unwrap();
    let cases: [Refusal; 5] = [
        (&["--token-file", open_path], &[], "chmod 600"),
        (&["--token", "                "], &[], "the token is blank"),
        (
            &[],
            &[("COMMANDWALL_TOKEN", "aaaaaaaaaaaaaaaaaaaaaaaa")],
            "repeats 1 character",
        ),
        (&["--token", "short-one"], &[], "9 characters long"),
        (
            &["--token-file", open_path],
            &[("COMMANDWALL_TOKEN", TOKEN)],
            "give the token once",
        ),
    ];
    for (args, env, says) in cases {
        let mut served = Served::start(&db, None, args, env);
        let (ok, err) = served.exit().await;
        assert!(!ok && err.contains(says), "{args:?} {env:?}: {err}");
        assert!(
            !err.contains(TOKEN),
            "the token is never printed in a refusal: {err}"
        );
    }
    let (_, err) = Served::start(&db, None, &["--token-file", open_path], &[])
        .exit()
        .await;
    assert!(
        err.contains(&format!(
            "the token file {open_path} can be read by other users (mode 0644)"
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_are_refused_and_logged_and_the_door_recovers() {
    let db = TestDb::new().await;
    db.store.close().await;
    let token = secret_file(&db, "token.txt", &format!("{TOKEN}\n"), 0o600);
    let centre = db.path("centre.toml");
    std::fs::write(
        &centre,
        "[serve]\nmax_connections = 4\nheader_read_timeout_s = 3\n",
    )
    .unwrap();
    let mut served = Served::start(
        &db,
        Some(&centre),
        &["--token-file", token.to_str().unwrap()],
        &[],
    );
    let addr = served.addr().await;
    // A token given in a file is not printed: the file kept it out of `ps` and the logs.
    let said = served.stdout.lock().unwrap().clone();
    assert!(
        said.contains("serving the wall on http://") && !said.contains(TOKEN),
        "{said}"
    );
    // The scheme is case-insensitive; the token is the file's, without its newline.
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let (status, body) = get(
            addr,
            "/api/settings",
            &[format!("Authorization: {scheme} {TOKEN}")],
        )
        .await;
        assert_eq!(status, 200, "{scheme}: {body}");
    }

    // Four connections that say nothing hold the four places (accepted in order) …
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // … so a fifth is told 503 and closed at once, and the limit is logged.
    let mut fifth = TcpStream::connect(addr).await.unwrap();
    let (answer, took) = closed_by_server(&mut fifth, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(took < Duration::from_secs(2), "refused after {took:?}");
    let deadline = Deadline::new("the limit logged", PATIENCE);
    while !served.stderr().contains("at its limit of 4 connections") {
        deadline.again(&served.stderr()).await;
    }
    // The header timeout frees the places, and the door answers again.
    for mut s in held {
        closed_by_server(&mut s, Duration::from_secs(15)).await;
    }
    let (status, body) = get(
        addr,
        "/api/state",
        &[format!("Authorization: bearer {TOKEN}")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_waits_for_a_locked_database_and_then_serves() {
    let db = TestDb::new().await;
    db.store.close().await;
    // Another program holds the database's exclusive lock (exclusive locking mode, in a
    // write transaction): nobody else can even read it.
    let mut holder = SqliteConnectOptions::new()
        .filename(db.path("wall.db"))
        .locking_mode(SqliteLockingMode::Exclusive)
        .connect()
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();
    sqlx::query("UPDATE meta SET value = value WHERE key = 'change_seq'")
        .execute(&mut holder)
        .await
        .unwrap();

    let mut served = Served::start(&db, None, &[], &[("COMMANDWALL_TOKEN", TOKEN)]);
    // It says it waits, naming the database, and does not exit.
    let deadline = Deadline::new("serve to say the database is locked", PATIENCE);
    loop {
        let err = served.stderr();
        if err.contains("is locked by another program; waiting") {
            assert!(err.contains("wall.db"), "{err}");
            break;
        }
        if let Some(status) = served.child.try_wait().unwrap() {
            panic!("serve exited ({status}) while the database was locked: {err}");
        }
        deadline.again(&err).await;
    }
    // The lock is released: it opens the database and serves.
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();
    let addr = served.addr().await;
    let (status, body) = get(
        addr,
        "/api/state",
        &[format!("Authorization: Bearer {TOKEN}")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

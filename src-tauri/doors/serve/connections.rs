//! The served door's connections, guarded: anyone who can reach the port can open one (the
//! token is asked only once a request arrives), so what a client can hold without the token
//! is bounded here. `axum::serve` offers none of these settings and leaves hyper's header
//! timer off (it needs a timer hyper is not given), so this is our own accept loop over
//! hyper's HTTP/1 connection:
//!
//! - **header read timeout** (hyper's `header_read_timeout`, with a timer): a connection must
//!   send a whole request head within this long of opening, or of its last answer. It
//!   closes connections opened and left idle, heads dripped a byte at a time, and kept-alive
//!   connections nobody uses;
//! - **idle timeout**: a connection on which no byte moved for this long while the server
//!   waits on the client (a request body that never comes, an answer nobody reads) is
//!   closed. A handler working on an answer — a weekly report takes tens of seconds — is
//!   not the client's wait, and the event stream sends a comment every 15 s;
//! - **connection limit**: one connection beyond it is answered 503 and closed at once, and
//!   a warning is logged (at most every 10 s, with how many were refused), so an
//!   unauthenticated client can never take the file descriptors the database needs.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::{Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::Service;

/// What a connection may hold (`[serve]` in the centre's config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl From<&crate::config::Serve> for Limits {
    fn from(c: &crate::config::Serve) -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(c.header_read_timeout_s),
            idle_timeout: Duration::from_secs(c.idle_timeout_s),
            max_connections: c.max_connections.max(1),
        }
    }
}

/// How long a stop waits for answers under way before it leaves the rest (an event stream
/// never ends by itself).
const DRAIN: Duration = Duration::from_secs(5);

/// At most one warning about refused connections this often.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// What a connection beyond the limit is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
retry-after: 5\r\n\
connection: close\r\n\
content-length: 69\r\n\
\r\n\
the wall serves as many connections as it may; try again in a moment\n";

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then lets the
/// answers under way finish (for at most a few seconds).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopped) = watch::channel(false);
    let mut refused = Refused::default();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            refused.one(stream, limits.max_connections);
            continue;
        };
        let app = app.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            connection(stream, remote, app, limits, stopped).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN, permits.acquire_many(all)).await;
}

/// Accepting failed: a connection reset before it was taken is nothing; anything else (out
/// of file descriptors) is said, and the loop waits a moment instead of spinning.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(
        "the served door cannot accept a connection: {e} \
         (if it is out of file descriptors, lower serve.max_connections or raise `ulimit -n`)"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// Connections refused at the limit, and when that was last said.
#[derive(Default)]
struct Refused {
    since_warned: u64,
    warned: Option<Instant>,
}

impl Refused {
    fn one(&mut self, stream: TcpStream, max: usize) {
        // Best effort and never waiting: a fresh socket's send buffer is empty.
        let _ = stream.try_write(BUSY);
        drop(stream);
        self.since_warned += 1;
        if self.warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            tracing::warn!(
                "the served door is at its limit of {max} connections (serve.max_connections): \
                 {} refused since the last warning; a client may be holding connections open",
                self.since_warned
            );
            self.warned = Some(Instant::now());
            self.since_warned = 0;
        }
    }
}

/// One connection: hyper's HTTP/1 with the header timer, watched for idleness, closing
/// gracefully when the server stops.
async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    limits: Limits,
    mut stopped: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let mut app = app.clone();
            let activity = activity.clone();
            async move {
                let _working = Working::start(&activity);
                let (mut parts, body) = req.into_parts();
                // What `into_make_service_with_connect_info` would give the handlers.
                parts.extensions.insert(ConnectInfo(remote));
                let body = Body::new(Watched {
                    inner: body,
                    activity: activity.clone(),
                });
                app.call(Request::from_parts(parts, body)).await
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut stopping = false;
    loop {
        let look_again = activity.idle_left(limits.idle_timeout);
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(%remote, "connection ended: {e}");
                }
                return;
            }
            _ = stopped.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep(look_again) => {
                if activity.waiting_on_client() && activity.idle_for() >= limits.idle_timeout {
                    tracing::debug!(
                        %remote,
                        "closing a connection on which nothing moved for {:?}",
                        limits.idle_timeout
                    );
                    return;
                }
            }
        }
    }
}

/// When a connection last moved a byte, and whether the server is working on an answer.
struct Activity {
    born: Instant,
    /// Milliseconds after `born` of the last byte read or written, or answer made.
    last: AtomicU64,
    /// Requests whose handler has not answered yet.
    working: AtomicUsize,
    /// A handler waits for the request's body.
    awaiting_body: AtomicBool,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            born: Instant::now(),
            last: AtomicU64::new(0),
            working: AtomicUsize::new(0),
            awaiting_body: AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        self.born
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last.load(Ordering::Relaxed)))
    }

    /// The server waits on the client: no handler is working, or the one working waits for
    /// the request's body.
    fn waiting_on_client(&self) -> bool {
        self.working.load(Ordering::Relaxed) == 0 || self.awaiting_body.load(Ordering::Relaxed)
    }

    /// How long until the connection could have been idle for `limit`.
    fn idle_left(&self, limit: Duration) -> Duration {
        if self.waiting_on_client() {
            limit.saturating_sub(self.idle_for())
        } else {
            limit
        }
    }
}

/// A handler at work; its answer counts as activity.
struct Working(Arc<Activity>);

impl Working {
    fn start(activity: &Arc<Activity>) -> Working {
        activity.working.fetch_add(1, Ordering::Relaxed);
        Working(activity.clone())
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.touch();
        self.0.working.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, noting each byte that moves.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request's body, noting when a handler waits for it (the client's wait, not ours).
struct Watched {
    inner: Incoming,
    activity: Arc<Activity>,
}

impl hyper::body::Body for Watched {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        self.activity
            .awaiting_body
            .store(polled.is_pending(), Ordering::Relaxed);
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.activity.awaiting_body.store(false, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_has_the_length_it_says() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
    }

    #[test]
    fn a_handler_at_work_is_not_idle_but_one_awaiting_the_body_is() {
        let a = Arc::new(Activity::new());
        assert!(a.waiting_on_client());
        let w = Working::start(&a);
        assert!(!a.waiting_on_client());
        assert_eq!(a.idle_left(Duration::from_secs(9)), Duration::from_secs(9));
        a.awaiting_body.store(true, Ordering::Relaxed);
        assert!(a.waiting_on_client());
        drop(w);
        assert!(a.working.load(Ordering::Relaxed) == 0);
    }
}

//! The live loop's tasks under supervision. A panic (a broken invariant in the engine, an
//! `expect` that does not hold) ends the task it happens in; unwatched, every door would go
//! on serving that task's last state: a dead wall that looks alive. The supervisor sees the
//! task end, says so at once (the live loop's state turns stale with `engine_failed`,
//! 引擎故障), logs it, and starts the task again from nothing, waiting longer after each
//! failure in a row so that a failure that repeats does not spin.

use std::future::Future;
use std::time::{Duration, Instant};

/// A task that ran this long before failing counts as having recovered: the next failure
/// waits as little as the first.
const RECOVERED_AFTER: Duration = Duration::from_secs(60);
/// The longest wait before starting a failed task again.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// Runs `start()` as a task until it returns by itself; each time it panics, calls
/// `failed(why, in_a_row)` and starts it again after `first_wait` (doubling for each
/// failure in a row, at most a minute).
pub(super) async fn supervise<F, Fut>(
    what: &str,
    first_wait: Duration,
    mut start: F,
    mut failed: impl FnMut(&str, u32),
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut in_a_row = 0u32;
    loop {
        let started = Instant::now();
        match tokio::spawn(start()).await {
            Ok(()) => return,                     // done: nobody is listening any more
            Err(e) if e.is_cancelled() => return, // the runtime is shutting down
            Err(e) => {
                let why = panic_message(e.into_panic());
                if started.elapsed() >= RECOVERED_AFTER {
                    in_a_row = 0;
                }
                in_a_row += 1;
                let wait = first_wait
                    .saturating_mul(1 << (in_a_row - 1).min(16))
                    .min(LONGEST_WAIT);
                tracing::error!(
                    "{what} failed ({why}); starting it again in {wait:?} ({in_a_row} failure(s) in a row)"
                );
                failed(&why, in_a_row);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// What a panic said (`panic!` and `expect` give a `&str` or a `String`).
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => s.to_string(),
            Err(_) => "a panic without a message".to_string(),
        },
    }
}

/// Failures the tests make happen on demand: built only with the `fault-injection` feature,
/// which only this package's dev-dependency on itself enables (see Cargo.toml). Each live
/// loop has its own, so tests running side by side do not fail each other's loops.
#[cfg(feature = "fault-injection")]
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: std::sync::Arc<FaultsInner>,
}

#[cfg(feature = "fault-injection")]
#[derive(Debug, Default)]
struct FaultsInner {
    panics: std::sync::atomic::AtomicU32,
    fired: std::sync::Mutex<Vec<Instant>>,
}

#[cfg(feature = "fault-injection")]
impl Faults {
    /// The next `n` ticks of the engine panic, as a broken invariant in it would.
    pub fn panic_next_ticks(&self, n: u32) {
        self.inner
            .panics
            .store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// When each injected panic happened.
    pub fn fired(&self) -> Vec<Instant> {
        self.inner
            .fired
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(super) fn at_tick(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        let due = self
            .inner
            .panics
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if due {
            self.inner
                .fired
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Instant::now());
            panic!("injected fault: the engine broke an invariant");
        }
    }
}

/// Without the feature there is nothing to inject: the hook is empty.
#[cfg(not(feature = "fault-injection"))]
#[derive(Debug, Clone, Default)]
pub(super) struct Faults;

#[cfg(not(feature = "fault-injection"))]
impl Faults {
    pub(super) fn at_tick(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panics_message_is_kept() {
        assert_eq!(
            panic_message(Box::new("removed more than was added")),
            "removed more than was added"
        );
        assert_eq!(panic_message(Box::new(String::from("x = 3"))), "x = 3");
        assert_eq!(panic_message(Box::new(3_u8)), "a panic without a message");
    }
}

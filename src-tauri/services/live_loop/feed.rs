//! Is the feed alive? Judged by when data last arrived, as the loop sees the store's change
//! number move with a call in it, and not by the newest record's own time: one row dated
//! 20 h ahead would otherwise keep a dead feed looking alive for 20 h. Records dated ahead
//! of the clock by more than a tolerance are a data-quality problem the wall shows; they
//! never count as arrivals, nor as the newest call.

use serde::Serialize;

use super::Stale;
use crate::core::model::Millis;
use crate::core::time::describe_span;
use crate::store::FeedCheck;

/// When a call last arrived, from the change numbers the loop has seen.
#[derive(Debug, Default)]
pub(super) struct Feed {
    /// The change number at the last look.
    seen: Option<i64>,
    /// When a call last arrived (the loop's clock), or the best guess before one has.
    heard: Option<Millis>,
}

impl Feed {
    /// The change number to ask about arrivals after (none before the first look).
    pub(super) fn after(&self) -> i64 {
        self.seen.unwrap_or(i64::MAX)
    }

    /// Takes in what the store said at `now`.
    pub(super) fn observe(&mut self, check: &FeedCheck, now: Millis) {
        match self.seen {
            // The first look, or a database whose change number went back (restored in
            // place): when its newest call arrived is unknown, but not before the call was
            // received, so that is the guess (never later than now).
            None => self.heard = check.last_call.map(|t| t.min(now)),
            Some(seen) if check.seq < seen => self.heard = check.last_call.map(|t| t.min(now)),
            Some(_) if check.arrived => self.heard = Some(now),
            Some(_) => {}
        }
        self.seen = Some(check.seq);
    }

    pub(super) fn heard(&self) -> Option<Millis> {
        self.heard
    }
}

/// Records dated ahead of the clock beyond the tolerance: a data-quality problem the wall
/// and the desk show. Part of the wire format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ahead {
    /// How many (calls, incidents, work orders and callbacks together).
    pub records: u64,
    /// The furthest such time (UTC ms).
    pub furthest: Millis,
    /// The tolerance they are beyond.
    pub tolerance_s: i64,
}

impl Ahead {
    pub(super) fn of(check: &FeedCheck, tolerance_s: i64) -> Option<Ahead> {
        Some(Ahead {
            records: check.ahead,
            furthest: check.furthest_ahead?,
            tolerance_s,
        })
        .filter(|a| a.records > 0)
    }

    fn describe(&self, now: Millis) -> String {
        let (n, s) = (self.records, if self.records == 1 { "" } else { "s" });
        format!(
            "{n} record{s} dated up to {} ahead of the clock (more than {} s) not taken as new data",
            describe_span(self.furthest - now),
            self.tolerance_s
        )
    }
}

/// Stale when no call has arrived for longer than the centre's limit. `heard` is when the
/// last one arrived; records dated ahead are named in the reason, having been left out.
pub fn silence(
    heard: Option<Millis>,
    now: Millis,
    stale_after_s: i64,
    ahead: Option<&Ahead>,
) -> Option<Stale> {
    let (reason, since) = match heard {
        Some(t) if now - t <= stale_after_s * 1000 => return None,
        Some(t) => (format!("no new call for {}", describe_span(now - t)), t),
        None => ("no call has been received yet".to_string(), now),
    };
    let reason = match ahead {
        Some(a) => format!("{reason}; {}", a.describe(now)),
        None => reason,
    };
    Some(Stale {
        code: "feed_silent",
        reason,
        since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_000_000_000;

    #[test]
    fn silence_beyond_the_limit_is_stale() {
        assert_eq!(silence(Some(NOW - 120_000), NOW, 120, None), None);
        let s = silence(Some(NOW - 121_000), NOW, 120, None).unwrap();
        assert_eq!((s.code, s.since), ("feed_silent", NOW - 121_000));
        assert_eq!(s.reason, "no new call for 2 min 1 s");
        assert_eq!(
            silence(None, NOW, 120, None).unwrap().reason,
            "no call has been received yet"
        );
        let ahead = Ahead {
            records: 1,
            furthest: NOW + 20 * 3_600_000,
            tolerance_s: 300,
        };
        assert_eq!(
            silence(Some(NOW - 121_000), NOW, 120, Some(&ahead))
                .unwrap()
                .reason,
            "no new call for 2 min 1 s; 1 record dated up to 20 h 0 min ahead of the clock \
             (more than 300 s) not taken as new data"
        );
    }

    fn check(seq: i64, last_call: Option<Millis>, arrived: bool) -> FeedCheck {
        FeedCheck {
            seq,
            last_call,
            arrived,
            ..FeedCheck::default()
        }
    }

    #[test]
    fn a_call_arrives_when_the_change_number_moves_with_one_in_it() {
        let mut feed = Feed::default();
        assert_eq!(
            feed.after(),
            i64::MAX,
            "nothing counts as new before a first look"
        );
        // The first look guesses from the newest call's own time.
        feed.observe(&check(7, Some(NOW - 60_000), false), NOW);
        assert_eq!((feed.heard(), feed.after()), (Some(NOW - 60_000), 7));
        // Written later, its own time older: it arrived now all the same.
        feed.observe(&check(8, Some(NOW - 60_000), true), NOW + 5_000);
        assert_eq!(feed.heard(), Some(NOW + 5_000));
        // The change number moved without a call in it (only rows dated ahead): not heard.
        feed.observe(&check(9, Some(NOW - 60_000), false), NOW + 9_000);
        assert_eq!((feed.heard(), feed.after()), (Some(NOW + 5_000), 9));
        // A database restored in place: its numbers went back; guess again.
        feed.observe(&check(3, Some(NOW - 600_000), false), NOW + 10_000);
        assert_eq!((feed.heard(), feed.after()), (Some(NOW - 600_000), 3));
        // A newest call dated ahead (within the tolerance) is not heard in the future.
        let mut fresh = Feed::default();
        fresh.observe(&check(1, Some(NOW + 60_000), false), NOW);
        assert_eq!(fresh.heard(), Some(NOW));
    }
}

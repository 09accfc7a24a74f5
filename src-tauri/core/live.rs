//! The few live figures the foundation window shows; the full KPI engine builds on these.

use serde::Serialize;

use super::model::Millis;

/// What the database held at one look: raw counts as the store read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedReading {
    pub calls_today: i64,
    pub answered_today: i64,
    pub incidents_today: i64,
    pub last_received: Option<Millis>,
    pub last_change_seq: i64,
}

/// The live status that every adapter shows. Part of the wire format (Tauri and HTTP).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveStatus {
    pub centre: String,
    pub time_zone: String,
    /// When the figures were read (UTC ms).
    pub as_of: Millis,
    pub calls_today: i64,
    pub answered_today: i64,
    pub incidents_today: i64,
    pub last_received: Option<Millis>,
    /// Seconds since the last call arrived; `None` when no call ever did.
    pub feed_silent_s: Option<i64>,
    /// True when the feed has been silent longer than the centre's staleness limit.
    pub stale: bool,
}

impl LiveStatus {
    pub fn from_reading(
        centre: &str,
        time_zone: &str,
        now: Millis,
        reading: FeedReading,
        stale_after_s: i64,
    ) -> LiveStatus {
        let feed_silent_s = reading.last_received.map(|t| ((now - t) / 1000).max(0));
        LiveStatus {
            centre: centre.to_string(),
            time_zone: time_zone.to_string(),
            as_of: now,
            calls_today: reading.calls_today,
            answered_today: reading.answered_today,
            incidents_today: reading.incidents_today,
            last_received: reading.last_received,
            feed_silent_s,
            stale: feed_silent_s.is_none_or(|s| s > stale_after_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_beyond_the_limit_is_stale() {
        let reading = FeedReading {
            calls_today: 10,
            last_received: Some(1_000_000),
            ..Default::default()
        };
        let fresh = LiveStatus::from_reading("c", "Asia/Shanghai", 1_030_000, reading, 60);
        assert_eq!(fresh.feed_silent_s, Some(30));
        assert!(!fresh.stale);
        let stale = LiveStatus::from_reading("c", "Asia/Shanghai", 1_090_000, reading, 60);
        assert!(stale.stale);
        let empty = LiveStatus::from_reading("c", "Asia/Shanghai", 0, FeedReading::default(), 60);
        assert!(empty.stale);
    }
}

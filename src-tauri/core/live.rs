//! What the database held at one look, for the live loop's staleness check.

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

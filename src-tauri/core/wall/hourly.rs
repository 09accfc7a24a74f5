//! Calls per local hour of one day, for "today against the same weekday last week and last
//! year". A DST day has 23 or 25 hours; calls are filed under their local clock hour.

use chrono::{Duration, NaiveDate, Timelike};
use chrono_tz::Tz;
use serde::Serialize;

use crate::model::Millis;
use crate::time::{day_bounds, local_datetime};

/// The days compared: today, the same weekday a week and 52 weeks earlier.
pub fn compared_days(today: NaiveDate) -> [NaiveDate; 3] {
    [
        today,
        today - Duration::days(7),
        today - Duration::days(364),
    ]
}

/// Calls per local hour of `day` (24 buckets), from the calls' receive times.
pub fn per_hour(tz: Tz, day: NaiveDate, received: &[Millis]) -> [u32; 24] {
    let (from, to) = day_bounds(tz, day);
    let mut out = [0u32; 24];
    for &t in received.iter().filter(|t| **t >= from && **t < to) {
        out[local_datetime(tz, t).hour() as usize] += 1;
    }
    out
}

/// Calls per local day of `first ..= last`, from the calls' receive times (the weekly
/// report's daily volume).
pub fn per_day(
    tz: Tz,
    first: NaiveDate,
    last: NaiveDate,
    received: &[Millis],
) -> Vec<(NaiveDate, u64)> {
    let mut out: Vec<(NaiveDate, u64)> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| (d, 0))
        .collect();
    for &t in received {
        let k = (local_datetime(tz, t).date() - first).num_days();
        if let Some(slot) = usize::try_from(k).ok().and_then(|k| out.get_mut(k)) {
            slot.1 += 1;
        }
    }
    out
}

/// Today's hours so far against the two base days. Part of the wire format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hourly {
    /// Hours of today that have begun (the current one is partial).
    pub today: Vec<u32>,
    pub last_week: [u32; 24],
    pub last_year: [u32; 24],
    pub days: [NaiveDate; 3],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::local_to_utc;

    #[test]
    fn calls_fall_into_their_local_hour() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let at = |h, m| local_to_utc(tz, day.and_hms_opt(h, m, 0).unwrap());
        let calls = [
            at(0, 0),
            at(0, 59),
            at(13, 30),
            at(23, 59),
            at(23, 59) + 60_000,
        ];
        let h = per_hour(tz, day, &calls);
        assert_eq!((h[0], h[13], h[23]), (2, 1, 1));
        assert_eq!(
            h.iter().sum::<u32>(),
            4,
            "the next day's first minute is left out"
        );
        let next = day.succ_opt().unwrap();
        assert_eq!(per_day(tz, day, next, &calls), vec![(day, 4), (next, 1)]);
        assert_eq!(
            compared_days(day)[2],
            NaiveDate::from_ymd_opt(2025, 11, 25).unwrap(),
            "52 weeks back is the same weekday"
        );
    }
}

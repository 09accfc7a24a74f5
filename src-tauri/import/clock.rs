//! Local times across clock changes (domain.md, "Local times in exports"). Where the zone
//! keeps daylight saving time, the hour the clocks go back is shown twice, so a time in it
//! has two readings; a record's stages happen in order, so its times are read together:
//! the readings that keep every stage after the one before it, with the shortest span.
//! The hour the clocks skip is shown never; a time in it is read on the offset before the
//! change (a clock not yet put forward) and named. Pure: no file or database here.

use chrono::{LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::core::model::Millis;
use crate::core::time::local_to_utc;

/// A local time as UTC instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The zone's clock shows this time once, or the source gave the offset.
    One(Millis),
    /// The repeated hour: the first pass and the second.
    Two(Millis, Millis),
    /// The skipped hour, read on the offset before the change.
    Skipped(Millis),
}

impl Reading {
    /// The earliest instant it may be.
    pub fn earliest(self) -> Millis {
        match self {
            Reading::One(t) | Reading::Two(t, _) | Reading::Skipped(t) => t,
        }
    }
}

/// `local` in `tz`.
pub fn read_local(tz: Tz, local: NaiveDateTime) -> Reading {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Reading::One(t.timestamp_millis()),
        LocalResult::Ambiguous(first, second) => {
            Reading::Two(first.timestamp_millis(), second.timestamp_millis())
        }
        LocalResult::None => Reading::Skipped(local_to_utc(tz, local)),
    }
}

/// `local` at a UTC offset of `seconds` east.
pub fn at_offset(local: NaiveDateTime, seconds: i32) -> Millis {
    (local.and_utc().timestamp() - i64::from(seconds)) * 1000
        + i64::from(local.and_utc().timestamp_subsec_millis())
}

/// A UTC offset as exports write it, in seconds east: `-04:00`, `-0400`, `-04`, `-4`,
/// `+05:30`, `UTC-4`, `GMT+8`, `Z`, `0`.
pub fn parse_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let t = ["UTC", "GMT"]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(t)
        .trim();
    if t.is_empty() || t == "Z" || t == "0" {
        return Some(0);
    }
    let (sign, rest) = match t.as_bytes()[0] {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let digits = |s: &str| -> Option<i32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) if m.len() == 2 => (digits(h)?, digits(m)?),
        Some(_) => return None,
        None if rest.len() == 4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        None => (digits(rest)?, 0),
    };
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// Readings beyond this many in one record are taken all on the same pass, so a record
/// costs at most 2^this checks.
const SEARCHED: usize = 10;

/// One instant for each time of a record, and whether they could be put in order. `times`
/// are the record's times (absent ones `None`); each chain lists indices into them that
/// must not decrease. A time in the repeated hour takes the reading that, with the
/// others', breaks no chain (the fewest pairs, when none can) and then spans the least;
/// on a tie, the earlier.
pub fn resolve(times: &[Option<Reading>], chains: &[&[usize]]) -> (Vec<Option<Millis>>, bool) {
    let two: Vec<usize> = (0..times.len())
        .filter(|i| matches!(times[*i], Some(Reading::Two(..))))
        .collect();
    let pick = |choice: &dyn Fn(usize) -> bool| -> Vec<Option<Millis>> {
        times
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.map(|r| match r {
                    Reading::Two(first, second) => {
                        if choice(i) {
                            second
                        } else {
                            first
                        }
                    }
                    other => other.earliest(),
                })
            })
            .collect()
    };
    let score = |t: &[Option<Millis>]| {
        let broken: usize = chains
            .iter()
            .map(|chain| {
                let present: Vec<Millis> = chain.iter().filter_map(|i| t[*i]).collect();
                (0..present.len())
                    .flat_map(|a| (a + 1..present.len()).map(move |b| (a, b)))
                    .filter(|(a, b)| present[*a] > present[*b])
                    .count()
            })
            .sum();
        let present = t.iter().flatten();
        let span = present.clone().max().unwrap_or(&0) - present.clone().min().unwrap_or(&0);
        let sum: i128 = present.map(|x| i128::from(*x)).sum();
        (broken, span, sum)
    };
    let candidates: Vec<Vec<Option<Millis>>> = if two.len() <= SEARCHED {
        (0u32..1 << two.len())
            .map(|mask| {
                pick(&|i| {
                    let bit = two
                        .iter()
                        .position(|x| *x == i)
                        .expect("a repeated-hour time");
                    mask & (1 << bit) != 0
                })
            })
            .collect()
    } else {
        vec![pick(&|_| false), pick(&|_| true)]
    };
    let best = candidates
        .into_iter()
        .min_by_key(|t| score(t))
        .expect("at least one reading");
    let in_order = score(&best).0 == 0;
    (best, in_order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    const NY: Tz = chrono_tz::America::New_York;

    fn local(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 11, 2)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    /// 2025-11-02 at h:m UTC.
    fn utc(h: u32, m: u32) -> Millis {
        local(h, m).and_utc().timestamp_millis()
    }

    #[test]
    fn offsets_as_exports_write_them() {
        for (text, secs) in [
            ("-04:00", Some(-4 * 3600)),
            ("-0500", Some(-5 * 3600)),
            ("-4", Some(-4 * 3600)),
            ("+05:30", Some(5 * 3600 + 1800)),
            ("UTC-5", Some(-5 * 3600)),
            ("Z", Some(0)),
            ("EDT", None),
            ("-4:3", None),
            ("+25", None),
        ] {
            assert_eq!(parse_offset(text), secs, "{text}");
        }
        assert_eq!(at_offset(local(1, 30), -4 * 3600), utc(5, 30));
    }

    #[test]
    fn the_repeated_hour_is_read_by_the_order_of_stages() {
        // 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
        assert_eq!(
            read_local(NY, local(1, 30)),
            Reading::Two(utc(5, 30), utc(6, 30))
        );
        // 02:30 on 9 March 2025 never happens; read on EST, it is 07:30 UTC.
        let skipped = NaiveDate::from_ymd_opt(2025, 3, 9)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        let at = NaiveDate::from_ymd_opt(2025, 3, 9)
            .unwrap()
            .and_hms_opt(7, 30, 0)
            .unwrap();
        assert_eq!(
            read_local(NY, skipped),
            Reading::Skipped(at.and_utc().timestamp_millis())
        );

        let r = |h, m| Some(read_local(NY, local(h, m)));
        // Received 01:50, dispatched 01:10: only EDT then EST keeps them in order.
        let (t, ok) = resolve(&[r(1, 50), r(1, 10)], &[&[0, 1]]);
        assert_eq!((t, ok), (vec![Some(utc(5, 50)), Some(utc(6, 10))], true));
        // Both 01:10 and 01:20: either pass keeps them 10 min apart; the first is taken.
        let (t, ok) = resolve(&[r(1, 10), r(1, 20)], &[&[0, 1]]);
        assert_eq!((t, ok), (vec![Some(utc(5, 10)), Some(utc(5, 20))], true));
        // Received 00:55 EDT (once), arrived 01:05: the first pass is 10 min, not 70.
        let (t, _) = resolve(&[r(0, 55), r(1, 5)], &[&[0, 1]]);
        assert_eq!(t[1], Some(utc(5, 5)));
        // Received 01:40, arrived 01:20 and then cleared 00:50 EDT: nothing puts those in order.
        let (_, ok) = resolve(&[r(1, 40), r(1, 20), r(0, 50)], &[&[0, 1, 2]]);
        assert!(!ok);
    }
}

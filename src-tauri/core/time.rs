//! The centre's local calendar. Records hold UTC milliseconds; days and ISO weeks are the
//! centre's own, so every window is cut here and nowhere else.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::model::Millis;

/// A local wall-clock time as UTC milliseconds. In the hour a DST change skips, the time is
/// read as if the clock had not yet changed (what a CAD clock that was not yet moved wrote);
/// in the hour that repeats, the earlier instant is taken.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> Millis {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.timestamp_millis(),
        LocalResult::Ambiguous(early, _) => early.timestamp_millis(),
        // For a one-hour gap, an hour later on the new offset is the same instant as the
        // given time on the old one. chrono also answers None for a time whose instant
        // lies beyond its last year (`+262142-12-31 23:30` in New York), where an hour
        // later does not exist either: that one is read as UTC, and callers judge it.
        LocalResult::None => local
            .checked_add_signed(chrono::Duration::hours(1))
            .and_then(|shifted| tz.from_local_datetime(&shifted).earliest())
            .map(|t| t.timestamp_millis())
            .unwrap_or_else(|| local.and_utc().timestamp_millis()),
    }
}

/// `[start, end)` of a local calendar day in UTC milliseconds (23 or 25 hours across DST).
pub fn day_bounds(tz: Tz, day: NaiveDate) -> (Millis, Millis) {
    let start = local_to_utc(tz, day.and_hms_opt(0, 0, 0).expect("midnight exists"));
    let next = day.succ_opt().expect("date in range");
    let end = local_to_utc(tz, next.and_hms_opt(0, 0, 0).expect("midnight exists"));
    (start, end)
}

/// The local calendar date at an instant.
pub fn local_date(tz: Tz, at: Millis) -> NaiveDate {
    utc(at).with_timezone(&tz).date_naive()
}

/// The local date and time at an instant.
pub fn local_datetime(tz: Tz, at: Millis) -> NaiveDateTime {
    utc(at).with_timezone(&tz).naive_local()
}

/// An instant as a chrono UTC time (instants out of chrono's range clamp to the epoch).
pub fn utc(at: Millis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at).unwrap_or_default()
}

/// The first local date a question may name. chrono reaches the year ±262,142, but every
/// window reaches further than its own dates (its 同比 a year back, its 环比 a period back,
/// its end a day on), and a date that far out is a typing mistake, not a question: each
/// door checks the dates it is given against these before computing with them.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// The last local date a question may name (the last an RFC 3339 time can write).
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// `d`, if a question may name it; otherwise why not, naming the dates that may be.
pub fn check_date(d: NaiveDate) -> Result<NaiveDate, String> {
    if (FIRST_DATE..=LAST_DATE).contains(&d) {
        Ok(d)
    } else {
        Err(format!(
            "{d} is outside the dates the wall answers for ({FIRST_DATE} to {LAST_DATE})"
        ))
    }
}

/// A local date written `Y-M-D` (the year may carry a sign and any number of digits, so
/// that a year out of range is told as such rather than as "not a date"): `None` when the
/// text is not shaped like one, otherwise the date or why it is not one the wall answers
/// for.
pub fn parse_date(text: &str) -> Option<Result<NaiveDate, String>> {
    let mut parts = text.trim().rsplitn(3, '-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, most: usize| {
        !s.is_empty() && s.len() <= most && s.bytes().all(|b| b.is_ascii_digit())
    };
    let unsigned = y.strip_prefix(['+', '-']).unwrap_or(y);
    if !digits(d, 2) || !digits(m, 2) || !digits(unsigned, usize::MAX) {
        return None;
    }
    let years = i64::from(FIRST_DATE.year())..=i64::from(LAST_DATE.year());
    let date = y
        .parse::<i64>()
        .ok()
        .filter(|y| years.contains(y))
        .map(|y| NaiveDate::from_ymd_opt(y as i32, m.parse().ok()?, d.parse().ok()?));
    Some(match date {
        None => Err(format!(
            "{} is outside the dates the wall answers for ({FIRST_DATE} to {LAST_DATE})",
            text.trim()
        )),
        Some(None) => Err(format!("{} is not a date", text.trim())),
        Some(Some(d)) => check_date(d),
    })
}

/// An instant a question may name: within those dates in UTC, a day inside either end so
/// that its local date in any zone is one too.
pub fn check_instant(at: Millis) -> Result<Millis, String> {
    let first = FIRST_DATE.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let last = LAST_DATE.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let day = 86_400_000;
    if (first.timestamp_millis() + day..last.timestamp_millis()).contains(&at) {
        Ok(at)
    } else {
        Err(format!(
            "{} is outside the times the wall answers for ({} to {})",
            DateTime::from_timestamp_millis(at)
                .map_or_else(|| format!("{at} ms"), |t| t.to_rfc3339()),
            FIRST_DATE.succ_opt().expect("in range"),
            LAST_DATE.pred_opt().expect("in range")
        ))
    }
}

/// "Today so far": from local midnight to `now`.
pub fn today_so_far(tz: Tz, now: Millis) -> (Millis, Millis) {
    let (start, _) = day_bounds(tz, local_date(tz, now));
    (start, now)
}

/// A span for messages: `8.2 s`, `5 min 53 s`, `56 d 1 h`.
pub fn describe_span(ms: Millis) -> String {
    let s = ms.unsigned_abs() / 1000;
    match s {
        0..=59 => format!("{:.1} s", ms.unsigned_abs() as f64 / 1000.0),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_people_write_them() {
        assert_eq!(describe_span(8_200), "8.2 s");
        assert_eq!(describe_span(353_500), "5 min 53 s");
        assert_eq!(describe_span(4_842_000_000), "56 d 1 h");
        assert_eq!(describe_span(7_260_000), "2 h 1 min");
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_far_out_are_refused_by_name() {
        assert_eq!(check_date(d(2026, 11, 24)), Ok(d(2026, 11, 24)));
        assert_eq!(check_date(FIRST_DATE), Ok(FIRST_DATE));
        assert_eq!(check_date(LAST_DATE), Ok(LAST_DATE));
        let e = check_date(NaiveDate::MAX).unwrap_err();
        assert!(
            e.contains("+262142-12-31") && e.contains("(1900-01-01 to 9999-12-31)"),
            "{e}"
        );
        assert!(check_date(d(1899, 12, 31)).is_err());
        assert_eq!(parse_date("2026-11-24"), Some(Ok(d(2026, 11, 24))));
        assert_eq!(parse_date("2026-W47"), None);
        assert_eq!(parse_date("2026-11"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(
            parse_date("2026-02-30"),
            Some(Err("2026-02-30 is not a date".into()))
        );
        for far in [
            "262142-12-31",
            "+262142-12-31",
            "-262142-01-01",
            "99999999999999999999-01-01",
            "1899-12-31",
        ] {
            let e = parse_date(far).unwrap().unwrap_err();
            assert_eq!(
                e,
                format!(
                    "{far} is outside the dates the wall answers for (1900-01-01 to 9999-12-31)"
                )
            );
        }
        assert!(check_instant(1_795_507_200_000).is_ok());
        let e = check_instant(i64::MAX).unwrap_err();
        assert!(e.contains("(1900-01-02 to 9999-12-30)"), "{e}");
        assert!(check_instant(
            NaiveDate::MIN
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        )
        .is_err());
    }

    #[test]
    fn shanghai_day_starts_at_16_utc_the_day_before() {
        let (start, end) = day_bounds(chrono_tz::Asia::Shanghai, d(2026, 11, 24));
        assert_eq!(utc(start).to_rfc3339(), "2026-11-23T16:00:00+00:00");
        assert_eq!(end - start, 24 * 3_600_000);
    }

    #[test]
    fn dst_days_have_23_and_25_hours() {
        let ny = chrono_tz::America::New_York;
        let (s, e) = day_bounds(ny, d(2025, 3, 9));
        assert_eq!(e - s, 23 * 3_600_000);
        let (s, e) = day_bounds(ny, d(2025, 11, 2));
        assert_eq!(e - s, 25 * 3_600_000);
    }

    #[test]
    fn skipped_and_repeated_local_times_resolve() {
        let ny = chrono_tz::America::New_York;
        // 02:30 does not exist on 2025-03-09; read with the old offset (EST, UTC-5).
        let skipped = local_to_utc(ny, d(2025, 3, 9).and_hms_opt(2, 30, 0).unwrap());
        assert_eq!(utc(skipped).to_rfc3339(), "2025-03-09T07:30:00+00:00");
        // 01:30 happens twice on 2025-11-02; the first one is EDT (UTC-4).
        let repeated = local_to_utc(ny, d(2025, 11, 2).and_hms_opt(1, 30, 0).unwrap());
        assert_eq!(utc(repeated).to_rfc3339(), "2025-11-02T05:30:00+00:00");
    }
}

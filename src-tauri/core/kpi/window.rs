//! Windows and their comparison bases, in the centre's local calendar.
//!
//! 同比 (year on year) is the same period a year earlier: the same dates, or for an ISO week
//! the same week number (none when that year has no such week). 环比 (period on period) is
//! the period just before: the previous day, ISO week, month or year, or for a live or
//! arbitrary span the span of equal length just before it. A period still in progress is
//! compared over the same elapsed span of its bases ("so far" against "so far").

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use crate::model::Millis;
use crate::time::{local_datetime, local_to_utc, parse_date, FIRST_DATE, LAST_DATE};

/// `[from, to)` in UTC milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub from: Millis,
    pub to: Millis,
}

/// A window with its bases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub key: String,
    pub now: Span,
    pub yoy: Option<Span>,
    pub pop: Option<Span>,
}

fn midnight(tz: Tz, d: NaiveDate) -> Millis {
    local_to_utc(tz, d.and_hms_opt(0, 0, 0).expect("midnight"))
}

/// The same local date a year earlier; 29 February becomes the 28th.
pub fn year_earlier(d: NaiveDate) -> NaiveDate {
    d.with_year(d.year() - 1)
        .or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, d.month(), 28))
        .expect("valid date")
}

fn year_earlier_dt(t: NaiveDateTime) -> NaiveDateTime {
    year_earlier(t.date()).and_time(t.time())
}

/// The instant at the same local wall-clock time a year earlier.
fn shift_year(tz: Tz, at: Millis) -> Millis {
    local_to_utc(tz, year_earlier_dt(local_datetime(tz, at)))
}

/// A local calendar period: `[start, end)` as local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn day(d: NaiveDate) -> Period {
        Period {
            start: d,
            end: d + Days::new(1),
        }
    }

    /// ISO week `week` of ISO year `year`; `None` if that year has no such week.
    pub fn iso_week(year: i32, week: u32) -> Option<Period> {
        let start = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
        Some(Period {
            start,
            end: start + Days::new(7),
        })
    }

    pub fn month(year: i32, month: u32) -> Option<Period> {
        let start = NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Period {
            start,
            end: start + Months::new(1),
        })
    }

    pub fn year(year: i32) -> Option<Period> {
        let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
        Some(Period {
            start,
            end: NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
        })
    }

    fn span(self, tz: Tz) -> Span {
        Span {
            from: midnight(tz, self.start),
            to: midnight(tz, self.end),
        }
    }
}

/// Reads a calendar period as people write it: `2026-11-24` (a day), `2026-W47` (an ISO
/// week), `2026-11` (a month), `2026` (a year). Its dates must lie between
/// `time::FIRST_DATE` and `time::LAST_DATE` (the arithmetic of its bases is checked there).
pub fn parse_period(text: &str) -> Result<(Calendar, Period), String> {
    let bad = || {
        format!("'{text}' is not a period: write a day (2026-11-24), an ISO week (2026-W47), a month (2026-11) or a year (2026)")
    };
    let year = |y: &str| -> Result<i32, String> {
        let y: i32 = y.parse().map_err(|_| bad())?;
        let (first, last) = (FIRST_DATE.year(), LAST_DATE.year());
        if (first..=last).contains(&y) {
            Ok(y)
        } else {
            Err(format!(
                "'{text}' is outside the periods the wall answers for (years {first} to {last})"
            ))
        }
    };
    let t = text.trim();
    if let Some(d) = parse_date(t) {
        let d = d.map_err(|e| format!("'{text}': {e}"))?;
        return Ok((Calendar::Day, Period::day(d)));
    }
    if let Some((y, w)) = t.split_once("-W").or_else(|| t.split_once("-w")) {
        let (y, w) = (year(y)?, w.parse().map_err(|_| bad())?);
        return Period::iso_week(y, w)
            .map(|p| (Calendar::Week, p))
            .ok_or_else(|| format!("{y} has no ISO week {w}"));
    }
    // The first '-' after a sign the year may carry.
    let month = t
        .get(1..)
        .and_then(|r| r.find('-'))
        .map(|i| t.split_at(i + 1));
    if let Some((y, m)) = month.map(|(y, m)| (y, &m[1..])) {
        let (y, m) = (year(y)?, m.parse().map_err(|_| bad())?);
        return Period::month(y, m)
            .map(|p| (Calendar::Month, p))
            .ok_or_else(bad);
    }
    Period::year(year(t)?)
        .map(|p| (Calendar::Year, p))
        .ok_or_else(bad)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    Day,
    Week,
    Month,
    Year,
}

impl Calendar {
    pub fn key(self) -> &'static str {
        match self {
            Calendar::Day => "day",
            Calendar::Week => "week",
            Calendar::Month => "month",
            Calendar::Year => "year",
        }
    }

    /// The period of this kind that contains `d`.
    pub fn containing(self, d: NaiveDate) -> Period {
        match self {
            Calendar::Day => Period::day(d),
            Calendar::Week => {
                let w = d.iso_week();
                Period::iso_week(w.year(), w.week()).expect("a date's own week exists")
            }
            Calendar::Month => Period::month(d.year(), d.month()).expect("valid month"),
            Calendar::Year => Period::year(d.year()).expect("valid year"),
        }
    }

    fn previous(self, p: Period) -> Period {
        self.containing(p.start - Days::new(1))
    }

    fn year_before(self, p: Period) -> Option<Period> {
        match self {
            Calendar::Day => Some(Period::day(year_earlier(p.start))),
            Calendar::Week => {
                let w = p.start.iso_week();
                Period::iso_week(w.year() - 1, w.week())
            }
            Calendar::Month => Period::month(p.start.year() - 1, p.start.month()),
            Calendar::Year => Period::year(p.start.year() - 1),
        }
    }
}

/// A whole calendar period with its bases.
pub fn calendar(tz: Tz, kind: Calendar, period: Period) -> Window {
    Window {
        key: format!("{}:{}", kind.key(), period.start),
        now: period.span(tz),
        yoy: kind.year_before(period).map(|p| p.span(tz)),
        pop: Some(kind.previous(period).span(tz)),
    }
}

/// The period of `kind` containing `now`, from its start to `now`, against the same
/// elapsed local time in its bases (clamped to the base's end).
pub fn so_far(tz: Tz, kind: Calendar, now: Millis) -> Window {
    let local_now = local_datetime(tz, now);
    let period = kind.containing(local_now.date());
    let elapsed = local_now - period.start.and_hms_opt(0, 0, 0).expect("midnight");
    let partial = |p: Period| {
        let start = p.start.and_hms_opt(0, 0, 0).expect("midnight");
        let end = p.end.and_hms_opt(0, 0, 0).expect("midnight");
        let to = (start + elapsed).min(end);
        Span {
            from: local_to_utc(tz, start),
            to: local_to_utc(tz, to),
        }
    };
    Window {
        key: format!("{}_so_far", kind.key()),
        now: Span {
            from: midnight(tz, period.start),
            to: now,
        },
        yoy: kind.year_before(period).map(partial),
        pop: Some(partial(kind.previous(period))),
    }
}

/// The last `minutes` up to `now`, against the span just before and the same local time
/// a year earlier.
pub fn last_minutes(tz: Tz, minutes: i64, now: Millis) -> Window {
    let len = minutes * 60_000;
    Window {
        key: format!("last_{minutes}m"),
        now: Span {
            from: now - len,
            to: now,
        },
        yoy: Some(Span {
            from: shift_year(tz, now - len),
            to: shift_year(tz, now),
        }),
        pop: Some(Span {
            from: now - 2 * len,
            to: now - len,
        }),
    }
}

/// Any range, against the equal span just before and the same local times a year earlier.
pub fn range(tz: Tz, from: Millis, to: Millis) -> Window {
    let len = to - from;
    Window {
        key: "range".into(),
        now: Span { from, to },
        yoy: Some(Span {
            from: shift_year(tz, from),
            to: shift_year(tz, to),
        }),
        pop: Some(Span {
            from: from - len,
            to: from,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn show(s: Span) -> (String, String) {
        let f = |t| utc(t).format("%Y-%m-%d %H:%M").to_string();
        (f(s.from), f(s.to))
    }

    const SH: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn a_shanghai_day_runs_from_16_utc_and_compares_with_yesterday_and_last_year() {
        let w = calendar(SH, Calendar::Day, Period::day(d(2026, 3, 1)));
        assert_eq!(
            show(w.now),
            ("2026-02-28 16:00".into(), "2026-03-01 16:00".into())
        );
        assert_eq!(
            show(w.pop.unwrap()),
            ("2026-02-27 16:00".into(), "2026-02-28 16:00".into())
        );
        assert_eq!(
            show(w.yoy.unwrap()),
            ("2025-02-28 16:00".into(), "2025-03-01 16:00".into())
        );
    }

    #[test]
    fn iso_week_53_has_no_year_on_year_base_in_a_52_week_year() {
        // 2026 has 53 ISO weeks (28 Dec 2026 – 3 Jan 2027); 2025 has 52.
        let w53 = Period::iso_week(2026, 53).unwrap();
        assert_eq!((w53.start, w53.end), (d(2026, 12, 28), d(2027, 1, 4)));
        let w = calendar(SH, Calendar::Week, w53);
        assert_eq!(w.yoy, None);
        assert_eq!(
            show(w.pop.unwrap()).0,
            "2026-12-20 16:00",
            "week 52 of 2026"
        );
        assert!(Period::iso_week(2025, 53).is_none());
        // Week 1 of 2027 compares with week 1 of 2026 (29 Dec 2025 – 4 Jan 2026).
        let w1 = calendar(SH, Calendar::Week, Period::iso_week(2027, 1).unwrap());
        assert_eq!(show(w1.yoy.unwrap()).0, "2025-12-28 16:00");
    }

    #[test]
    fn periods_read_as_people_write_them() {
        assert_eq!(
            parse_period("2026-W53").unwrap(),
            (Calendar::Week, Period::iso_week(2026, 53).unwrap())
        );
        assert_eq!(
            parse_period("2026-11").unwrap(),
            (Calendar::Month, Period::month(2026, 11).unwrap())
        );
        assert_eq!(parse_period("2026").unwrap().0, Calendar::Year);
        assert_eq!(parse_period("2026-11-24").unwrap().0, Calendar::Day);
        assert_eq!(
            parse_period("2025-W53").unwrap_err(),
            "2025 has no ISO week 53"
        );
        assert!(parse_period("last week").unwrap_err().contains("2026-W47"));
        // Dates chrono can hold but no window can be built around: refused, not a panic.
        for (text, says) in [
            ("262142-12-31", "'262142-12-31': 262142-12-31 is outside the dates the wall answers for (1900-01-01 to 9999-12-31)"),
            ("-262142-01-01", "(1900-01-01 to 9999-12-31)"),
            ("2026-02-30", "'2026-02-30': 2026-02-30 is not a date"),
            ("262142-W52", "(years 1900 to 9999)"),
            ("262142-12", "(years 1900 to 9999)"),
            ("262142", "(years 1900 to 9999)"),
            ("-262142", "(years 1900 to 9999)"),
            ("1899", "(years 1900 to 9999)"),
            ("99999999999", "is not a period"),
        ] {
            let e = parse_period(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
        assert_eq!(parse_period("9999").unwrap().0, Calendar::Year);
        assert_eq!(parse_period("1900-01-01").unwrap().0, Calendar::Day);
    }

    #[test]
    fn leap_day_compares_with_the_28th() {
        let w = calendar(SH, Calendar::Day, Period::day(d(2028, 2, 29)));
        assert_eq!(show(w.yoy.unwrap()).0, "2027-02-27 16:00");
    }

    #[test]
    fn a_daylight_saving_zone_keeps_local_days_and_so_far_spans() {
        let ny = chrono_tz::America::New_York;
        // 2025-11-02 has 25 hours in New York.
        let w = calendar(ny, Calendar::Day, Period::day(d(2025, 11, 2)));
        assert_eq!(w.now.to - w.now.from, 25 * 3_600_000);
        // At 12:00 local on 3 Nov 2025 (EST), today so far began at 05:00 UTC; yesterday's
        // same span ran from 04:00 UTC (EDT) to 17:00 UTC, 13 real hours for 12 on the clock.
        let noon = local_to_utc(ny, d(2025, 11, 3).and_hms_opt(12, 0, 0).unwrap());
        let t = so_far(ny, Calendar::Day, noon);
        assert_eq!(
            show(t.now),
            ("2025-11-03 05:00".into(), "2025-11-03 17:00".into())
        );
        assert_eq!(
            show(t.pop.unwrap()),
            ("2025-11-02 04:00".into(), "2025-11-02 17:00".into())
        );
        assert_eq!(
            show(t.yoy.unwrap()),
            ("2024-11-03 04:00".into(), "2024-11-03 17:00".into())
        );
    }

    #[test]
    fn live_windows_slide_and_months_compare_so_far() {
        let now = local_to_utc(SH, d(2026, 3, 31).and_hms_opt(10, 15, 0).unwrap());
        let w = last_minutes(SH, 15, now);
        assert_eq!(
            show(w.now),
            ("2026-03-31 02:00".into(), "2026-03-31 02:15".into())
        );
        assert_eq!(
            show(w.pop.unwrap()),
            ("2026-03-31 01:45".into(), "2026-03-31 02:00".into())
        );
        assert_eq!(
            show(w.yoy.unwrap()),
            ("2025-03-31 02:00".into(), "2025-03-31 02:15".into())
        );
        // 31 March so far against February: February has no 31st, so its whole month.
        let m = so_far(SH, Calendar::Month, now);
        assert_eq!(
            show(m.pop.unwrap()),
            ("2026-01-31 16:00".into(), "2026-02-28 16:00".into())
        );
    }
}

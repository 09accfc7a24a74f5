//! When the weekly report is due and where it is kept: the week a scheduled run reports on,
//! the archive's folder per week and its file names, and writing a file without ever
//! replacing one already there.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

use crate::config::ReportFormat;
use crate::core::kpi::window::{Calendar, Period};
use crate::core::model::Millis;
use crate::core::time::{local_datetime, local_to_utc};

/// `2026-W47`: the ISO week as the command line and the archive name it.
pub fn week_label(p: Period) -> String {
    let w = p.start.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The week before the one containing `d`: what a report made on `d` covers.
pub fn week_before(d: NaiveDate) -> Period {
    Calendar::Week.containing(d - Days::new(7))
}

/// The latest scheduled moment at or before `now` (local `weekday` at `time`), in UTC ms.
pub fn last_run(tz: Tz, weekday: Weekday, time: NaiveTime, now: Millis) -> Millis {
    let local = local_datetime(tz, now);
    let back = (7 + local.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    let day = local.date() - Days::new(u64::from(back));
    let at = local_to_utc(tz, day.and_time(time));
    if at <= now {
        at
    } else {
        local_to_utc(tz, (day - Days::new(7)).and_time(time))
    }
}

/// The week the schedule owes a report for at `now`: the week before its latest run. A
/// run missed while the machine was off is the same week, made at the next start.
pub fn due_week(tz: Tz, weekday: Weekday, time: NaiveTime, now: Millis) -> Period {
    week_before(local_datetime(tz, last_run(tz, weekday, time, now)).date())
}

/// `report-2026-W47.pdf`.
pub fn file_name(label: &str, format: ReportFormat) -> String {
    format!("report-{label}.{}", format.ext())
}

/// The archive's folder for one week.
pub fn week_folder(archive: &Path, label: &str) -> PathBuf {
    archive.join(label)
}

/// Writes `bytes` as `dir/name`, or, when a file of that name is already there, as
/// `name-2`, `name-3`, …: a report once written is never replaced. Returns the path used.
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    for k in 1.. {
        let candidate = if k == 1 {
            name.to_string()
        } else {
            format!("{stem}-{k}.{ext}")
        };
        let path = dir.join(&candidate);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(bytes)?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("an unbounded search ends by returning")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> Millis {
        local_to_utc(
            tz,
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, min, 0)
                .unwrap(),
        )
    }

    #[test]
    fn monday_eight_reports_the_week_before_and_a_missed_run_is_still_owed() {
        let tz = chrono_tz::Asia::Shanghai;
        let eight = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        let due = |now| week_label(due_week(tz, Weekday::Mon, eight, now));
        // Monday 23 November 2026 is in W48: at 08:00 W47 is due; at 07:59 still W46.
        assert_eq!(due(at(tz, 2026, 11, 23, 8, 0)), "2026-W47");
        assert_eq!(due(at(tz, 2026, 11, 23, 7, 59)), "2026-W46");
        // The machine was off on Monday: on Thursday W47 is still the week owed.
        assert_eq!(due(at(tz, 2026, 11, 26, 15, 0)), "2026-W47");
        // Over the year's end: Monday 4 January 2027 reports 2026-W53.
        assert_eq!(due(at(tz, 2027, 1, 4, 9, 0)), "2026-W53");
    }

    #[test]
    fn a_report_already_written_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_new(dir.path(), "report-2026-W47.pdf", b"first").unwrap();
        let b = write_new(dir.path(), "report-2026-W47.pdf", b"second").unwrap();
        assert_eq!(a.file_name().unwrap(), "report-2026-W47.pdf");
        assert_eq!(b.file_name().unwrap(), "report-2026-W47-2.pdf");
        assert_eq!(std::fs::read(a).unwrap(), b"first");
    }
}

//! Turning the command line's words into values: times, spans, speeds. Each error names
//! the option and shows a value that would be accepted.

use anyhow::Context;
use chrono_tz::Tz;

use crate::core::model::Millis;
use crate::core::time::{check_instant, day_bounds, parse_date};

/// An RFC 3339 time in UTC milliseconds, with the option named in the error; it must lie
/// within the dates the wall answers for (`core::time::check_instant`).
pub fn time(option: &str, t: &str) -> anyhow::Result<Millis> {
    let at = chrono::DateTime::parse_from_rfc3339(t)
        .with_context(|| {
            format!("{option} '{t}' is not an RFC 3339 time like 2026-11-24T08:00:00+08:00")
        })?
        .timestamp_millis();
    check_instant(at).map_err(|e| anyhow::anyhow!("{option} '{t}': {e}"))
}

/// A local date means its midnight (`end`: the midnight after it); anything else must be
/// an RFC 3339 time. Either must lie within the dates the wall answers for.
pub fn bound(tz: Tz, option: &str, text: &str, end: bool) -> anyhow::Result<Millis> {
    if let Some(d) = parse_date(text) {
        let d = d.map_err(|e| anyhow::anyhow!("{option} '{text}': {e}"))?;
        let (a, b) = day_bounds(tz, d);
        return Ok(if end { b } else { a });
    }
    time(option, text)
}

/// The longest span an option takes: a century, beyond any history or silence.
const LONGEST_SPAN_DAYS: i64 = 36_500;

/// A span like `400d`, `6w`, `36h`, `30m`, at most a century.
pub fn span(s: &str) -> Result<chrono::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a span like 400d, 6w or 36h"))?;
    // The most of each unit a century holds, and the span itself.
    const D: i64 = LONGEST_SPAN_DAYS;
    let (most, unit_span): (i64, fn(i64) -> chrono::Duration) = match unit {
        "d" | "" => (D, chrono::Duration::days),
        "w" => (D / 7, chrono::Duration::weeks),
        "h" => (D * 24, chrono::Duration::hours),
        "m" => (D * 24 * 60, chrono::Duration::minutes),
        _ => {
            return Err(format!(
                "'{s}': unit must be d (days), w (weeks), h (hours) or m (minutes)"
            ))
        }
    };
    if n > most {
        return Err(format!("'{s}' is longer than a span may be (at most {D}d)"));
    }
    Ok(unit_span(n))
}

/// A short period like `1s`, `500ms` or `2m`: between 100 ms and an hour.
pub fn duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a period like 1s, 500ms or 2m"))?;
    let ms = match unit {
        "ms" => n,
        "s" | "" => n.saturating_mul(1000),
        "m" => n.saturating_mul(60_000),
        _ => return Err(format!("'{s}': unit must be ms, s or m")),
    };
    if !(100..=3_600_000).contains(&ms) {
        return Err(format!("'{s}' must be between 100ms and 60m"));
    }
    Ok(std::time::Duration::from_millis(ms))
}

/// A speed like `60x`, `60` or `1x`.
pub fn speed(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_end_matches(['x', 'X'])
        .parse()
        .map_err(|_| format!("'{s}' is not a speed like 60x"))?;
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("speed '{s}' must be positive"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_speeds_parse_or_say_why_not() {
        assert_eq!(span("400d").unwrap(), chrono::Duration::days(400));
        assert_eq!(span("6w").unwrap(), chrono::Duration::days(42));
        assert_eq!(span("36h").unwrap(), chrono::Duration::hours(36));
        assert_eq!(span("30m").unwrap(), chrono::Duration::minutes(30));
        assert!(span("4y").unwrap_err().contains("unit"));
        assert!(span("lots").unwrap_err().contains("400d"));
        assert_eq!(speed("60x").unwrap(), 60.0);
        assert!(speed("-2x").is_err());
        // chrono's constructors panic past their range: a span that long is refused.
        assert_eq!(span("36500d").unwrap(), chrono::Duration::days(36_500));
        for s in [
            "36501d",
            "5215w",
            "876001h",
            "99999999999999999d",
            "9223372036854775807m",
        ] {
            let e = span(s).unwrap_err();
            assert!(
                e.contains("at most 36500d") || e.contains("is not a span"),
                "{s}: {e}"
            );
        }
    }

    #[test]
    fn dates_far_out_are_refused_with_the_dates_that_are_not() {
        let tz = chrono_tz::Asia::Shanghai;
        for (option, text) in [
            ("--from", "262142-01-01"),
            ("--to", "+262142-12-31"),
            ("--from", "1899-12-31"),
            ("--as-of", "0001-01-01T00:00:00Z"),
        ] {
            let e = bound(tz, option, text, false).unwrap_err().to_string();
            assert!(e.starts_with(&format!("{option} '{text}'")), "{e}");
            assert!(e.contains("1900-01") && e.contains("9999-12"), "{e}");
        }
        assert!(bound(tz, "--from", "2026-11-24", false).is_ok());
    }

    #[test]
    fn times_name_the_option() {
        assert_eq!(
            time("--as-of", "2026-11-24T08:00:00+08:00").unwrap(),
            1_795_478_400_000
        );
        let e = time("--until", "yesterday").unwrap_err().to_string();
        assert!(e.contains("--until 'yesterday'"), "{e}");
    }
}

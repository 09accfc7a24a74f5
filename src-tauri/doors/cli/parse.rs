//! Turning the command line's words into values: times, spans, speeds. Each error names
//! the option and shows a value that would be accepted.

use anyhow::Context;
use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::core::model::Millis;
use crate::core::time::day_bounds;

/// An RFC 3339 time in UTC milliseconds, with the option named in the error.
pub fn time(option: &str, t: &str) -> anyhow::Result<Millis> {
    Ok(chrono::DateTime::parse_from_rfc3339(t)
        .with_context(|| {
            format!("{option} '{t}' is not an RFC 3339 time like 2026-11-24T08:00:00+08:00")
        })?
        .timestamp_millis())
}

/// A local date means its midnight (`end`: the midnight after it); anything else must be
/// an RFC 3339 time.
pub fn bound(tz: Tz, option: &str, text: &str, end: bool) -> anyhow::Result<Millis> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let (a, b) = day_bounds(tz, d);
        return Ok(if end { b } else { a });
    }
    time(option, text)
}

/// A span like `400d`, `6w`, `36h`, `30m`.
pub fn span(s: &str) -> Result<chrono::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a span like 400d, 6w or 36h"))?;
    match unit {
        "d" | "" => Ok(chrono::Duration::days(n)),
        "w" => Ok(chrono::Duration::weeks(n)),
        "h" => Ok(chrono::Duration::hours(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        _ => Err(format!(
            "'{s}': unit must be d (days), w (weeks), h (hours) or m (minutes)"
        )),
    }
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

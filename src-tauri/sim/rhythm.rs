//! When calls come: the hour of day, the weekday, the season, holidays and the slow fall in
//! volume since non-police calls go to 12345.

use chrono::{Datelike, NaiveDate, Weekday};

/// Share of a day's calls in each local hour (quiet before dawn, peaks late morning and
/// evening), as the hourly curves in city 110 annual reports look.
pub const HOURLY: [f64; 24] = [
    0.030, 0.022, 0.016, 0.012, 0.010, 0.011, 0.018, 0.030, 0.044, 0.053, 0.057, 0.056, //
    0.051, 0.049, 0.051, 0.053, 0.055, 0.057, 0.059, 0.063, 0.065, 0.061, 0.052, 0.039,
];

pub fn weekday_factor(day: Weekday) -> f64 {
    match day {
        Weekday::Mon => 0.98,
        Weekday::Tue => 0.96,
        Weekday::Wed => 0.96,
        Weekday::Thu => 0.97,
        Weekday::Fri => 1.04,
        Weekday::Sat => 1.08,
        Weekday::Sun => 1.03,
    }
}

/// A holiday's effect on a day: overall volume and extra calls late at night
/// (fireworks, gatherings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holiday {
    pub name: &'static str,
    pub volume: f64,
    pub night_boost: f64,
}

pub fn holiday(date: NaiveDate) -> Option<Holiday> {
    let name = crate::core::holidays::holiday(date)?;
    let (volume, night_boost) = match name {
        "除夕" => (1.22, 2.2),
        "春节" => (1.08, 1.3),
        "跨年夜" => (1.10, 1.8),
        "元旦" => (1.05, 1.2),
        "劳动节" => (1.06, 1.1),
        _ => (1.10, 1.1), // 国庆节
    };
    Some(Holiday {
        name,
        volume,
        night_boost,
    })
}

/// Summer has more calls than winter (people out late, disputes, traffic).
pub fn season_factor(date: NaiveDate) -> f64 {
    let doy = date.ordinal() as f64;
    1.0 + 0.07 * (2.0 * std::f64::consts::PI * (doy - 105.0) / 365.25).sin()
}

/// Volume falls ~5% a year as non-police matters move to 12345 (reference 2026-01-01).
pub fn trend_factor(date: NaiveDate) -> f64 {
    let reference = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
    let years = (date - reference).num_days() as f64 / 365.25;
    0.95f64.powf(years)
}

/// Expected calls on a day for a centre whose ordinary day has `base` calls.
pub fn expected_calls(base: f64, date: NaiveDate) -> f64 {
    let h = holiday(date).map_or(1.0, |h| h.volume);
    base * weekday_factor(date.weekday()) * season_factor(date) * trend_factor(date) * h
}

/// The hourly shares for a day, holidays shifting calls into the night.
pub fn hourly_weights(date: NaiveDate) -> [f64; 24] {
    let mut w = HOURLY;
    if let Some(h) = holiday(date) {
        for (hour, weight) in w.iter_mut().enumerate() {
            if hour >= 22 || hour <= 2 {
                *weight *= h.night_boost;
            }
        }
    }
    let total: f64 = w.iter().sum();
    w.map(|x| x / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_shares_sum_to_one_and_peak_in_the_evening() {
        let w = hourly_weights(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let peak = (0..24).max_by(|&a, &b| w[a].total_cmp(&w[b])).unwrap();
        let trough = (0..24).min_by(|&a, &b| w[a].total_cmp(&w[b])).unwrap();
        assert_eq!((peak, trough), (20, 4));
    }

    #[test]
    fn spring_festival_eve_is_busy_at_night() {
        let eve = NaiveDate::from_ymd_opt(2026, 2, 16).unwrap();
        assert_eq!(holiday(eve).unwrap().name, "除夕");
        let normal = hourly_weights(NaiveDate::from_ymd_opt(2026, 2, 10).unwrap());
        assert!(hourly_weights(eve)[23] > normal[23] * 1.5);
    }
}

//! The days whose calls follow no ordinary weekday: China's public holidays and the eves
//! that behave like them. Baselines leave them out ("holidays left out of the baseline",
//! domain.md); the simulator gives them their own volume.

use chrono::{Datelike, NaiveDate};

/// 除夕 (the Spring Festival eve) of each year the wall is expected to show.
const SPRING_FESTIVAL_EVE: [(i32, u32, u32); 7] = [
    (2023, 1, 21),
    (2024, 2, 9),
    (2025, 1, 28),
    (2026, 2, 16),
    (2027, 2, 5),
    (2028, 1, 25),
    (2029, 2, 12),
];

/// The holiday `date` falls in, if any.
pub fn holiday(date: NaiveDate) -> Option<&'static str> {
    for (y, m, d) in SPRING_FESTIVAL_EVE {
        let eve = NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        match (date - eve).num_days() {
            0 => return Some("除夕"),
            1..=7 => return Some("春节"),
            _ => {}
        }
    }
    match (date.month(), date.day()) {
        (12, 31) => Some("跨年夜"),
        (1, 1) => Some("元旦"),
        (5, 1..=5) => Some("劳动节"),
        (10, 1..=7) => Some("国庆节"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holidays_by_date() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(holiday(d(2026, 2, 16)), Some("除夕"));
        assert_eq!(holiday(d(2026, 2, 23)), Some("春节"));
        assert_eq!(holiday(d(2026, 2, 24)), None);
        assert_eq!(holiday(d(2026, 10, 7)), Some("国庆节"));
        assert_eq!(holiday(d(2026, 11, 24)), None);
    }
}

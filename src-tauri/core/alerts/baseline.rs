//! Four-colour warnings against a robust baseline: the median of the same weekday and hour
//! in earlier weeks, and its spread as 1.4826 × the median absolute deviation (domain.md,
//! "Four-colour warnings").

use super::rule::Level;

/// The scale that makes the MAD estimate a normal standard deviation.
const MAD_SCALE: f64 = 1.4826;

/// Median and robust standard deviation of `history`; `None` without history.
pub fn median_and_spread(history: &[f64]) -> Option<(f64, f64)> {
    let med = median(history)?;
    let deviations: Vec<f64> = history.iter().map(|v| (v - med).abs()).collect();
    Some((med, MAD_SCALE * median(&deviations)?))
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The level of `now` against `history`: the highest colour whose `sigmas` it reaches
/// above the median. A spread of 0 (identical weeks) is taken as 1 call, so one call more
/// than every earlier week is not "infinitely" unusual.
pub fn level(now: f64, history: &[f64], sigmas: &[f64; 4]) -> Option<(Level, f64)> {
    let (med, spread) = median_and_spread(history)?;
    let z = (now - med) / spread.max(1.0);
    Level::ALL
        .into_iter()
        .zip(sigmas)
        .rev()
        .find(|(_, s)| z >= **s)
        .map(|(l, _)| (l, z))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: [f64; 4] = [2.0, 3.0, 4.0, 5.0];

    #[test]
    fn worked_by_hand() {
        // Eight weeks at 10 o'clock: 100, 104, 96, 98, 102, 110, 90, 100.
        // Sorted 90 96 98 100 100 102 104 110 → median 100. |deviations| 0 4 4 2 2 10 10 0
        // → sorted 0 0 2 2 4 4 10 10 → MAD 3 → spread 4.4478.
        let h = [100.0, 104.0, 96.0, 98.0, 102.0, 110.0, 90.0, 100.0];
        let (m, s) = median_and_spread(&h).unwrap();
        assert_eq!(m, 100.0);
        assert!((s - 4.4478).abs() < 1e-9);
        // 108 is 1.8 spreads above: nothing. 109 is 2.02: blue. 114 → 3.15 yellow,
        // 118 → 4.05 orange, 123 → 5.17 red.
        assert_eq!(level(108.0, &h, &DEFAULT), None);
        assert_eq!(level(109.0, &h, &DEFAULT).unwrap().0, Level::Blue);
        assert_eq!(level(114.0, &h, &DEFAULT).unwrap().0, Level::Yellow);
        assert_eq!(level(118.0, &h, &DEFAULT).unwrap().0, Level::Orange);
        assert_eq!(level(123.0, &h, &DEFAULT).unwrap().0, Level::Red);
        // Far below normal is not a volume warning.
        assert_eq!(level(10.0, &h, &DEFAULT), None);
    }

    #[test]
    fn no_history_no_level_and_a_flat_history_is_not_a_division_by_zero() {
        assert_eq!(level(500.0, &[], &DEFAULT), None);
        let flat = [50.0; 8];
        assert_eq!(level(51.0, &flat, &DEFAULT), None);
        assert_eq!(level(55.0, &flat, &DEFAULT).unwrap().0, Level::Red);
    }
}

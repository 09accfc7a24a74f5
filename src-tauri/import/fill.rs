//! Values meaning "nothing here": a blank, those the mapping lists, and any number equal to
//! a listed number — exports write the same fill as `-9999`, `-9999.0` or `-9999.00`.

use std::collections::HashSet;

pub struct FillValues {
    texts: HashSet<String>,
    numbers: Vec<f64>,
}

impl FillValues {
    pub fn new(listed: &[String]) -> FillValues {
        FillValues {
            texts: listed.iter().map(|s| s.trim().to_string()).collect(),
            numbers: listed
                .iter()
                .filter_map(|s| s.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .collect(),
        }
    }

    /// Whether `raw` (trimmed) is a fill value.
    pub fn holds(&self, raw: &str) -> bool {
        raw.is_empty()
            || self.texts.contains(raw)
            || (!self.numbers.is_empty()
                && raw
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'))
                && raw.parse::<f64>().is_ok_and(|v| self.numbers.contains(&v)))
    }
}

//! The naive way, for the benchmark only: a window's figures recomputed by the database
//! (SQL GROUP BY over every row of the window), as a wallboard without an engine would on
//! each refresh. The backend computes them (`Backend::naive_span_figures`); these are the
//! values it hands back.

use std::collections::BTreeMap;

/// Counters and interval histograms (whole seconds → records) per zone (`None`: no zone).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NaiveCut {
    pub counts: BTreeMap<&'static str, i64>,
    pub intervals: BTreeMap<&'static str, BTreeMap<i64, i64>>,
}

pub type NaiveFigures = BTreeMap<Option<String>, NaiveCut>;

/// Nearest-rank quantile of a histogram.
pub fn quantile(h: &BTreeMap<i64, i64>, q: f64) -> Option<i64> {
    let n: i64 = h.values().sum();
    if n == 0 {
        return None;
    }
    let rank = ((q * n as f64).ceil() as i64).max(1);
    let mut seen = 0;
    for (v, c) in h {
        seen += c;
        if seen >= rank {
            return Some(*v);
        }
    }
    None
}

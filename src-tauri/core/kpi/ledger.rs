//! Daily sums: each finished local day's figures, per cut, computed once and kept by the
//! adapter, so that an engine starting up reads a year as a few hundred sums instead of
//! twenty million records.
//!
//! A day's sum holds the records anchored in it that are *settled*: nothing still awaited
//! and every stage within `SETTLE_MS` of the end of the day they began. Such a record
//! stands the same at every cut from then on, so its figures are the same in any span whose
//! frozen part holds the whole day and ends `SETTLE_MS` or more after it. The others (an
//! order handled a week on, an incident still open) are kept whole in the sum (`late`) and
//! placed by the engine as it places any record it reads.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::engine::Key;
use super::facts::{Fact, Zones};
use super::figures::{Figures, FrozenFigures};
use super::window::Span;
use crate::model::Millis;
use crate::time::{day_bounds, local_date};

/// How long after its day a record must have settled to be summed. Most work orders are
/// handled and fed back within three days (all but 3.5 % in the benchmark's simulated year; the rest are kept
/// whole), and a span's last three days before its frozen part ends are read record by
/// record.
pub const SETTLE_MS: Millis = 3 * 86_400_000;

/// Bumped whenever what a sum holds changes meaning (a figure's rule, a fact's fields), so
/// that sums kept by an older build are computed again rather than trusted.
const VERSION: u32 = 1;

/// One local day's figures per cut (0 is the whole centre, 1 + z is zone z), and the
/// records anchored in it that had not settled when it was summed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySum {
    pub cuts: Vec<FrozenFigures>,
    pub late: Vec<(Key, Fact)>,
}

/// What sums depend on besides the records: stored sums made under another calendar, zone
/// list or rule are not this engine's.
pub fn digest(tz: Tz, zones: &Zones) -> String {
    let mut h = Sha256::new();
    h.update(format!("v{VERSION} settle {SETTLE_MS} tz {}\n", tz.name()));
    for (code, circle) in zones.codes.iter().zip(&zones.circles_min) {
        h.update(format!("zone {code:?} {circle}\n"));
    }
    hex::encode(&h.finalize()[..12])
}

/// Sums one day from the facts with an anchor in it.
pub struct DaySumBuilder {
    tz: Tz,
    day: Span,
    cuts: Vec<Figures>,
    late: Vec<(Key, Fact)>,
}

impl DaySumBuilder {
    pub fn new(tz: Tz, zones: &Zones, day: Span) -> DaySumBuilder {
        DaySumBuilder {
            tz,
            day,
            cuts: vec![Figures::default(); 1 + zones.codes.len()],
            late: Vec::new(),
        }
    }

    pub fn add(&mut self, key: Key, fact: &Fact) {
        let inside = |t: Millis| t >= self.day.from && t < self.day.to;
        if !fact.anchors().iter().any(|(t, _)| inside(*t)) {
            return;
        }
        let Some(by) = self.settled_by(fact) else {
            self.late.push((key, *fact));
            return;
        };
        // As every later cut sees it (a case counts as cleared only once closed).
        let seen = fact.as_of(by);
        for (t, part) in fact.anchors() {
            if inside(t) {
                for c in fact.cuts() {
                    self.cuts[c].apply(&seen, part, 1);
                }
            }
        }
    }

    /// When the fact settled, if it did: nothing awaited, and every stage within
    /// `SETTLE_MS` of the end of the day of its earliest anchor. Judged from that one day,
    /// so that an incident created one day and dispatched the next is settled in both days'
    /// sums or late in both.
    fn settled_by(&self, fact: &Fact) -> Option<Millis> {
        if fact.may_change() {
            return None;
        }
        let first = fact
            .anchors()
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| *t != Millis::MIN)
            .min()
            .expect("a fact has its own time");
        let day_end = if first >= self.day.from {
            self.day.to
        } else {
            day_bounds(self.tz, local_date(self.tz, first)).1
        };
        let by = day_end + SETTLE_MS;
        fact.stage_times().all(|t| t <= by).then_some(by)
    }

    pub fn finish(self) -> DaySum {
        DaySum {
            cuts: self.cuts.iter().map(Figures::freeze).collect(),
            late: self.late,
        }
    }
}

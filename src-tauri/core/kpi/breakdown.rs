//! Figures of one span for every value of a field (seat, category, …), from one pass over
//! the span's facts: the seats table and the category mix, without a query per value.

use std::collections::BTreeMap;

use super::facts::Fact;
use super::figures::{Figures, View};
use super::report::{report, Report};
use super::window::Span;
use crate::model::Millis;

/// The label of facts whose field is empty.
pub const UNKNOWN: &str = "";

pub struct Breakdown {
    span: Span,
    /// Facts count as they stood at this time.
    now: Millis,
    groups: BTreeMap<String, Figures>,
}

impl Breakdown {
    /// The span's groups as seen at `now`.
    pub fn new(span: Span, now: Millis) -> Breakdown {
        Breakdown {
            span,
            now,
            groups: BTreeMap::new(),
        }
    }

    /// Counts the parts of a fact anchored inside the span under `label`.
    pub fn add(&mut self, label: Option<&str>, fact: &Fact) {
        let seen = fact.as_of(self.now);
        for (t, part) in fact.anchors() {
            if t >= self.span.from && t < self.span.to {
                let label = label.unwrap_or(UNKNOWN);
                // Most facts join a group that exists: no key is allocated for them.
                if !self.groups.contains_key(label) {
                    self.groups.insert(label.to_string(), Figures::default());
                }
                self.groups
                    .get_mut(label)
                    .expect("inserted above")
                    .apply(&seen, part, 1);
            }
        }
    }

    /// One report per label, in label order, with open work orders judged at `now`.
    pub fn finish(self) -> Vec<(String, Report)> {
        let now = self.now;
        self.groups
            .into_iter()
            .map(|(label, f)| {
                let r = report(&[&f as &dyn View], now);
                (label, r)
            })
            .collect()
    }
}

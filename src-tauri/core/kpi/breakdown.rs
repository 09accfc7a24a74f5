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
    groups: BTreeMap<String, Figures>,
}

impl Breakdown {
    pub fn new(span: Span) -> Breakdown {
        Breakdown {
            span,
            groups: BTreeMap::new(),
        }
    }

    /// Counts the parts of a fact anchored inside the span under `label`.
    pub fn add(&mut self, label: Option<&str>, fact: &Fact) {
        for (t, part) in fact.anchors() {
            if t >= self.span.from && t < self.span.to {
                self.groups
                    .entry(label.unwrap_or(UNKNOWN).to_string())
                    .or_default()
                    .apply(fact, part, 1);
            }
        }
    }

    /// One report per label, in label order, with open work orders judged at `now`.
    pub fn finish(self, now: Millis) -> Vec<(String, Report)> {
        self.groups
            .into_iter()
            .map(|(label, f)| {
                let r = report(&[&f as &dyn View], now);
                (label, r)
            })
            .collect()
    }
}

//! Figures of one window on demand (any range, any cut): facts are streamed in once and
//! counted into the current span and its two bases. The live engine is for the wall's
//! fixed windows; this is for questions asked once (`kpi`, reports, drill-down).
//!
//! The current span is seen as of now; each base at the same age (domain.md,
//! "Comparisons at equal age"): a later stage counts only if it happened by
//! `base end + (now − window end)`. A window still running has age 0.

use serde::Serialize;

use super::engine::recorded_from;
use super::facts::Fact;
use super::figures::{Figures, View};
use super::filter::Filter;
use super::report::{compare, report, Compared, Report};
use super::window::{Span, Window};
use crate::model::Millis;

pub struct Evaluation {
    window: Window,
    /// Current span, 同比 base, 环比 base.
    figures: [Figures; 3],
    /// When each span is seen: now, and each base at the window's age.
    cuts: [Millis; 3],
    /// The cut the facts were chosen by: tables it cannot cut have no figures.
    filter: Filter,
    /// When the stored data begins: a base starting earlier is not compared.
    data_from: Option<Millis>,
}

/// A window's report with its comparisons. Part of the wire format.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluated {
    pub key: String,
    pub span: Span,
    pub yoy: Option<Span>,
    pub pop: Option<Span>,
    pub report: Report,
    pub compared: Vec<Compared>,
}

/// When a base ending at `base_end` is seen, for a window ending at `end` seen at `now`.
pub fn equal_age_cut(base_end: Millis, end: Millis, now: Millis) -> Millis {
    base_end.saturating_add(now.saturating_sub(end).max(0))
}

impl Evaluation {
    /// The window as seen at `now`.
    pub fn new(window: Window, now: Millis) -> Evaluation {
        let end = window.now.to;
        let base = |s: Option<Span>| s.map_or(now, |s| equal_age_cut(s.to, end, now));
        let cuts = [now, base(window.yoy), base(window.pop)];
        Evaluation {
            window,
            figures: Default::default(),
            cuts,
            filter: Filter::default(),
            data_from: None,
        }
    }

    /// The stored data begins at `t`; bases that start before it are only partly recorded.
    pub fn data_from(mut self, t: Option<Millis>) -> Evaluation {
        self.data_from = t;
        self
    }

    /// The facts added are those of `filter`'s cut.
    pub fn cut_by(mut self, filter: &Filter) -> Evaluation {
        self.filter = filter.clone();
        self
    }

    /// When span `i` of `needs()` is seen.
    pub fn cut(&self, i: usize) -> Millis {
        self.cuts[i]
    }

    /// The spans whose facts are needed (the window and its bases), by index.
    pub fn needs(&self) -> Vec<(usize, Span)> {
        [Some(self.window.now), self.window.yoy, self.window.pop]
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| (i, s)))
            .collect()
    }

    /// Counts the parts of a fact anchored inside span `i` of `needs()`.
    pub fn add(&mut self, i: usize, fact: &Fact) {
        let Some(s) = [Some(self.window.now), self.window.yoy, self.window.pop][i] else {
            return;
        };
        let seen = fact.as_of(self.cuts[i]);
        for (t, part) in fact.anchors() {
            if t >= s.from && t < s.to {
                self.figures[i].apply(&seen, part, 1);
            }
        }
    }

    /// The figures, each span's open work orders judged overdue at its cut.
    pub fn finish(self) -> Evaluated {
        let [cur, yoy, pop] = &self.figures;
        let one = |f: &Figures, i: usize| {
            let mut r = report(&[f as &dyn View], self.cuts[i]);
            r.leave_out(|t| self.filter.covers(t));
            r
        };
        let current = one(cur, 0);
        let covered = |s: &Span| recorded_from(self.data_from, *s);
        let yoy_rep = self.window.yoy.filter(covered).map(|_| one(yoy, 1));
        let pop_rep = self.window.pop.filter(covered).map(|_| one(pop, 2));
        Evaluated {
            compared: compare(&current, yoy_rep.as_ref(), pop_rep.as_ref()),
            key: self.window.key,
            span: self.window.now,
            yoy: self.window.yoy,
            pop: self.window.pop,
            report: current,
        }
    }
}

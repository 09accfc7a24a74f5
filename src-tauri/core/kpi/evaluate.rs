//! Figures of one window on demand (any range, any cut): facts are streamed in once and
//! counted into the current span and its two bases. The live engine is for the wall's
//! fixed windows; this is for questions asked once (`kpi`, reports, drill-down).

use serde::Serialize;

use super::facts::Fact;
use super::figures::{Figures, View};
use super::report::{compare, report, Compared, Report};
use super::window::{Span, Window};
use crate::model::Millis;

pub struct Evaluation {
    window: Window,
    /// Current span, 同比 base, 环比 base.
    figures: [Figures; 3],
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

impl Evaluation {
    pub fn new(window: Window) -> Evaluation {
        Evaluation {
            window,
            figures: Default::default(),
        }
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
        for (t, part) in fact.anchors() {
            if t >= s.from && t < s.to {
                self.figures[i].apply(fact, part, 1);
            }
        }
    }

    /// The figures, with open work orders judged overdue at `now`.
    pub fn finish(self, now: Millis) -> Evaluated {
        let [cur, yoy, pop] = &self.figures;
        let one = |f: &Figures| report(&[f as &dyn View], now);
        let current = one(cur);
        let yoy_rep = self.window.yoy.map(|_| one(yoy));
        let pop_rep = self.window.pop.map(|_| one(pop));
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

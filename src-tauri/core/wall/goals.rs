//! Which way is good for each figure, the centre's target for it, and how a value grades
//! against both. The wall colours by these; arrows only show direction (wall-design.md).

use serde::Serialize;

use crate::kpi::report::Change;
use crate::kpi::vocabulary::{Better, Figure};

/// A target the centre sets for one figure; which side of it is good is the figure's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub figure: Figure,
    pub target: f64,
}

impl Goal {
    /// A goal for a figure that has a good direction; `None` for volumes, which have none
    /// and so cannot be judged against a target.
    pub fn new(figure: Figure, target: f64) -> Option<Goal> {
        figure.better().map(|_| Goal { figure, target })
    }

    fn better(&self) -> Better {
        self.figure.better().unwrap_or(Better::Higher)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Meets its target.
    Meets,
    /// Misses its target.
    Misses,
    /// No target, or no value to judge.
    Unjudged,
}

pub fn grade(value: Option<f64>, goal: Option<&Goal>) -> Grade {
    match (value, goal) {
        (Some(v), Some(g)) => {
            let ok = match g.better() {
                Better::Higher => v >= g.target,
                Better::Lower => v <= g.target,
            };
            if ok {
                Grade::Meets
            } else {
                Grade::Misses
            }
        }
        _ => Grade::Unjudged,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrow {
    Up,
    Down,
    Flat,
    /// No base to compare with ("—").
    None,
}

/// A comparison as the wall shows it: the change, its arrow, and whether the move is good
/// (`None` for volumes, which are neither).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Trend {
    #[serde(flatten)]
    pub change: Change,
    pub arrow: Arrow,
    pub good: Option<bool>,
}

pub fn trend(change: Change, better: Option<Better>) -> Trend {
    let arrow = match change.diff {
        None => Arrow::None,
        Some(d) if d > 0.0 => Arrow::Up,
        Some(d) if d < 0.0 => Arrow::Down,
        Some(_) => Arrow::Flat,
    };
    let good = match (arrow, better) {
        (Arrow::Up, Some(b)) => Some(b == Better::Higher),
        (Arrow::Down, Some(b)) => Some(b == Better::Lower),
        _ => None,
    };
    Trend {
        change,
        arrow,
        good,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::vocabulary::Interval;

    #[test]
    fn a_falling_time_is_good_and_a_falling_share_is_bad() {
        let fall = Change::between(Some(40.0), Some(50.0));
        assert_eq!(trend(fall, Some(Better::Lower)).good, Some(true));
        assert_eq!(trend(fall, Some(Better::Higher)).good, Some(false));
        assert_eq!(trend(fall, None).good, None);
        assert_eq!(trend(fall, None).arrow, Arrow::Down);
        assert_eq!(
            trend(Change::between(Some(1.0), None), None).arrow,
            Arrow::None
        );
        let sign_for = Goal::new(Figure::Avg(Interval::SignFor), 30.0).unwrap();
        assert_eq!(Goal::new(Figure::Calls, 100.0), None);
        assert_eq!(grade(Some(30.0), Some(&sign_for)), Grade::Meets);
        assert_eq!(grade(Some(30.5), Some(&sign_for)), Grade::Misses);
        assert_eq!(grade(None, Some(&sign_for)), Grade::Unjudged);
    }
}

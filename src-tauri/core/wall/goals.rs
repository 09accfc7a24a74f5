//! Which way is good for each figure, the centre's target for it, and how a value grades
//! against both. The wall colours by these; arrows only show direction (wall-design.md).

use serde::Serialize;

use crate::core::kpi::report::Change;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// A target the centre sets for one figure (a `Compared` key).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub key: &'static str,
    pub better: Better,
    pub target: f64,
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
            let ok = match g.better {
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
        let sign_for = Goal {
            key: "sign_for_avg_s",
            better: Better::Lower,
            target: 30.0,
        };
        assert_eq!(grade(Some(30.0), Some(&sign_for)), Grade::Meets);
        assert_eq!(grade(Some(30.5), Some(&sign_for)), Grade::Misses);
        assert_eq!(grade(None, Some(&sign_for)), Grade::Unjudged);
    }
}

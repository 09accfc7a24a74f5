//! What a centre asks to be warned of: rules, validated once at start, and the four colours.

use serde::Serialize;

use crate::kpi::vocabulary::{Figure, Unit};
use crate::model::Millis;

/// The four-colour warning levels (分色预警), least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 蓝 一般: unusual.
    Blue,
    /// 黄 较重.
    Yellow,
    /// 橙 严重.
    Orange,
    /// 红 特别严重.
    Red,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Blue, Level::Yellow, Level::Orange, Level::Red];

    pub fn key(self) -> &'static str {
        match self {
            Level::Blue => "blue",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.key() == s)
    }

    /// One level up, red staying red (escalation).
    pub fn raised(self) -> Level {
        match self {
            Level::Blue => Level::Yellow,
            Level::Yellow => Level::Orange,
            Level::Orange | Level::Red => Level::Red,
        }
    }

    /// Orange and red sound the chime and notify commanders' desktops.
    pub fn is_loud(self) -> bool {
        self >= Level::Orange
    }
}

/// Which side of a limit is the alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Above,
    Below,
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// A figure of a live window (and zone) past `fire`; it clears only once back past
    /// `clear`, so a figure hovering at the limit does not flap.
    Threshold {
        figure: Figure,
        window: String,
        zone: Option<String>,
        direction: Direction,
        fire: f64,
        clear: f64,
    },
    /// Calls in this local hour against the same weekday and hour of the previous `weeks`
    /// weeks (holidays left out): blue, yellow, orange, red at `sigmas` robust standard
    /// deviations above the median.
    Baseline { weeks: u32, sigmas: [f64; 4] },
    /// A caller or a place crossing a repeat-call threshold.
    Repeat,
    /// A 12345 work order within `warn_before` of its limit (this rule's level), or past it
    /// (one level higher).
    WorkOrders { warn_before: Millis },
    /// Calls ringing unanswered now: more than `max_waiting`, or the oldest waiting longer
    /// than `max_wait`.
    WaitingCalls { max_waiting: u32, max_wait: Millis },
    /// No call for `silent_for`, or the database unreachable.
    Feed { silent_for: Millis },
}

impl RuleKind {
    pub fn name(&self) -> &'static str {
        match self {
            RuleKind::Threshold { .. } => "threshold",
            RuleKind::Baseline { .. } => "baseline",
            RuleKind::Repeat => "repeat",
            RuleKind::WorkOrders { .. } => "work_orders",
            RuleKind::WaitingCalls { .. } => "waiting_calls",
            RuleKind::Feed { .. } => "feed",
        }
    }
}

/// One rule as the centre configured it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Unique within the config; alerts and the audit name it.
    pub id: String,
    pub kind: RuleKind,
    /// The level it raises (a baseline rule grades its own).
    pub level: Level,
    /// How long the condition must hold before the alert fires (pending until then).
    pub hold: Millis,
    /// Not acknowledged within this long → one level up and the chime again.
    pub escalate_after: Option<Millis>,
}

impl Rule {
    /// The wall page that shows what the rule watches, where the wall jumps to.
    pub fn page(&self) -> &'static str {
        match &self.kind {
            RuleKind::Threshold { figure, zone, .. } => page_of(*figure, zone.is_some()),
            RuleKind::Baseline { .. } | RuleKind::Feed { .. } => "overview",
            RuleKind::Repeat => "repeat",
            RuleKind::WorkOrders { .. } => "diversion",
            RuleKind::WaitingCalls { .. } => "seats",
        }
    }

    /// The figure whose tile flashes, if any.
    pub fn figure(&self) -> Option<Figure> {
        match &self.kind {
            RuleKind::Threshold { figure, .. } => Some(*figure),
            RuleKind::Baseline { .. } => Some(Figure::Calls),
            RuleKind::WorkOrders { .. } => Some(Figure::WorkOrdersOverdue),
            _ => None,
        }
    }
}

/// Where a figure is shown: a zone's figure on the response page's grid, the rest on the
/// page whose tiles hold it.
pub fn page_of(figure: Figure, zoned: bool) -> &'static str {
    use crate::kpi::vocabulary::Interval;
    if zoned {
        return "response";
    }
    match figure {
        Figure::Calls
        | Figure::ValidIncidents
        | Figure::Dispatches
        | Figure::AnsweredWithin15s
        | Figure::Satisfaction => "overview",
        Figure::DiversionRate
        | Figure::NonPolice
        | Figure::Diverted
        | Figure::DivertedOrders
        | Figure::DivertedAccepted
        | Figure::DivertedHandled
        | Figure::DivertedFedBack
        | Figure::WorkOrders
        | Figure::WorkOrderResponseRate
        | Figure::WorkOrderHandledRate
        | Figure::WorkOrderFeedbackRate
        | Figure::WorkOrdersOverdue => "diversion",
        Figure::Abandoned
        | Figure::Answered
        | Figure::AnsweredWithin10s
        | Figure::AnsweredWithin20s
        | Figure::Avg(Interval::Answer)
        | Figure::P50(Interval::Answer)
        | Figure::P90(Interval::Answer) => "seats",
        Figure::SignedForWithin30s
        | Figure::CircleRate
        | Figure::Avg(_)
        | Figure::P50(_)
        | Figure::P90(_) => "response",
        _ => "overview",
    }
}

/// A threshold's limit read in the figure's unit, for messages (`8 min`, `90%`).
pub fn describe_limit(figure: Figure, v: f64) -> String {
    match figure.unit() {
        Unit::Share => format!("{:.1}%", v * 100.0),
        Unit::Seconds => format!("{v:.0} s"),
        Unit::Count => format!("{v:.0}"),
    }
}

//! What each rule sees at one tick: from the snapshot and the few lists the adapter reads,
//! one observation per rule × cut whose condition holds (or, for an alert already active,
//! still holds: thresholds clear only past their clear level).

use std::collections::HashMap;

use super::baseline;
use super::rule::{describe_limit, Direction, Level, Rule, RuleKind};
use crate::kpi::engine::Snapshot;
use crate::model::Millis;
use crate::time::describe_span;

/// Calls in the current local hour so far, and in the same weekday and hour of earlier
/// weeks up to the same minute (newest first, holidays already left out by the adapter).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HourVolume {
    pub now: f64,
    pub earlier_weeks: Vec<f64>,
}

/// A caller or place over a repeat threshold: its cut (`caller:138****5678`) and a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub cut: String,
    pub detail: String,
}

/// An open work order with a time limit.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOrder {
    pub id: String,
    pub due: Millis,
}

/// Everything the rules look at, handed in by the adapter with the time.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    pub now: Millis,
    pub snapshot: Option<&'a Snapshot>,
    pub hour: Option<HourVolume>,
    pub flags: Vec<Flag>,
    pub open_orders: Vec<OpenOrder>,
    /// Calls ringing unanswered now: receive times.
    pub waiting_since: Vec<Millis>,
    pub last_call: Option<Millis>,
    /// Why the database cannot be read, if it cannot.
    pub db_error: Option<String>,
}

/// A rule's condition holding for one cut at this tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Index of the rule in the rule list.
    pub rule: usize,
    pub cut: String,
    pub level: Level,
    pub value: Option<f64>,
    pub detail: String,
}

/// The value of `figure` in live window `window`, cut `zone` (None: the whole centre).
fn figure_value(
    s: &Snapshot,
    index: &WindowIndex,
    window: &str,
    zone: Option<&str>,
    rule: &Rule,
) -> Option<f64> {
    let RuleKind::Threshold { figure, .. } = &rule.kind else {
        return None;
    };
    let w = &s.windows[*index.windows.get(window)?];
    let cut = match zone {
        None => 0,
        Some(z) => 1 + *index.zones.get(z)?,
    };
    w.cuts.get(cut)?.report.metric(*figure)
}

/// Window and zone positions of a snapshot, looked up once per tick.
struct WindowIndex<'a> {
    windows: HashMap<&'a str, usize>,
    zones: HashMap<&'a str, usize>,
}

impl<'a> WindowIndex<'a> {
    fn of(s: &'a Snapshot) -> WindowIndex<'a> {
        WindowIndex {
            windows: s
                .windows
                .iter()
                .enumerate()
                .map(|(i, w)| (w.key.as_str(), i))
                .collect(),
            zones: s
                .zones
                .iter()
                .enumerate()
                .map(|(i, z)| (z.as_str(), i))
                .collect(),
        }
    }
}

/// Observations of every rule whose condition holds. `active(rule, cut)` says whether an
/// alert is already open for it, so a threshold holds until its clear level.
pub fn observe(
    rules: &[Rule],
    inputs: &Inputs<'_>,
    active: &dyn Fn(&str, &str) -> bool,
) -> Vec<Observation> {
    let index = inputs.snapshot.map(WindowIndex::of);
    let now = inputs.now;
    let mut out = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let mut hold = |cut: String, level: Level, value: Option<f64>, detail: String| {
            out.push(Observation {
                rule: i,
                cut,
                level,
                value,
                detail,
            })
        };
        match &rule.kind {
            RuleKind::Threshold {
                figure,
                window,
                zone,
                direction,
                fire,
                clear,
            } => {
                let (Some(s), Some(ix)) = (inputs.snapshot, index.as_ref()) else {
                    continue;
                };
                let Some(v) = figure_value(s, ix, window, zone.as_deref(), rule) else {
                    continue;
                };
                let cut = zone.clone().unwrap_or_default();
                let limit = if active(&rule.id, &cut) {
                    *clear
                } else {
                    *fire
                };
                // The limit itself is within it: only a value strictly past it alarms.
                let past = match direction {
                    Direction::Above => v > limit,
                    Direction::Below => v < limit,
                };
                if past {
                    let sign = if *direction == Direction::Above {
                        ">"
                    } else {
                        "<"
                    };
                    let detail = format!(
                        "{} {}{} = {} ({sign} {})",
                        figure.key(),
                        window,
                        zone.as_deref().map(|z| format!(" {z}")).unwrap_or_default(),
                        describe_limit(*figure, v),
                        describe_limit(*figure, *fire)
                    );
                    hold(cut, rule.level, Some(v), detail);
                }
            }
            RuleKind::Baseline { weeks, sigmas } => {
                let Some(h) = &inputs.hour else { continue };
                let history: Vec<f64> = h
                    .earlier_weeks
                    .iter()
                    .take(*weeks as usize)
                    .copied()
                    .collect();
                if let Some((level, z)) = baseline::level(h.now, &history, sigmas) {
                    let detail = format!(
                        "calls this hour {} vs {} earlier weeks: {z:.1} robust sd above the median",
                        h.now,
                        history.len()
                    );
                    hold(String::new(), level, Some(h.now), detail);
                }
            }
            RuleKind::Repeat => {
                for f in &inputs.flags {
                    hold(f.cut.clone(), rule.level, None, f.detail.clone());
                }
            }
            RuleKind::WorkOrders { warn_before } => {
                for o in &inputs.open_orders {
                    let left = o.due - now;
                    if left < 0 {
                        let detail =
                            format!("order {} past its limit by {}", o.id, describe_span(-left));
                        hold(
                            o.id.clone(),
                            rule.level.raised(),
                            Some(left as f64 / 1000.0),
                            detail,
                        );
                    } else if left <= *warn_before {
                        let detail = format!("order {} due in {}", o.id, describe_span(left));
                        hold(o.id.clone(), rule.level, Some(left as f64 / 1000.0), detail);
                    }
                }
            }
            RuleKind::WaitingCalls {
                max_waiting,
                max_wait,
            } => {
                let n = inputs.waiting_since.len();
                let oldest = inputs.waiting_since.iter().min().map(|t| now - t);
                let too_many = n > *max_waiting as usize;
                let too_long = oldest.is_some_and(|w| w > *max_wait);
                if too_many || too_long {
                    let detail = format!(
                        "{n} calls waiting, the oldest for {}",
                        oldest.map_or("—".into(), describe_span)
                    );
                    hold(String::new(), rule.level, Some(n as f64), detail);
                }
            }
            RuleKind::Feed { silent_for } => {
                if let Some(e) = &inputs.db_error {
                    hold(
                        String::new(),
                        rule.level,
                        None,
                        format!("database unreachable: {e}"),
                    );
                } else {
                    let silence = inputs.last_call.map(|t| now - t);
                    if silence.is_none_or(|s| s > *silent_for) {
                        let detail = match silence {
                            Some(s) => format!("no new call for {}", describe_span(s)),
                            None => "no call has been received yet".into(),
                        };
                        hold(
                            String::new(),
                            rule.level,
                            silence.map(|s| s as f64 / 1000.0),
                            detail,
                        );
                    }
                }
            }
        }
    }
    out
}

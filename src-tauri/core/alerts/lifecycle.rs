//! The life of an alert: pending (the condition must hold for the rule's `hold`) → firing →
//! acknowledged → resolved. One alert per rule × cut; one that resolves and comes back is a
//! new alert. Every transition is an `Event`, the row the adapter appends to the audit; the
//! book is rebuilt from those rows at start (`Book::replay`), so state survives restarts.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::observe::Observation;
use super::rule::{Level, Rule};
use crate::model::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Pending,
    Firing,
    Acknowledged,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Pending,
    Firing,
    /// The condition worsened (a work order now past its limit): firing again, higher.
    Raised,
    /// Not acknowledged in time: one level up, chime again.
    Escalated,
    Acknowledged,
    Silenced,
    Resolved,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Pending,
        EventKind::Firing,
        EventKind::Raised,
        EventKind::Escalated,
        EventKind::Acknowledged,
        EventKind::Silenced,
        EventKind::Resolved,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EventKind::Pending => "pending",
            EventKind::Firing => "firing",
            EventKind::Raised => "raised",
            EventKind::Escalated => "escalated",
            EventKind::Acknowledged => "acknowledged",
            EventKind::Silenced => "silenced",
            EventKind::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// Who did something, and through which door (`cli`, `window`, `http 10.1.2.3`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub who: String,
    pub comment: String,
    pub door: String,
    pub address: String,
}

/// One transition: a row of the audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub alert: u64,
    pub rule: String,
    pub cut: String,
    pub kind: EventKind,
    pub level: Level,
    pub value: Option<f64>,
    pub detail: String,
    pub at: Millis,
    pub actor: Option<Actor>,
    /// A silence's end.
    pub until: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: u64,
    pub rule: String,
    pub cut: String,
    pub level: Level,
    pub state: State,
    pub value: Option<f64>,
    pub detail: String,
    /// When the condition was first seen.
    pub since: Millis,
    pub fired_at: Option<Millis>,
    /// When the chime last rang for it (firing, raised, escalated).
    pub chimed_at: Option<Millis>,
    pub escalations: u32,
    pub acknowledged: Option<(Actor, Millis)>,
    pub silenced_until: Option<Millis>,
    pub resolved_at: Option<Millis>,
}

impl Alert {
    /// Shown on the wall: firing or acknowledged, and not silenced at `now`.
    pub fn on_wall(&self, now: Millis) -> bool {
        matches!(self.state, State::Firing | State::Acknowledged)
            && self.silenced_until.is_none_or(|u| u <= now)
    }
}

/// Why a commander's action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("no active alert {0} (it may have resolved)")]
    NoSuchAlert(u64),
    #[error("alert {0} is still pending; it can be acknowledged once it fires")]
    NotFiring(u64),
    #[error("alert {id} was already acknowledged by {who}")]
    AlreadyAcknowledged { id: u64, who: String },
    #[error("a name is required")]
    NoName,
    #[error("a silence must end in the future")]
    SilenceInPast,
}

/// Every active alert and the most recent resolved ones.
#[derive(Debug, Clone, Default)]
pub struct Book {
    next_id: u64,
    active: BTreeMap<(String, String), Alert>,
    recent: VecDeque<Alert>,
}

/// How many resolved alerts the book keeps for the doors (the audit keeps all).
const RECENT: usize = 50;

impl Book {
    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.active.values()
    }

    pub fn recent(&self) -> impl Iterator<Item = &Alert> {
        self.recent.iter()
    }

    pub fn is_active(&self, rule: &str, cut: &str) -> bool {
        self.active
            .contains_key(&(rule.to_string(), cut.to_string()))
    }

    fn event(a: &Alert, kind: EventKind, at: Millis, actor: Option<Actor>) -> Event {
        Event {
            alert: a.id,
            rule: a.rule.clone(),
            cut: a.cut.clone(),
            kind,
            level: a.level,
            value: a.value,
            detail: a.detail.clone(),
            at,
            actor,
            until: a.silenced_until,
        }
    }

    /// One tick: opens, fires, raises, escalates and resolves alerts from what the rules
    /// observed at `now`. Returns the transitions in order.
    pub fn step(&mut self, rules: &[Rule], seen: &[Observation], now: Millis) -> Vec<Event> {
        let mut events = Vec::new();
        let mut held = std::collections::BTreeSet::new();
        for o in seen {
            let rule = &rules[o.rule];
            let key = (rule.id.clone(), o.cut.clone());
            held.insert(key.clone());
            let a = match self.active.get_mut(&key) {
                Some(a) => a,
                None => {
                    self.next_id += 1;
                    let a = Alert {
                        id: self.next_id,
                        rule: rule.id.clone(),
                        cut: o.cut.clone(),
                        level: o.level,
                        state: State::Pending,
                        value: o.value,
                        detail: o.detail.clone(),
                        since: now,
                        fired_at: None,
                        chimed_at: None,
                        escalations: 0,
                        acknowledged: None,
                        silenced_until: None,
                        resolved_at: None,
                    };
                    events.push(Self::event(&a, EventKind::Pending, now, None));
                    self.active.entry(key).or_insert(a)
                }
            };
            a.value = o.value;
            a.detail = o.detail.clone();
            match a.state {
                State::Pending if now - a.since >= rule.hold => {
                    a.level = a.level.max(o.level);
                    a.state = State::Firing;
                    a.fired_at = Some(now);
                    a.chimed_at = Some(now);
                    events.push(Self::event(a, EventKind::Firing, now, None));
                }
                State::Firing | State::Acknowledged if o.level > a.level => {
                    a.level = o.level;
                    a.state = State::Firing;
                    a.acknowledged = None;
                    a.chimed_at = Some(now);
                    events.push(Self::event(a, EventKind::Raised, now, None));
                }
                State::Firing => {
                    let silenced = a.silenced_until.is_some_and(|u| u > now);
                    let since = a.chimed_at.or(a.fired_at).unwrap_or(now);
                    if let Some(after) = rule.escalate_after {
                        if !silenced && now - since >= after {
                            a.level = a.level.raised();
                            a.escalations += 1;
                            a.chimed_at = Some(now);
                            events.push(Self::event(a, EventKind::Escalated, now, None));
                        }
                    }
                }
                _ => {}
            }
        }
        let gone: Vec<(String, String)> = self
            .active
            .keys()
            .filter(|k| !held.contains(*k))
            .cloned()
            .collect();
        for key in gone {
            if let Some(mut a) = self.active.remove(&key) {
                a.state = State::Resolved;
                a.resolved_at = Some(now);
                events.push(Self::event(&a, EventKind::Resolved, now, None));
                self.remember(a);
            }
        }
        events
    }

    fn remember(&mut self, a: Alert) {
        self.recent.push_front(a);
        self.recent.truncate(RECENT);
    }

    fn find_mut(&mut self, id: u64) -> Result<&mut Alert, ActionError> {
        self.active
            .values_mut()
            .find(|a| a.id == id)
            .ok_or(ActionError::NoSuchAlert(id))
    }

    /// A named commander acknowledges a firing alert.
    pub fn acknowledge(
        &mut self,
        id: u64,
        actor: Actor,
        now: Millis,
    ) -> Result<Event, ActionError> {
        if actor.who.trim().is_empty() {
            return Err(ActionError::NoName);
        }
        let a = self.find_mut(id)?;
        match (&a.state, &a.acknowledged) {
            (State::Pending, _) => Err(ActionError::NotFiring(id)),
            (State::Acknowledged, Some((by, _))) => Err(ActionError::AlreadyAcknowledged {
                id,
                who: by.who.clone(),
            }),
            _ => {
                a.state = State::Acknowledged;
                a.acknowledged = Some((actor.clone(), now));
                Ok(Self::event(a, EventKind::Acknowledged, now, Some(actor)))
            }
        }
    }

    /// A named commander silences an alert until `until`: it stays listed but neither
    /// flashes, chimes nor escalates.
    pub fn silence(
        &mut self,
        id: u64,
        actor: Actor,
        until: Millis,
        now: Millis,
    ) -> Result<Event, ActionError> {
        if actor.who.trim().is_empty() {
            return Err(ActionError::NoName);
        }
        if until <= now {
            return Err(ActionError::SilenceInPast);
        }
        let a = self.find_mut(id)?;
        a.silenced_until = Some(until);
        Ok(Self::event(a, EventKind::Silenced, now, Some(actor)))
    }

    /// The book as the audit left it: every transition applied in order.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Book {
        let mut book = Book::default();
        for e in events {
            book.apply(e);
        }
        book
    }

    /// Applies one audit row: rebuilding at start, and folding in rows another process
    /// appended (an acknowledgement from the command line). A row about an alert the book
    /// no longer holds changes nothing.
    pub fn apply(&mut self, e: &Event) {
        self.next_id = self.next_id.max(e.alert);
        let key = (e.rule.clone(), e.cut.clone());
        if e.kind == EventKind::Pending {
            self.active.insert(
                key,
                Alert {
                    id: e.alert,
                    rule: e.rule.clone(),
                    cut: e.cut.clone(),
                    level: e.level,
                    state: State::Pending,
                    value: e.value,
                    detail: e.detail.clone(),
                    since: e.at,
                    fired_at: None,
                    chimed_at: None,
                    escalations: 0,
                    acknowledged: None,
                    silenced_until: None,
                    resolved_at: None,
                },
            );
            return;
        }
        let Some(a) = self.active.get_mut(&key).filter(|a| a.id == e.alert) else {
            return;
        };
        a.level = e.level;
        a.value = e.value;
        a.detail = e.detail.clone();
        match e.kind {
            EventKind::Pending => {}
            EventKind::Firing | EventKind::Raised => {
                a.state = State::Firing;
                a.fired_at = a.fired_at.or(Some(e.at));
                a.chimed_at = Some(e.at);
                a.acknowledged = None;
            }
            EventKind::Escalated => {
                a.escalations += 1;
                a.chimed_at = Some(e.at);
            }
            EventKind::Acknowledged => {
                a.state = State::Acknowledged;
                a.acknowledged = e.actor.clone().map(|who| (who, e.at));
            }
            EventKind::Silenced => a.silenced_until = e.until,
            EventKind::Resolved => {
                if let Some(mut a) = self.active.remove(&key) {
                    a.state = State::Resolved;
                    a.resolved_at = Some(e.at);
                    self.remember(a);
                }
            }
        }
    }
}

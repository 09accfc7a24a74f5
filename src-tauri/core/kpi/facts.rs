//! Facts: the few fields of each record that the figures use, small enough to keep the
//! recent ones in memory. A fact knows its anchor time(s): which window it belongs to.

use serde::{Deserialize, Serialize};

use crate::model::{
    Call, Callback, Direction, Incident, Millis, Outcome, Satisfaction, Stage, Unrecorded,
    WorkOrder,
};

/// Which table a fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Table {
    Calls,
    Incidents,
    WorkOrders,
    Callbacks,
    /// A phone system's interval counts (`model::PhoneInterval`).
    PhoneIntervals,
}

/// Index of a zone in the centre's zone list.
pub type ZoneIx = u16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallFact {
    pub received: Millis,
    pub answered: Option<Millis>,
    pub ended: Option<Millis>,
    pub ring_recorded: bool,
    pub outcome: Option<Outcome>,
    pub duplicate: bool,
    pub zone: Option<ZoneIx>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFact {
    pub created: Millis,
    pub call_received: Option<Millis>,
    pub call_answered: Option<Millis>,
    pub dispatched: Option<Millis>,
    pub signed_for: Option<Millis>,
    pub departed: Option<Millis>,
    pub arrived: Option<Millis>,
    pub fed_back: Option<Millis>,
    pub closed: Option<Millis>,
    /// The zone's quick-response circle.
    pub circle_ms: Option<Millis>,
    pub case_filed: bool,
    pub case_cleared: bool,
    pub zone: Option<ZoneIx>,
    pub unrecorded: Unrecorded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFact {
    pub sent: Millis,
    pub direction: Direction,
    pub accepted: Option<Millis>,
    pub accept_by: Option<Millis>,
    pub handled: Option<Millis>,
    pub fed_back: Option<Millis>,
    pub due: Option<Millis>,
    pub returned: Option<Millis>,
    pub zone: Option<ZoneIx>,
    pub unrecorded: Unrecorded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackFact {
    pub called: Millis,
    pub reached: bool,
    pub satisfaction: Option<Satisfaction>,
    pub zone: Option<ZoneIx>,
}

/// One line's counts over one interval of a phone system; whole once stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneFact {
    pub start: Millis,
    pub offered: u32,
    pub abandoned: u32,
    /// Answered per band of the answer interval (`model::PHONE_ANSWER_EDGES_S`).
    pub answered: [u32; 4],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fact {
    Call(CallFact),
    Incident(IncidentFact),
    Order(OrderFact),
    Callback(CallbackFact),
    Phone(PhoneFact),
}

/// Which part of a fact's figures an anchor carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// Everything but the dispatch count.
    Main,
    /// "Dispatches: incidents with a dispatch order in the window" — anchored at dispatch.
    Dispatch,
}

impl Fact {
    /// The times that place this fact in windows: its own time, and for incidents the
    /// dispatch time as well.
    pub fn anchors(&self) -> [(Millis, Part); 2] {
        match self {
            Fact::Call(c) => [(c.received, Part::Main), (Millis::MIN, Part::Dispatch)],
            Fact::Incident(i) => [
                (i.created, Part::Main),
                (i.dispatched.unwrap_or(Millis::MIN), Part::Dispatch),
            ],
            Fact::Order(o) => [(o.sent, Part::Main), (Millis::MIN, Part::Dispatch)],
            Fact::Callback(b) => [(b.called, Part::Main), (Millis::MIN, Part::Dispatch)],
            Fact::Phone(p) => [(p.start, Part::Main), (Millis::MIN, Part::Dispatch)],
        }
    }

    /// The fact as it stood at `cut`: stages that came after it not yet happened. A base
    /// compared with a younger period is seen at the same age this way (domain.md,
    /// "Comparisons at equal age"). A case counts as cleared once the incident is closed.
    pub fn as_of(&self, cut: Millis) -> Fact {
        let seen = |t: Option<Millis>| t.filter(|&t| t <= cut);
        match *self {
            Fact::Call(c) => Fact::Call(CallFact {
                answered: seen(c.answered),
                ended: seen(c.ended),
                ..c
            }),
            Fact::Incident(i) => Fact::Incident(IncidentFact {
                dispatched: seen(i.dispatched),
                signed_for: seen(i.signed_for),
                departed: seen(i.departed),
                arrived: seen(i.arrived),
                fed_back: seen(i.fed_back),
                closed: seen(i.closed),
                case_cleared: i.case_cleared && seen(i.closed).is_some(),
                ..i
            }),
            Fact::Order(o) => Fact::Order(OrderFact {
                accepted: seen(o.accepted),
                handled: seen(o.handled),
                fed_back: seen(o.fed_back),
                returned: seen(o.returned),
                ..o
            }),
            Fact::Callback(_) | Fact::Phone(_) => *self,
        }
    }

    /// The times of the stages `as_of` can hide: where the fact's figures may change as the
    /// cut passes them.
    pub fn stage_times(&self) -> impl Iterator<Item = Millis> {
        let stages: [Option<Millis>; 6] = match *self {
            Fact::Call(c) => [c.answered, c.ended, None, None, None, None],
            Fact::Incident(i) => [
                i.dispatched,
                i.signed_for,
                i.departed,
                i.arrived,
                i.fed_back,
                i.closed,
            ],
            Fact::Order(o) => [o.accepted, o.handled, o.fed_back, o.returned, None, None],
            Fact::Callback(_) | Fact::Phone(_) => [None; 6],
        };
        stages.into_iter().flatten()
    }

    /// Whether a later stage may still come: an incident not yet closed, a work order
    /// neither returned nor fed back (or handled, where the source records no feedback).
    /// A stage its source never records is not awaited. Calls, callbacks and phone
    /// intervals are whole once stored.
    pub fn may_change(&self) -> bool {
        let awaited = |t: Option<Millis>, u: Unrecorded, s: Stage| t.is_none() && !u.has(s);
        match self {
            Fact::Incident(i) => awaited(i.closed, i.unrecorded, Stage::Closed),
            Fact::Order(o) => {
                o.returned.is_none()
                    && (awaited(o.fed_back, o.unrecorded, Stage::FedBack)
                        || awaited(o.handled, o.unrecorded, Stage::Handled))
            }
            Fact::Call(_) | Fact::Callback(_) | Fact::Phone(_) => false,
        }
    }

    /// The cuts the fact counts in: 0 is the whole centre, 1 + z is zone z.
    pub fn cuts(&self) -> impl Iterator<Item = usize> {
        std::iter::once(0).chain(self.zone().map(|z| 1 + z as usize))
    }

    pub fn zone(&self) -> Option<ZoneIx> {
        match self {
            Fact::Call(c) => c.zone,
            Fact::Incident(i) => i.zone,
            Fact::Order(o) => o.zone,
            Fact::Callback(b) => b.zone,
            Fact::Phone(_) => None,
        }
    }
}

/// Turns zone codes into indexes and knows each zone's circle.
#[derive(Debug, Clone, Default)]
pub struct Zones {
    pub codes: Vec<String>,
    pub circles_min: Vec<u32>,
}

impl Zones {
    pub fn new(zones: impl IntoIterator<Item = (String, u32)>) -> Zones {
        let (codes, circles_min) = zones.into_iter().unzip();
        Zones { codes, circles_min }
    }

    pub fn index(&self, code: Option<&str>) -> Option<ZoneIx> {
        let code = code?;
        self.codes
            .iter()
            .position(|c| c == code)
            .map(|i| i as ZoneIx)
    }

    pub fn circle_ms(&self, zone: Option<ZoneIx>) -> Option<Millis> {
        zone.map(|z| Millis::from(self.circles_min[z as usize]) * 60_000)
    }

    pub fn call(&self, c: &Call) -> Fact {
        Fact::Call(CallFact {
            received: c.received,
            answered: c.answered,
            ended: c.ended,
            ring_recorded: c.ring_recorded,
            outcome: c.outcome,
            duplicate: c.duplicate,
            zone: self.index(c.zone.as_deref()),
        })
    }

    pub fn incident(&self, i: &Incident) -> Fact {
        let zone = self.index(i.zone.as_deref());
        Fact::Incident(IncidentFact {
            created: i.created,
            call_received: i.call_received,
            call_answered: i.call_answered,
            dispatched: i.dispatched,
            signed_for: i.signed_for,
            departed: i.departed,
            arrived: i.arrived,
            fed_back: i.fed_back,
            closed: i.closed,
            circle_ms: self.circle_ms(zone),
            case_filed: i.case_filed,
            case_cleared: i.case_cleared,
            zone,
            unrecorded: i.unrecorded,
        })
    }

    pub fn order(&self, w: &WorkOrder) -> Fact {
        Fact::Order(OrderFact {
            sent: w.sent,
            direction: w.direction,
            accepted: w.accepted,
            accept_by: w.accept_by,
            handled: w.handled,
            fed_back: w.fed_back,
            due: w.due,
            returned: w.returned,
            zone: self.index(w.zone.as_deref()),
            unrecorded: w.unrecorded,
        })
    }

    pub fn callback(&self, b: &Callback) -> Fact {
        Fact::Callback(CallbackFact {
            called: b.called,
            reached: b.reached,
            satisfaction: b.satisfaction,
            zone: self.index(b.zone.as_deref()),
        })
    }
}

//! The records tests write, built in one place. Each builder gives a plain, complete record
//! with sensible defaults; a test changes what matters to it with struct-update syntax:
//!
//! ```ignore
//! let late = Call { seat: Some("S01".into()), ended: None, ..records::call("c1", t) };
//! ```

use commandwall::core::model::{
    Batch, Call, Callback, Channel, Direction, Incident, Millis, Outcome, Satisfaction, Unrecorded,
    WorkOrder,
};

/// The source every built record carries.
pub const SOURCE: &str = "test";

/// A 110 phone call received at `received`, answered 4 s later and ended a minute after it
/// came in: a police matter in zone Z01. Nothing else is known (no seat, caller, place).
pub fn call(source_id: &str, received: Millis) -> Call {
    Call {
        source: SOURCE.into(),
        source_id: source_id.into(),
        channel: Channel::Phone,
        received,
        answered: Some(received + 4_000),
        ended: Some(received + 60_000),
        ring_recorded: true,
        seat: None,
        caller_key: None,
        caller_masked: None,
        zone: Some("Z01".into()),
        address: None,
        lat: None,
        lon: None,
        category: None,
        outcome: Some(Outcome::Police),
        invalid_reason: None,
        incident_id: None,
        duplicate: false,
    }
}

/// An incident in zone Z01 created at `created` from a call received 30 s and answered
/// 26 s before; dispatched a minute later, signed for 30 s after that, arrived 8 min after
/// dispatch; still open (no feedback, not closed).
pub fn incident(source_id: &str, created: Millis) -> Incident {
    let dispatched = created + 60_000;
    Incident {
        source: SOURCE.into(),
        source_id: source_id.into(),
        category: None,
        priority: None,
        zone: Some("Z01".into()),
        unit: None,
        call_received: Some(created - 30_000),
        call_answered: Some(created - 26_000),
        created,
        dispatched: Some(dispatched),
        signed_for: Some(dispatched + 30_000),
        departed: None,
        arrived: Some(dispatched + 8 * 60_000),
        fed_back: None,
        closed: None,
        merged_into: None,
        disposition: None,
        case_filed: false,
        case_cleared: false,
        unrecorded: Unrecorded::NONE,
        units: None,
    }
}

/// A 12345 work order for the police in zone Z01, sent at `sent`, accepted a minute later
/// within its one-hour limit; not yet handled.
pub fn work_order(source_id: &str, sent: Millis) -> WorkOrder {
    WorkOrder {
        source: SOURCE.into(),
        source_id: source_id.into(),
        direction: Direction::ToPolice,
        call_id: None,
        category: None,
        zone: Some("Z01".into()),
        department: None,
        sent,
        accepted: Some(sent + 60_000),
        assigned: None,
        handled: None,
        fed_back: None,
        accept_by: Some(sent + 3_600_000),
        due: None,
        status: None,
        returned: None,
        return_reason: None,
        unrecorded: Unrecorded::NONE,
    }
}

/// A callback in zone Z01 at `called` that reached a satisfied caller.
pub fn callback(source_id: &str, called: Millis) -> Callback {
    Callback {
        source: SOURCE.into(),
        source_id: source_id.into(),
        incident_id: None,
        work_order_id: None,
        zone: Some("Z01".into()),
        called,
        reached: true,
        satisfaction: Some(Satisfaction::Satisfied),
    }
}

/// A write of calls only.
pub fn calls(calls: Vec<Call>) -> Batch {
    Batch {
        calls,
        ..Default::default()
    }
}

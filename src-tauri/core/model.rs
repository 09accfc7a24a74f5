//! The records a 110 centre keeps, as the rest of the program sees them.
//!
//! Times are UTC milliseconds since the Unix epoch (`Millis`): one integer type that SQLite
//! and PostgreSQL both store as BIGINT, compares cheaply and never carries a time zone.
//! The centre's local calendar is applied only when a window is chosen (see `time`).

use std::fmt;
use std::str::FromStr;

/// UTC milliseconds since the Unix epoch.
pub type Millis = i64;

/// Declares a closed vocabulary with its stable storage code, Chinese and English labels.
/// Codes are what the database and mapping files hold; they never change once shipped.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            pub fn label_en(self) -> &'static str { match self { $($name::$variant => $en),+ } }
        }

        impl FromStr for $name {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, UnknownCode> {
                match s { $($code => Ok($name::$variant),)+ _ => Err(UnknownCode { vocabulary: stringify!($name), code: s.to_string() }) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }
    };
}

/// A code that is not part of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} code '{code}'")]
pub struct UnknownCode {
    pub vocabulary: &'static str,
    pub code: String,
}

vocabulary! {
    /// How the report reached the centre.
    Channel {
        Phone => "phone", "110电话", "110 phone";
        Sms => "sms", "短信", "SMS";
        Video => "video", "视频", "video";
        WeChat => "wechat", "微信警务平台", "WeChat platform";
        Transfer12345 => "transfer_12345", "12345转入", "transfer from 12345";
        Officer => "officer", "巡逻发现", "officer-initiated";
        Other => "other", "其他", "other";
    }
}

vocabulary! {
    /// What the call turned out to be once answered.
    Outcome {
        Police => "police", "警务警情", "police matter";
        NonPolice => "non_police", "非警务(未转)", "non-police, kept";
        Diverted => "diverted", "分流12345", "diverted to 12345";
        Invalid => "invalid", "无效警情", "invalid";
    }
}

vocabulary! {
    /// Why a call was invalid.
    InvalidReason {
        HangUp => "hang_up", "挂断", "hang-up";
        Misdial => "misdial", "误拨", "misdial";
        Hoax => "hoax", "谎报", "hoax";
        Harassment => "harassment", "骚扰", "harassment";
        Repeat => "repeat", "重复报警", "repeat of a handled call";
        Enquiry => "enquiry", "咨询", "pure enquiry";
        Test => "test", "测试", "test call";
    }
}

vocabulary! {
    /// Which way a 12345 work order runs.
    Direction {
        Diverted => "diverted", "110转12345", "diverted from 110";
        ToPolice => "to_police", "12345转公安", "sent to the police";
        Hotline => "hotline", "12345工单", "12345 order";
    }
}

vocabulary! {
    /// A callback's answer to "were you satisfied?".
    Satisfaction {
        Satisfied => "satisfied", "满意", "satisfied";
        Basic => "basic", "基本满意", "basically satisfied";
        Dissatisfied => "dissatisfied", "不满意", "dissatisfied";
    }
}

/// One call (or SMS, video, WeChat report) to the centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub source: String,
    pub source_id: String,
    pub channel: Channel,
    pub received: Millis,
    pub answered: Option<Millis>,
    pub ended: Option<Millis>,
    /// False where the source records no ring time, so `answered - received` means nothing.
    pub ring_recorded: bool,
    pub seat: Option<String>,
    /// Keyed hash of the caller's number, for matching repeat callers.
    pub caller_key: Option<String>,
    /// The only form of the number that is ever shown: `138****1234`.
    pub caller_masked: Option<String>,
    pub zone: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub category: Option<String>,
    pub outcome: Option<Outcome>,
    pub invalid_reason: Option<InvalidReason>,
    /// Source id of the incident the call belongs to.
    pub incident_id: Option<String>,
    /// A further report of an incident that was already open (many callers, one event).
    pub duplicate: bool,
}

/// A stage a record may carry a time for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Dispatched,
    SignedFor,
    Departed,
    Arrived,
    FedBack,
    Closed,
    Accepted,
    AcceptBy,
    Handled,
    Due,
}

impl Stage {
    pub const INCIDENT: [Stage; 6] = [
        Stage::Dispatched,
        Stage::SignedFor,
        Stage::Departed,
        Stage::Arrived,
        Stage::FedBack,
        Stage::Closed,
    ];
    pub const WORK_ORDER: [Stage; 5] = [
        Stage::Accepted,
        Stage::AcceptBy,
        Stage::Handled,
        Stage::FedBack,
        Stage::Due,
    ];

    /// The record's field (and mapping key) that holds this stage's time.
    pub fn field(self) -> &'static str {
        match self {
            Stage::Dispatched => "dispatched",
            Stage::SignedFor => "signed_for",
            Stage::Departed => "departed",
            Stage::Arrived => "arrived",
            Stage::FedBack => "fed_back",
            Stage::Closed => "closed",
            Stage::Accepted => "accepted",
            Stage::AcceptBy => "accept_by",
            Stage::Handled => "handled",
            Stage::Due => "due",
        }
    }
}

/// The stages a record's source does not record at all (its export has no such column).
/// A figure that needs one of them is not recorded ("—") for the record, never 0: an
/// empty time means "not yet" only where the source could have written it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Unrecorded(u16);

impl Unrecorded {
    pub const NONE: Unrecorded = Unrecorded(0);

    pub fn with(self, s: Stage) -> Unrecorded {
        Unrecorded(self.0 | 1 << s as u16)
    }

    pub fn has(self, s: Stage) -> bool {
        self.0 & (1 << s as u16) != 0
    }

    /// Whether any of `stages` is not recorded.
    pub fn any(self, stages: &[Stage]) -> bool {
        stages.iter().any(|s| self.has(*s))
    }

    /// The stored form.
    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn from_bits(bits: i64) -> Unrecorded {
        Unrecorded(bits as u16)
    }
}

impl FromIterator<Stage> for Unrecorded {
    fn from_iter<I: IntoIterator<Item = Stage>>(it: I) -> Unrecorded {
        it.into_iter().fold(Unrecorded::NONE, Unrecorded::with)
    }
}

/// One police incident and every stage of its handling.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub source: String,
    pub source_id: String,
    pub category: Option<String>,
    pub priority: Option<i32>,
    pub zone: Option<String>,
    pub unit: Option<String>,
    /// When the call that opened the incident was received and answered.
    pub call_received: Option<Millis>,
    pub call_answered: Option<Millis>,
    pub created: Millis,
    pub dispatched: Option<Millis>,
    pub signed_for: Option<Millis>,
    pub departed: Option<Millis>,
    pub arrived: Option<Millis>,
    pub fed_back: Option<Millis>,
    pub closed: Option<Millis>,
    /// Source id of the incident this one was merged into.
    pub merged_into: Option<String>,
    pub disposition: Option<String>,
    pub case_filed: bool,
    pub case_cleared: bool,
    pub unrecorded: Unrecorded,
    /// How many units were sent, where the source lists them one row each (a per-unit CAD
    /// export); `None` where it writes one row per incident. The stage times are then the
    /// earliest over the units (`take_units`).
    pub units: Option<u32>,
}

/// One unit sent to an incident, with its own stage times: a row of a per-unit CAD export
/// (派警单). A unit's turnout and travel are figures in their own right; the incident
/// carries the earliest of each stage over its units.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentUnit {
    pub source: String,
    pub incident_id: String,
    pub unit: String,
    pub dispatched: Option<Millis>,
    pub signed_for: Option<Millis>,
    pub departed: Option<Millis>,
    pub arrived: Option<Millis>,
    pub cleared: Option<Millis>,
}

/// A 12345 work order and its closed loop.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrder {
    pub source: String,
    pub source_id: String,
    pub direction: Direction,
    /// Source id of the 110 call it came from, for diverted orders.
    pub call_id: Option<String>,
    pub category: Option<String>,
    pub zone: Option<String>,
    pub department: Option<String>,
    pub sent: Millis,
    pub accepted: Option<Millis>,
    pub assigned: Option<Millis>,
    pub handled: Option<Millis>,
    pub fed_back: Option<Millis>,
    /// Time limit for accepting the order.
    pub accept_by: Option<Millis>,
    /// Time limit for handling it.
    pub due: Option<Millis>,
    pub status: Option<String>,
    pub returned: Option<Millis>,
    pub return_reason: Option<String>,
    pub unrecorded: Unrecorded,
}

/// A call back to a caller after the matter was closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    pub source: String,
    pub source_id: String,
    pub incident_id: Option<String>,
    pub work_order_id: Option<String>,
    /// The zone of the incident or order it follows up.
    pub zone: Option<String>,
    pub called: Millis,
    /// Whether the caller was reached and answered the question.
    pub reached: bool,
    pub satisfaction: Option<Satisfaction>,
}

/// A phone system's (ACD's) counts for one line over one interval: the calls offered,
/// abandoned, and answered by how long they rang. Such systems export only these
/// aggregates, never the calls; they are what answer-time figures rest on where the CAD
/// records no ring time.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneInterval {
    pub source: String,
    /// The line and the interval's start, which together name it (`911@1761451200000`).
    pub source_id: String,
    pub line: String,
    pub start: Millis,
    pub minutes: u32,
    pub offered: i64,
    pub abandoned: i64,
    /// Calls answered in each band of the answer interval (`PHONE_ANSWER_EDGES_S`): within
    /// 10 s, 10–15 s, 15–20 s, after 20 s.
    pub answered: [i64; 4],
}

/// The upper edges of the answer bands a phone interval is kept in, in seconds: those of
/// the answer-time figures (answered within 10, 15 and 20 s). The last band is open.
pub const PHONE_ANSWER_EDGES_S: [u32; 3] = [10, 15, 20];

impl PhoneInterval {
    pub fn source_id(line: &str, start: Millis) -> String {
        format!("{line}@{start}")
    }

    pub fn answered_total(&self) -> i64 {
        self.answered.iter().sum()
    }
}

/// The stage timestamps of an incident in the order they must happen.
pub const INCIDENT_STAGES: [&str; 7] = [
    "created",
    "dispatched",
    "signed_for",
    "departed",
    "arrived",
    "fed_back",
    "closed",
];

impl Incident {
    /// The incident as its units make it: the earliest dispatch, sign-for, departure and
    /// arrival over them, the unit dispatched first, and how many were sent. With no unit
    /// sent yet it keeps the times its own row gave.
    pub fn take_units<'a>(&mut self, units: impl IntoIterator<Item = &'a IncidentUnit>) {
        let units: Vec<&IncidentUnit> = units.into_iter().collect();
        self.units = Some(units.len() as u32);
        if units.is_empty() {
            return;
        }
        let earliest = |stage: fn(&IncidentUnit) -> Option<Millis>| {
            units.iter().filter_map(|u| stage(u)).min()
        };
        self.dispatched = earliest(|u| u.dispatched);
        self.signed_for = earliest(|u| u.signed_for);
        self.departed = earliest(|u| u.departed);
        self.arrived = earliest(|u| u.arrived);
        // A unit not yet dispatched comes after every one that was; equal times by name,
        // so the same units name the same first unit whatever order they came in.
        let first = units
            .iter()
            .min_by_key(|u| (u.dispatched.is_none(), u.dispatched, &u.unit))
            .expect("not empty");
        self.unit = Some(first.unit.clone());
    }

    /// The stage timestamps in the order of `INCIDENT_STAGES`.
    pub fn stages(&self) -> [Option<Millis>; 7] {
        [
            Some(self.created),
            self.dispatched,
            self.signed_for,
            self.departed,
            self.arrived,
            self.fed_back,
            self.closed,
        ]
    }

    /// The incident as a CAD would have recorded it at `now`: later stages not yet written.
    pub fn as_of(&self, now: Millis) -> Incident {
        let seen = |t: Option<Millis>| t.filter(|&t| t <= now);
        Incident {
            dispatched: seen(self.dispatched),
            signed_for: seen(self.signed_for),
            departed: seen(self.departed),
            arrived: seen(self.arrived),
            fed_back: seen(self.fed_back),
            closed: seen(self.closed),
            case_cleared: self.case_cleared && self.closed.is_some_and(|c| c <= now),
            ..self.clone()
        }
    }
}

impl Call {
    /// The call as recorded at `now`: not yet answered or ended if those lie ahead.
    pub fn as_of(&self, now: Millis) -> Call {
        let answered = self.answered.filter(|&t| t <= now);
        let ended = self.ended.filter(|&t| t <= now);
        // Classification happens while the call is taken, so it is known once answered.
        let known = answered.is_some();
        Call {
            answered,
            ended,
            outcome: self.outcome.filter(|_| known),
            invalid_reason: self.invalid_reason.filter(|_| known),
            category: self.category.clone().filter(|_| known),
            incident_id: self.incident_id.clone().filter(|_| known),
            ..self.clone()
        }
    }
}

impl WorkOrder {
    /// The order as recorded at `now`.
    pub fn as_of(&self, now: Millis) -> WorkOrder {
        let seen = |t: Option<Millis>| t.filter(|&t| t <= now);
        let mut order = WorkOrder {
            accepted: seen(self.accepted),
            assigned: seen(self.assigned),
            handled: seen(self.handled),
            fed_back: seen(self.fed_back),
            returned: seen(self.returned),
            ..self.clone()
        };
        if order.returned.is_none() {
            order.return_reason = None;
        }
        order.status = Some(order.derived_status().to_string());
        order
    }

    /// The status a closed-loop order has given the stages recorded so far.
    pub fn derived_status(&self) -> &'static str {
        if self.returned.is_some() {
            "returned"
        } else if self.fed_back.is_some() {
            "fed_back"
        } else if self.handled.is_some() {
            "handled"
        } else if self.assigned.is_some() {
            "assigned"
        } else if self.accepted.is_some() {
            "accepted"
        } else {
            "sent"
        }
    }
}

/// The latest moment anything in a record happens; live writers replay records up to it.
pub fn last_stage(times: impl IntoIterator<Item = Option<Millis>>) -> Option<Millis> {
    times.into_iter().flatten().max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_named() {
        for c in Channel::ALL {
            assert_eq!(c.code().parse::<Channel>().unwrap(), *c);
        }
        let err = "pager".parse::<Channel>().unwrap_err();
        assert_eq!(err.to_string(), "unknown Channel code 'pager'");
    }

    #[test]
    fn as_of_hides_stages_that_lie_ahead() {
        let inc = Incident {
            source: "t".into(),
            source_id: "1".into(),
            category: None,
            priority: Some(1),
            zone: None,
            unit: None,
            call_received: Some(900),
            call_answered: Some(950),
            created: 1_000,
            dispatched: Some(2_000),
            signed_for: Some(3_000),
            departed: None,
            arrived: Some(9_000),
            fed_back: None,
            closed: Some(10_000),
            merged_into: None,
            disposition: None,
            case_filed: true,
            case_cleared: true,
            unrecorded: Unrecorded::NONE,
            units: None,
        };
        let early = inc.as_of(2_500);
        assert_eq!(early.dispatched, Some(2_000));
        assert_eq!(early.signed_for, None);
        assert_eq!(early.arrived, None);
        assert!(!early.case_cleared);
        assert_eq!(inc.as_of(20_000), inc);
    }
}

/// How bad a data problem is for the record it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The row was not stored.
    Rejected,
    /// The row was stored; one field was left empty or kept as it came.
    Warning,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Rejected => "rejected",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found in incoming data, with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct DataIssue {
    pub source: String,
    pub file: Option<String>,
    /// 1-based line in the file, counting the header as line 1.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub record_id: Option<String>,
    pub severity: Severity,
    pub reason: String,
    pub raw_value: Option<String>,
}

/// Problems of one kind logged by imports over a period: the data-quality table of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemKind {
    pub source: String,
    pub severity: Severity,
    pub column: Option<String>,
    /// The reason without what is particular to a row (`problem_kind`).
    pub kind: String,
    /// Rows with this problem.
    pub rows: u64,
    /// One reason in full, as an example.
    pub example: String,
}

/// The kind of a problem: its reason up to the first colon, where the particulars of one
/// row begin ("stages out of order: arrived is 8.2 s before signed_for").
pub fn problem_kind(reason: &str) -> &str {
    reason.split(':').next().unwrap_or(reason)
}

impl DataIssue {
    pub fn kind(&self) -> &str {
        problem_kind(&self.reason)
    }
}

impl fmt::Display for DataIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(col) = &self.column {
            write!(f, "column {col}: ")?;
        }
        write!(f, "{}", self.reason)?;
        if let Some(raw) = &self.raw_value {
            write!(f, " (value '{raw}')")?;
        }
        if self.severity == Severity::Rejected {
            f.write_str(" — row not stored")?;
        }
        Ok(())
    }
}

/// Everything one write carries; written in one transaction under one change number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub calls: Vec<Call>,
    pub incidents: Vec<Incident>,
    pub work_orders: Vec<WorkOrder>,
    pub callbacks: Vec<Callback>,
    pub phone_intervals: Vec<PhoneInterval>,
    /// The units of incidents in `incidents` (those whose `units` is `Some`).
    pub units: Vec<IncidentUnit>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.calls.len()
            + self.incidents.len()
            + self.work_orders.len()
            + self.callbacks.len()
            + self.phone_intervals.len()
            + self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn append(&mut self, other: &mut Batch) {
        self.calls.append(&mut other.calls);
        self.incidents.append(&mut other.incidents);
        self.work_orders.append(&mut other.work_orders);
        self.callbacks.append(&mut other.callbacks);
        self.phone_intervals.append(&mut other.phone_intervals);
        self.units.append(&mut other.units);
    }
}

/// One open work order past its time limit. Part of the wire format.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OverdueOrder {
    pub source_id: String,
    pub direction: String,
    pub category: Option<String>,
    pub zone: Option<String>,
    pub department: Option<String>,
    pub sent: Millis,
    pub due: Millis,
    pub status: Option<String>,
}

//! The names of the figures: every figure a report holds and every interval it measures,
//! each with its unit, which way is good, and its Chinese and English label. Pages, the
//! command line, alerts and the report name figures through these types, so a misspelt
//! figure is a compile error, and in a config file a message listing the valid names.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::facts::Table;

/// What a figure counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    /// A fraction in [0, 1].
    Share,
    Seconds,
}

/// Which way a figure should move. Volumes have none: more calls is neither good nor bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// An interval between two stage times of one record. Percentiles and averages are in
/// whole seconds; limits and bands are judged on the exact interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Interval {
    /// answered − received (接听时长)
    Answer,
    /// dispatched − answered (接警处理时长)
    Processing,
    /// signed-for − dispatched (签收用时)
    SignFor,
    /// arrived − dispatched (到场用时)
    Arrival,
    /// arrived − received
    ArrivalTotal,
    /// fed back − arrived (反馈用时)
    Feedback,
    /// departed − dispatched (出车用时)
    Turnout,
    /// arrived − departed (途中用时); fire and EMS centres publish its p90 as their headline.
    Travel,
    /// handled − sent, of a work order (工单办结用时)
    OrderHandling,
    /// fed back − sent, of a work order (工单反馈用时)
    OrderFeedback,
}

const DAY_S: u32 = 86_400;

impl Interval {
    pub const COUNT: usize = 10;
    pub const ALL: [Interval; Interval::COUNT] = [
        Interval::Answer,
        Interval::Processing,
        Interval::SignFor,
        Interval::Arrival,
        Interval::ArrivalTotal,
        Interval::Feedback,
        Interval::Turnout,
        Interval::Travel,
        Interval::OrderHandling,
        Interval::OrderFeedback,
    ];

    /// The most bands an interval has.
    pub const MAX_BANDS: usize = 5;

    pub fn key(self) -> &'static str {
        match self {
            Interval::Answer => "answer",
            Interval::Processing => "processing",
            Interval::SignFor => "sign_for",
            Interval::Arrival => "arrival",
            Interval::ArrivalTotal => "arrival_total",
            Interval::Feedback => "feedback",
            Interval::Turnout => "turnout",
            Interval::Travel => "travel",
            Interval::OrderHandling => "order_handling",
            Interval::OrderFeedback => "order_feedback",
        }
    }

    /// The table whose records carry the interval's two stages.
    pub fn table(self) -> Table {
        match self {
            Interval::Answer => Table::Calls,
            Interval::OrderHandling | Interval::OrderFeedback => Table::WorkOrders,
            _ => Table::Incidents,
        }
    }

    /// (zh, en) labels of the interval, as in 平均签收 / Avg sign-for.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Interval::Answer => ("接听", "answer"),
            Interval::Processing => ("接警处理", "processing"),
            Interval::SignFor => ("签收", "sign-for"),
            Interval::Arrival => ("到场", "arrival"),
            Interval::ArrivalTotal => ("接报到场", "call-to-arrival"),
            Interval::Feedback => ("反馈", "feedback"),
            Interval::Turnout => ("出车", "turnout"),
            Interval::Travel => ("途中", "travel"),
            Interval::OrderHandling => ("工单办结", "order handling"),
            Interval::OrderFeedback => ("工单反馈", "order feedback"),
        }
    }

    /// The bands Chinese centres publish, in seconds: the first is `[0, hi]`, the others
    /// `(lo, hi]` on the exact interval, so that "within 30 s" and the 0–30 s band count
    /// the same records (30.4 s is in neither).
    pub fn bands(self) -> &'static [(u32, Option<u32>)] {
        match self {
            Interval::SignFor => &[(0, Some(30)), (30, Some(60)), (60, Some(180)), (180, None)],
            Interval::Arrival | Interval::ArrivalTotal => &[
                (0, Some(300)),
                (300, Some(600)),
                (600, Some(1200)),
                (1200, Some(1800)),
                (1800, None),
            ],
            Interval::Feedback => &[
                (0, Some(1800)),
                (1800, Some(3600)),
                (3600, Some(14_400)),
                (14_400, None),
            ],
            Interval::Answer => &[(0, Some(10)), (10, Some(15)), (15, Some(20)), (20, None)],
            Interval::Processing => &[(0, Some(60)), (60, None)],
            Interval::Turnout => &[
                (0, Some(60)),
                (60, Some(120)),
                (120, Some(300)),
                (300, None),
            ],
            Interval::Travel => &[
                (0, Some(300)),
                (300, Some(600)),
                (600, Some(1200)),
                (1200, None),
            ],
            Interval::OrderHandling | Interval::OrderFeedback => &[
                (0, Some(DAY_S)),
                (DAY_S, Some(3 * DAY_S)),
                (3 * DAY_S, Some(7 * DAY_S)),
                (7 * DAY_S, None),
            ],
        }
    }

    /// Which band an exact interval of `ms` milliseconds falls in.
    pub fn band_of(self, ms: i64) -> usize {
        self.bands()
            .iter()
            .position(|(_, hi)| hi.is_none_or(|hi| ms <= i64::from(hi) * 1000))
            .expect("the last band is open")
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Interval {
    type Err = String;
    fn from_str(s: &str) -> Result<Interval, String> {
        Interval::ALL
            .into_iter()
            .find(|i| i.key() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = Interval::ALL.iter().map(|i| i.key()).collect();
                format!(
                    "'{s}' is not an interval; the intervals are: {}",
                    valid.join(", ")
                )
            })
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// Every number a report holds: the counts and rates, then n-free statistics of each
/// interval. The wire and config name of each is its `key()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Figure {
    Calls,
    Abandoned,
    Answered,
    ValidIncidents,
    Incidents,
    Dispatches,
    NonPoliceShare,
    DiversionRate,
    InvalidShare,
    AnsweredWithin10s,
    AnsweredWithin15s,
    AnsweredWithin20s,
    ProcessingWithin60s,
    SignedForWithin30s,
    CircleRate,
    NonPolice,
    Diverted,
    DivertedOrders,
    DivertedAccepted,
    DivertedHandled,
    DivertedFedBack,
    WorkOrders,
    WorkOrderResponseRate,
    WorkOrderHandledRate,
    WorkOrderFeedbackRate,
    WorkOrdersOverdue,
    Satisfaction,
    Callbacks,
    CasesFiled,
    ClearanceRate,
    /// The mean of an interval.
    Avg(Interval),
    /// The nearest-rank median of an interval.
    P50(Interval),
    /// The nearest-rank 90th percentile of an interval.
    P90(Interval),
}

/// Everything that is not an interval statistic, in report order.
pub const COUNTS_AND_RATES: [Figure; 30] = [
    Figure::Calls,
    Figure::Abandoned,
    Figure::Answered,
    Figure::ValidIncidents,
    Figure::Incidents,
    Figure::Dispatches,
    Figure::NonPoliceShare,
    Figure::DiversionRate,
    Figure::InvalidShare,
    Figure::AnsweredWithin10s,
    Figure::AnsweredWithin15s,
    Figure::AnsweredWithin20s,
    Figure::ProcessingWithin60s,
    Figure::SignedForWithin30s,
    Figure::CircleRate,
    Figure::NonPolice,
    Figure::Diverted,
    Figure::DivertedOrders,
    Figure::DivertedAccepted,
    Figure::DivertedHandled,
    Figure::DivertedFedBack,
    Figure::WorkOrders,
    Figure::WorkOrderResponseRate,
    Figure::WorkOrderHandledRate,
    Figure::WorkOrderFeedbackRate,
    Figure::WorkOrdersOverdue,
    Figure::Satisfaction,
    Figure::Callbacks,
    Figure::CasesFiled,
    Figure::ClearanceRate,
];

impl Figure {
    /// Every figure, in the order a report lists them: counts and rates, then avg, p50 and
    /// p90 of each interval.
    pub fn all() -> impl Iterator<Item = Figure> {
        COUNTS_AND_RATES.into_iter().chain(
            Interval::ALL
                .into_iter()
                .flat_map(|i| [Figure::Avg(i), Figure::P50(i), Figure::P90(i)]),
        )
    }

    /// The table whose records the figure is made of: a cut that cannot be made of that
    /// table leaves the figure not recorded.
    pub fn table(self) -> Table {
        use Figure as F;
        match self {
            F::Calls
            | F::Abandoned
            | F::Answered
            | F::ValidIncidents
            | F::NonPoliceShare
            | F::DiversionRate
            | F::InvalidShare
            | F::AnsweredWithin10s
            | F::AnsweredWithin15s
            | F::AnsweredWithin20s
            | F::NonPolice
            | F::Diverted => Table::Calls,
            F::Incidents
            | F::Dispatches
            | F::ProcessingWithin60s
            | F::SignedForWithin30s
            | F::CircleRate
            | F::CasesFiled
            | F::ClearanceRate => Table::Incidents,
            F::DivertedOrders
            | F::DivertedAccepted
            | F::DivertedHandled
            | F::DivertedFedBack
            | F::WorkOrders
            | F::WorkOrderResponseRate
            | F::WorkOrderHandledRate
            | F::WorkOrderFeedbackRate
            | F::WorkOrdersOverdue => Table::WorkOrders,
            F::Satisfaction | F::Callbacks => Table::Callbacks,
            F::Avg(i) | F::P50(i) | F::P90(i) => i.table(),
        }
    }

    /// The statistic's interval, for `Avg`, `P50` and `P90`.
    pub fn interval(self) -> Option<Interval> {
        match self {
            Figure::Avg(i) | Figure::P50(i) | Figure::P90(i) => Some(i),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        use Interval as I;
        match self {
            Figure::Calls => "calls",
            Figure::Abandoned => "abandoned",
            Figure::Answered => "answered",
            Figure::ValidIncidents => "valid_incidents",
            Figure::Incidents => "incidents",
            Figure::Dispatches => "dispatches",
            Figure::NonPoliceShare => "non_police_share",
            Figure::DiversionRate => "diversion_rate",
            Figure::InvalidShare => "invalid_share",
            Figure::AnsweredWithin10s => "answered_within_10s",
            Figure::AnsweredWithin15s => "answered_within_15s",
            Figure::AnsweredWithin20s => "answered_within_20s",
            Figure::ProcessingWithin60s => "processing_within_60s",
            Figure::SignedForWithin30s => "signed_for_within_30s",
            Figure::CircleRate => "circle_rate",
            Figure::NonPolice => "non_police",
            Figure::Diverted => "diverted",
            Figure::DivertedOrders => "diverted_orders",
            Figure::DivertedAccepted => "diverted_accepted",
            Figure::DivertedHandled => "diverted_handled",
            Figure::DivertedFedBack => "diverted_fed_back",
            Figure::WorkOrders => "work_orders",
            Figure::WorkOrderResponseRate => "work_order_response_rate",
            Figure::WorkOrderHandledRate => "work_order_handled_rate",
            Figure::WorkOrderFeedbackRate => "work_order_feedback_rate",
            Figure::WorkOrdersOverdue => "work_orders_overdue",
            Figure::Satisfaction => "satisfaction",
            Figure::Callbacks => "callbacks",
            Figure::CasesFiled => "cases_filed",
            Figure::ClearanceRate => "clearance_rate",
            // Spelt out so a key costs no allocation when reports are compared each tick.
            Figure::Avg(I::Answer) => "answer_avg_s",
            Figure::P50(I::Answer) => "answer_p50_s",
            Figure::P90(I::Answer) => "answer_p90_s",
            Figure::Avg(I::Processing) => "processing_avg_s",
            Figure::P50(I::Processing) => "processing_p50_s",
            Figure::P90(I::Processing) => "processing_p90_s",
            Figure::Avg(I::SignFor) => "sign_for_avg_s",
            Figure::P50(I::SignFor) => "sign_for_p50_s",
            Figure::P90(I::SignFor) => "sign_for_p90_s",
            Figure::Avg(I::Arrival) => "arrival_avg_s",
            Figure::P50(I::Arrival) => "arrival_p50_s",
            Figure::P90(I::Arrival) => "arrival_p90_s",
            Figure::Avg(I::ArrivalTotal) => "arrival_total_avg_s",
            Figure::P50(I::ArrivalTotal) => "arrival_total_p50_s",
            Figure::P90(I::ArrivalTotal) => "arrival_total_p90_s",
            Figure::Avg(I::Feedback) => "feedback_avg_s",
            Figure::P50(I::Feedback) => "feedback_p50_s",
            Figure::P90(I::Feedback) => "feedback_p90_s",
            Figure::Avg(I::Turnout) => "turnout_avg_s",
            Figure::P50(I::Turnout) => "turnout_p50_s",
            Figure::P90(I::Turnout) => "turnout_p90_s",
            Figure::Avg(I::Travel) => "travel_avg_s",
            Figure::P50(I::Travel) => "travel_p50_s",
            Figure::P90(I::Travel) => "travel_p90_s",
            Figure::Avg(I::OrderHandling) => "order_handling_avg_s",
            Figure::P50(I::OrderHandling) => "order_handling_p50_s",
            Figure::P90(I::OrderHandling) => "order_handling_p90_s",
            Figure::Avg(I::OrderFeedback) => "order_feedback_avg_s",
            Figure::P50(I::OrderFeedback) => "order_feedback_p50_s",
            Figure::P90(I::OrderFeedback) => "order_feedback_p90_s",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Figure::NonPoliceShare
            | Figure::DiversionRate
            | Figure::InvalidShare
            | Figure::AnsweredWithin10s
            | Figure::AnsweredWithin15s
            | Figure::AnsweredWithin20s
            | Figure::ProcessingWithin60s
            | Figure::SignedForWithin30s
            | Figure::CircleRate
            | Figure::WorkOrderResponseRate
            | Figure::WorkOrderHandledRate
            | Figure::WorkOrderFeedbackRate
            | Figure::Satisfaction
            | Figure::ClearanceRate => Unit::Share,
            Figure::Avg(_) | Figure::P50(_) | Figure::P90(_) => Unit::Seconds,
            _ => Unit::Count,
        }
    }

    /// Which way is good; `None` for volumes and for shares that describe the mix of calls
    /// rather than the centre's work.
    pub fn better(self) -> Option<Better> {
        match self {
            Figure::DiversionRate
            | Figure::AnsweredWithin10s
            | Figure::AnsweredWithin15s
            | Figure::AnsweredWithin20s
            | Figure::ProcessingWithin60s
            | Figure::SignedForWithin30s
            | Figure::CircleRate
            | Figure::WorkOrderResponseRate
            | Figure::WorkOrderHandledRate
            | Figure::WorkOrderFeedbackRate
            | Figure::Satisfaction
            | Figure::ClearanceRate => Some(Better::Higher),
            Figure::Abandoned
            | Figure::WorkOrdersOverdue
            | Figure::Avg(_)
            | Figure::P50(_)
            | Figure::P90(_) => Some(Better::Lower),
            _ => None,
        }
    }

    /// The (zh, en) labels of a count or rate; statistics are built by `zh` and `en`.
    fn fixed_labels(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Figure::Calls => ("呼入量", "Calls"),
            Figure::Abandoned => ("呼损量", "Abandoned calls"),
            Figure::Answered => ("接听量", "Answered calls"),
            Figure::ValidIncidents => ("有效警情", "Valid incidents"),
            Figure::Incidents => ("警情总数", "Incidents"),
            Figure::Dispatches => ("派警量", "Dispatches"),
            Figure::NonPoliceShare => ("非警务警情占比", "Non-police share"),
            Figure::DiversionRate => ("分流率", "Diversion rate"),
            Figure::InvalidShare => ("无效警情占比", "Invalid share"),
            Figure::AnsweredWithin10s => ("10秒接听率", "Answered ≤ 10 s"),
            Figure::AnsweredWithin15s => ("15秒接听率", "Answered ≤ 15 s"),
            Figure::AnsweredWithin20s => ("20秒接听率", "Answered ≤ 20 s"),
            Figure::ProcessingWithin60s => ("60秒处理率", "Processed ≤ 60 s"),
            Figure::SignedForWithin30s => ("30秒签收率", "Signed ≤ 30 s"),
            Figure::CircleRate => ("反应圈达标", "Circle rate"),
            Figure::NonPolice => ("非警务警情", "Non-police"),
            Figure::Diverted => ("转12345", "To 12345"),
            Figure::DivertedOrders => ("转办工单", "Orders to 12345"),
            Figure::DivertedAccepted => ("12345受理", "Accepted"),
            Figure::DivertedHandled => ("已办结", "Handled"),
            Figure::DivertedFedBack => ("已反馈", "Fed back"),
            Figure::WorkOrders => ("工单量", "Work orders"),
            Figure::WorkOrderResponseRate => ("工单响应率", "Order response"),
            Figure::WorkOrderHandledRate => ("工单办结率", "Orders handled"),
            Figure::WorkOrderFeedbackRate => ("工单反馈率", "Orders fed back"),
            Figure::WorkOrdersOverdue => ("工单超时", "Orders overdue"),
            Figure::Satisfaction => ("满意度", "Satisfaction"),
            Figure::Callbacks => ("回访量", "Callbacks"),
            Figure::CasesFiled => ("立案数", "Cases filed"),
            Figure::ClearanceRate => ("破案率", "Clearance rate"),
            Figure::Avg(_) | Figure::P50(_) | Figure::P90(_) => return None,
        })
    }

    /// The Chinese label (平均签收, P90到场).
    pub fn zh(self) -> Cow<'static, str> {
        match (self.fixed_labels(), self) {
            (Some((zh, _)), _) => Cow::Borrowed(zh),
            (None, Figure::Avg(i)) => Cow::Owned(format!("平均{}", i.labels().0)),
            (None, Figure::P50(i)) => Cow::Owned(format!("P50{}", i.labels().0)),
            (None, Figure::P90(i)) => Cow::Owned(format!("P90{}", i.labels().0)),
            (None, _) => unreachable!("every count and rate has a fixed label"),
        }
    }

    /// The English label (Avg sign-for, P90 arrival).
    pub fn en(self) -> Cow<'static, str> {
        match (self.fixed_labels(), self) {
            (Some((_, en)), _) => Cow::Borrowed(en),
            (None, Figure::Avg(i)) => Cow::Owned(format!("Avg {}", i.labels().1)),
            (None, Figure::P50(i)) => Cow::Owned(format!("P50 {}", i.labels().1)),
            (None, Figure::P90(i)) => Cow::Owned(format!("P90 {}", i.labels().1)),
            (None, _) => unreachable!("every count and rate has a fixed label"),
        }
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A name that is no figure, with the names that are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFigure(pub String);

impl fmt::Display for UnknownFigure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let valid: Vec<&str> = Figure::all().map(Figure::key).collect();
        write!(
            f,
            "'{}' is not a figure; the figures are: {}",
            self.0,
            valid.join(", ")
        )
    }
}

impl std::error::Error for UnknownFigure {}

impl FromStr for Figure {
    type Err = UnknownFigure;
    fn from_str(s: &str) -> Result<Figure, UnknownFigure> {
        Figure::all()
            .find(|f| f.key() == s)
            .ok_or_else(|| UnknownFigure(s.to_string()))
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Figure, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_has_one_key_that_parses_back() {
        let all: Vec<Figure> = Figure::all().collect();
        assert_eq!(all.len(), 30 + Interval::COUNT * 3);
        let mut keys: Vec<&str> = all.iter().map(|f| f.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all.len(), "two figures share a key");
        for f in all {
            assert_eq!(f.key().parse::<Figure>(), Ok(f));
            assert!(!f.zh().is_empty() && !f.en().is_empty(), "{f} has no label");
        }
    }

    #[test]
    fn statistics_read_as_the_wall_writes_them() {
        let f = Figure::Avg(Interval::SignFor);
        assert_eq!(
            (f.key(), f.zh(), f.en()),
            ("sign_for_avg_s", "平均签收".into(), "Avg sign-for".into())
        );
        assert_eq!(Figure::P90(Interval::Arrival).zh(), "P90到场");
        assert_eq!(f.unit(), Unit::Seconds);
        assert_eq!(f.better(), Some(Better::Lower));
        assert_eq!(Figure::Calls.better(), None);
        assert_eq!(Figure::CircleRate.unit(), Unit::Share);
    }

    #[test]
    fn a_misspelt_figure_lists_the_valid_ones() {
        let e = "circle_rat".parse::<Figure>().unwrap_err().to_string();
        assert!(e.starts_with("'circle_rat' is not a figure"), "{e}");
        assert!(
            e.contains("circle_rate") && e.contains("arrival_p90_s"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod band_tests {
    use super::*;

    #[test]
    fn a_limit_that_is_a_band_edge_takes_the_exact_interval() {
        let k = Interval::SignFor;
        assert_eq!(k.band_of(0), 0);
        assert_eq!(k.band_of(30_000), 0, "exactly 30 s is within 30 s");
        assert_eq!(k.band_of(30_001), 1, "30.001 s is not");
        assert_eq!(k.band_of(30_900), 1);
        assert_eq!(k.band_of(180_001), 3);
        for i in Interval::ALL {
            assert!(i.bands().len() <= Interval::MAX_BANDS, "{i}");
            assert_eq!(i.bands().last().unwrap().1, None, "{i}: last band open");
        }
    }
}

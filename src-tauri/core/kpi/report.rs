//! From aggregated figures to the numbers people read: rates, averages, nearest-rank
//! percentiles with their n, time bands, records left out and why, and 同比 / 环比.

use std::sync::Arc;

use serde::Serialize;

use super::facts::Table;
use super::figures::{total_counts, total_excluded, Counts, Excluded, View, Watches};
use super::hist::Union;
use super::vocabulary::{Figure, Interval};
use crate::model::Millis;

/// One figure's value; `None` when it cannot be computed (nothing to divide by).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metric {
    pub key: Figure,
    pub value: Option<f64>,
    /// How many records the figure rests on (for rates and percentiles).
    pub n: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    /// `(lo, hi]` in seconds on the exact interval (the first band includes 0); `hi`
    /// absent for the open last band.
    pub lo_s: u32,
    pub hi_s: Option<u32>,
    pub count: u64,
}

/// A band's edges in seconds, `(lo, hi]`; `hi` absent for the open last band.
pub type BandEdges = (u32, Option<u32>);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalReport {
    pub key: Interval,
    pub n: u64,
    pub avg_s: Option<f64>,
    pub p50_s: Option<u32>,
    pub p90_s: Option<u32>,
    /// Where only counts per band are known (a phone system's aggregates), the bands that
    /// hold the median and the p90: the seconds are not known, and are not made up.
    pub p50_band: Option<BandEdges>,
    pub p90_band: Option<BandEdges>,
    /// Shared: a report keeps an unchanged interval from the last one without copying it.
    pub bands: Arc<[Band]>,
    pub missing: u64,
    pub negative: u64,
    pub not_recorded: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub metrics: Vec<Metric>,
    pub intervals: Vec<IntervalReport>,
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// A count of records at some stage: not recorded when there are records but none of them
/// comes from a source that records the stage.
fn known_count(count: i64, known: i64, records: i64) -> Option<f64> {
    (records == 0 || known > 0).then_some(count as f64)
}

fn m(key: Figure, value: Option<f64>, n: Option<i64>) -> Metric {
    Metric {
        key,
        value,
        n: n.map(|n| n.max(0) as u64),
    }
}

/// Records in each band of `k` over all parts.
fn band_counts(parts: &[&dyn View], k: Interval) -> [i64; Interval::MAX_BANDS] {
    let mut sum = [0; Interval::MAX_BANDS];
    for p in parts {
        for (s, b) in sum.iter_mut().zip(p.bands(k)) {
            *s += b;
        }
    }
    sum
}

/// The answer bands to report: the calls' own, or where no call in the window carries its
/// ring time, the phone system's counts of the same calls. Never both: a phone system
/// counts every call the calls table holds, so adding them would count each call twice.
fn answer_source(parts: &[&dyn View], c: &Counts) -> AnswerSource {
    let calls = band_counts(parts, Interval::Answer);
    if calls.iter().sum::<i64>() == 0 && c.phone.offered > 0 {
        let mut bands = [0; Interval::MAX_BANDS];
        bands[..c.phone.answered.len()].copy_from_slice(&c.phone.answered);
        AnswerSource::Phone(bands)
    } else {
        AnswerSource::Calls(calls)
    }
}

enum AnswerSource {
    Calls([i64; Interval::MAX_BANDS]),
    Phone([i64; Interval::MAX_BANDS]),
}

impl AnswerSource {
    fn bands(&self) -> [i64; Interval::MAX_BANDS] {
        match self {
            AnswerSource::Calls(b) | AnswerSource::Phone(b) => *b,
        }
    }
}

/// The band holding the nearest-rank `q` quantile of `counts` (domain.md, "Percentiles").
fn band_quantile(k: Interval, counts: &[i64], q: f64) -> Option<BandEdges> {
    let n: i64 = counts.iter().sum();
    if n <= 0 {
        return None;
    }
    let rank = (q * n as f64).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (edges, count) in k.bands().iter().zip(counts) {
        seen += count;
        if seen >= rank {
            return Some(*edges);
        }
    }
    None
}

/// The answer interval known only by a phone system's counts per band.
fn banded_answer(bands: &[i64; Interval::MAX_BANDS], not_recorded: u64) -> IntervalReport {
    let k = Interval::Answer;
    IntervalReport {
        key: k,
        n: bands.iter().sum::<i64>().max(0) as u64,
        avg_s: None,
        p50_s: None,
        p90_s: None,
        p50_band: band_quantile(k, bands, 0.5),
        p90_band: band_quantile(k, bands, 0.9),
        bands: band_rows(k, bands),
        missing: 0,
        negative: 0,
        not_recorded,
    }
}

fn band_rows(k: Interval, counts: &[i64; Interval::MAX_BANDS]) -> Arc<[Band]> {
    k.bands()
        .iter()
        .zip(counts)
        .map(|((lo, hi), count)| Band {
            lo_s: *lo,
            hi_s: *hi,
            count: (*count).max(0) as u64,
        })
        .collect()
}

/// The report of a window made of `parts`, seen at `cut`: open orders are judged overdue
/// at it (for a base compared at equal age, the base's own cut).
pub fn report(parts: &[&dyn View], cut: Millis) -> Report {
    report_reusing(parts, cut, None, &mut Watches::default())
}

/// `report`, keeping from `earlier` the intervals whose bit is not set in `touched`: their
/// distributions are unchanged, and their percentiles are most of a report's cost. The
/// others' percentiles are read from `watches` where they have not moved, and the watches
/// set to where they are (they must have seen every value added to the parts since).
pub fn report_reusing(
    parts: &[&dyn View],
    cut: Millis,
    earlier: Option<(&Report, u16)>,
    watches: &mut Watches,
) -> Report {
    let c = total_counts(parts);
    let overdue_open: i64 = parts.iter().map(|p| p.overdue_open(cut)).sum();
    let mut intervals = Vec::new();
    let answer = answer_source(parts, &c);
    let abandoned = match answer {
        AnswerSource::Phone(_) => c.phone.abandoned,
        AnswerSource::Calls(_) => c.abandoned,
    };
    // The share of records within a limit, on the exact interval: the limit is a band's
    // upper edge, so the share and the bands below it count the same records.
    let within = |k: Interval, secs: u32| -> (Option<f64>, i64) {
        let bands = match k {
            Interval::Answer => answer.bands(),
            _ => band_counts(parts, k),
        };
        let last = k
            .bands()
            .iter()
            .position(|(_, hi)| *hi == Some(secs))
            .expect("every limit is a band edge");
        let n: i64 = bands.iter().sum();
        (ratio(bands[..=last].iter().sum(), n), n)
    };
    let (a10, an) = within(Interval::Answer, 10);
    let (a15, _) = within(Interval::Answer, 15);
    let (a20, _) = within(Interval::Answer, 20);
    let (p60, pn) = within(Interval::Processing, 60);
    let (s30, sn) = within(Interval::SignFor, 30);
    let answered_callbacks = c.satisfied + c.basic + c.dissatisfied;
    let metrics = vec![
        m(Figure::Calls, Some(c.calls as f64), None),
        m(Figure::Abandoned, Some(abandoned as f64), None),
        m(Figure::Answered, Some(c.answered as f64), None),
        m(Figure::ValidIncidents, Some(c.valid as f64), None),
        m(Figure::Incidents, Some(c.incidents as f64), None),
        m(Figure::Dispatches, Some(c.dispatches as f64), None),
        m(
            Figure::NonPoliceShare,
            ratio(c.non_police, c.answered),
            Some(c.answered),
        ),
        m(
            Figure::DiversionRate,
            ratio(c.diverted, c.non_police),
            Some(c.non_police),
        ),
        m(
            Figure::InvalidShare,
            ratio(c.invalid, c.answered),
            Some(c.answered),
        ),
        m(Figure::AnsweredWithin10s, a10, Some(an)),
        m(Figure::AnsweredWithin15s, a15, Some(an)),
        m(Figure::AnsweredWithin20s, a20, Some(an)),
        m(Figure::ProcessingWithin60s, p60, Some(pn)),
        m(Figure::SignedForWithin30s, s30, Some(sn)),
        m(
            Figure::CircleRate,
            ratio(c.circle_within, c.circle_n),
            Some(c.circle_n),
        ),
        // The 110→12345 funnel, stage by stage.
        m(Figure::NonPolice, Some(c.non_police as f64), None),
        m(Figure::Diverted, Some(c.diverted as f64), None),
        m(Figure::DivertedOrders, Some(c.diverted_orders as f64), None),
        m(
            Figure::DivertedAccepted,
            known_count(
                c.diverted_accepted,
                c.known.diverted_accepted,
                c.diverted_orders,
            ),
            None,
        ),
        m(
            Figure::DivertedHandled,
            known_count(
                c.diverted_handled,
                c.known.diverted_handled,
                c.diverted_orders,
            ),
            None,
        ),
        m(
            Figure::DivertedFedBack,
            known_count(
                c.diverted_fed_back,
                c.known.diverted_fed_back,
                c.diverted_orders,
            ),
            None,
        ),
        m(Figure::WorkOrders, Some(c.orders as f64), None),
        m(
            Figure::WorkOrderResponseRate,
            ratio(c.to_police_in_time, c.known.response),
            Some(c.known.response),
        ),
        m(
            Figure::WorkOrderHandledRate,
            ratio(c.orders_handled, c.known.handled),
            Some(c.known.handled),
        ),
        m(
            Figure::WorkOrderFeedbackRate,
            ratio(c.orders_fed_back, c.known.fed_back),
            Some(c.known.fed_back),
        ),
        m(
            Figure::WorkOrdersOverdue,
            known_count(c.orders_done_late + overdue_open, c.known.overdue, c.orders),
            None,
        ),
        m(
            Figure::Satisfaction,
            ratio(c.satisfied + c.basic, answered_callbacks),
            Some(answered_callbacks),
        ),
        m(Figure::Callbacks, Some(c.callbacks as f64), None),
        m(Figure::CasesFiled, Some(c.cases_filed as f64), None),
        m(
            Figure::ClearanceRate,
            ratio(c.cases_cleared, c.cases_filed),
            Some(c.cases_filed),
        ),
    ];
    for k in Interval::ALL {
        let kept = earlier
            .filter(|(_, touched)| touched & (1 << k as usize) == 0)
            .and_then(|(r, _)| r.interval(k));
        if let Some(same) = kept {
            intervals.push(same.clone());
            continue;
        }
        let Excluded {
            missing,
            negative,
            not_recorded,
        } = total_excluded(parts, k);
        if let (Interval::Answer, AnswerSource::Phone(bands)) = (k, &answer) {
            intervals.push(banded_answer(bands, not_recorded));
            continue;
        }
        let u = Union(parts.iter().map(|p| p.dist(k)).collect());
        let n = u.n();
        let watch = &mut watches[k as usize];
        // A tick moves a percentile by a few seconds at most: searched from where it was.
        let was = earlier.and_then(|(r, _)| r.interval(k));
        intervals.push(IntervalReport {
            key: k,
            n,
            avg_s: (n > 0).then(|| u.sum() as f64 / n as f64),
            p50_s: u.quantile_watched(0.5, was.and_then(|r| r.p50_s), &mut watch[0]),
            p90_s: u.quantile_watched(0.9, was.and_then(|r| r.p90_s), &mut watch[1]),
            p50_band: None,
            p90_band: None,
            bands: band_rows(k, &band_counts(parts, k)),
            missing,
            negative,
            not_recorded,
        });
    }
    Report { metrics, intervals }
}

impl Report {
    /// Marks the figures of tables a cut could not be made of as not recorded: the cut
    /// holds none of their records, and 0 would read as a measurement.
    pub fn leave_out(&mut self, covered: impl Fn(Table) -> bool) {
        for m in &mut self.metrics {
            if !covered(m.key.table()) {
                m.value = None;
                m.n = None;
            }
        }
        self.intervals.retain(|i| covered(i.key.table()));
    }

    /// A figure's value; `None` when it cannot be computed or the report lacks it.
    pub fn metric(&self, figure: Figure) -> Option<f64> {
        match figure {
            Figure::Avg(i) => self.interval(i).and_then(|r| r.avg_s),
            Figure::P50(i) => self.interval(i).and_then(|r| r.p50_s.map(f64::from)),
            Figure::P90(i) => self.interval(i).and_then(|r| r.p90_s.map(f64::from)),
            _ => self
                .metrics
                .iter()
                .find(|m| m.key == figure)
                .and_then(|m| m.value),
        }
    }

    /// The band a percentile is known only as (a phone system's counts), where it is.
    pub fn band(&self, figure: Figure) -> Option<BandEdges> {
        match figure {
            Figure::P50(i) => self.interval(i).and_then(|r| r.p50_band),
            Figure::P90(i) => self.interval(i).and_then(|r| r.p90_band),
            _ => None,
        }
    }

    pub fn interval(&self, key: Interval) -> Option<&IntervalReport> {
        self.intervals.iter().find(|i| i.key == key)
    }

    /// Every comparable number: the metrics, then avg/p50/p90 of each interval.
    pub fn values(&self) -> impl Iterator<Item = (Figure, Option<f64>)> + '_ {
        let metrics = self.metrics.iter().map(|m| (m.key, m.value));
        let intervals = self.intervals.iter().flat_map(|i| {
            [
                (Figure::Avg(i.key), i.avg_s),
                (Figure::P50(i.key), i.p50_s.map(f64::from)),
                (Figure::P90(i.key), i.p90_s.map(f64::from)),
            ]
        });
        metrics.chain(intervals)
    }
}

/// A figure against an earlier one: `51061, −6000, −11.3%`. `pct` is `None` ("—") when the
/// earlier figure is 0 or either side is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub base: Option<f64>,
    pub diff: Option<f64>,
    pub pct: Option<f64>,
}

impl Change {
    pub fn between(now: Option<f64>, base: Option<f64>) -> Change {
        let diff = now.zip(base).map(|(a, b)| a - b);
        let pct = diff
            .zip(base)
            .and_then(|(d, b)| (b != 0.0).then(|| d / b * 100.0));
        Change { base, diff, pct }
    }
}

/// One figure with its comparisons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    pub key: Figure,
    pub value: Option<f64>,
    /// 同比: the same period a year earlier.
    pub yoy: Change,
    /// 环比: the period just before.
    pub pop: Change,
}

/// Pairs each figure of `now` with the same figure in the two base reports (a base that
/// does not exist, such as ISO week 53 of a 52-week year, compares as unknown). Every report
/// lists the same figures in the same order.
pub fn compare(now: &Report, yoy: Option<&Report>, pop: Option<&Report>) -> Vec<Compared> {
    // Once a tick for every changed window and cut: walked side by side, nothing copied.
    fn base(r: Option<&Report>) -> impl Iterator<Item = Option<(Figure, Option<f64>)>> + '_ {
        r.into_iter()
            .flat_map(Report::values)
            .map(Some)
            .chain(std::iter::repeat(None))
    }
    now.values()
        .zip(base(yoy).zip(base(pop)))
        .map(|((key, value), (y, p))| {
            debug_assert!([y, p].iter().flatten().all(|(k, _)| *k == key));
            Compared {
                yoy: Change::between(value, y.and_then(|(_, v)| v)),
                pop: Change::between(value, p.and_then(|(_, v)| v)),
                key,
                value,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_holds_every_figure_of_the_vocabulary_in_its_order() {
        // `compare` pairs reports figure by figure; the wall and the UI's labels rely on the
        // vocabulary listing exactly what a report holds.
        let r = report(&[], 0);
        let keys: Vec<Figure> = r.values().map(|(k, _)| k).collect();
        assert_eq!(keys, Figure::all().collect::<Vec<_>>());
        assert_eq!(r.metric(Figure::Calls), Some(0.0));
        assert_eq!(
            r.metric(Figure::P90(Interval::Arrival)),
            None,
            "no arrivals: no p90"
        );
    }

    fn phone(answered: [u32; 4], abandoned: u32) -> crate::kpi::facts::Fact {
        crate::kpi::facts::Fact::Phone(crate::kpi::facts::PhoneFact {
            start: 0,
            offered: answered.iter().sum::<u32>() + abandoned,
            abandoned,
            answered,
        })
    }

    #[test]
    fn answer_figures_come_from_the_phone_system_only_where_calls_lack_ring_times() {
        use crate::kpi::facts::{CallFact, Fact, Part};
        use crate::kpi::figures::Figures;
        // The phone bands are kept at the answer interval's own edges.
        let edges: Vec<u32> = Interval::Answer
            .bands()
            .iter()
            .filter_map(|b| b.1)
            .collect();
        assert_eq!(edges, crate::model::PHONE_ANSWER_EDGES_S);

        // Two hours of one line: 10 answered (6 within 10 s, 2 in 10–15 s, 1 in 15–20 s,
        // 1 later) and 3 abandoned.
        let mut f = Figures::default();
        f.apply(&phone([4, 1, 1, 0], 2), Part::Main, 1);
        f.apply(&phone([2, 1, 0, 1], 1), Part::Main, 1);
        let r = report(&[&f], 0);
        assert_eq!(r.metric(Figure::AnsweredWithin10s), Some(0.6));
        assert_eq!(r.metric(Figure::AnsweredWithin15s), Some(0.8));
        assert_eq!(r.metric(Figure::AnsweredWithin20s), Some(0.9));
        assert_eq!(r.metric(Figure::Abandoned), Some(3.0));
        let a = r.interval(Interval::Answer).unwrap();
        // Nearest rank: the 5th of 10 lies in 0–10 s, the 9th in 15–20 s. No seconds are
        // invented for either.
        assert_eq!(
            (a.n, a.p50_band, a.p90_band),
            (10, Some((0, Some(10))), Some((15, Some(20))))
        );
        assert_eq!((a.p50_s, a.p90_s, a.avg_s), (None, None, None));
        assert_eq!(r.metric(Figure::P90(Interval::Answer)), None);

        // One call with its ring time (8 s) in the window: the calls are the source, and
        // the phone counts are not added to them.
        let call = CallFact {
            received: 0,
            answered: Some(8_000),
            ended: Some(60_000),
            ring_recorded: true,
            outcome: None,
            duplicate: false,
            zone: None,
        };
        f.apply(&Fact::Call(call), Part::Main, 1);
        let r = report(&[&f], 0);
        assert_eq!(r.metric(Figure::AnsweredWithin10s), Some(1.0));
        assert_eq!(r.interval(Interval::Answer).unwrap().n, 1);
        assert_eq!(r.interval(Interval::Answer).unwrap().p90_band, None);
        assert_eq!(r.metric(Figure::Abandoned), Some(0.0));
    }

    #[test]
    fn changes_follow_the_contract() {
        // The shape of seed 000 ("51061, −6000, …"): against a base of 57,061 that is −10.5%.
        let c = Change::between(Some(51_061.0), Some(57_061.0));
        assert_eq!(c.diff, Some(-6_000.0));
        assert!((c.pct.unwrap() - -10.515).abs() < 0.001);
        // Base 0: the percentage is "—", never infinity.
        let z = Change::between(Some(12.0), Some(0.0));
        assert_eq!((z.diff, z.pct), (Some(12.0), None));
        // No base at all.
        assert_eq!(
            Change::between(Some(1.0), None),
            Change {
                base: None,
                diff: None,
                pct: None
            }
        );
    }
}

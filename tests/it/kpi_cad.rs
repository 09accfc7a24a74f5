//! The figures of the real CAD export by priority: the engine's answer (through the
//! importer, the store and `evaluate`) against the same figures computed straight from the
//! CSV with plain loops, and against numbers pinned in the closing note of issue 3.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use commandwall::core::kpi::filter::Filter;
use commandwall::core::kpi::window::range;
use commandwall::import::{import_file, Mapping};
use commandwall::services::figures::evaluate;

use crate::helpers::{keyer, mapping, shared, TestDb, IMPORT_NOW};
use crate::kpi_reference::nearest_rank;

const CAD: &str = "data/decc_cad_2025w35-41.csv";

/// (interval, n, p50, p90) per interval, computed from the file alone.
type Stats = BTreeMap<&'static str, (u64, Option<u64>, Option<u64>)>;

/// The CSV's own timestamps in milliseconds (local wall time; no DST change falls inside
/// these weeks, so differences are real durations).
fn ms(s: &str) -> Option<i64> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp_millis())
}

/// Exact milliseconds of each interval by priority (`None`: all rows), read straight from
/// the file: answer→dispatch, dispatch→signed-for, dispatch→arrival, received→arrival,
/// dispatch→en route (turnout) and en route→arrival (travel).
fn exact_from_csv() -> BTreeMap<(Option<i32>, &'static str), Vec<u64>> {
    let mut reader = csv::Reader::from_path(shared(CAD)).unwrap();
    let h = reader.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (id, prio, start, disp, ack, enroute, arr) = (
        col("Master_Incident_Number"),
        col("Priority_Number"),
        col("Incident_Start_Time"),
        col("Incident_Dispatch_Time"),
        col("TimeFirstUnitDispatchAcknowledged"),
        col("Incident_Enroute_Time"),
        col("Incident_Arrival_Time"),
    );
    let mut values: BTreeMap<(Option<i32>, &'static str), Vec<u64>> = BTreeMap::new();
    for row in reader.records().map(Result::unwrap) {
        if row[id].trim().is_empty() {
            continue;
        }
        let p: i32 = row[prio].trim().parse().unwrap();
        let dispatched = ms(&row[disp]).is_some();
        let pairs = [
            ("processing", start, disp),
            ("sign_for", disp, ack),
            ("arrival", disp, arr),
            ("arrival_total", start, arr),
            ("turnout", disp, enroute),
            ("travel", enroute, arr),
        ];
        for (k, a, b) in pairs {
            // Like every dispatch interval, arrival from the call counts dispatched incidents.
            if k == "arrival_total" && !dispatched {
                continue;
            }
            if let (Some(a), Some(b)) = (ms(&row[a]), ms(&row[b])) {
                if b >= a {
                    let exact = (b - a) as u64;
                    values.entry((Some(p), k)).or_default().push(exact);
                    values.entry((None, k)).or_default().push(exact);
                }
            }
        }
    }
    values
}

/// n, p50 and p90 in whole seconds by priority, from the file.
fn from_csv() -> BTreeMap<Option<i32>, Stats> {
    let mut out: BTreeMap<Option<i32>, Stats> = BTreeMap::new();
    for ((p, k), exact) in exact_from_csv() {
        let mut v: Vec<u64> = exact.iter().map(|m| m / 1000).collect();
        let n = v.len() as u64;
        v.sort_unstable();
        let p50 = nearest_rank(&v, 0.5).map(|x| x as u64);
        let p90 = nearest_rank(&v, 0.9).map(|x| x as u64);
        out.entry(p).or_default().insert(k, (n, p50, p90));
    }
    out
}

#[tokio::test]
async fn cad_figures_by_priority_match_the_file_and_the_pinned_numbers() {
    let db = TestDb::new().await;
    let m = Mapping::load(&mapping("decc_cad.toml")).unwrap();
    import_file(&db.store, &shared(CAD), &m, keyer(), IMPORT_NOW)
        .await
        .unwrap();
    let tz = chrono_tz::America::New_York;
    let from = ms("2025-08-01 04:00:00").unwrap();
    let to = ms("2025-11-01 04:00:00").unwrap();
    let zones = Default::default();
    let expected = from_csv();
    assert_eq!(
        expected.keys().copied().collect::<Vec<_>>(),
        [
            None,
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            Some(5),
            Some(6),
            Some(8),
            Some(10)
        ]
    );
    let mut got_all = BTreeMap::new();
    for (p, want) in &expected {
        let filter = Filter {
            priority: *p,
            ..Filter::default()
        };
        let e = evaluate(&db.store, &zones, range(tz, from, to), &filter, IMPORT_NOW)
            .await
            .unwrap();
        // Calls carry no priority: cut by priority, their figures are not recorded ("—"),
        // not 0; the incidents' figures are there.
        use commandwall::core::kpi::vocabulary::Figure;
        let calls = e.report.metric(Figure::Calls);
        assert_eq!(
            calls.is_none(),
            p.is_some(),
            "calls for priority {p:?}: {calls:?}"
        );
        assert!(e.report.metric(Figure::Incidents).is_some_and(|n| n > 0.0));
        let mut got = Stats::new();
        for k in want.keys() {
            let i = e.report.interval(k.parse().unwrap()).unwrap();
            got.insert(*k, (i.n, i.p50_s.map(u64::from), i.p90_s.map(u64::from)));
            assert_eq!(
                i.negative, 0,
                "{k}: the export has no stages out of order here"
            );
        }
        assert_eq!(&got, want, "priority {p:?}");
        got_all.insert(*p, got);
    }
    // The numbers quoted in the closing note (n, p50, p90 in seconds).
    type Pinned = (Option<i32>, [(u64, u64, u64); 4]);
    let pinned: [Pinned; 5] = [
        (
            None,
            [
                (9648, 89, 1686),
                (9415, 11, 92),
                (8354, 311, 761),
                (8354, 450, 2264),
            ],
        ),
        (
            Some(1),
            [
                (2258, 36, 101),
                (2252, 54, 99),
                (1929, 310, 509),
                (1929, 363, 560),
            ],
        ),
        (
            Some(2),
            [
                (3756, 194, 1247),
                (3684, 4, 47),
                (3400, 275, 841),
                (3400, 551, 1938),
            ],
        ),
        (
            Some(3),
            [
                (1959, 62, 1236),
                (1877, 56, 110),
                (1635, 353, 690),
                (1635, 451, 1421),
            ],
        ),
        (
            Some(4),
            [
                (1528, 744, 9196),
                (1467, 3, 76),
                (1256, 336, 1247),
                (1256, 1185, 10394),
            ],
        ),
    ];
    // Turnout and travel (issue 9), all priorities: n, p50, p90 in seconds.
    assert_eq!(got_all[&None]["turnout"], (9424, Some(8), Some(88)));
    assert_eq!(got_all[&None]["travel"], (8354, Some(264), Some(730)));
    for (p, rows) in pinned {
        for (k, (n, p50, p90)) in ["processing", "sign_for", "arrival", "arrival_total"]
            .into_iter()
            .zip(rows)
        {
            assert_eq!(
                got_all[&p][k],
                (n, Some(p50), Some(p90)),
                "priority {p:?} {k}"
            );
        }
    }
}

/// Limits are judged on the exact interval, and a limit that is also a band edge gives the
/// same count as the bands below it: on the real export, where 30.4 s sign-fors exist.
#[tokio::test]
async fn cad_limits_and_bands_agree_on_the_exact_interval() {
    use commandwall::core::kpi::vocabulary::{Figure, Interval};
    let db = TestDb::new().await;
    let m = Mapping::load(&mapping("decc_cad.toml")).unwrap();
    import_file(&db.store, &shared(CAD), &m, keyer(), IMPORT_NOW)
        .await
        .unwrap();
    let tz = chrono_tz::America::New_York;
    let (from, to) = (
        ms("2025-08-01 04:00:00").unwrap(),
        ms("2025-11-01 04:00:00").unwrap(),
    );
    let e = evaluate(
        &db.store,
        &Default::default(),
        range(tz, from, to),
        &Filter::default(),
        IMPORT_NOW,
    )
    .await
    .unwrap();
    let exact = exact_from_csv();
    let within = |k: &str, limit_s: u64| {
        let v = &exact[&(None, k)];
        let inside = v.iter().filter(|m| **m <= limit_s * 1000).count();
        inside as f64 / v.len() as f64
    };
    // The export has sign-fors between 30 and 31 s: truncating them would count them in.
    let sign_for = &exact[&(None, "sign_for")];
    let edge = sign_for
        .iter()
        .filter(|m| (30_001..31_000).contains(*m))
        .count();
    assert!(edge > 0, "no sign-for between 30 and 31 s in the export");
    for (figure, k, limit) in [
        (Figure::SignedForWithin30s, "sign_for", 30),
        (Figure::ProcessingWithin60s, "processing", 60),
    ] {
        let got = e.report.metric(figure).unwrap();
        assert!(
            (got - within(k, limit)).abs() < 1e-12,
            "{figure}: engine {got}, file {}",
            within(k, limit)
        );
        // The share and the bands up to the same limit count the same records.
        let i = e.report.interval(k.parse().unwrap()).unwrap();
        let below: u64 = i
            .bands
            .iter()
            .take_while(|b| b.hi_s.is_some_and(|hi| u64::from(hi) <= limit))
            .map(|b| b.count)
            .sum();
        assert!(
            (got - below as f64 / i.n as f64).abs() < 1e-12,
            "{figure} {got} but the bands up to {limit} s hold {below} of {}",
            i.n
        );
    }
    // Every band of every interval the file has, against the file.
    for k in [
        "processing",
        "sign_for",
        "arrival",
        "arrival_total",
        "turnout",
        "travel",
    ] {
        let i = e.report.interval(k.parse::<Interval>().unwrap()).unwrap();
        let v = &exact[&(None, k)];
        for b in i.bands.iter() {
            let want = v
                .iter()
                .filter(|m| b.lo_s == 0 || **m > u64::from(b.lo_s) * 1000)
                .filter(|m| b.hi_s.is_none_or(|hi| **m <= u64::from(hi) * 1000))
                .count() as u64;
            assert_eq!(b.count, want, "{k} band from {} s", b.lo_s);
        }
        assert_eq!(i.bands.iter().map(|b| b.count).sum::<u64>(), i.n, "{k}");
    }
}

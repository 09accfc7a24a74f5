//! The synthetic city: where its zones lie, how quick each one is, and the people and
//! places that call again and again. Built once from the config and the seed, so every
//! day of a simulation shares the same city.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::Config;
use crate::core::caller::{mask, CallerKeyer};
use crate::core::categories::{self, Kind};

/// Hailar's centre, where the default city stands.
const CENTRE_LAT: f64 = 49.2122;
const CENTRE_LON: f64 = 119.7536;

const STREETS: [&str; 16] = [
    "中央街",
    "新华街",
    "胜利大街",
    "桥头街",
    "河东路",
    "团结路",
    "学府路",
    "建设大街",
    "健康路",
    "呼伦路",
    "友谊大街",
    "站前路",
    "东山路",
    "南大街",
    "北桥路",
    "民族街",
];

#[derive(Debug, Clone)]
pub struct SimZone {
    pub code: String,
    pub short_name: String,
    pub circle_minutes: u32,
    /// Relative call volume.
    pub weight: f64,
    pub lat: f64,
    pub lon: f64,
    /// Slower or quicker than the city's usual response (1.0 = usual).
    pub response_factor: f64,
    pub units: Vec<String>,
}

/// Someone who reports the same matter again and again.
#[derive(Debug, Clone)]
pub struct Repeater {
    pub number: String,
    pub key: String,
    pub masked: String,
    pub zone: usize,
    pub address: String,
    pub category: &'static str,
    pub per_day: f64,
}

/// A spot where the same trouble is reported by different people.
#[derive(Debug, Clone)]
pub struct HotPlace {
    pub zone: usize,
    pub address: String,
    pub category: &'static str,
    pub per_day: f64,
}

#[derive(Debug, Clone)]
pub struct City {
    pub seed: u64,
    pub tz: chrono_tz::Tz,
    pub sim: crate::config::Simulator,
    pub zones: Vec<SimZone>,
    pub seats: Vec<String>,
    /// Per-seat speed (1.0 = usual): call-takers differ.
    pub seat_speed: Vec<f64>,
    pub repeaters: Vec<Repeater>,
    pub hot_places: Vec<HotPlace>,
    pub keyer: CallerKeyer,
    pub police_categories: Vec<&'static str>,
    pub non_police_categories: Vec<&'static str>,
}

/// Matters people report again and again (seed 003: disputes, noise, neighbours).
const REPEAT_MATTERS: [&str; 8] = [
    "neighbour",
    "family",
    "noise_living",
    "business",
    "labour",
    "property",
    "disturbance",
    "consumer",
];

impl City {
    pub fn new(config: &Config, seed: u64, keyer: CallerKeyer) -> City {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00C1_7E5E_ED00);
        let n = config.zones.len();
        let zones: Vec<SimZone> = config
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| {
                // Quick circles are downtown, wide ones far out.
                let (ring_km, weight) = match z.circle_minutes {
                    0..=1 => (1.2, 1.7),
                    2..=3 => (4.0, 1.0),
                    _ => (9.0, 0.45),
                };
                let angle =
                    i as f64 / n as f64 * std::f64::consts::TAU + rng.random_range(-0.2..0.2);
                let km = ring_km * rng.random_range(0.7..1.3);
                let lat = CENTRE_LAT + km * angle.sin() / 111.0;
                let lon = CENTRE_LON + km * angle.cos() / (111.0 * CENTRE_LAT.to_radians().cos());
                let units: Vec<String> = config
                    .units
                    .iter()
                    .filter(|u| u.zone == z.code)
                    .map(|u| u.code.clone())
                    .collect();
                SimZone {
                    code: z.code.clone(),
                    short_name: z.name.trim_end_matches("巡区").to_string(),
                    circle_minutes: z.circle_minutes,
                    weight: weight * rng.random_range(0.8..1.2),
                    lat,
                    lon,
                    response_factor: rng.random_range(0.85..1.3),
                    units: if units.is_empty() {
                        vec![format!("{}-U1", z.code)]
                    } else {
                        units
                    },
                }
            })
            .collect();
        let seats: Vec<String> = config.seats.iter().map(|s| s.code.clone()).collect();
        let seat_speed = seats.iter().map(|_| rng.random_range(0.75..1.3)).collect();
        let scale = config.simulator.calls_per_day as f64 / 25_000.0;
        let zone_weights: Vec<f64> = zones.iter().map(|z| z.weight).collect();
        let mut repeaters = Vec::new();
        // Callers over the week, month and year thresholds (2/week, 3/month, 5/year) and
        // many who stay under them, so the governance list has borderline cases.
        for (count, per_week) in [(25, 3.0), (70, 0.9), (200, 0.15), (400, 0.05)] {
            for _ in 0..((count as f64 * scale).ceil() as usize) {
                let number = random_mobile(&mut rng);
                let zone = pick(&mut rng, &zone_weights);
                repeaters.push(Repeater {
                    key: keyer.key(&number).expect("digits"),
                    masked: mask(&number).expect("digits"),
                    number,
                    zone,
                    address: address(&mut rng, &zones[zone]),
                    category: REPEAT_MATTERS[rng.random_range(0..REPEAT_MATTERS.len())],
                    per_day: per_week / 7.0 * rng.random_range(0.7..1.3),
                });
            }
        }
        let hot_places = (0..((60.0 * scale).ceil() as usize))
            .map(|_| {
                let zone = pick(&mut rng, &zone_weights);
                HotPlace {
                    zone,
                    address: address(&mut rng, &zones[zone]),
                    category: REPEAT_MATTERS[rng.random_range(0..REPEAT_MATTERS.len())],
                    per_day: rng.random_range(0.05..0.5),
                }
            })
            .collect();
        let of_kind = |k: Kind| {
            categories::items()
                .filter(|c| c.kind == k)
                .map(|c| c.code)
                .collect()
        };
        City {
            seed,
            tz: config.tz(),
            sim: config.simulator.clone(),
            zones,
            seats,
            seat_speed,
            repeaters,
            hot_places,
            keyer,
            police_categories: of_kind(Kind::Police),
            non_police_categories: of_kind(Kind::NonPolice),
        }
    }
}

/// A plausible Chinese mobile number (13x–19x).
pub fn random_mobile(rng: &mut impl Rng) -> String {
    let second = rng.random_range(3..=9);
    format!("1{second}{:09}", rng.random_range(0..1_000_000_000u32))
}

pub fn address(rng: &mut impl Rng, zone: &SimZone) -> String {
    let street = STREETS[rng.random_range(0..STREETS.len())];
    let number = rng.random_range(1..400);
    // Most calls come from homes, recorded down to the building and entrance; the rest from
    // shops, recorded down to the shop. (House numbers alone made unrelated calls share a
    // "place" and cross the repeat thresholds by chance.)
    if rng.random_bool(0.85) {
        format!(
            "{}{}{}号{}栋{}单元",
            zone.short_name,
            street,
            number,
            rng.random_range(1..30),
            rng.random_range(1..7)
        )
    } else {
        format!(
            "{}{}{}号{}号铺",
            zone.short_name,
            street,
            number,
            rng.random_range(1..25)
        )
    }
}

/// Index drawn with probability proportional to its weight.
pub fn pick(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random_range(0.0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

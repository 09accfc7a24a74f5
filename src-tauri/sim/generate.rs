//! One simulated day: every call, incident, work order and callback with all its stage
//! times, as they will eventually be. Pure and deterministic: the same city and date give
//! the same day, so backfill and live writing agree and tests can rely on a seed.

use chrono::{Datelike, NaiveDate, Timelike};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};

use super::city::{address, pick, random_mobile, City, SimZone};
use super::rhythm;
use crate::core::caller::mask;
use crate::core::categories;
use crate::core::model::{
    Batch, Call, Callback, Channel, Direction, Incident, InvalidReason, Millis, Outcome,
    Satisfaction, Unrecorded, WorkOrder,
};
use crate::core::time::local_to_utc;

pub const SOURCE: &str = "sim";

const SECOND: f64 = 1000.0;
const MINUTE: f64 = 60_000.0;
const HOUR: f64 = 3_600_000.0;

/// Relative frequency of police matters.
const POLICE_WEIGHTS: [(&str, f64); 27] = [
    ("theft", 8.0),
    ("burglary", 2.0),
    ("robbery", 0.6),
    ("fraud", 5.0),
    ("assault", 2.0),
    ("fight", 6.0),
    ("disturbance", 4.0),
    ("drunk", 3.0),
    ("drugs", 0.3),
    ("gambling", 0.5),
    ("accident", 12.0),
    ("hit_run", 1.5),
    ("congestion", 3.0),
    ("drunk_driving", 1.0),
    ("fire", 1.2),
    ("rescue", 1.5),
    ("missing_person", 1.5),
    ("medical", 2.5),
    ("trapped", 1.5),
    ("suicide", 0.4),
    ("family", 6.0),
    ("neighbour", 5.0),
    ("business", 3.0),
    ("labour", 2.0),
    ("suspicious", 3.0),
    ("alarm", 2.0),
    ("police_service", 4.0),
];

/// Relative frequency of non-police matters (seed 000: burst pipes, gas, noise, locks…).
const NON_POLICE_WEIGHTS: [(&str, f64); 21] = [
    ("burst_pipe", 6.0),
    ("power_cut", 5.0),
    ("gas_leak", 1.5),
    ("heating", 4.0),
    ("road_damage", 3.0),
    ("street_light", 2.0),
    ("manhole", 1.0),
    ("noise_construction", 4.0),
    ("noise_living", 8.0),
    ("garbage", 3.0),
    ("pollution", 1.5),
    ("consumer", 7.0),
    ("refund", 3.0),
    ("property", 6.0),
    ("elevator", 2.0),
    ("lockout", 6.0),
    ("directions", 4.0),
    ("food_order", 1.0),
    ("policy", 5.0),
    ("stray_animal", 2.5),
    ("animal_nuisance", 2.0),
];

const INVALID_WEIGHTS: [(InvalidReason, f64); 7] = [
    (InvalidReason::HangUp, 40.0),
    (InvalidReason::Misdial, 18.0),
    (InvalidReason::Hoax, 5.0),
    (InvalidReason::Harassment, 9.0),
    (InvalidReason::Repeat, 12.0),
    (InvalidReason::Enquiry, 14.0),
    (InvalidReason::Test, 2.0),
];

const CHANNEL_WEIGHTS: [(Channel, f64); 5] = [
    (Channel::Phone, 86.0),
    (Channel::WeChat, 5.0),
    (Channel::Sms, 2.0),
    (Channel::Video, 1.0),
    (Channel::Transfer12345, 6.0),
];

/// Matters that 12345 sends to the police.
const TO_POLICE_MATTERS: [&str; 5] = [
    "congestion",
    "neighbour",
    "noise_living",
    "disturbance",
    "property",
];

const RETURN_REASONS: [&str; 4] = [
    "不属于本部门职责",
    "诉求人联系不上",
    "重复工单",
    "诉求信息不全",
];

/// A call as the generator first draws it, before its consequences.
struct Report {
    received: Millis,
    zone: usize,
    address: String,
    caller: Caller,
    /// Forced category and kind for repeat callers and hot places.
    matter: Option<&'static str>,
}

struct Caller {
    key: String,
    masked: String,
}

struct DayGen<'a> {
    city: &'a City,
    date: NaiveDate,
    rng: ChaCha8Rng,
    hourly: [f64; 24],
    non_police_share: f64,
    out: Batch,
    n_calls: u32,
    n_incidents: u32,
    n_orders: u32,
    n_callbacks: u32,
}

/// Every record of one local day, with all future stage times filled in.
pub fn generate_day(city: &City, date: NaiveDate) -> Batch {
    let mut rng = ChaCha8Rng::seed_from_u64(
        city.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ date.num_days_from_ce() as u64,
    );
    // Non-police share drifts by season (summer noise, winter heating) within ±4 points.
    let drift = 0.02 * (2.0 * std::f64::consts::PI * date.ordinal() as f64 / 365.25).cos();
    let non_police_share =
        (city.sim.non_police_share + drift + rng.random_range(-0.01..0.01)).clamp(0.0, 1.0);
    let mut g = DayGen {
        city,
        date,
        hourly: rhythm::hourly_weights(date),
        rng,
        non_police_share,
        out: Batch::default(),
        n_calls: 0,
        n_incidents: 0,
        n_orders: 0,
        n_callbacks: 0,
    };
    g.run();
    g.out
}

fn lognormal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    median * (sigma * z).exp()
}

fn weighted<T: Copy>(rng: &mut impl Rng, table: &[(T, f64)]) -> T {
    let weights: Vec<f64> = table.iter().map(|(_, w)| *w).collect();
    table[pick(rng, &weights)].0
}

fn poisson(rng: &mut impl Rng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean)
        .map(|p| p.sample(rng) as u64)
        .unwrap_or(0)
}

impl DayGen<'_> {
    fn run(&mut self) {
        let city = self.city;
        let expected = rhythm::expected_calls(city.sim.calls_per_day as f64, self.date);
        let noise: f64 = StandardNormal.sample(&mut self.rng);
        let total = (expected * (1.0 + 0.03 * noise)).round().max(0.0) as u64;

        let mut reports = Vec::with_capacity(total as usize);
        for r in &city.repeaters {
            for _ in 0..poisson(&mut self.rng, r.per_day) {
                let received = self.random_time();
                reports.push(Report {
                    received,
                    zone: r.zone,
                    address: r.address.clone(),
                    caller: Caller {
                        key: r.key.clone(),
                        masked: r.masked.clone(),
                    },
                    matter: Some(r.category),
                });
            }
        }
        for p in &city.hot_places {
            for _ in 0..poisson(&mut self.rng, p.per_day) {
                let received = self.random_time();
                let caller = self.new_caller();
                reports.push(Report {
                    received,
                    zone: p.zone,
                    address: p.address.clone(),
                    caller,
                    matter: Some(p.category),
                });
            }
        }
        // Further reports of one event are part of the day's total (about 4% of calls).
        let ordinary = (total as f64 / 1.04) as u64;
        let weights: Vec<f64> = city.zones.iter().map(|z| z.weight).collect();
        for _ in reports.len() as u64..ordinary {
            let received = self.random_time();
            let zone = pick(&mut self.rng, &weights);
            let address = address(&mut self.rng, &city.zones[zone]);
            let caller = self.new_caller();
            reports.push(Report {
                received,
                zone,
                address,
                caller,
                matter: None,
            });
        }
        reports.sort_by_key(|r| r.received);
        for r in reports {
            self.take_call(r);
        }
        self.orders_sent_to_police();
    }

    fn new_caller(&mut self) -> Caller {
        let number = random_mobile(&mut self.rng);
        Caller {
            key: self.city.keyer.key(&number).expect("digits"),
            masked: mask(&number).expect("digits"),
        }
    }

    /// A moment of the day drawn from the hourly rhythm, in UTC.
    fn random_time(&mut self) -> Millis {
        let hour = pick(&mut self.rng, &self.hourly) as u32;
        let second = self.rng.random_range(0..3600);
        let local = self
            .date
            .and_hms_opt(hour, second / 60, second % 60)
            .expect("valid time");
        local_to_utc(self.city.tz, local) + self.rng.random_range(0..1000)
    }

    fn local_hour(&self, at: Millis) -> u32 {
        crate::core::time::local_datetime(self.city.tz, at).hour()
    }

    fn next_id(&mut self, kind: char) -> String {
        let counter = match kind {
            'C' => &mut self.n_calls,
            'I' => &mut self.n_incidents,
            'W' => &mut self.n_orders,
            _ => &mut self.n_callbacks,
        };
        *counter += 1;
        format!("{kind}{}{:06}", self.date.format("%Y%m%d"), counter)
    }

    /// Seats staffed in an hour: all of them by day, fewer at night.
    fn seats_on_duty(&self, hour: u32) -> usize {
        let all = self.city.seats.len();
        match hour {
            8..=21 => all,
            2..=5 => (all / 2).max(1),
            _ => (all * 5 / 8).max(1),
        }
    }

    fn take_call(&mut self, r: Report) {
        let hour = self.local_hour(r.received);
        let channel = match r.matter {
            Some(_) => Channel::Phone,
            None => weighted(&mut self.rng, &CHANNEL_WEIGHTS),
        };
        let on_duty = self.seats_on_duty(hour);
        let seat_ix = self.rng.random_range(0..on_duty);
        let seat = self.city.seats[seat_ix].clone();
        // Busy hours with few seats mean longer rings.
        let load =
            self.hourly[hour as usize] * 24.0 * self.city.seats.len() as f64 / on_duty as f64;
        let median_wait = (3.0 * load.powf(1.3)).max(1.5) * self.city.seat_speed[seat_ix];
        let wait = lognormal(&mut self.rng, median_wait, 0.75).min(300.0);
        // Callers wait two to three minutes on average before giving up (2–4% abandoned).
        let patience = -150.0 * (1.0 - self.rng.random::<f64>()).ln();
        let zone = &self.city.zones[r.zone];
        let (lat, lon) = jitter(&mut self.rng, zone);
        let id = self.next_id('C');
        let mut call = Call {
            source: SOURCE.into(),
            source_id: id,
            channel,
            received: r.received,
            answered: None,
            ended: None,
            ring_recorded: true,
            seat: Some(seat),
            caller_key: Some(r.caller.key),
            caller_masked: Some(r.caller.masked),
            zone: Some(zone.code.clone()),
            address: Some(r.address),
            lat: Some(lat),
            lon: Some(lon),
            category: None,
            outcome: None,
            invalid_reason: None,
            incident_id: None,
            duplicate: false,
        };
        if wait > patience && r.matter.is_none() {
            // Abandoned: the caller hung up while it rang.
            call.ended = Some(r.received + (patience * SECOND) as Millis);
            self.out.calls.push(call);
            return;
        }
        let answered = r.received + (wait * SECOND) as Millis;
        call.answered = Some(answered);
        let talk = lognormal(&mut self.rng, 75.0, 0.6);
        call.ended = Some(answered + (talk * SECOND) as Millis);

        let (outcome, category) = match r.matter {
            Some(code) => {
                let kind = categories::find(code).map(|c| c.kind);
                if kind == Some(categories::Kind::Police) {
                    (Outcome::Police, Some(code))
                } else {
                    (Outcome::Diverted, Some(code))
                }
            }
            None => self.classify(hour),
        };
        call.outcome = Some(outcome);
        call.category = category.map(str::to_string);
        match outcome {
            Outcome::Invalid => {
                call.invalid_reason = Some(weighted(&mut self.rng, &INVALID_WEIGHTS));
                // Hang-ups and misdials end at once.
                if matches!(
                    call.invalid_reason,
                    Some(InvalidReason::HangUp | InvalidReason::Misdial)
                ) {
                    call.ended = Some(answered + self.rng.random_range(1_000..8_000));
                }
                self.out.calls.push(call);
            }
            Outcome::Police => self.police_matter(call, r.zone, hour),
            Outcome::Diverted => {
                let order = self.diverted_order(&call, r.zone);
                self.out.calls.push(call);
                self.out.work_orders.push(order);
            }
            Outcome::NonPolice => self.out.calls.push(call),
        }
    }

    fn classify(&mut self, hour: u32) -> (Outcome, Option<&'static str>) {
        let invalid = self.city.sim.invalid_share;
        let u: f64 = self.rng.random();
        if u < invalid {
            return (Outcome::Invalid, None);
        }
        if u < invalid + self.non_police_share {
            let winter = matches!(self.date.month(), 11 | 12 | 1 | 2 | 3);
            let table: Vec<(&'static str, f64)> = NON_POLICE_WEIGHTS
                .iter()
                .map(|&(c, w)| match c {
                    "heating" if winter => (c, w * 3.0),
                    "noise_living" if hour >= 21 || hour <= 1 => (c, w * 2.5),
                    _ => (c, w),
                })
                .collect();
            let code = weighted(&mut self.rng, &table);
            // Where there is danger (gas) or the caller insists, police keep it.
            let kept =
                code == "gas_leak" || self.rng.random::<f64>() > self.city.sim.diversion_rate;
            return (
                if kept {
                    Outcome::NonPolice
                } else {
                    Outcome::Diverted
                },
                Some(code),
            );
        }
        let table: Vec<(&'static str, f64)> = POLICE_WEIGHTS
            .iter()
            .map(|&(c, w)| match c {
                "accident" | "congestion" if matches!(hour, 7..=9 | 17..=19) => (c, w * 1.8),
                "fight" | "drunk" | "drunk_driving" if hour >= 22 || hour <= 3 => (c, w * 2.5),
                "fraud" if (9..=17).contains(&hour) => (c, w * 1.5),
                _ => (c, w),
            })
            .collect();
        (Outcome::Police, Some(weighted(&mut self.rng, &table)))
    }

    fn priority(&mut self, category: &str) -> i32 {
        let urgent = matches!(
            category,
            "robbery" | "assault" | "fire" | "rescue" | "suicide" | "trapped" | "medical" | "fight"
        );
        let u: f64 = self.rng.random();
        match (urgent, category) {
            (true, _) => {
                if u < 0.6 {
                    1
                } else {
                    2
                }
            }
            (false, "accident" | "hit_run" | "burglary" | "drunk_driving") => {
                if u < 0.7 {
                    2
                } else {
                    3
                }
            }
            _ => {
                if u < 0.7 {
                    3
                } else {
                    4
                }
            }
        }
    }

    fn police_matter(&mut self, mut call: Call, zone_ix: usize, hour: u32) {
        let city = self.city;
        let zone: &SimZone = &city.zones[zone_ix];
        let category = call.category.clone().expect("police calls have a category");
        let answered = call.answered.expect("answered");
        let priority = self.priority(&category);
        let created = answered + (lognormal(&mut self.rng, 20.0, 0.4) * SECOND) as Millis;
        let id = self.next_id('I');
        let unit = zone.units[self.rng.random_range(0..zone.units.len())].clone();
        let night = hour >= 23 || hour <= 5;
        let rush = matches!(hour, 7..=9 | 17..=19);
        let mut inc = Incident {
            source: SOURCE.into(),
            source_id: id.clone(),
            category: Some(category.clone()),
            priority: Some(priority),
            zone: Some(zone.code.clone()),
            unit: Some(unit),
            call_received: Some(call.received),
            call_answered: Some(answered),
            created,
            dispatched: None,
            signed_for: None,
            departed: None,
            arrived: None,
            fed_back: None,
            closed: None,
            merged_into: None,
            disposition: None,
            case_filed: false,
            case_cleared: false,
            unrecorded: Unrecorded::NONE,
            units: None,
        };
        let u: f64 = self.rng.random();
        if u < 0.03 && priority >= 3 {
            // Settled on the phone: no dispatch.
            inc.closed = Some(created + (lognormal(&mut self.rng, 10.0, 0.5) * MINUTE) as Millis);
            inc.disposition = Some("电话处置".into());
        } else {
            let urgency = if priority == 1 { 0.7 } else { 1.0 };
            let dispatched =
                created + (lognormal(&mut self.rng, 16.0 * urgency, 0.8) * SECOND) as Millis;
            inc.dispatched = Some(dispatched);
            // Door to door from the order: quick circles have units on the street nearby.
            let traffic = if rush {
                1.25
            } else if night {
                0.85
            } else {
                1.0
            };
            let travel_median =
                zone.circle_minutes as f64 * MINUTE * 0.6 * zone.response_factor * traffic;
            let to_scene =
                lognormal(&mut self.rng, travel_median * urgency.max(0.9), 0.4).max(20_000.0);
            let sign_median = 14.0 * zone.response_factor * if night { 1.4 } else { 1.0 };
            let sign = (lognormal(&mut self.rng, sign_median, 0.8) * SECOND).min(to_scene * 0.5);
            let mut signed = dispatched + sign as Millis;
            if self.rng.random::<f64>() < 0.002 {
                // A terminal whose clock runs behind: signed-for before dispatch.
                signed = dispatched - self.rng.random_range(1_000..20_000);
            }
            inc.signed_for = (self.rng.random::<f64>() > 0.005).then_some(signed);
            let arrived = dispatched + to_scene as Millis;
            let departed = signed.max(dispatched)
                + ((arrived - signed.max(dispatched)) as f64 * 0.3) as Millis;
            inc.departed = Some(departed);
            let cancelled = self.rng.random::<f64>() < 0.04;
            inc.arrived = (!cancelled).then_some(arrived);
            let on_scene = lognormal(&mut self.rng, 30.0, 0.9) * MINUTE;
            let fed_back = if cancelled {
                departed + 15.0 as Millis * 60_000
            } else {
                arrived + on_scene as Millis
            };
            inc.fed_back = Some(fed_back);
            inc.closed = Some(fed_back + (lognormal(&mut self.rng, 3.0, 0.7) * MINUTE) as Millis);
            inc.disposition = Some(
                if cancelled {
                    "途中撤销"
                } else {
                    "现场处置"
                }
                .into(),
            );
        }
        if categories::find(&category).and_then(|c| c.parent) == Some("criminal") {
            inc.case_filed = self.rng.random::<f64>() < 0.4;
            inc.case_cleared = inc.case_filed && self.rng.random::<f64>() < 0.45;
        }
        call.incident_id = Some(id.clone());
        let lat = call.lat;
        let lon = call.lon;
        let address = call.address.clone();
        self.out.calls.push(call);

        // Many callers, one event: visible events bring further calls within minutes.
        let visible = matches!(
            category.as_str(),
            "accident" | "fire" | "fight" | "congestion" | "disturbance"
        );
        let p_more = if visible { 0.15 } else { 0.02 };
        if self.rng.random::<f64>() < p_more {
            let extra = 1 + poisson(&mut self.rng, 0.8);
            for _ in 0..extra {
                let received = answered + self.rng.random_range(20_000..480_000);
                let mut dup = self.duplicate_call(received, zone_ix, &category, &id);
                dup.lat = lat.map(|v| v + self.rng.random_range(-0.002..0.002));
                dup.lon = lon.map(|v| v + self.rng.random_range(-0.002..0.002));
                dup.address.clone_from(&address);
                self.out.calls.push(dup);
            }
        }
        if let Some(closed) = inc.closed {
            let slow = inc
                .dispatched
                .zip(inc.arrived)
                .is_some_and(|(d, a)| a - d > 15 * 60_000);
            let zone = inc.zone.clone();
            self.maybe_callback(closed, slow, zone.as_deref(), Some(&id), None);
        }
        self.out.incidents.push(inc);
    }

    fn duplicate_call(
        &mut self,
        received: Millis,
        zone_ix: usize,
        category: &str,
        incident: &str,
    ) -> Call {
        let caller = self.new_caller();
        let seat_ix = self.rng.random_range(0..self.city.seats.len());
        let answered = received + (lognormal(&mut self.rng, 4.0, 0.7) * SECOND) as Millis;
        let ended = answered + (lognormal(&mut self.rng, 40.0, 0.5) * SECOND) as Millis;
        Call {
            source: SOURCE.into(),
            source_id: self.next_id('C'),
            channel: Channel::Phone,
            received,
            answered: Some(answered),
            ended: Some(ended),
            ring_recorded: true,
            seat: Some(self.city.seats[seat_ix].clone()),
            caller_key: Some(caller.key),
            caller_masked: Some(caller.masked),
            zone: Some(self.city.zones[zone_ix].code.clone()),
            address: None,
            lat: None,
            lon: None,
            category: Some(category.to_string()),
            outcome: Some(Outcome::Police),
            invalid_reason: None,
            incident_id: Some(incident.to_string()),
            duplicate: true,
        }
    }

    /// The 12345 closed loop for a diverted call: accept → assign → handle → feed back.
    fn diverted_order(&mut self, call: &Call, zone_ix: usize) -> WorkOrder {
        let category = call.category.clone().unwrap_or_default();
        let class = categories::find(&category)
            .and_then(|c| c.parent)
            .unwrap_or("");
        let (department, due_hours) = match class {
            "np_utilities" => (utility_department(&category), 24.0),
            "np_municipal" => ("市政管理局", 72.0),
            "np_noise" => ("生态环境局", 24.0),
            "np_environment" => ("环境卫生中心", 72.0),
            "np_consumer" => ("市场监督管理局", 120.0),
            "np_housing" => ("住房和城乡建设局", 120.0),
            "np_lockout" => ("开锁服务中心", 4.0),
            "np_enquiry" => ("12345热线", 24.0),
            _ => ("农牧局", 72.0),
        };
        let sent = call.ended.unwrap_or(call.received) + self.rng.random_range(30_000..120_000);
        let id = self.next_id('W');
        let mut order = self.closed_loop(id, Direction::Diverted, sent, 30.0, due_hours);
        order.call_id = Some(call.source_id.clone());
        order.category = Some(category);
        order.zone = Some(self.city.zones[zone_ix].code.clone());
        order.department = Some(department.into());
        if let Some(fed_back) = order.fed_back {
            let zone = order.zone.clone();
            self.maybe_callback(
                fed_back,
                false,
                zone.as_deref(),
                None,
                Some(&order.source_id),
            );
        }
        order
    }

    /// A work order's stages; `accept_min` and `due_hours` are its time limits.
    fn closed_loop(
        &mut self,
        id: String,
        direction: Direction,
        sent: Millis,
        accept_min: f64,
        due_hours: f64,
    ) -> WorkOrder {
        let accept_median = accept_min * 0.12;
        let accepted = sent + (lognormal(&mut self.rng, accept_median, 0.9) * MINUTE) as Millis;
        let assigned = accepted + (lognormal(&mut self.rng, 20.0, 0.8) * MINUTE) as Millis;
        let due = sent + (due_hours * HOUR) as Millis;
        let mut order = WorkOrder {
            source: SOURCE.into(),
            source_id: id,
            direction,
            call_id: None,
            category: None,
            zone: None,
            department: None,
            sent,
            accepted: Some(accepted),
            assigned: Some(assigned),
            handled: None,
            fed_back: None,
            accept_by: Some(sent + (accept_min * MINUTE) as Millis),
            due: Some(due),
            status: None,
            returned: None,
            return_reason: None,
            unrecorded: Unrecorded::NONE,
        };
        if self.rng.random::<f64>() < 0.02 {
            order.returned = Some(assigned + (self.rng.random_range(1.0..6.0) * HOUR) as Millis);
            order.return_reason =
                Some(RETURN_REASONS[self.rng.random_range(0..RETURN_REASONS.len())].into());
        } else {
            // Most orders finish well inside the limit; a tail runs over it.
            let handled =
                assigned + (lognormal(&mut self.rng, due_hours * 0.22, 0.85) * HOUR) as Millis;
            order.handled = Some(handled);
            order.fed_back = Some(handled + (lognormal(&mut self.rng, 1.0, 0.7) * HOUR) as Millis);
        }
        order.status = Some(order.derived_status().into());
        order
    }

    /// Orders 12345 sends to the police; they must all be accepted within two hours.
    fn orders_sent_to_police(&mut self) {
        let mean = self.city.sim.calls_per_day as f64 * 0.01;
        let weights: Vec<f64> = self.city.zones.iter().map(|z| z.weight).collect();
        for _ in 0..poisson(&mut self.rng, mean) {
            let sent = self.random_time();
            let id = self.next_id('W');
            let zone = pick(&mut self.rng, &weights);
            let mut order = self.closed_loop(id, Direction::ToPolice, sent, 120.0, 72.0);
            order.category =
                Some(TO_POLICE_MATTERS[self.rng.random_range(0..TO_POLICE_MATTERS.len())].into());
            order.zone = Some(self.city.zones[zone].code.clone());
            order.department = Some(format!("{}派出所", self.city.zones[zone].short_name));
            self.out.work_orders.push(order);
        }
    }

    /// Maybe calls the caller back once the matter is `done`; slow arrivals cost satisfaction.
    fn maybe_callback(
        &mut self,
        done: Millis,
        slow: bool,
        zone: Option<&str>,
        incident: Option<&str>,
        order: Option<&str>,
    ) {
        if self.rng.random::<f64>() >= self.city.sim.callback_share {
            return;
        }
        let called = done + (lognormal(&mut self.rng, 6.0, 0.6) * HOUR) as Millis;
        let reached = self.rng.random::<f64>() < 0.88;
        let p_ok = (self.city.sim.satisfaction - if slow { 0.04 } else { 0.0 }).clamp(0.0, 1.0);
        let satisfaction = reached.then(|| {
            let u: f64 = self.rng.random();
            if u < p_ok * 0.92 {
                Satisfaction::Satisfied
            } else if u < p_ok {
                Satisfaction::Basic
            } else {
                Satisfaction::Dissatisfied
            }
        });
        let id = self.next_id('B');
        self.out.callbacks.push(Callback {
            source: SOURCE.into(),
            source_id: id,
            incident_id: incident.map(str::to_string),
            work_order_id: order.map(str::to_string),
            zone: zone.map(str::to_string),
            called,
            reached,
            satisfaction,
        });
    }
}

fn utility_department(category: &str) -> &'static str {
    match category {
        "burst_pipe" => "供水公司",
        "power_cut" => "供电公司",
        "gas_leak" => "燃气公司",
        _ => "热力公司",
    }
}

fn jitter(rng: &mut impl Rng, zone: &SimZone) -> (f64, f64) {
    (
        zone.lat + rng.random_range(-0.008..0.008),
        zone.lon + rng.random_range(-0.012..0.012),
    )
}

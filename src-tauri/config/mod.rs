//! The centre's configuration, layered: built-in defaults → the centre's TOML file →
//! environment variables (`COMMANDWALL__SECTION__KEY=value`, e.g.
//! `COMMANDWALL__CENTRE__TIME_ZONE=Europe/Berlin`).

mod alerts;

use std::path::Path;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::core::alerts::rule::Rule;
pub use alerts::{Alerts, Commander, RuleConfig, WINDOWS};

/// A value that never appears in logs or `Debug` output.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(<unset>)"
        } else {
            "Secret(<redacted>)"
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub centre: Centre,
    pub zones: Vec<Zone>,
    pub posts: Vec<Post>,
    pub seats: Vec<Seat>,
    pub units: Vec<Unit>,
    pub targets: Targets,
    pub repeat: RepeatThresholds,
    pub live: Live,
    pub privacy: Privacy,
    pub simulator: Simulator,
    pub alerts: Alerts,
    pub report: Report,
    pub serve: Serve,
    pub import: Import,
}

/// How `commandwall serve` guards its connections: nobody needs the token to open one, so
/// these bound what a client can hold without it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Serve {
    /// A connection must send a whole request head within this long of opening, or of its
    /// last answer (so an idle kept-alive connection is closed after this long too).
    pub header_read_timeout_s: u64,
    /// A connection on which no byte has moved for this long while the server waits on the
    /// client (a request body that never comes, an answer nobody reads) is closed. A
    /// handler still working on an answer (a weekly report) is not waiting on the client.
    /// Keep it above 15 s: the event stream sends the browser a comment that often when
    /// nothing else changes.
    pub idle_timeout_s: u64,
    /// Connections served at once; one more is answered 503 and closed, and a warning is
    /// logged. Keep it well below the process's open-file limit (often 1,024), which the
    /// database and the report's fonts need too.
    pub max_connections: usize,
}

impl Default for Serve {
    fn default() -> Self {
        Serve {
            header_read_timeout_s: 15,
            idle_timeout_s: 60,
            max_connections: 256,
        }
    }
}

/// What `commandwall import` accepts before it says the import failed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Import {
    /// Above this share of a file's rows rejected, the import exits non-zero (the rows that
    /// were good are kept, and the summary printed): a wrong mapping or a damaged file,
    /// not a few bad rows.
    pub max_rejected_share: f64,
}

impl Default for Import {
    fn default() -> Self {
        Import {
            max_rejected_share: 0.05,
        }
    }
}

/// The weekly report (周报): when the running `serve` or window makes it, where it is kept,
/// and which template lays out its PDF.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Report {
    /// Make last week's report on schedule (`false`: only on demand).
    pub scheduled: bool,
    /// The local weekday (`mon` … `sun`) and time (`HH:MM`) it is made.
    pub weekday: chrono::Weekday,
    pub time: String,
    /// The archive, one folder per week; empty: `reports/` beside the database.
    pub archive: String,
    pub formats: Vec<ReportFormat>,
    /// `zh` or `en`.
    pub lang: String,
    /// A Typst template of the centre's own; empty: the one built in.
    pub template: String,
}

/// The files a report is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Pdf,
    Xlsx,
    Csv,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 3] = [ReportFormat::Pdf, ReportFormat::Xlsx, ReportFormat::Csv];

    /// The file extension, which is also the name on the command line and in the config.
    pub fn ext(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "pdf",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Csv => "csv",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ReportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn parse(s: &str) -> Result<ReportFormat, String> {
        ReportFormat::ALL
            .into_iter()
            .find(|f| f.ext() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("'{s}' is not a report format: pdf, xlsx or csv"))
    }
}

impl Report {
    /// The local time of day the report is made.
    pub fn time_of_day(&self) -> Result<chrono::NaiveTime, String> {
        chrono::NaiveTime::parse_from_str(self.time.trim(), "%H:%M")
            .map_err(|_| format!("report.time '{}' is not a local time like 08:00", self.time))
    }
}

impl Default for Report {
    fn default() -> Self {
        Report {
            scheduled: true,
            weekday: chrono::Weekday::Mon,
            time: "08:00".into(),
            archive: String::new(),
            formats: ReportFormat::ALL.to_vec(),
            lang: "zh".into(),
            template: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Centre {
    pub name: String,
    /// IANA name; days and ISO weeks are cut in this zone.
    pub time_zone: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub code: String,
    pub name: String,
    /// The zone's quick-response circle: 1, 3 or 5 minutes from dispatch to arrival.
    pub circle_minutes: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Post {
    pub code: String,
    pub name: String,
    pub zone: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Seat {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub zone: String,
}

/// The centre's targets (defaults from the domain contract).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    pub answer_10s_share: f64,
    pub answer_15s_share: f64,
    pub answer_20s_share: f64,
    pub processing_s: f64,
    pub processing_share: f64,
    pub sign_for_s: f64,
    pub circle_share: f64,
    pub work_order_response: f64,
    pub satisfaction: f64,
}

/// Repeat-call thresholds (Wuhai: 2 a week, 3 a month, 5 a year; seed 003).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepeatThresholds {
    pub per_week: u32,
    pub per_month: u32,
    pub per_year: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Live {
    /// After this long without a new call the wall says its figures are stale.
    pub stale_after_s: i64,
    pub refresh_ms: u64,
    /// How often the pages' lists (seats, categories, units, overdue orders, hourly
    /// volumes) are read again.
    pub lists_refresh_s: u64,
    /// How often repeat calls are screened (a pass over the year's calls).
    pub repeat_refresh_s: u64,
    /// Records dated more than this ahead of the clock are a data-quality problem the wall
    /// shows; they never count as signs that the feed is alive (clocks of the sources may
    /// run a little ahead: this is that little).
    pub ahead_tolerance_s: i64,
    /// How long before local midnight the next day's engine starts being built in the
    /// background, so the day rolls over without a pause: more than a build takes.
    pub midnight_lead_s: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Privacy {
    /// Secret for the keyed hash of caller numbers, given inline. When empty, the key is
    /// read from `caller_key_file`, or else from a file of its own per database in the
    /// user's config directory (`setup::caller_keyer`), created once, mode 0600.
    pub caller_key: Secret,
    /// The file holding the key (hex), where the centre keeps it apart from the data (a
    /// mounted secret, say). Created if missing; refused when group or others can read it.
    pub caller_key_file: String,
}

/// The synthetic city's shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Simulator {
    pub calls_per_day: u32,
    /// Share of answered calls that are non-police matters (the contract: 25–35%).
    pub non_police_share: f64,
    /// Share of non-police calls transferred to 12345.
    pub diversion_rate: f64,
    /// Share of answered calls that are invalid.
    pub invalid_share: f64,
    /// Share of reached callbacks that are satisfied or basically satisfied.
    pub satisfaction: f64,
    /// Share of finished incidents whose caller is called back.
    pub callback_share: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Default for Centre {
    fn default() -> Self {
        Centre {
            name: "示范市公安局110指挥中心".into(),
            time_zone: "Asia/Shanghai".into(),
        }
    }
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            answer_10s_share: 0.90,
            answer_15s_share: 0.90,
            answer_20s_share: 0.95,
            processing_s: 60.0,
            processing_share: 0.90,
            sign_for_s: 30.0,
            circle_share: 0.90,
            work_order_response: 1.0,
            satisfaction: 0.98,
        }
    }
}

impl Default for RepeatThresholds {
    fn default() -> Self {
        RepeatThresholds {
            per_week: 2,
            per_month: 3,
            per_year: 5,
        }
    }
}

impl Default for Live {
    fn default() -> Self {
        Live {
            stale_after_s: 120,
            refresh_ms: 1000,
            lists_refresh_s: 5,
            repeat_refresh_s: 300,
            ahead_tolerance_s: 300,
            midnight_lead_s: 600,
        }
    }
}

impl Default for Simulator {
    fn default() -> Self {
        Simulator {
            calls_per_day: 25_000,
            non_police_share: 0.30,
            diversion_rate: 0.92,
            invalid_share: 0.15,
            satisfaction: 0.97,
            callback_share: 0.25,
        }
    }
}

/// 17 patrol zones with 1/3/5-minute circles, as in Hailar's layout (seed 004).
const DEFAULT_ZONES: [(&str, u32); 17] = [
    ("正阳", 1),
    ("胜利", 1),
    ("靠山", 1),
    ("建设", 3),
    ("健康", 3),
    ("呼伦", 3),
    ("站前", 3),
    ("友谊", 3),
    ("新区", 3),
    ("河东", 3),
    ("南屯", 3),
    ("东山", 5),
    ("哈克", 5),
    ("奋斗", 5),
    ("敖包山", 5),
    ("巴彦库仁", 5),
    ("锡尼河", 5),
];

impl Default for Config {
    fn default() -> Self {
        let zones: Vec<Zone> = DEFAULT_ZONES
            .iter()
            .enumerate()
            .map(|(i, (name, circle))| Zone {
                code: format!("Z{:02}", i + 1),
                name: format!("{name}巡区"),
                circle_minutes: *circle,
            })
            .collect();
        // 27 fixed posts: two in each of the ten busiest zones, one in each of the others.
        let posts = (0..27)
            .map(|i| {
                let zone = &zones[if i < 20 { i / 2 } else { i - 10 }];
                let nth = if i < 20 { i % 2 + 1 } else { 1 };
                Post {
                    code: format!("P{:02}", i + 1),
                    name: format!("{}{}号岗", zone.name.trim_end_matches("巡区"), nth),
                    zone: zone.code.clone(),
                }
            })
            .collect();
        let seats = (1..=16)
            .map(|i| Seat {
                code: format!("S{i:02}"),
                name: format!("接警{i}席"),
            })
            .collect();
        let units = zones
            .iter()
            .flat_map(|z| {
                (1..=2).map(move |n| Unit {
                    code: format!("{}-U{n}", z.code),
                    name: format!("{}巡逻{n}组", z.name.trim_end_matches("巡区")),
                    zone: z.code.clone(),
                })
            })
            .collect();
        Config {
            centre: Centre::default(),
            zones,
            posts,
            seats,
            units,
            targets: Targets::default(),
            repeat: RepeatThresholds::default(),
            live: Live::default(),
            privacy: Privacy::default(),
            simulator: Simulator::default(),
            alerts: Alerts::default(),
            report: Report::default(),
            serve: Serve::default(),
            import: Import::default(),
        }
    }
}

const ENV_PREFIX: &str = "COMMANDWALL__";

impl Config {
    /// Defaults, then the file (if any), then `COMMANDWALL__…` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Syntax {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })?
            }
            None => toml::Table::new(),
        };
        for (var, value) in env {
            let Some(path) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
            set_path(&mut table, &keys, parse_env_value(&value)).map_err(|message| {
                ConfigError::Env {
                    var: var.clone(),
                    message,
                }
            })?;
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// The alert rules as the core runs them (validated at load).
    pub fn alert_rules(&self) -> Vec<Rule> {
        self.alerts
            .rules(&self.zone_codes())
            .expect("validated at load")
    }

    fn zone_codes(&self) -> Vec<&str> {
        self.zones.iter().map(|z| z.code.as_str()).collect()
    }

    /// The centre's time zone (validated at load).
    pub fn tz(&self) -> Tz {
        self.centre.time_zone.parse().expect("validated at load")
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.centre.time_zone.parse::<Tz>().is_err() {
            return bad(format!(
                "centre.time_zone '{}' is not an IANA time zone",
                self.centre.time_zone
            ));
        }
        if self.zones.is_empty() {
            return bad("at least one zone is needed".into());
        }
        if !(0.0..=1.0).contains(&self.import.max_rejected_share) {
            return bad(format!(
                "import.max_rejected_share {} must be a share from 0 to 1",
                self.import.max_rejected_share
            ));
        }
        for z in &self.zones {
            if z.circle_minutes == 0 {
                return bad(format!(
                    "zone {} has a response circle of 0 minutes",
                    z.code
                ));
            }
        }
        let zone_known = |code: &str| self.zones.iter().any(|z| z.code == code);
        for (what, code, zone) in self
            .posts
            .iter()
            .map(|p| ("post", &p.code, &p.zone))
            .chain(self.units.iter().map(|u| ("unit", &u.code, &u.zone)))
        {
            if !zone_known(zone) {
                return bad(format!("{what} {code} names unknown zone '{zone}'"));
            }
        }
        if self.seats.is_empty() {
            return bad("at least one seat is needed".into());
        }
        if !(0..=86_400).contains(&self.live.ahead_tolerance_s) {
            return bad(format!(
                "live.ahead_tolerance_s = {} must lie between 0 and 86400 (a day)",
                self.live.ahead_tolerance_s
            ));
        }
        let s = &self.simulator;
        for (name, v) in [
            ("non_police_share", s.non_police_share),
            ("diversion_rate", s.diversion_rate),
            ("invalid_share", s.invalid_share),
            ("satisfaction", s.satisfaction),
            ("callback_share", s.callback_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!(
                    "simulator.{name} = {v} is not a share between 0 and 1"
                ));
            }
        }
        if s.non_police_share + s.invalid_share > 0.95 {
            return bad(
                "simulator.non_police_share + invalid_share leave no police matters".into(),
            );
        }
        self.alerts
            .rules(&self.zone_codes())
            .map_err(ConfigError::Invalid)?;
        self.report.time_of_day().map_err(ConfigError::Invalid)?;
        if !matches!(self.report.lang.as_str(), "zh" | "en") {
            return bad(format!(
                "report.lang '{}' must be zh or en",
                self.report.lang
            ));
        }
        if self.report.formats.is_empty() {
            return bad("report.formats names no format (pdf, xlsx, csv)".into());
        }
        let v = &self.serve;
        for (name, value) in [
            ("header_read_timeout_s", v.header_read_timeout_s),
            ("idle_timeout_s", v.idle_timeout_s),
        ] {
            if !(1..=3_600).contains(&value) {
                return bad(format!(
                    "serve.{name} = {value} must lie between 1 and 3600 seconds"
                ));
            }
        }
        if !(1..=100_000).contains(&v.max_connections) {
            return bad(format!(
                "serve.max_connections = {} must lie between 1 and 100000",
                v.max_connections
            ));
        }
        Ok(())
    }
}

/// Environment values are read as TOML where they parse (numbers, booleans) and as
/// strings otherwise, so `Asia/Shanghai` needs no quotes.
fn parse_env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn set_path(table: &mut toml::Table, keys: &[String], value: toml::Value) -> Result<(), String> {
    let (last, parents) = keys.split_last().ok_or("empty key")?;
    let mut cur = table;
    for k in parents {
        cur = cur
            .entry(k.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| format!("'{k}' is not a section"))?;
    }
    cur.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_describe_the_contract_city() {
        let c = Config::load(None, []).unwrap();
        assert_eq!(c.zones.len(), 17);
        assert_eq!(c.posts.len(), 27);
        assert_eq!(c.seats.len(), 16);
        assert_eq!(c.tz(), chrono_tz::Asia::Shanghai);
        assert_eq!(
            (c.repeat.per_week, c.repeat.per_month, c.repeat.per_year),
            (2, 3, 5)
        );
        assert!(c
            .zones
            .iter()
            .all(|z| [1, 3, 5].contains(&z.circle_minutes)));
    }

    #[test]
    fn file_then_environment_override() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("centre.toml");
        std::fs::write(
            &path,
            "[centre]\nname = \"乌海\"\n[simulator]\ncalls_per_day = 900\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            env(&[
                ("COMMANDWALL__CENTRE__TIME_ZONE", "Europe/Berlin"),
                ("COMMANDWALL__SIMULATOR__CALLS_PER_DAY", "1200"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.centre.name, "乌海");
        assert_eq!(c.centre.time_zone, "Europe/Berlin");
        assert_eq!(c.simulator.calls_per_day, 1200);
    }

    #[test]
    fn bad_values_are_named() {
        let err = Config::load(
            None,
            env(&[("COMMANDWALL__CENTRE__TIME_ZONE", "Mars/Olympus")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"), "{err}");
        let err = Config::load(
            None,
            env(&[("COMMANDWALL__SIMULATOR__SATISFACTION", "1.5")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("simulator.satisfaction"), "{err}");
        let err = Config::load(None, env(&[("COMMANDWALL__CENTRE__COLOUR", "red")])).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::load(
            None,
            env(&[("COMMANDWALL__PRIVACY__CALLER_KEY", "hunter2")]),
        )
        .unwrap();
        assert_eq!(c.privacy.caller_key.0, "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}

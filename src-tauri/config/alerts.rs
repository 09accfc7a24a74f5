//! The `[alerts]` section: the centre's rules and the commanders who may acknowledge.
//! Rules are read as plain TOML tables and turned into the core's typed `Rule`s at load,
//! with messages that name the rule, the key and the valid values.

use serde::Deserialize;

use super::Secret;
use crate::core::alerts::rule::{Direction, Level, Rule, RuleKind};
use crate::core::kpi::vocabulary::Figure;

/// The live windows a threshold can watch (the engine's, `core::kpi::engine::windows`).
pub const WINDOWS: [&str; 6] = [
    "last_15m",
    "last_60m",
    "day_so_far",
    "week_so_far",
    "month_so_far",
    "year_so_far",
];

const KINDS: [&str; 6] = [
    "threshold",
    "baseline",
    "repeat",
    "work_orders",
    "waiting_calls",
    "feed",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Alerts {
    /// The wall chimes for orange and red alerts (off: silent wall).
    pub chime: bool,
    /// Minutes before an unacknowledged alert rises a level, unless a rule says otherwise
    /// (0: never).
    pub escalate_after_min: u64,
    pub rules: Vec<RuleConfig>,
    pub commanders: Vec<Commander>,
}

/// A commander who may acknowledge and silence alerts from a browser desk with their own
/// token (the wall's token can only read).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commander {
    pub name: String,
    #[serde(default)]
    pub token: Secret,
}

/// One rule as written in TOML; which keys apply depends on `kind`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleConfig {
    pub id: String,
    pub kind: String,
    pub level: Option<String>,
    /// Seconds the condition must hold before the alert fires.
    pub hold_s: Option<u64>,
    pub escalate_after_min: Option<u64>,
    pub figure: Option<String>,
    pub window: Option<String>,
    pub zone: Option<String>,
    pub above: Option<f64>,
    pub below: Option<f64>,
    pub clear: Option<f64>,
    pub weeks: Option<u32>,
    pub sigmas: Option<[f64; 4]>,
    pub warn_before_min: Option<u64>,
    pub max_waiting: Option<u32>,
    pub max_wait_s: Option<u64>,
    pub silent_s: Option<u64>,
}

impl Default for Alerts {
    fn default() -> Self {
        let rule = |id: &str, kind: &str, level: &str| RuleConfig {
            id: id.into(),
            kind: kind.into(),
            level: Some(level.into()),
            ..RuleConfig::default()
        };
        Alerts {
            chime: true,
            escalate_after_min: 10,
            rules: vec![
                RuleConfig {
                    silent_s: Some(120),
                    ..rule("feed", "feed", "red")
                },
                RuleConfig {
                    weeks: Some(8),
                    ..rule("call_volume", "baseline", "blue")
                },
                RuleConfig {
                    max_waiting: Some(5),
                    max_wait_s: Some(30),
                    hold_s: Some(10),
                    ..rule("waiting_calls", "waiting_calls", "orange")
                },
                RuleConfig {
                    warn_before_min: Some(60),
                    ..rule("work_orders", "work_orders", "yellow")
                },
                rule("repeat_calls", "repeat", "yellow"),
                RuleConfig {
                    figure: Some("answered_within_15s".into()),
                    window: Some("last_60m".into()),
                    below: Some(0.90),
                    clear: Some(0.92),
                    hold_s: Some(300),
                    ..rule("answer_15s", "threshold", "yellow")
                },
            ],
            // The demo city's duty commanders; a centre lists its own, with tokens for
            // the browser desk.
            commanders: ["张伟", "李强"]
                .map(|name| Commander {
                    name: name.into(),
                    token: Secret::default(),
                })
                .to_vec(),
        }
    }
}

impl Alerts {
    /// The rules as the core runs them; `zones` are the configured zone codes.
    pub fn rules(&self, zones: &[&str]) -> Result<Vec<Rule>, String> {
        let mut out: Vec<Rule> = Vec::new();
        for r in &self.rules {
            let rule = r.to_rule(zones, self.escalate_after_min)?;
            if out.iter().any(|o| o.id == rule.id) {
                return Err(format!("alerts: two rules have the id '{}'", rule.id));
            }
            out.push(rule);
        }
        let mut names: Vec<&str> = Vec::new();
        for c in &self.commanders {
            let who = c.name.trim();
            if who.is_empty() {
                return Err("alerts.commanders: a commander has no name".into());
            }
            if names.contains(&who) {
                return Err(format!("alerts.commanders: '{who}' is listed twice"));
            }
            names.push(who);
            if !c.token.0.is_empty() && c.token.0.trim().len() < 16 {
                return Err(format!(
                    "alerts.commanders '{who}': the token must be at least 16 characters"
                ));
            }
        }
        Ok(out)
    }
}

impl RuleConfig {
    fn to_rule(&self, zones: &[&str], escalate_default: u64) -> Result<Rule, String> {
        let id = self.id.trim();
        if id.is_empty() {
            return Err(format!(
                "alerts.rules: a rule of kind '{}' has no id",
                self.kind
            ));
        }
        let at = |key: &str| format!("alerts rule '{id}': {key}");
        let level = match &self.level {
            None => Level::Yellow,
            Some(l) => Level::parse(l).ok_or_else(|| {
                format!(
                    "{} '{l}' is not a level; the levels are blue, yellow, orange, red",
                    at("level")
                )
            })?,
        };
        // Keys each kind reads; any other key set is a mistake worth naming.
        let (kind, keys): (RuleKind, &[&str]) = match self.kind.as_str() {
            "threshold" => (
                self.threshold(zones, &at)?,
                &["figure", "window", "zone", "above", "below", "clear"],
            ),
            "baseline" => {
                let sigmas = self.sigmas.unwrap_or([2.0, 3.0, 4.0, 5.0]);
                if !sigmas.windows(2).all(|w| w[0] < w[1]) || sigmas[0] <= 0.0 {
                    return Err(format!("{} must rise, e.g. [2, 3, 4, 5]", at("sigmas")));
                }
                let weeks = self.weeks.unwrap_or(8);
                if !(2..=52).contains(&weeks) {
                    return Err(format!("{} = {weeks}: between 2 and 52 weeks", at("weeks")));
                }
                (RuleKind::Baseline { weeks, sigmas }, &["weeks", "sigmas"])
            }
            "repeat" => (RuleKind::Repeat, &[]),
            "work_orders" => (
                RuleKind::WorkOrders {
                    warn_before: self.warn_before_min.unwrap_or(120) as i64 * 60_000,
                },
                &["warn_before_min"],
            ),
            "waiting_calls" => (
                RuleKind::WaitingCalls {
                    max_waiting: self.max_waiting.unwrap_or(5),
                    max_wait: self.max_wait_s.unwrap_or(30) as i64 * 1000,
                },
                &["max_waiting", "max_wait_s"],
            ),
            "feed" => (
                RuleKind::Feed {
                    silent_for: self.silent_s.unwrap_or(120) as i64 * 1000,
                },
                &["silent_s"],
            ),
            other => {
                return Err(format!(
                    "{} '{other}' is not a rule kind; the kinds are {}",
                    at("kind"),
                    KINDS.join(", ")
                ))
            }
        };
        for (key, set) in self.kind_keys() {
            if set && !keys.contains(&key) {
                return Err(format!(
                    "{} does not apply to a {} rule{}",
                    at(key),
                    self.kind,
                    if keys.is_empty() {
                        String::new()
                    } else {
                        format!(" (it takes {})", keys.join(", "))
                    }
                ));
            }
        }
        let escalate = self.escalate_after_min.unwrap_or(escalate_default);
        Ok(Rule {
            id: id.to_string(),
            kind,
            level,
            hold: self.hold_s.unwrap_or(0) as i64 * 1000,
            escalate_after: (escalate > 0).then_some(escalate as i64 * 60_000),
        })
    }

    /// Every kind-specific key and whether it is set.
    fn kind_keys(&self) -> [(&'static str, bool); 12] {
        [
            ("figure", self.figure.is_some()),
            ("window", self.window.is_some()),
            ("zone", self.zone.is_some()),
            ("above", self.above.is_some()),
            ("below", self.below.is_some()),
            ("clear", self.clear.is_some()),
            ("weeks", self.weeks.is_some()),
            ("sigmas", self.sigmas.is_some()),
            ("warn_before_min", self.warn_before_min.is_some()),
            ("max_waiting", self.max_waiting.is_some()),
            ("max_wait_s", self.max_wait_s.is_some()),
            ("silent_s", self.silent_s.is_some()),
        ]
    }

    fn threshold(&self, zones: &[&str], at: &dyn Fn(&str) -> String) -> Result<RuleKind, String> {
        let figure: Figure = self
            .figure
            .as_deref()
            .ok_or_else(|| format!("{} is missing", at("figure")))?
            .parse()
            .map_err(|e| format!("{}: {e}", at("figure")))?;
        let window = self.window.clone().unwrap_or_else(|| "last_60m".into());
        if !WINDOWS.contains(&window.as_str()) {
            return Err(format!(
                "{} '{window}' is not a live window; the windows are {}",
                at("window"),
                WINDOWS.join(", ")
            ));
        }
        if let Some(z) = &self.zone {
            if !zones.contains(&z.as_str()) {
                return Err(format!(
                    "{} '{z}' is not a configured zone; the zones are {}",
                    at("zone"),
                    zones.join(", ")
                ));
            }
        }
        let (direction, fire) = match (self.above, self.below) {
            (Some(a), None) => (Direction::Above, a),
            (None, Some(b)) => (Direction::Below, b),
            _ => {
                return Err(format!(
                    "{} needs exactly one of above or below",
                    at("threshold")
                ))
            }
        };
        let clear = self.clear.unwrap_or(fire);
        let wrong_side = match direction {
            Direction::Above => clear > fire,
            Direction::Below => clear < fire,
        };
        if wrong_side {
            return Err(format!(
                "{} = {clear} must be on the calm side of the limit {fire} (it is where the alert clears)",
                at("clear")
            ));
        }
        Ok(RuleKind::Threshold {
            figure,
            window,
            zone: self.zone.clone(),
            direction,
            fire,
            clear,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Rule>, String> {
        let a: Alerts = toml::from_str(text).map_err(|e| e.message().to_string())?;
        a.rules(&["Z01", "Z07"])
    }

    #[test]
    fn the_default_rules_are_valid() {
        let rules = Alerts::default().rules(&["Z01"]).unwrap();
        assert_eq!(rules.len(), 6);
        assert_eq!(rules[0].escalate_after, Some(600_000));
    }

    #[test]
    fn a_threshold_rule_reads_as_written() {
        let r = parse(
            r#"[[rules]]
            id = "z07_arrival"
            kind = "threshold"
            figure = "arrival_p90_s"
            window = "last_60m"
            zone = "Z07"
            above = 480
            clear = 420
            level = "orange"
            hold_s = 120"#,
        )
        .unwrap();
        assert_eq!(r[0].hold, 120_000);
        assert_eq!(r[0].level, Level::Orange);
        assert_eq!(r[0].page(), "response");
    }

    #[test]
    fn mistakes_name_the_rule_the_key_and_the_valid_values() {
        let rule = |body: &str| parse(&format!("[[rules]]\nid = \"r1\"\n{body}")).unwrap_err();
        let e = rule("kind = \"threshold\"\nfigure = \"arrival_p99_s\"\nabove = 1");
        assert!(
            e.starts_with("alerts rule 'r1': figure: 'arrival_p99_s' is not a figure"),
            "{e}"
        );
        assert!(e.contains("arrival_p90_s"), "{e}");
        let e = rule("kind = \"threshold\"\nfigure = \"calls\"\nwindow = \"last_30m\"\nabove = 1");
        assert!(
            e.contains("window 'last_30m' is not a live window") && e.contains("last_15m"),
            "{e}"
        );
        let e = rule("kind = \"threshold\"\nfigure = \"calls\"\nzone = \"Z99\"\nabove = 1");
        assert!(
            e.contains("'Z99' is not a configured zone; the zones are Z01, Z07"),
            "{e}"
        );
        let e = rule("kind = \"threshold\"\nfigure = \"calls\"\nabove = 10\nclear = 12");
        assert!(e.contains("clear = 12 must be on the calm side"), "{e}");
        let e = rule("kind = \"feed\"\nweeks = 3");
        assert!(
            e.contains("weeks does not apply to a feed rule (it takes silent_s)"),
            "{e}"
        );
        let e = rule("kind = \"volume\"");
        assert!(
            e.contains("'volume' is not a rule kind; the kinds are threshold, baseline"),
            "{e}"
        );
        let e = rule("kind = \"repeat\"\nlevel = \"purple\"");
        assert!(e.contains("level 'purple' is not a level"), "{e}");
        let e = parse("[[rules]]\nid = \"r1\"\nkind = \"repeat\"\ncolour = \"red\"").unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
    }
}

//! `commandwall alerts`: the alerts as the audit has them, and a commander's
//! acknowledgement or silence from the command line.

use std::fmt::Write as _;

use chrono_tz::Tz;

use super::parse;
use crate::config::Config;
use crate::core::alerts::lifecycle::{Actor, Event};
use crate::core::model::Millis;
use crate::core::time::utc;
use crate::services::alerts::{self, AlertView};
use crate::setup::now_ms;
use crate::store::{OpenMode, Store};

#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub action: Option<AlertAction>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum AlertAction {
    /// Acknowledge a firing alert.
    Ack {
        id: u64,
        /// The commander acknowledging (one of the configured commanders).
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Silence an alert for a while: it stays listed but neither flashes, chimes nor
    /// escalates.
    Silence {
        id: u64,
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        comment: String,
        /// How long: 30m, 1h, 4h, 1d.
        #[arg(long = "for", default_value = "1h")]
        duration: String,
    },
    /// The audit: every transition between two times (default: the last day).
    History {
        #[arg(long, requires = "to")]
        from: Option<String>,
        #[arg(long, requires = "from")]
        to: Option<String>,
    },
}

pub async fn run(url: &str, config: &Config, args: &AlertsArgs) -> anyhow::Result<()> {
    let store = Store::open(url, OpenMode::Existing).await?;
    let tz = config.tz();
    let now = now_ms();
    let out = match &args.action {
        None => {
            let view = alerts::current(&store, config, now).await?;
            if args.json {
                serde_json::to_string_pretty(&view)?
            } else {
                let mut s = format!("active alerts: {}\n", view.active.len());
                for a in &view.active {
                    line(&mut s, a, tz);
                }
                let _ = writeln!(s, "resolved in the last day: {}", view.recent.len());
                for a in &view.recent {
                    line(&mut s, a, tz);
                }
                s
            }
        }
        Some(AlertAction::Ack { id, by, comment }) => {
            let actor = commander(config, by, comment)?;
            let e = alerts::acknowledge(&store, *id, actor, now).await?;
            done(&e, args.json, tz)?
        }
        Some(AlertAction::Silence {
            id,
            by,
            comment,
            duration,
        }) => {
            let span = parse::span(duration).map_err(anyhow::Error::msg)?;
            anyhow::ensure!(span.num_minutes() > 0, "--for must be at least a minute");
            let actor = commander(config, by, comment)?;
            let until = now + span.num_milliseconds();
            let e = alerts::silence(&store, *id, actor, until, now).await?;
            done(&e, args.json, tz)?
        }
        Some(AlertAction::History { from, to }) => {
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) => (
                    parse::bound(tz, "--from", f, false)?,
                    parse::bound(tz, "--to", t, true)?,
                ),
                _ => (now - 86_400_000, now + 1),
            };
            let rows = store.alert_events_between(from, to).await?;
            if args.json {
                serde_json::to_string_pretty(&rows)?
            } else {
                let mut s = format!("{} audit rows\n", rows.len());
                for e in &rows {
                    let _ = writeln!(s, "{}", row(e, tz));
                }
                s
            }
        }
    };
    println!("{}", out.trim_end());
    store.close().await;
    Ok(())
}

/// The named commander, who must be one of the configured ones.
fn commander(config: &Config, by: &str, comment: &str) -> anyhow::Result<Actor> {
    let names: Vec<&str> = config
        .alerts
        .commanders
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    anyhow::ensure!(
        names.contains(&by.trim()),
        "--by '{by}' is not a configured commander; the commanders are: {}",
        if names.is_empty() {
            "none (add [[alerts.commanders]] to the config)".to_string()
        } else {
            names.join(", ")
        }
    );
    Ok(Actor {
        who: by.trim().to_string(),
        comment: comment.to_string(),
        door: "cli".into(),
        address: std::env::var("USER").unwrap_or_default(),
    })
}

fn local(tz: Tz, t: Millis) -> String {
    utc(t)
        .with_timezone(&tz)
        .format("%m-%d %H:%M:%S")
        .to_string()
}

fn line(s: &mut String, a: &AlertView, tz: Tz) {
    let x = &a.alert;
    let by = x
        .acknowledged
        .as_ref()
        .map(|(who, at)| format!("  acknowledged by {} at {}", who.who, local(tz, *at)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "#{:<5} {:<7} {:<13} {:<14} {:<20} since {}  {}{by}",
        x.id,
        x.level.key(),
        format!("{:?}", x.state).to_lowercase(),
        x.rule,
        x.cut,
        local(tz, x.since),
        x.detail
    );
}

fn row(e: &Event, tz: Tz) -> String {
    let who = e
        .actor
        .as_ref()
        .map(|a| {
            format!(
                "  by {} via {} {} «{}»",
                a.who, a.door, a.address, a.comment
            )
        })
        .unwrap_or_default();
    format!(
        "{}  #{:<5} {:<12} {:<7} {:<14} {:<20} {}{who}",
        local(tz, e.at),
        e.alert,
        e.kind.key(),
        e.level.key(),
        e.rule,
        e.cut,
        e.detail
    )
}

fn done(e: &Event, json: bool, tz: Tz) -> anyhow::Result<String> {
    Ok(if json {
        serde_json::to_string_pretty(e)?
    } else {
        row(e, tz)
    })
}

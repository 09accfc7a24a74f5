//! `commandwall kpi`: the figures of a window as a table or JSON, for scripts and checks.

use std::fmt::Write as _;

use chrono_tz::Tz;

use super::parse;
use crate::charts::set::band_label;
use crate::charts::Lang;
use crate::config::Config;
use crate::core::kpi::evaluate::Evaluated;
use crate::core::kpi::filter::Filter;
use crate::core::kpi::report::{BandEdges, Change, Compared};
use crate::core::kpi::vocabulary::{Figure, Unit};
use crate::core::kpi::window::{calendar, parse_period, range};
use crate::core::model::Millis;
use crate::core::repeat::Governance;
use crate::core::time::utc;
use crate::services::desk_queries::check_cut;
use crate::services::figures::{build_engine, evaluate, governance, zones};
use crate::setup::now_ms;
use crate::store::{OpenMode, Store};

#[derive(Debug, clap::Args)]
pub struct KpiArgs {
    /// Start: a local date (2025-08-24, from its midnight) or an RFC 3339 time.
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// End, exclusive: a local date (through the end of that day) or an RFC 3339 time.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// A calendar period instead of --from/--to: 2026-11-24, 2026-W47, 2026-11 or 2026
    /// (同比 for an ISO week is the same week number a year earlier).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub period: Option<String>,
    /// Judge open work orders and live windows at this time (RFC 3339) instead of now.
    #[arg(long)]
    pub as_of: Option<String>,
    #[arg(long)]
    pub zone: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    #[arg(long)]
    pub seat: Option<String>,
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub priority: Option<i32>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print the repeat-call governance list (last 7, 30 and 365 days) instead.
    #[arg(long, conflicts_with_all = ["from", "to", "period"])]
    pub repeat: bool,
    /// Print the open work orders past their time limit (at most 200) instead.
    #[arg(long, conflicts_with_all = ["from", "to", "period", "repeat"])]
    pub overdue: bool,
}

pub async fn run(url: &str, config: &Config, args: &KpiArgs) -> anyhow::Result<()> {
    let store = Store::open(url, OpenMode::Existing).await?;
    let tz = config.tz();
    let zones = zones(config);
    let now = match &args.as_of {
        Some(t) => parse::time("--as-of", t)?,
        None => now_ms(),
    };
    let filter = Filter {
        zone: args.zone.clone(),
        category: args.category.clone(),
        channel: args.channel.clone(),
        seat: args.seat.clone(),
        unit: args.unit.clone(),
        priority: args.priority,
    };
    check_cut(config, &filter).map_err(anyhow::Error::msg)?;
    if args.overdue {
        let list = store.overdue_orders(now, 200).await?;
        let out = if args.json {
            serde_json::to_string_pretty(&list)?
        } else {
            let mut s = format!("open work orders past their time limit: {}\n", list.len());
            for o in &list {
                let _ = writeln!(
                    s,
                    "{:<20} {:<10} {:<16} {:<6} due {}  overdue {}",
                    o.source_id,
                    o.direction,
                    o.category.as_deref().unwrap_or("-"),
                    o.zone.as_deref().unwrap_or("-"),
                    local(tz, o.due),
                    crate::core::time::describe_span(now - o.due)
                );
            }
            s
        };
        println!("{out}");
        store.close().await;
        return Ok(());
    }
    if args.repeat {
        let g = governance(&store, config, now).await?;
        let out = if args.json {
            serde_json::to_string_pretty(&g)?
        } else {
            repeat_table(&g, tz)
        };
        println!("{out}");
        store.close().await;
        return Ok(());
    }
    let window = match (&args.period, &args.from, &args.to) {
        (Some(p), _, _) => {
            let (kind, period) = parse_period(p).map_err(|e| anyhow::anyhow!("--period {e}"))?;
            Some(calendar(tz, kind, period))
        }
        (None, Some(f), Some(t)) => {
            let from = parse::bound(tz, "--from", f, false)?;
            let to = parse::bound(tz, "--to", t, true)?;
            anyhow::ensure!(
                from < to,
                "--from ({f}) must be before --to ({t}): the window would be empty"
            );
            Some(range(tz, from, to))
        }
        _ => None,
    };
    let out = match window {
        Some(window) => {
            let e = evaluate(&store, &zones, window, &filter, now).await?;
            if args.json {
                serde_json::to_string_pretty(&e)?
            } else {
                table(&e, tz)
            }
        }
        _ => {
            anyhow::ensure!(
                filter.is_empty(),
                "the live windows are cut by zone only, as on the wall; give --period or --from/--to to cut by other fields"
            );
            let (engine, _) = build_engine(&store, zones, tz, None, now).await?;
            let snap = engine.snapshot();
            if args.json {
                serde_json::to_string_pretty(&*snap)?
            } else {
                let mut s = String::new();
                for w in &snap.windows {
                    let e = Evaluated {
                        key: w.key.clone(),
                        span: w.span,
                        yoy: w.yoy,
                        pop: w.pop,
                        report: (*w.cuts[0].report).clone(),
                        compared: w.cuts[0].compared.clone(),
                    };
                    s.push_str(&table(&e, tz));
                    s.push('\n');
                }
                s
            }
        }
    };
    println!("{out}");
    store.close().await;
    Ok(())
}

fn fmt_value(key: Figure, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if key.unit() == Unit::Share => format!("{:.1}%", v * 100.0),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

/// `−6000 (−11.3%)`; a share's difference in percentage points; "—" without a base.
fn fmt_change(key: Figure, c: &Change) -> String {
    let Some(d) = c.diff else {
        return "—".into();
    };
    let diff = if key.unit() == Unit::Share {
        format!("{:+.1}pp", d * 100.0)
    } else if d.fract() == 0.0 {
        format!("{d:+.0}")
    } else {
        format!("{d:+.1}")
    };
    match c.pct {
        Some(p) => format!("{diff} ({p:+.1}%)"),
        None => format!("{diff} (—)"),
    }
}

fn local(tz: Tz, t: Millis) -> String {
    utc(t)
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A plain-text table: each figure with 同比 and 环比, then each interval with n, average,
/// p50, p90 and the records left out.
fn table(e: &Evaluated, tz: Tz) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}  {} … {} ({})",
        e.key,
        local(tz, e.span.from),
        local(tz, e.span.to),
        tz
    );
    let _ = writeln!(
        s,
        "{:<28} {:>12} {:>22} {:>22}",
        "figure", "value", "同比 yoy", "环比 pop"
    );
    let by_key = |k: Figure| e.compared.iter().find(|c| c.key == k);
    for m in &e.report.metrics {
        if let Some(Compared { yoy, pop, .. }) = by_key(m.key) {
            let _ = writeln!(
                s,
                "{:<28} {:>12} {:>22} {:>22}",
                m.key.key(),
                fmt_value(m.key, m.value),
                fmt_change(m.key, yoy),
                fmt_change(m.key, pop)
            );
        }
    }
    let _ = writeln!(
        s,
        "{:<14} {:>8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>12}  bands (exact interval)",
        "interval (s)", "n", "avg", "p50", "p90", "missing", "negative", "not recorded"
    );
    for i in &e.report.intervals {
        // Known only by bands (a phone system's counts): the band, not invented seconds.
        let o = |v: Option<u32>, band: Option<BandEdges>| match (v, band) {
            (Some(v), _) => v.to_string(),
            (None, Some((lo, hi))) => band_label(lo, hi, Lang::En).replace(' ', ""),
            (None, None) => "—".into(),
        };
        let bands: Vec<String> = i
            .bands
            .iter()
            .map(|b| match b.hi_s {
                Some(hi) => format!("≤{} {}", short_duration(hi), b.count),
                None => format!(">{} {}", short_duration(b.lo_s), b.count),
            })
            .collect();
        let _ = writeln!(
            s,
            "{:<14} {:>8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>12}  {}",
            i.key.key(),
            i.n,
            i.avg_s.map_or("—".into(), |a| format!("{a:.1}")),
            o(i.p50_s, i.p50_band),
            o(i.p90_s, i.p90_band),
            i.missing,
            i.negative,
            i.not_recorded,
            bands.join(" · ")
        );
    }
    s
}

/// A band edge as people say it: 30s, 5m, 4h, 3d.
fn short_duration(secs: u32) -> String {
    match secs {
        s if s < 60 || s % 60 != 0 => format!("{s}s"),
        s if s < 3600 || s % 3600 != 0 => format!("{}m", s / 60),
        s if s < 86_400 || s % 86_400 != 0 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Flagged callers and places (masked numbers only) and events with several callers.
fn repeat_table(g: &Governance, tz: Tz) -> String {
    let mut s = String::new();
    if let Some(t) = g.thresholds {
        let _ = writeln!(
            s,
            "thresholds: {} in 7 days, {} in 30 days, {} in 365 days",
            t.week, t.month, t.year
        );
    }
    for (title, list) in [
        ("callers 一人多报", &g.callers),
        ("places 一地多报", &g.places),
    ] {
        let _ = writeln!(s, "\n{title}: {}", list.len());
        let _ = writeln!(
            s,
            "{:<32} {:<16} {:<6} {:>4} {:>5} {:>4}  {:<16} last",
            "who", "category", "zone", "week", "month", "year", "crossed"
        );
        for f in list {
            let _ = writeln!(
                s,
                "{:<32} {:<16} {:<6} {:>4} {:>5} {:>4}  {:<16} {}",
                f.who,
                f.category.as_deref().unwrap_or("-"),
                f.zone.as_deref().unwrap_or("-"),
                f.week,
                f.month,
                f.year,
                f.crossed.join(","),
                local(tz, f.last)
            );
        }
    }
    let _ = writeln!(
        s,
        "\nevents with several callers 多人报一 (7 days): {}",
        g.events.len()
    );
    for e in g.events.iter().take(20) {
        let _ = writeln!(
            s,
            "{:<20} {:<16} {:<6} {} calls from {} callers, {} … {}",
            e.incident_id,
            e.category.as_deref().unwrap_or("-"),
            e.zone.as_deref().unwrap_or("-"),
            e.calls,
            e.callers,
            local(tz, e.first),
            local(tz, e.last)
        );
    }
    s
}

//! `commandwall report`: the weekly report (or any range's) as files, from the command line.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;

use crate::charts::Lang;
use crate::config::{Config, ReportFormat};
use crate::core::kpi::window::{parse_period, Calendar};
use crate::services::report::{self, last_week, Covers, Request};
use crate::setup::{now_ms, open_store};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The ISO week, e.g. 2026-W47. Default: last week.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub week: Option<String>,
    /// The first local day of a range (with --to), e.g. 2026-11-01.
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// The last local day of the range, included.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Formats, comma-separated: pdf, xlsx, csv. Default: the config's (all three).
    #[arg(long, value_delimiter = ',')]
    pub format: Vec<String>,
    /// The folder the files are written to.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// A Typst template of the centre's own (default: the config's, else the built-in one).
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// zh (default: the config's) or en.
    #[arg(long)]
    pub lang: Option<String>,
    /// Made as of this time (RFC 3339) instead of now: later stages count up to it.
    #[arg(long)]
    pub as_of: Option<String>,
}

fn day(option: &str, text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{option} '{text}' is not a date like 2026-11-01"))
}

/// What the arguments ask for.
pub fn request(args: &ReportArgs, config: &Config, now: i64) -> anyhow::Result<Request> {
    let covers = match (&args.week, &args.from, &args.to) {
        (Some(w), _, _) => match parse_period(w).map_err(anyhow::Error::msg)? {
            (Calendar::Week, p) => Covers::Week(p),
            _ => anyhow::bail!("--week '{w}' is not an ISO week like 2026-W47"),
        },
        (None, Some(f), Some(t)) => {
            let (first, last) = (day("--from", f)?, day("--to", t)?);
            anyhow::ensure!(first <= last, "--from {f} is after --to {t}");
            Covers::Days { first, last }
        }
        _ => last_week(config, now),
    };
    let mut r = Request::from_config(config, covers)?;
    if let Some(t) = &args.template {
        r.template = report::template(config, Some(t))?;
    }
    if let Some(l) = &args.lang {
        anyhow::ensure!(
            matches!(l.as_str(), "zh" | "en"),
            "--lang '{l}' must be zh or en"
        );
        r.lang = Lang::parse(l);
    }
    if !args.format.is_empty() {
        r.formats = args
            .format
            .iter()
            .map(|f| ReportFormat::parse(f))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?;
    }
    Ok(r)
}

pub async fn run(url: &str, config: &Config, args: &ReportArgs) -> anyhow::Result<()> {
    let now = match &args.as_of {
        Some(t) => super::parse::time("--as-of", t)?,
        None => now_ms(),
    };
    let request = request(args, config, now)?;
    let store = open_store(url, config).await?;
    let made = report::make(&store, config, &request, now).await?;
    for path in report::save(&made, &args.out)? {
        println!("{}", path.display());
    }
    for e in &made.chart_errors {
        eprintln!("warning: made without a chart: {e}");
    }
    Ok(())
}

//! The `commandwall` command line: one binary, one subcommand per door. Arguments are
//! parsed here (`parse`) and handed on as typed values.

pub mod alerts;
pub mod bench;
mod bench_import;
pub mod caller_key;
pub mod categories;
pub mod kpi;
pub mod parse;
pub mod progress;
pub mod report;
pub mod watch;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::core::model::Millis;
use crate::core::time::utc;
use crate::doors::{serve, window};
use crate::import::{import_file_showing, ImportSummary, Mapping};
use crate::services::simulation::{self, Plan};
use crate::setup::{caller_keyer, database_url, now_ms, open_store};
use crate::sim::City;
use crate::store::{OpenMode, Store};

#[derive(Debug, Parser)]
#[command(
    name = "commandwall",
    version,
    about = "指挥大屏 Command Wall: the 110 command hall's wallboard"
)]
pub struct Cli {
    /// Database URL (sqlite:PATH) or a path to a SQLite file. Default: commandwall.db in the
    /// user's data directory.
    #[arg(long, global = true, env = "COMMANDWALL_DATABASE")]
    pub database: Option<String>,
    /// The centre's TOML configuration.
    #[arg(long, global = true, env = "COMMANDWALL_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the wallboard window (the default).
    Desktop(DesktopArgs),
    /// Fill the database with a simulated city, past days and/or live.
    Simulate(SimulateArgs),
    /// Import a CSV export through a mapping, or every file a CAD exports into a folder.
    Import {
        #[arg(required_unless_present = "watch", conflicts_with = "watch")]
        file: Option<PathBuf>,
        /// A mapping file (TOML), or a built-in mapping: decc_cad, decc_units, nyc311, decc_phone_hourly.
        #[arg(long)]
        mapping: PathBuf,
        /// Keep taking the new and grown files of this folder until Ctrl-C.
        #[arg(long, value_name = "DIR")]
        watch: Option<PathBuf>,
        /// How often the folder is looked at; a file is taken once it has not changed for
        /// this long.
        #[arg(long, default_value = "1s", value_parser = parse::duration, requires = "watch")]
        poll: std::time::Duration,
    },
    /// Print the category codes a mapping translates into, in Chinese and English.
    Categories(categories::CategoriesArgs),
    /// Print the figures of a window (or, without --from/--to, the wall's live windows).
    Kpi(kpi::KpiArgs),
    /// Serve the wall to browsers on other wall controllers (read-only, token required).
    Serve(serve::ServeArgs),
    /// The alerts: list them, acknowledge or silence one as a named commander, the audit.
    Alerts(alerts::AlertsArgs),
    /// Make the weekly report (周报), or a range's: PDF, spreadsheet and CSV files.
    Report(report::ReportArgs),
    /// Benchmark the live engine against the naive recompute on this database.
    Bench(bench::BenchArgs),
    /// The caller-hashing key: where it is kept, and starting a new one deliberately.
    CallerKey {
        #[command(subcommand)]
        action: caller_key::CallerKeyAction,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
}

#[derive(Debug, Clone, clap::Args, Default)]
pub struct DesktopArgs {
    /// Full-screen wall mode: no cursor, pages rotating.
    #[arg(long)]
    pub wall: bool,
    /// The monitor the wall fills, counted from 1 in the order the system lists them
    /// (default: the one the window opens on).
    #[arg(long, requires = "wall")]
    pub monitor: Option<usize>,
    /// Run the built-in simulator live into the database (and backfill it if it is empty).
    #[arg(long)]
    pub demo: bool,
    /// Days to backfill when the demo database is empty.
    #[arg(long, default_value = "14d")]
    pub demo_backfill: String,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Write this much history up to now, e.g. 400d (so year-on-year figures exist).
    #[arg(long)]
    pub backfill: Option<String>,
    /// Then keep writing as a CAD would, each stage when its time comes.
    #[arg(long)]
    pub live: bool,
    /// Live speed, e.g. 60x (an hour a minute).
    #[arg(long, default_value = "1x")]
    pub speed: String,
    /// Seed of the synthetic city; the same seed gives the same data.
    #[arg(long, default_value_t = 110)]
    pub seed: u64,
    /// Calls per ordinary day (overrides the config).
    #[arg(long)]
    pub calls_per_day: Option<u32>,
    /// End of the backfill (RFC 3339), instead of now; for reproducible data sets.
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Create the database if needed and bring its schema up to date.
    Migrate,
    /// Check an existing database: integrity, schema, row counts.
    Check,
}

pub fn main() -> ExitCode {
    crate::services::memory::bound_arenas();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,commandwall=info,sqlx::query=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("commandwall: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause only once (many of our messages
/// already quote their cause).
fn describe(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref(), std::env::vars())?;
    let url = database_url(cli.database.as_deref());
    match cli
        .command
        .unwrap_or(Command::Desktop(DesktopArgs::default()))
    {
        // The window owns the main thread and brings its own async runtime.
        Command::Desktop(args) => window::run(url, config, window_options(&args)?),
        other => {
            if !matches!(other, Command::Serve(_)) {
                end_quietly_on_a_closed_pipe();
            }
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?
                .block_on(run_async(other, url, config))
        }
    }
}

/// A command whose output goes to a pipe (`commandwall kpi --json | head`) ends quietly
/// when the reader stops, as command-line tools do, instead of panicking on the closed
/// pipe. Not for `serve` or the window: they hold sockets, and Rust's default (a write to a
/// closed socket is an error they handle) must stay.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: restores one signal's default action, before any other thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

async fn run_async(command: Command, url: String, mut config: Config) -> anyhow::Result<()> {
    match command {
        Command::Desktop(_) => unreachable!("handled on the main thread"),
        Command::Db {
            action: DbAction::Migrate,
        } => {
            let store = open_store(&url, &config).await?;
            let h = store.summary().await?;
            println!(
                "{}: schema version {}, journal {}",
                crate::store::redact_url(&h.url),
                h.schema_version,
                h.journal_mode
            );
            Ok(())
        }
        Command::Db {
            action: DbAction::Check,
        } => db_check(&url).await,
        Command::Import {
            watch: Some(dir),
            mapping,
            poll,
            ..
        } => watch::run(&url, &config, &dir, &Mapping::load(&mapping)?, poll).await,
        Command::Import { file, mapping, .. } => {
            let file = file.expect("clap requires a file without --watch");
            let mapping = Mapping::load(&mapping)?;
            let store = open_store(&url, &config).await?;
            let keyer = caller_keyer(&config, &url, &store).await?;
            let mut shown = progress::Shown::on_stderr();
            let done = import_file_showing(&store, &file, &mapping, keyer, now_ms(), &mut |p| {
                shown.update(p)
            })
            .await;
            shown.done();
            let summary = done?;
            print!("{summary}");
            if summary.rows_stored > 0 {
                refresh_day_sums(&store, &config, now_ms()).await;
            }
            import_verdict(&summary, config.import.max_rejected_share)
        }
        Command::Categories(args) => categories::run(&args),
        Command::Serve(args) => serve::run(&url, &config, &args).await,
        Command::Bench(args) => bench::run(&url, &config, &args).await,
        Command::Kpi(args) => kpi::run(&url, &config, &args).await,
        Command::Report(args) => report::run(&url, &config, &args).await,
        Command::Alerts(args) => alerts::run(&url, &config, &args).await,
        Command::CallerKey { action } => caller_key::run(&url, &config, &action).await,
        Command::Simulate(args) => {
            if let Some(n) = args.calls_per_day {
                config.simulator.calls_per_day = n;
            }
            let plan = simulation_plan(&args)?;
            let store = open_store(&url, &config).await?;
            let keyer = caller_keyer(&config, &url, &store).await?;
            let city = std::sync::Arc::new(City::new(&config, args.seed, keyer));
            let done = simulation::simulate(&store, city, &plan).await;
            if done.is_ok() && plan.backfill.is_some() && plan.live.is_none() {
                refresh_day_sums(&store, &config, plan.until).await;
            }
            store.close().await;
            done
        }
    }
}

/// Sums the days an import or a backfill wrote, for the wall's next start; a failure only
/// means that start sums them itself.
async fn refresh_day_sums(store: &Store, config: &Config, now: Millis) {
    let started = std::time::Instant::now();
    let zones = crate::services::figures::zones(config);
    match crate::services::ledger::refresh(store, zones, config.tz(), now).await {
        Ok(s) => println!(
            "daily sums for the wall's start: {} days summed, {} still good ({:.1} s)",
            s.computed,
            s.reused,
            started.elapsed().as_secs_f64()
        ),
        Err(e) => tracing::warn!(
            "daily sums not brought up to date ({e}); the wall's next start sums them"
        ),
    }
}

/// An import that stored nothing, or rejected more than `max_share` of its rows, failed:
/// the exit status says so (the summary above says why, and the good rows are kept).
fn import_verdict(summary: &ImportSummary, max_share: f64) -> anyhow::Result<()> {
    if summary.rows_stored == 0 {
        match summary.rows_read {
            0 => anyhow::bail!("no row of {} was stored: it has no data rows", summary.file),
            n => anyhow::bail!(
                "no row of {} was stored: all {n} were rejected",
                summary.file
            ),
        }
    }
    let share = summary.rows_rejected as f64 / summary.rows_read.max(1) as f64;
    if share > max_share {
        anyhow::bail!(
            "{} of {} rows of {} ({:.1}%) were rejected, more than the {:.1}% allowed \
             (import.max_rejected_share); the {} good rows were stored",
            summary.rows_rejected,
            summary.rows_read,
            summary.file,
            share * 100.0,
            max_share * 100.0,
            summary.rows_stored
        );
    }
    Ok(())
}

async fn db_check(url: &str) -> anyhow::Result<()> {
    let store = Store::open(url, OpenMode::Existing).await?;
    let h = store.health().await?;
    let day = |t: Option<i64>| {
        t.map_or("-".to_string(), |t| {
            utc(t).format("%Y-%m-%d %H:%M UTC").to_string()
        })
    };
    println!("database     {}", crate::store::redact_url(&h.url));
    println!("integrity    {}", h.integrity);
    println!(
        "schema       version {} ({} journal)",
        h.schema_version, h.journal_mode
    );
    println!("change seq   {}", h.change_seq);
    println!(
        "calls        {} ({} … {})",
        h.calls,
        day(h.first_call),
        day(h.last_call)
    );
    println!("incidents    {}", h.incidents);
    println!("work orders  {}", h.work_orders);
    println!("callbacks    {}", h.callbacks);
    println!("data issues  {}", h.data_issues);
    println!(
        "imports      {} ({} interrupted)",
        h.imports, h.imports_interrupted
    );
    if h.integrity != "ok" {
        anyhow::bail!("integrity check failed: {}", h.integrity);
    }
    Ok(())
}

/// What `simulate`'s options ask for.
fn simulation_plan(args: &SimulateArgs) -> anyhow::Result<Plan> {
    if args.backfill.is_none() && !args.live {
        anyhow::bail!("nothing to do: give --backfill SPAN, --live, or both");
    }
    let speed = parse::speed(&args.speed).map_err(anyhow::Error::msg)?;
    Ok(Plan {
        backfill: args
            .backfill
            .as_deref()
            .map(parse::span)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        live: args.live.then_some(speed),
        until: match &args.until {
            Some(t) => parse::time("--until", t)?,
            None => now_ms(),
        },
    })
}

/// What `desktop`'s options ask of the window.
fn window_options(args: &DesktopArgs) -> anyhow::Result<window::Options> {
    let demo = if args.demo {
        Some(parse::span(&args.demo_backfill).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    Ok(window::Options {
        wall: args.wall,
        monitor: args.monitor.filter(|n| *n > 0),
        demo,
    })
}

//! The weekly report as every door makes it: gathers the period's figures from the store
//! through the KPI core, builds the document (`crate::report`), writes the asked formats,
//! keeps the archive (one folder per week, never replacing a file), and runs the schedule
//! (a week owed since the last scheduled time, including one missed while the machine was
//! off, is made at the next check).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::charts::Lang;
use crate::config::{Config, ReportFormat};
use crate::core::kpi::breakdown::Breakdown;
use crate::core::kpi::evaluate::{Evaluated, Evaluation};
use crate::core::kpi::facts::{Fact, Zones};
use crate::core::kpi::report::Report;
use crate::core::kpi::window::{calendar, range, Calendar, Period, Span, Window};
use crate::core::model::Millis;
use crate::core::repeat::{screen, Periods, Scope};
use crate::core::time::{day_bounds, local_date};
use crate::core::wall::hourly::per_day;
use crate::report::pdf::{PdfError, Template};
use crate::report::schedule::{
    due_week, file_name, week_before, week_folder, week_label, write_new,
};
use crate::report::{Document, Inputs};
use crate::store::{GroupBy, Store, StoreError, Tables};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Query(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error("the spreadsheet could not be written: {0}")]
    Xlsx(String),
    #[error("cannot write the report to {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl ReportError {
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::Query(_) => "bad_query",
            ReportError::Store(e) => e.code(),
            ReportError::Pdf(_) => "report_template",
            ReportError::Xlsx(_) | ReportError::Io { .. } => "report_write",
        }
    }
}

/// What a report covers: an ISO week (the weekly report), or any range of local days (a
/// month's report uses the same code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covers {
    Week(Period),
    Days { first: NaiveDate, last: NaiveDate },
}

impl Covers {
    /// `2026-W47`, or the days for a range.
    pub fn label(&self) -> String {
        match self {
            Covers::Week(p) => week_label(*p),
            Covers::Days { first, last } => format!("{first}_{last}"),
        }
    }

    fn days(&self) -> (NaiveDate, NaiveDate) {
        match self {
            Covers::Week(p) => (p.start, p.end.pred_opt().expect("a week has days")),
            Covers::Days { first, last } => (*first, *last),
        }
    }

    /// The window the report's figures are evaluated over.
    pub fn window(&self, tz: Tz) -> Window {
        match self {
            Covers::Week(p) => calendar(tz, Calendar::Week, *p),
            Covers::Days { first, last } => {
                range(tz, day_bounds(tz, *first).0, day_bounds(tz, *last).1)
            }
        }
    }
}

/// Last week as of `now`, in the centre's calendar.
pub fn last_week(config: &Config, now: Millis) -> Covers {
    Covers::Week(week_before(local_date(config.tz(), now)))
}

/// What the report is asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub covers: Covers,
    pub lang: Lang,
    pub formats: Vec<ReportFormat>,
    pub template: Template,
}

impl Request {
    /// The config's formats, language and template for `covers`.
    pub fn from_config(config: &Config, covers: Covers) -> Result<Request, ReportError> {
        Ok(Request {
            covers,
            lang: Lang::parse(&config.report.lang),
            formats: config.report.formats.clone(),
            template: template(config, None)?,
        })
    }
}

/// The template to use: the one named, else the config's, else the built-in one.
pub fn template(config: &Config, given: Option<&Path>) -> Result<Template, ReportError> {
    let configured =
        (!config.report.template.is_empty()).then(|| Path::new(&config.report.template));
    match given.or(configured) {
        Some(p) => Ok(Template::load(p)?),
        None => Ok(Template::builtin()),
    }
}

/// A made report: its files in memory, and what it cost.
#[derive(Debug)]
pub struct Made {
    pub label: String,
    pub files: Vec<(ReportFormat, Vec<u8>)>,
    /// Charts the report was made without, and why.
    pub chart_errors: Vec<String>,
    pub gather: Duration,
    pub render: Vec<(ReportFormat, Duration)>,
}

/// How `Evaluation::needs` numbers its spans: the period, 同比, 环比.
const NOW: usize = 0;
const YOY: usize = 1;

/// The report's figures (the window and its bases at the period's age, as `evaluate` gives
/// them) and, from the same pass over each span, its tables per class and per zone (no zones
/// a year back: the report ranks zones against last week only).
async fn figures_and_tables(
    store: &Store,
    zones: &Zones,
    window: Window,
    now: Millis,
) -> Result<(Evaluated, [Vec<(String, Report)>; 5]), StoreError> {
    let mut e = Evaluation::new(window, now).data_from(store.first_call().await?);
    let mut tables: [Vec<(String, Report)>; 5] = Default::default();
    // Bases may overlap the window (a range longer than a year): each span is read on its own.
    for (i, span) in e.needs() {
        let seen = e.cut(i);
        let mut by_class = Breakdown::new(span, seen);
        let mut by_zone = (i != YOY).then(|| Breakdown::new(span, seen));
        store
            .facts_grouped(
                zones,
                (span.from, span.to),
                GroupBy::Category,
                Tables::Every,
                &mut |label, f| {
                    e.add(i, &f);
                    // Callbacks and a phone system's counts carry no class and no zone; a
                    // zone's row is good for the incident and order figures it is shown with.
                    if matches!(f, Fact::Callback(_) | Fact::Phone(_)) {
                        return;
                    }
                    by_class.add(label, &f);
                    if let Some(by_zone) = by_zone.as_mut() {
                        let code = f.zone().and_then(|z| zones.codes.get(usize::from(z)));
                        by_zone.add(code.map(String::as_str), &f);
                    }
                },
            )
            .await?;
        let (class_ix, zone_ix) = match i {
            NOW => (0, Some(1)),
            YOY => (4, None),
            _ => (2, Some(3)),
        };
        tables[class_ix] = by_class.finish();
        if let (Some(z), Some(ix)) = (by_zone, zone_ix) {
            tables[ix] = z.finish();
        }
    }
    Ok((e.finish(), tables))
}

/// Reads everything the report shows, as of `now`.
pub async fn gather(
    store: &Store,
    config: &Config,
    covers: Covers,
    lang: Lang,
    now: Millis,
) -> Result<Inputs, ReportError> {
    let tz = config.tz();
    let (first_day, last_day) = covers.days();
    if first_day > last_day {
        return Err(ReportError::Query(format!(
            "from ({first_day}) is after to ({last_day}): the report would be empty"
        )));
    }
    let window = covers.window(tz);
    let zones = crate::services::figures::zones(config);
    let clock = Instant::now();
    let lap = |what: &str| tracing::debug!("report {what}: {:?}", clock.elapsed());
    let span = window.now;
    // The figures with their tables, and the repeat screening, each read the store on
    // their own connections; side by side they take the time of the slower.
    let figures = {
        let (store, zones, window) = (store.clone(), zones.clone(), window.clone());
        tokio::spawn(async move { figures_and_tables(&store, &zones, window, now).await })
    };
    let governance = {
        // Calendar periods ending with the report: its ISO week, month and year so far.
        let end = span.to;
        let from_of = |kind: Calendar| {
            day_bounds(tz, kind.containing(last_day).start)
                .0
                .min(span.from)
        };
        let t = crate::services::figures::thresholds(config);
        let periods = Periods {
            week: Span {
                from: from_of(Calendar::Week),
                to: end,
            },
            month: Span {
                from: from_of(Calendar::Month),
                to: end,
            },
            year: Span {
                from: from_of(Calendar::Year),
                to: end,
            },
        };
        let store = store.clone();
        tokio::spawn(async move {
            let calls = store
                .repeat_candidates(&periods, &t, Scope::ReportedInWeek)
                .await?;
            Ok::<_, StoreError>(screen(&calls, &periods, &t, Scope::ReportedInWeek))
        })
    };
    let days = per_day(
        tz,
        first_day,
        last_day,
        &store.received_times((span.from, span.to)).await?,
    );
    let pop_days = match window.pop {
        Some(s) => {
            let (a, b) = (local_date(tz, s.from), local_date(tz, s.to - 1));
            per_day(tz, a, b, &store.received_times((s.from, s.to)).await?)
        }
        None => Vec::new(),
    };
    lap("days");
    let joined =
        |e: tokio::task::JoinError| ReportError::Query(format!("a report task failed: {e}"));
    let (figures, tables) = figures.await.map_err(joined)??;
    let [cat_now, zone_now, cat_pop, zone_pop, cat_yoy] = tables;
    lap("figures, classes and zones");
    let governance = governance.await.map_err(joined)??;
    lap("repeat calls");
    let alerts = store
        .alert_events_between(span.from, now.max(span.to))
        .await?;
    let overdue = store
        .overdue_orders(now, 1_000)
        .await?
        .into_iter()
        .filter(|o| o.sent >= span.from && o.sent < span.to)
        .collect();
    let import_problems = store.import_problems(span.from, span.to).await?;
    lap("alerts, overdue orders and import problems");
    let with_data = |b: Vec<(String, Report)>| {
        if b.iter().any(|(_, r)| has_records(r)) {
            b
        } else {
            Vec::new()
        }
    };
    Ok(Inputs {
        centre: config.centre.name.clone(),
        tz,
        lang,
        label: covers.label(),
        weekly: matches!(covers, Covers::Week(_)),
        first_day,
        last_day,
        made_at: now,
        figures,
        days,
        pop_days,
        // An empty base breakdown is a base without data, not one of zeros.
        categories: [cat_now, with_data(cat_pop), with_data(cat_yoy)],
        zones: [zone_now, with_data(zone_pop)],
        zone_infos: crate::services::wall_lists::zone_infos(config),
        circle_target: config.targets.circle_share,
        governance,
        alerts,
        overdue,
        import_problems,
    })
}

fn has_records(r: &Report) -> bool {
    use crate::core::kpi::vocabulary::Figure;
    [Figure::Calls, Figure::Incidents, Figure::WorkOrders]
        .into_iter()
        .any(|f| r.metric(f).unwrap_or(0.0) > 0.0)
}

/// Writes the document in each asked format.
pub fn render(
    doc: &Document,
    request: &Request,
    made_on: NaiveDate,
) -> Result<Vec<(ReportFormat, Vec<u8>, Duration)>, ReportError> {
    request
        .formats
        .iter()
        .map(|&f| {
            let t = Instant::now();
            let bytes = match f {
                ReportFormat::Pdf => crate::report::pdf::write(doc, &request.template, made_on)?,
                ReportFormat::Xlsx => {
                    crate::report::xlsx::write(doc).map_err(|e| ReportError::Xlsx(e.to_string()))?
                }
                ReportFormat::Csv => crate::report::csv::write(doc),
            };
            Ok((f, bytes, t.elapsed()))
        })
        .collect()
}

/// Makes the report in memory.
pub async fn make(
    store: &Store,
    config: &Config,
    request: &Request,
    now: Millis,
) -> Result<Made, ReportError> {
    crate::charts::fonts::register().map_err(|e| ReportError::Pdf(PdfError::Font(e)))?;
    let started = Instant::now();
    if request.formats.contains(&ReportFormat::Pdf) {
        // Parsing the CJK font takes most of a first PDF's time: do it while the store is read.
        drop(tokio::task::spawn_blocking(crate::report::pdf::warm_up));
    }
    let inputs = gather(store, config, request.covers, request.lang, now).await?;
    let gather = started.elapsed();
    let (doc, chart_errors) = crate::report::build(&inputs);
    for e in &chart_errors {
        tracing::warn!("the report is made without a chart: {e}");
    }
    // Typst and the spreadsheet are CPU work: off the async workers.
    let request_owned = request.clone();
    let made_on = local_date(config.tz(), now);
    let rendered = tokio::task::spawn_blocking(move || render(&doc, &request_owned, made_on))
        .await
        .map_err(|e| ReportError::Query(format!("making the report stopped: {e}")))??;
    Ok(Made {
        label: request.covers.label(),
        render: rendered.iter().map(|(f, _, d)| (*f, *d)).collect(),
        files: rendered.into_iter().map(|(f, b, _)| (f, b)).collect(),
        chart_errors,
        gather,
    })
}

/// Writes a made report's files into `dir`, never replacing one; returns the paths.
pub fn save(made: &Made, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    made.files
        .iter()
        .map(|(f, bytes)| {
            write_new(dir, &file_name(&made.label, *f), bytes).map_err(|source| ReportError::Io {
                path: dir.display().to_string(),
                source,
            })
        })
        .collect()
}

/// The archive: the config's folder, else `reports/` beside the database file.
pub fn archive_dir(config: &Config, url: &str) -> PathBuf {
    if !config.report.archive.is_empty() {
        return PathBuf::from(&config.report.archive);
    }
    let db = url
        .strip_prefix("sqlite:")
        .map(|p| p.trim_start_matches("//").split('?').next().unwrap_or(""));
    match db.filter(|p| !p.is_empty() && !p.contains(":memory:")) {
        Some(p) => Path::new(p)
            .parent()
            .unwrap_or(Path::new("."))
            .join("reports"),
        None => crate::store::default_database_path()
            .parent()
            .unwrap_or(Path::new("."))
            .join("reports"),
    }
}

/// What the desk asks (over HTTP or from the window): a week (default: last week), one
/// format (default: PDF), a language (default: the config's).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DeskReport {
    pub week: Option<String>,
    pub format: Option<String>,
    pub lang: Option<String>,
}

impl DeskReport {
    pub fn request(&self, config: &Config, now: Millis) -> Result<Request, ReportError> {
        let covers = match self.week.as_deref().filter(|w| !w.is_empty()) {
            None => last_week(config, now),
            Some(w) => {
                match crate::core::kpi::window::parse_period(w).map_err(ReportError::Query)? {
                    (Calendar::Week, p) => Covers::Week(p),
                    _ => {
                        return Err(ReportError::Query(format!(
                            "'{w}' is not an ISO week like 2026-W47"
                        )))
                    }
                }
            }
        };
        let mut r = Request::from_config(config, covers)?;
        r.formats = vec![match self.format.as_deref() {
            None | Some("") => ReportFormat::Pdf,
            Some(f) => ReportFormat::parse(f).map_err(ReportError::Query)?,
        }];
        match self.lang.as_deref() {
            None | Some("") => {}
            Some(l @ ("zh" | "en" | "zh-CN")) => r.lang = Lang::parse(l),
            Some(l) => return Err(ReportError::Query(format!("lang '{l}' must be zh or en"))),
        }
        Ok(r)
    }
}

/// Last week's report for the desk, in one format, kept in the archive (beside any made
/// before, never over it). Returns the file's path and bytes.
pub async fn for_desk(
    store: &Store,
    config: &Config,
    url: &str,
    asked: &DeskReport,
    now: Millis,
) -> Result<(PathBuf, Vec<u8>), ReportError> {
    let request = asked.request(config, now)?;
    let made = make(store, config, &request, now).await?;
    let dir = week_folder(&archive_dir(config, url), &made.label);
    let path = save(&made, &dir)?.remove(0);
    let bytes = made
        .files
        .into_iter()
        .next()
        .map(|(_, b)| b)
        .unwrap_or_default();
    Ok((path, bytes))
}

/// The schedule's one step at `now`: makes the week owed if its folder lacks any of the
/// configured files. Returns the files written (none when the week was already made).
pub async fn run_due(
    store: &Store,
    config: &Config,
    url: &str,
    now: Millis,
) -> Result<Vec<PathBuf>, ReportError> {
    let r = &config.report;
    let time = r.time_of_day().map_err(ReportError::Query)?;
    let week = due_week(config.tz(), r.weekday, time, now);
    // Nothing is owed for a week before the database's first call (a fresh install).
    let Some(first) = store.first_call().await? else {
        return Ok(Vec::new());
    };
    if day_bounds(config.tz(), week.end).0 <= first {
        return Ok(Vec::new());
    }
    let label = week_label(week);
    let dir = week_folder(&archive_dir(config, url), &label);
    let missing: Vec<ReportFormat> = r
        .formats
        .iter()
        .copied()
        .filter(|f| !dir.join(file_name(&label, *f)).exists())
        .collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    // Two doors (serve and the window) may run the schedule: the first to take the lock makes it.
    let lock = dir.join(".making");
    std::fs::create_dir_all(&dir).map_err(|source| ReportError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let stale = std::fs::metadata(&lock)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(3600));
    if stale {
        let _ = std::fs::remove_file(&lock);
    }
    if std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .is_err()
    {
        return Ok(Vec::new());
    }
    let result = async {
        let mut request = Request::from_config(config, Covers::Week(week))?;
        request.formats = missing;
        let made = make(store, config, &request, now).await?;
        save(&made, &dir)
    }
    .await;
    let _ = std::fs::remove_file(&lock);
    result
}

/// How often the schedule looks whether a report is owed.
const SCHEDULE_CHECK: Duration = Duration::from_secs(60);

/// Runs the schedule for as long as the door runs: a check at start (a run missed while
/// the machine was off), then every minute. Call inside the door's runtime.
pub fn spawn_schedule(store: Store, config: Config, url: String) {
    if !config.report.scheduled {
        return;
    }
    tokio::spawn(async move {
        loop {
            match run_due(&store, &config, &url, crate::setup::now_ms()).await {
                Ok(files) if !files.is_empty() => {
                    tracing::info!("the scheduled weekly report was made: {files:?}")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("the scheduled weekly report could not be made: {e}"),
            }
            tokio::time::sleep(SCHEDULE_CHECK).await;
        }
    });
}

//! `commandwall bench --import N`: import speed. It writes N rows of a CAD export one row
//! per incident (the DECC centre's 50 columns, read through `decc_cad`) and N rows of a
//! per-unit export (1–3 units an incident, through `decc_units`) into a temporary folder,
//! imports each into a fresh database there, and prints rows per second. The folder is
//! removed after.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::config::Config;
use crate::core::caller::CallerKeyer;
use crate::import::{import_file, Mapping};
use crate::setup::{now_ms, open_store};

/// The DECC export's header: the per-incident file carries every column, read or not.
const INCIDENT_HEADER: &str = "Master_Incident_Number,Response_Date,WeekNo,DOW,Day,Hour,Shift,Day_Night,ShiftPart,Agency,Problem,Priority_Number,Call_Reception,Call_Taker,Dispatcher,Incident_Start_Time,TimeCallViewed,Incident_Queue_Time,Time_To_Queue,Elapsed_PS_Queue,Time_To_Queue_Diff,Incident_Dispatch_Time,Time_To_Dispatch,Elapsed_Queue_Disp,Time_To_Disp_Diff,Incident_Phone_Stop,Phone_Time,Elapsed_PS_CTD,Phone_Time_Diff,TimeFirstUnitDispatchAcknowledged,Processing_Time,Elapsed_Processing,Diff_Proc_Time,Incident_Enroute_Time,Rollout_Time,Elapsed_Rollout,Diff_Rollout_Time,Incident_Arrival_Time,Transit_Time,Elapsed_Transit,Diff_Transit_Time,TimeFirstCallCleared,Incident_First_Close_Time,Call_Reopened,First_Reopen_Time,Final_Closed_Time,Total_Call_Time,Elapsed_Call_Time,Diff_Total_Call_Time,Disposition";

/// The per-unit export's columns, as `decc_units.toml` documents them.
const UNIT_HEADER: &str = "Master_Incident_Number,Agency,Problem,Priority_Number,Call_Reception,Call_Taker,Incident_Start_Time,Incident_Queue_Time,Incident_Phone_Stop,Incident_First_Close_Time,Final_Closed_Time,Disposition,Unit_Id,Unit_Dispatch_Time,Unit_Acknowledged_Time,Unit_Enroute_Time,Unit_Arrival_Time,Unit_Cleared_Time";

/// Call types from the mapping's list and beyond it (kept as the CAD's own).
const PROBLEMS: [&str; 8] = [
    "MVC AUTO",
    "ALARM COMMERCIAL",
    "DISORDERLY CONDUCT",
    "SUSPICIOUS EVENT",
    "CHEST PAIN ALS 2",
    "TRAFFIC STOP",
    "WELFARE CHECK",
    "LARCENY COMM IN PROG",
];
const CHANNELS: [&str; 4] = ["E-911", "Phone", "OFFICER", "Text"];

/// A small deterministic generator: the same files each run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// One incident's times: received, queued, phone stop, dispatched, signed for, en route,
/// arrived, cleared, first close, final close.
fn incident_times(rng: &mut Lcg, start: NaiveDateTime) -> [NaiveDateTime; 10] {
    let mut t = start;
    let mut next = |max_s: u64| {
        t += Duration::seconds(1 + rng.below(max_s) as i64);
        t
    };
    [
        start,
        next(90),
        next(120),
        next(300),
        next(60),
        next(120),
        next(900),
        next(1_800),
        next(600),
        next(3_600),
    ]
}

fn start_of(i: u64) -> NaiveDateTime {
    // About 25,000 incidents a day.
    NaiveDate::from_ymd_opt(2025, 1, 6)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        + Duration::milliseconds((i * 3_456) as i64)
}

fn write_per_incident(path: &Path, rows: u64) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "{INCIDENT_HEADER}")?;
    let mut rng = Lcg(35);
    for i in 0..rows {
        let t = incident_times(&mut rng, start_of(i));
        let s = |k: usize| stamp(t[k]);
        let problem = PROBLEMS[rng.below(8) as usize];
        let channel = CHANNELS[rng.below(4) as usize];
        let priority = 1 + rng.below(5);
        let seat = rng.below(16);
        writeln!(
            w,
            "BENCH-{i},{date},35,Mon,6,{hour},A,Day,1,POLICE,{problem},{priority},{channel},EMP-{seat:06},EMP-{disp:06},{received},{received},{queued},12,12,0,{dispatched},30,30,0,{stop},40,40,0,{signed},20,20,0,{enroute},60,60,0,{arrived},300,300,0,{cleared},{close},0,NULL,{final_close},3600,3600,0,REPORT TAKEN",
            date = t[0].format("%Y-%m-%d"),
            hour = t[0].format("%H"),
            disp = seat + 100,
            received = s(0),
            queued = s(1),
            stop = s(2),
            dispatched = s(3),
            signed = s(4),
            enroute = s(5),
            arrived = s(6),
            cleared = s(7),
            close = s(8),
            final_close = s(9),
        )?;
    }
    w.flush()
}

fn write_per_unit(path: &Path, rows: u64) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "{UNIT_HEADER}")?;
    let mut rng = Lcg(36);
    let (mut written, mut incident) = (0, 0);
    while written < rows {
        let t = incident_times(&mut rng, start_of(incident));
        let units = (1 + rng.below(3)).min(rows - written);
        let problem = PROBLEMS[rng.below(8) as usize];
        let channel = CHANNELS[rng.below(4) as usize];
        let priority = 1 + rng.below(5);
        let seat = rng.below(16);
        let mut delay = Duration::zero();
        for k in 0..units {
            let unit_time = |ix: usize| stamp(t[ix] + delay);
            writeln!(
                w,
                "BENCH-{incident},POLICE,{problem},{priority},{channel},EMP-{seat:06},{received},{queued},{stop},{close},{final_close},REPORT TAKEN,U{unit:03},{dispatched},{signed},{enroute},{arrived},{cleared}",
                received = stamp(t[0]),
                queued = stamp(t[1]),
                stop = stamp(t[2]),
                close = stamp(t[8]),
                final_close = stamp(t[9]),
                unit = (incident * 3 + k) % 400,
                dispatched = unit_time(3),
                signed = unit_time(4),
                enroute = unit_time(5),
                arrived = unit_time(6),
                cleared = unit_time(7),
            )?;
            delay += Duration::seconds(20 + rng.below(200) as i64);
        }
        written += units;
        incident += 1;
    }
    w.flush()
}

/// Imports `file` through the built-in `mapping` into a fresh database in `dir`, and says
/// how fast.
async fn time_import(
    dir: &Path,
    config: &Config,
    what: &str,
    file: &Path,
    mapping: &str,
) -> anyhow::Result<()> {
    let url = format!("sqlite:{}", dir.join(format!("{mapping}.db")).display());
    let store = open_store(&url, config).await?;
    let mapping = Mapping::load(Path::new(mapping))?;
    let started = Instant::now();
    let summary = import_file(&store, file, &mapping, CallerKeyer::new(b"bench"), now_ms()).await?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        summary.rows_rejected == 0 && summary.rows_stored == summary.rows_read,
        "the generated {what} file was not imported whole:\n{summary}"
    );
    println!(
        "{what}: {} rows in {seconds:.2} s: {:.0} rows/s ({} records)",
        summary.rows_read,
        summary.rows_read as f64 / seconds,
        summary.records_new
    );
    store.close().await;
    Ok(())
}

pub async fn run(config: &Config, rows: u64) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("commandwall-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let done = async {
        let (incidents, units) = (dir.join("incidents.csv"), dir.join("units.csv"));
        write_per_incident(&incidents, rows)?;
        write_per_unit(&units, rows)?;
        println!(
            "import of {rows} generated rows each, into a fresh database ({})",
            dir.display()
        );
        time_import(&dir, config, "one row per incident", &incidents, "decc_cad").await?;
        time_import(&dir, config, "one row per unit", &units, "decc_units").await
    }
    .await;
    std::fs::remove_dir_all(&dir)?;
    done
}

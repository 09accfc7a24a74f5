//! An import's progress where a person watches it: on a terminal a bar with rows per
//! second and the time left, redrawn in place; elsewhere (a log, a pipe) a plain line
//! every few seconds, since a bar's control codes would only litter the file.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::core::time::describe_span;
use crate::import::Progress;

/// How often a plain line is written.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct Shown {
    started: Instant,
    how: How,
}

enum How {
    Bar(ProgressBar),
    Lines { last: Instant },
}

impl Shown {
    /// On standard error, as a bar if it is a terminal.
    pub fn on_stderr() -> Shown {
        let started = Instant::now();
        let how = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0).with_style(
                ProgressStyle::with_template("{bar:30} {percent:>3}% {msg}")
                    .expect("a valid template"),
            );
            How::Bar(bar)
        } else {
            How::Lines { last: started }
        };
        Shown { started, how }
    }

    pub fn update(&mut self, p: Progress) {
        let elapsed = self.started.elapsed();
        match &mut self.how {
            How::Bar(bar) => {
                bar.set_length(p.total_bytes);
                bar.set_position(p.bytes);
                bar.set_message(format!(
                    "{} rows, {}",
                    p.rows,
                    rate_and_time_left(p, elapsed)
                ));
            }
            How::Lines { last } => {
                if last.elapsed() >= PLAIN_EVERY {
                    *last = Instant::now();
                    eprintln!("import: {}", line(p, elapsed));
                }
            }
        }
    }

    /// Takes the bar away before the summary is printed.
    pub fn done(self) {
        if let How::Bar(bar) = self.how {
            bar.finish_and_clear();
        }
    }
}

/// "120000 rows (45%), 34000 rows/s, about 12.0 s left".
pub fn line(p: Progress, elapsed: Duration) -> String {
    let share = p.bytes as f64 / p.total_bytes.max(1) as f64;
    format!(
        "{} rows ({:.0}%), {}",
        p.rows,
        share * 100.0,
        rate_and_time_left(p, elapsed)
    )
}

fn rate_and_time_left(p: Progress, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let rate = p.rows as f64 / secs;
    let share = p.bytes as f64 / p.total_bytes.max(1) as f64;
    let left = if share > 0.0 {
        format!(
            "about {} left",
            describe_span((secs * (1.0 - share.min(1.0)) / share * 1000.0) as i64)
        )
    } else {
        "time left not known yet".into()
    };
    format!("{rate:.0} rows/s, {left}")
}

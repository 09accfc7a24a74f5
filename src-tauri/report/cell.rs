//! One value of a report table: typed, so the spreadsheet stores numbers as numbers and
//! dates as dates, the CSV writes the same numbers, and the PDF shows them as Chinese
//! centres write them (51,061; 92.3%; 1分23秒; "—" for a value that cannot be computed).

use chrono::{NaiveDate, NaiveDateTime};

use crate::charts::set::thousands;
use crate::charts::Lang;
use crate::core::kpi::vocabulary::Unit;

/// The dash shown for a value that does not exist (no base, nothing to divide by): never 0.
pub const NONE: &str = "—";

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A value that cannot be computed: "—" in every format.
    None,
    Text(String),
    /// A figure's value in its unit (a share as a fraction).
    Value(Unit, f64),
    /// A change of a figure: counts and seconds signed, shares in percentage points.
    Diff(Unit, f64),
    /// A relative change in percent (`-11.3` for −11.3%).
    Percent(f64),
    Date(NaiveDate),
    /// A local time, to the second.
    Time(NaiveDateTime),
}

/// What a cell holds as data: the CSV writes it, the spreadsheet stores it typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Time(NaiveDateTime),
}

/// Rounds off float noise so the CSV and the spreadsheet write the same digits.
fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    let r = (v * f).round() / f;
    if r == 0.0 {
        0.0 // no "-0"
    } else {
        r
    }
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn value(unit: Unit, v: Option<f64>) -> Cell {
        v.map_or(Cell::None, |v| Cell::Value(unit, v))
    }

    pub fn count(n: u64) -> Cell {
        Cell::Value(Unit::Count, n as f64)
    }

    pub fn diff(unit: Unit, v: Option<f64>) -> Cell {
        v.map_or(Cell::None, |v| Cell::Diff(unit, v))
    }

    pub fn percent(v: Option<f64>) -> Cell {
        v.map_or(Cell::None, Cell::Percent)
    }

    pub fn raw(&self) -> Raw {
        match self {
            Cell::None => Raw::Text(NONE.into()),
            Cell::Text(s) => Raw::Text(s.clone()),
            Cell::Value(Unit::Share, v) => Raw::Number(round(*v, 6)),
            Cell::Value(_, v) => Raw::Number(round(*v, 1)),
            // Shares move in points: 0.005 → 0.5 (the header says 百分点 / pp).
            Cell::Diff(Unit::Share, v) => Raw::Number(round(v * 100.0, 4)),
            Cell::Diff(_, v) => Raw::Number(round(*v, 1)),
            Cell::Percent(v) => Raw::Number(round(*v, 4)),
            Cell::Date(d) => Raw::Date(*d),
            Cell::Time(t) => Raw::Time(*t),
        }
    }

    /// As the PDF shows it.
    pub fn show(&self, lang: Lang) -> String {
        match self {
            Cell::None => NONE.into(),
            Cell::Text(s) => s.clone(),
            Cell::Value(unit, v) => show_value(*unit, *v, lang),
            Cell::Diff(unit, v) => {
                let (digits, places) = match unit {
                    Unit::Share => (v * 100.0, 1),
                    Unit::Count if v.fract() != 0.0 => (*v, 1),
                    _ => (*v, 0),
                };
                let body = match unit {
                    Unit::Share => format!("{:.1}{}", digits.abs(), lang.pick("个百分点", " pp")),
                    _ => show_value(*unit, v.abs(), lang),
                };
                format!("{}{body}", sign(digits, places))
            }
            Cell::Percent(v) => format!("{}{:.1}%", sign(*v, 1), v.abs()),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Time(t) => t.format("%m-%d %H:%M").to_string(),
        }
    }

    /// Whether the PDF right-aligns it.
    pub fn numeric(&self) -> bool {
        matches!(self, Cell::Value(..) | Cell::Diff(..) | Cell::Percent(_))
    }
}

/// The sign of a change as shown at `places` decimals: none when it shows as zero, so a
/// tiny fall never reads "−0.0".
fn sign(v: f64, places: i32) -> &'static str {
    let shown = (v * 10f64.powi(places)).round();
    if shown > 0.0 {
        "+"
    } else if shown < 0.0 {
        "−"
    } else {
        ""
    }
}

/// A value in its unit: 51,061 · 92.3% · 1分23秒.
pub fn show_value(unit: Unit, v: f64, lang: Lang) -> String {
    match unit {
        Unit::Count if v.fract() == 0.0 && v >= 0.0 => thousands(v as u64),
        Unit::Count => format!("{v:.1}"),
        Unit::Share => format!("{:.1}%", v * 100.0),
        Unit::Seconds => duration(v, lang),
    }
}

/// Seconds as centres write durations: 28秒, 1分23秒, 2小时5分 / 28 s, 1 min 23 s, 2 h 5 min.
pub fn duration(secs: f64, lang: Lang) -> String {
    let s = secs.round().max(0.0) as u64;
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    match lang {
        Lang::Zh if h > 0 => format!("{h}小时{m}分"),
        Lang::Zh if m > 0 => format!("{m}分{sec}秒"),
        Lang::Zh => format!("{sec}秒"),
        Lang::En if h > 0 => format!("{h} h {m} min"),
        Lang::En if m > 0 => format!("{m} min {sec} s"),
        Lang::En => format!("{sec} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_centres_write_them() {
        assert_eq!(Cell::count(51_061).show(Lang::Zh), "51,061");
        assert_eq!(Cell::Diff(Unit::Count, -6_000.0).show(Lang::Zh), "−6,000");
        assert_eq!(Cell::Percent(-11.34).show(Lang::Zh), "−11.3%");
        assert_eq!(Cell::Value(Unit::Share, 0.9234).show(Lang::Zh), "92.3%");
        assert_eq!(
            Cell::Diff(Unit::Share, 0.005).show(Lang::Zh),
            "+0.5个百分点"
        );
        assert_eq!(Cell::Value(Unit::Seconds, 83.0).show(Lang::Zh), "1分23秒");
        assert_eq!(
            Cell::Value(Unit::Seconds, 83.0).show(Lang::En),
            "1 min 23 s"
        );
        assert_eq!(
            Cell::Value(Unit::Seconds, 7_500.0).show(Lang::Zh),
            "2小时5分"
        );
        assert_eq!(Cell::value(Unit::Share, None).show(Lang::Zh), NONE);
        assert_eq!(
            Cell::Diff(Unit::Share, -0.0002).show(Lang::Zh),
            "0.0个百分点"
        );
        assert_eq!(Cell::Diff(Unit::Seconds, 0.4).show(Lang::En), "0 s");
        assert_eq!(Cell::Percent(-0.01).show(Lang::Zh), "0.0%");
        assert_eq!(Cell::Diff(Unit::Share, 0.005).raw(), Raw::Number(0.5));
        assert_eq!(
            Cell::Value(Unit::Share, 1.0 / 3.0).raw(),
            Raw::Number(0.333333)
        );
        assert_eq!(Cell::Diff(Unit::Count, -0.0).raw(), Raw::Number(0.0));
    }
}

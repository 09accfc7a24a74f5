//! A mapping's time formats, read once. chrono's `parse_from_str` reads its format string
//! again for every value: on a CAD export with ten times a row that was the largest single
//! cost of an import.

use chrono::format::{parse, Item, Parsed, StrftimeItems};
use chrono::NaiveDateTime;

pub struct TimeFormats {
    compiled: Vec<Vec<Item<'static>>>,
    /// The formats as the mapping writes them, for the message when none matches.
    shown: String,
}

impl TimeFormats {
    /// The mapping's formats; validated at load, so each reads.
    pub fn new(formats: &[String]) -> TimeFormats {
        TimeFormats {
            compiled: formats
                .iter()
                .map(|f| {
                    StrftimeItems::new(f)
                        .parse_to_owned()
                        .expect("time formats are validated at load")
                })
                .collect(),
            shown: formats.join(" | "),
        }
    }

    /// `raw` by the first format that reads it whole.
    pub fn read(&self, raw: &str) -> Result<NaiveDateTime, String> {
        self.compiled
            .iter()
            .find_map(|items| {
                let mut parsed = Parsed::new();
                parse(&mut parsed, raw, items.iter()).ok()?;
                parsed.to_naive_datetime_with_offset(0).ok()
            })
            .ok_or_else(|| format!("matches none of the formats {}", self.shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_chrono_does_and_names_the_formats_when_none_matches() {
        let f = TimeFormats::new(&["%Y-%m-%d %H:%M:%S%.f".into(), "%m/%d/%Y %H:%M".into()]);
        for raw in [
            "2025-08-24 00:01:02.350",
            "11/1/2025 0:00",
            "10/26/2025 00:00",
        ] {
            let chrono = ["%Y-%m-%d %H:%M:%S%.f", "%m/%d/%Y %H:%M"]
                .iter()
                .find_map(|fmt| NaiveDateTime::parse_from_str(raw, fmt).ok());
            assert_eq!(f.read(raw).ok(), chrono, "{raw}");
            assert!(chrono.is_some());
        }
        let e = f.read("2025-13-01 00:00:00").unwrap_err();
        assert_eq!(
            e,
            "matches none of the formats %Y-%m-%d %H:%M:%S%.f | %m/%d/%Y %H:%M"
        );
    }
}

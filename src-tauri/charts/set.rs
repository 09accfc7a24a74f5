//! The wall's charts for one state of the pages, in both languages, each with a digest so
//! a door re-sends only the charts whose picture changed.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::Serialize;

use super::{bars, hourly, Bar, ChartError, Lang, Theme, Tone};
use crate::core::kpi::report::IntervalReport;
use crate::core::wall::Pages;

/// Canvas sizes, in the chart's own pixels; the UI scales the SVG to its panel.
/// Shaped like the panels they fill on a 16:9 wall.
const WIDE: (u32, u32) = (1800, 440);
const HALF: (u32, u32) = (1000, 300);

#[derive(Debug, Clone)]
pub struct Chart {
    pub svg: Arc<String>,
    pub digest: String,
}

/// Charts by `id.lang` (e.g. `hourly.zh-CN`).
#[derive(Debug, Clone, Default)]
pub struct ChartSet {
    pub charts: BTreeMap<String, Chart>,
    /// Why a chart is missing, when one is.
    pub errors: Vec<String>,
}

/// The digests the UI compares: id.lang → digest. Part of the wire format.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Digests(pub BTreeMap<String, String>);

impl ChartSet {
    pub fn digests(&self) -> Digests {
        Digests(
            self.charts
                .iter()
                .map(|(k, c)| (k.clone(), c.digest.clone()))
                .collect(),
        )
    }
}

fn digest(svg: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    svg.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// 51061 → "51,061".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "0–30秒", "1–3分", ">3分" / "0–30 s", "1–3 min", ">3 min": both ends in the largest
/// unit that divides them.
pub fn band_label(lo: u32, hi: Option<u32>, lang: Lang) -> String {
    let units = [
        (3600, lang.pick("小时", " h")),
        (60, lang.pick("分", " min")),
        (1, lang.pick("秒", " s")),
    ];
    let top = hi.unwrap_or(lo);
    let (div, name) = units
        .into_iter()
        .find(|(d, _)| top >= *d && lo % d == 0 && top % d == 0)
        .unwrap_or(units[2]);
    match hi {
        Some(hi) => format!("{}–{}{name}", lo / div, hi / div),
        None => format!(">{}{name}", lo / div),
    }
}

pub fn band_bars(i: &IntervalReport, lang: Lang) -> Vec<Bar> {
    let n = i.n.max(1) as f64;
    let last = i.bands.len().saturating_sub(1);
    i.bands
        .iter()
        .enumerate()
        .map(|(k, b)| Bar {
            label: band_label(b.lo_s, b.hi_s, lang),
            value: b.count as f64,
            text: format!("{}  {:.1}%", thousands(b.count), b.count as f64 / n * 100.0),
            // The slowest band is the one commanders act on.
            tone: if k == last && b.count > 0 {
                Tone::Warn
            } else {
                Tone::Plain
            },
        })
        .collect()
}

/// Draws every chart of `pages` in both languages.
pub fn draw(pages: &Pages, theme: &Theme) -> ChartSet {
    let mut set = ChartSet::default();
    for lang in Lang::ALL {
        let mut put = |id: &str, r: Result<String, ChartError>| match r {
            Ok(svg) => {
                set.charts.insert(
                    format!("{id}.{}", lang.code()),
                    Chart {
                        digest: digest(&svg),
                        svg: Arc::new(svg),
                    },
                );
            }
            Err(e) => set.errors.push(e.to_string()),
        };
        if let Some(h) = &pages.overview.hourly {
            put("hourly", hourly(h, theme, lang, WIDE));
        }
        let r = &pages.response;
        if let Some(i) = &r.sign_for {
            put(
                "sign_for_bands",
                bars("sign_for_bands", &band_bars(i, lang), theme, HALF),
            );
        }
        if let Some(i) = &r.arrival {
            put(
                "arrival_bands",
                bars("arrival_bands", &band_bars(i, lang), theme, HALF),
            );
        }
        let d = &pages.diversion;
        let funnel: Vec<Bar> = d
            .funnel
            .iter()
            .map(|s| Bar {
                label: match lang {
                    Lang::Zh => s.key.zh(),
                    Lang::En => s.key.en(),
                }
                .into_owned(),
                value: s.count as f64,
                text: thousands(s.count),
                tone: Tone::Plain,
            })
            .collect();
        put("funnel", bars("funnel", &funnel, theme, HALF));
        let mix: Vec<Bar> = d
            .categories
            .iter()
            .take(6)
            .map(|c| Bar {
                label: match lang {
                    Lang::Zh => c.zh.clone(),
                    Lang::En => c.en.clone(),
                },
                value: c.calls as f64,
                text: format!("{}  {:.1}%", thousands(c.calls), c.share * 100.0),
                tone: Tone::Plain,
            })
            .collect();
        if !mix.is_empty() {
            put("categories", bars("categories", &mix, theme, HALF));
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_read_as_centres_publish_them() {
        assert_eq!(band_label(0, Some(30), Lang::Zh), "0–30秒");
        assert_eq!(band_label(60, Some(180), Lang::Zh), "1–3分");
        assert_eq!(band_label(180, None, Lang::Zh), ">3分");
        assert_eq!(band_label(30, Some(60), Lang::En), "30–60 s");
        assert_eq!(band_label(3600, Some(14400), Lang::En), "1–4 h");
        assert_eq!(band_label(1800, Some(3600), Lang::Zh), "30–60分");
        assert_eq!(thousands(51061), "51,061");
        assert_eq!(thousands(999), "999");
    }
}

//! The wall's pages as values: which figures each page shows, graded against the centre's
//! targets, with the lists beside them. Built from the KPI snapshot; no I/O.

pub mod goals;
pub mod hourly;
pub mod pages;

use std::sync::Arc;

use serde::Serialize;

use pages::{Diversion, Overview, RepeatPage, Response, Seats, ZoneInfo};

use crate::categories;
use crate::model::{Channel, Outcome};

/// Everything the five pages show. Part of the wire format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pages {
    pub overview: Overview,
    pub response: Response,
    pub diversion: Diversion,
    /// `None` until the first screening of the year has finished. Sent on its own
    /// (`/api/repeat`): it changes every few minutes and is the largest page.
    #[serde(skip)]
    pub repeat: Option<Arc<RepeatPage>>,
    /// When that screening ran: a door fetches the repeat page again when this moves.
    pub repeat_screened_at: Option<crate::model::Millis>,
    pub seats: Seats,
    /// Names of the codes the pages carry, in both languages.
    pub names: Names,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// A category class (as opposed to one of its items).
    pub class: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Names {
    pub zones: Vec<Label>,
    pub categories: Vec<Label>,
    pub channels: Vec<Label>,
    pub outcomes: Vec<Label>,
}

fn label(code: &str, zh: &str, en: &str, class: bool) -> Label {
    Label {
        code: code.into(),
        zh: zh.into(),
        en: en.into(),
        class,
    }
}

pub fn names(zones: &[ZoneInfo]) -> Names {
    Names {
        zones: zones
            .iter()
            .map(|z| label(&z.code, &z.name, &z.code, false))
            .collect(),
        categories: categories::all()
            .map(|c| label(c.code, c.zh, c.en, c.parent.is_none()))
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|c| label(c.code(), c.label_zh(), c.label_en(), false))
            .collect(),
        outcomes: Outcome::ALL
            .iter()
            .map(|c| label(c.code(), c.label_zh(), c.label_en(), false))
            .collect(),
    }
}

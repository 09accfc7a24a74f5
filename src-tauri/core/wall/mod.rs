//! The wall's pages as values: which figures each page shows, graded against the centre's
//! targets, with the lists beside them. Built from the KPI snapshot; no I/O.

pub mod goals;
pub mod hourly;
pub mod pages;

use serde::Serialize;

use pages::{Diversion, Overview, RepeatPage, Response, Seats};

/// Everything the five pages show. Part of the wire format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pages {
    pub overview: Overview,
    pub response: Response,
    pub diversion: Diversion,
    /// `None` until the first screening of the year has finished.
    pub repeat: Option<RepeatPage>,
    pub seats: Seats,
}

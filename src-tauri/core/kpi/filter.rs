//! A cut of the figures: only records of one zone, category, channel, seat, unit or
//! priority. Plain data; the store turns it into a query.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filter {
    pub zone: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub seat: Option<String>,
    pub unit: Option<String>,
    pub priority: Option<i32>,
}

/// The fields a table's records carry, so a filter knows which tables it can cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub zone: bool,
    pub category: bool,
    pub channel: bool,
    pub seat: bool,
    pub unit: bool,
    pub priority: bool,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Whether records with these fields can be cut by this filter. A table that lacks a
    /// filtered field (calls have no unit, incidents no seat) is left out of the cut
    /// rather than counted whole: its figures would not be the cut's.
    pub fn applies_to(&self, f: Fields) -> bool {
        (self.zone.is_none() || f.zone)
            && (self.category.is_none() || f.category)
            && (self.channel.is_none() || f.channel)
            && (self.seat.is_none() || f.seat)
            && (self.unit.is_none() || f.unit)
            && (self.priority.is_none() || f.priority)
    }
}

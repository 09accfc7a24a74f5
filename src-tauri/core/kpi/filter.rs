//! A cut of the figures: only records of one zone, category, channel, seat, unit or
//! priority. Plain data; the store turns it into a query.

use serde::Serialize;

use super::facts::Table;

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

/// A zone and nothing else: what callbacks carry, and what the other records carry besides.
const ZONE_ONLY: Fields = Fields {
    zone: true,
    ..NO_FIELDS
};

const NO_FIELDS: Fields = Fields {
    zone: false,
    category: false,
    channel: false,
    seat: false,
    unit: false,
    priority: false,
};

impl Fields {
    /// What each table's records carry: calls have a seat but no unit or priority,
    /// incidents a unit and priority but no seat, callbacks only a zone, a phone system's
    /// counts none.
    pub const fn of(table: Table) -> Fields {
        match table {
            Table::Calls => Fields {
                category: true,
                channel: true,
                seat: true,
                ..ZONE_ONLY
            },
            Table::Incidents => Fields {
                category: true,
                unit: true,
                priority: true,
                ..ZONE_ONLY
            },
            Table::WorkOrders => Fields {
                category: true,
                ..ZONE_ONLY
            },
            Table::Callbacks => ZONE_ONLY,
            // A phone system's counts are per line, not per zone, category or seat: a cut
            // by any of these leaves them out, and the answer figures with them ("—").
            Table::PhoneIntervals => NO_FIELDS,
        }
    }
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

    /// Whether this cut can be made of `table`'s records: a figure of a table it cannot cut
    /// is not recorded for the cut ("—"), not 0.
    pub fn covers(&self, table: Table) -> bool {
        self.applies_to(Fields::of(table))
    }
}

//! Parsed rows gathered into one write. A record met again replaces what an earlier row
//! gave (a cumulative export appends a record's updated row last: the last row wins, as a
//! later import of it would); rows of a per-unit export gather their incident's units, and
//! its close is the latest any row gave. The store then takes the incident's stage times
//! from all its units, these and those stored before.

use std::collections::HashMap;

use crate::core::model::{Batch, Incident, IncidentUnit};

use super::parse::ParsedRow;

#[derive(Default)]
pub struct Gather {
    batch: Batch,
    /// Where each id's record is in the batch.
    calls: HashMap<String, usize>,
    incidents: HashMap<String, usize>,
    orders: HashMap<String, usize>,
    units: HashMap<(String, String), usize>,
    phone: HashMap<String, usize>,
    /// Rows taken since the last `take`.
    rows: usize,
}

/// Puts `record` at its id's place in `list`, or at the end when the id is new; returns
/// the record it replaced.
fn place<T>(list: &mut Vec<T>, at: &mut HashMap<String, usize>, id: &str, record: T) -> Option<T> {
    match at.get(id) {
        Some(ix) => Some(std::mem::replace(&mut list[*ix], record)),
        None => {
            at.insert(id.to_string(), list.len());
            list.push(record);
            None
        }
    }
}

impl Gather {
    /// Takes the records of a row that was not rejected.
    pub fn add(&mut self, row: &mut ParsedRow) {
        self.rows += 1;
        if let Some(call) = row.call.take() {
            let id = call.source_id.clone();
            place(&mut self.batch.calls, &mut self.calls, &id, call);
        }
        if let Some(incident) = row.incident.take() {
            self.add_incident(incident);
        }
        if let Some(order) = row.order.take() {
            let id = order.source_id.clone();
            place(&mut self.batch.work_orders, &mut self.orders, &id, order);
        }
        if let Some(unit) = row.unit.take() {
            self.add_unit(unit);
        }
        for interval in row.phone.drain(..) {
            let id = interval.source_id.clone();
            place(
                &mut self.batch.phone_intervals,
                &mut self.phone,
                &id,
                interval,
            );
        }
    }

    fn add_incident(&mut self, incident: Incident) {
        let id = incident.source_id.clone();
        let per_unit = incident.units.is_some();
        if let Some(earlier) = place(
            &mut self.batch.incidents,
            &mut self.incidents,
            &id,
            incident,
        ) {
            if per_unit {
                let ix = self.incidents[&id];
                let now = &mut self.batch.incidents[ix];
                now.closed = now.closed.max(earlier.closed);
            }
        }
    }

    fn add_unit(&mut self, unit: IncidentUnit) {
        let key = (unit.incident_id.clone(), unit.unit.clone());
        match self.units.get(&key) {
            Some(ix) => self.batch.units[*ix] = unit,
            None => {
                self.units.insert(key, self.batch.units.len());
                self.batch.units.push(unit);
            }
        }
    }

    /// Rows taken since the last `take`.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The write gathered so far, leaving nothing behind.
    pub fn take(&mut self) -> Batch {
        std::mem::take(self).batch
    }
}

//! The file's header as the mapping reads it: each column the mapping names found by its
//! name, and found once.

use csv::StringRecord;

#[derive(Clone)]
pub struct Header {
    /// The names as written, without surrounding space or a UTF-8 byte-order mark (Excel's
    /// "CSV UTF-8" starts the file with one).
    names: Vec<String>,
}

impl Header {
    pub fn new(record: &StringRecord) -> Header {
        Header {
            names: record
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                .collect(),
        }
    }

    pub fn name(&self, ix: usize) -> &str {
        self.names.get(ix).map_or("?", String::as_str)
    }

    /// The index of column `name`, which the mapping reads for `what`. A name the header
    /// does not have, or has twice, stops the import: with two, which one is meant is a
    /// guess, and a wrong guess fills a field with another column's values.
    pub fn column(
        &self,
        name: &str,
        what: &str,
        mapping: &str,
        file: &str,
    ) -> Result<usize, String> {
        let at: Vec<usize> = (0..self.names.len())
            .filter(|i| self.names[*i] == name)
            .collect();
        match at.as_slice() {
            [ix] => Ok(*ix),
            [] => Err(format!(
                "mapping '{mapping}' needs column '{name}' for {what}, but {file} has no such column (its columns: {})",
                self.names.join(", ")
            )),
            many => {
                let places: Vec<String> = many.iter().map(|i| (i + 1).to_string()).collect();
                Err(format!(
                    "mapping '{mapping}' reads column '{name}' for {what}, but {file} has {} columns named '{name}' (columns {}): rename them apart in the file so it is clear which one is meant",
                    many.len(),
                    places.join(" and ")
                ))
            }
        }
    }
}

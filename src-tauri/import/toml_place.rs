//! Where in a TOML text something is: the line, the column and the dotted key, so that a
//! mistake in a mapping is named where the person who wrote it will look.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// A place in a TOML text; line and column count from 1, the column in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
    /// The dotted key whose key or value holds the place, if one does.
    pub key: Option<String>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if let Some(key) = &self.key {
            write!(f, " (key {key})")?;
        }
        Ok(())
    }
}

/// The place of `span` (a parser's error span): where it starts, and the innermost key
/// whose key or value holds all of it. An empty span (a missing key: it is nowhere) has
/// no place.
pub fn of_span(text: &str, span: Range<usize>) -> Option<Place> {
    if span.is_empty() {
        return None;
    }
    let mut path = Vec::new();
    let key = DeTable::parse(text).ok().and_then(|root| {
        let mut best = None;
        innermost(root.get_ref(), &span, &mut path, &mut best);
        best
    });
    let (line, column) = line_column(text, span.start);
    Some(Place { line, column, key })
}

/// The place of the key `path` (`["values", "channel", "map"]`), where it is written.
pub fn of_key(text: &str, path: &[&str]) -> Option<Place> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut at = None;
    for (i, part) in path.iter().enumerate() {
        let (key, value) = table.iter().find(|(k, _)| k.get_ref() == part)?;
        at = Some(key.span().start);
        if i + 1 < path.len() {
            match value.get_ref() {
                DeValue::Table(t) => table = t,
                _ => return None,
            }
        }
    }
    let (line, column) = line_column(text, at?);
    Some(Place {
        line,
        column,
        key: Some(path.join(".")),
    })
}

fn innermost(
    table: &DeTable<'_>,
    span: &Range<usize>,
    path: &mut Vec<String>,
    best: &mut Option<String>,
) {
    let holds = |r: Range<usize>| r.start <= span.start && span.end <= r.end && r != (0..0);
    for (key, value) in table.iter() {
        path.push(key.get_ref().to_string());
        if holds(key.span()) || holds(value.span()) {
            let here = path.join(".");
            if best.as_ref().is_none_or(|b| here.len() > b.len()) {
                *best = Some(here);
            }
        }
        // A table's own span may be its header alone: look inside whatever it is.
        if let DeValue::Table(inner) = value.get_ref() {
            innermost(inner, span, path, best);
        }
        path.pop();
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "name = \"m\"\nring_recorded = \"no\"\n\n[values.channel.map]\n\"110\" = \"phone\"\n";

    #[test]
    fn spans_and_keys_are_placed() {
        let at = TEXT.find("\"no\"").unwrap();
        let p = of_span(TEXT, at..at + 4).unwrap();
        assert_eq!((p.line, p.column), (2, 17));
        assert_eq!(p.key.as_deref(), Some("ring_recorded"));
        let at = TEXT.find("\"phone\"").unwrap();
        assert_eq!(
            of_span(TEXT, at..at + 7).unwrap().key.as_deref(),
            Some("values.channel.map.110")
        );
        let p = of_key(TEXT, &["values", "channel", "map"]).unwrap();
        assert_eq!((p.line, p.column), (4, 17));
        assert!(of_key(TEXT, &["fields"]).is_none());
        assert!(of_span(TEXT, 0..0).is_none());
    }
}

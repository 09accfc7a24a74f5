//! Where a field's text comes from in a row: one column (`received = "Start"`), the first
//! of several that is not empty (`first_of`), several joined (`join`: a date column and a
//! time column), a constant, and any of these only when another column holds one of some
//! values (`when`: a close only when the status says closed). The mapping's TOML form,
//! bound to the file's header, read from a row.

use std::borrow::Cow;
use std::fmt;

use csv::StringRecord;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::fill::FillValues;
use super::header::Header;

/// A field's source as a mapping writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSource {
    pub from: Origin,
    pub when: Option<When>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Column(String),
    /// The first of these columns that holds no fill value.
    FirstOf(Vec<String>),
    /// These columns' values joined by the separator; empty when any of them is.
    Join {
        columns: Vec<String>,
        separator: String,
    },
}

/// The field holds a value only in rows whose `column` holds one of `is` (compared
/// ignoring case and surrounding space); elsewhere it is empty by rule, not a problem.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub column: String,
    pub is: Vec<String>,
}

/// The table form: `{ column = …, when = … }`, `{ first_of = […] }`, `{ join = […] }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    column: Option<String>,
    first_of: Option<Vec<String>>,
    join: Option<Vec<String>>,
    separator: Option<String>,
    when: Option<When>,
}

impl Table {
    fn into_source(self) -> Result<FieldSource, String> {
        if self.separator.is_some() && self.join.is_none() {
            return Err("`separator` goes with `join`".into());
        }
        let from = match (self.column, self.first_of, self.join) {
            (Some(c), None, None) => Origin::Column(c),
            (None, Some(cols), None) if !cols.is_empty() => Origin::FirstOf(cols),
            (None, None, Some(cols)) if cols.len() >= 2 => Origin::Join {
                columns: cols,
                separator: self.separator.unwrap_or_else(|| " ".into()),
            },
            (None, Some(_), None) => return Err("`first_of` names no column".into()),
            (None, None, Some(_)) => return Err("`join` needs at least two columns".into()),
            _ => {
                return Err(
                    "a field takes its text from exactly one of `column`, `first_of` or `join`"
                        .into(),
                )
            }
        };
        if self.when.as_ref().is_some_and(|w| w.is.is_empty()) {
            return Err("`when.is` lists no value".into());
        }
        Ok(FieldSource {
            from,
            when: self.when,
        })
    }
}

impl<'de> Deserialize<'de> for FieldSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FieldSource, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = FieldSource;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column name, or a table with column, first_of or join")
            }

            fn visit_str<E: de::Error>(self, column: &str) -> Result<FieldSource, E> {
                Ok(FieldSource {
                    from: Origin::Column(column.to_string()),
                    when: None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldSource, A::Error> {
                Table::deserialize(de::value::MapAccessDeserializer::new(map))?
                    .into_source()
                    .map_err(de::Error::custom)
            }
        }
        d.deserialize_any(Either)
    }
}

impl FieldSource {
    /// Every column the source reads, its condition's included.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        let own: &[String] = match &self.from {
            Origin::Column(c) => std::slice::from_ref(c),
            Origin::FirstOf(cols) | Origin::Join { columns: cols, .. } => cols,
        };
        own.iter()
            .chain(self.when.iter().map(|w| &w.column))
            .map(String::as_str)
    }
}

/// A source bound to the file's header: columns by index.
#[derive(Debug, Clone)]
pub struct Bound {
    from: BoundOrigin,
    when: Option<(usize, Vec<String>)>,
    /// How problems name where the value came from.
    shown: Shown,
}

#[derive(Debug, Clone)]
enum BoundOrigin {
    Column(usize),
    FirstOf(Vec<usize>),
    Join(Vec<usize>, String),
    Constant(String),
}

#[derive(Debug, Clone)]
enum Shown {
    /// The header's name of the column the value came from.
    Column,
    /// A fixed name: the joined columns ("Date + Time"); none for a constant.
    Fixed(Option<String>),
}

/// A field's text in one row.
#[derive(Debug, PartialEq, Eq)]
pub enum Cell<'r> {
    /// The mapping's condition does not hold in this row: empty by rule.
    Excluded,
    /// Only fill values (`NULL`, `-9999`, blank) where the text would be.
    Fill,
    /// The text and the column it came from (the first joined one for a join), for
    /// reporting it once however many fields read it.
    Text {
        text: Cow<'r, str>,
        column: Option<usize>,
    },
}

impl Bound {
    /// Binds `source` to the header; `what` names the field in the message for a column
    /// the header lacks.
    pub fn new(
        source: &FieldSource,
        find: &dyn Fn(&str, &str) -> Result<usize, String>,
        what: &str,
    ) -> Result<Bound, String> {
        let all = |cols: &[String]| -> Result<Vec<usize>, String> {
            cols.iter().map(|c| find(c, what)).collect()
        };
        let (from, shown) = match &source.from {
            Origin::Column(c) => (BoundOrigin::Column(find(c, what)?), Shown::Column),
            Origin::FirstOf(cols) => (BoundOrigin::FirstOf(all(cols)?), Shown::Column),
            Origin::Join { columns, separator } => (
                BoundOrigin::Join(all(columns)?, separator.clone()),
                Shown::Fixed(Some(columns.join(" + "))),
            ),
        };
        let when = match &source.when {
            Some(w) => Some((
                find(&w.column, &format!("the condition of {what}"))?,
                w.is.clone(),
            )),
            None => None,
        };
        Ok(Bound { from, when, shown })
    }

    pub fn constant(value: &str) -> Bound {
        Bound {
            from: BoundOrigin::Constant(value.to_string()),
            when: None,
            shown: Shown::Fixed(None),
        }
    }

    /// The field's text in `rec`. Columns that held a fill value where the field ends up
    /// empty are added to `filled`.
    pub fn read<'r>(
        &'r self,
        rec: &'r StringRecord,
        fills: &FillValues,
        filled: &mut Vec<usize>,
    ) -> Cell<'r> {
        let at = move |ix: usize| -> &'r str { rec.get(ix).map(str::trim).unwrap_or("") };
        if let Some((ix, values)) = &self.when {
            let v = at(*ix);
            if !values.iter().any(|x| x.trim().eq_ignore_ascii_case(v)) {
                return Cell::Excluded;
            }
        }
        let mut fill = |ixs: &[usize]| {
            for ix in ixs {
                if fills.holds(at(*ix)) && !filled.contains(ix) {
                    filled.push(*ix);
                }
            }
            Cell::Fill
        };
        match &self.from {
            BoundOrigin::Constant(c) => Cell::Text {
                text: Cow::Borrowed(c),
                column: None,
            },
            BoundOrigin::Column(ix) => match at(*ix) {
                v if fills.holds(v) => fill(&[*ix]),
                v => Cell::Text {
                    text: Cow::Borrowed(v),
                    column: Some(*ix),
                },
            },
            BoundOrigin::FirstOf(ixs) => match ixs.iter().find(|ix| !fills.holds(at(**ix))) {
                Some(ix) => Cell::Text {
                    text: Cow::Borrowed(at(*ix)),
                    column: Some(*ix),
                },
                None => fill(ixs),
            },
            BoundOrigin::Join(ixs, separator) => {
                if ixs.iter().any(|ix| fills.holds(at(*ix))) {
                    return fill(ixs);
                }
                let parts: Vec<&str> = ixs.iter().map(|ix| at(*ix)).collect();
                Cell::Text {
                    text: Cow::Owned(parts.join(separator)),
                    column: Some(ixs[0]),
                }
            }
        }
    }

    /// The column a problem with this field's text is named by.
    pub fn column_name<'h>(&'h self, header: &'h Header, column: Option<usize>) -> Option<&'h str> {
        match &self.shown {
            Shown::Column => column.map(|ix| header.name(ix)),
            Shown::Fixed(name) => name.as_deref(),
        }
    }

    /// The column named when the field is missing from a row: the first one it reads.
    pub fn first_column(&self) -> Option<usize> {
        match &self.from {
            BoundOrigin::Column(ix) => Some(*ix),
            BoundOrigin::FirstOf(ixs) | BoundOrigin::Join(ixs, _) => ixs.first().copied(),
            BoundOrigin::Constant(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Fields {
        fields: std::collections::BTreeMap<String, FieldSource>,
    }

    fn parse(text: &str) -> Result<FieldSource, String> {
        toml::from_str::<Fields>(text)
            .map(|f| f.fields.into_values().next().unwrap())
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn each_form_reads_as_written() {
        assert_eq!(
            parse("[fields]\nx = \"Col\"").unwrap().from,
            Origin::Column("Col".into())
        );
        let closed = parse(
            "[fields.x]\ncolumn = \"Closed Date\"\nwhen = { column = \"Status\", is = [\"Closed\"] }",
        )
        .unwrap();
        assert_eq!(
            closed.columns().collect::<Vec<_>>(),
            ["Closed Date", "Status"]
        );
        assert_eq!(
            parse("[fields.x]\njoin = [\"D\", \"T\"]").unwrap().from,
            Origin::Join {
                columns: vec!["D".into(), "T".into()],
                separator: " ".into()
            }
        );
    }

    #[test]
    fn an_unclear_table_is_named() {
        let cases = [
            (
                "[fields.x]\ncolumn = \"A\"\nfirst_of = [\"B\"]",
                "exactly one of",
            ),
            ("[fields.x]\njoin = [\"A\"]", "at least two"),
            (
                "[fields.x]\ncolumn = \"A\"\nseparator = \"T\"",
                "goes with `join`",
            ),
            (
                "[fields.x]\ncolumn = \"A\"\nwhen = { column = \"S\", is = [] }",
                "lists no value",
            ),
            ("[fields.x]\ncolum = \"A\"", "unknown field `colum`"),
        ];
        for (text, said) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(said), "{text}: {err}");
        }
    }

    #[test]
    fn rows_are_read_by_rule() {
        let header = Header::new(&StringRecord::from(vec!["D", "T", "S", "A", "B"]));
        let find = |c: &str, _: &str| header.column(c, "x", "m", "f.csv");
        let fills = FillValues::new(&["".to_string(), "NULL".to_string()]);
        let bind = |text: &str| Bound::new(&parse(text).unwrap(), &find, "field 'x'").unwrap();
        let joined =
            bind("[fields.x]\njoin = [\"D\", \"T\"]\nwhen = { column = \"S\", is = [\"closed\"] }");
        let first = bind("[fields.x]\nfirst_of = [\"A\", \"B\"]");
        let row = StringRecord::from(vec!["2025-11-02", "01:10", " Closed ", "NULL", "b"]);
        let mut filled = Vec::new();
        assert_eq!(
            joined.read(&row, &fills, &mut filled),
            Cell::Text {
                text: Cow::Owned("2025-11-02 01:10".into()),
                column: Some(0)
            }
        );
        assert_eq!(joined.column_name(&header, Some(0)), Some("D + T"));
        assert_eq!(
            first.read(&row, &fills, &mut filled),
            Cell::Text {
                text: Cow::Borrowed("b"),
                column: Some(4)
            }
        );
        assert!(filled.is_empty(), "a value was found: {filled:?}");
        let cancelled = StringRecord::from(vec!["2025-11-02", "", "Cancelled", "", ""]);
        assert_eq!(joined.read(&cancelled, &fills, &mut filled), Cell::Excluded);
        assert_eq!(first.read(&cancelled, &fills, &mut filled), Cell::Fill);
        assert_eq!(filled, [3, 4]);
    }
}

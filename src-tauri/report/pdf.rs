//! The report as a PDF: a Typst template compiled in-process (the `typst` crate; no
//! external binary), fed the document as `report.json` and its charts as SVG files. The
//! default template is compiled into the program; a centre lays out its own without
//! recompiling (`--template FILE` or `report.template`), reading the same `report.json`.
//! Chinese text is set in the CJK font the charts are measured in (fonts-noto-cjk), which
//! the PDF embeds as a subset of the glyphs used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};
use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::{Block, Document};
use crate::charts::Lang;

/// The template shipped with the program.
pub const DEFAULT_TEMPLATE: &str = include_str!("template.typ");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("{0}")]
    Font(String),
    #[error("cannot read the report template {path}: {source}")]
    Template {
        path: String,
        source: std::io::Error,
    },
    /// The template does not compile; the messages name the line.
    #[error("the report template {template} does not compile: {messages}")]
    Compile { template: String, messages: String },
}

/// A template: its source, and the folder its own files (a logo) are read from.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub source: String,
    pub dir: Option<PathBuf>,
}

impl Template {
    pub fn builtin() -> Template {
        Template {
            name: "(built in)".into(),
            source: DEFAULT_TEMPLATE.into(),
            dir: None,
        }
    }

    pub fn load(path: &Path) -> Result<Template, PdfError> {
        let source = std::fs::read_to_string(path).map_err(|source| PdfError::Template {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Template {
            name: path.display().to_string(),
            source,
            dir: path.parent().map(Path::to_path_buf),
        })
    }
}

/// Every face of the CJK font files, parsed once per process.
fn fonts() -> Result<&'static [Font], PdfError> {
    static FONTS: OnceLock<Result<Vec<Font>, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let faces = crate::charts::fonts::faces()?;
            let mut out = Vec::new();
            for data in std::iter::once(faces.regular).chain(faces.bold) {
                out.extend(Font::iter(Bytes::new(data)));
            }
            if out.is_empty() {
                return Err("the CJK font files hold no font Typst can read".into());
            }
            Ok(out)
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(|e| PdfError::Font(format!("the report's PDF needs a CJK font: {e}")))
}

/// Reads and parses the CJK font now, so that the first PDF of the process does not wait
/// for it (a problem with it is reported when a PDF is written).
pub fn warm_up() {
    let _ = fonts();
}

/// The document as the template reads it (`json("report.json")`). This is the templates'
/// contract: a centre's own template relies on these names.
fn template_data(doc: &Document) -> (Value, Vec<(String, String)>) {
    let mut svgs = Vec::new();
    let sections: Vec<Value> = doc
        .sections
        .iter()
        .map(|s| {
            let blocks: Vec<Value> = s
                .blocks
                .iter()
                .map(|b| match b {
                    Block::Text(t) => json!({"kind": "text", "text": t}),
                    Block::Chart(c) => {
                        let file = format!("charts/{}.svg", c.id);
                        svgs.push((file.clone(), c.svg.clone()));
                        json!({"kind": "chart", "id": c.id, "caption": c.caption, "file": file})
                    }
                    Block::Table(t) => {
                        let numeric: Vec<bool> = (0..t.columns.len())
                            .map(|k| t.rows.iter().any(|r| r.get(k).is_some_and(|c| c.numeric())))
                            .collect();
                        json!({
                            "kind": "table",
                            "key": t.key,
                            "title": t.title,
                            "columns": t.columns.iter().zip(&numeric).map(|(label, n)| json!({"label": label, "numeric": n})).collect::<Vec<_>>(),
                            "rows": t.rows.iter().map(|r| r.iter().map(|c| c.show(doc.lang)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                        })
                    }
                })
                .collect();
            json!({"key": s.key, "title": s.title, "blocks": blocks})
        })
        .collect();
    let data = json!({
        "centre": doc.centre,
        "title": doc.title,
        "period": doc.period,
        "made": doc.made,
        "lang": match doc.lang { Lang::Zh => "zh", Lang::En => "en" },
        "font": crate::charts::fonts::FAMILY,
        "page": match doc.lang { Lang::Zh => "第 {n} 页 / 共 {total} 页", Lang::En => "Page {n} of {total}" },
        "empty": match doc.lang { Lang::Zh => "（无）", Lang::En => "(none)" },
        "sections": sections,
    });
    (data, svgs)
}

struct ReportWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: &'static [Font],
    main: Source,
    files: HashMap<FileId, Bytes>,
    dir: Option<PathBuf>,
    today: Option<Datetime>,
}

fn id(path: &str) -> FileId {
    FileId::new(None, VirtualPath::new(path))
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        let bytes = self.file(id)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(b) = self.files.get(&id) {
            return Ok(b.clone());
        }
        // A centre's template may read its own files (a logo) from beside it, nowhere else.
        let vpath = id.vpath();
        let not_found = || FileError::NotFound(vpath.as_rootless_path().into());
        let dir = self.dir.as_ref().ok_or_else(not_found)?;
        let path = vpath.resolve(dir).ok_or_else(not_found)?;
        std::fs::read(&path)
            .map(Bytes::new)
            .map_err(|e| FileError::from_io(e, &path))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        self.today
    }
}

fn describe(world: &ReportWorld, errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let line = d.span.id().and_then(|id| {
                let src = world.source(id).ok()?;
                let range = src.range(d.span)?;
                Some(src.byte_to_line(range.start)? + 1)
            });
            match line {
                Some(l) => format!("line {l}: {}", d.message),
                None => d.message.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Compiles the template over the document into PDF bytes.
pub fn write(
    doc: &Document,
    template: &Template,
    made: chrono::NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    use chrono::Datelike;
    let fonts = fonts()?;
    let (data, svgs) = template_data(doc);
    let mut files: HashMap<FileId, Bytes> = svgs
        .into_iter()
        .map(|(name, svg)| (id(&format!("/{name}")), Bytes::from_string(svg)))
        .collect();
    files.insert(id("/report.json"), Bytes::from_string(data.to_string()));
    let world = ReportWorld {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(fonts)),
        fonts,
        main: Source::new(id("/main.typ"), template.source.clone()),
        files,
        dir: template.dir.clone(),
        today: Datetime::from_ymd(made.year(), made.month() as u8, made.day() as u8),
    };
    let fail = |messages: String| PdfError::Compile {
        template: template.name.clone(),
        messages,
    };
    let compiled: PagedDocument = typst::compile(&world)
        .output
        .map_err(|e| fail(describe(&world, &e)))?;
    typst_pdf::pdf(&compiled, &typst_pdf::PdfOptions::default())
        .map_err(|e| fail(describe(&world, &e)))
}

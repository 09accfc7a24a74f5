//! The CJK font charts are measured with: the one the UI renders SVG text in (Debian's
//! fonts-noto-cjk). Mapped into memory once and registered with plotters; the report's PDF
//! (Typst) reads the same mapping.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

/// The family name written into every SVG `<text>`; the UI's CSS loads the same font.
pub const FAMILY: &str = "Noto Sans CJK SC";

const CANDIDATES: [(&str, &str); 3] = [
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    (
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    ),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    ),
];

static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the font once per process; the error names the paths looked at and the
/// package that provides them.
pub fn register() -> Result<(), String> {
    REGISTERED.get_or_init(load).clone()
}

fn load() -> Result<(), String> {
    let faces = faces()?;
    register_font(FAMILY, FontStyle::Normal, faces.regular).map_err(|_| {
        format!(
            "{} is not a font plotters can read",
            faces.regular_path.display()
        )
    })?;
    if let Some(b) = faces.bold {
        let _ = register_font(FAMILY, FontStyle::Bold, b);
    }
    Ok(())
}

/// The CJK font files' bytes, for the life of the process.
pub struct Faces {
    pub regular_path: PathBuf,
    pub regular: &'static [u8],
    pub bold: Option<&'static [u8]>,
}

/// The font files mapped into memory, once per process. Read into the heap they were
/// 40 MB, twice over (plotters and Typst each kept a copy); mapped, the kernel shares the
/// pages with every other program using the font and drops the ones not in use.
pub fn faces() -> Result<&'static Faces, String> {
    static FACES: OnceLock<Result<Faces, String>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let (regular, bold) = files()?;
            Ok(Faces {
                regular: map(&regular)?,
                bold: bold.and_then(|b| map(&b).ok()),
                regular_path: regular,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn map(path: &Path) -> Result<&'static [u8], String> {
    let cannot = |e: std::io::Error| format!("cannot read the CJK font {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(cannot)?;
    // SAFETY: the mapping is read-only. A font file is replaced by the package manager
    // through a new file (rename), which leaves this mapping on the old one; only writing
    // into the installed file in place could change the bytes under us.
    let mapped = unsafe { memmap2::Mmap::map(&file) }.map_err(cannot)?;
    // plotters and Typst keep fonts for the life of the process.
    Ok(&**Box::leak(Box::new(mapped)))
}

/// The CJK font's regular file and, where installed, its bold one: `COMMANDWALL_CJK_FONT`
/// or Debian's (and other distributions') fonts-noto-cjk. The charts and the report's PDF
/// read the same files, so a chart's labels are drawn in the font they were measured in.
pub fn files() -> Result<(PathBuf, Option<PathBuf>), String> {
    let custom = std::env::var("COMMANDWALL_CJK_FONT").ok();
    let mut tried = Vec::new();
    let pairs = custom
        .as_deref()
        .map(|p| (p, p))
        .into_iter()
        .chain(CANDIDATES);
    for (regular, bold) in pairs {
        tried.push(regular.to_string());
        if Path::new(regular).is_file() {
            let bold = (bold != regular && Path::new(bold).is_file()).then(|| bold.into());
            return Ok((regular.into(), bold));
        }
    }
    Err(format!(
        "no CJK font found (looked at {}); install Debian's fonts-noto-cjk or set COMMANDWALL_CJK_FONT",
        tried.join(", ")
    ))
}

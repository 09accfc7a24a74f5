//! The CJK font charts are measured with: the one the UI renders SVG text in (Debian's
//! fonts-noto-cjk). Read once from disk and registered with plotters.

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
    let (regular, bold) = files()?;
    // plotters keeps fonts for the life of the process.
    let bytes: &'static [u8] = Box::leak(read(&regular)?.into_boxed_slice());
    register_font(FAMILY, FontStyle::Normal, bytes)
        .map_err(|_| format!("{} is not a font plotters can read", regular.display()))?;
    if let Some(b) = bold.and_then(|b| std::fs::read(b).ok()) {
        let b: &'static [u8] = Box::leak(b.into_boxed_slice());
        let _ = register_font(FAMILY, FontStyle::Bold, b);
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the CJK font {}: {e}", path.display()))
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

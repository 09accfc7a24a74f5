use plotters::style::RGBColor;

/// Colours of one medium. Colour means state; the accent marks today.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub background: RGBColor,
    pub text: RGBColor,
    pub dim: RGBColor,
    pub grid: RGBColor,
    pub accent: RGBColor,
    pub good: RGBColor,
    pub bad: RGBColor,
    pub warn: RGBColor,
    /// Font size of labels, in the chart's own pixels.
    pub label_px: u32,
}

impl Theme {
    /// The video wall: the page's dark panel colour, read from 10 m.
    pub const WALL: Theme = Theme {
        background: RGBColor(0x0e, 0x1a, 0x30),
        text: RGBColor(0xe8, 0xee, 0xf8),
        dim: RGBColor(0x8a, 0x9b, 0xb8),
        grid: RGBColor(0x1c, 0x2c, 0x4a),
        accent: RGBColor(0x4d, 0xa3, 0xff),
        good: RGBColor(0x30, 0xa4, 0x6c),
        bad: RGBColor(0xe5, 0x48, 0x4d),
        warn: RGBColor(0xf5, 0x9e, 0x0b),
        label_px: 30,
    };

    /// Paper: the weekly report.
    pub const PRINT: Theme = Theme {
        background: RGBColor(0xff, 0xff, 0xff),
        text: RGBColor(0x11, 0x18, 0x27),
        dim: RGBColor(0x6b, 0x72, 0x80),
        grid: RGBColor(0xe5, 0xe7, 0xeb),
        accent: RGBColor(0x1d, 0x4e, 0xd8),
        good: RGBColor(0x15, 0x80, 0x3d),
        bad: RGBColor(0xb9, 0x1c, 0x1c),
        warn: RGBColor(0xb4, 0x53, 0x09),
        label_px: 22,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Lang {
        if code.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    pub fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

//! How a page looks: the colour theme and accent an embedding host asks for, and the accent of
//! the firm's brand. Parsing, WCAG contrast arithmetic and the accent stylesheet; the embed and
//! brand routes serve it.

use askama::Template;

use crate::error::{AppError, Result};

/// The colour scheme of an embedded page. The host page decides, whatever the viewer's own
/// preference; `Auto` hands the choice back to the viewer's browser.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
    Auto,
}

impl Theme {
    /// The value of `?theme=` and of `data-theme` on the page's `<html>`.
    pub fn code(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }

    fn parse(value: &str) -> Result<Self> {
        [Theme::Light, Theme::Dark, Theme::Auto]
            .into_iter()
            .find(|t| value.eq_ignore_ascii_case(t.code()))
            .ok_or_else(|| {
                AppError::BadRequest(
                    "theme must be light, dark or auto (light when it is left out).".into(),
                )
            })
    }
}

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

const WHITE: Rgb = Rgb([0xff, 0xff, 0xff]);
const BLACK: Rgb = Rgb([0, 0, 0]);
/// `--accent-text` of the dark palette: the dark ink on a light accent.
const DARK_INK: Rgb = Rgb([0x0b, 0x12, 0x20]);

/// What the accent is read against in each theme: `--bg` and `--surface` of the palettes in
/// `static/app.css` (a test keeps them in step). The accent colours links and text on both.
const LIGHT_BACKGROUNDS: [Rgb; 2] = [WHITE, Rgb([0xf5, 0xf7, 0xfa])];
const DARK_BACKGROUNDS: [Rgb; 2] = [Rgb([0x11, 0x15, 0x1c]), Rgb([0x1b, 0x21, 0x2b])];

/// WCAG 2 level AA for normal text, which the accent is used for.
pub const MIN_CONTRAST: f64 = 4.5;

impl Rgb {
    /// Six hex digits, with or without a leading `#`.
    pub fn parse_hex(value: &str) -> Option<Self> {
        let hex = value.strip_prefix('#').unwrap_or(value);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb([channel(0)?, channel(2)?, channel(4)?]))
    }

    /// Lower-case hex without `#`, e.g. `1f5fbf`.
    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("{r:02x}{g:02x}{b:02x}")
    }

    /// WCAG 2 relative luminance.
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    /// `self` moved the share `t` (0 to 1) of the way towards `other`, channel by channel.
    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let channel = |a: u8, b: u8| {
            let (a, b) = (f64::from(a), f64::from(b));
            // Between 0 and 255 by construction, so the cast cannot truncate.
            (a + (b - a) * t).round().clamp(0.0, 255.0) as u8
        };
        Rgb(std::array::from_fn(|i| channel(self.0[i], other.0[i])))
    }
}

/// The WCAG 2 contrast ratio of two colours, from 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn worst_contrast(colour: Rgb, backgrounds: &[Rgb]) -> f64 {
    backgrounds
        .iter()
        .map(|bg| contrast(colour, *bg))
        .fold(f64::INFINITY, f64::min)
}

/// The accent as one theme uses it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shade {
    /// `--accent`: the host's colour, or the nearest shade of it with enough contrast.
    pub colour: Rgb,
    /// `--accent-text`: white or dark ink, whichever reads better on `colour`.
    pub text: Rgb,
    /// The contrast of the host's own colour against this theme's backgrounds (the lower one).
    pub asked_ratio: f64,
    /// The contrast of `colour` against the same backgrounds.
    pub ratio: f64,
}

impl Shade {
    /// Whether the host's colour had to be darkened or lightened.
    pub fn adjusted(&self) -> bool {
        self.asked_ratio < MIN_CONTRAST
    }

    /// `accent` if it reads at [`MIN_CONTRAST`] on every one of `backgrounds`; otherwise the
    /// least mix of it with `towards` (black on light pages, white on dark ones) that does,
    /// so the hue the host chose stays recognisable.
    fn of(accent: Rgb, backgrounds: &[Rgb], towards: Rgb) -> Self {
        let asked_ratio = worst_contrast(accent, backgrounds);
        let colour = (0..=100)
            .map(|step| accent.mix(towards, f64::from(step) / 100.0))
            .find(|c| worst_contrast(*c, backgrounds) >= MIN_CONTRAST)
            .unwrap_or(towards);
        let text = if contrast(colour, WHITE) >= contrast(colour, DARK_INK) {
            WHITE
        } else {
            DARK_INK
        };
        Self {
            colour,
            text,
            asked_ratio,
            ratio: worst_contrast(colour, backgrounds),
        }
    }
}

/// The host's accent colour, with its shade for each theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accent {
    pub asked: Rgb,
    pub light: Shade,
    pub dark: Shade,
}

impl Accent {
    pub fn new(asked: Rgb) -> Self {
        Self {
            asked,
            light: Shade::of(asked, &LIGHT_BACKGROUNDS, BLACK),
            dark: Shade::of(asked, &DARK_BACKGROUNDS, WHITE),
        }
    }

    /// Six hex digits as `?accent=` and the stylesheet's address take them: with or without
    /// `#` (written `%23` in a URL), any case.
    pub fn parse(value: &str) -> Result<Self> {
        Rgb::parse_hex(value.trim()).map(Self::new).ok_or_else(|| {
            AppError::BadRequest(
                "accent must be a colour as six hex digits, e.g. accent=1f5fbf (a leading # is written %23).".into(),
            )
        })
    }

    /// The stylesheet that sets `--accent` and `--accent-text` for each theme, linked after
    /// the site's. `Scope::Embed` styles embedded pages (which always carry `data-theme`);
    /// `Scope::Site` also styles the site's own pages, which follow the viewer's preference.
    pub fn stylesheet(&self, scope: Scope) -> Result<String> {
        let asked = self.asked.hex();
        AccentSheet {
            light: ShadeView::new(&asked, &self.light),
            dark: ShadeView::new(&asked, &self.dark),
            asked,
            min_contrast: MIN_CONTRAST,
            site: scope == Scope::Site,
        }
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("accent stylesheet: {e}")))
    }
}

/// Which pages an accent stylesheet is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Embedded pages, in the theme the host chose.
    Embed,
    /// Every page, embedded or not.
    Site,
}

/// The accent as `--accent` and `--accent-text` for each theme.
#[derive(Template)]
// Hex digits and numbers only, formatted here: nothing to escape.
#[template(path = "accent.css", escape = "none")]
struct AccentSheet {
    asked: String,
    min_contrast: f64,
    light: ShadeView,
    dark: ShadeView,
    /// Also for pages without `data-theme` (the site's own), not only embedded ones.
    site: bool,
}

struct ShadeView {
    colour: String,
    text: String,
    /// What became of the asked colour, for the person reading the stylesheet.
    note: String,
}

impl ShadeView {
    fn new(asked: &str, shade: &Shade) -> Self {
        let colour = shade.colour.hex();
        let note = if shade.adjusted() {
            format!(
                "#{asked} has {:.2}:1, so #{colour} ({:.2}:1).",
                shade.asked_ratio, shade.ratio
            )
        } else {
            format!("#{asked} as given ({:.2}:1).", shade.ratio)
        };
        Self {
            colour,
            text: shade.text.hex(),
            note,
        }
    }
}

/// What the host asked for: `?theme=` and `?accent=` of an embed page.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Look {
    pub theme: Theme,
    pub accent: Option<Accent>,
}

impl Look {
    /// Reads `theme` and `accent` from a URL query; other keys are left to their pages. The
    /// first value of a repeated key wins; an empty value means the default.
    pub fn from_query(query: Option<&str>) -> Result<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|_| AppError::BadRequest("The address's query could not be read.".into()))?;
        let first = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        Ok(Self {
            theme: first("theme")
                .map(Theme::parse)
                .transpose()?
                .unwrap_or_default(),
            accent: first("accent").map(Accent::parse).transpose()?,
        })
    }

    /// The query that asks for this look again ("" for the default, else starting with `?`),
    /// written the one way this server writes it.
    pub fn query(&self) -> String {
        let mut pairs = Vec::new();
        if self.theme != Theme::default() {
            pairs.push(("theme", self.theme.code().to_owned()));
        }
        if let Some(accent) = self.accent {
            pairs.push(("accent", accent.asked.hex()));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            // Plain ASCII words and hex digits: nothing to escape.
            let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("?{}", joined.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(hex: &str) -> Rgb {
        Rgb::parse_hex(hex).expect("hex")
    }

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        assert!((contrast(BLACK, WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey with 4.5:1 on white.
        assert!((contrast(rgb("767676"), WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn the_theme_is_light_unless_the_host_says_otherwise() {
        assert_eq!(Look::from_query(None).unwrap().theme, Theme::Light);
        assert_eq!(
            Look::from_query(Some("theme=")).unwrap().theme,
            Theme::Light
        );
        for (q, theme) in [
            ("theme=dark", Theme::Dark),
            ("theme=AUTO", Theme::Auto),
            ("theme=light&theme=dark", Theme::Light),
        ] {
            assert_eq!(Look::from_query(Some(q)).unwrap().theme, theme, "{q}");
        }
        assert!(Look::from_query(Some("theme=sepia")).is_err());
    }

    #[test]
    fn an_accent_is_six_hex_digits_with_or_without_a_hash() {
        for q in ["accent=1F5FBF", "accent=%231f5fbf", "accent=1f5fbf"] {
            let look = Look::from_query(Some(q)).unwrap();
            assert_eq!(look.accent.unwrap().asked, rgb("1f5fbf"), "{q}");
        }
        for q in [
            "accent=1f5fb",
            "accent=1f5fbf0",
            "accent=gg0000",
            "accent=red",
            "accent=%23%23123456",
            "accent=%2B12345",
        ] {
            assert!(Look::from_query(Some(q)).is_err(), "{q}");
        }
        assert_eq!(Look::from_query(Some("accent=")).unwrap().accent, None);
    }

    #[test]
    fn the_query_is_written_one_way() {
        let look = Look::from_query(Some("accent=%23AB12CD&theme=Dark&x=1")).unwrap();
        assert_eq!(look.query(), "?theme=dark&accent=ab12cd");
        assert_eq!(Look::default().query(), "");
        assert_eq!(Look::from_query(Some("theme=light")).unwrap().query(), "");
    }

    #[test]
    fn a_readable_accent_is_kept_as_it_is() {
        let a = Accent::new(rgb("1f5fbf"));
        assert_eq!(a.light.colour, rgb("1f5fbf"));
        assert!(!a.light.adjusted());
        assert_eq!(a.light.text, WHITE);
        // Too dark for the dark theme: lightened there only.
        assert!(a.dark.adjusted());
        assert!(a.dark.ratio >= MIN_CONTRAST);
    }

    #[test]
    fn a_pale_accent_is_darkened_on_light_pages_and_kept_on_dark_ones() {
        let gold = Accent::new(rgb("ffd700"));
        assert!(gold.light.asked_ratio < 2.0);
        assert!(gold.light.adjusted());
        assert!(gold.light.ratio >= MIN_CONTRAST);
        // The same hue, only darker: red stays the strongest channel, blue stays none.
        let [r, g, b] = gold.light.colour.0;
        assert!(r > g && b == 0, "{:?}", gold.light.colour);
        // No darker than it needs to be.
        assert!(
            gold.light.ratio < MIN_CONTRAST + 0.3,
            "{}",
            gold.light.ratio
        );
        assert_eq!(gold.dark.colour, rgb("ffd700"));
        assert_eq!(gold.dark.text, DARK_INK);
    }

    #[test]
    fn every_accent_ends_readable_in_both_themes() {
        for step in (0..=255).step_by(17) {
            for asked in [
                Rgb([step, step, step]),
                Rgb([step, 0, 255 - step]),
                Rgb([255, step, 0]),
            ] {
                let a = Accent::new(asked);
                for shade in [a.light, a.dark] {
                    assert!(shade.ratio >= MIN_CONTRAST, "{asked:?}: {shade:?}");
                    assert!(
                        contrast(shade.colour, shade.text) >= MIN_CONTRAST,
                        "{asked:?}"
                    );
                }
            }
        }
    }

    /// The backgrounds above are the palettes' `--bg` and `--surface`, each written in
    /// app.css as `var(--light, #…) var(--dark, #…)`.
    #[test]
    fn the_backgrounds_are_those_of_the_stylesheet() {
        let css = include_str!("../static/app.css");
        for (name, [light, dark]) in [
            ("--bg", [LIGHT_BACKGROUNDS[0], DARK_BACKGROUNDS[0]]),
            ("--surface", [LIGHT_BACKGROUNDS[1], DARK_BACKGROUNDS[1]]),
        ] {
            let line = format!(
                "  {name}: var(--light, #{}) var(--dark, #{});",
                light.hex(),
                dark.hex()
            );
            assert!(css.contains(&line), "{line} missing");
        }
    }
}

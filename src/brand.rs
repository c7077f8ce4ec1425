//! The firm's brand (white label): its name, logo, colour and addresses, read once at start from
//! the TOML file `--brand` names and checked there, so that a server never runs half-branded.
//!
//! Pages read it through [`crate::views::Chrome`]; the logo and the colour's stylesheet are
//! served under content-hashed names by [`crate::routes::brand`].

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use axum::body::Bytes;
use serde::Deserialize;

use crate::look::{Accent, MIN_CONTRAST, Rgb, Scope};

/// Largest logo accepted: a header logo needs far less.
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// The brand file as written. Unknown keys are refused so that a misspelt optional key
/// (`privacy-url`) is not silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandFile {
    name: String,
    logo: PathBuf,
    accent: String,
    website: String,
    contact_email: String,
    footer: Option<String>,
    privacy_url: Option<String>,
    consent_text: Option<String>,
}

/// A checked brand, with its logo in memory.
#[derive(Debug)]
pub struct Brand {
    /// The firm's name, shown where servicefit's would be.
    pub name: String,
    /// The firm's site (`http://` or `https://`).
    pub website: String,
    pub contact_email: String,
    /// The footer's words in place of servicefit's.
    pub footer: Option<String>,
    pub privacy_url: Option<String>,
    /// The words beside a consent box, for forms that ask for one.
    pub consent_text: Option<String>,
    pub accent: Accent,
    /// Where pages load the logo from: `/brand/logo.<hash>.<png|svg>`.
    pub logo_url: String,
    /// Where pages load the accent from: `/brand/accent.<hash>.css`.
    pub css_url: String,
    logo: BrandFileBody,
    css: BrandFileBody,
}

/// A file served under a hashed name.
struct BrandFileBody {
    name: String,
    content_type: &'static str,
    body: Bytes,
}

impl std::fmt::Debug for BrandFileBody {
    /// The name and size: a logo's bytes would flood a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrandFileBody")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.body.len())
            .finish()
    }
}

/// The logo formats accepted, told apart by their content rather than the file's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LogoFormat {
    Png,
    Svg,
}

impl LogoFormat {
    fn of(bytes: &[u8]) -> Option<Self> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(PNG) {
            return Some(Self::Png);
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let text = text.trim_start_matches('\u{feff}').trim_start();
        (text.starts_with('<') && text.contains("<svg")).then_some(Self::Svg)
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }
}

impl Brand {
    /// Reads and checks the brand file at `path`. Every refusal names the file and the key.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        Self::read(path).with_context(|| format!("brand file {}", path.display()))
    }

    fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).context("cannot be read")?;
        let file: BrandFile = toml::from_str(&text)?;
        let folder = path.parent().unwrap_or(Path::new("."));

        let name = one_line("name", &file.name, 80)?;
        let accent = accent(&file.accent)?;
        let website = web_address("website", &file.website)?;
        let contact_email = crate::auth::normalise_email(&file.contact_email)
            .filter(|e| !e.contains(['<', '>', '"', ',']))
            .with_context(|| {
                format!(
                    "contact_email: {:?} is not an email address",
                    file.contact_email
                )
            })?;
        let footer = file
            .footer
            .as_deref()
            .map(|f| words("footer", f, 500))
            .transpose()?;
        let privacy_url = file
            .privacy_url
            .as_deref()
            .map(|u| web_address("privacy_url", u))
            .transpose()?;
        let consent_text = file
            .consent_text
            .as_deref()
            .map(|c| words("consent_text", c, 1000))
            .transpose()?;
        let logo = logo(&folder.join(&file.logo))?;
        let css = accent
            .stylesheet(Scope::Site)
            .map_err(|e| anyhow::anyhow!("accent: {e}"))?;
        let css = BrandFileBody {
            name: hashed_name("accent", "css", css.as_bytes()),
            content_type: "text/css; charset=utf-8",
            body: Bytes::from(css),
        };
        Ok(Self {
            name,
            website,
            contact_email,
            footer,
            privacy_url,
            consent_text,
            accent,
            logo_url: format!("/brand/{}", logo.name),
            css_url: format!("/brand/{}", css.name),
            logo,
            css,
        })
    }

    /// The file served as `/brand/{name}`: its content type and bytes.
    pub fn file(&self, name: &str) -> Option<(&'static str, Bytes)> {
        [&self.logo, &self.css]
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| (f.content_type, f.body.clone()))
    }
}

fn hashed_name(stem: &str, ext: &str, body: &[u8]) -> String {
    format!("{stem}.{:08x}.{ext}", crate::assets::fnv1a(body) as u32)
}

/// `#rrggbb`, readable as text on the light pages. The dark theme gets a lighter shade of it
/// by itself, as embeds do.
fn accent(value: &str) -> anyhow::Result<Accent> {
    let hex = value.trim();
    let rgb = hex
        .strip_prefix('#')
        .and_then(Rgb::parse_hex)
        .with_context(|| format!("accent: {value:?} is not a colour written #rrggbb"))?;
    let accent = Accent::new(rgb);
    let light = accent.light;
    if light.adjusted() {
        bail!(
            "accent: #{} is too light for text on the white page: its contrast is {:.2}:1 \
             and text needs at least {MIN_CONTRAST}:1; a darker shade such as #{} ({:.2}:1) would do",
            rgb.hex(),
            light.asked_ratio,
            light.colour.hex(),
            light.ratio
        );
    }
    Ok(accent)
}

/// A short text on one line, such as a name.
fn one_line(key: &str, value: &str, max_chars: usize) -> anyhow::Result<String> {
    let value = words(key, value, max_chars)?;
    if value.contains(['\n', '\r']) {
        bail!("{key}: must be one line");
    }
    Ok(value)
}

/// Some words: not empty, not too long, no control characters but line breaks.
fn words(key: &str, value: &str, max_chars: usize) -> anyhow::Result<String> {
    let value = value.trim();
    if value.is_empty() {
        bail!("{key}: must not be empty");
    }
    if value.chars().count() > max_chars {
        bail!("{key}: at most {max_chars} characters");
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        bail!("{key}: must not contain control characters");
    }
    Ok(value.to_owned())
}

/// An `http://` or `https://` address with a host, as links on the pages carry it.
fn web_address(key: &str, value: &str) -> anyhow::Result<String> {
    let url = reqwest::Url::parse(value.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .with_context(|| {
            format!("{key}: {value:?} is not a web address; write it as https://host/…")
        })?;
    Ok(url.to_string())
}

/// The logo file: PNG or SVG, at most [`MAX_LOGO_BYTES`].
fn logo(path: &Path) -> anyhow::Result<BrandFileBody> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("logo: {} cannot be read", path.display()))?
        .len();
    if size > MAX_LOGO_BYTES {
        bail!(
            "logo: {} is {} KB; a logo may be at most {} KB",
            path.display(),
            size.div_ceil(1024),
            MAX_LOGO_BYTES / 1024
        );
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("logo: {} cannot be read", path.display()))?;
    let format = LogoFormat::of(&bytes)
        .with_context(|| format!("logo: {} is neither a PNG nor an SVG image", path.display()))?;
    Ok(BrandFileBody {
        name: hashed_name("logo", format.extension(), &bytes),
        content_type: format.content_type(),
        body: Bytes::from(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0b5"/></svg>"##;

    fn write(dir: &Path, toml: &str) -> PathBuf {
        std::fs::write(dir.join("logo.svg"), SVG).unwrap();
        let path = dir.join("brand.toml");
        std::fs::write(&path, toml).unwrap();
        path
    }

    fn toml_with(line: &str) -> String {
        let mut keys = vec![
            ("name", "\"Harbour IT\""),
            ("logo", "\"logo.svg\""),
            ("accent", "\"#0b5cad\""),
            ("website", "\"https://harbour-it.example\""),
            ("contact_email", "\"hello@harbour-it.example\""),
        ];
        let (key, value) = line.split_once(" = ").unwrap_or((line, ""));
        keys.retain(|(k, _)| *k != key);
        let mut text: String = keys.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        if !value.is_empty() {
            text.push_str(&format!("{key} = {value}\n"));
        }
        text
    }

    fn refusal(line: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &toml_with(line));
        format!("{:#}", Brand::load(&path).expect_err(line))
    }

    #[test]
    fn a_good_brand_file_loads_with_its_logo_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            &toml_with("privacy_url = \"https://harbour-it.example/privacy\""),
        );
        let brand = Brand::load(&path).expect("brand");
        assert_eq!(brand.name, "Harbour IT");
        assert!(brand.logo_url.starts_with("/brand/logo."));
        assert!(brand.logo_url.ends_with(".svg"));
        let name = brand.logo_url.trim_start_matches("/brand/");
        let (content_type, body) = brand.file(name).expect("logo served");
        assert_eq!(content_type, "image/svg+xml");
        assert_eq!(&body[..], SVG.as_bytes());
        let (css_type, css) = brand.file(&brand.css_url["/brand/".len()..]).expect("css");
        assert_eq!(css_type, "text/css; charset=utf-8");
        assert!(
            std::str::from_utf8(&css)
                .unwrap()
                .contains("--accent: #0b5cad;")
        );
        assert!(brand.file("logo.svg").is_none());
    }

    #[test]
    fn each_refusal_names_its_key() {
        for (line, key) in [
            ("accent = \"0b5cad\"", "accent"),
            ("accent = \"#0b5cazz\"", "accent"),
            ("accent = \"#ffd700\"", "accent"),
            ("logo = \"missing.svg\"", "logo"),
            ("website = \"harbour-it.example\"", "website"),
            ("privacy_url = \"javascript:alert(1)\"", "privacy_url"),
            ("contact_email = \"hello\"", "contact_email"),
            ("name = \"  \"", "name"),
            ("colour = \"#0b5cad\"", "colour"),
            ("name", "name"),
        ] {
            let message = refusal(line);
            assert!(message.contains(key), "{line}: {message}");
            assert!(message.contains("brand.toml"), "{line}: {message}");
        }
    }

    #[test]
    fn a_too_light_accent_is_refused_with_its_ratio() {
        let message = refusal("accent = \"#ffd700\"");
        assert!(message.contains("1.31:1"), "{message}");
        assert!(message.contains("4.5:1"), "{message}");
    }

    #[test]
    fn a_logo_must_be_a_small_png_or_svg() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &toml_with("logo = \"logo.gif\""));
        std::fs::write(dir.path().join("logo.gif"), b"GIF89a....").unwrap();
        let message = format!("{:#}", Brand::load(&path).unwrap_err());
        assert!(
            message.contains("logo") && message.contains("PNG"),
            "{message}"
        );

        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.resize(MAX_LOGO_BYTES as usize + 1, 0);
        std::fs::write(dir.path().join("logo.gif"), &png).unwrap();
        let message = format!("{:#}", Brand::load(&path).unwrap_err());
        assert!(
            message.contains("logo") && message.contains("512 KB"),
            "{message}"
        );

        png.truncate(MAX_LOGO_BYTES as usize);
        std::fs::write(dir.path().join("logo.gif"), &png).unwrap();
        let brand = Brand::load(&path).expect("512 KB is allowed");
        assert!(brand.logo_url.ends_with(".png"));
    }

    #[test]
    fn svg_is_recognised_after_an_xml_declaration() {
        let doc = format!("\u{feff}<?xml version=\"1.0\"?>\n{SVG}");
        assert_eq!(LogoFormat::of(doc.as_bytes()), Some(LogoFormat::Svg));
        assert_eq!(LogoFormat::of(b"<html><body>svg</body></html>"), None);
        assert_eq!(LogoFormat::of(b"plain <svg"), None);
    }
}

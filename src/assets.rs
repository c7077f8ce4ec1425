//! Static files, embedded in the binary and served under content-hashed names so browsers can
//! cache them for a year and still see every change.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::AppError;

struct Asset {
    /// Name with the content hash, e.g. `app.1a2b3c4d.css`.
    hashed_name: String,
    content_type: &'static str,
    body: &'static str,
}

fn asset(stem: &str, ext: &str, content_type: &'static str, body: &'static str) -> Asset {
    Asset {
        hashed_name: format!("{stem}.{:08x}.{ext}", fnv1a(body.as_bytes()) as u32),
        content_type,
        body,
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        asset(
            "app",
            "css",
            "text/css; charset=utf-8",
            include_str!("../static/app.css"),
        ),
        asset(
            "embed-frame",
            "js",
            "text/javascript; charset=utf-8",
            include_str!("../static/embed-frame.js"),
        ),
        asset(
            "questionnaire",
            "js",
            "text/javascript; charset=utf-8",
            include_str!("../static/questionnaire.js"),
        ),
        asset(
            "copy",
            "js",
            "text/javascript; charset=utf-8",
            include_str!("../static/copy.js"),
        ),
    ]
});

/// FNV-1a: a small, stable hash; only used to name file versions.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The URL of the stylesheet, for templates.
pub fn css_url() -> String {
    url_of("app")
}

/// The URL of the embedded file named `stem` (e.g. `embed-frame` for `static/embed-frame.js`).
pub fn url_of(stem: &str) -> String {
    ASSETS
        .iter()
        .find(|a| a.hashed_name.starts_with(stem) && a.hashed_name[stem.len()..].starts_with('.'))
        .map(|a| format!("/static/{}", a.hashed_name))
        .unwrap_or_default()
}

/// The content hash in the name of the embedded file `stem`, for addresses derived from it.
pub fn hash_of(stem: &str) -> String {
    url_of(stem)
        .rsplit('.')
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{name}", get(serve_asset))
}

async fn serve_asset(Path(name): Path<String>) -> Result<Response, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.hashed_name == name)
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.body,
    )
        .into_response())
}

//! The brand's logo and accent stylesheet, under content-hashed names so that browsers keep
//! them for a year and still see a new logo at once. `build_app` gives them a policy that
//! lets an SVG logo run nothing.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::{AppError, Result};

pub fn router() -> Router<AppState> {
    Router::new().route("/brand/{file}", get(serve))
}

/// `GET /brand/logo.<hash>.<png|svg>` and `GET /brand/accent.<hash>.css`; `404` without a brand.
async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response> {
    let (content_type, body) = state
        .brand
        .as_deref()
        .and_then(|b| b.file(&file))
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        body,
    )
        .into_response())
}

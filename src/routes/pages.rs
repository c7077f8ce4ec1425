//! The landing page, health checks and the not-found page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{ApiError, AppError};
use crate::{AppState, assets, db};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// Health checks, kept apart so that they answer even when the server sheds load.
pub fn health_router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    css: String,
}

async fn home() -> HomePage {
    HomePage {
        css: assets::css_url(),
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    if db::ping(&state.db).await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Ready for traffic: every migration of this binary is applied and the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match db::migrations_applied(&state.db).await {
        Ok(true) => (StatusCode::OK, "ready").into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Unknown paths: JSON under the API, a page everywhere else.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(AppError::NotFound).into_response()
    } else {
        AppError::NotFound.into_response()
    }
}

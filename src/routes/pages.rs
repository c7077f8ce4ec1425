//! The landing page, health checks and the not-found page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::views::Chrome;
use crate::{AppState, db};

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
    chrome: Chrome,
}

async fn home(State(state): State<AppState>) -> HomePage {
    HomePage {
        chrome: Chrome::owner(&state),
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    if db::ping(&state.db).await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Ready for traffic: every migration of this binary is applied and the database takes writes
/// (a full disk or a lock held by another process makes it `503` until writes succeed again).
async fn readyz(State(state): State<AppState>) -> Response {
    match db::migrations_applied(&state.db).await {
        Ok(true) if state.writer.writable().await => (StatusCode::OK, "ready").into_response(),
        Ok(true) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "database cannot take writes",
        )
            .into_response(),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Unknown paths: JSON under the API, a page everywhere else.
pub async fn not_found(uri: Uri) -> Response {
    AppError::NotFound.for_path(uri.path())
}

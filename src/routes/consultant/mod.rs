//! The consultant workspace: sign-in, review, notes, export, trends and the delivery logs.
//! Everything here sits behind the session layer, and every handler but the sign-in page takes a
//! `Consultant`.

mod charts;
mod compare;
mod detail;
mod display;
mod emails;
mod export;
mod filter;
mod list;
mod login;
mod rescore;
mod same_origin;
mod trends;
mod webhooks;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::routing::{MethodRouter, get, post};
use time::Duration;
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::AppState;
use crate::db::consultants::DbSessionStore;

/// Every route that needs a signed-in consultant, with its handlers. The router is built from
/// this list, and the tests walk it to prove each one refuses an anonymous request.
pub fn protected_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/consultant", get(list::show)),
        ("/consultant/assessments/{id}", get(detail::show)),
        ("/consultant/assessments/{id}/notes", post(detail::add_note)),
        (
            "/consultant/assessments/{id}/status",
            post(detail::set_status),
        ),
        ("/consultant/assessments/{id}/tags", post(detail::set_tags)),
        (
            "/consultant/assessments/{id}/rescore",
            get(rescore::rescore),
        ),
        ("/consultant/compare", get(compare::show)),
        ("/consultant/trends", get(trends::show)),
        ("/consultant/webhooks", get(webhooks::show)),
        ("/consultant/emails", get(emails::show)),
        ("/consultant/export.csv", get(export::csv)),
        ("/consultant/export.json", get(export::json)),
        ("/consultant/logout", post(login::logout)),
    ]
}

pub fn router(state: &AppState) -> Router<AppState> {
    let store = DbSessionStore::new(state.db.clone());
    let sweeper = store.clone();
    let db = state.db.clone();
    tokio::spawn(async move {
        crate::retention::periodically(
            &db,
            "sessions",
            std::time::Duration::from_secs(600),
            || async {
                if let Err(e) = sweeper.delete_expired().await {
                    tracing::warn!(error = %e, "could not delete expired sessions");
                }
            },
        )
        .await;
    });
    let sessions = SessionManagerLayer::new(store)
        .with_name("servicefit_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_path("/consultant")
        .with_expiry(Expiry::OnInactivity(Duration::minutes(i64::from(
            state.config.session_idle_minutes,
        ))));
    let mut router = Router::new().route("/consultant/login", get(login::show).post(login::submit));
    for (path, handler) in protected_routes() {
        router = router.route(path, handler);
    }
    router.layer(
        ServiceBuilder::new()
            // Nothing from here may be kept by the browser or a proxy: after sign-out, the
            // back button on a shared computer must not show client data.
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            .layer(sessions)
            .layer(middleware::from_fn_with_state(
                state.clone(),
                same_origin::same_origin_only,
            )),
    )
}

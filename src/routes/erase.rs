//! The owner's deletion link: a confirmation page, the deletion, and the page that says it is
//! done. See [`crate::erasure`].

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use crate::error::{AppError, Result};
use crate::views::Chrome;
use crate::{AppState, db, erasure};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assessments/{id}/delete", get(confirm).post(delete))
        .route("/assessments/{id}/deleted", get(deleted))
}

#[derive(Deserialize)]
struct TokenParam {
    #[serde(default)]
    token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "erase_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    id: String,
    token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "erased.html")]
struct DeletedPage {
    chrome: Chrome,
}

/// The link from the owner's email or notes: what will go, and a button to confirm. A wrong or
/// missing token is `404`, like an unknown id; a deleted assessment is `410`.
async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<TokenParam>,
) -> Result<Response> {
    erasure::check(&state, &id, &p.token).await?;
    Ok(ConfirmPage {
        chrome: Chrome::owner(&state),
        id,
        token: p.token,
    }
    .into_response())
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(p): Form<TokenParam>,
) -> Result<Response> {
    erasure::erase(&state, &id, &p.token).await?;
    Ok(Redirect::to(&format!("/assessments/{id}/deleted")).into_response())
}

/// "Deleted": shown after the deletion; `404` for anything that was not deleted.
async fn deleted(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    if !crate::assessment::is_well_formed_id(&id) || !db::is_erased(&state.db, &id).await? {
        return Err(AppError::NotFound);
    }
    Ok(DeletedPage {
        chrome: Chrome::owner(&state),
    }
    .into_response())
}

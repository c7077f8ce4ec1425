//! Sign-in and sign-out, with throttling of failed attempts.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;

use crate::auth::{self, ClientAddr, Consultant};
use crate::error::{AppError, Result};
use crate::{AppState, assets, db};

#[derive(Template, WebTemplate)]
#[template(path = "consultant/login.html")]
pub struct LoginPage {
    css: String,
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

pub async fn show(session: Session, Query(q): Query<NextQuery>) -> Result<LoginPage> {
    Ok(LoginPage {
        css: assets::css_url(),
        csrf: auth::csrf_token(&session).await.map_err(session_error)?,
        email: String::new(),
        next: auth::safe_next(q.next.as_deref()),
        error: None,
    })
}

#[derive(Deserialize, Default)]
struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
    csrf: Option<String>,
}

fn throttled(retry_after: i64) -> Response {
    let minutes = (retry_after + 59) / 60;
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)))],
        format!(
            "Too many failed sign-ins. Try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ),
    )
        .into_response()
}

/// Seconds until `key` may try again, or `None` when it is not blocked.
async fn blocked_for(state: &AppState, key: &str, limit: i64, now: i64) -> Result<Option<i64>> {
    let (count, oldest) =
        db::consultants::login_failures_since(&state.db, key, now - auth::THROTTLE_WINDOW_SECS)
            .await?;
    Ok((count >= limit).then(|| oldest.unwrap_or(now) + auth::THROTTLE_WINDOW_SECS - now))
}

#[tracing::instrument(skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(address): ClientAddr,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let body = body?;
    let form: LoginForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let email_typed = form.email.clone().unwrap_or_default();
    let next = auth::safe_next(form.next.as_deref());

    let page = |error: &str, csrf: String| LoginPage {
        css: assets::css_url(),
        csrf,
        email: email_typed.chars().take(254).collect(),
        next: next.clone(),
        error: Some(error.to_owned()),
    };
    if !auth::csrf_ok(&session, form.csrf.as_deref()).await {
        let csrf = auth::csrf_token(&session).await.map_err(session_error)?;
        return Ok((
            StatusCode::FORBIDDEN,
            page("This sign-in form has expired. Please try again.", csrf),
        )
            .into_response());
    }

    let email = auth::normalise_email(&email_typed).unwrap_or_default();
    let password = form.password.unwrap_or_default();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let account_key = format!("account:{email}");
    let address_key = format!("address:{address}");
    for (key, limit) in [
        (&account_key, auth::MAX_FAILURES_PER_ACCOUNT),
        (&address_key, auth::MAX_FAILURES_PER_ADDRESS),
    ] {
        if let Some(wait) = blocked_for(&state, key, limit, now).await? {
            tracing::warn!(%address, "sign-in refused: too many failures");
            return Ok(throttled(wait));
        }
    }

    let consultant = if email.is_empty() {
        None
    } else {
        db::consultants::find_consultant_by_email(&state.db, &email).await?
    };
    let hash = consultant
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_owned());
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;

    match consultant {
        Some(c) if verified => {
            db::consultants::clear_login_failures(&state.db, &account_key).await?;
            auth::sign_in(&session, c.id).await.map_err(session_error)?;
            tracing::info!(email = %c.email, %address, "sign-in succeeded");
            Ok(Redirect::to(&next).into_response())
        }
        _ => {
            db::consultants::record_login_failure(
                &state.db,
                &[&account_key, &address_key],
                now,
                now - auth::THROTTLE_WINDOW_SECS,
            )
            .await?;
            tracing::warn!(email = %email, %address, "sign-in failed");
            let csrf = auth::csrf_token(&session).await.map_err(session_error)?;
            Ok((
                StatusCode::UNAUTHORIZED,
                page("That email and password do not match an account.", csrf),
            )
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(
    consultant: Consultant,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let form: CsrfForm = serde_urlencoded::from_bytes(&body?).unwrap_or_default();
    if !auth::csrf_ok(&consultant.session, form.csrf.as_deref()).await {
        return Err(AppError::Forbidden);
    }
    auth::sign_out(&consultant.session)
        .await
        .map_err(session_error)?;
    tracing::info!(email = %consultant.email, "signed out");
    Ok(Redirect::to("/consultant/login").into_response())
}

//! Sign-in and sign-out, with throttling of failed attempts. Nothing is stored for a visitor
//! until the sign-in succeeds: the form's CSRF token lives in a cookie, not in a session.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;
use tower_sessions::cookie::{Cookie, SameSite};

use crate::auth::{self, Consultant, SIGN_IN_FORM_SECS};
use crate::client_addr::ClientAddr;
use crate::error::{AppError, Result};
use crate::views::Chrome;
use crate::{AppState, db};

#[derive(Template, WebTemplate)]
#[template(path = "consultant/login.html")]
pub struct LoginPage {
    chrome: Chrome,
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

/// The cookie that carries the sign-in form's token, sent back only to the sign-in route.
const FORM_COOKIE: &str = "servicefit_sign_in";

/// `Set-Cookie` for a sign-in form's token; an empty token removes the cookie.
fn form_cookie(state: &AppState, token: &str) -> String {
    let max_age = if token.is_empty() {
        0
    } else {
        SIGN_IN_FORM_SECS
    };
    Cookie::build((FORM_COOKIE, token))
        .path("/consultant/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .max_age(time::Duration::seconds(max_age))
        .build()
        .to_string()
}

/// The sign-in form's token the browser sent back in its cookie.
fn kept_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(name, value)| (name == FORM_COOKIE).then_some(value))
}

/// A sign-in page with a fresh form token, and the cookie that holds it.
fn with_new_token(state: &AppState, status: StatusCode, mut page: LoginPage) -> Response {
    page.csrf = state.sign_in_forms.issue(state.clock.unix_seconds());
    let cookie = form_cookie(state, &page.csrf);
    (status, [(header::SET_COOKIE, cookie)], page).into_response()
}

pub async fn show(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let page = LoginPage {
        chrome: Chrome::product(),
        csrf: String::new(),
        email: String::new(),
        next: auth::safe_next(q.next.as_deref()),
        error: None,
    };
    with_new_token(&state, StatusCode::OK, page)
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
    client: ClientAddr,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let body = body?;
    let form: LoginForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let email_typed = form.email.clone().unwrap_or_default();
    let next = auth::safe_next(form.next.as_deref());
    let now = state.clock.unix_seconds();

    let page = |error: &str, csrf: String| LoginPage {
        chrome: Chrome::product(),
        csrf,
        email: email_typed.chars().take(254).collect(),
        next: next.clone(),
        error: Some(error.to_owned()),
    };
    let Some(csrf) = form.csrf.filter(|sent| {
        state
            .sign_in_forms
            .verify(kept_token(&headers), Some(sent), now)
    }) else {
        let error = "This sign-in form has expired. Please try again.";
        let page = page(error, String::new());
        return Ok(with_new_token(&state, StatusCode::FORBIDDEN, page));
    };

    let email = auth::normalise_email(&email_typed).unwrap_or_default();
    let password = form.password.unwrap_or_default();
    // IPv6 clients count by their /64, as in the submission limit.
    let network = client.network();
    let pair_key = format!("account+address:{email} {network}");
    let address_key = format!("address:{network}");
    let account_key = format!("account:{email}");
    for (key, limit) in [
        (&pair_key, auth::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS),
        (&address_key, auth::MAX_FAILURES_PER_ADDRESS),
        (&account_key, auth::MAX_FAILURES_PER_ACCOUNT),
    ] {
        if let Some(wait) = blocked_for(&state, key, limit, now).await? {
            tracing::warn!(%client, "sign-in refused: too many failures");
            return Ok(throttled(wait));
        }
    }

    // Counted before the password is checked, so that guesses sent at once (to this instance
    // or to others on the same database) get no more tries between them than the limits.
    let keys = [
        pair_key.as_str(),
        address_key.as_str(),
        account_key.as_str(),
    ];
    let limits = [
        auth::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        auth::MAX_FAILURES_PER_ADDRESS,
        auth::MAX_FAILURES_PER_ACCOUNT,
    ];
    let counted = db::consultants::record_login_attempt(
        &state.db,
        &keys,
        now,
        now - auth::THROTTLE_WINDOW_SECS,
    )
    .await?;
    let over = counted
        .iter()
        .zip(limits)
        .find_map(|(&(count, oldest), limit)| (count > limit).then_some(oldest));
    if let Some(oldest) = over {
        db::consultants::forget_login_attempt(&state.db, &keys, now).await?;
        tracing::warn!(%client, "sign-in refused: too many attempts at once");
        return Ok(throttled(
            oldest.unwrap_or(now) + auth::THROTTLE_WINDOW_SECS - now,
        ));
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
            // Not a failure after all; and only this address's count goes: failures elsewhere
            // still weigh on the account.
            db::consultants::forget_login_attempt(&state.db, &keys, now).await?;
            db::consultants::clear_login_failures(&state.db, &pair_key).await?;
            auth::sign_in(&session, &c, now)
                .await
                .map_err(session_error)?;
            tracing::info!(email = %c.email, %client, "sign-in succeeded");
            let spent = form_cookie(&state, "");
            Ok(([(header::SET_COOKIE, spent)], Redirect::to(&next)).into_response())
        }
        _ => {
            // Already counted, before the check.
            tracing::warn!(email = %email, %client, "sign-in failed");
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

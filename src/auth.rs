//! Consultant authentication: password hashing, the `Consultant` extractor, CSRF tokens and
//! sign-in throttling.

mod sign_in_form;

pub use sign_in_form::{SIGN_IN_FORM_SECS, SignInForms};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::{AppState, db};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Failed sign-ins counted over this window.
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// Failures allowed for one account from one client address within the window.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
/// Failures allowed per client address within the window (several people may share one).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Failures allowed for one account from all addresses together within the window: far above
/// the per-address limit, so that guessing from many addresses is still bounded while the
/// owner, at an address of their own, is not locked out by someone else's failures.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 100;

const KEY_CONSULTANT: &str = "consultant_id";
const KEY_SIGNED_IN_AT: &str = "signed_in_at";
const KEY_CSRF: &str = "csrf";
/// The account's session epoch at sign-in; a password change moves the account's on, which
/// ends every session signed in before it.
const KEY_EPOCH: &str = "session_epoch";

/// Hashes a password with argon2id and a fresh random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Checks a password against a stored hash. A malformed hash never verifies.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to verify against when the email is unknown, so both cases take the same time.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("servicefit-dummy-password").unwrap_or_default());
    &HASH
}

/// Lower-cased, trimmed email when it looks like one (something@something.something).
pub fn normalise_email(email: &str) -> Option<String> {
    let e = email.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(e)
}

/// Why a password is refused, if it is.
pub fn password_problem(password: &str) -> Option<String> {
    (password.chars().count() < MIN_PASSWORD_CHARS)
        .then(|| format!("Use at least {MIN_PASSWORD_CHARS} characters."))
}

/// True when `a` and `b` are equal, in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Without randomness no token can be trusted; an empty token never matches.
        return String::new();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(KEY_CSRF).await? {
        return Ok(t);
    }
    let t = random_token();
    session.insert(KEY_CSRF, &t).await?;
    Ok(t)
}

/// True when `sent` is this session's token (compared in constant time).
pub async fn csrf_ok(session: &Session, sent: Option<&str>) -> bool {
    let Ok(Some(expected)) = session.get::<String>(KEY_CSRF).await else {
        return false;
    };
    let Some(sent) = sent else { return false };
    !expected.is_empty() && constant_time_eq(expected.as_bytes(), sent.as_bytes())
}

/// Marks the session as signed in at `now` (Unix seconds), with a new session id so a planted
/// id is worthless. This is the first write to the session: nothing is stored before it.
pub async fn sign_in(
    session: &Session,
    consultant: &db::consultants::Consultant,
    now: i64,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(KEY_CONSULTANT, consultant.id).await?;
    session.insert(KEY_SIGNED_IN_AT, now).await?;
    session.insert(KEY_EPOCH, consultant.session_epoch).await?;
    session.insert(KEY_CSRF, random_token()).await?;
    Ok(())
}

pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// A signed-in consultant. Handlers that take one cannot run for anyone else.
#[derive(Debug, Clone)]
pub struct Consultant {
    pub id: i64,
    pub email: String,
    pub csrf: String,
    pub session: Session,
}

/// True for requests that want data rather than a page: they get `401`, not a redirect.
fn wants_data(parts: &Parts) -> bool {
    let path = parts.uri.path();
    path.ends_with(".csv")
        || path.ends_with(".json")
        || parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/csv"))
}

fn refuse(parts: &Parts) -> Response {
    if wants_data(parts) {
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Cookie realm=\"servicefit consultants\"",
            )],
            "Sign in at /consultant/login first.",
        )
            .into_response()
    } else {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/consultant");
        let encoded: String = form_urlencoded_component(next);
        Redirect::to(&format!("/consultant/login?next={encoded}")).into_response()
    }
}

fn form_urlencoded_component(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// Only local paths inside the consultant area are followed after sign-in, and only when every
/// character is printable ASCII: the path goes into a `Location` header, where CR, LF and other
/// control characters cannot go (a path the server itself sends is percent-encoded already).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/consultant")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/consultant/login")
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/consultant".to_owned(),
    }
}

impl FromRequestParts<AppState> for Consultant {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|e| e.into_response())?;
        let id: Option<i64> = session.get(KEY_CONSULTANT).await.ok().flatten();
        let signed_in_at: Option<i64> = session.get(KEY_SIGNED_IN_AT).await.ok().flatten();
        let (Some(id), Some(at)) = (id, signed_in_at) else {
            return Err(refuse(parts));
        };
        if state.clock.unix_seconds() - at >= i64::from(state.config.session_max_seconds) {
            let _ = session.flush().await;
            return Err(refuse(parts));
        }
        // The account must still exist and its password must not have changed since sign-in:
        // removing it or setting a new password ends every session at the next request.
        // Sessions from before epochs were recorded carry none and count as epoch 0.
        let epoch: i64 = session.get(KEY_EPOCH).await.ok().flatten().unwrap_or(0);
        let consultant = match db::consultants::find_consultant(&state.db, id).await {
            Ok(Some(c)) if c.session_epoch == epoch => c,
            Ok(_) => {
                let _ = session.flush().await;
                return Err(refuse(parts));
            }
            Err(e) => return Err(crate::error::AppError::Db(e).into_response()),
        };
        let csrf = csrf_token(&session)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?;
        Ok(Consultant {
            id,
            email: consultant.email,
            csrf,
            session,
        })
    }
}

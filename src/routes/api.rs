//! The JSON API: `/api/v1/...`. Every answer, errors included, is JSON.

use std::sync::LazyLock;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::assessment::Assessment;
use crate::assessment::RetryKey;
use crate::client_addr::ClientAddr;
use crate::config::Config;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::questionnaire::{Section, sections};
use crate::result_cache::{self, Kind};
use crate::rules::answers::{self, messages};
use crate::rules::{Answers, FieldError, RawAnswers};
use crate::{AppState, assessment, erasure, report};

/// Every API route as (method, path): the one list the OpenAPI test holds the router and the
/// document to. A route added to [`documented_routes`] without its line here fails that test.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/questionnaire"),
    ("post", "/api/v1/assessments"),
    ("get", "/api/v1/assessments/{id}"),
    ("post", "/api/v1/assessments/{id}/report"),
    ("get", "/api/v1/openapi.json"),
];

/// The routes with their OpenAPI descriptions; registering a handler through `routes!` is what
/// puts it in the document.
fn documented_routes() -> OpenApiRouter<AppState> {
    // Full paths rather than `nest`: a nested router rewrites every request's URI.
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(questionnaire))
        .routes(routes!(create))
        .routes(routes!(read))
        .routes(routes!(email_report))
        .routes(routes!(openapi_json))
}

/// The API under `/api/v1`, with CORS and JSON answers for unsupported methods.
pub fn router(config: &Config) -> Router<AppState> {
    let (router, _) = documented_routes().split_for_parts();
    router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors(config))
}

/// The OpenAPI 3.1 document of the API, generated from the handlers and types.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().split_for_parts().1
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "servicefit API",
        description = "Assess whether break/fix, managed or co-managed IT support fits a small business, and read stored assessments. Every error answer is JSON in the shape of `ErrorBody`."
    ),
    components(schemas(Answers, ErrorBody))
)]
struct ApiDoc;

static OPENAPI_JSON: LazyLock<String> = LazyLock::new(|| {
    openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"errors\":[{{\"message\":\"{e}\"}}]}}"))
});

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json"))
)]
async fn openapi_json() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI_JSON.as_str(),
    )
}

/// Browsers may read the API from any page; writing is limited to the configured origins, so
/// that another site cannot create assessments in a visitor's name with their address.
fn cors(config: &Config) -> CorsLayer {
    let writers: Vec<HeaderValue> = config
        .api_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.as_str()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, parts| {
            // A preflight names the method it asks for; a real request is that method.
            let method = if parts.method == Method::OPTIONS {
                parts
                    .headers
                    .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                    .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            } else {
                Some(parts.method.clone())
            };
            match method {
                Some(Method::GET | Method::HEAD) => true,
                Some(Method::POST) => writers.contains(origin),
                _ => false,
            }
        }))
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::LOCATION])
        .max_age(Duration::from_secs(3600))
}

async fn method_not_allowed() -> ApiError {
    ApiError(AppError::MethodNotAllowed)
}

/// The questionnaire: every question with its kind, allowed values, limits and defaults.
#[derive(Serialize, ToSchema)]
pub struct QuestionnaireDoc {
    version: &'static str,
    rules_version: String,
    sections: Vec<Section>,
}

/// The questions of the questionnaire.
#[utoipa::path(
    get,
    path = "/api/v1/questionnaire",
    tag = "questionnaire",
    responses(
        (status = 200, description = "The questionnaire", body = QuestionnaireDoc),
        (status = 405, description = "Method not allowed", body = ErrorBody),
    )
)]
async fn questionnaire(State(state): State<AppState>) -> Json<QuestionnaireDoc> {
    Json(QuestionnaireDoc {
        version: "v1",
        rules_version: state.rules.version.clone(),
        sections: sections(&state.rules.cost_defaults()),
    })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .is_some_and(|v| {
            v.eq_ignore_ascii_case("application/json")
                || (v.starts_with("application/") && v.ends_with("+json"))
        })
}

/// Turns a JSON object of answers into the text form the shared parser reads. Each answer must
/// have the JSON type the API document gives it: a number as a number (its JSON spelling is
/// kept), the name and the choices as strings; `null`, and `""` for a number, count as absent.
/// Keys that are not answers are ignored whatever their value.
pub fn raw_from_json(body: &[u8]) -> Result<RawAnswers, AppError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!(
            "The body is not valid JSON ({}). Send one JSON object of answers.",
            e.classify_label()
        ))
    })?;
    let Value::Object(map) = value else {
        return Err(AppError::Validation(vec![FieldError {
            field: None,
            message: "Send one JSON object whose keys are the answer keys, e.g. {\"employees\": 12, ...}.".into(),
        }]));
    };
    let mut raw = RawAnswers::new();
    let mut errors = Vec::new();
    for (key, v) in map {
        if !answers::KEYS.contains(&key.as_str()) {
            continue;
        }
        let is_number = answers::NUMBER_KEYS.contains(&key.as_str());
        match v {
            Value::Null => {}
            Value::Number(n) if is_number => {
                raw.insert(key, n.to_string());
            }
            Value::String(s) if is_number && s.is_empty() => {}
            Value::String(s) if !is_number => {
                raw.insert(key, s);
            }
            _ if is_number => {
                errors.push(FieldError::field(&key, messages::JSON_NUMBER));
            }
            _ => {
                errors.push(FieldError::field(&key, messages::JSON_TEXT));
            }
        }
    }
    if errors.is_empty() {
        Ok(raw)
    } else {
        Err(AppError::Validation(errors))
    }
}

trait ClassifyLabel {
    fn classify_label(&self) -> &'static str;
}

impl ClassifyLabel for serde_json::Error {
    fn classify_label(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Eof => "it ends too early",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Io => "could not be read",
        }
    }
}

/// Assesses a set of answers and stores the result.
#[utoipa::path(
    post,
    path = "/api/v1/assessments",
    tag = "assessments",
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", min_length = 1, max_length = 255, description = "Makes retries safe: a request with the key and body of one answered in the last 24 hours gets the same assessment and status, and nothing new is stored (the answer then carries `Idempotent-Replayed: true`); the same key with another body is refused with 422. 1 to 255 visible ASCII characters, e.g. a UUID.")),
    request_body(content = Answers, description = "A JSON object of answers, keys as in the questionnaire; numbers as JSON numbers. Unknown keys are ignored.", content_type = "application/json"),
    responses(
        (status = 201, description = "Assessed and stored (or, with a retried Idempotency-Key, stored earlier), with the owner's private `delete_url`", body = CreatedAssessment,
            headers(("location" = String, description = "The results page, /assessments/{id}"))),
        (status = 400, description = "The body is not JSON, or the Idempotency-Key header is malformed", body = ErrorBody),
        (status = 405, description = "Method not allowed", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "The content type is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid answers: one error per field", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address in the last minute; `Retry-After` says how many seconds to wait", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait before submitting again"))),
        (status = 500, description = "Server error", body = ErrorBody),
        (status = 503, description = "The database cannot take the submission now (no space, a lock held elsewhere, overloaded); nothing was stored. `Retry-After` says how many seconds to wait", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait before submitting again"))),
    )
)]
#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    state.submit_limiter.check(client).await?;
    let body = body.map_err(AppError::from)?;
    if !is_json(&headers) {
        return Err(AppError::UnsupportedMediaType(
            "Send the answers as JSON with Content-Type: application/json.".into(),
        )
        .into());
    }
    let key = idempotency_key(&headers)?.map(|key| RetryKey::new(format!("api:{key}"), &body));
    let raw = raw_from_json(&body)?;
    let answers = Answers::parse(&raw).map_err(AppError::Validation)?;
    let created = assessment::create(&state, &answers, None, key, None).await?;
    let delete_url = erasure::delete_url(
        &state.config.public_origin(),
        &created.id,
        &created.delete_token,
    );
    let body = erasure::with_delete_url(&created.json, &delete_url)?;
    let location = HeaderValue::from_str(&format!("/assessments/{}", created.id))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("location header: {e}")))?;
    let mut response = (
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response();
    if created.replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The `201` answer's body, for the API document: the assessment and, only here, the owner's
/// private deletion link (a retried request gets a fresh one, which replaces the first).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct CreatedAssessment {
    #[serde(flatten)]
    assessment: Assessment,
    /// Deletes the assessment after a confirmation; give it to the owner only.
    delete_url: String,
}

/// The header a client sends to make a retried POST safe.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Set on an answer that repeats the assessment an earlier request with the same key made.
const REPLAYED: header::HeaderName = header::HeaderName::from_static("idempotent-replayed");

/// The request's `Idempotency-Key`: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .filter(|key| (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
        .map(|key| Some(key.to_owned()))
        .ok_or_else(|| {
            AppError::BadRequest(
                "The Idempotency-Key header must be 1 to 255 visible ASCII characters, e.g. a UUID."
                    .into(),
            )
        })
}

/// A request for an assessment's report by email.
#[derive(serde::Deserialize, ToSchema)]
#[allow(dead_code)]
struct ReportRequest {
    /// The person's name, for the greeting: 1 to 100 characters, on one line, not only spaces.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff][^\x00-\x1f\x7f-\x9f]*$"
    )]
    name: String,
    /// Where the report goes: an address an SMTP server takes (`name@example.com`).
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Must be `true`: the person agreed to the consent text the firm shows beside its form
    /// (`false` or absent is a 422 naming this field).
    #[schema(schema_with = consent_given)]
    consent: bool,
}

/// `consent`: the one value that lets a report go, `true`.
fn consent_given() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([true]))
        .description(Some("Must be `true`: the person ticked the consent box."))
        .into()
}

/// The `202` answer: the email is queued and will be sent, retried while the mail server
/// refuses.
#[derive(Serialize, ToSchema)]
struct QueuedReport {
    assessment_id: String,
    /// Always `queued`.
    status: &'static str,
    message: &'static str,
}

/// Reads `{"name", "email", "consent"}`; a field of the wrong JSON type is a field error.
fn report_from_json(body: &[u8]) -> Result<report::Request, AppError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!(
            "The body is not valid JSON ({}). Send {{\"name\": \"…\", \"email\": \"…\", \"consent\": true}}.",
            e.classify_label()
        ))
    })?;
    let Value::Object(mut map) = value else {
        return Err(AppError::Validation(vec![FieldError {
            field: None,
            message:
                "Send one JSON object: {\"name\": \"…\", \"email\": \"…\", \"consent\": true}."
                    .into(),
        }]));
    };
    let mut errors = Vec::new();
    let mut text = |key: &str| match map.remove(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(_) => {
            errors.push(FieldError::field(key, messages::JSON_TEXT));
            String::new()
        }
    };
    let name = text("name");
    let email = text("email");
    let consent = match map.remove("consent") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => {
            errors.push(FieldError::field(
                "consent",
                "Send consent as true (the person ticked the box) or false.",
            ));
            false
        }
    };
    if errors.is_empty() {
        Ok(report::Request {
            name,
            email,
            consent,
        })
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Emails an assessment's report to a person who agreed to be contacted, and keeps their
/// request as a lead with the consent text they saw. At most three per assessment.
#[utoipa::path(
    post,
    path = "/api/v1/assessments/{id}/report",
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment id (22 URL-safe characters)")),
    request_body(content = ReportRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Stored as a lead; the email is queued and goes out shortly", body = QueuedReport),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "No assessment with this id", body = ErrorBody),
        (status = 405, description = "Method not allowed", body = ErrorBody),
        (status = 409, description = "This assessment's report was emailed three times already", body = ErrorBody),
        (status = 410, description = "Deleted at its owner's request", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "The content type is not JSON", body = ErrorBody),
        (status = 422, description = "No consent, no name, or not an email address: one error per field", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address in the last minute (the same budget as new assessments)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 500, description = "Server error", body = ErrorBody),
        (status = 501, description = "This server does not send email (no `--smtp-url`)", body = ErrorBody),
        (status = 503, description = "The database cannot take the request now; nothing was stored", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    )
)]
#[tracing::instrument(skip_all)]
async fn email_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(AppError::from)?;
    if !is_json(&headers) {
        return Err(AppError::UnsupportedMediaType(
            "Send the request as JSON with Content-Type: application/json.".into(),
        )
        .into());
    }
    let request = report_from_json(&body)?;
    report::request(&state, &id, &request, client).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(QueuedReport {
            assessment_id: id,
            status: "queued",
            message: "The report will be emailed to the address given, usually within a minute.",
        }),
    )
        .into_response())
}

/// One stored assessment, exactly as it was given.
#[utoipa::path(
    get,
    path = "/api/v1/assessments/{id}",
    tag = "assessments",
    params(("id" = String, Path, description = "The assessment id (22 URL-safe characters)")),
    responses(
        (status = 200, description = "The assessment", body = Assessment),
        (status = 404, description = "No assessment with this id", body = ErrorBody),
        (status = 410, description = "Deleted at its owner's request", body = ErrorBody),
        (status = 405, description = "Method not allowed", body = ErrorBody),
        (status = 500, description = "Server error", body = ErrorBody),
    )
)]
async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let rendered = state
        .results
        .get_or_render(Kind::Json, &id, async {
            Ok(assessment::load_json(&state, &id).await?.into_bytes())
        })
        .await?;
    Ok(result_cache::respond(Kind::Json, rendered, &headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_exactly_the_routes_of_the_list() {
        let doc = serde_json::to_value(openapi()).expect("json");
        let mut documented: Vec<(String, String)> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .expect("operations")
                    .keys()
                    .map(move |m| (m.clone(), path.clone()))
            })
            .collect();
        documented.sort();
        let mut listed: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        listed.sort();
        assert_eq!(documented, listed);
    }
}

//! The JSON API: `/api/v1/...`. Every answer, errors included, is JSON.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;
use crate::error::{ApiError, AppError};
use crate::questionnaire::{Section, sections};
use crate::rules::{Answers, FieldError, RawAnswers};
use crate::{AppState, assessment};

pub fn router(config: &Config) -> Router<AppState> {
    Router::new()
        .route("/questionnaire", get(questionnaire))
        .route("/assessments", post(create))
        .route("/assessments/{id}", get(read))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors(config))
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

#[derive(Serialize)]
struct QuestionnaireDoc {
    version: &'static str,
    rules_version: String,
    sections: Vec<Section>,
}

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

/// Turns a JSON object of answers into the text form the shared parser reads. Numbers keep
/// their JSON spelling; `null` counts as absent; other types are reported against their key.
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
        match v {
            Value::Null => {}
            Value::String(s) => {
                raw.insert(key, s);
            }
            Value::Number(n) => {
                raw.insert(key, n.to_string());
            }
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
                errors.push(FieldError::field(
                    &key,
                    "Give a single number or text value.",
                ));
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

#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(AppError::from)?;
    if !is_json(&headers) {
        return Err(AppError::UnsupportedMediaType(
            "Send the answers as JSON with Content-Type: application/json.".into(),
        )
        .into());
    }
    let raw = raw_from_json(&body)?;
    let answers = Answers::parse(&raw).map_err(AppError::Validation)?;
    let created = assessment::create(&state, &answers).await?;
    let location = HeaderValue::from_str(&format!("/assessments/{}", created.id))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("location header: {e}")))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(created),
    )
        .into_response())
}

async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<assessment::Assessment>, ApiError> {
    Ok(Json(assessment::load(&state, &id).await?))
}

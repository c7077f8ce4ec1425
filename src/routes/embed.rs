//! Embedding: the result and the questionnaire made to live in an `<iframe>` on another site,
//! the host page's sizing script, oEmbed discovery, and the look the host asks for
//! (`?theme=light|dark|auto&accent=RRGGBB`, see [`crate::look`]).
//!
//! The frame-able pages come from [`framed_router`], which `build_app` gives the embed framing
//! policy; everything else here is an ordinary page that refuses to be framed.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::assessment::{self, Assessment};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, AppError, Result};
use crate::look::{Accent, Look, Scope};
use crate::routes::questionnaire::{self as form, SectionView};
use crate::routes::report::{self as report_form, EmailForm};
use crate::routes::results::{FactorRow, WarningRow};
use crate::rules::{FieldError, RawAnswers};
use crate::views::{self, Chrome, CostChart};
use crate::{AppState, assets, report};

/// Width of the iframe in snippets and oEmbed answers, in CSS pixels; the page reflows to any
/// width from 280 px up.
pub const DEFAULT_WIDTH: u32 = 560;
/// Height of the iframe before `embed.js` has measured it, and for hosts without JavaScript:
/// enough for the summary card, the top factors and the chart at the default width (about
/// 1,290 px with the card).
pub const DEFAULT_HEIGHT: u32 = 1300;
/// How many factors the embedded result lists.
const TOP_FACTORS: usize = 3;

/// Pages that may be framed by the embed origins.
pub fn framed_router() -> Router<AppState> {
    Router::new()
        .route("/assessments/{id}/embed", get(show_result))
        .route("/assessments/{id}/embed/report", post(email_report))
        .route("/assessments/{id}/embed/report/sent", get(report_sent))
        .route("/assess/embed", get(show_form).post(submit_form))
}

/// The host-side script and oEmbed: ordinary routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/embed.js", get(embed_js))
        .route("/oembed", get(oembed))
        .route("/embed/accent/{file}", get(accent_css))
}

/// The host's look as an embed page's `<html>` and `<head>` carry it.
pub struct PageLook {
    /// `data-theme` on `<html>`: `light`, `dark` or `auto`.
    pub theme: &'static str,
    /// The accent stylesheet, linked after the site's; none for the site's own accent.
    pub accent_css: Option<String>,
    /// The query that asks for the same look again ("" for the default), for the page's own
    /// links and form.
    pub query: String,
}

impl PageLook {
    fn new(look: &Look) -> Self {
        Self {
            theme: look.theme.code(),
            // The stylesheet's colours follow the palettes in app.css: a new app.css is a new
            // address, so the year-long cache never serves shades computed for an old one.
            accent_css: look.accent.map(|a| {
                format!(
                    "/embed/accent/{}.css?v={}",
                    a.asked.hex(),
                    assets::hash_of("app")
                )
            }),
            query: look.query(),
        }
    }
}

/// The result inside an iframe: the results page's summary card, the top factors and the cost
/// chart.
#[derive(Template, WebTemplate)]
#[template(path = "embed_result.html")]
pub struct EmbedResultPage {
    pub chrome: Chrome,
    pub frame_js: String,
    pub look: PageLook,
    pub id: String,
    pub company: String,
    pub verdict: &'static str,
    pub verdict_code: &'static str,
    pub confidence: &'static str,
    pub confidence_code: &'static str,
    pub confidence_text: &'static str,
    pub summary: String,
    pub warnings: Vec<WarningRow>,
    pub factors: Vec<FactorRow>,
    pub more_factors: usize,
    pub cost_chart: CostChart,
    pub costs: Vec<crate::routes::results::CostColumn>,
    pub break_even: String,
    pub nearest_lever: Option<String>,
    pub next_steps: &'static [&'static str],
    /// "Email me this report", when the server sends email: the host's lead, inside its frame.
    pub email_form: Option<EmailForm>,
}

impl EmbedResultPage {
    fn new(a: &Assessment, look: &Look, chrome: Chrome) -> Self {
        // The full page's view model already says everything; the embed shows a slice of it.
        let full = crate::routes::results::Report::new(a);
        let mut factors = full.factors;
        let more_factors = factors.len().saturating_sub(TOP_FACTORS);
        factors.truncate(TOP_FACTORS);
        Self {
            chrome,
            frame_js: assets::url_of("embed-frame"),
            look: PageLook::new(look),
            id: full.id,
            company: full.company,
            verdict: full.verdict,
            verdict_code: full.verdict_code,
            confidence: full.confidence,
            confidence_code: full.confidence_code,
            confidence_text: full.confidence_text,
            summary: full.summary,
            warnings: full.warnings,
            factors,
            more_factors,
            cost_chart: views::cost_chart(&a.outcome.costs),
            costs: full.costs,
            break_even: full.break_even,
            nearest_lever: full.nearest_lever,
            next_steps: full.next_steps,
            email_form: None,
        }
    }

    /// The page with the email form (when email is on), posting to the embed's own route in
    /// the same look, so that every answer it leads to may be framed.
    fn offering_email(mut self, state: &AppState) -> Self {
        self.email_form = report::enabled(state).then(|| {
            EmailForm::posting_to(
                state,
                format!("/assessments/{}/embed/report{}", self.id, self.look.query),
            )
        });
        self
    }
}

async fn show_result(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<EmbedResultPage> {
    let look = Look::from_query(query.as_deref())?;
    let a = assessment::load(&state, &id).await?;
    Ok(EmbedResultPage::new(&a, &look, Chrome::owner(&state)).offering_email(&state))
}

/// "Email me this report" sent from the embedded result: `303` to the framed confirmation, or
/// the embedded result again with the form filled in and the problem beside it.
#[tracing::instrument(skip_all)]
async fn email_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    client: ClientAddr,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let look = Look::from_query(query.as_deref())?;
    let request = report_form::read(body)?;
    match report::request(&state, &id, &request, client).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/assessments/{id}/embed/report/sent{}",
            look.query()
        ))
        .into_response()),
        Err(e) => {
            let a = assessment::load(&state, &id).await?;
            let mut page = EmbedResultPage::new(&a, &look, Chrome::owner(&state));
            let form = EmailForm::posting_to(
                &state,
                format!("/assessments/{id}/embed/report{}", page.look.query),
            );
            let (form, answer) = report_form::filled_in(form, request, e)?;
            page.email_form = Some(form);
            let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
            Ok(answer.with(html))
        }
    }
}

/// The framed "on its way", in the host's look.
#[derive(Template, WebTemplate)]
#[template(path = "embed_report_sent.html")]
struct EmbedReportSent {
    chrome: Chrome,
    frame_js: String,
    look: PageLook,
    id: String,
}

async fn report_sent(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<EmbedReportSent> {
    let look = Look::from_query(query.as_deref())?;
    assessment::load(&state, &id).await?;
    Ok(EmbedReportSent {
        chrome: Chrome::owner(&state),
        frame_js: assets::url_of("embed-frame"),
        look: PageLook::new(&look),
        id,
    })
}

/// The questionnaire inside an iframe: the same form, no site chrome, posting to itself so
/// that every answer it gives (including the 422 re-render) carries the embed framing policy.
#[derive(Template, WebTemplate)]
#[template(path = "embed_questionnaire.html")]
pub struct EmbedQuestionnairePage {
    pub chrome: Chrome,
    pub frame_js: String,
    pub look: PageLook,
    pub form_js: String,
    pub form_action: String,
    pub form_started: String,
    pub submission: String,
    pub alert: String,
    pub sections: Vec<SectionView>,
    pub errors: Vec<(String, String)>,
    pub report: Option<form::ContactView>,
}

fn form_page(
    state: &AppState,
    raw: &RawAnswers,
    errors: &[FieldError],
    look: &Look,
) -> EmbedQuestionnairePage {
    let full = form::page(state, raw, errors);
    let look = PageLook::new(look);
    EmbedQuestionnairePage {
        chrome: full.chrome,
        frame_js: assets::url_of("embed-frame"),
        form_js: full.form_js,
        // Posting to the same look keeps it on the 422 re-render and the result it leads to.
        form_action: format!("/assess/embed{}", look.query),
        look,
        form_started: full.form_started,
        submission: full.submission,
        alert: full.alert,
        sections: full.sections,
        errors: full.errors,
        report: full.report,
    }
}

async fn show_form(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<EmbedQuestionnairePage> {
    let look = Look::from_query(query.as_deref())?;
    Ok(form_page(&state, &RawAnswers::new(), &[], &look))
}

#[tracing::instrument(skip_all)]
async fn submit_form(
    State(state): State<AppState>,
    client: ClientAddr,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let look = Look::from_query(query.as_deref())?;
    Ok(match form::accept(&state, client, &headers, body).await? {
        form::Submission::Stored { id, .. } => {
            Redirect::to(&format!("/assessments/{id}/embed{}", look.query())).into_response()
        }
        form::Submission::Invalid(raw, errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&state, &raw, &errors, &look),
        )
            .into_response(),
        form::Submission::Unsaved(raw, error) => {
            let mut page = form_page(&state, &raw, &[], &look);
            page.alert = error.public_message();
            form::unsaved(&error, page)
        }
    })
}

/// The snippet a host pastes: a fixed-size iframe that works without JavaScript, and the script
/// that then fits its height to the content.
#[derive(Template)]
#[template(path = "embed_snippet.html")]
struct Snippet<'a> {
    origin: &'a str,
    /// Whose recommendation it is, for the frame's title: the brand's name or servicefit.
    provider: &'a str,
    /// Under a brand the frame carries no servicefit class or attribute (`embed.js` finds its
    /// frames by their origin; they are only for hosts' own styles and scripts).
    branded: bool,
    id: &'a str,
    /// `?theme=…&accent=…`, or "" for the default look.
    query: &'a str,
    width: u32,
    height: u32,
}

/// The HTML snippet for embedding result `id` in the default look, with every attribute value
/// escaped.
pub fn snippet(origin: &str, id: &str, width: u32, height: u32, chrome: &Chrome) -> Result<String> {
    snippet_with_look(origin, id, width, height, &Look::default(), chrome)
}

/// The snippet for result `id` in the host's `look`.
pub fn snippet_with_look(
    origin: &str,
    id: &str,
    width: u32,
    height: u32,
    look: &Look,
    chrome: &Chrome,
) -> Result<String> {
    Snippet {
        origin,
        provider: chrome.name(),
        branded: chrome.brand.is_some(),
        id,
        query: &look.query(),
        width,
        height,
    }
    .render()
    .map(|s| s.trim().to_owned())
    .map_err(|e| AppError::Internal(anyhow::anyhow!("embed snippet: {e}")))
}

async fn embed_js() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            // The address is fixed in hosts' pages, so it cannot carry a content hash; an hour
            // of caching bounds how long a fix takes to reach them.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        include_str!("../../static/embed.js"),
    )
}

/// Query of `GET /oembed`, as the oEmbed spec names it.
#[derive(Debug, Deserialize)]
pub struct OembedQuery {
    url: Option<String>,
    format: Option<String>,
    maxwidth: Option<String>,
    maxheight: Option<String>,
}

/// An oEmbed `rich` answer.
#[derive(Debug, Serialize)]
pub struct Oembed {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    title: String,
    provider_name: String,
    provider_url: String,
    html: String,
    width: u32,
    height: u32,
}

fn bound(value: Option<&str>, name: &str, default: u32) -> Result<u32> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| n.min(default))
            .ok_or_else(|| {
                AppError::BadRequest(format!("{name} must be a positive whole number of pixels."))
            }),
    }
}

/// The assessment id in `url` when it is a results page of this server; `None` for any other
/// URL. Query and fragment are ignored.
fn result_id<'a>(origin: &str, url: &'a str) -> Option<&'a str> {
    let url = url.split(['?', '#']).next()?;
    let host_start = url.find("://")? + 3;
    let path_start = host_start + url[host_start..].find('/')?;
    let (scheme_host, path) = url.split_at(path_start);
    if !scheme_host.eq_ignore_ascii_case(origin) {
        return None;
    }
    let id = path.strip_prefix("/assessments/")?;
    let id = id.strip_suffix('/').unwrap_or(id);
    assessment::is_well_formed_id(id).then_some(id)
}

#[tracing::instrument(skip_all)]
async fn oembed(
    State(state): State<AppState>,
    Query(q): Query<OembedQuery>,
) -> std::result::Result<Json<Oembed>, ApiError> {
    let url = q
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .ok_or_else(|| {
            AppError::BadRequest(
                "Give the address of a result in `url`, e.g. url=https://…/assessments/ID.".into(),
            )
        })?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => {}
        _ => return Err(AppError::NotImplemented("Only format=json is offered.".into()).into()),
    }
    let width = bound(q.maxwidth.as_deref(), "maxwidth", DEFAULT_WIDTH)?;
    let height = bound(q.maxheight.as_deref(), "maxheight", DEFAULT_HEIGHT)?;
    let origin = state.config.public_origin();
    let id = result_id(&origin, url).ok_or(AppError::NotFound)?;
    // The look rides in the result's address: `url=https://…/assessments/ID?theme=dark`.
    let look = Look::from_query(
        url.split('#')
            .next()
            .and_then(|u| u.split_once('?'))
            .map(|(_, q)| q),
    )?;
    let a = assessment::load(&state, id).await?;
    let chrome = Chrome::owner(&state);
    Ok(Json(Oembed {
        kind: "rich",
        version: "1.0",
        title: format!(
            "IT support recommendation: {}",
            a.outcome.recommendation.label()
        ),
        provider_name: chrome.name().to_owned(),
        html: snippet_with_look(&origin, &a.id, width, height, &look, &chrome)?,
        provider_url: origin,
        width,
        height,
    }))
}

/// `GET /embed/accent/RRGGBB.css` (lower-case hex, as embed pages link it): immutable, so hosts'
/// viewers fetch it once.
async fn accent_css(Path(file): Path<String>) -> Result<Response> {
    let hex = file
        .strip_suffix(".css")
        .filter(|h| {
            h.len() == 6
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        .ok_or(AppError::NotFound)?;
    let css = Accent::parse(hex)?.stylesheet(Scope::Embed)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        css,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://advice.example";
    const ID: &str = "abcdefghijklmnopqrstuv";

    #[test]
    fn results_urls_of_this_server_give_their_id() {
        for url in [
            "https://advice.example/assessments/abcdefghijklmnopqrstuv",
            "https://advice.example/assessments/abcdefghijklmnopqrstuv/",
            "https://ADVICE.example/assessments/abcdefghijklmnopqrstuv?x=1#why",
        ] {
            assert_eq!(result_id(ORIGIN, url), Some(ID), "{url}");
        }
    }

    #[test]
    fn other_urls_give_nothing() {
        for url in [
            "https://evil.example/assessments/abcdefghijklmnopqrstuv",
            "https://advice.example.evil.example/assessments/abcdefghijklmnopqrstuv",
            "https://advice.example/assessments/abcdefghijklmnopqrstuv/embed",
            "https://advice.example/consultant",
            "https://advice.example",
            "advice.example/assessments/abcdefghijklmnopqrstuv",
        ] {
            assert_eq!(result_id(ORIGIN, url), None, "{url}");
        }
    }

    #[test]
    fn snippet_is_an_iframe_and_the_script() {
        let s = snippet(ORIGIN, ID, 500, 600, &Chrome::product()).expect("render");
        assert!(
            s.contains("src=\"https://advice.example/assessments/abcdefghijklmnopqrstuv/embed\"")
        );
        assert!(s.contains("width=\"500\"") && s.contains("height=\"600\""));
        assert!(s.contains("<script src=\"https://advice.example/embed.js\" async></script>"));
    }
}

//! servicefit: advises a small business on break/fix, managed or co-managed IT support.

pub mod assessment;
pub mod assets;
pub mod auth;
pub mod brand;
pub mod client_addr;
pub mod clock;
pub mod config;
pub mod db;
pub mod erasure;
pub mod error;
pub mod look;
pub mod mail;
pub mod person;
pub mod questionnaire;
pub mod ratelimit;
pub mod report;
pub mod request_id;
pub mod result_cache;
pub mod retention;
pub mod routes;
pub mod rules;
pub mod server;
pub mod sources;
pub mod spam;
pub mod telemetry;
pub mod views;
pub mod webhooks;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::extract::MatchedPath;
use axum::http::{HeaderName, HeaderValue, header};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::request_id::MakeRequestUuid;
use crate::rules::RuleSet;

pub use server::serve;

/// Largest request body accepted anywhere: a full questionnaire is well under 2 KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything a handler needs. Every request clones it, so it is one shared pointer: cloning
/// and dropping it is one atomic operation instead of one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
pub struct Shared {
    pub db: Db,
    pub rules: Arc<RuleSet>,
    pub config: Arc<Config>,
    /// Woken when a webhook event is enqueued, so the delivery worker starts at once.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Woken when a report email is queued, so the mail worker sends it at once.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// The time sessions, sign-in throttling and the submission limit go by.
    pub clock: clock::Clock,
    /// Signs the sign-in form's CSRF token, which needs no stored session.
    pub sign_in_forms: Arc<auth::SignInForms>,
    /// Submissions per client address, shared by every route that creates an assessment.
    pub submit_limiter: Arc<ratelimit::SubmitLimiter>,
    /// Signs the form timestamps of the spam check.
    pub form_guard: Arc<spam::FormGuard>,
    /// Results pages and JSON of stored assessments, rendered once.
    pub results: Arc<result_cache::ResultCache>,
    /// New assessments go to disk through here, many to a commit.
    pub writer: Arc<db::GroupCommit>,
    /// The firm's brand from `--brand`, read and checked at start; `None` runs as servicefit.
    pub brand: Option<Arc<brand::Brand>>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The state of a server on `db`; reads (or, on first start, makes) the keys kept there.
    pub async fn new(db: Db, rules: RuleSet, config: Config) -> anyhow::Result<Self> {
        Self::with_clock(db, rules, config, clock::Clock::system()).await
    }

    /// [`AppState::new`] going by `clock` instead of real time.
    pub async fn with_clock(
        db: Db,
        rules: RuleSet,
        config: Config,
        clock: clock::Clock,
    ) -> anyhow::Result<Self> {
        let brand = config
            .brand
            .as_deref()
            .map(brand::Brand::load)
            .transpose()?
            .map(Arc::new);
        let form_guard = spam::FormGuard::load(&db, config.min_fill_seconds).await?;
        let sign_in_forms = auth::SignInForms::load(&db).await?;
        Ok(Self(Arc::new(Shared {
            rules: Arc::new(rules),
            submit_limiter: Arc::new(match db.backend() {
                db::Backend::Sqlite => {
                    ratelimit::SubmitLimiter::new(config.submit_rate_limit, clock.clone())
                }
                db::Backend::Postgres => ratelimit::SubmitLimiter::shared(
                    config.submit_rate_limit,
                    clock.clone(),
                    db.clone(),
                ),
            }),
            clock,
            sign_in_forms: Arc::new(sign_in_forms),
            form_guard: Arc::new(form_guard),
            config: Arc::new(config),
            outbox_wake: Arc::default(),
            mail_wake: Arc::default(),
            results: Arc::default(),
            writer: Arc::new(db::GroupCommit::new(db.clone())),
            db,
            brand,
        })))
    }

    /// True when new assessments are announced by webhook.
    pub fn webhooks_enabled(&self) -> bool {
        self.config.webhook_url.is_some() && self.config.webhook_secret.is_some()
    }

    /// Starts delivering webhooks in the background when they are configured; the task ends
    /// when `stop` resolves.
    pub fn spawn_webhook_worker(
        &self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let settings = webhooks::Settings::from_config(&self.config)?;
        Some(tokio::spawn(webhooks::run(
            self.db.clone(),
            settings,
            self.outbox_wake.clone(),
            stop,
        )))
    }
}

impl AppState {
    /// Starts sending report emails in the background when SMTP is configured; the task ends
    /// when `stop` resolves.
    pub fn spawn_mail_worker(
        &self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let settings = mail::Settings::from_config(&self.config)?;
        Some(tokio::spawn(mail::run(
            self.db.clone(),
            settings,
            self.mail_wake.clone(),
            stop,
        )))
    }
}

/// What every page may load: only our own files; no inline scripts or styles.
macro_rules! csp_base {
    () => {
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'"
    };
}
const CSP_BASE: &str = csp_base!();

/// The policy for pages that are not made to be embedded: no framing at all.
const CSP: &str = concat!(csp_base!(), "; frame-ancestors 'none'");

/// The policy for the brand's logo and stylesheet: an SVG logo opened as a document loads
/// nothing and runs no script; pages only ever show it through `<img>`.
const BRAND_FILE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

/// The policy for embeddable pages: framing by the configured origins (any when none are set),
/// and no `X-Frame-Options`, which cannot express an allow-list.
fn embed_csp(config: &Config) -> HeaderValue {
    let value = format!("{CSP_BASE}; frame-ancestors {}", config.frame_ancestors());
    // Origins are validated at start-up, so this cannot fail; refusing framing is the safe
    // answer if it ever did.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(CSP))
}

/// A year, renewed by every response. No `includeSubDomains`: the hosts under this server's
/// name are not this server's to commit to HTTPS.
const HSTS: &str = "max-age=31536000";

/// Answers a request the concurrency limit refused (tower's only error here, `Overloaded`).
async fn overloaded(uri: axum::http::Uri, error: tower::BoxError) -> axum::response::Response {
    let error = if error.is::<tower::load_shed::error::Overloaded>() {
        tracing::warn!("concurrency limit reached; request shed");
        error::AppError::Overloaded {
            retry_after_secs: 1,
        }
    } else {
        error::AppError::Internal(anyhow::anyhow!(error))
    };
    outside_router(error, is_api(uri.path()))
}

/// True for the JSON API's paths, whose every answer is JSON.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// An error answered before or around the routers, with the framing policy they would have set.
fn outside_router(error: error::AppError, api: bool) -> axum::response::Response {
    let mut response = error.answer(api);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// `--request-timeout-seconds`, [`server::MAX_HEADER_BYTES`] and [`server::MAX_HEADERS`], answered like every other error: JSON
/// under the API, a page elsewhere, with the framing policy the routers would have set.
async fn limits(
    timeout: Duration,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Read before the request moves on, and without copying it: this runs for every request.
    let api = is_api(request.uri().path());
    let head_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len())
        + request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum::<usize>();
    let error =
        if head_bytes > server::MAX_HEADER_BYTES || request.headers().len() > server::MAX_HEADERS {
            error::AppError::HeadersTooLarge
        } else {
            match tokio::time::timeout(timeout, next.run(request)).await {
                Ok(response) => return response,
                Err(_) => {
                    tracing::warn!("request timed out");
                    error::AppError::Timeout
                }
            }
        };
    outside_router(error, api)
}

/// Makes rustls use the ring crypto provider. Every HTTPS client (the webhook sender, and
/// tests' HTTP clients) needs a provider before it is built; calling this again does nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The whole application as a router, without I/O, so tests can drive it in-process too.
///
/// Framing policy is set per route group: the embeddable pages get [`embed_csp`], everything
/// else (the fallback included) refuses to be framed.
pub fn build_app(state: AppState) -> Router {
    // `Router::layer` boxes its layer around every route again and each request clones every
    // box, so layers that must see the matched route are grouped into one `layer` call each,
    // and the rest wrap the routed app once, below.
    let framed = routes::embed::framed_router().layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        embed_csp(&state.config),
    ));
    // The brand's logo may be an SVG: opened on its own it must not run anything.
    let brand_files = routes::brand::router().layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(BRAND_FILE_CSP),
    ));
    let unframed = Router::new()
        .merge(routes::pages::router())
        .merge(routes::questionnaire::router())
        .merge(routes::results::router())
        .merge(routes::erase::router())
        .merge(routes::report::router())
        .merge(routes::consultant::router(&state))
        .merge(routes::embed::router())
        .merge(routes::api::router(&state.config))
        .merge(assets::router())
        .fallback(routes::pages::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                )),
        );
    // The request span needs the matched route, so it sits inside the router.
    let trace = || TraceLayer::new_for_http().make_span_with(request_span);
    let mut app = Router::new()
        .merge(unframed)
        .merge(framed)
        .merge(brand_files)
        // Past this many requests in flight, `503` at once instead of an unbounded queue; one
        // semaphore shared by every route but the health checks.
        .layer(
            ServiceBuilder::new()
                .layer(trace())
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::new(
                    state.config.max_concurrent_requests as usize,
                )),
        )
        .merge(routes::pages::health_router().layer(trace()));
    if state.config.metrics {
        app = app
            .merge(telemetry::router().layer(trace()))
            .layer(axum::middleware::from_fn(telemetry::track));
    }
    let hsts = state.config.served_over_https().then(|| {
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        )
    });
    // Writes answer long before the timeout (the writer's own deadline), so a request that
    // timed out stored nothing.
    let timeout = Duration::from_secs(state.config.request_timeout_seconds);
    // Error pages are drawn where no state is at hand; under a brand they are drawn again in
    // its frame. Inside the compression, so the page is still plain HTML here.
    let branded_errors = state.brand.clone().map(|brand| {
        axum::middleware::from_fn(move |request, next| {
            error::brand_error_pages(brand.clone(), request, next)
        })
    });
    let routed = app.with_state(state);
    let whole = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(CompressionLayer::new())
        .option_layer(branded_errors)
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .option_layer(hsts)
        .layer(axum::middleware::from_fn(move |request, next| {
            limits(timeout, request, next)
        }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .service(routed);
    Router::new().fallback_service(whole)
}

/// The span every request's log lines sit in: method, matched route (not the raw path, which
/// may hold ids) and the request id that is also sent back in `x-request-id`.
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The route is one of ours, so Display is safe for it and skips Debug's escaping, which
    // every request would pay for; the request id may come from the client, so it stays quoted.
    tracing::info_span!("request", method = %request.method(), route = %route, request_id)
}

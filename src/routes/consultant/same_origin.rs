//! The second lock on the consultant's forms (each also carries a per-session token): a
//! state-changing request must come from this server's own pages.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use reqwest::Url;

use crate::AppState;
use crate::config::Config;

/// Refuses state-changing requests that a browser marks as coming from another site, or whose
/// `Origin` is not this server's own: scheme, host and port must all match.
pub async fn same_origin_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    let headers = request.headers();
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = site
        && site != "same-origin"
        && site != "none"
    {
        return forbidden();
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let sent = origin.to_str().ok().and_then(|o| Url::parse(o).ok());
        let own = own_origin(&state.config, headers);
        // `null` (a sandboxed or privacy-sensitive context) and anything unparsable fail here.
        let same = matches!((sent, own), (Some(s), Some(o)) if s.origin() == o.origin());
        if !same {
            return forbidden();
        }
    }
    next.run(request).await
}

/// The origin people reach this server at: `--public-url` when it is set; otherwise the host
/// the request names, with the scheme it came on. The server itself speaks plain HTTP, so that
/// is `http` unless a trusted proxy (`--trust-proxy`) says with `X-Forwarded-Proto` that the
/// browser used HTTPS.
fn own_origin(config: &Config, headers: &HeaderMap) -> Option<Url> {
    if let Some(public) = &config.public_url {
        return Url::parse(public.as_str()).ok();
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if host.is_empty() || host.contains(['/', '@', '?', '#', '\\']) {
        return None;
    }
    let forwarded = config
        .trust_proxy
        .then(|| headers.get("x-forwarded-proto")?.to_str().ok())
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let scheme = match forwarded.as_deref() {
        Some("https") => "https",
        _ => "http",
    };
    Url::parse(&format!("{scheme}://{host}")).ok()
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Cross-site requests are not accepted here. Reload the page and try again.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, value.parse().expect("header"));
        }
        h
    }

    fn origin_of(config: &Config, pairs: &[(&'static str, &str)]) -> Option<String> {
        own_origin(config, &headers(pairs)).map(|u| u.origin().ascii_serialization())
    }

    #[test]
    fn the_public_url_is_the_origin_whatever_the_request_says() {
        let config = Config {
            public_url: Some("https://advice.example".parse().expect("origin")),
            trust_proxy: true,
            ..Config::default()
        };
        let o = origin_of(
            &config,
            &[("host", "other.example"), ("x-forwarded-proto", "http")],
        );
        assert_eq!(o.as_deref(), Some("https://advice.example"));
    }

    #[test]
    fn without_a_public_url_the_host_counts_with_the_scheme_a_trusted_proxy_reports() {
        let config = Config::default();
        let host = [
            ("host", "advice.example:8080"),
            ("x-forwarded-proto", "https"),
        ];
        assert_eq!(
            origin_of(&config, &host).as_deref(),
            Some("http://advice.example:8080"),
            "the header counts only behind a trusted proxy"
        );
        let trusting = Config {
            trust_proxy: true,
            ..Config::default()
        };
        assert_eq!(
            origin_of(&trusting, &host).as_deref(),
            Some("https://advice.example:8080")
        );
        assert_eq!(origin_of(&trusting, &[("host", "evil.example/x")]), None);
        assert_eq!(origin_of(&trusting, &[]), None);
    }
}

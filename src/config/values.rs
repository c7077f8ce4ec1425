//! The checked values some flags take: web origins, the webhook URL and secrets.

/// A web origin, `scheme://host[:port]`, checked when the flag is read so that a typo stops the
/// server at start-up instead of silently breaking embeds. It ends up inside a CSP header, so
/// only characters that are safe there are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Origin {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().trim_end_matches('/').to_ascii_lowercase();
        let bad = || {
            format!(
                "`{s}` is not an origin; write it as https://host or https://host:port, without a path"
            )
        };
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(bad)?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let host_ok = !host.is_empty()
            && !host.starts_with(['.', '-'])
            && !host.ends_with(['.', '-'])
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
        if host_ok && port_ok {
            Ok(Origin(trimmed))
        } else {
            Err(bad())
        }
    }
}

/// A comma-separated list of origins; an empty list (or blank entries) means none were named.
pub(super) fn parse_origin_list(s: &str) -> Result<Vec<Origin>, String> {
    s.split(',')
        .filter(|o| !o.trim().is_empty())
        .map(str::parse)
        .collect()
}

pub(super) fn parse_webhook_url(s: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    if matches!(url.scheme(), "http" | "https") && url.has_host() {
        Ok(url)
    } else {
        Err(format!("`{s}` must be an http:// or https:// URL"))
    }
}

/// A secret from the command line or environment; `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            Err("the webhook secret must not be empty".to_owned())
        } else {
            Ok(Secret(s.to_owned()))
        }
    }
}

/// The SMTP server's address, `smtp://[user:password@]host[:port][?tls=required]` or
/// `smtps://…`, checked at start. `Debug` and [`SmtpUrl::server`] never show the password.
#[derive(Clone)]
pub struct SmtpUrl {
    url: String,
    /// `host:port`, for logs and the delivery log.
    server: String,
}

impl SmtpUrl {
    /// The whole address, password included: for the SMTP client only.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// `host:port`.
    pub fn server(&self) -> &str {
        &self.server
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({})", self.server)
    }
}

impl std::str::FromStr for SmtpUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = reqwest::Url::parse(s).map_err(|_| {
            "the SMTP address must look like smtp://host:port, smtp://user:password@host:587?tls=required or smtps://host:465".to_owned()
        })?;
        let default_port = match url.scheme() {
            "smtp" => 25,
            "smtps" => 465,
            other => {
                return Err(format!(
                    "the SMTP address must start with smtp:// or smtps://, not {other}://"
                ));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the SMTP address names no host")?;
        if let Some((key, value)) = url
            .query_pairs()
            .find(|(k, v)| k != "tls" || !matches!(v.as_ref(), "required" | "opportunistic"))
        {
            return Err(format!(
                "the SMTP address's `{key}={value}` is not understood; only tls=required (STARTTLS) is"
            ));
        }
        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(s)
            .map_err(|e| format!("the SMTP address is not usable: {e}"))?;
        Ok(Self {
            server: format!("{host}:{}", url.port().unwrap_or(default_port)),
            url: s.to_owned(),
        })
    }
}

pub(super) fn parse_mailbox(s: &str) -> Result<lettre::message::Mailbox, String> {
    s.trim().parse().map_err(|_| {
        format!("`{s}` is not a sender; write it as \"Name <address@example.com>\" or an address")
    })
}

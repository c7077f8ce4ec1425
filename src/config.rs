//! Command line and environment: one clap struct, every flag with an env var.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod values;

pub use values::{Origin, Secret, SmtpUrl};
use values::{parse_mailbox, parse_origin_list, parse_webhook_url};

/// servicefit: should a small business buy break/fix, managed or co-managed IT support?
#[derive(Debug, Clone, Parser)]
#[command(name = "servicefit", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Manage consultant accounts.
    Consultant {
        #[command(subcommand)]
        action: ConsultantAction,
    },
    /// Write a consistent copy of the live database to FILE (safe while the server runs).
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
    /// Copy every assessment, note, tag, lead, consultant, setting and the webhook and mail
    /// logs from one database into another, empty one (SQLite to PostgreSQL or back). Sessions
    /// are not copied: consultants sign in again. Stop the servers on the source first.
    CopyDatabase {
        /// The database to copy from (`sqlite://FILE` or `postgres://…`); it is only read.
        #[arg(long)]
        from: String,
        /// The empty database to copy into; a SQLite file is created when missing.
        #[arg(long)]
        to: String,
    },
    /// Answer a person's access or erasure request, by the email address of their leads (safe
    /// while the server runs).
    Person {
        #[command(subcommand)]
        action: PersonAction,
    },
}

/// A person's request about the data kept with their email address.
#[derive(Debug, Clone, Subcommand)]
pub enum PersonAction {
    /// Print as JSON every lead with this address (any case) and every assessment they belong
    /// to, with the firm's notes and tags.
    Export { email: String },
    /// Delete every assessment carrying a lead with this address (any case), with its notes,
    /// tags, leads and queued emails; its pages then answer 410 Gone. Announced by webhook when
    /// --webhook-url is set.
    Erase { email: String },
}

/// What to do with consultant accounts.
#[derive(Debug, Clone, Subcommand)]
pub enum ConsultantAction {
    /// Create an account; the password is read from stdin (one line), or prompted for without echo on a terminal.
    Add { email: String },
    /// List accounts.
    List,
    /// Remove an account and end its sessions.
    Remove { email: String },
    /// Set a new password (read like `add`).
    SetPassword { email: String },
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port to listen on; port 0 picks a free one and prints it.
    #[arg(
        long,
        env = "SERVICEFIT_BIND",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind: SocketAddr,

    /// The database: a SQLite file (`sqlite://FILE`, created when missing) or a PostgreSQL
    /// server (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`), which several instances can
    /// share.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://servicefit.db",
        global = true
    )]
    pub database_url: String,

    /// Database connections this instance keeps at most. With several instances on one
    /// PostgreSQL, instances × this must stay below the server's `max_connections`.
    #[arg(long, env = "SERVICEFIT_DATABASE_MAX_CONNECTIONS", default_value_t = crate::db::DEFAULT_MAX_CONNECTIONS, global = true, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_max_connections: u32,

    /// Keep the database file under this many MiB: past it, new assessments are answered `503`
    /// (nothing stored, "try again") and `/readyz` reports not ready, as on a full disk, instead
    /// of filling the disk other programs need. No limit when unset.
    #[arg(long, env = "SERVICEFIT_DATABASE_MAX_MB", global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub database_max_mb: Option<u64>,

    /// Longest a request may take before it is answered `408 Request Timeout`.
    #[arg(long, env = "SERVICEFIT_REQUEST_TIMEOUT_SECONDS", default_value_t = 30, global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_seconds: u64,

    /// Replace the built-in rules with this TOML file (same format as rules/rules.toml).
    #[arg(long, env = "SERVICEFIT_RULES", global = true)]
    pub rules: Option<PathBuf>,

    /// Run under your firm's brand (white label): a TOML file with `name`, `logo` (a PNG or SVG
    /// file, its path relative to the TOML file), `accent` (`#rrggbb`), `website`,
    /// `contact_email` and optionally `footer`, `privacy_url`, `consent_text`. Checked at start;
    /// see docs/brand.example.toml.
    #[arg(long, env = "SERVICEFIT_BRAND", global = true)]
    pub brand: Option<PathBuf>,

    /// Mark session cookies `Secure` (set this when served over HTTPS, e.g. behind a proxy).
    #[arg(long, env = "SERVICEFIT_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,

    /// A consultant is signed out after this many minutes without a request.
    #[arg(
        long,
        env = "SERVICEFIT_SESSION_IDLE_MINUTES",
        default_value_t = 120,
        global = true
    )]
    pub session_idle_minutes: u32,

    /// A consultant is signed out this many seconds after signing in, however active.
    #[arg(long, env = "SERVICEFIT_SESSION_MAX_SECONDS", default_value_t = 12 * 3600, global = true)]
    pub session_max_seconds: u32,

    /// Log as plain text or one JSON object per line.
    #[arg(
        long,
        env = "SERVICEFIT_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Origins allowed to frame the embeddable pages, comma-separated
    /// (e.g. `https://msp.example,https://www.msp.example`); any origin when empty.
    // One value holding the whole list (a `std::vec::Vec` is not split by clap), so that an
    // empty value, such as an empty environment variable, is the empty list.
    #[arg(
        long,
        env = "SERVICEFIT_EMBED_ORIGINS",
        value_parser = parse_origin_list,
        default_value = "",
        hide_default_value = true,
        global = true
    )]
    pub embed_origins: std::vec::Vec<Origin>,

    /// The address people reach this server at, e.g. `https://advice.example`; used in embed
    /// snippets and oEmbed answers. Default: `http://` followed by the bind address.
    #[arg(long, env = "SERVICEFIT_PUBLIC_URL", global = true)]
    pub public_url: Option<Origin>,

    /// Origins whose pages may POST to the API from a browser (CORS), comma-separated. Reading
    /// the API (GET) is open to every origin.
    #[arg(
        long,
        env = "SERVICEFIT_API_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub api_origins: Vec<Origin>,

    /// Send each new assessment to this URL as a signed webhook (Standard Webhooks style).
    #[arg(
        long,
        env = "SERVICEFIT_WEBHOOK_URL",
        requires = "webhook_secret",
        value_parser = parse_webhook_url,
        global = true
    )]
    pub webhook_url: Option<reqwest::Url>,

    /// The key webhooks are signed with: `whsec_` followed by base64 (as Standard Webhooks
    /// libraries generate it), or any other text, used as it is.
    #[arg(
        long,
        env = "SERVICEFIT_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub webhook_secret: Option<Secret>,

    /// Wait before the first webhook retry, in milliseconds; it doubles with each failed attempt,
    /// up to an hour.
    #[arg(
        long,
        env = "SERVICEFIT_WEBHOOK_BACKOFF_MS",
        default_value_t = 1000,
        global = true
    )]
    pub webhook_backoff_ms: u64,

    /// Send reports by email through this SMTP server: `smtp://host:port` (plain, for a local
    /// relay), `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS). Without it, no page offers the report by email.
    #[arg(
        long,
        env = "SERVICEFIT_SMTP_URL",
        requires = "mail_from",
        hide_env_values = true,
        global = true
    )]
    pub smtp_url: Option<SmtpUrl>,

    /// The sender of report emails: `"Your Firm <advice@your-firm.example>"`.
    #[arg(long, env = "SERVICEFIT_MAIL_FROM", value_parser = parse_mailbox, global = true)]
    pub mail_from: Option<lettre::message::Mailbox>,

    /// Wait before the first retry of an email the SMTP server did not take, in milliseconds; it
    /// doubles with each failed attempt, up to an hour.
    #[arg(
        long,
        env = "SERVICEFIT_MAIL_BACKOFF_MS",
        default_value_t = 2000,
        global = true
    )]
    pub mail_backoff_ms: u64,

    /// Assessments accepted a minute from one client address, across the form, the embedded
    /// form and the API; past it `429` with `Retry-After`. 0 turns the limit off.
    #[arg(
        long,
        env = "SERVICEFIT_SUBMIT_RATE_LIMIT",
        default_value_t = 60,
        global = true
    )]
    pub submit_rate_limit: u32,

    /// Take the client address (for the submission limit, the sign-in throttle and the logs)
    /// from the left-most `X-Forwarded-For` entry instead of the socket. Set it only behind a reverse proxy that sets that header; otherwise any client
    /// could claim any address.
    #[arg(long, env = "SERVICEFIT_TRUST_PROXY", global = true)]
    pub trust_proxy: bool,

    /// A questionnaire form sent sooner than this many seconds after it was shown is stored
    /// flagged as suspicious (people take far longer); 0 turns the time check off.
    #[arg(
        long,
        env = "SERVICEFIT_MIN_FILL_SECONDS",
        default_value_t = 3,
        global = true
    )]
    pub min_fill_seconds: u32,

    /// Delete assessments (with their notes, tags, leads and webhook events) and finished
    /// webhook events older than this many days, at start-up and daily. Unset: keep everything.
    #[arg(long, env = "SERVICEFIT_RETENTION_DAYS", global = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub retention_days: Option<u32>,

    /// Serve Prometheus metrics at `GET /metrics` (requests by route and status, latency,
    /// assessments by verdict). Anyone who can reach the server can read them.
    #[arg(long, env = "SERVICEFIT_METRICS", global = true)]
    pub metrics: bool,

    /// Requests handled at once; past it requests are refused at once with `503` and
    /// `Retry-After` instead of queueing without bound. Health checks are never refused.
    #[arg(
        long,
        env = "SERVICEFIT_MAX_CONCURRENT_REQUESTS",
        default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub max_concurrent_requests: u32,
}

/// Far above what 2 cores and 8 database connections work through at once (in-flight requests
/// mostly wait on SQLite), far below what would exhaust memory: 64 KiB bodies × 256 = 16 MiB.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: u32 = 256;

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://servicefit.db".to_owned(),
            database_max_connections: crate::db::DEFAULT_MAX_CONNECTIONS,
            rules: None,
            brand: None,
            secure_cookies: false,
            session_idle_minutes: 120,
            session_max_seconds: 12 * 3600,
            log_format: LogFormat::Text,
            embed_origins: Vec::new(),
            public_url: None,
            api_origins: Vec::new(),
            webhook_url: None,
            webhook_secret: None,
            webhook_backoff_ms: 1000,
            smtp_url: None,
            mail_from: None,
            mail_backoff_ms: 2000,
            submit_rate_limit: 60,
            trust_proxy: false,
            min_fill_seconds: 3,
            retention_days: None,
            database_max_mb: None,
            request_timeout_seconds: 30,
            metrics: false,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

impl Config {
    /// The origin (scheme, host, port; no trailing slash) links to this server are built on.
    pub fn public_origin(&self) -> String {
        match &self.public_url {
            Some(o) => o.as_str().to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// True when people reach the server over HTTPS (a TLS-terminating proxy in front), as the
    /// operator declares with `--public-url https://…`. A per-request `X-Forwarded-Proto` is not
    /// consulted: the public address is one fact about the deployment, and HSTS must not come
    /// and go with a header a client may set.
    pub fn served_over_https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|o| o.as_str().starts_with("https://"))
    }

    /// The CSP `frame-ancestors` source list for embeddable pages.
    pub fn frame_ancestors(&self) -> String {
        if self.embed_origins.is_empty() {
            "*".to_owned()
        } else {
            self.embed_origins
                .iter()
                .map(Origin::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_checked() {
        let o: Origin = "HTTPS://Msp.Example:8443/".parse().expect("origin");
        assert_eq!(o.as_str(), "https://msp.example:8443");
        for bad in [
            "msp.example",
            "ftp://msp.example",
            "https://msp.example/path",
            "https://",
            "https://a b",
            "https://x:99999",
            "https://x;script-src *",
        ] {
            assert!(bad.parse::<Origin>().is_err(), "{bad}");
        }
    }

    #[test]
    fn embed_origins_come_comma_separated() {
        let cli = Cli::try_parse_from([
            "servicefit",
            "--embed-origins",
            "https://a.example,http://localhost:8080",
        ])
        .expect("parse");
        assert_eq!(
            cli.config.frame_ancestors(),
            "https://a.example http://localhost:8080"
        );
        assert!(Cli::try_parse_from(["servicefit", "--embed-origins", "nope"]).is_err());
        assert!(
            Cli::try_parse_from(["servicefit", "--embed-origins", "https://a.example,nope"])
                .is_err()
        );
    }

    #[test]
    fn empty_embed_origins_mean_any_origin_as_the_help_says() {
        for args in [
            &["servicefit"][..],
            &["servicefit", "--embed-origins", ""],
            &["servicefit", "--embed-origins="],
            &["servicefit", "--embed-origins", " , "],
        ] {
            let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert!(cli.config.embed_origins.is_empty(), "{args:?}");
            assert_eq!(cli.config.frame_ancestors(), "*", "{args:?}");
        }
        let cli = Cli::try_parse_from(["servicefit", "--embed-origins", "https://a.example,"])
            .expect("a trailing comma is harmless");
        assert_eq!(cli.config.frame_ancestors(), "https://a.example");
    }

    #[test]
    fn a_webhook_needs_an_http_url_and_a_secret() {
        assert!(
            Cli::try_parse_from(["servicefit", "--webhook-url", "https://crm.example/hook"])
                .is_err()
        );
        assert!(
            Cli::try_parse_from([
                "servicefit",
                "--webhook-url",
                "ftp://crm.example/hook",
                "--webhook-secret",
                "s"
            ])
            .is_err()
        );
        let cli = Cli::try_parse_from([
            "servicefit",
            "--webhook-url",
            "https://crm.example/hook",
            "--webhook-secret",
            "s3cret",
        ])
        .expect("parse");
        assert!(!format!("{:?}", cli.config).contains("s3cret"));
    }
}

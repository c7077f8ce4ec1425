//! Command line and environment: one clap struct, every flag with an env var.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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

    /// SQLite database; the file is created when missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://servicefit.db",
        global = true
    )]
    pub database_url: String,

    /// Replace the built-in rules with this TOML file (same format as rules/rules.toml).
    #[arg(long, env = "SERVICEFIT_RULES", global = true)]
    pub rules: Option<PathBuf>,

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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://servicefit.db".to_owned(),
            rules: None,
            secure_cookies: false,
            session_idle_minutes: 120,
            session_max_seconds: 12 * 3600,
            log_format: LogFormat::Text,
        }
    }
}

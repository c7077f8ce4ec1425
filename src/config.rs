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
    /// Write a consistent copy of the live database to FILE (safe while the server runs).
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
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
            log_format: LogFormat::Text,
        }
    }
}

use anyhow::Context;
use clap::Parser;
use servicefit::config::{Cli, Command, Config, LogFormat};
use servicefit::rules::RuleSet;
use servicefit::{AppState, build_app, db, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run_server(cli.config).await,
        Command::Backup { file } => {
            let pool = db::connect(&cli.config.database_url).await?;
            db::backup(&pool, &file).await?;
            println!("backup written to {}", file.display());
            Ok(())
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run_server(config: Config) -> anyhow::Result<()> {
    let rules = match &config.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading rules file {}", path.display()))?;
            RuleSet::from_toml_str(&text)
                .with_context(|| format!("rules file {}", path.display()))?
        }
        None => RuleSet::embedded(),
    };
    tracing::info!(version = %rules.version, "rules loaded");
    let pool = db::connect(&config.database_url)
        .await
        .with_context(|| format!("opening database {}", config.database_url))?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    let mut config = config;
    if config.public_url.is_none() {
        // The address actually bound, so that port 0 still gives working embed snippets.
        config.public_url = format!("http://{addr}").parse().ok();
    }
    let state = AppState::new(pool.clone(), rules, config);
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = state.spawn_webhook_worker(async {
        let _ = worker_stopped.await;
    });
    serve(listener, build_app(state), shutdown_signal()).await?;
    // Stop delivering before the pool closes; undelivered events stay in the outbox.
    let _ = stop_worker.send(());
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    // Fold the write-ahead log into the main file so the database is one self-contained file.
    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
    {
        tracing::warn!(error = %e, "checkpoint at shutdown failed");
    }
    pool.close().await;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}

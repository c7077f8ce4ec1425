use anyhow::Context;
use clap::Parser;
use servicefit::config::{Cli, Command, Config, ConsultantAction, LogFormat, PersonAction};
use servicefit::rules::{RuleSet, text};
use servicefit::{AppState, auth, build_app, db, serve};
use tracing_subscriber::EnvFilter;

/// mimalloc rather than glibc's malloc: allocation and freeing were about a fifth of the
/// instructions of serving a cached results page.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run_server(cli.config).await,
        Command::Consultant { action } => {
            let pool = connect(&cli.config).await?;
            consultant_command(&pool, action).await
        }
        Command::Person { action } => {
            let pool = connect(&cli.config).await?;
            let announce = cli.config.webhook_url.is_some() && cli.config.webhook_secret.is_some();
            person_command(&pool, action, announce).await
        }
        Command::CopyDatabase { from, to } => copy_database(&from, &to).await,
        Command::Backup { file } => {
            if db::is_postgres_url(&cli.config.database_url) {
                anyhow::bail!(
                    "`servicefit backup` copies a SQLite file; this server's database is PostgreSQL. \
                     Use PostgreSQL's own tool, which takes a consistent copy while servers run: \
                     pg_dump --format=custom --file=servicefit.dump \"$DATABASE_URL\" \
                     (restore with pg_restore into an empty database)"
                );
            }
            let pool = connect(&cli.config).await?;
            db::backup(&pool, &file).await?;
            println!("backup written to {}", file.display());
            Ok(())
        }
    }
}

/// Opens the configured database (applying its migrations), naming it without its password
/// when that fails.
async fn connect(config: &Config) -> anyhow::Result<db::Db> {
    db::Db::connect_limited(
        &config.database_url,
        config.database_max_connections,
        config.database_max_mb.map(|mb| mb * 1024 * 1024),
    )
    .await
    .with_context(|| format!("opening database {}", db::redacted(&config.database_url)))
}

/// `copy-database`: opens the source as it is and the target with its migrations applied,
/// copies, and reports each table's progress on stderr (one line rewritten in place on a
/// terminal, a line every 10,000 rows otherwise).
async fn copy_database(from: &str, to: &str) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    anyhow::ensure!(
        from != to,
        "--from and --to name the same database; copy into a new, empty one"
    );
    if let Some(file) = from.strip_prefix("sqlite://") {
        let file = file.split('?').next().unwrap_or_default();
        anyhow::ensure!(
            std::path::Path::new(file).exists(),
            "the source database {file} does not exist; check --from"
        );
    }
    let source = db::Db::connect_existing(from, 2)
        .await
        .with_context(|| format!("opening the source database {}", db::redacted(from)))?;
    let target = db::Db::connect(to, 2)
        .await
        .with_context(|| format!("opening the target database {}", db::redacted(to)))?;
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |table: &str, done: u64, total: u64| {
        let finished = done == total;
        if !terminal && !finished && (done == 0 || !done.is_multiple_of(10_000)) {
            return;
        }
        let line = format!(
            "{table}: {} / {}",
            db::copy::thousands(done),
            db::copy::thousands(total)
        );
        let mut err = std::io::stderr().lock();
        let _ = if terminal {
            write!(err, "\r\x1b[2K{line}{}", if finished { "\n" } else { "" })
        } else {
            writeln!(err, "{line}")
        };
    };
    let copied = db::copy::copy_database(&source, &target, &mut progress)
        .await
        .with_context(|| format!("copying {} to {}", db::redacted(from), db::redacted(to)));
    source.close().await;
    let _ = db::checkpoint(&target).await;
    target.close().await;
    let rows: u64 = copied?.iter().map(|(_, n)| n).sum();
    println!(
        "copied {} rows from {} to {}; consultants sign in again (sessions are not copied)",
        db::copy::thousands(rows),
        db::redacted(from),
        db::redacted(to)
    );
    Ok(())
}

/// Reads a password: one line from stdin when it is not a terminal, otherwise a prompt without echo.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)?;
        let again = rpassword::prompt_password("Repeat it: ")?;
        anyhow::ensure!(
            first == again,
            "the two passwords differ; nothing was changed"
        );
        first
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if let Some(problem) = auth::password_problem(&password) {
        anyhow::bail!("password refused: {problem}");
    }
    Ok(password)
}

async fn consultant_command(pool: &db::Db, action: ConsultantAction) -> anyhow::Result<()> {
    let now =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?;
    match action {
        ConsultantAction::Add { email } => {
            let email = auth::normalise_email(&text::visible(&email))
                .ok_or_else(|| anyhow::anyhow!("{email:?} is not an email address"))?;
            let hash = auth::hash_password(&read_password("Password (at least 12 characters): ")?)?;
            anyhow::ensure!(
                db::consultants::insert_consultant(pool, &email, &hash, &now).await?,
                "{email} already has an account; use `consultant set-password`"
            );
            println!("added {email}");
        }
        ConsultantAction::List => {
            for c in db::consultants::list_consultants(pool).await? {
                println!("{}\tsince {}", c.email, c.created_at);
            }
        }
        ConsultantAction::Remove { email } => {
            anyhow::ensure!(
                db::consultants::delete_consultant(pool, &email).await?,
                "no account for {email}"
            );
            println!("removed {email}");
        }
        ConsultantAction::SetPassword { email } => {
            let hash =
                auth::hash_password(&read_password("New password (at least 12 characters): ")?)?;
            anyhow::ensure!(
                db::consultants::set_password_hash(pool, &email, &hash).await?,
                "no account for {email}"
            );
            println!("password changed for {email}");
        }
    }
    Ok(())
}

/// Access and erasure requests. The address goes into the JSON on stdout only: log lines and
/// messages name counts and assessment ids.
async fn person_command(pool: &db::Db, action: PersonAction, announce: bool) -> anyhow::Result<()> {
    use servicefit::person;
    match action {
        PersonAction::Export { email } => {
            let key = person::email_key(&email)?;
            let export = person::export(pool, &key).await?;
            let ids: Vec<&str> = export
                .assessments
                .iter()
                .filter_map(|a| a.assessment["id"].as_str())
                .collect();
            tracing::info!(
                assessments = export.assessments.len(),
                leads = export.leads.len(),
                ids = %ids.join(","),
                "person export: data of one address printed"
            );
            if export.leads.is_empty() {
                eprintln!("no lead carries that address; nothing is kept about it");
            }
            println!("{}", serde_json::to_string_pretty(&export)?);
        }
        PersonAction::Erase { email } => {
            let key = person::email_key(&email)?;
            let erased = person::erase(pool, &key, announce)
                .await
                .map_err(|e| match &e {
                    servicefit::error::AppError::Db(db_error) if db::is_unavailable(db_error) => {
                        anyhow::anyhow!(
                            "the database is locked by another connection or cannot take writes \
                             ({db_error}); nothing was deleted; try again"
                        )
                    }
                    _ => anyhow::Error::from(e).context("nothing was deleted"),
                })?;
            tracing::info!(
                assessments = erased.assessment_ids.len(),
                leads = erased.leads,
                ids = %erased.assessment_ids.join(","),
                announced = announce,
                "person erase: assessments of one address deleted"
            );
            println!(
                "deleted {} assessment(s) and {} lead(s)",
                erased.assessment_ids.len(),
                erased.leads
            );
        }
    }
    Ok(())
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    // Colour codes only for a person at a terminal; they would garble a log file, and every
    // request's span pays for them.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
    let pool = connect(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let mut config = config;
    // The address actually bound, so that port 0 still gives working embed snippets. It is not
    // made the public URL: without one, requests are checked against the host they name.
    config.bind = addr;
    // Reads the brand: a server refused at start never says it is listening.
    let state = AppState::new(pool.clone(), rules, config).await?;
    println!("listening on http://{addr}");
    let retention = state.config.retention_days.map(|days| {
        tokio::spawn(servicefit::retention::run(
            pool.clone(),
            days,
            state.results.clone(),
        ))
    });
    let key_sweep = tokio::spawn(servicefit::retention::sweep_keys(pool.clone()));
    // Another instance's retention purge empties this one's cache too.
    let purge_watch = tokio::spawn(servicefit::retention::forget_purged(
        pool.clone(),
        state.results.clone(),
        servicefit::erasure::WATCH_EVERY,
    ));
    // From the tombstones present now: older deletions were never cached by this process.
    let erased_watch = tokio::spawn(servicefit::erasure::forget_erased(
        pool.clone(),
        state.results.clone(),
        state.outbox_wake.clone(),
        db::last_erased(&pool).await?,
        servicefit::erasure::WATCH_EVERY,
    ));
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = state.spawn_webhook_worker(async {
        let _ = worker_stopped.await;
    });
    let (stop_mail, mail_stopped) = tokio::sync::oneshot::channel::<()>();
    let mailer = state.spawn_mail_worker(async {
        let _ = mail_stopped.await;
    });
    serve(listener, build_app(state), shutdown_signal()).await?;
    // Stop delivering before the pool closes; undelivered events and emails stay in their
    // outboxes for the next start.
    let _ = stop_worker.send(());
    let _ = stop_mail.send(());
    for task in [worker, mailer].into_iter().flatten() {
        let _ = task.await;
    }
    if let Some(retention) = retention {
        retention.abort();
    }
    key_sweep.abort();
    purge_watch.abort();
    erased_watch.abort();
    // On SQLite, fold the write-ahead log into the main file so the database is one
    // self-contained file.
    let checkpoint = db::checkpoint(&pool).await;
    pool.close().await;
    match checkpoint {
        Ok(()) => tracing::info!("shut down cleanly"),
        // Committed data is safe in the WAL; the next start folds it in.
        Err(e) => tracing::warn!(
            error = %e,
            "shut down; the write-ahead log could not be folded into the database file (no space?) and will be at the next start"
        ),
    }
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

//! One harness for every integration test: the real app on a free port with a fresh SQLite file,
//! or a fresh PostgreSQL database when `SERVICEFIT_TEST_POSTGRES` is set (see `database`).

#![allow(dead_code)]

pub mod binary;
pub mod consultant;
pub mod database;
pub mod report;
pub mod sign_in;
pub mod smtp;

use std::net::SocketAddr;

use servicefit::clock::Clock;
use servicefit::config::Config;
use servicefit::rules::{RuleSet, fixtures};
use servicefit::{AppState, build_app, db, serve};
use tokio::sync::oneshot;

/// The public address every test server claims, so that pages that contain it (embed snippets)
/// stay the same across restarts on new ports.
pub const PUBLIC_URL: &str = "http://servicefit.test";

/// The account [`TestApp::consultant_cookie`] signs in with.
pub const CONSULTANT_EMAIL: &str = "harness@msp.example";
pub const CONSULTANT_PASSWORD: &str = "correct horse battery";

/// The database file's name in a test server's directory.
pub const DATABASE_FILE: &str = "test.db";

pub struct TestApp {
    pub addr: SocketAddr,
    /// The settings it runs with; a restart keeps them.
    pub config: Config,
    pub client: reqwest::Client,
    pub db_path: std::path::PathBuf,
    /// The server's clock: it stands still until a test advances it, so nothing a test checks
    /// depends on how fast a loaded machine runs. A restart keeps it.
    pub clock: Clock,
    _dir: tempfile::TempDir,
    _shutdown: oneshot::Sender<()>,
    /// The webhook and mail workers and what stops each, when they are configured.
    workers: Vec<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_rules(RuleSet::embedded()).await
    }

    pub async fn spawn_with_rules(rules: RuleSet) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::spawn_in(dir, rules, test_config(), Clock::stopped()).await
    }

    /// A server whose settings `adjust` changes from the test defaults.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config();
        adjust(&mut config);
        Self::spawn_in(dir, RuleSet::embedded(), config, Clock::stopped()).await
    }

    /// [`TestApp::spawn_with`] on a SQLite file whatever the run's backend: for what is about
    /// the file itself (its size limit, a full disk, a lock another process holds, backups).
    pub async fn spawn_sqlite_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config();
        config.database_url = sqlite_url(dir.path());
        adjust(&mut config);
        Self::spawn_in(dir, RuleSet::embedded(), config, Clock::stopped()).await
    }

    /// A server on the database file [`DATABASE_FILE`] that `dir` already holds, e.g. one built
    /// at an older schema: it migrates it as a real start does.
    pub async fn spawn_on_existing(dir: tempfile::TempDir) -> Self {
        let mut config = test_config();
        config.database_url = sqlite_url(dir.path());
        Self::spawn_in(dir, RuleSet::embedded(), config, Clock::stopped()).await
    }

    /// Stops this server and starts a new one on the same database with the same settings.
    pub async fn restart(self) -> Self {
        self.restart_with_rules(RuleSet::embedded()).await
    }

    /// A second server on the same database file as `self`, e.g. with other rules.
    pub async fn restart_with_rules(self, rules: RuleSet) -> Self {
        let TestApp {
            _dir: dir,
            _shutdown: shutdown,
            config,
            workers,
            clock,
            ..
        } = self;
        let _ = shutdown.send(());
        // The old workers must be gone before the new ones start: one deliverer per outbox.
        for (stop, handle) in workers {
            let _ = stop.send(());
            let _ = handle.await;
        }
        Self::spawn_in(dir, rules, config, clock).await
    }

    async fn spawn_in(
        dir: tempfile::TempDir,
        rules: RuleSet,
        config: Config,
        clock: Clock,
    ) -> Self {
        let db_path = dir.path().join(DATABASE_FILE);
        // A restart keeps its database; a new server gets a new one.
        let url = if config.database_url.is_empty() {
            match database::postgres_server() {
                Some(server) => database::fresh_postgres(&server).await,
                None => sqlite_url(dir.path()),
            }
        } else {
            config.database_url.clone()
        };
        let pool = db::Db::connect_limited(
            &url,
            config.database_max_connections,
            config.database_max_mb.map(|mb| mb << 20),
        )
        .await
        .expect("database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = Config {
            database_url: url,
            bind: addr,
            ..config
        };
        let state = AppState::with_clock(pool, rules, config.clone(), clock.clone())
            .await
            .expect("state");
        let (stop_worker, worker_stopped) = oneshot::channel::<()>();
        let worker = state.spawn_webhook_worker(async move {
            let _ = worker_stopped.await;
        });
        let (stop_mail, mail_stopped) = oneshot::channel::<()>();
        let mailer = state.spawn_mail_worker(async move {
            let _ = mail_stopped.await;
        });
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = serve(listener, build_app(state), async move {
                let _ = rx.await;
            })
            .await;
        });
        servicefit::install_tls_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            addr,
            config,
            client,
            db_path,
            clock,
            _dir: dir,
            _shutdown: tx,
            workers: worker
                .map(|handle| (stop_worker, handle))
                .into_iter()
                .chain(mailer.map(|handle| (stop_mail, handle)))
                .collect(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// `GET path` with a `Cookie` header, as a browser holding those cookies sends it.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded::to_string(pairs).expect("encode");
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// The questionnaire filled in with `answers` as a browser sends it: with the page's signed
    /// start time and one-time token.
    pub async fn filled_in_form(&self, answers: &serde_json::Value) -> Vec<(String, String)> {
        let page = text(self.get("/assess").await).await;
        let mut pairs = as_form(answers);
        pairs.push(("form_started".into(), hidden(&page, "form_started")));
        pairs.push(("submission".into(), hidden(&page, "submission")));
        pairs
    }

    /// Submits the questionnaire form with a browser's headers.
    pub async fn submit_form(&self, pairs: &[(String, String)]) -> reqwest::Response {
        self.client
            .post(self.url("/assessments"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html,application/xhtml+xml")
            .header("accept-encoding", ACCEPT_ENCODING)
            .body(serde_urlencoded::to_string(pairs).expect("encode"))
            .send()
            .await
            .expect("an answer")
    }

    /// A pool of its own on this server's database, for looking behind the HTTP interface.
    pub async fn db(&self) -> db::Db {
        db::Db::connect(&self.config.database_url, 4)
            .await
            .expect("database")
    }

    /// A SQLite pool of its own on this server's file, for tests about SQLite itself.
    pub async fn sqlite_pool(&self) -> sqlx::SqlitePool {
        self.db()
            .await
            .as_sqlite()
            .expect("a SQLite test server")
            .clone()
    }

    /// True when this server's database is PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        db::is_postgres_url(&self.config.database_url)
    }

    /// Creates a consultant account (once) and signs it in; returns the session cookie
    /// (`name=value`).
    pub async fn consultant_cookie(&self) -> String {
        let hash = servicefit::auth::hash_password(CONSULTANT_PASSWORD).expect("hash");
        db::consultants::insert_consultant(
            &self.db().await,
            CONSULTANT_EMAIL,
            &hash,
            "2026-11-21T00:00:00Z",
        )
        .await
        .expect("insert consultant");
        let res = self.sign_in(CONSULTANT_EMAIL, CONSULTANT_PASSWORD).await;
        assert_eq!(res.status(), 303, "sign-in failed");
        session_cookie(&res).expect("signing in starts a session")
    }

    /// Opens the sign-in form and sends it as a browser would, with the form's cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        let res = self.get("/consultant/login").await;
        let cookie = sign_in_form_cookie(&res).expect("the login page sets its form cookie");
        let csrf = hidden(&res.text().await.expect("text"), "csrf");
        let body = serde_urlencoded::to_string([
            ("email", email),
            ("password", password),
            ("csrf", &csrf),
        ])
        .expect("encode");
        self.client
            .post(self.url("/consultant/login"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Submits a valid assessment through the API and returns its JSON.
    /// Creates an assessment through the API; returns it as every read gives it (without the
    /// owner's private `delete_url`: see [`TestApp::create_with_link`]).
    pub async fn create(&self, answers: &serde_json::Value) -> serde_json::Value {
        let mut created = self.create_with_link(answers).await;
        created
            .as_object_mut()
            .expect("an object")
            .remove("delete_url")
            .expect("a 201 answer carries the owner's delete_url");
        created
    }

    /// Creates an assessment through the API; returns the whole `201` body, `delete_url` too.
    pub async fn create_with_link(&self, answers: &serde_json::Value) -> serde_json::Value {
        let res = self.post_json("/api/v1/assessments", answers).await;
        assert_eq!(
            res.status(),
            201,
            "create failed: {}",
            res.text().await.unwrap_or_default()
        );
        res.json().await.expect("json")
    }
}

impl TestApp {
    /// Submits `answers`, then rewrites the stored result with `craft` before anything has read
    /// it, as if the rules had given that result: for pages that must show fields the running
    /// rules do not fill. Returns the id.
    pub async fn create_crafted(
        &self,
        answers: &serde_json::Value,
        craft: impl FnOnce(&mut serde_json::Value),
    ) -> String {
        let created = self.create(answers).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let db = self.db().await;
        let stored: String = servicefit::on_pool!(&db, pool => sqlx::query_scalar(
            "SELECT result FROM assessments WHERE id = $1",
        )
        .bind(&id)
        .fetch_one(pool)
        .await
        .expect("stored result"));
        let mut result: serde_json::Value = serde_json::from_str(&stored).expect("json");
        craft(&mut result);
        servicefit::on_pool!(&db, pool => {
            sqlx::query("UPDATE assessments SET result = $1 WHERE id = $2")
                .bind(result.to_string())
                .bind(&id)
                .execute(pool)
                .await
                .expect("rewrite the stored result");
        });
        id
    }
}

/// What a result made by rules `2027.01-1` adds, with text that must be escaped: a summary, two
/// warnings (one about an answer, one not), p99 for every model, co-managed costs and a numeric
/// what-would-change entry.
pub fn advice_model_2(result: &mut serde_json::Value) {
    result["summary"] =
        "Managed IT fits <Harbour & Sons>: it costs about $8,900 a year more \"and\" buys fixed bills.".into();
    result["warnings"] = serde_json::json!([
        {"key": "incidents_per_month", "message": "That is <b>more</b> than two problems a person a month."},
        {"key": "break_even", "message": "The break-even fee is far outside what providers charge."}
    ]);
    let costs = &mut result["costs"];
    for (model, p99) in [("break_fix", 91_234.0), ("managed", 48_765.0)] {
        costs[model]["p99"] = p99.into();
    }
    let mut co_managed = costs["managed"].clone();
    co_managed["expected_annual"] = 52_345.0.into();
    co_managed["p10"] = 50_001.0.into();
    co_managed["p50"] = 52_002.0.into();
    co_managed["p90"] = 56_003.0.into();
    co_managed["p99"] = 70_004.0.into();
    co_managed["components"] = serde_json::json!([{
        "key": "in_house",
        "label": "Your IT person's time <part-time>",
        "expected_annual": 30_000.0,
        "formula": "0.5 × $60,000"
    }]);
    costs["co_managed"] = co_managed;
    let changes = result["what_would_change"].as_array_mut().expect("changes");
    changes.insert(
        0,
        serde_json::json!({
            "key": "managed_fee_per_user",
            "from": 125.0,
            "to": 187.5,
            "recommendation": "break_fix",
            "description": "If the managed quote were above $187.50 a user a month, break/fix would come out ahead"
        }),
    );
}

/// A result as rules before `2027.01-1` stored it: no summary, no warnings, no p99 and no
/// co-managed costs.
pub fn before_advice_model_2(result: &mut serde_json::Value) {
    let o = result.as_object_mut().expect("object");
    o.remove("summary");
    o.remove("warnings");
    let costs = result["costs"].as_object_mut().expect("costs");
    costs.remove("co_managed");
    for model in ["break_fix", "managed"] {
        costs[model].as_object_mut().expect("model").remove("p99");
    }
}

/// What every browser and most HTTP libraries send: most answers then come back gzipped.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// The body as text, gunzipped when the server compressed it; a gzip stream cut short fails.
pub async fn text(res: reqwest::Response) -> String {
    let gzipped = res
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let bytes = res.bytes().await.expect("body");
    if !gzipped {
        return String::from_utf8(bytes.to_vec()).expect("utf-8");
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
        .expect("a whole gzip stream");
    out
}

/// The `name=value` of the session cookie a response sets.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookie(res, "servicefit_session")
}

/// The `name=value` of the cookie that holds the sign-in form's token.
pub fn sign_in_form_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookie(res, "servicefit_sign_in")
}

/// The `name=value` of the cookie `name` that a response sets.
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// A `201` answer's body without the owner's private `delete_url`, which only the creating
/// answer carries (it ends the object): the assessment as every read gives it, byte for byte.
pub fn assessment_of(created: &str) -> String {
    match created.rsplit_once(",\"delete_url\":") {
        Some((assessment, _)) => format!("{assessment}}}"),
        None => created.to_owned(),
    }
}

/// The value of the hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name}"))
        + marker.len();
    html[start..start + html[start..].find('"').expect("closing quote")].to_owned()
}

/// The URL of the SQLite file [`DATABASE_FILE`] in `dir`.
pub fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join(DATABASE_FILE).display())
}

/// The harness's settings. The database URL is left empty: each new server gets a fresh
/// database of the run's backend.
fn test_config() -> Config {
    Config {
        database_url: String::new(),
        public_url: Some(PUBLIC_URL.parse().expect("origin")),
        // Tests that seed many assessments would trip the limit; its own tests turn it on.
        submit_rate_limit: 0,
        ..Config::default()
    }
}

/// A small office that relies heavily on IT and has nobody for it: a typical managed case.
pub fn dental_practice() -> serde_json::Value {
    fixtures::json(&fixtures::dental_practice())
}

/// A three-person office that could work on paper for a day: a typical break/fix case.
pub fn tiny_studio() -> serde_json::Value {
    fixtures::json(&fixtures::tiny_studio())
}

/// The same answers as form pairs.
pub fn as_form(answers: &serde_json::Value) -> Vec<(String, String)> {
    answers
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect()
}

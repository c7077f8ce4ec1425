//! What the report-by-email tests share: a server sending to an [`SmtpSink`], a result to ask
//! about, the form as a browser posts it, and a look at the database.

use std::time::Duration;

use servicefit::config::Config;

use super::smtp::SmtpSink;
use super::{TestApp, dental_practice};

pub const FROM: &str = "Advice desk <advice@msp.example>";
/// Long enough for a loaded machine, far shorter than a failing test's patience.
pub const DELIVERY: Duration = Duration::from_secs(15);

pub fn with_smtp(sink: &SmtpSink) -> impl FnOnce(&mut Config) + use<> {
    let url = sink.url();
    move |c: &mut Config| {
        c.smtp_url = Some(url.parse().expect("smtp url"));
        c.mail_from = Some(FROM.parse().expect("mailbox"));
        c.mail_backoff_ms = 50;
    }
}

pub async fn assessment(app: &TestApp) -> String {
    app.create(&dental_practice()).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub fn form(name: &str, email: &str, consent: bool) -> Vec<(&'static str, String)> {
    let mut pairs = vec![("name", name.to_owned()), ("email", email.to_owned())];
    if consent {
        pairs.push(("consent", "yes".to_owned()));
    }
    pairs
}

pub async fn post_form(app: &TestApp, path: &str, pairs: &[(&str, String)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-encoding", "identity")
        .body(serde_urlencoded::to_string(pairs).expect("encode"))
        .send()
        .await
        .expect("answer")
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
        .expect("count"))
}

/// Waits until the mail log holds `n` attempts; returns how many it holds.
pub async fn attempts(app: &TestApp, n: i64) -> i64 {
    let deadline = std::time::Instant::now() + DELIVERY;
    loop {
        let got = count(app, "SELECT count(*) FROM mail_deliveries").await;
        if got >= n || std::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

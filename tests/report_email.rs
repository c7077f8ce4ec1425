//! The report by email and the lead it makes: the results page's form, the end of the
//! questionnaire and the API, over real HTTP, delivered to a real SMTP server in the test.

mod common;

use std::time::Duration;

use common::report::{DELIVERY, assessment, attempts, count, form, post_form, with_smtp};
use common::smtp::SmtpSink;
use common::{ACCEPT_ENCODING, PUBLIC_URL, TestApp, dental_practice, text};
use serde_json::{Value, json};

#[tokio::test]
async fn the_form_stores_the_lead_with_its_consent_and_the_email_arrives_once() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;

    let page = text(app.get(&format!("/assessments/{id}")).await).await;
    assert!(page.contains("Email me this report"), "the form is offered");
    assert!(page.contains(&format!(
        "action=\"/assessments/{id}/report#email-report-errors\""
    )));
    let consent = "I agree that servicefit may keep my name and email address with this assessment, email me this report, and contact me about it. I can ask for them to be deleted at any time.";
    assert!(page.contains(consent), "the default consent words");

    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form("Ana Díaz", "Ana@Clinic.example", true),
    )
    .await;
    assert_eq!(res.status(), 303);
    let sent = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(sent, format!("/assessments/{id}/report/sent"));
    let confirmation = text(app.get(&sent).await).await;
    assert!(confirmation.contains("Your report is on its way"));
    assert!(
        !confirmation.contains("Ana@Clinic.example"),
        "no address on a public page"
    );

    let mail = sink.wait_for(1, DELIVERY).await;
    assert_eq!(mail.len(), 1, "one email");
    let m = &mail[0];
    assert_eq!(m.from, "advice@msp.example");
    assert_eq!(m.to, ["Ana@Clinic.example"]);
    let subject = m.header("subject").expect("subject");
    assert_eq!(
        subject,
        "Your IT support recommendation from servicefit: Managed IT services"
    );
    assert!(
        m.header("message-id")
            .expect("id")
            .ends_with("@msp.example>")
    );
    assert!(
        m.header("content-type")
            .expect("type")
            .starts_with("multipart/alternative")
    );
    let plain = m.part("text/plain").expect("a plain part");
    let html = m.part("text/html").expect("an HTML part");
    for body in [&plain, &html] {
        assert!(body.contains("Hello Ana Díaz"), "{body}");
        assert!(body.contains("Managed IT"));
        assert!(body.contains(&format!("{PUBLIC_URL}/assessments/{id}")));
        assert!(body.contains("Average year") || body.contains("average year"));
        assert!(
            !body.contains("/delete") && !body.contains("token="),
            "never the private deletion link"
        );
    }
    assert!(!html.contains("<img"), "no remote images");
    assert!(!html.contains("src=\"http"));

    // The lead, with the consent exactly as shown.
    let db = app.db().await;
    let lead: (String, String, String, String, String, String) = servicefit::on_pool!(&db, pool => sqlx::query_as(
        "SELECT name, email, email_key, consent_text, consent_version, client_addr FROM leads WHERE assessment_id = $1",
    )
    .bind(&id)
    .fetch_one(pool)
    .await
    .expect("a lead"));
    assert_eq!(lead.0, "Ana Díaz");
    assert_eq!(lead.1, "Ana@Clinic.example");
    assert_eq!(lead.2, "ana@clinic.example");
    assert_eq!(lead.3, consent);
    assert_eq!(lead.4, servicefit::report::consent_version(consent));
    assert_eq!(lead.5, "127.0.0.1");
    // Marked sent once the server said 250, and logged.
    assert_eq!(attempts(&app, 1).await, 1);
    let sent_at: Option<String> = servicefit::on_pool!(&db, pool => sqlx::query_scalar("SELECT sent_at FROM mail_outbox")
        .fetch_one(pool)
        .await
        .expect("row"));
    assert!(sent_at.is_some());
    let code: Option<i64> = servicefit::on_pool!(&db, pool => sqlx::query_scalar("SELECT code FROM mail_deliveries")
        .fetch_one(pool)
        .await
        .expect("row"));
    assert_eq!(code, Some(250));
    // Nothing more is sent later.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn a_form_with_problems_comes_back_filled_in_and_escaped_and_stores_nothing() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let hostile = "<script>alert(1)</script>\"><b>";
    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form(hostile, "not-an-address", false),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = text(res).await;
    assert!(!page.contains("<script>alert(1)"), "escaped");
    let field = page
        .split("id=\"report-name\"")
        .nth(1)
        .expect("the name field");
    assert!(
        field.contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#62;&#60;b&#62;\""),
        "{}",
        &field[..300]
    );
    assert!(
        page.contains("value=\"not-an-address\""),
        "the address kept"
    );
    assert!(page.contains("Enter an email address like name@example.com."));
    assert!(page.contains("Tick the box to agree"));
    assert!(
        page.contains("href=\"#report-email\""),
        "the summary links to the field"
    );
    assert!(page.contains("aria-invalid=\"true\""));
    // The result itself is still there around the form.
    assert!(page.contains("Managed IT"));

    // A name and address, but no consent: the values stay, the box is asked for.
    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form("Ana", "ana@clinic.example", false),
    )
    .await;
    assert_eq!(res.status(), 422);
    let page = text(res).await;
    assert!(page.contains("value=\"Ana\"") && page.contains("value=\"ana@clinic.example\""));

    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM mail_outbox").await, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn the_api_queues_the_report_and_answers_every_mistake_in_json() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let path = format!("/api/v1/assessments/{id}/report");

    let res = app
        .post_json(
            &path,
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "queued");
    assert_eq!(body["assessment_id"], id.as_str());
    assert_eq!(sink.wait_for(1, DELIVERY).await.len(), 1);

    for (request, field) in [
        (
            json!({"name": "Ben", "email": "ben@shop.example"}),
            "consent",
        ),
        (
            json!({"name": "Ben", "email": "ben@shop.example", "consent": false}),
            "consent",
        ),
        (
            json!({"name": "Ben", "email": "ben@shop.example", "consent": "yes"}),
            "consent",
        ),
        (
            json!({"name": "Ben", "email": "ben.shop.example", "consent": true}),
            "email",
        ),
        (
            json!({"name": 7, "email": "ben@shop.example", "consent": true}),
            "name",
        ),
        (
            json!({"name": "", "email": "ben@shop.example", "consent": true}),
            "name",
        ),
    ] {
        let res = app.post_json(&path, &request).await;
        assert_eq!(res.status(), 422, "{request}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["errors"][0]["field"], field, "{request}: {body}");
    }
    let res = app
        .post_raw(&path, "application/json", b"{\"name\":".to_vec())
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .post_raw(&path, "text/plain", b"name=Ben".to_vec())
        .await;
    assert_eq!(res.status(), 415);
    let good = json!({"name": "Ben", "email": "ben@shop.example", "consent": true});
    let res = app
        .post_json("/api/v1/assessments/AAAAAAAAAAAAAAAAAAAAAA/report", &good)
        .await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.expect("json");
    assert!(body["errors"][0]["message"].is_string());

    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 1);
}

#[tokio::test]
async fn three_reports_per_result_then_409_and_nothing_more_is_sent() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let path = format!("/api/v1/assessments/{id}/report");
    for n in 0..3 {
        let res = app
            .post_json(
                &path,
                &json!({"name": "Ben", "email": format!("ben{n}@shop.example"), "consent": true}),
            )
            .await;
        assert_eq!(res.status(), 202);
    }
    let res = app
        .post_json(
            &path,
            &json!({"name": "Ben", "email": "ben9@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("3 times")
    );
    // The form says the same beside the form, with the values kept.
    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form("Ben", "ben9@shop.example", true),
    )
    .await;
    assert_eq!(res.status(), 409);
    let page = text(res).await;
    assert!(page.contains("emailed 3 times already"));
    assert!(page.contains("value=\"ben9@shop.example\""));

    assert_eq!(sink.wait_for(3, DELIVERY).await.len(), 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 3);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 3);
}

#[tokio::test]
async fn report_requests_share_the_submission_budget() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| {
        with_smtp(&sink)(c);
        c.submit_rate_limit = 2;
    })
    .await;
    // One assessment spends one of the two.
    let id = assessment(&app).await;
    let path = format!("/api/v1/assessments/{id}/report");
    let good = json!({"name": "Ben", "email": "ben@shop.example", "consent": true});
    assert_eq!(app.post_json(&path, &good).await.status(), 202);
    let res = app.post_json(&path, &good).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form("Ben", "ben@shop.example", true),
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(text(res).await.contains("value=\"ben@shop.example\""));
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 1);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_lead_keeps_the_forwarded_address() {
    let sink = SmtpSink::start().await;
    for (trust, expected) in [(true, "203.0.113.7"), (false, "127.0.0.1")] {
        let app = TestApp::spawn_with(|c| {
            with_smtp(&sink)(c);
            c.trust_proxy = trust;
        })
        .await;
        let id = assessment(&app).await;
        let res = app
            .client
            .post(app.url(&format!("/api/v1/assessments/{id}/report")))
            .header("content-type", "application/json")
            .header("x-forwarded-for", "203.0.113.7, 10.0.0.1")
            .body(r#"{"name":"Ben","email":"ben@shop.example","consent":true}"#)
            .send()
            .await
            .expect("answer");
        assert_eq!(res.status(), 202);
        let addr: String = servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT client_addr FROM leads")
            .fetch_one(pool)
            .await
            .expect("lead"));
        assert_eq!(addr, expected, "trust_proxy = {trust}");
    }
}

#[tokio::test]
async fn without_smtp_no_form_is_offered_and_the_routes_say_why() {
    let app = TestApp::spawn().await;
    let id = assessment(&app).await;
    let page = text(app.get(&format!("/assessments/{id}")).await).await;
    assert!(!page.contains("Email me this report"));
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 501);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not send reports by email")
    );
    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form("Ben", "ben@shop.example", true),
    )
    .await;
    assert_eq!(res.status(), 501);
}

#[tokio::test]
async fn the_results_page_with_its_form_reaches_a_browser_gzipped() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let res = app
        .client
        .get(app.url(&format!("/assessments/{id}")))
        .header("accept-encoding", ACCEPT_ENCODING)
        .send()
        .await
        .expect("answer");
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let bytes = res.bytes().await.expect("body");
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut html)
        .expect("gzip");
    assert!(html.contains("id=\"report-consent\""));
}

/// The questionnaire filled in with `answers` and the optional report request.
async fn questionnaire_with_report(
    app: &TestApp,
    name: &str,
    email: &str,
    consent: bool,
) -> Vec<(String, String)> {
    let mut pairs = app.filled_in_form(&dental_practice()).await;
    pairs.push(("report_name".into(), name.into()));
    pairs.push(("report_email".into(), email.into()));
    if consent {
        pairs.push(("report_consent".into(), "yes".into()));
    }
    pairs
}

#[tokio::test]
async fn the_questionnaire_can_ask_for_the_report_and_stores_the_lead_with_the_assessment() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let form = text(app.get("/assess").await).await;
    assert!(form.contains("Email me the report too"));
    assert!(form.contains("name=\"report_email\""));
    // The embedded questionnaire offers it too.
    let embedded = text(app.get("/assess/embed").await).await;
    assert!(embedded.contains("name=\"report_consent\""));

    let pairs = questionnaire_with_report(&app, "Cleo", "cleo@dental.example", true).await;
    let res = app.submit_form(&pairs).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let id = location.rsplit('/').next().unwrap().to_owned();
    let mail = sink.wait_for(1, DELIVERY).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, ["cleo@dental.example"]);
    assert!(
        mail[0]
            .part("text/plain")
            .unwrap()
            .contains(&format!("{PUBLIC_URL}/assessments/{id}"))
    );
    let lead: (String, String) = servicefit::on_pool!(&app.db().await, pool => sqlx::query_as("SELECT assessment_id, name FROM leads")
        .fetch_one(pool)
        .await
        .expect("a lead"));
    assert_eq!(lead, (id.clone(), "Cleo".to_owned()));
    // The report fields are not answers: nothing of them in the stored answers.
    let answers: String = servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT answers FROM assessments WHERE id = $1")
        .bind(&id)
        .fetch_one(pool)
        .await
        .expect("answers"));
    assert!(!answers.contains("cleo") && !answers.contains("Cleo"));
    // Sending the same form again (a reload) makes no second lead or email.
    assert_eq!(app.submit_form(&pairs).await.status(), 303);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 1);
}

#[tokio::test]
async fn a_report_request_without_consent_sends_the_questionnaire_back_and_stores_nothing() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let pairs = questionnaire_with_report(&app, "Cleo", "cleo@dental.example", false).await;
    let res = app.submit_form(&pairs).await;
    assert_eq!(res.status(), 422);
    let page = text(res).await;
    assert!(
        page.contains("href=\"#field-report_consent\""),
        "in the summary"
    );
    assert!(page.contains("Tick the box to agree"));
    assert!(page.contains("value=\"cleo@dental.example\""), "kept");
    assert!(page.contains("value=\"Cleo\""));
    assert!(page.contains("One answer needs attention"));
    assert_eq!(count(&app, "SELECT count(*) FROM assessments").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 0);

    // Left empty, it is no request: the assessment alone.
    let pairs = questionnaire_with_report(&app, "", "", false).await;
    assert_eq!(app.submit_form(&pairs).await.status(), 303);
    assert_eq!(count(&app, "SELECT count(*) FROM assessments").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 0);
}

#[tokio::test]
async fn without_smtp_the_questionnaire_has_no_report_request_and_ignores_its_fields() {
    let app = TestApp::spawn().await;
    let form = text(app.get("/assess").await).await;
    assert!(!form.contains("report_email"));
    let pairs = questionnaire_with_report(&app, "Cleo", "cleo@dental.example", true).await;
    assert_eq!(app.submit_form(&pairs).await.status(), 303);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 0);
}

#[tokio::test]
async fn under_a_brand_the_form_and_the_email_carry_the_firm_and_never_servicefit() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|c| {
        with_smtp(&sink)(c);
        c.brand =
            Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/brand.example.toml"));
    })
    .await;
    let id = assessment(&app).await;
    let consent = "I agree that Harbour IT Partners may keep my name, email and this result to send me the report and contact me about it.";
    let page = text(app.get(&format!("/assessments/{id}")).await).await;
    assert!(page.contains(consent), "the brand's consent words");
    assert!(page.contains("href=\"https://harbour-it.example/privacy\""));

    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form("Ana", "ana@clinic.example", true),
    )
    .await;
    assert_eq!(res.status(), 303);
    let sent = text(app.get(&format!("/assessments/{id}/report/sent")).await).await;
    assert!(sent.contains("Harbour IT Partners"));
    assert!(!sent.to_lowercase().contains("servicefit"));

    let mail = sink.wait_for(1, DELIVERY).await;
    let m = &mail[0];
    assert_eq!(
        m.header("subject").unwrap(),
        "Your IT support recommendation from Harbour IT Partners: Managed IT services"
    );
    for body in [m.part("text/plain").unwrap(), m.part("text/html").unwrap()] {
        assert!(body.contains("Harbour IT Partners"), "{body}");
        assert!(
            body.contains("advice@harbour-it.example"),
            "the firm's contact"
        );
        assert!(body.contains("https://harbour-it.example"));
        // The public address is the operator's (a test name here); nothing else names us.
        let without_link = body.replace(PUBLIC_URL, "");
        assert!(
            !without_link.to_lowercase().contains("servicefit"),
            "{without_link}"
        );
    }
    assert!(
        m.part("text/html").unwrap().contains("#0b5cad"),
        "the accent"
    );
    let stored: String = servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT consent_text FROM leads")
        .fetch_one(pool)
        .await
        .expect("lead"));
    assert_eq!(stored, consent);
}

#[tokio::test]
async fn the_embedded_result_offers_the_report_and_every_answer_stays_frameable() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let frameable = |res: &reqwest::Response| {
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors *"), "{csp}");
        assert!(!res.headers().contains_key("x-frame-options"));
    };
    let res = app
        .get(&format!("/assessments/{id}/embed?theme=dark"))
        .await;
    frameable(&res);
    let page = text(res).await;
    assert!(page.contains(&format!(
        "action=\"/assessments/{id}/embed/report?theme=dark#email-report-errors\""
    )));

    // A problem: the embedded result again, in the same look, the values kept.
    let res = post_form(
        &app,
        &format!("/assessments/{id}/embed/report?theme=dark"),
        &form("Ana", "ana@", true),
    )
    .await;
    assert_eq!(res.status(), 422);
    frameable(&res);
    let page = text(res).await;
    assert!(page.contains("data-theme=\"dark\""));
    assert!(page.contains("value=\"ana@\""));
    assert!(page.contains("Enter an email address like name@example.com."));

    // Sent: the framed confirmation, in the same look.
    let res = post_form(
        &app,
        &format!("/assessments/{id}/embed/report?theme=dark"),
        &form("Ana", "ana@clinic.example", true),
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        to,
        format!("/assessments/{id}/embed/report/sent?theme=dark")
    );
    let res = app.get(&to).await;
    assert_eq!(res.status(), 200);
    frameable(&res);
    let page = text(res).await;
    assert!(page.contains("Your report is on its way"));
    assert!(page.contains(&format!("href=\"/assessments/{id}/embed?theme=dark\"")));
    assert_eq!(sink.wait_for(1, DELIVERY).await.len(), 1);

    // A malformed look is refused before anything is stored.
    let res = post_form(
        &app,
        &format!("/assessments/{id}/embed/report?theme=purple"),
        &form("Ana", "ana@clinic.example", true),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 1);
}

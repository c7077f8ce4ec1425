//! What consultants see of leads (an owner's request for the report by email, with the consent
//! they gave): the detail page, the list's "has a lead" filter, both exports and the email
//! delivery log; and that nobody signed out sees any of it.

mod common;

use common::consultant::{ACCEPT_ENCODING, Consultant};
use common::{TestApp, dental_practice, tiny_studio};
use serde_json::Value;
use servicefit::db::AttemptOutcome;
use servicefit::db::leads::{self, LeadStored, MailAttempt, NewLead, NewMail};

const HOSTILE_NAME: &str = "<script>alert('name')</script> O'Brien & Sons";
const HOSTILE_CONSENT: &str =
    "I agree that \"Acme IT\" may email me <b>my report</b> & call me.\nSecond line.";
const SMTP: &str = "smtp.example:587";

/// A lead as the owner's form stores it.
struct Lead<'a> {
    key: &'a str,
    name: &'a str,
    email: &'a str,
    consent: &'a str,
    at: &'a str,
}

impl Lead<'_> {
    fn plain<'a>(key: &'a str, name: &'a str, at: &'a str) -> Lead<'a> {
        Lead {
            key,
            name,
            email: "owner@example.com",
            consent: "You may email me my report.",
            at,
        }
    }
}

/// Stores `lead` for `assessment` with its email waiting; returns the email's id.
async fn add_lead(app: &TestApp, assessment: &str, lead: &Lead<'_>) -> String {
    let mail_id = format!("mail-{}", lead.key);
    let stored = leads::insert_lead(
        &app.db().await,
        &NewLead {
            id: &format!("lead-{}", lead.key),
            assessment_id: assessment,
            name: lead.name,
            email: lead.email,
            email_key: &lead.email.to_lowercase(),
            consent_text: lead.consent,
            consent_version: &format!("consent-{}", lead.key),
            created_at: lead.at,
            client_addr: "198.51.100.7",
        },
        &NewMail {
            id: &mail_id,
            recipient: lead.email,
            subject: "Your servicefit report",
            text_body: "Your report",
            html_body: "<p>Your report</p>",
            due_at_ms: 0,
        },
        None,
        5,
    )
    .await
    .expect("insert lead");
    assert_eq!(stored, LeadStored::Stored);
    mail_id
}

/// Logs attempt `attempt` of email `mail_id`, as the mail worker does.
async fn attempt(
    app: &TestApp,
    mail_id: &str,
    attempt: i64,
    at: &str,
    (code, error): (Option<u16>, Option<&str>),
    next: AttemptOutcome,
) {
    leads::record_mail_attempt(
        &app.db().await,
        &MailAttempt {
            message_id: mail_id,
            attempt,
            attempted_at: at,
            server: SMTP,
            code,
            error,
            duration_ms: 40 + attempt,
            next,
        },
    )
    .await
    .expect("record attempt");
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// The `<section id="leads">` of a detail page, or `None` when it has none.
fn leads_section(html: &str) -> Option<&str> {
    let start = html.find("<section id=\"leads\"")?;
    let end = html[start..].find("</section>").expect("the section ends") + start;
    Some(&html[start..end])
}

#[tokio::test]
async fn the_detail_page_lists_each_lead_with_its_consent_as_given_escaped() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let dental = id_of(&app.create(&dental_practice()).await);
    let studio = id_of(&app.create(&tiny_studio()).await);
    let hostile = Lead {
        key: "hostile",
        name: HOSTILE_NAME,
        email: "Owner@Example.com",
        consent: HOSTILE_CONSENT,
        at: "2026-12-02T09:15:00Z",
    };
    let first = add_lead(&app, &dental, &hostile).await;
    add_lead(
        &app,
        &dental,
        &Lead::plain("again", "Pat Again", "2026-12-02T10:00:00Z"),
    )
    .await;
    let third = add_lead(
        &app,
        &dental,
        &Lead::plain("refused", "Refused Person", "2026-12-02T11:00:00Z"),
    )
    .await;
    attempt(
        &app,
        &first,
        1,
        "2026-12-02T09:15:02Z",
        (Some(250), None),
        AttemptOutcome::Delivered,
    )
    .await;
    attempt(
        &app,
        &third,
        1,
        "2026-12-02T11:00:02Z",
        (Some(550), Some("mailbox unavailable")),
        AttemptOutcome::GaveUp,
    )
    .await;

    let html = consultant
        .page(&app, &format!("/consultant/assessments/{dental}"))
        .await;
    let section = leads_section(&html).expect("a Leads section");
    // Hostile text is shown, escaped; none of it becomes markup.
    assert!(!html.contains("<script>alert"), "{section}");
    assert!(!html.contains("<b>my report</b>"), "{section}");
    assert!(
        section.contains(
            "&#60;script&#62;alert(&#39;name&#39;)&#60;/script&#62; O&#39;Brien &#38; Sons"
        ),
        "{section}"
    );
    assert!(
        section.contains(
            "I agree that &#34;Acme IT&#34; may email me &#60;b&#62;my report&#60;/b&#62; &#38; call me.\nSecond line."
        ),
        "the consent exactly as given, line break kept: {section}"
    );
    assert!(section.contains("<blockquote class=\"consent"), "{section}");
    assert!(section.contains("consent-hostile"), "{section}");
    assert!(
        section.contains("<a href=\"mailto:Owner@Example.com\""),
        "{section}"
    );
    assert!(section.contains("198.51.100.7"), "{section}");
    assert!(
        section.contains("<time datetime=\"2026-12-02T09:15:00Z\">2 Dec 2026, 09:15</time>"),
        "{section}"
    );
    // What became of each report email, oldest lead first.
    let sent = section
        .find("Sent <time datetime=\"2026-12-02T09:15:02Z\">")
        .expect(section);
    let waiting = section.find("Waiting to be sent").expect(section);
    let given_up = section.find("Given up").expect(section);
    assert!(sent < waiting && waiting < given_up, "{section}");
    assert!(section.contains("Pat Again") && section.contains("Refused Person"));

    // An assessment without leads has no section.
    let html = consultant
        .page(&app, &format!("/consultant/assessments/{studio}"))
        .await;
    assert!(leads_section(&html).is_none());
    assert!(!html.contains("Leads</h2>"));
}

#[tokio::test]
async fn the_list_filters_on_has_a_lead_counts_exactly_and_marks_the_rows() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(id_of(&app.create(&dental_practice()).await));
    }
    let plain = id_of(&app.create(&tiny_studio()).await);
    // Two leads on one assessment, one on another: two assessments have a lead.
    add_lead(
        &app,
        &ids[0],
        &Lead::plain("a1", "Ann", "2026-12-02T09:00:00Z"),
    )
    .await;
    add_lead(
        &app,
        &ids[0],
        &Lead::plain("a2", "Ann", "2026-12-02T09:05:00Z"),
    )
    .await;
    add_lead(
        &app,
        &ids[2],
        &Lead::plain("c1", "Cy", "2026-12-02T09:10:00Z"),
    )
    .await;

    let html = consultant.page(&app, "/consultant?lead=yes").await;
    assert!(html.contains("2 assessments match."), "{html}");
    for (id, shown) in [
        (&ids[0], true),
        (&ids[1], false),
        (&ids[2], true),
        (&ids[3], false),
        (&plain, false),
    ] {
        assert_eq!(
            html.contains(&format!("/consultant/assessments/{id}\"")),
            shown,
            "{id}"
        );
    }
    assert_eq!(html.matches("class=\"flag lead-badge\"").count(), 2);
    assert!(html.contains("2 requests for the report by email"));
    // The filter is in the form, chosen, and kept in the export links.
    assert!(html.contains("<option value=\"yes\" selected>Has a lead</option>"));
    assert!(html.contains("/consultant/export.csv?lead=yes"));

    // Unfiltered, every row is there and only those with a lead are marked.
    let html = consultant.page(&app, "/consultant").await;
    assert!(html.contains("5 assessments match."), "{html}");
    assert_eq!(html.matches("class=\"flag lead-badge\"").count(), 2);

    // With another filter, and one that matches none.
    let html = consultant
        .page(&app, "/consultant?lead=yes&q=dental&sort=oldest")
        .await;
    assert!(html.contains("2 assessments match."), "{html}");
    let html = consultant
        .page(&app, "/consultant?lead=yes&status=won")
        .await;
    assert!(html.contains("No assessments match."), "{html}");

    let res = consultant.get(&app, "/consultant?lead=maybe").await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#filter-lead\""), "{html}");
    assert!(html.contains("id=\"filter-lead\""));
}

/// The export at `path`, fetched as a browser does (gzip), decoded.
async fn export(app: &TestApp, consultant: &Consultant, path: &str) -> String {
    let res = consultant.get_raw(app, path, ACCEPT_ENCODING).await;
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(res.headers()["content-encoding"], "gzip", "{path}");
    let res = common::consultant::read(res).await;
    res.text().await.expect("text")
}

#[tokio::test]
async fn both_exports_carry_the_leads_with_typed_text_defused_in_the_csv() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let dental = id_of(&app.create(&dental_practice()).await);
    let studio = id_of(&app.create(&tiny_studio()).await);
    let first = add_lead(
        &app,
        &dental,
        &Lead {
            key: "first",
            name: "Early Bird",
            email: "early@example.com",
            consent: HOSTILE_CONSENT,
            at: "2026-12-02T09:00:00Z",
        },
    )
    .await;
    add_lead(
        &app,
        &dental,
        &Lead {
            key: "latest",
            name: "=HYPERLINK(\"http://evil.example\",\"x\")",
            email: "+1@example.com",
            consent: "Email me.",
            at: "2026-12-02T10:00:00Z",
        },
    )
    .await;
    attempt(
        &app,
        &first,
        1,
        "2026-12-02T09:00:03Z",
        (Some(250), None),
        AttemptOutcome::Delivered,
    )
    .await;

    // JSON: a `leads` array per assessment, oldest first.
    let text = export(&app, &consultant, "/consultant/export.json").await;
    let items: Vec<Value> = serde_json::from_str(&text).expect("json");
    let find = |id: &str| {
        items
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {text}"))
            .clone()
    };
    assert_eq!(find(&studio)["leads"], serde_json::json!([]));
    let leads = find(&dental)["leads"].clone();
    assert_eq!(
        leads,
        serde_json::json!([
            {
                "name": "Early Bird",
                "email": "early@example.com",
                "consent_text": HOSTILE_CONSENT,
                "consent_version": "consent-first",
                "created_at": "2026-12-02T09:00:00Z",
                "client_addr": "198.51.100.7",
                "email_sent_at": "2026-12-02T09:00:03Z",
            },
            {
                "name": "=HYPERLINK(\"http://evil.example\",\"x\")",
                "email": "+1@example.com",
                "consent_text": "Email me.",
                "consent_version": "consent-latest",
                "created_at": "2026-12-02T10:00:00Z",
                "client_addr": "198.51.100.7",
                "email_sent_at": null,
            },
        ])
    );
    let only: Vec<Value> =
        serde_json::from_str(&export(&app, &consultant, "/consultant/export.json?lead=yes").await)
            .expect("json");
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["id"], dental.as_str());

    // CSV: the count and the latest lead, its typed text defused.
    let text = export(&app, &consultant, "/consultant/export.csv").await;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header[header.len() - 5..],
        [
            "lead_count",
            "latest_lead_name",
            "latest_lead_email",
            "latest_lead_consented_at",
            "latest_lead_consent_version"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r[0].trim_start_matches('\'') == id)
            .unwrap_or_else(|| panic!("{id} in {text}"))
            .clone()
    };
    let dental_row = row(&dental);
    assert_eq!(
        dental_row[dental_row.len() - 5..],
        [
            "2",
            "'=HYPERLINK(\"http://evil.example\",\"x\")",
            "'+1@example.com",
            "2026-12-02T10:00:00Z",
            "consent-latest"
        ]
    );
    let studio_row = row(&studio);
    assert_eq!(studio_row[studio_row.len() - 5..], ["0", "", "", "", ""]);
    let only = export(&app, &consultant, "/consultant/export.csv?lead=yes").await;
    let only: Vec<String> = csv::Reader::from_reader(only.as_bytes())
        .records()
        .map(|r| r.expect("record")[0].trim_start_matches('\'').to_owned())
        .collect();
    assert_eq!(only, [dental]);
}

#[tokio::test]
async fn the_email_log_lists_each_attempt_with_the_servers_answer_and_the_emails_state() {
    let app = TestApp::spawn().await;
    let consultant = Consultant::sign_in(&app).await;
    let html = consultant.page(&app, "/consultant/emails").await;
    assert!(html.contains("No delivery attempts yet."));
    assert!(html.contains("Email is off."));
    assert!(html.contains("<a href=\"/consultant/emails\" aria-current=\"page\">Emails</a>"));

    let dental = id_of(&app.create(&dental_practice()).await);
    let studio = id_of(&app.create(&tiny_studio()).await);
    let retried = add_lead(
        &app,
        &dental,
        &Lead::plain("retried", "Ann", "2026-12-02T09:00:00Z"),
    )
    .await;
    let refused = add_lead(
        &app,
        &studio,
        &Lead {
            key: "refused",
            name: "Bo",
            email: "<b>bo</b>@example.com",
            consent: "Email me.",
            at: "2026-12-02T09:30:00Z",
        },
    )
    .await;
    let waiting = add_lead(
        &app,
        &studio,
        &Lead::plain("waiting", "Cy", "2026-12-02T09:40:00Z"),
    )
    .await;
    attempt(
        &app,
        &retried,
        1,
        "2026-12-02T09:00:01Z",
        (Some(421), Some("try again later")),
        AttemptOutcome::RetryAt(1),
    )
    .await;
    attempt(
        &app,
        &refused,
        1,
        "2026-12-02T09:30:01Z",
        (Some(550), Some("<script>no such user</script>")),
        AttemptOutcome::GaveUp,
    )
    .await;
    attempt(
        &app,
        &waiting,
        1,
        "2026-12-02T09:40:01Z",
        (None, Some("connection refused")),
        AttemptOutcome::RetryAt(1),
    )
    .await;

    let html = consultant.page(&app, "/consultant/emails").await;
    let rows: Vec<&str> = html.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 3, "{html}");
    // Newest first; each with its assessment, recipient, attempt, answer, time and state.
    assert!(rows[0].contains(&format!("/consultant/assessments/{studio}#leads")));
    assert!(rows[0].contains("connection refused") && rows[0].contains("retrying"));
    assert!(rows[1].contains("550 &#60;script&#62;no such user&#60;/script&#62;"));
    assert!(rows[1].contains("&#60;b&#62;bo&#60;/b&#62;@example.com"));
    assert!(rows[1].contains("gave up"));
    assert!(rows[2].contains(&format!("/consultant/assessments/{dental}#leads")));
    assert!(rows[2].contains("421 try again later"));
    assert!(rows[2].contains("<td>1</td>") && rows[2].contains("41 ms"));
    assert!(rows[2].contains(SMTP) && rows[2].contains("retrying"));
    assert!(!html.contains("<script>no such user"));
    assert!(!html.contains("<b>bo</b>"));

    // The retried email goes out: both its attempts now say so.
    attempt(
        &app,
        &retried,
        2,
        "2026-12-02T09:05:00Z",
        (Some(250), None),
        AttemptOutcome::Delivered,
    )
    .await;
    let html = consultant.page(&app, "/consultant/emails").await;
    let rows: Vec<&str> = html.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 4, "{html}");
    assert!(rows[0].contains("<td>2</td>") && rows[0].contains("<td>250 "));
    assert!(rows[0].contains("<td>sent</td>") && rows[3].contains("<td>sent</td>"));
}

#[tokio::test]
async fn nobody_signed_out_sees_leads_or_the_email_log() {
    let app = TestApp::spawn().await;
    let dental = id_of(&app.create(&dental_practice()).await);
    let mail = add_lead(
        &app,
        &dental,
        &Lead::plain("secret", "Secret Name", "2026-12-02T09:00:00Z"),
    )
    .await;
    attempt(
        &app,
        &mail,
        1,
        "2026-12-02T09:00:01Z",
        (Some(250), None),
        AttemptOutcome::Delivered,
    )
    .await;
    let detail = format!("/consultant/assessments/{dental}");
    for path in [
        detail.as_str(),
        "/consultant?lead=yes",
        "/consultant/emails",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/consultant/login?next="),
            "{path}"
        );
        let body = res.text().await.unwrap();
        assert!(!body.contains("Secret Name") && !body.contains("owner@example.com"));
    }
    for path in ["/consultant/export.csv", "/consultant/export.json?lead=yes"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 401, "{path}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("Secret Name") && !body.contains("owner@example.com"));
    }
    // The owner's own page does not show the lead either.
    let owner = app
        .get(&format!("/assessments/{dental}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!owner.contains("Secret Name") && !owner.contains("owner@example.com"));
}

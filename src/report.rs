//! The report by email: an owner asks for their result by email, with a consent, and becomes a
//! lead. One path for the results page's form and the API.
//!
//! The request is checked (a name, an address an SMTP server will take, the consent box), the
//! email is rendered (plain text and HTML, the brand's name in the subject, the link to the
//! result at `--public-url`, never the private deletion link: anyone holding the result's
//! address can ask for its report), and the lead, the email and the `lead.created` webhook event
//! are stored in one transaction. The mail worker ([`crate::mail`]) sends it.

use askama::Template;
use sha2::{Digest, Sha256};

use crate::assessment::{self, Assessment, new_id, now_rfc3339};
use crate::client_addr::ClientAddr;
use crate::db::leads::{self, LeadRow, LeadStored};
use crate::error::{AppError, Result};
use crate::routes::results::Report;
use crate::rules::FieldError;
use crate::rules::text;
use crate::views::Chrome;
use crate::{AppState, db, webhooks};

/// The webhook event of a new lead.
pub const LEAD_CREATED: &str = "lead.created";
/// Report emails one assessment may ask for; past it, `409`.
pub const MAX_PER_ASSESSMENT: i64 = 3;
/// Longest name kept, in characters.
const MAX_NAME_CHARS: usize = 100;
/// Longest address kept, in bytes (RFC 5321's path limit).
const MAX_EMAIL_BYTES: usize = 254;

/// What a person typed, before it is checked; kept to fill the form again.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Request {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub consent: bool,
}

/// A request that passed every check: who the report goes to.
pub struct Contact {
    name: String,
    email: String,
    email_key: String,
}

/// Checks `r`: every problem at once, each on its field (`name`, `email`, `consent`).
pub fn check(r: &Request) -> std::result::Result<Contact, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text::visible(r.name.trim()).trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError::field(
            "name",
            "Enter your name, so the email can greet you.",
        ));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::field(
            "name",
            format!("Use at most {MAX_NAME_CHARS} characters for your name."),
        ));
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError::field(
            "name",
            "Your name has a line break or a control character in it; type it on one line.",
        ));
    }
    let email = r.email.trim().to_owned();
    let email_key = crate::auth::normalise_email(&email)
        .filter(|_| email.len() <= MAX_EMAIL_BYTES)
        .filter(|_| email.parse::<lettre::Address>().is_ok());
    if email.is_empty() {
        errors.push(FieldError::field(
            "email",
            "Enter the email address the report should go to.",
        ));
    } else if email_key.is_none() {
        errors.push(FieldError::field(
            "email",
            "Enter an email address like name@example.com.",
        ));
    }
    if !r.consent {
        errors.push(FieldError::field(
            "consent",
            "Tick the box to agree: without it we cannot keep your address or send the report.",
        ));
    }
    match email_key {
        Some(email_key) if errors.is_empty() => Ok(Contact {
            name,
            email,
            email_key,
        }),
        _ => Err(errors),
    }
}

/// The words beside the consent box: the brand's, or ours naming the firm.
pub fn consent_text(state: &AppState) -> String {
    if let Some(text) = state.brand.as_ref().and_then(|b| b.consent_text.clone()) {
        return text;
    }
    format!(
        "I agree that {} may keep my name and email address with this assessment, email me this report, and contact me about it. I can ask for them to be deleted at any time.",
        Chrome::owner(state).name()
    )
}

/// The version of a consent text: a digest of its words, so the record says exactly which
/// words were agreed to whatever the text says later.
pub fn consent_version(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// True when this server sends reports by email.
pub fn enabled(state: &AppState) -> bool {
    state.config.smtp_url.is_some() && state.config.mail_from.is_some()
}

/// Stores the lead and queues its email, or says why not: `501` when email is off, `404`/`410`
/// for an unknown or deleted assessment, `422` with field errors, `429` past the submission
/// budget, `409` past [`MAX_PER_ASSESSMENT`], `503` when the database cannot take it.
pub async fn request(state: &AppState, id: &str, r: &Request, client: ClientAddr) -> Result<()> {
    let a = assessment::load(state, id).await?;
    if !enabled(state) {
        return Err(AppError::NotImplemented(
            "This server does not send reports by email. Print the result or save it as a PDF instead.".to_owned(),
        ));
    }
    let checked = check(r).map_err(AppError::Validation)?;
    state.submit_limiter.check(client).await?;
    let row = lead_row(state, &a, &checked, client)?;
    let stored = leads::insert_lead(
        &state.db,
        &row.lead(),
        &row.mail(),
        row.event.as_ref(),
        MAX_PER_ASSESSMENT,
    )
    .await;
    match stored {
        Ok(LeadStored::Stored) => {}
        Ok(LeadStored::NoAssessment) => {
            return Err(if db::is_erased(&state.db, id).await? {
                AppError::Gone
            } else {
                AppError::NotFound
            });
        }
        Ok(LeadStored::LimitReached) => return Err(AppError::ReportLimit),
        Err(e) if db::is_unavailable(&e) => {
            return Err(AppError::Unavailable {
                retry_after_secs: 5,
            });
        }
        Err(e) => return Err(e.into()),
    }
    stored_lead(state, id, &row.id, row.event.is_some());
    Ok(())
}

/// Wakes the workers for a lead just committed; `announced` when it has a webhook event.
pub fn stored_lead(state: &AppState, assessment_id: &str, lead_id: &str, announced: bool) {
    state.mail_wake.notify_one();
    if announced {
        state.outbox_wake.notify_one();
    }
    tracing::info!(id = %assessment_id, lead = %lead_id, "report requested by email");
}

/// The lead, its rendered email and its `lead.created` event for assessment `a`, ready to store.
pub fn lead_row(
    state: &AppState,
    a: &Assessment,
    contact: &Contact,
    client: ClientAddr,
) -> Result<LeadRow> {
    let consent = consent_text(state);
    let email = Email::new(state, a, &contact.name)?;
    let mut row = LeadRow {
        id: new_id()?,
        assessment_id: a.id.clone(),
        name: contact.name.clone(),
        email: contact.email.clone(),
        email_key: contact.email_key.clone(),
        consent_version: consent_version(&consent),
        consent_text: consent,
        created_at: now_rfc3339(),
        client_addr: client.to_string(),
        mail_id: format!("report.{}", new_id()?),
        subject: email.subject,
        text_body: email.text,
        html_body: email.html,
        due_at_ms: webhooks::now_ms(),
        event: None,
    };
    if state.webhooks_enabled() {
        row.event = Some(db::EventRow {
            id: format!("msg_{}", new_id()?),
            event_type: LEAD_CREATED,
            payload: webhooks::lead_payload(&row.lead()).map_err(anyhow::Error::from)?,
            due_at_ms: webhooks::now_ms(),
        });
    }
    Ok(row)
}

/// The email of one report, rendered.
struct Email {
    subject: String,
    text: String,
    html: String,
}

#[derive(Template)]
#[template(path = "email/report.txt")]
struct TextBody<'a> {
    m: &'a EmailView<'a>,
}

#[derive(Template)]
#[template(path = "email/report.html")]
struct HtmlBody<'a> {
    m: &'a EmailView<'a>,
}

/// What both parts of the email say.
struct EmailView<'a> {
    name: &'a str,
    firm: &'a str,
    report: Report,
    link: String,
    /// The brand's colour (the shade that reads on white), for the heading rule and button.
    accent: String,
    /// White or dark ink, whichever reads on `accent`.
    accent_text: String,
    contact: String,
    website: Option<&'a str>,
    footer: Option<&'a str>,
}

impl Email {
    fn new(state: &AppState, a: &Assessment, name: &str) -> Result<Self> {
        let chrome = Chrome::owner(state);
        let brand = state.brand.as_deref();
        let report = Report::new(a);
        let contact = brand.map_or_else(
            || {
                state
                    .config
                    .mail_from
                    .as_ref()
                    .map(|m| m.email.to_string())
                    .unwrap_or_default()
            },
            |b| b.contact_email.clone(),
        );
        let view = EmailView {
            name,
            firm: chrome.name(),
            link: format!("{}/assessments/{}", state.config.public_origin(), a.id),
            accent: brand.map_or_else(
                || "#1f5fbf".to_owned(),
                |b| format!("#{}", b.accent.light.colour.hex()),
            ),
            accent_text: brand.map_or_else(
                || "#ffffff".to_owned(),
                |b| format!("#{}", b.accent.light.text.hex()),
            ),
            contact,
            website: brand.map(|b| b.website.as_str()),
            footer: brand.and_then(|b| b.footer.as_deref()),
            report,
        };
        let render = |e: askama::Error| AppError::Internal(e.into());
        Ok(Self {
            subject: format!(
                "Your IT support recommendation from {}: {}",
                view.firm, view.report.verdict
            ),
            text: TextBody { m: &view }.render().map_err(render)?,
            html: HtmlBody { m: &view }.render().map_err(render)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, email: &str, consent: bool) -> Request {
        Request {
            name: name.to_owned(),
            email: email.to_owned(),
            consent,
        }
    }

    fn fields(r: &Request) -> Vec<String> {
        match check(r) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().filter_map(|e| e.field).collect(),
        }
    }

    #[test]
    fn a_name_an_address_and_the_box_ticked_pass() {
        let ok = check(&request("  Ana Díaz ", " Ana@Example.COM ", true)).expect("valid");
        assert_eq!(ok.name, "Ana Díaz");
        assert_eq!(ok.email, "Ana@Example.COM");
        assert_eq!(ok.email_key, "ana@example.com");
    }

    #[test]
    fn every_problem_is_named_on_its_field() {
        assert_eq!(
            fields(&request("", "", false)),
            ["name", "email", "consent"]
        );
        assert_eq!(fields(&request("Ana", "ana@", true)), ["email"]);
        assert_eq!(fields(&request("Ana", "a b@example.com", true)), ["email"]);
        assert_eq!(
            fields(&request("Ana", "ana@example.com", false)),
            ["consent"]
        );
        assert_eq!(
            fields(&request("Ana\r\nBcc: x@y.z", "ana@example.com", true)),
            ["name"]
        );
        assert_eq!(
            fields(&request(&"a".repeat(101), "ana@example.com", true)),
            ["name"]
        );
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(fields(&request("Ana", &long, true)), ["email"]);
        // Invisible characters alone are no name.
        assert_eq!(
            fields(&request("\u{200b}\u{200b}", "ana@example.com", true)),
            ["name"]
        );
    }

    #[test]
    fn the_consent_version_follows_the_words() {
        let a = consent_version("I agree.");
        assert!(a.starts_with("sha256:") && a.len() == 23, "{a}");
        assert_eq!(a, consent_version("I agree."));
        assert_ne!(a, consent_version("I agree!"));
    }
}

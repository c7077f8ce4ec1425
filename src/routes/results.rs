//! The recommendation page: the verdict and everything that explains it.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::assessment::{self, Assessment};
use crate::error::Result;
use crate::result_cache::{self, Kind};
use crate::routes::embed;
use crate::routes::report::EmailForm;
use crate::rules::outcome::{Assumption, CostSpread, Warning};
use crate::rules::{Confidence, Verdict, questions};
use crate::sources::{self, Cited};
use crate::views::Chrome;
use crate::views::{self, CostChart, FactorChart, amount, money, number, signed};
use crate::{AppState, assets, erasure, report};

pub fn router() -> Router<AppState> {
    Router::new().route("/assessments/{id}", get(show))
}

pub struct FactorRow {
    pub label: String,
    pub points: String,
    pub favours: &'static str,
    pub managed: bool,
    pub explanation: String,
}

pub struct CostLine {
    pub label: String,
    pub amount: String,
    pub formula: String,
}

pub struct CostColumn {
    pub name: &'static str,
    pub expected: String,
    pub p10: String,
    pub p50: String,
    pub p90: String,
    /// The one-year-in-a-hundred cost; absent from older results.
    pub p99: Option<String>,
    pub lines: Vec<CostLine>,
    /// The model the page recommends, highlighted in the summary card.
    pub recommended: bool,
}

pub struct AssumptionRow {
    pub label: String,
    pub value: String,
    /// Where the value came from, in plain words ("Your answer", "Typical figure").
    pub origin: String,
    /// The stored source string, read into linked names and a note.
    pub source: Cited,
}

pub struct ChangeRow {
    pub description: String,
    pub to: &'static str,
    /// Whether the description already says where the change leads ("…, break/fix would come
    /// out ahead"), so the page does not name the verdict twice.
    pub says_verdict: bool,
}

/// An answer the rules found odd, with the question it is about.
pub struct WarningRow {
    /// The question's short name ("IT problems a month:"); empty when the warning is not about
    /// one answer.
    pub question: String,
    pub message: String,
}

impl WarningRow {
    pub fn new(w: &Warning) -> Self {
        Self {
            question: questions::find(&w.key)
                .map(|q| format!("{}:", q.summary_name()))
                .unwrap_or_default(),
            message: w.message.clone(),
        }
    }
}

/// The "embed this result" offer: the snippet and the oEmbed discovery address.
pub struct EmbedOffer {
    /// The page's own address, to copy and share.
    pub page_url: String,
    pub snippet: String,
    pub oembed_href: String,
    pub copy_js: String,
}

/// The report itself, rendered once and shown on the owner's page and the consultant's.
#[derive(Template)]
#[template(path = "report_partial.html")]
pub struct Report {
    pub id: String,
    pub company: String,
    pub date: String,
    pub rules_version: String,
    pub verdict: &'static str,
    pub verdict_code: &'static str,
    pub confidence: &'static str,
    pub confidence_code: &'static str,
    pub confidence_text: &'static str,
    /// What a positive score points to: "co-managed IT" for a business with full-time IT staff
    /// (rules 2027.01-1 on), "managed IT" otherwise.
    pub provider: &'static str,
    /// One quotable sentence; empty for older results, which then show none.
    pub summary: String,
    pub warnings: Vec<WarningRow>,
    pub score: String,
    pub notes: Vec<String>,
    pub factors: Vec<FactorRow>,
    pub factor_chart: FactorChart,
    pub cost_chart: CostChart,
    pub costs: Vec<CostColumn>,
    /// Whether the costs table has the one-year-in-a-hundred column.
    pub has_p99: bool,
    pub cheaper_expected: String,
    pub break_even: String,
    pub years: String,
    pub assumptions: Vec<AssumptionRow>,
    pub changes: Vec<ChangeRow>,
    /// The nearest change that would give another verdict, as a sentence, for the summary card.
    pub nearest_lever: Option<String>,
    pub next_steps: &'static [&'static str],
    pub is_managed: bool,
    pub is_break_fix: bool,
    pub is_co_managed: bool,
}

fn column(name: &'static str, code: &str, s: &CostSpread, verdict: Verdict) -> CostColumn {
    let recommended = matches!(
        (code, verdict),
        ("bf", Verdict::BreakFix) | ("ms", Verdict::Managed) | ("cm", Verdict::CoManaged)
    );
    CostColumn {
        recommended,
        name,
        expected: money(s.expected_annual),
        p10: money(s.p10),
        p50: money(s.p50),
        p90: money(s.p90),
        p99: s.p99.map(money),
        lines: s
            .components
            .iter()
            .map(|c| CostLine {
                label: c.label.clone(),
                amount: money(c.expected_annual),
                formula: c.formula.clone(),
            })
            .collect(),
    }
}

/// An assumption's value as an owner reads it: "1 hour", "1.6 hours", "10,000 years", "1.5%",
/// "$125 a person a month".
fn assumption_value(a: &Assumption) -> String {
    let v = a.value;
    // Dollars as the owner typed them ("$187.50"); whole dollars otherwise ("$186", not
    // "$186.30" for a worked-out yearly cost).
    let dollars = || {
        if a.origin == "answer" {
            amount(v)
        } else {
            money(v)
        }
    };
    match a.unit.as_str() {
        "USD" => dollars(),
        u if u.starts_with("USD ") => format!("{} {}", dollars(), rate(&u[4..])),
        // "1.5%", not "2%": a share keeps up to two decimals, as the rules file gives it.
        "share" => crate::rules::percent(v),
        // Multipliers are given to two decimals ("1.75×").
        "×" => format!("{}×", trimmed(v, 2)),
        "hours" => counted(v, "hour", "hours"),
        "days" => counted(v, "day", "days"),
        "years" => counted(v, "year", "years"),
        "people" => counted(v, "person", "people"),
        "" => figure(v),
        u => format!("{} {}", figure(v), rate(u)),
    }
}

/// "per user per month" → "a person a month"; a unit in another shape as it is.
fn rate(unit: &str) -> String {
    let Some(rest) = unit.strip_prefix("per ") else {
        return unit.to_owned();
    };
    rest.split(" per ")
        .map(|what| match what {
            "user" | "employee" | "person" => "a person".to_owned(),
            "hour" => "an hour".to_owned(),
            w if w.contains(' ') => format!("per {w}"),
            w => format!("a {w}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A number with its noun, singular for exactly one as shown: "1 hour", "1.6 hours".
fn counted(v: f64, one: &str, many: &str) -> String {
    let n = figure(v);
    format!("{n} {}", if n == "1" { one } else { many })
}

/// A figure rounded for reading: whole with separators from 100 up ("10,000"), one decimal from
/// 1 ("1.6"), two below 1 ("0.25"); no trailing zeros.
fn figure(v: f64) -> String {
    let a = v.abs();
    if a >= 99.95 {
        number(v.round())
    } else if a >= 0.995 {
        trimmed(v, 1)
    } else {
        trimmed(v, 2)
    }
}

fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// What the stored origin code means to an owner.
fn origin(code: &str) -> String {
    match code {
        "answer" => "Your answer".to_owned(),
        "default" => "Typical figure".to_owned(),
        "estimate" => "Worked out".to_owned(),
        other => other.to_owned(),
    }
}

/// Whether a what-would-change sentence goes on to say what would follow: "If the quote were
/// above $187, break/fix would come out ahead" does; "If you hired a full-time IT person" does not.
fn says_verdict(description: &str) -> bool {
    description
        .split_once(", ")
        .is_some_and(|(_, rest)| rest.contains(" would "))
}

#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsPage {
    pub chrome: Chrome,
    pub report: Report,
    /// `report` rendered by its own (auto-escaping) template.
    pub report_html: String,
    /// Present on the public results page, which offers the result for embedding.
    pub embed: Option<EmbedOffer>,
    /// The owner's private deletion link, on the first view after submitting only (never
    /// cached).
    pub delete_link: Option<String>,
    /// "Email me this report", when the server sends email.
    pub email_form: Option<EmailForm>,
}

impl ResultsPage {
    pub fn new(a: &Assessment, chrome: Chrome) -> crate::error::Result<Self> {
        let report = Report::new(a);
        let report_html = report
            .render()
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
        Ok(Self {
            chrome,
            report,
            report_html,
            embed: None,
            delete_link: None,
            email_form: None,
        })
    }

    /// The page owners see: under the brand, with the embed offer and, when the server sends
    /// email, the empty "Email me this report" form.
    pub fn owner(state: &AppState, a: &Assessment) -> Result<Self> {
        let mut page =
            Self::new(a, Chrome::owner(state))?.with_embed(&state.config.public_origin())?;
        page.email_form = report::enabled(state).then(|| EmailForm::empty(state, &a.id));
        Ok(page)
    }
}

impl Report {
    pub fn new(a: &Assessment) -> Self {
        let o = &a.outcome;
        let confidence_text = match o.confidence {
            Confidence::Strong => "Your answers point clearly one way.",
            Confidence::Moderate => "Most of your answers point this way, some point the other.",
            Confidence::CloseCall => {
                "Your answers are finely balanced: read the reasons and the costs before deciding."
            }
        };
        let provider = if o.factors.iter().any(|f| f.favours == Verdict::CoManaged) {
            "co-managed IT"
        } else {
            "managed IT"
        };
        let bf = &o.costs.break_fix;
        let ms = &o.costs.managed;
        let cheaper_expected = if (bf.expected_annual - ms.expected_annual).abs() < 1.0 {
            "In an average year both cost about the same.".to_owned()
        } else if bf.expected_annual < ms.expected_annual {
            format!(
                "In an average year break/fix costs about {} less.",
                money(ms.expected_annual - bf.expected_annual)
            )
        } else {
            format!(
                "In an average year managed IT costs about {} less.",
                money(bf.expected_annual - ms.expected_annual)
            )
        };
        Self {
            id: a.id.clone(),
            company: o
                .answers
                .get("company")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned(),
            date: a.created_at.get(..10).unwrap_or(&a.created_at).to_owned(),
            rules_version: o.rules_version.clone(),
            verdict: o.recommendation.label(),
            verdict_code: o.recommendation.code(),
            confidence: o.confidence.label(),
            confidence_code: o.confidence.code(),
            confidence_text,
            summary: o.summary.trim().to_owned(),
            warnings: o.warnings.iter().map(WarningRow::new).collect(),
            score: signed(o.score),
            provider,
            notes: o.notes.clone(),
            factors: o
                .factors
                .iter()
                .map(|f| FactorRow {
                    label: f.label.clone(),
                    points: signed(f.points),
                    favours: if f.points > 0.0 {
                        provider
                    } else {
                        "break/fix"
                    },
                    managed: f.points > 0.0,
                    explanation: f.explanation.clone(),
                })
                .collect(),
            factor_chart: views::factor_chart(&o.factors),
            cost_chart: views::cost_chart(&o.costs),
            costs: views::cost_models(&o.costs)
                .into_iter()
                .map(|(name, code, spread)| column(name, code, spread, o.recommendation))
                .collect(),
            has_p99: views::cost_models(&o.costs)
                .iter()
                .any(|(_, _, s)| s.p99.is_some()),
            cheaper_expected,
            break_even: money(o.costs.break_even_fee_per_user),
            years: views::thousands(f64::from(o.costs.years_simulated)),
            assumptions: o
                .assumptions
                .iter()
                .map(|x| AssumptionRow {
                    label: x.label.clone(),
                    value: assumption_value(x),
                    origin: origin(&x.origin),
                    source: sources::cite(&x.source),
                })
                .collect(),
            changes: o
                .what_would_change
                .iter()
                .map(|c| ChangeRow {
                    description: c.description.trim_end_matches('.').to_owned(),
                    to: c.recommendation.label(),
                    says_verdict: says_verdict(&c.description),
                })
                .collect(),
            nearest_lever: o.what_would_change.first().map(|c| {
                let d = c.description.trim_end_matches('.');
                if says_verdict(d) {
                    format!("{d}.")
                } else {
                    format!("{d}: {}.", c.recommendation.label())
                }
            }),
            next_steps: views::next_steps(o.recommendation),
            is_managed: o.recommendation == Verdict::Managed,
            is_break_fix: o.recommendation == Verdict::BreakFix,
            is_co_managed: o.recommendation == Verdict::CoManaged,
        }
    }
}

impl ResultsPage {
    /// Adds the embed snippet and oEmbed discovery for a server reached at `origin`.
    pub fn with_embed(mut self, origin: &str) -> Result<Self> {
        let page_url = format!("{origin}/assessments/{}", self.report.id);
        let query = serde_urlencoded::to_string([("url", page_url.as_str()), ("format", "json")])
            .map_err(anyhow::Error::from)?;
        self.embed = Some(EmbedOffer {
            page_url: page_url.clone(),
            snippet: embed::snippet(
                origin,
                &self.report.id,
                embed::DEFAULT_WIDTH,
                embed::DEFAULT_HEIGHT,
                &self.chrome,
            )?,
            oembed_href: format!("{origin}/oembed?{query}"),
            copy_js: assets::url_of("copy"),
        });
        Ok(self)
    }
}

/// The page of a stored result; rendered on first request, then served from memory.
async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    if let Some(token) = erasure::first_view_token(&headers) {
        return first_view(&state, &id, &token).await;
    }
    let rendered = state
        .results
        .get_or_render(Kind::Page, &id, render(&state, &id))
        .await?;
    Ok(result_cache::respond(Kind::Page, rendered, &headers))
}

/// The first view after the form: the page with the private deletion link, rendered for this
/// request only, and the cookie that carried the token cleared. A token that does not delete
/// this result is ignored.
async fn first_view(state: &AppState, id: &str, token: &str) -> Result<Response> {
    let a = assessment::load(state, id).await?;
    let mut page = ResultsPage::owner(state, &a)?;
    if erasure::check(state, id, token).await.is_ok() {
        page.delete_link = Some(erasure::delete_url(
            &state.config.public_origin(),
            id,
            token,
        ));
    }
    let html = page
        .render()
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok((
        [
            (header::SET_COOKIE, erasure::clear_first_view_cookie(id)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
        ],
        html,
    )
        .into_response())
}

async fn render(state: &AppState, id: &str) -> Result<Vec<u8>> {
    let a = assessment::load(state, id).await?;
    let page = ResultsPage::owner(state, &a)?;
    let html = page
        .render()
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok(html.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assumption(value: f64, unit: &str) -> Assumption {
        Assumption {
            key: "p".into(),
            label: "p".into(),
            value,
            unit: unit.into(),
            origin: "default".into(),
            source: "s".into(),
        }
    }

    fn shown(value: f64, unit: &str) -> String {
        assumption_value(&assumption(value, unit))
    }

    #[test]
    fn a_share_keeps_its_decimals() {
        assert_eq!(shown(0.015, "share"), "1.5%");
        assert_eq!(shown(0.5, "share"), "50%");
        assert_eq!(shown(0.0325, "share"), "3.25%");
    }

    #[test]
    fn hours_days_years_and_people_read_as_an_owner_would_say_them() {
        for (value, unit, text) in [
            (1.0, "hours", "1 hour"),
            (1.607, "hours", "1.6 hours"),
            (1.5, "hours", "1.5 hours"),
            (8.0, "hours", "8 hours"),
            (0.25, "hours", "0.25 hours"),
            (0.999, "hours", "1 hour"),
            (2080.0, "hours", "2,080 hours"),
            (1.0, "days", "1 day"),
            (5.0, "days", "5 days"),
            (10_000.0, "years", "10,000 years"),
            (3.0, "years", "3 years"),
            (1.0, "people", "1 person"),
            (12.5, "people", "12.5 people"),
            (5.0, "people", "5 people"),
            (36.0, "per year", "36 a year"),
            (1.5, "per year", "1.5 a year"),
            (1.75, "×", "1.75×"),
            (0.6, "×", "0.6×"),
            (1.0, "×", "1×"),
            (123.456, "", "123"),
            (2.345, "", "2.3"),
        ] {
            assert_eq!(shown(value, unit), text, "{value} {unit}");
        }
    }

    #[test]
    fn money_reads_in_dollars_with_a_plain_rate() {
        for (value, unit, text) in [
            (150_000.0, "USD", "$150,000"),
            (50.0, "USD", "$50"),
            (186.3, "USD", "$186"),
            (125.0, "USD per user per month", "$125 a person a month"),
            (150.0, "USD per hour", "$150 an hour"),
            (1234.56, "USD per hour", "$1,235 an hour"),
            (33.75, "USD per hour", "$34 an hour"),
            (
                150_000.0,
                "USD per employee per year",
                "$150,000 a person a year",
            ),
            (20.0, "USD per seat", "$20 a seat"),
            // A unit in another shape is kept as it is.
            (10.0, "USD each", "$10 each"),
            (3.0, "widgets", "3 widgets"),
        ] {
            assert_eq!(shown(value, unit), text, "{value} {unit}");
        }
    }

    #[test]
    fn dollars_the_owner_typed_keep_their_cents() {
        let typed = |value, unit: &str| Assumption {
            origin: "answer".into(),
            ..assumption(value, unit)
        };
        assert_eq!(
            assumption_value(&typed(187.5, "USD per user per month")),
            "$187.50 a person a month"
        );
        assert_eq!(
            assumption_value(&typed(140.0, "USD per hour")),
            "$140 an hour"
        );
        assert_eq!(
            assumption_value(&typed(1234.5, "USD per hour")),
            "$1,234.50 an hour"
        );
    }

    #[test]
    fn origins_read_as_plain_words() {
        assert_eq!(origin("answer"), "Your answer");
        assert_eq!(origin("default"), "Typical figure");
        assert_eq!(origin("estimate"), "Worked out");
        assert_eq!(origin("something new"), "something new");
    }

    #[test]
    fn every_assumption_of_a_real_result_reads_without_internal_references() {
        use crate::rules::{RuleSet, assess, fixtures};
        let rules = RuleSet::embedded().with_years(1000);
        let owners = [fixtures::dental_practice(), fixtures::tiny_studio()];
        let outcomes: Vec<_> = owners.iter().map(|o| assess(o, &rules)).collect();
        assert!(outcomes.iter().all(|o| o.assumptions.len() > 30));
        for a in outcomes.iter().flat_map(|o| &o.assumptions) {
            let value = assumption_value(a);
            assert!(
                !value.contains("1 hours") && !value.contains(" per "),
                "{value}"
            );
            let c = sources::cite(&a.source);
            assert!(
                !c.text.contains("DOMAIN") && !c.text.contains('§'),
                "{}: {}",
                a.key,
                c.text
            );
            assert!(
                c.note.is_some() || !c.sources.is_empty() || !c.text.is_empty(),
                "{}: nothing to show",
                a.key
            );
        }
    }
}

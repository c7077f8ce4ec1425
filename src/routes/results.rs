//! The recommendation page: the verdict and everything that explains it.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::assessment::{self, Assessment};
use crate::error::Result;
use crate::result_cache::{self, Kind};
use crate::routes::embed;
use crate::rules::outcome::{Assumption, CostSpread, Warning};
use crate::rules::{Confidence, Verdict, questions};
use crate::views::{self, CostChart, FactorChart, money, number, signed};
use crate::{AppState, assets};

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
    pub origin: String,
    pub source: String,
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
    /// The question as the owner read it; empty when the warning is not about one answer.
    pub question: String,
    pub message: String,
}

impl WarningRow {
    pub fn new(w: &Warning) -> Self {
        Self {
            question: questions::find(&w.key)
                .map(|q| q.label.to_owned())
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

fn assumption_value(a: &Assumption) -> String {
    match a.unit.as_str() {
        "USD" => money(a.value),
        u if u.starts_with("USD ") => format!("{} {}", money(a.value), &u[4..]),
        // "1.5%", not "2%": a share keeps up to two decimals, as the rules file gives it.
        "share" => crate::rules::percent(a.value),
        "×" => format!("{}×", number(a.value)),
        "" => number(a.value),
        u => format!("{} {u}", number(a.value)),
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
    pub css: String,
    pub report: Report,
    /// `report` rendered by its own (auto-escaping) template.
    pub report_html: String,
    /// Present on the public results page, which offers the result for embedding.
    pub embed: Option<EmbedOffer>,
}

impl ResultsPage {
    pub fn new(a: &Assessment) -> crate::error::Result<Self> {
        let report = Report::new(a);
        let report_html = report
            .render()
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
        Ok(Self {
            css: assets::css_url(),
            report,
            report_html,
            embed: None,
        })
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
                    origin: match x.origin.as_str() {
                        "answer" => "your answer".to_owned(),
                        "estimate" => "estimated".to_owned(),
                        other => other.to_owned(),
                    },
                    source: x.source.clone(),
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
    let rendered = state
        .results
        .get_or_render(Kind::Page, &id, render(&state, &id))
        .await?;
    Ok(result_cache::respond(Kind::Page, rendered, &headers))
}

async fn render(state: &AppState, id: &str) -> Result<Vec<u8>> {
    let a = assessment::load(state, id).await?;
    let page = ResultsPage::new(&a)?.with_embed(&state.config.public_origin())?;
    let html = page
        .render()
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok(html.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_keeps_its_decimals() {
        let share = |value| Assumption {
            key: "p".into(),
            label: "p".into(),
            value,
            unit: "share".into(),
            origin: "default".into(),
            source: "s".into(),
        };
        assert_eq!(assumption_value(&share(0.015)), "1.5%");
        assert_eq!(assumption_value(&share(0.5)), "50%");
        assert_eq!(assumption_value(&share(0.0325)), "3.25%");
    }
}

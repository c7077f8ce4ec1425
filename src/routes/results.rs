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
use crate::rules::outcome::{Assumption, CostSpread};
use crate::rules::{Confidence, Verdict};
use crate::views::{self, CostChart, FactorChart, money, signed};
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
    pub lines: Vec<CostLine>,
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
}

/// The "embed this result" offer: the snippet and the oEmbed discovery address.
pub struct EmbedOffer {
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
    pub score: String,
    pub notes: Vec<String>,
    pub factors: Vec<FactorRow>,
    pub factor_chart: FactorChart,
    pub cost_chart: CostChart,
    pub costs: Vec<CostColumn>,
    pub cheaper_expected: String,
    pub break_even: String,
    pub years: String,
    pub assumptions: Vec<AssumptionRow>,
    pub changes: Vec<ChangeRow>,
    pub next_steps: &'static [&'static str],
    pub is_managed: bool,
    pub is_break_fix: bool,
    pub is_co_managed: bool,
}

fn column(name: &'static str, s: &CostSpread) -> CostColumn {
    CostColumn {
        name,
        expected: money(s.expected_annual),
        p10: money(s.p10),
        p50: money(s.p50),
        p90: money(s.p90),
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
        "share" => format!("{:.0}%", a.value * 100.0),
        "×" => format!("{}×", trim_number(a.value)),
        "" => trim_number(a.value),
        u => format!("{} {u}", trim_number(a.value)),
    }
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        views::thousands(v)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
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
            score: signed(o.score),
            notes: o.notes.clone(),
            factors: o
                .factors
                .iter()
                .map(|f| FactorRow {
                    label: f.label.clone(),
                    points: signed(f.points),
                    favours: if f.points > 0.0 {
                        "managed"
                    } else {
                        "break/fix"
                    },
                    managed: f.points > 0.0,
                    explanation: f.explanation.clone(),
                })
                .collect(),
            factor_chart: views::factor_chart(&o.factors),
            cost_chart: views::cost_chart(&o.costs),
            costs: vec![column("Break/fix", bf), column("Managed", ms)],
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
                    description: c.description.clone(),
                    to: c.recommendation.label(),
                })
                .collect(),
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

//! Re-scoring a stored assessment under the current rules, shown beside the stored result,
//! which is never overwritten.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use super::detail::load;
use crate::AppState;
use crate::auth::Consultant;
use crate::error::{AppError, Result};
use crate::rules::{Answers, Outcome, assess};
use crate::views::Chrome;
use crate::views::signed;

pub struct FactorDiff {
    pub label: String,
    pub stored: String,
    pub current: String,
    pub differs: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultant/rescore.html")]
pub struct RescorePage {
    chrome: Chrome,
    csrf: String,
    id: String,
    stored_version: String,
    current_version: String,
    rows: Vec<FactorDiff>,
    factors: Vec<FactorDiff>,
    changed: bool,
}

fn diff(label: &str, stored: String, current: String) -> FactorDiff {
    FactorDiff {
        label: label.to_owned(),
        differs: stored != current,
        stored,
        current,
    }
}

pub async fn rescore(
    consultant: Consultant,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<RescorePage> {
    let (row, a) = load(&state, &id).await?;
    let answers: Answers = serde_json::from_str(&row.answers).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored answers {id} do not parse: {e}"))
    })?;
    let now = assess(&answers, &state.rules);
    let was = &a.outcome;
    let mut rows = vec![
        diff(
            "Rules version",
            was.rules_version.clone(),
            now.rules_version.clone(),
        ),
        diff(
            "Verdict",
            was.recommendation.label().to_owned(),
            now.recommendation.label().to_owned(),
        ),
        diff(
            "Confidence",
            was.confidence.label().to_owned(),
            now.confidence.label().to_owned(),
        ),
        diff("Score", signed(was.score), signed(now.score)),
    ];
    rows.extend(
        super::compare::cost_lines(&was.costs, &now.costs)
            .into_iter()
            .map(|(label, stored, current)| diff(label, stored, current)),
    );
    let mut keys: Vec<(String, String)> = Vec::new();
    for f in was.factors.iter().chain(&now.factors) {
        if !keys.iter().any(|(k, _)| *k == f.key) {
            keys.push((f.key.clone(), f.label.clone()));
        }
    }
    let points = |o: &Outcome, key: &str| {
        o.factors
            .iter()
            .find(|f| f.key == key)
            .map_or_else(|| "0".to_owned(), |f| signed(f.points))
    };
    let factors = keys
        .iter()
        .map(|(k, label)| diff(label, points(was, k), points(&now, k)))
        .collect();
    let changed = rows.iter().skip(1).any(|r| r.differs);
    Ok(RescorePage {
        chrome: Chrome::product(),
        csrf: consultant.csrf,
        id: a.id,
        stored_version: was.rules_version.clone(),
        current_version: now.rules_version,
        rows,
        factors,
        changed,
    })
}

//! Two assessments side by side, e.g. the same company a year apart, with the rows that differ
//! marked.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::display::{Badge, When, status_badge, verdict_badge, when};
use super::export::{answer_keys, answer_text, factor_keys};
use crate::AppState;
use crate::assessment::is_well_formed_id;
use crate::auth::Consultant;
use crate::db::review::{self, ReviewRow};
use crate::error::{AppError, Result};
use crate::rules::outcome::{CostSpread, Costs};
use crate::rules::{Outcome, questions};
use crate::views::Chrome;
use crate::views::{amount, money, signed};

#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    a: Option<String>,
    b: Option<String>,
}

/// The head of one column.
pub struct Side {
    pub id: String,
    pub company: String,
}

/// How a line's two values are shown: as text, as badges, or as times.
pub enum Show {
    Text,
    Badges(Badge, Badge),
    Times(When, When),
}

/// One compared line; `differs` when the two values are not the same.
pub struct Line {
    pub label: String,
    pub a: String,
    pub b: String,
    pub differs: bool,
    pub show: Show,
}

pub struct Group {
    pub title: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultant/compare.html")]
pub struct ComparePage {
    chrome: Chrome,
    csrf: String,
    a: String,
    b: String,
    errors: Vec<(&'static str, String)>,
    /// Set when the list's "compare the ticked two" did not send two: what went wrong, and the
    /// link back to the list as it was.
    ticked: Option<(String, String)>,
    sides: Vec<Side>,
    groups: Vec<Group>,
    differences: usize,
}

/// A loaded assessment and its parsed result.
struct Loaded {
    row: ReviewRow,
    outcome: Outcome,
}

async fn load(state: &AppState, id: &str) -> Result<Option<Loaded>> {
    if !is_well_formed_id(id) {
        return Ok(None);
    }
    let Some(row) = review::find_for_review(&state.db, id).await? else {
        return Ok(None);
    };
    let outcome = serde_json::from_str(&row.result).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored result {id} does not parse: {e}"))
    })?;
    Ok(Some(Loaded { row, outcome }))
}

fn company(o: &Outcome) -> String {
    match o.answers.get("company") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => "(no name given)".to_owned(),
    }
}

fn line(label: impl Into<String>, a: String, b: String) -> Line {
    Line {
        label: label.into(),
        differs: a != b,
        a,
        b,
        show: Show::Text,
    }
}

fn badge_line(label: &str, a: Badge, b: Badge) -> Line {
    Line {
        show: Show::Badges(a, b),
        ..line(label, a.label.to_owned(), b.label.to_owned())
    }
}

/// The yearly costs of two results side by side, as `(label, a, b)`. Lines that only results
/// from rules `2027.01-1` on have (p99, co-managed) appear when either side has the figure; the
/// other side then says it has none.
pub(super) fn cost_lines(x: &Costs, y: &Costs) -> Vec<(&'static str, String, String)> {
    let both = |f: &dyn Fn(&Costs) -> String| (f(x), f(y));
    let p99 = |s: &CostSpread| s.p99.map_or_else(|| "not estimated".to_owned(), money);
    let mut out = Vec::new();
    let model = |out: &mut Vec<_>, labels: [&'static str; 3], pick: fn(&Costs) -> &CostSpread| {
        let (a, b) = both(&|c| money(pick(c).expected_annual));
        out.push((labels[0], a, b));
        let (a, b) = both(&|c| money(pick(c).p90));
        out.push((labels[1], a, b));
        if pick(x).p99.is_some() || pick(y).p99.is_some() {
            let (a, b) = both(&|c| p99(pick(c)));
            out.push((labels[2], a, b));
        }
    };
    model(
        &mut out,
        [
            "Break/fix, average year",
            "Break/fix, bad year (90th percentile)",
            "Break/fix, 1 year in 100",
        ],
        |c| &c.break_fix,
    );
    model(
        &mut out,
        [
            "Managed, average year",
            "Managed, bad year (90th percentile)",
            "Managed, 1 year in 100",
        ],
        |c| &c.managed,
    );
    if x.co_managed.is_some() || y.co_managed.is_some() {
        let cm = |f: &dyn Fn(&CostSpread) -> String| {
            both(&|c| {
                c.co_managed
                    .as_ref()
                    .map_or_else(|| "not costed".to_owned(), f)
            })
        };
        let (a, b) = cm(&|s| money(s.expected_annual));
        out.push(("Co-managed, average year", a, b));
        let (a, b) = cm(&|s| money(s.p90));
        out.push(("Co-managed, bad year (90th percentile)", a, b));
        if [x, y]
            .iter()
            .any(|c| c.co_managed.as_ref().is_some_and(|s| s.p99.is_some()))
        {
            let (a, b) = cm(&p99);
            out.push(("Co-managed, 1 year in 100", a, b));
        }
    }
    let (a, b) = both(&|c| money(c.break_even_fee_per_user));
    out.push(("Break-even managed fee per person a month", a, b));
    out
}

/// Builds the compared lines, group by group.
fn groups(x: &Loaded, y: &Loaded) -> Vec<Group> {
    let (ox, oy) = (&x.outcome, &y.outcome);
    let both = |f: &dyn Fn(&Loaded) -> String| (f(x), f(y));

    let mut summary = Vec::new();
    let (a, b) = both(&|l| company(&l.outcome));
    summary.push(line("Company", a, b));
    let (a, b) = (when(&x.row.created_at), when(&y.row.created_at));
    summary.push(Line {
        show: Show::Times(a.clone(), b.clone()),
        ..line("Date (UTC)", a.text, b.text)
    });
    summary.push(line(
        "Rules version",
        ox.rules_version.clone(),
        oy.rules_version.clone(),
    ));
    summary.push(badge_line(
        "Status",
        status_badge(&x.row.status),
        status_badge(&y.row.status),
    ));
    summary.push(badge_line(
        "Verdict",
        verdict_badge(ox.recommendation.code()),
        verdict_badge(oy.recommendation.code()),
    ));
    summary.push(line(
        "Confidence",
        ox.confidence.label().to_owned(),
        oy.confidence.label().to_owned(),
    ));
    summary.push(line("Score", signed(ox.score), signed(oy.score)));

    let answer = |o: &Outcome, key: &str| {
        let v = o.answers.get(key);
        match v {
            Some(Value::String(s)) => questions::find(key)
                .and_then(|q| q.choices.iter().find(|c| c.code == s))
                .map_or_else(|| s.clone(), |c| c.label.to_owned()),
            Some(Value::Number(n)) if questions::find(key).is_some_and(|q| q.money) => {
                n.as_f64().map_or_else(|| n.to_string(), amount)
            }
            _ => answer_text(v),
        }
    };
    let answers = answer_keys()
        .filter(|(key, _)| *key != questions::COMPANY.key)
        .map(|(key, label)| line(label, answer(ox, key), answer(oy, key)))
        .collect();

    let points = |o: &Outcome, key: &str| {
        o.factors
            .iter()
            .find(|f| f.key == key)
            .map_or_else(|| "no push".to_owned(), |f| signed(f.points))
    };
    let factors = factor_keys()
        .map(|(key, label)| line(label, points(ox, key), points(oy, key)))
        .collect();

    let costs = cost_lines(&ox.costs, &oy.costs)
        .into_iter()
        .map(|(label, a, b)| line(label, a, b))
        .collect();

    vec![
        Group {
            title: "Summary",
            lines: summary,
        },
        Group {
            title: "Answers (defaults filled in)",
            lines: answers,
        },
        Group {
            title: "Points each factor gave",
            lines: factors,
        },
        Group {
            title: "Yearly costs",
            lines: costs,
        },
    ]
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// What the list's "compare the ticked two" sent: the ticked ids and the list's own query.
struct Ticked {
    ids: Vec<String>,
    list: String,
}

/// The ticks in a query string, when it came from the list's form (which always sends `list`).
fn ticked(raw: Option<&str>) -> Option<Ticked> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or("")).ok()?;
    let list = pairs.iter().find(|(k, _)| k == "list")?.1.clone();
    let ids = pairs
        .into_iter()
        .filter(|(k, v)| k == "pick" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    Some(Ticked { ids, list })
}

/// Why the ticks cannot be compared, or `None` when there are exactly two.
fn tick_problem(n: usize) -> Option<String> {
    match n {
        2 => None,
        0 => Some("No assessment was ticked: tick two to compare them.".to_owned()),
        1 => Some("Only one assessment was ticked: tick one more to compare the two.".to_owned()),
        n => Some(format!(
            "{n} assessments were ticked: a comparison shows two, so untick all but two."
        )),
    }
}

#[tracing::instrument(skip_all)]
pub async fn show(
    consultant: Consultant,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    Query(query): Query<CompareQuery>,
) -> Result<Response> {
    let mut page = ComparePage {
        chrome: Chrome::product(),
        csrf: consultant.csrf,
        a: query.a.clone().unwrap_or_default(),
        b: query.b.clone().unwrap_or_default(),
        errors: Vec::new(),
        ticked: None,
        sides: Vec::new(),
        groups: Vec::new(),
        differences: 0,
    };
    if let Some(t) = ticked(raw.as_deref()) {
        let Some(problem) = tick_problem(t.ids.len()) else {
            let pairs = [("a", &t.ids[0]), ("b", &t.ids[1])];
            let to = serde_urlencoded::to_string(pairs).map_err(anyhow::Error::from)?;
            return Ok(Redirect::to(&format!("/consultant/compare?{to}")).into_response());
        };
        let back = if t.list.is_empty() {
            "/consultant".to_owned()
        } else {
            format!("/consultant?{}", t.list)
        };
        page.ticked = Some((problem, back));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (Some(a), Some(b)) = (present(&query.a), present(&query.b)) else {
        return Ok(page.into_response());
    };
    let (x, y) = (load(&state, a).await?, load(&state, b).await?);
    for (field, name, id, found) in [
        ("a", "first", a, x.is_some()),
        ("b", "second", b, y.is_some()),
    ] {
        if !found {
            let shown: String = id.chars().take(40).collect();
            page.errors.push((
                field,
                format!("There is no assessment with the id “{shown}” (the {name} one)."),
            ));
        }
    }
    let (Some(x), Some(y)) = (x, y) else {
        return Ok((StatusCode::NOT_FOUND, page).into_response());
    };
    page.groups = groups(&x, &y);
    page.differences = page
        .groups
        .iter()
        .flat_map(|g| &g.lines)
        .filter(|l| l.differs)
        .count();
    page.sides = [&x, &y]
        .iter()
        .map(|l| Side {
            id: l.row.id.clone(),
            company: company(&l.outcome),
        })
        .collect();
    Ok(page.into_response())
}

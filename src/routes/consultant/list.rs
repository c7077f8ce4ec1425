//! The review list: newest first, filtered, keyset-paged.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::display::{Badge, When, status_badge, verdict_badge, when};
use super::filter::{ListQuery, RECOMMENDATIONS, STATUSES, sort_code};
use crate::AppState;
use crate::auth::Consultant;
use crate::db::review::{self, Count, Cursor, ListRow, Page, Sort};
use crate::error::Result;
use crate::views::Chrome;
use crate::views::{number, signed};

/// Rows a page.
pub const PAGE_SIZE: i64 = 50;

pub struct Row {
    pub id: String,
    pub company: String,
    pub date: When,
    pub employees: i64,
    pub verdict: Badge,
    pub confidence: String,
    pub score: String,
    pub status: Badge,
    /// Why the submission looks automated.
    pub flagged: Option<String>,
    /// Leads (reports asked for by email) the assessment has.
    pub leads: i64,
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultant/list.html")]
pub struct ListPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    q: String,
    from: String,
    to: String,
    tag: String,
    recommendations: Vec<Choice>,
    statuses: Vec<Choice>,
    flagged: Vec<Choice>,
    leads: Vec<Choice>,
    sorts: Vec<Choice>,
    errors: Vec<(&'static str, String)>,
    /// "123 assessments match", or as much as a quick count can say.
    matching: Option<String>,
    rows: Vec<Row>,
    next_link: Option<String>,
    first_link: Option<String>,
    more_to_search: Option<MoreToSearch>,
    export_query: String,
}

/// A page that stopped at its work budget: how far it searched and the link that carries on.
pub struct MoreToSearch {
    /// The date or score the search reached.
    reached: String,
    /// The assessments beyond that point, by the order: "older", "lower-scoring", ….
    beyond: &'static str,
    link: String,
}

fn more_to_search(sort: Sort, to: &Cursor, link: String) -> MoreToSearch {
    let date = || to.value.get(..10).unwrap_or(&to.value).to_owned();
    let score = || format!("score {}", signed(to.value.parse().unwrap_or(0.0)));
    let (reached, beyond) = match sort {
        Sort::NewestFirst => (date(), "older"),
        Sort::OldestFirst => (date(), "newer"),
        Sort::HighestScore => (score(), "lower-scoring"),
        Sort::LowestScore => (score(), "higher-scoring"),
    };
    MoreToSearch {
        reached,
        beyond,
        link,
    }
}

fn cursor_param(c: &Cursor) -> (&'static str, String) {
    ("after", format!("{}~{}", c.value, c.id))
}

fn row(r: ListRow) -> Row {
    Row {
        company: r
            .company
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "(no name given)".into()),
        date: when(&r.created_at),
        employees: r.employees,
        verdict: verdict_badge(&r.recommendation),
        confidence: r.confidence.replace('_', " "),
        score: signed(r.score),
        status: status_badge(&r.status),
        flagged: r.flagged,
        leads: r.lead_count,
        id: r.id,
    }
}

/// The sentence that says how many assessments match.
pub fn matching(count: Count) -> String {
    let n = |v: i64| number(v as f64);
    match count {
        Count::Exact(0) => "No assessments match.".to_owned(),
        Count::Exact(1) => "1 assessment matches.".to_owned(),
        Count::Exact(v) => format!("{} assessments match.", n(v)),
        Count::MoreThan(v) => format!(
            "More than {} assessments match (the count stops there to keep the page quick).",
            n(v)
        ),
        Count::AtLeast { found: 0, searched } => format!(
            "None of the newest {} assessments match; older ones were not counted, to keep the page quick.",
            n(searched)
        ),
        Count::AtLeast { found, searched } => format!(
            "At least {} {} among the newest {}; older ones were not counted, to keep the page quick.",
            n(found),
            if found == 1 {
                "assessment matches"
            } else {
                "assessments match"
            },
            n(searched)
        ),
    }
}

fn choices(values: &[&'static str], labels: &[&'static str], current: Option<&str>) -> Vec<Choice> {
    values
        .iter()
        .zip(labels)
        .map(|(v, l)| Choice {
            value: v,
            label: l,
            selected: current == Some(*v),
        })
        .collect()
}

pub async fn show(
    consultant: Consultant,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let selection = query.selection();
    // The count and the page at once, on two connections: the page waits for the slower of
    // the two instead of both (each can take tens of milliseconds at a million rows).
    let (count, page) = if selection.errors.is_empty() {
        let (count, page) = tokio::join!(
            review::count(&state.db, &selection.filter),
            review::list(
                &state.db,
                &selection.filter,
                selection.sort,
                selection.after.as_ref(),
                PAGE_SIZE + 1,
            )
        );
        (Some(count?), page?)
    } else {
        let nothing = Page {
            rows: Vec::new(),
            searched_to: None,
        };
        (None, nothing)
    };
    let has_more = page.rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<ListRow> = page.rows.into_iter().take(PAGE_SIZE as usize).collect();
    let next_link = match rows.last() {
        Some(last) if has_more => Some(format!(
            "/consultant?{}",
            query.query_string(&[cursor_param(&Cursor::of(selection.sort, last))])
        )),
        _ => None,
    };
    let more_to_search = page.searched_to.filter(|_| !has_more).map(|to| {
        let link = format!("/consultant?{}", query.query_string(&[cursor_param(&to)]));
        more_to_search(selection.sort, &to, link)
    });
    let first_link = selection
        .after
        .as_ref()
        .map(|_| format!("/consultant?{}", query.query_string(&[])));
    let status = if selection.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ListPage {
        chrome: Chrome::product(),
        csrf: consultant.csrf,
        email: consultant.email,
        q: query.q.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        tag: query.tag.clone().unwrap_or_default(),
        recommendations: choices(
            &RECOMMENDATIONS,
            &["Break/fix", "Managed", "Co-managed"],
            query.recommendation.as_deref(),
        ),
        statuses: choices(
            &STATUSES,
            &["New", "Contacted", "Proposal", "Won", "Lost", "Closed"],
            query.status.as_deref(),
        ),
        flagged: choices(
            &["yes", "no"],
            &["Flagged only", "Not flagged"],
            query.flagged.as_deref(),
        ),
        leads: choices(&["yes"], &["Has a lead"], query.lead.as_deref()),
        sorts: choices(
            &["newest", "oldest", "score_desc", "score_asc"],
            &[
                "Newest first",
                "Oldest first",
                "Highest score (most managed)",
                "Lowest score (most break/fix)",
            ],
            Some(sort_code(selection.sort)),
        ),
        errors: selection.errors,
        matching: count.map(matching),
        rows: rows.into_iter().map(row).collect(),
        next_link,
        first_link,
        more_to_search,
        export_query: query.query_string(&[]),
    };
    Ok((status, page).into_response())
}

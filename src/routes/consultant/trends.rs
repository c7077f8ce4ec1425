//! Trends across every stored assessment: verdicts by month, the spread of scores, the factors
//! that push most often, and how many verdicts were close calls. Charts are inline SVG made on
//! the server, each with a title, a description and the same numbers as a table.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::charts::{self, ColumnChart, ColumnData, PushChart, ShareBar};
use super::export::factor_keys;
use crate::AppState;
use crate::auth::Consultant;
use crate::db::review;
use crate::error::Result;
use crate::views::Chrome;
use crate::views::signed;

/// Months shown in the verdict chart: the latest ones that have assessments.
const MONTHS_SHOWN: usize = 12;

pub struct MonthRow {
    pub month: String,
    pub label: String,
    pub break_fix: i64,
    pub co_managed: i64,
    pub managed: i64,
    pub total: i64,
}

pub struct BucketRow {
    pub range: String,
    pub count: i64,
}

pub struct PushRow {
    pub label: String,
    pub managed: i64,
    pub break_fix: i64,
    pub average: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consultant/trends.html")]
pub struct TrendsPage {
    chrome: Chrome,
    csrf: String,
    total: i64,
    close_calls: i64,
    months: Vec<MonthRow>,
    month_chart: ColumnChart,
    month_desc: String,
    buckets: Vec<BucketRow>,
    score_chart: ColumnChart,
    score_desc: String,
    pushes: Vec<PushRow>,
    push_chart: PushChart,
    push_desc: String,
    share: ShareBar,
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "2026-03" → ("Mar", "2026").
fn month_parts(month: &str) -> (String, String) {
    let (year, m) = month.split_once('-').unwrap_or((month, ""));
    let name = m
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTH_NAMES.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or(m);
    (name.to_owned(), year.to_owned())
}

fn factor_label(key: &str) -> String {
    factor_keys()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.replace('_', " "), |(_, l)| l.to_owned())
}

fn month_rows(counts: Vec<(String, String, i64)>) -> Vec<MonthRow> {
    let mut by_month: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    for (month, verdict, n) in counts {
        let slot = by_month.entry(month).or_default();
        match verdict.as_str() {
            "break_fix" => slot[0] += n,
            "co_managed" => slot[1] += n,
            _ => slot[2] += n,
        }
    }
    let skip = by_month.len().saturating_sub(MONTHS_SHOWN);
    by_month
        .into_iter()
        .skip(skip)
        .map(|(month, [bf, cm, ms])| {
            let (name, year) = month_parts(&month);
            MonthRow {
                label: format!("{name} {year}"),
                month,
                break_fix: bf,
                co_managed: cm,
                managed: ms,
                total: bf + cm + ms,
            }
        })
        .collect()
}

#[tracing::instrument(skip_all)]
pub async fn show(consultant: Consultant, State(state): State<AppState>) -> Result<TrendsPage> {
    let (total, close_calls) = review::close_call_share(&state.db).await?;
    let (counts, histogram, pushes) = if total > 0 {
        (
            review::counts_by_month(&state.db).await?,
            review::score_histogram(&state.db).await?,
            review::factor_pushes(&state.db).await?,
        )
    } else {
        Default::default()
    };

    let months = month_rows(counts);
    let month_columns: Vec<_> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (name, year) = month_parts(&m.month);
            let year = if i == 0 || name == "Jan" {
                year
            } else {
                String::new()
            };
            ColumnData {
                label: name,
                sub_label: year,
                values: vec![
                    ("bar-bf", m.break_fix),
                    ("bar-cm", m.co_managed),
                    ("bar-ms", m.managed),
                ],
            }
        })
        .collect();
    let month_desc = months
        .iter()
        .map(|m| {
            format!(
                "{}: {} break/fix, {} co-managed, {} managed.",
                m.label, m.break_fix, m.co_managed, m.managed
            )
        })
        .collect::<Vec<_>>()
        .join(" ");

    let filled = charts::fill_buckets(&histogram);
    let crowded = filled.len() > 16;
    let score_columns: Vec<_> = filled
        .iter()
        .enumerate()
        .map(|(i, (label, start, n))| {
            let label = if crowded && i % 2 == 1 {
                String::new()
            } else {
                label.clone()
            };
            ColumnData {
                label,
                sub_label: String::new(),
                values: vec![(if *start < 0 { "bar-bf" } else { "bar-ms" }, *n)],
            }
        })
        .collect();
    let buckets: Vec<BucketRow> = filled
        .iter()
        .map(|(label, start, n)| BucketRow {
            range: format!("{label} to {}", charts::signed_whole(start + 2)),
            count: *n,
        })
        .collect();
    let score_desc = buckets
        .iter()
        .map(|b| format!("{}: {}.", b.range, b.count))
        .collect::<Vec<_>>()
        .join(" ");

    let mut pushes: Vec<(String, i64, i64, f64)> = pushes
        .into_iter()
        .map(|(key, ms, bf, avg)| (factor_label(&key), ms, bf, avg))
        .collect();
    pushes.sort_by(|a, b| (b.1 + b.2).cmp(&(a.1 + a.2)).then_with(|| a.0.cmp(&b.0)));
    let push_chart = charts::push_chart(
        &pushes
            .iter()
            .map(|(l, ms, bf, _)| (l.clone(), *bf, *ms))
            .collect::<Vec<_>>(),
    );
    let push_desc = pushes
        .iter()
        .map(|(l, ms, bf, _)| format!("{l}: {ms} times towards managed, {bf} towards break/fix."))
        .collect::<Vec<_>>()
        .join(" ");
    let pushes = pushes
        .into_iter()
        .map(|(label, managed, break_fix, avg)| PushRow {
            label,
            managed,
            break_fix,
            average: signed(avg),
        })
        .collect();

    Ok(TrendsPage {
        chrome: Chrome::product(),
        csrf: consultant.csrf,
        total,
        close_calls,
        month_chart: charts::column_chart(&month_columns),
        months,
        month_desc,
        score_chart: charts::column_chart(&score_columns),
        buckets,
        score_desc,
        push_chart,
        pushes,
        push_desc,
        share: charts::share_bar(total, close_calls),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_grouped_and_only_the_latest_twelve_kept() {
        let mut counts = Vec::new();
        for m in 1..=12 {
            counts.push((format!("2025-{m:02}"), "managed".to_owned(), 1));
        }
        counts.push(("2026-01".into(), "break_fix".into(), 2));
        counts.push(("2026-01".into(), "managed".into(), 3));
        let rows = month_rows(counts);
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[0].month, "2025-02");
        let last = rows.last().unwrap();
        assert_eq!(
            (
                last.label.as_str(),
                last.break_fix,
                last.managed,
                last.total
            ),
            ("Jan 2026", 2, 3, 5)
        );
    }
}

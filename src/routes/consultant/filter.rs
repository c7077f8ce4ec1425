//! The review selection as it lives in the URL: parsed once, validated, and written back into
//! links so filters survive paging and can be bookmarked.

use serde::Deserialize;
use time::Date;
use time::macros::format_description;

use crate::assessment::is_well_formed_id;
use crate::db::review::{Cursor, Filter, Sort};
use crate::rules::text;

/// Pipeline stages, in order.
pub const STATUSES: [&str; 6] = ["new", "contacted", "proposal", "won", "lost", "closed"];
pub const RECOMMENDATIONS: [&str; 3] = ["break_fix", "managed", "co_managed"];

/// The query string as sent. Empty values count as absent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub recommendation: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
    /// `yes`: only submissions flagged as suspicious; `no`: only the others.
    pub flagged: Option<String>,
    /// `yes`: only assessments whose owner asked for the report by email (a lead).
    pub lead: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
}

/// A validated selection and the problems found, field by field.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub filter: Filter,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub errors: Vec<(&'static str, String)>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_date(v: &str) -> Option<Date> {
    Date::parse(v, format_description!("[year]-[month]-[day]")).ok()
}

pub fn sort_code(sort: Sort) -> &'static str {
    match sort {
        Sort::NewestFirst => "newest",
        Sort::OldestFirst => "oldest",
        Sort::HighestScore => "score_desc",
        Sort::LowestScore => "score_asc",
    }
}

impl ListQuery {
    pub fn selection(&self) -> Selection {
        let mut s = Selection::default();
        // What is stored has no invisible characters, so a search keeps none either.
        if let Some(q) = present(&self.q).map(text::visible) {
            let q = q.trim();
            if q.chars().count() > 200 {
                s.errors
                    .push(("q", "Search for at most 200 characters.".into()));
            } else if !q.is_empty() {
                s.filter.q = Some(q.to_owned());
            }
        }
        if let Some(r) = present(&self.recommendation) {
            if RECOMMENDATIONS.contains(&r) {
                s.filter.recommendation = Some(r.to_owned());
            } else {
                s.errors.push((
                    "recommendation",
                    "Choose break/fix, managed or co-managed.".into(),
                ));
            }
        }
        let from = present(&self.from).map(|v| (v, parse_date(v)));
        let to = present(&self.to).map(|v| (v, parse_date(v)));
        match from {
            Some((_, Some(d))) => s.filter.from = Some(format!("{d}T00:00:00Z")),
            Some((_, None)) => s.errors.push((
                "from",
                "Enter the date as YYYY-MM-DD, for example 2026-01-31.".into(),
            )),
            None => {}
        }
        match to {
            Some((_, Some(d))) => match d.next_day() {
                Some(next) => s.filter.to_before = Some(format!("{next}T00:00:00Z")),
                None => s
                    .errors
                    .push(("to", "That date is too far in the future.".into())),
            },
            Some((_, None)) => s.errors.push((
                "to",
                "Enter the date as YYYY-MM-DD, for example 2026-12-31.".into(),
            )),
            None => {}
        }
        if let (Some((_, Some(f))), Some((_, Some(t)))) = (from, to)
            && f > t
        {
            s.errors
                .push(("to", "The end date is before the start date.".into()));
        }
        if let Some(st) = present(&self.status) {
            if STATUSES.contains(&st) {
                s.filter.status = Some(st.to_owned());
            } else {
                s.errors
                    .push(("status", format!("Choose one of: {}.", STATUSES.join(", "))));
            }
        }
        if let Some(t) = present(&self.tag) {
            match normalise_tag(t) {
                Some(t) => s.filter.tag = Some(t),
                None => s.errors.push((
                    "tag",
                    "Tags are up to 40 letters, digits, spaces or dashes.".into(),
                )),
            }
        }
        match present(&self.flagged) {
            Some("yes") => s.filter.flagged = Some(true),
            Some("no") => s.filter.flagged = Some(false),
            Some(_) => s
                .errors
                .push(("flagged", "Choose yes or no for flagged.".into())),
            None => {}
        }
        match present(&self.lead) {
            Some("yes") => s.filter.has_lead = true,
            Some(_) => s.errors.push((
                "lead",
                "Choose yes for only the assessments with a lead, or leave it empty.".into(),
            )),
            None => {}
        }
        s.sort = match present(&self.sort) {
            None | Some("newest") => Sort::NewestFirst,
            Some("oldest") => Sort::OldestFirst,
            Some("score_desc") => Sort::HighestScore,
            Some("score_asc") => Sort::LowestScore,
            Some(_) => {
                s.errors.push((
                    "sort",
                    "Sort by newest, oldest, score_desc or score_asc.".into(),
                ));
                Sort::NewestFirst
            }
        };
        if let Some(a) = present(&self.after) {
            match a.rsplit_once('~') {
                Some((value, id)) if is_well_formed_id(id) && value.len() <= 40 => {
                    let value_ok = match s.sort {
                        Sort::HighestScore | Sort::LowestScore => {
                            value.parse::<f64>().is_ok_and(f64::is_finite)
                        }
                        _ => !value.is_empty(),
                    };
                    if value_ok {
                        s.after = Some(Cursor {
                            value: value.to_owned(),
                            id: id.to_owned(),
                        });
                    } else {
                        s.errors.push((
                            "after",
                            "That page link is broken; start again from the first page.".into(),
                        ));
                    }
                }
                _ => s.errors.push((
                    "after",
                    "That page link is broken; start again from the first page.".into(),
                )),
            }
        }
        s
    }

    /// The filters (not the page position) as query pairs, for links and exports.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("q", &self.q),
            ("recommendation", &self.recommendation),
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
            ("tag", &self.tag),
            ("flagged", &self.flagged),
            ("lead", &self.lead),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| present(v).map(|v| (k, v.to_owned())))
        .collect()
    }

    /// The query string of the filters, with extra pairs appended.
    pub fn query_string(&self, extra: &[(&'static str, String)]) -> String {
        let mut pairs = self.filter_pairs();
        pairs.extend(extra.iter().cloned());
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// A tag as stored: trimmed, lower-case, 1–40 characters of letters, digits, spaces, dashes.
pub fn normalise_tag(t: &str) -> Option<String> {
    let t = text::visible(t).trim().to_lowercase();
    let ok = !t.is_empty()
        && t.chars().count() <= 40
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_');
    ok.then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> ListQuery {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn dates_become_an_inclusive_range() {
        let s = q(&[("from", "2026-01-01"), ("to", "2026-01-31")]).selection();
        assert!(s.errors.is_empty());
        assert_eq!(s.filter.from.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(s.filter.to_before.as_deref(), Some("2026-02-01T00:00:00Z"));
    }

    #[test]
    fn nonsense_is_reported_per_field() {
        let s = q(&[
            ("from", "yesterday"),
            ("recommendation", "maybe"),
            ("sort", "random"),
            ("after", "x"),
        ])
        .selection();
        let fields: Vec<_> = s.errors.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["recommendation", "from", "sort", "after"]);
    }

    #[test]
    fn the_lead_filter_takes_yes_and_nothing_else() {
        let s = q(&[("lead", "yes")]).selection();
        assert!(s.errors.is_empty());
        assert!(s.filter.has_lead);
        assert!(!q(&[("lead", "")]).selection().filter.has_lead);
        let s = q(&[("lead", "maybe")]).selection();
        assert_eq!(s.errors.iter().map(|e| e.0).collect::<Vec<_>>(), ["lead"]);
        assert_eq!(q(&[("lead", "yes")]).query_string(&[]), "lead=yes");
    }

    #[test]
    fn filters_survive_into_links_without_the_page_position() {
        let query = q(&[("q", "dental & co"), ("status", "won"), ("after", "a~b")]);
        assert_eq!(query.query_string(&[]), "q=dental+%26+co&status=won");
    }
}

//! The CSV export: one flat row per assessment, for spreadsheets.

use serde::Deserialize;
use serde_json::Value;

use super::stream::{CHUNK_BYTES, Encoder};
use super::{answer_keys, answer_text, export_leads, factor_keys};
use crate::db::review::ExportRow;
use crate::rules::questions::LIGHT_USERS;

/// A spreadsheet runs a cell that starts with one of these as a formula (`-` and `+` too: `-2+3`
/// is a sum, and `-cmd|…` has been used to run programs); a leading `'` makes it text. Applied
/// to every text cell, whoever wrote it (about one id in 64 starts with `-`); numbers are
/// written as numbers and never pass through here.
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// An answer as a cell: numbers as numbers, everything else as defused text.
fn answer_cell(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(n)) => n.to_string(),
        other => defuse(&answer_text(other)),
    }
}

/// The parts of a stored result the CSV needs; everything else is skipped while parsing.
#[derive(Deserialize)]
struct CsvResult {
    answers: serde_json::Map<String, Value>,
    recommendation: String,
    confidence: String,
    score: f64,
    factors: Vec<CsvFactor>,
    costs: CsvCosts,
    /// Empty in results made before rules `2027.01-1`.
    #[serde(default)]
    summary: String,
    #[serde(default)]
    warnings: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct CsvFactor {
    key: String,
    points: f64,
}

#[derive(Deserialize)]
struct CsvCosts {
    break_fix: CsvSpread,
    managed: CsvSpread,
    #[serde(default)]
    co_managed: Option<CsvSpread>,
    break_even_fee_per_user: f64,
}

#[derive(Deserialize)]
struct CsvSpread {
    expected_annual: f64,
    p10: f64,
    p50: f64,
    p90: f64,
    #[serde(default)]
    p99: Option<f64>,
}

/// The CSV columns, in order.
fn csv_header() -> Vec<String> {
    let mut h: Vec<String> = ["id", "created_at", "rules_version", "status"]
        .map(String::from)
        .into();
    h.extend(positional_answers().map(|(k, _)| k.to_owned()));
    h.extend(["recommendation", "confidence", "score"].map(String::from));
    h.extend(factor_keys().map(|(k, _)| format!("points_{k}")));
    for model in ["break_fix", "managed"] {
        h.extend(["expected", "p10", "p50", "p90"].map(|p| format!("{model}_{p}")));
    }
    h.extend(["break_even_fee_per_user", "tags", "notes"].map(String::from));
    // Newer columns go last so that spreadsheets reading by position keep working.
    h.extend(["summary", "warnings", LIGHT_USERS.key].map(String::from));
    h.extend(["break_fix_p99", "managed_p99"].map(String::from));
    h.extend(["expected", "p10", "p50", "p90", "p99"].map(|p| format!("co_managed_{p}")));
    h.extend(LEAD_COLUMNS.map(String::from));
    h
}

/// The leads' columns: how many, then the latest lead's name, email, when they consented and
/// the version of the consent text they saw (empty without leads).
const LEAD_COLUMNS: [&str; 5] = [
    "lead_count",
    "latest_lead_name",
    "latest_lead_email",
    "latest_lead_consented_at",
    "latest_lead_consent_version",
];

/// The answers in the columns they have always had: every answer but those added later, which
/// come last.
fn positional_answers() -> impl Iterator<Item = (&'static str, &'static str)> {
    answer_keys().filter(|(k, _)| *k != LIGHT_USERS.key)
}

/// A figure an older result may not have: empty then.
fn optional(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

pub(super) struct CsvEncoder {
    writer: csv::Writer<Vec<u8>>,
    header_written: bool,
}

impl CsvEncoder {
    pub(super) fn new() -> Self {
        Self {
            writer: Self::writer(),
            header_written: false,
        }
    }

    fn writer() -> csv::Writer<Vec<u8>> {
        csv::Writer::from_writer(Vec::with_capacity(CHUNK_BYTES + 4096))
    }

    fn header(&mut self) -> anyhow::Result<()> {
        if !self.header_written {
            self.writer.write_record(csv_header())?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl Encoder for CsvEncoder {
    fn row(&mut self, row: ExportRow) -> anyhow::Result<()> {
        self.header()?;
        let r: CsvResult = serde_json::from_str(&row.result)
            .map_err(|e| anyhow::anyhow!("stored result {} does not parse: {e}", row.id))?;
        let leads = export_leads(&row)?;
        let mut cells = Vec::with_capacity(48);
        cells.extend([row.id, row.created_at, row.rules_version, row.status].map(|t| defuse(&t)));
        cells.extend(positional_answers().map(|(key, _)| answer_cell(r.answers.get(key))));
        cells.extend([r.recommendation, r.confidence].map(|t| defuse(&t)));
        cells.push(r.score.to_string());
        for (key, _) in factor_keys() {
            let points = r
                .factors
                .iter()
                .find(|f| f.key == key)
                .map_or(0.0, |f| f.points);
            cells.push(points.to_string());
        }
        for s in [&r.costs.break_fix, &r.costs.managed] {
            cells.extend([s.expected_annual, s.p10, s.p50, s.p90].map(|v| v.to_string()));
        }
        cells.push(r.costs.break_even_fee_per_user.to_string());
        cells.push(defuse(row.tags.as_deref().unwrap_or_default()));
        cells.push(defuse(row.notes.as_deref().unwrap_or_default()));
        cells.push(defuse(&r.summary));
        cells.push(r.warnings.len().to_string());
        cells.push(answer_cell(r.answers.get(LIGHT_USERS.key)));
        cells.push(optional(r.costs.break_fix.p99));
        cells.push(optional(r.costs.managed.p99));
        let co = r.costs.co_managed.as_ref();
        cells.extend(
            [
                co.map(|c| c.expected_annual),
                co.map(|c| c.p10),
                co.map(|c| c.p50),
                co.map(|c| c.p90),
                co.and_then(|c| c.p99),
            ]
            .map(optional),
        );
        cells.push(leads.len().to_string());
        match leads.last() {
            // The owner typed the name and the address: defused like every text cell.
            Some(l) => cells
                .extend([&l.name, &l.email, &l.created_at, &l.consent_version].map(|t| defuse(t))),
            None => cells.extend(std::iter::repeat_n(String::new(), 4)),
        }
        self.writer.write_record(&cells)?;
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        self.header()
    }

    fn buffered(&self) -> usize {
        self.writer.get_ref().len()
    }

    fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        // The writer keeps a buffer of its own; handing over the bytes means finishing it.
        let full = std::mem::replace(&mut self.writer, Self::writer());
        full.into_inner()
            .map_err(|e| anyhow::anyhow!("csv buffer: {}", e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_defused() {
        for bad in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-2+3",
            "-cmd|' /C calc'!A0",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "\nx",
        ] {
            assert_eq!(defuse(bad), format!("'{bad}"));
        }
        assert_eq!(defuse("Harbour Dental"), "Harbour Dental");
        assert_eq!(defuse("Smith-Jones"), "Smith-Jones");
        assert_eq!(defuse(""), "");
    }

    #[test]
    fn numeric_answers_stay_numbers_and_text_answers_are_defused() {
        assert_eq!(answer_cell(Some(&serde_json::json!(-3.5))), "-3.5");
        assert_eq!(answer_cell(Some(&serde_json::json!(20))), "20");
        assert_eq!(answer_cell(Some(&serde_json::json!("-5"))), "'-5");
        assert_eq!(answer_cell(Some(&serde_json::json!("growing"))), "growing");
        assert_eq!(answer_cell(None), "");
    }

    #[test]
    fn the_header_names_every_answer_and_factor() {
        let h = csv_header();
        let answers = answer_keys().count();
        let factors = factor_keys().count();
        // Every answer, with light_users moved to the newer columns at the end.
        assert_eq!(h.len(), 4 + answers + 3 + factors + 8 + 3 + 2 + 7 + 5);
        assert_eq!(h[4 + answers - 2], "downtime_cost_per_hour");
        assert_eq!(
            &h[h.len() - 13..h.len() - 11],
            ["light_users", "break_fix_p99"]
        );
        assert!(h.contains(&"downtime_cost_per_hour".to_owned()));
        assert!(h.contains(&"points_costs".to_owned()));
        assert_eq!(
            h[h.len() - 16..h.len() - 13],
            ["notes", "summary", "warnings"]
        );
        assert_eq!(h[h.len() - 6], "co_managed_p99");
        assert_eq!(&h[h.len() - 5..], LEAD_COLUMNS);
    }
}

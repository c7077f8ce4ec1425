//! What the advisor gives back: the verdict, its reasons, the money, and what would change it.
//! These types are serialised as the assessment JSON of the contract and stored verbatim, so a
//! stored result renders exactly as it was given.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The three support models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    BreakFix,
    Managed,
    CoManaged,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::BreakFix => "break_fix",
            Verdict::Managed => "managed",
            Verdict::CoManaged => "co_managed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::BreakFix => "Break/fix",
            Verdict::Managed => "Managed IT services",
            Verdict::CoManaged => "Co-managed IT",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "break_fix" => Some(Verdict::BreakFix),
            "managed" => Some(Verdict::Managed),
            "co_managed" => Some(Verdict::CoManaged),
            _ => None,
        }
    }
}

/// How sure the advisor is, from the margin between the score and the verdict's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Strong,
    Moderate,
    CloseCall,
}

impl Confidence {
    pub fn code(self) -> &'static str {
        match self {
            Confidence::Strong => "strong",
            Confidence::Moderate => "moderate",
            Confidence::CloseCall => "close_call",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Confidence::Strong => "Strong",
            Confidence::Moderate => "Moderate",
            Confidence::CloseCall => "Close call",
        }
    }
}

/// One answer's push. `points` > 0 favours managed, < 0 break/fix; all points add up to the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Factor {
    /// The answer key (or `costs` for the cost comparison).
    pub key: String,
    /// Short name of what the factor is about, for headings and charts.
    pub label: String,
    pub points: f64,
    /// `managed` or `break_fix`, from the sign of `points`.
    pub favours: Verdict,
    /// A plain-language sentence that refers to the owner's own answer.
    pub explanation: String,
}

/// The yearly cost of one support model and how it spreads over simulated years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CostSpread {
    pub expected_annual: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    /// The one-year-in-a-hundred cost (rules `2027.01-1` on; absent from older results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<f64>,
    /// What the expected cost is made of, so the arithmetic can be checked.
    pub components: Vec<CostComponent>,
}

/// One line of the expected-cost arithmetic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CostComponent {
    pub key: String,
    pub label: String,
    pub expected_annual: f64,
    /// The formula with the owner's numbers in it, e.g. "36 incidents × $262".
    pub formula: String,
}

/// The money side of the assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Costs {
    pub currency: String,
    pub break_fix: CostSpread,
    pub managed: CostSpread,
    /// Own IT staff plus a provider: present whenever the business has part-time or dedicated IT
    /// people (rules `2027.01-1` on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_managed: Option<CostSpread>,
    /// The managed fee per user per month at which both models cost the same in expectation.
    pub break_even_fee_per_user: f64,
    /// How many simulated years the spread comes from.
    pub years_simulated: u32,
}

/// One assumption the cost model used, with its value and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assumption {
    pub key: String,
    pub label: String,
    pub value: f64,
    /// How to read the value: "USD", "USD per hour", "per year", "share", "hours", "×".
    pub unit: String,
    /// `answer` when the owner gave it, `default` from the rules, `estimate` when derived.
    pub origin: String,
    /// Where the default comes from (a source named in the research notes).
    pub source: String,
}

/// A single-answer change that would give a different recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub key: String,
    pub from: serde_json::Value,
    pub to: serde_json::Value,
    pub recommendation: Verdict,
    /// The change in words, e.g. "If you hired a full-time IT person".
    pub description: String,
}

/// An answer, or a combination of answers, that looks contradictory or implausible. It never
/// blocks the verdict; it asks the owner to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    /// The answer key the warning is about.
    pub key: String,
    pub message: String,
}

/// The full result of `assess`: everything but the id and the creation time, which storage adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    pub rules_version: String,
    /// Every answer key with the defaults the rules filled in.
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, serde_json::Value>,
    pub recommendation: Verdict,
    pub confidence: Confidence,
    /// One sentence an owner can quote: the verdict, the main reason and the money (rules
    /// `2027.01-1` on; empty for older results).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Odd or contradictory answers, `[]` when nothing is odd (rules `2027.01-1` on).
    #[serde(default)]
    pub warnings: Vec<Warning>,
    pub score: f64,
    /// Largest push first.
    pub factors: Vec<Factor>,
    pub costs: Costs,
    pub what_would_change: Vec<Change>,
    /// Every number the cost model used.
    pub assumptions: Vec<Assumption>,
    /// Why the verdict is what it is when an override rule decided it rather than the score alone,
    /// and warnings such as a break/fix tail risk.
    pub notes: Vec<String>,
}

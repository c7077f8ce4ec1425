//! The questions as an owner reads them: wording, hints, sections and limits. One source for the
//! HTML form and for `GET /api/v1/questionnaire`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::rules::DefaultCosts as CostDefaults;
pub use crate::rules::questions::Kind;
use crate::rules::questions::{self as q};

/// One allowed value of a choice question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub hint: &'static str,
}

/// One question of the questionnaire.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Question {
    pub key: &'static str,
    pub kind: Kind,
    pub label: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub hint: &'static str,
    pub required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// The value the rules use when the question is left empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<f64>,
    /// Where the default comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_source: Option<String>,
    /// For a count an owner may only guess: a typical value per person using IT (`employees`),
    /// which the form offers pre-filled from the headcount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_per_person: Option<f64>,
}

/// A group of questions shown together.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub intro: &'static str,
    pub questions: Vec<Question>,
}

/// The form's and the JSON's view of a question, as its descriptor gives it.
fn question(d: &q::Question) -> Question {
    Question {
        key: d.key,
        kind: d.kind,
        label: d.label,
        hint: d.hint,
        required: d.required,
        choices: d
            .choices
            .iter()
            .map(|c| Choice {
                value: c.code,
                label: c.label,
                hint: c.hint,
            })
            .collect(),
        min: d.range.map(|r| r.0),
        max: d.range.map(|r| r.1),
        max_length: d.max_length,
        default: None,
        default_source: None,
        suggested_per_person: None,
    }
}

fn optional(d: &q::Question, default: Option<f64>, source: String) -> Question {
    let mut q = question(d);
    q.default = default;
    q.default_source = Some(source);
    q
}

/// The whole questionnaire, in the order an owner answers it. With JavaScript each section is
/// one step, so sections stay about the same size (three or four questions).
pub fn sections(defaults: &CostDefaults) -> Vec<Section> {
    vec![
        Section {
            id: "business",
            title: "Your business",
            intro: "",
            questions: [q::COMPANY, q::EMPLOYEES, q::LIGHT_USERS, q::GROWTH]
                .iter()
                .map(question)
                .collect(),
        },
        Section {
            id: "usage",
            title: "How you use IT",
            intro: "IT here means your computers, phones, internet, email, files and business software.",
            questions: [q::IT_RELIANCE, q::COMPLEXITY, q::INCIDENTS_PER_MONTH]
                .iter()
                .map(|d| {
                    let mut q = question(d);
                    if d.key == q::INCIDENTS_PER_MONTH.key {
                        q.suggested_per_person = Some(defaults.incidents_per_user_month);
                    }
                    q
                })
                .collect(),
        },
        Section {
            id: "support",
            title: "Support and security",
            intro: "",
            questions: [q::SUPPORT_HOURS, q::SECURITY, q::IN_HOUSE_IT]
                .iter()
                .map(question)
                .collect(),
        },
        Section {
            id: "money",
            title: "Money and control",
            intro: "",
            questions: [q::BUDGET, q::COST_PREFERENCE, q::CONTROL]
                .iter()
                .map(question)
                .collect(),
        },
        Section {
            id: "assumptions",
            title: "Adjust the assumptions",
            intro: "All three are optional: leave them empty to use typical figures. If you have real quotes or numbers, use them: the cost comparison gets sharper.",
            questions: vec![
                optional(
                    &q::HOURLY_RATE,
                    Some(defaults.hourly_rate),
                    defaults.hourly_rate_source.clone(),
                ),
                optional(
                    &q::MANAGED_FEE_PER_USER,
                    Some(defaults.managed_fee_per_user),
                    defaults.managed_fee_source.clone(),
                ),
                optional(
                    &q::DOWNTIME_COST_PER_HOUR,
                    None,
                    defaults.downtime_source.clone(),
                ),
            ],
        },
    ]
}

//! The questions as an owner reads them: wording, hints, sections and limits. One source for the
//! HTML form and for `GET /api/v1/questionnaire`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::rules::DefaultCosts as CostDefaults;
use crate::rules::answers::{
    self, Budget, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};

/// What kind of input a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    WholeNumber,
    Number,
    Choice,
}

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

macro_rules! choices {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|c| Choice {
                value: c.code(),
                label: c.label(),
                hint: c.hint(),
            })
            .collect()
    };
}

fn choice(
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    choices: Vec<Choice>,
) -> Question {
    Question {
        key,
        kind: Kind::Choice,
        label,
        hint,
        required: true,
        choices,
        min: None,
        max: None,
        max_length: None,
        default: None,
        default_source: None,
    }
}

fn number(
    key: &'static str,
    kind: Kind,
    label: &'static str,
    hint: &'static str,
    range: (f64, f64),
) -> Question {
    Question {
        key,
        kind,
        label,
        hint,
        required: true,
        choices: Vec::new(),
        min: Some(range.0),
        max: Some(range.1),
        max_length: None,
        default: None,
        default_source: None,
    }
}

fn optional(mut q: Question, default: Option<f64>, source: String) -> Question {
    q.required = false;
    q.default = default;
    q.default_source = Some(source);
    q
}

/// The whole questionnaire, in the order an owner answers it.
pub fn sections(defaults: &CostDefaults) -> Vec<Section> {
    vec![
        Section {
            id: "business",
            title: "Your business",
            intro: "",
            questions: vec![
                Question {
                    key: "company",
                    kind: Kind::Text,
                    label: "Business name",
                    hint: "Optional. It appears on your report.",
                    required: false,
                    choices: Vec::new(),
                    min: None,
                    max: None,
                    max_length: Some(answers::COMPANY_MAX_CHARS),
                    default: None,
                    default_source: None,
                },
                number(
                    "employees",
                    Kind::WholeNumber,
                    "How many people use a computer, tablet or phone for work?",
                    "Count everyone, yourself and part-timers included.",
                    (
                        f64::from(answers::EMPLOYEES_RANGE.0),
                        f64::from(answers::EMPLOYEES_RANGE.1),
                    ),
                ),
                choice(
                    "growth",
                    "How will your team change over the next year?",
                    "",
                    choices!(Growth),
                ),
            ],
        },
        Section {
            id: "usage",
            title: "How you use IT",
            intro: "IT here means your computers, phones, internet, email, files and business software.",
            questions: vec![
                choice(
                    "it_reliance",
                    "If your computers or internet stopped working, what would happen?",
                    "",
                    choices!(Reliance),
                ),
                choice(
                    "complexity",
                    "What does your IT look like?",
                    "",
                    choices!(Complexity),
                ),
                number(
                    "incidents_per_month",
                    Kind::Number,
                    "About how many IT problems a month need someone to fix them?",
                    "A laptop that will not start, email that stops, a printer that will not print. 0.5 means about one every two months.",
                    answers::INCIDENTS_RANGE,
                ),
                choice(
                    "support_hours",
                    "When do you need IT help to be available?",
                    "",
                    choices!(SupportHours),
                ),
                choice(
                    "security",
                    "What kind of information do you keep?",
                    "Sensitive data and legal or insurance obligations raise the cost of getting security wrong.",
                    choices!(Security),
                ),
            ],
        },
        Section {
            id: "people",
            title: "Your IT people",
            intro: "",
            questions: vec![choice(
                "in_house_it",
                "Who looks after IT today?",
                "",
                choices!(InHouseIt),
            )],
        },
        Section {
            id: "money",
            title: "Money and control",
            intro: "",
            questions: vec![
                choice(
                    "budget",
                    "How much room is there in the budget for IT?",
                    "",
                    choices!(Budget),
                ),
                choice(
                    "cost_preference",
                    "How would you rather pay for IT support?",
                    "",
                    choices!(CostPreference),
                ),
                choice(
                    "control",
                    "How involved do you want to be in IT decisions?",
                    "For example choosing equipment, software and who gets access to what.",
                    choices!(Control),
                ),
            ],
        },
        Section {
            id: "assumptions",
            title: "Adjust the assumptions (optional)",
            intro: "Leave these empty to use typical figures. If you have real quotes or numbers, use them: the cost comparison gets sharper.",
            questions: vec![
                optional(
                    number(
                        "hourly_rate",
                        Kind::Number,
                        "What does an IT technician charge per hour, in US dollars?",
                        "The price a pay-per-incident (break/fix) technician charges during office hours.",
                        answers::HOURLY_RATE_RANGE,
                    ),
                    Some(defaults.hourly_rate),
                    defaults.hourly_rate_source.clone(),
                ),
                optional(
                    number(
                        "managed_fee_per_user",
                        Kind::Number,
                        "What would a managed provider charge per person per month, in US dollars?",
                        "Managed providers usually quote a monthly price per user that covers help, monitoring, security and backups.",
                        answers::FEE_RANGE,
                    ),
                    Some(defaults.managed_fee_per_user),
                    defaults.managed_fee_source.clone(),
                ),
                optional(
                    number(
                        "downtime_cost_per_hour",
                        Kind::Number,
                        "What does one hour with nobody able to work cost you, in US dollars?",
                        "Lost sales plus wages paid for idle time. Leave it empty and we estimate it from your team size and how much you rely on IT.",
                        answers::DOWNTIME_RANGE,
                    ),
                    None,
                    defaults.downtime_source.clone(),
                ),
            ],
        },
    ]
}

//! One descriptor per question: its key, wording, kind, limits and choices. Parsing, the form,
//! the questionnaire JSON, the explanations' headings, what-would-change and the consultant's
//! export all read these, so a question is changed in one place.

use serde::Serialize;
use utoipa::ToSchema;

use super::answers::{
    Budget, Choice, ChoiceInfo, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance,
    Security, SupportHours,
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

/// Everything about one question except the rules' defaults, which the rules file supplies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Question {
    /// The answer key in forms, JSON, stored results and the export.
    pub key: &'static str,
    /// The question as an owner reads it.
    pub label: &'static str,
    /// A line under the question, empty when none.
    pub hint: &'static str,
    pub kind: Kind,
    /// A choice question's choices, in questionnaire order (empty for the others).
    pub choices: &'static [ChoiceInfo],
    /// Whether the owner must answer; an optional cost input falls back to the rules' default.
    pub required: bool,
    /// Inclusive bounds of a number.
    pub range: Option<(f64, f64)>,
    /// Most characters of a text answer.
    pub max_length: Option<usize>,
    /// Whether the number is an amount of money, shown as dollars to consultants.
    pub money: bool,
    /// Short name in the consultant's tables and exports.
    pub short_label: &'static str,
    /// Short name in the questionnaire's error summary, where the owner is addressed as "you";
    /// empty when `short_label` reads right there too.
    pub owner_short_label: &'static str,
    /// The factor's name on the results page, for an answer that scores.
    pub factor: Option<&'static str>,
}

impl Question {
    /// The question's short name as the owner reads it, in the questionnaire's error summary.
    pub fn summary_name(&self) -> &'static str {
        if self.owner_short_label.is_empty() {
            self.short_label
        } else {
            self.owner_short_label
        }
    }
}

/// Bounds from the contract.
pub const COMPANY_MAX_CHARS: usize = 120;
pub const EMPLOYEES_RANGE: (u32, u32) = (1, 10_000);
pub const INCIDENTS_RANGE: (f64, f64) = (0.0, 500.0);
pub const HOURLY_RATE_RANGE: (f64, f64) = (1.0, 10_000.0);
pub const FEE_RANGE: (f64, f64) = (1.0, 10_000.0);
pub const DOWNTIME_RANGE: (f64, f64) = (0.0, 10_000_000.0);

/// The name of the cost factor, the one factor that is not an answer.
pub const COSTS_FACTOR: (&str, &str) = ("costs", "Cost in an average year");

const BLANK: Question = Question {
    key: "",
    label: "",
    hint: "",
    kind: Kind::Text,
    choices: &[],
    required: true,
    range: None,
    max_length: None,
    money: false,
    short_label: "",
    owner_short_label: "",
    factor: None,
};

const fn choice<T: Choice>(
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    short_label: &'static str,
    factor: &'static str,
) -> Question {
    Question {
        key,
        label,
        hint,
        kind: Kind::Choice,
        choices: T::INFOS,
        short_label,
        factor: Some(factor),
        ..BLANK
    }
}

pub const COMPANY: Question = Question {
    key: "company",
    label: "Business name",
    hint: "It appears on your report.",
    required: false,
    max_length: Some(COMPANY_MAX_CHARS),
    short_label: "Business name",
    ..BLANK
};

pub const EMPLOYEES: Question = Question {
    key: "employees",
    label: "How many people use a computer, tablet or phone for work?",
    hint: "Count everyone, yourself and part-timers included.",
    kind: Kind::WholeNumber,
    range: Some((EMPLOYEES_RANGE.0 as f64, EMPLOYEES_RANGE.1 as f64)),
    short_label: "People",
    factor: Some("Size of the business"),
    ..BLANK
};

pub const LIGHT_USERS: Question = Question {
    key: "light_users",
    label: "How many of them only use a shared device or a phone now and then?",
    hint: "Shared tills, field crews, volunteers: providers usually bill them as part of a seat. Leave it empty if there are none.",
    kind: Kind::WholeNumber,
    required: false,
    range: Some((0.0, EMPLOYEES_RANGE.1 as f64)),
    short_label: "Light users",
    ..BLANK
};

pub const GROWTH: Question = choice::<Growth>(
    "growth",
    "How will your team change over the next year?",
    "",
    "Growth plans",
    "Growth plans",
);

pub const IT_RELIANCE: Question = choice::<Reliance>(
    "it_reliance",
    "If your computers or internet stopped working, what would happen?",
    "",
    "Reliance on IT",
    "How much work depends on IT",
);

pub const COMPLEXITY: Question = choice::<Complexity>(
    "complexity",
    "What does your IT look like?",
    "",
    "What there is to look after",
    "What there is to look after",
);

pub const INCIDENTS_PER_MONTH: Question = Question {
    key: "incidents_per_month",
    label: "About how many IT problems a month need someone to fix them?",
    hint: "A laptop that will not start, email that stops, a printer that will not print. 0.5 means about one every two months.",
    kind: Kind::Number,
    range: Some(INCIDENTS_RANGE),
    short_label: "IT problems a month",
    factor: Some("How often something breaks"),
    ..BLANK
};

pub const SUPPORT_HOURS: Question = choice::<SupportHours>(
    "support_hours",
    "When do you need IT help to be available?",
    "",
    "When help is needed",
    "When you need help",
);

pub const SECURITY: Question = choice::<Security>(
    "security",
    "What kind of information do you keep?",
    "Sensitive data and legal or insurance obligations raise the cost of getting security wrong.",
    "Data and rules to protect",
    "Data and rules to protect",
);

pub const IN_HOUSE_IT: Question = choice::<InHouseIt>(
    "in_house_it",
    "Who looks after IT today?",
    "",
    "IT people in the team",
    "IT skills in your team",
);

pub const BUDGET: Question = choice::<Budget>(
    "budget",
    "How much room is there in the budget for IT?",
    "",
    "Budget",
    "Room in the budget",
);

pub const COST_PREFERENCE: Question = Question {
    owner_short_label: "How you like to pay",
    ..choice::<CostPreference>(
        "cost_preference",
        "How would you rather pay for IT support?",
        "",
        "How they like to pay",
        "How you like to pay",
    )
};

pub const CONTROL: Question = Question {
    owner_short_label: "How involved you want to be",
    ..choice::<Control>(
        "control",
        "How involved do you want to be in IT decisions?",
        "For example choosing equipment, software and who gets access to what.",
        "How involved they want to be",
        "How involved you want to be",
    )
};

const fn cost_input(
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    range: (f64, f64),
    short_label: &'static str,
) -> Question {
    Question {
        key,
        label,
        hint,
        kind: Kind::Number,
        required: false,
        range: Some(range),
        money: true,
        short_label,
        ..BLANK
    }
}

pub const HOURLY_RATE: Question = cost_input(
    "hourly_rate",
    "What does an IT technician charge per hour, in US dollars?",
    "The price a pay-per-incident (break/fix) technician charges during office hours.",
    HOURLY_RATE_RANGE,
    "Technician's hourly rate",
);

pub const MANAGED_FEE_PER_USER: Question = cost_input(
    "managed_fee_per_user",
    "What would a managed provider charge per person per month, in US dollars?",
    "Managed providers usually quote a monthly price per user that covers help, monitoring, security and backups.",
    FEE_RANGE,
    "Managed fee per person a month",
);

pub const DOWNTIME_COST_PER_HOUR: Question = cost_input(
    "downtime_cost_per_hour",
    "What does one hour with nobody able to work cost you, in US dollars?",
    "Lost sales plus wages paid for idle time. Leave it empty and we estimate it from your team size and how much you rely on IT.",
    DOWNTIME_RANGE,
    "Cost of an hour of downtime",
);

/// Every question, in the order an owner answers them.
pub const QUESTIONS: [Question; 16] = [
    COMPANY,
    EMPLOYEES,
    LIGHT_USERS,
    GROWTH,
    IT_RELIANCE,
    COMPLEXITY,
    INCIDENTS_PER_MONTH,
    SUPPORT_HOURS,
    SECURITY,
    IN_HOUSE_IT,
    BUDGET,
    COST_PREFERENCE,
    CONTROL,
    HOURLY_RATE,
    MANAGED_FEE_PER_USER,
    DOWNTIME_COST_PER_HOUR,
];

/// The question with answer key `key`.
pub fn find(key: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|q| q.key == key)
}

/// Every factor that can push the score, in scoring order, with its name: the answers that
/// score, then the cost comparison.
pub fn factors() -> impl Iterator<Item = (&'static str, &'static str)> {
    QUESTIONS
        .iter()
        .filter_map(|q| q.factor.map(|label| (q.key, label)))
        .chain(std::iter::once(COSTS_FACTOR))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_question_has_a_short_name_that_speaks_to_the_owner() {
        for q in QUESTIONS {
            let name = q.summary_name();
            assert!(!name.is_empty(), "{} has no short name", q.key);
            assert!(
                name.len() <= q.label.len(),
                "{}: {name} is longer than the question",
                q.key
            );
            assert!(
                !name.split(' ').any(|w| w == "they" || w == "their"),
                "{}: {name} speaks of the owner as someone else",
                q.key
            );
        }
    }

    #[test]
    fn no_hint_repeats_that_a_question_is_optional() {
        for q in QUESTIONS {
            assert!(
                !q.hint.to_lowercase().starts_with("optional"),
                "{}: the label already says (optional)",
                q.key
            );
        }
    }
}

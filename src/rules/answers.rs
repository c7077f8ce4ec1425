//! The owner's answers as domain types: parsed once from a form or JSON body, never re-checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text;

/// One validation problem, tied to an answer key when it belongs to one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

mod choices;
mod schema;

pub use choices::{
    Budget, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};

/// Bounds from the contract.
pub const COMPANY_MAX_CHARS: usize = 120;
pub const EMPLOYEES_RANGE: (u32, u32) = (1, 10_000);
pub const INCIDENTS_RANGE: (f64, f64) = (0.0, 500.0);
pub const HOURLY_RATE_RANGE: (f64, f64) = (1.0, 10_000.0);
pub const FEE_RANGE: (f64, f64) = (1.0, 10_000.0);
pub const DOWNTIME_RANGE: (f64, f64) = (0.0, 10_000_000.0);

/// A complete, valid set of answers. Optional cost inputs are `None` when the owner left them to
/// the rules' defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(
    description = "The owner's answers. Numbers are JSON numbers; an optional cost input may be absent, null or empty text (\"\"), and then the rules' defaults apply. Unknown keys are ignored, whatever their value."
)]
pub struct Answers {
    #[schema(max_length = 120, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub company: Option<String>,
    #[schema(minimum = 1, maximum = 10000)]
    pub employees: u32,
    pub growth: Growth,
    pub it_reliance: Reliance,
    pub complexity: Complexity,
    #[schema(minimum = 0, maximum = 500)]
    pub incidents_per_month: f64,
    pub support_hours: SupportHours,
    pub security: Security,
    pub in_house_it: InHouseIt,
    pub budget: Budget,
    pub cost_preference: CostPreference,
    pub control: Control,
    #[schema(schema_with = schema::hourly_rate)]
    pub hourly_rate: Option<f64>,
    #[schema(schema_with = schema::managed_fee_per_user)]
    pub managed_fee_per_user: Option<f64>,
    #[schema(schema_with = schema::downtime_cost_per_hour)]
    pub downtime_cost_per_hour: Option<f64>,
}

/// Every answer key; a body's other keys are ignored.
pub const KEYS: [&str; 15] = [
    "company",
    "employees",
    "growth",
    "it_reliance",
    "complexity",
    "incidents_per_month",
    "support_hours",
    "security",
    "in_house_it",
    "budget",
    "cost_preference",
    "control",
    "hourly_rate",
    "managed_fee_per_user",
    "downtime_cost_per_hour",
];

/// The answers that are numbers; the others are text (the name and the choice codes).
pub const NUMBER_KEYS: [&str; 5] = [
    "employees",
    "incidents_per_month",
    "hourly_rate",
    "managed_fee_per_user",
    "downtime_cost_per_hour",
];

/// Answers as they arrive: every value as text, keyed by answer key. Forms give text already;
/// JSON numbers are turned into their text form before parsing so both paths share one parser.
pub type RawAnswers = BTreeMap<String, String>;

impl Answers {
    /// Parses raw answers, collecting every problem rather than stopping at the first.
    pub fn parse(raw: &RawAnswers) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let cleaned: BTreeMap<&str, String> = raw
            .iter()
            .map(|(k, v)| (k.as_str(), text::visible(v).trim().to_owned()))
            .collect();
        let get = |key: &str| {
            cleaned
                .get(key)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };

        // The limits hold for the name as sent, as the API document states them; what is
        // stored is the name trimmed and without invisible characters.
        let sent = raw.get("company").map_or("", String::as_str);
        let company = if sent.chars().count() > COMPANY_MAX_CHARS {
            errors.push(FieldError::field("company", messages::company_too_long()));
            None
        } else if sent.chars().any(char::is_control) {
            errors.push(FieldError::field("company", messages::COMPANY_CONTROL));
            None
        } else {
            get("company").map(str::to_owned)
        };

        let employees = match get("employees") {
            None => {
                errors.push(FieldError::field("employees", messages::EMPLOYEES_MISSING));
                None
            }
            Some(v) => match parse_decimal(v) {
                Some(f) if f.fract() != 0.0 => {
                    errors.push(FieldError::field(
                        "employees",
                        messages::EMPLOYEES_NOT_WHOLE,
                    ));
                    None
                }
                Some(f)
                    if f >= f64::from(EMPLOYEES_RANGE.0) && f <= f64::from(EMPLOYEES_RANGE.1) =>
                {
                    Some(f as u32)
                }
                _ => {
                    errors.push(FieldError::field("employees", messages::employees_range()));
                    None
                }
            },
        };

        let incidents_per_month = required_number(
            &mut errors,
            get("incidents_per_month"),
            "incidents_per_month",
            INCIDENTS_RANGE,
            messages::INCIDENTS_MISSING,
        );
        let hourly_rate = optional_number(
            &mut errors,
            get("hourly_rate"),
            "hourly_rate",
            HOURLY_RATE_RANGE,
        );
        let managed_fee_per_user = optional_number(
            &mut errors,
            get("managed_fee_per_user"),
            "managed_fee_per_user",
            FEE_RANGE,
        );
        let downtime_cost_per_hour = optional_number(
            &mut errors,
            get("downtime_cost_per_hour"),
            "downtime_cost_per_hour",
            DOWNTIME_RANGE,
        );

        let growth = required_choice(
            &mut errors,
            get("growth"),
            "growth",
            Growth::from_code,
            Growth::ALL,
            Growth::code,
        );
        let it_reliance = required_choice(
            &mut errors,
            get("it_reliance"),
            "it_reliance",
            Reliance::from_code,
            Reliance::ALL,
            Reliance::code,
        );
        let complexity = required_choice(
            &mut errors,
            get("complexity"),
            "complexity",
            Complexity::from_code,
            Complexity::ALL,
            Complexity::code,
        );
        let support_hours = required_choice(
            &mut errors,
            get("support_hours"),
            "support_hours",
            SupportHours::from_code,
            SupportHours::ALL,
            SupportHours::code,
        );
        let security = required_choice(
            &mut errors,
            get("security"),
            "security",
            Security::from_code,
            Security::ALL,
            Security::code,
        );
        let in_house_it = required_choice(
            &mut errors,
            get("in_house_it"),
            "in_house_it",
            InHouseIt::from_code,
            InHouseIt::ALL,
            InHouseIt::code,
        );
        let budget = required_choice(
            &mut errors,
            get("budget"),
            "budget",
            Budget::from_code,
            Budget::ALL,
            Budget::code,
        );
        let cost_preference = required_choice(
            &mut errors,
            get("cost_preference"),
            "cost_preference",
            CostPreference::from_code,
            CostPreference::ALL,
            CostPreference::code,
        );
        let control = required_choice(
            &mut errors,
            get("control"),
            "control",
            Control::from_code,
            Control::ALL,
            Control::code,
        );

        match (
            employees,
            growth,
            it_reliance,
            complexity,
            incidents_per_month,
            support_hours,
            security,
            in_house_it,
            budget,
            cost_preference,
            control,
        ) {
            (
                Some(employees),
                Some(growth),
                Some(it_reliance),
                Some(complexity),
                Some(incidents_per_month),
                Some(support_hours),
                Some(security),
                Some(in_house_it),
                Some(budget),
                Some(cost_preference),
                Some(control),
            ) if errors.is_empty() => Ok(Answers {
                company,
                employees,
                growth,
                it_reliance,
                complexity,
                incidents_per_month,
                support_hours,
                security,
                in_house_it,
                budget,
                cost_preference,
                control,
                hourly_rate: hourly_rate.flatten(),
                managed_fee_per_user: managed_fee_per_user.flatten(),
                downtime_cost_per_hour: downtime_cost_per_hour.flatten(),
            }),
            _ => Err(errors),
        }
    }
}

/// Parses a finite decimal as owners type it. A leading currency sign is dropped ("$1,500").
/// Commas that group the digits before the point in threes ("1,500", "12,345,678.5") separate
/// thousands; a single comma in any other place is a decimal comma ("1,5" is 1.5, "0,500" is
/// 0.5). Anything else with a comma ("1,50,0", "1.500,5") is refused rather than guessed at.
fn parse_decimal(v: &str) -> Option<f64> {
    let v = v.trim().trim_start_matches(['$', '€', '£']).trim();
    let cleaned = if !v.contains(',') {
        v.to_owned()
    } else if is_grouped_in_thousands(v) {
        v.replace(',', "")
    } else if v.matches(',').count() == 1 && !v.contains('.') {
        v.replace(',', ".")
    } else {
        return None;
    };
    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// "1,500", "-12,345,678.25": one to three digits without a leading zero, then groups of exactly
/// three digits after each comma, then an optional decimal part.
fn is_grouped_in_thousands(v: &str) -> bool {
    let unsigned = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if fraction.contains(',') {
        return false;
    }
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    (1..=3).contains(&first.len())
        && digits(first)
        && !(first.starts_with('0'))
        && groups.all(|g| g.len() == 3 && digits(g))
}

fn required_number(
    errors: &mut Vec<FieldError>,
    value: Option<&str>,
    key: &str,
    range: (f64, f64),
    missing: &str,
) -> Option<f64> {
    match value {
        None => {
            errors.push(FieldError::field(key, missing));
            None
        }
        Some(v) => checked_number(errors, v, key, range),
    }
}

/// `Some(None)` means "left to the default"; `None` means invalid.
fn optional_number(
    errors: &mut Vec<FieldError>,
    value: Option<&str>,
    key: &str,
    range: (f64, f64),
) -> Option<Option<f64>> {
    match value {
        None => Some(None),
        Some(v) => checked_number(errors, v, key, range).map(Some),
    }
}

fn checked_number(
    errors: &mut Vec<FieldError>,
    v: &str,
    key: &str,
    range: (f64, f64),
) -> Option<f64> {
    match parse_decimal(v) {
        Some(n) if n >= range.0 && n <= range.1 => Some(n),
        Some(_) => {
            errors.push(FieldError::field(key, messages::out_of_range(range)));
            None
        }
        None => {
            errors.push(FieldError::field(key, messages::not_a_number(range)));
            None
        }
    }
}

fn required_choice<T: Copy>(
    errors: &mut Vec<FieldError>,
    value: Option<&str>,
    key: &str,
    from_code: fn(&str) -> Option<T>,
    all: &[T],
    code: fn(T) -> &'static str,
) -> Option<T> {
    match value {
        None => {
            errors.push(FieldError::field(key, messages::CHOICE_MISSING));
            None
        }
        Some(v) => from_code(v).or_else(|| {
            let allowed: Vec<&str> = all.iter().map(|c| code(*c)).collect();
            errors.push(FieldError::field(key, messages::unknown_choice(&allowed)));
            None
        }),
    }
}

pub mod messages;

#[cfg(test)]
mod tests;

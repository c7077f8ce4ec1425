//! The owner's answers as domain types: parsed once from a form or JSON body, never re-checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    description = "The owner's answers. Optional cost inputs may be absent or null: the rules' defaults apply. Unknown keys are ignored."
)]
pub struct Answers {
    #[schema(max_length = 120)]
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
    #[schema(minimum = 1, maximum = 10000)]
    pub hourly_rate: Option<f64>,
    #[schema(minimum = 1, maximum = 10000)]
    pub managed_fee_per_user: Option<f64>,
    #[schema(minimum = 0, maximum = 10000000)]
    pub downtime_cost_per_hour: Option<f64>,
}

/// Answers as they arrive: every value as text, keyed by answer key. Forms give text already;
/// JSON numbers are turned into their text form before parsing so both paths share one parser.
pub type RawAnswers = BTreeMap<String, String>;

impl Answers {
    /// Parses raw answers, collecting every problem rather than stopping at the first.
    pub fn parse(raw: &RawAnswers) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let get = |key: &str| raw.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());

        let company = match get("company") {
            Some(c) if c.chars().count() > COMPANY_MAX_CHARS => {
                errors.push(FieldError::field("company", messages::company_too_long()));
                None
            }
            Some(c) if c.chars().any(|ch| ch.is_control()) => {
                errors.push(FieldError::field("company", messages::COMPANY_CONTROL));
                None
            }
            other => other.map(str::to_owned),
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

/// Parses a finite decimal. Thousands separators and a leading currency sign are tolerated
/// because owners type "$1,500".
fn parse_decimal(v: &str) -> Option<f64> {
    let cleaned: String = v
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    cleaned.trim().parse::<f64>().ok().filter(|f| f.is_finite())
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

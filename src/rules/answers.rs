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

use super::questions::{self as q, Kind, QUESTIONS, Question};
pub use super::questions::{
    COMPANY_MAX_CHARS, DOWNTIME_RANGE, EMPLOYEES_RANGE, FEE_RANGE, HOURLY_RATE_RANGE,
    INCIDENTS_RANGE,
};
pub use choices::{
    Budget, Choice, ChoiceInfo, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance,
    Security, SupportHours,
};

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
    /// How many of the people only use a shared device or a phone now and then (billed as part
    /// of a seat); absent in answers stored before rules 2027.01-1.
    #[serde(default)]
    #[schema(schema_with = schema::light_users)]
    pub light_users: Option<u32>,
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

/// Every answer key, in questionnaire order; a body's other keys are ignored.
pub const KEYS: [&str; QUESTIONS.len()] = {
    let mut keys = [""; QUESTIONS.len()];
    let mut i = 0;
    while i < QUESTIONS.len() {
        keys[i] = QUESTIONS[i].key;
        i += 1;
    }
    keys
};

/// The answers that are numbers; the others are text (the name and the choice codes).
pub const NUMBER_KEYS: [&str; 6] = {
    let mut keys = [""; 6];
    let (mut i, mut n) = (0, 0);
    while i < QUESTIONS.len() {
        if matches!(QUESTIONS[i].kind, Kind::WholeNumber | Kind::Number) {
            keys[n] = QUESTIONS[i].key;
            n += 1;
        }
        i += 1;
    }
    keys
};

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
        let sent = raw.get(q::COMPANY.key).map_or("", String::as_str);
        let company = if sent.chars().count() > COMPANY_MAX_CHARS {
            errors.push(FieldError::field(
                q::COMPANY.key,
                messages::company_too_long(),
            ));
            None
        } else if sent.chars().any(char::is_control) {
            errors.push(FieldError::field(q::COMPANY.key, messages::COMPANY_CONTROL));
            None
        } else {
            get(q::COMPANY.key).map(str::to_owned)
        };

        let employees = match get(q::EMPLOYEES.key) {
            None => {
                errors.push(FieldError::field(
                    q::EMPLOYEES.key,
                    messages::EMPLOYEES_MISSING,
                ));
                None
            }
            Some(v) => match parse_decimal(v) {
                Some(f) if f.fract() != 0.0 => {
                    errors.push(FieldError::field(
                        q::EMPLOYEES.key,
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
                    errors.push(FieldError::field(
                        q::EMPLOYEES.key,
                        messages::employees_range(),
                    ));
                    None
                }
            },
        };

        let light_users = match optional_number(
            &mut errors,
            get(q::LIGHT_USERS.key),
            q::LIGHT_USERS.key,
            (0.0, f64::from(EMPLOYEES_RANGE.1)),
        ) {
            Some(Some(n)) if n.fract() != 0.0 => {
                errors.push(FieldError::field(
                    q::LIGHT_USERS.key,
                    messages::LIGHT_USERS_NOT_WHOLE,
                ));
                None
            }
            Some(Some(n)) if employees.is_some_and(|e| n > f64::from(e)) => {
                errors.push(FieldError::field(
                    q::LIGHT_USERS.key,
                    messages::light_users_above(employees.unwrap_or(0)),
                ));
                None
            }
            Some(n) => Some(n.map(|n| n as u32)),
            None => None,
        };
        let incidents_per_month = required_number(
            &mut errors,
            get(q::INCIDENTS_PER_MONTH.key),
            q::INCIDENTS_PER_MONTH.key,
            INCIDENTS_RANGE,
            messages::INCIDENTS_MISSING,
        );
        let hourly_rate = optional_number(
            &mut errors,
            get(q::HOURLY_RATE.key),
            q::HOURLY_RATE.key,
            HOURLY_RATE_RANGE,
        );
        let managed_fee_per_user = optional_number(
            &mut errors,
            get(q::MANAGED_FEE_PER_USER.key),
            q::MANAGED_FEE_PER_USER.key,
            FEE_RANGE,
        );
        let downtime_cost_per_hour = optional_number(
            &mut errors,
            get(q::DOWNTIME_COST_PER_HOUR.key),
            q::DOWNTIME_COST_PER_HOUR.key,
            DOWNTIME_RANGE,
        );

        let growth = required_choice(&mut errors, &get, &q::GROWTH);
        let it_reliance = required_choice(&mut errors, &get, &q::IT_RELIANCE);
        let complexity = required_choice(&mut errors, &get, &q::COMPLEXITY);
        let support_hours = required_choice(&mut errors, &get, &q::SUPPORT_HOURS);
        let security = required_choice(&mut errors, &get, &q::SECURITY);
        let in_house_it = required_choice(&mut errors, &get, &q::IN_HOUSE_IT);
        let budget = required_choice(&mut errors, &get, &q::BUDGET);
        let cost_preference = required_choice(&mut errors, &get, &q::COST_PREFERENCE);
        let control = required_choice(&mut errors, &get, &q::CONTROL);

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
                light_users: light_users.flatten().filter(|n| *n > 0),
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

/// The answer to a choice question, read by its descriptor's key and the choices' codes.
fn required_choice<'a, T: Choice>(
    errors: &mut Vec<FieldError>,
    get: &impl Fn(&str) -> Option<&'a str>,
    question: &Question,
) -> Option<T> {
    let key = question.key;
    match get(key) {
        None => {
            errors.push(FieldError::field(key, messages::CHOICE_MISSING));
            None
        }
        Some(v) => T::from_code(v).or_else(|| {
            let allowed: Vec<&str> = question.choices.iter().map(|c| c.code).collect();
            errors.push(FieldError::field(key, messages::unknown_choice(&allowed)));
            None
        }),
    }
}

pub mod messages;

#[cfg(test)]
mod tests;

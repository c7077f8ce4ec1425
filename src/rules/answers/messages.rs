//! The words the parser uses for each problem an answer can have. The questionnaire renders
//! them into the form for its in-browser checks, so the browser and the server say the same
//! thing and cannot drift apart.

use super::{COMPANY_MAX_CHARS, EMPLOYEES_RANGE};
use crate::rules::questions::{self, Kind};

pub const CHOICE_MISSING: &str = "Choose one of the options.";
pub const COMPANY_CONTROL: &str = "The business name cannot contain control characters.";
pub const EMPLOYEES_MISSING: &str =
    "Enter how many people use a computer, tablet or phone for work.";
pub const EMPLOYEES_NOT_WHOLE: &str = "Enter a whole number of people, for example 12.";
/// A number sent in the API as anything but a JSON number (text, true, a list).
pub const JSON_NUMBER: &str = "Send this answer as a JSON number, without quotes, for example 12.";
/// A name or choice sent in the API as anything but a JSON string.
pub const JSON_TEXT: &str = "Send this answer as a JSON string, in quotes.";
pub const INCIDENTS_MISSING: &str =
    "Enter roughly how many IT problems a month need someone to fix them (0 if none).";

pub fn company_too_long() -> String {
    format!("Keep the business name to {COMPANY_MAX_CHARS} characters or fewer.")
}

/// For a head count out of range or not a number at all.
pub fn employees_range() -> String {
    format!(
        "Enter a whole number from {} to {}.",
        EMPLOYEES_RANGE.0,
        bound(f64::from(EMPLOYEES_RANGE.1))
    )
}

pub const LIGHT_USERS_NOT_WHOLE: &str = "Enter a whole number of people, or leave it empty.";

pub fn light_users_above(employees: u32) -> String {
    format!(
        "They are among the people who use IT, so enter at most {employees}, or leave it empty."
    )
}

pub fn out_of_range(range: (f64, f64)) -> String {
    format!(
        "Enter a number from {} to {}.",
        bound(range.0),
        bound(range.1)
    )
}

pub fn not_a_number(range: (f64, f64)) -> String {
    format!("{} Use digits only, for example 150.", out_of_range(range))
}

/// A choice value that is not one of the allowed codes (only a hand-made request sends one).
pub fn unknown_choice(allowed: &[&str]) -> String {
    format!("Choose one of the options ({}).", allowed.join(", "))
}

fn bound(v: f64) -> String {
    crate::rules::thousands(v as u64)
}

/// The range of a numeric answer with free bounds (every number but the head count).
fn number_range(key: &str) -> Option<(f64, f64)> {
    questions::find(key)
        .filter(|q| q.kind == Kind::Number)
        .and_then(|q| q.range)
}

/// The checks a browser can make on answer `key` before sending it, each named (`missing`,
/// `whole`, `range`, `nan`, `long`, `control`) with the message the parser gives when it fails.
/// Choice keys get `missing` only: a radio button cannot hold another value.
pub fn browser_checks(key: &str) -> Vec<(&'static str, String)> {
    match key {
        "company" => vec![
            ("long", company_too_long()),
            ("control", COMPANY_CONTROL.to_owned()),
        ],
        "employees" => vec![
            ("missing", EMPLOYEES_MISSING.to_owned()),
            ("whole", EMPLOYEES_NOT_WHOLE.to_owned()),
            ("range", employees_range()),
            // The parser gives the range message for anything that is not a number.
            ("nan", employees_range()),
        ],
        "light_users" => {
            let range = (0.0, f64::from(super::EMPLOYEES_RANGE.1));
            vec![
                ("whole", LIGHT_USERS_NOT_WHOLE.to_owned()),
                ("range", out_of_range(range)),
                ("nan", not_a_number(range)),
            ]
        }
        _ => match number_range(key) {
            Some(range) => {
                let mut checks = vec![("range", out_of_range(range)), ("nan", not_a_number(range))];
                if key == "incidents_per_month" {
                    checks.insert(0, ("missing", INCIDENTS_MISSING.to_owned()));
                }
                checks
            }
            None => vec![("missing", CHOICE_MISSING.to_owned())],
        },
    }
}

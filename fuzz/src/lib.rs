//! What every fuzz target checks once a body has become raw answers.

use servicefit::rules::RawAnswers;
use servicefit::rules::answers::{
    Answers, COMPANY_MAX_CHARS, DOWNTIME_RANGE, EMPLOYEES_RANGE, FEE_RANGE, HOURLY_RATE_RANGE,
    INCIDENTS_RANGE,
};

/// Every key the questionnaire asks; a field error names one of these or none.
pub use servicefit::rules::answers::KEYS;

fn within(v: f64, (lo, hi): (f64, f64)) -> bool {
    v.is_finite() && v >= lo && v <= hi
}

/// Parses raw answers and panics when the parser lets through what it must refuse, or refuses
/// without saying why. Returns the answers when they are valid.
pub fn parse_checked(raw: &RawAnswers) -> Option<Answers> {
    match Answers::parse(raw) {
        Ok(a) => {
            assert!(a.company.as_ref().is_none_or(|c| {
                c.chars().count() <= COMPANY_MAX_CHARS && !c.chars().any(char::is_control)
            }));
            assert!((EMPLOYEES_RANGE.0..=EMPLOYEES_RANGE.1).contains(&a.employees));
            assert!(within(a.incidents_per_month, INCIDENTS_RANGE));
            assert!(a.hourly_rate.is_none_or(|v| within(v, HOURLY_RATE_RANGE)));
            assert!(a.managed_fee_per_user.is_none_or(|v| within(v, FEE_RANGE)));
            assert!(
                a.downtime_cost_per_hour
                    .is_none_or(|v| within(v, DOWNTIME_RANGE))
            );
            Some(a)
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "refused without a reason");
            for e in &errors {
                assert!(!e.message.is_empty());
                if let Some(field) = &e.field {
                    assert!(
                        KEYS.contains(&field.as_str()),
                        "error on unknown key {field}"
                    );
                }
            }
            None
        }
    }
}

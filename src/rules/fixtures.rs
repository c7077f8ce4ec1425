//! Valid answers for tests, benchmarks and fuzzing: one neutral business each of them adjusts,
//! and the two typical owners the HTTP tests submit. Public so that integration tests, benches
//! and the fuzz crate (all separate crates) share this one copy; not part of the API.

use serde_json::{Map, Value};

use super::answers::{
    Answers, Budget, Complexity, Control, CostPreference, Growth, InHouseIt, RawAnswers, Reliance,
    Security, SupportHours,
};

/// A neutral starting point that each test adjusts to describe one business.
pub fn business(employees: u32, incidents_per_month: f64) -> Answers {
    Answers {
        company: None,
        employees,
        light_users: None,
        growth: Growth::Stable,
        it_reliance: Reliance::Moderate,
        complexity: Complexity::Moderate,
        incidents_per_month,
        support_hours: SupportHours::BusinessHours,
        security: Security::Basic,
        in_house_it: InHouseIt::Informal,
        budget: Budget::Moderate,
        cost_preference: CostPreference::NoPreference,
        control: Control::Balanced,
        hourly_rate: None,
        managed_fee_per_user: None,
        downtime_cost_per_hour: None,
    }
}

/// A small office that relies heavily on IT and has nobody for it: a typical managed case.
pub fn dental_practice() -> Answers {
    Answers {
        company: Some("Harbour Dental".to_owned()),
        growth: Growth::Growing,
        it_reliance: Reliance::High,
        security: Security::Regulated,
        in_house_it: InHouseIt::None,
        cost_preference: CostPreference::Predictable,
        control: Control::HandsOff,
        ..business(20, 4.0)
    }
}

/// A three-person office that could work on paper for a day: a typical break/fix case.
pub fn tiny_studio() -> Answers {
    Answers {
        company: Some("Two Pines Studio".to_owned()),
        it_reliance: Reliance::Low,
        complexity: Complexity::Simple,
        budget: Budget::Tight,
        cost_preference: CostPreference::PayPerUse,
        control: Control::HandsOn,
        ..business(3, 0.2)
    }
}

/// The answers as the API takes them: a JSON object with the answers given (absent ones left
/// out), whole numbers written without a decimal point.
pub fn json(a: &Answers) -> Value {
    let Ok(Value::Object(all)) = serde_json::to_value(a) else {
        unreachable!("answers serialise as an object")
    };
    let given: Map<String, Value> = all
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => (k, Value::from(f as i64)),
            _ => (k, v),
        })
        .collect();
    Value::Object(given)
}

/// The answers as a form sends them: every given answer as text.
pub fn form(a: &Answers) -> RawAnswers {
    let Value::Object(given) = json(a) else {
        unreachable!("json gives an object")
    };
    given
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

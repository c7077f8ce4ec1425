//! Parsing owners' answers: what is accepted and what each refusal says.

use super::*;

fn valid() -> RawAnswers {
    [
        ("employees", "12"),
        ("growth", "growing"),
        ("it_reliance", "high"),
        ("complexity", "moderate"),
        ("incidents_per_month", "3.5"),
        ("support_hours", "business_hours"),
        ("security", "sensitive"),
        ("in_house_it", "informal"),
        ("budget", "moderate"),
        ("cost_preference", "predictable"),
        ("control", "balanced"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[test]
fn a_complete_form_parses_with_defaults_left_open() {
    let a = Answers::parse(&valid()).expect("valid");
    assert_eq!(a.employees, 12);
    assert_eq!(a.incidents_per_month, 3.5);
    assert_eq!(a.hourly_rate, None);
    assert_eq!(a.company, None);
}

#[test]
fn every_missing_required_answer_is_reported() {
    let errors = Answers::parse(&RawAnswers::new()).expect_err("empty");
    let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
    for key in [
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
    ] {
        assert!(fields.contains(&key), "{key} not reported");
    }
}

#[test]
fn fractional_or_out_of_range_employees_are_refused() {
    for bad in ["2.5", "0", "10001", "-3", "many", "NaN", "inf", "1e400"] {
        let mut raw = valid();
        raw.insert("employees".into(), bad.into());
        let errors = Answers::parse(&raw).expect_err(bad);
        assert_eq!(errors[0].field.as_deref(), Some("employees"), "{bad}");
    }
}

#[test]
fn owners_can_type_money_the_way_they_write_it() {
    let mut raw = valid();
    raw.insert("hourly_rate".into(), "$1,250".into());
    raw.insert("downtime_cost_per_hour".into(), "".into());
    let a = Answers::parse(&raw).expect("valid");
    assert_eq!(a.hourly_rate, Some(1250.0));
    assert_eq!(a.downtime_cost_per_hour, None);
}

#[test]
fn unknown_choice_lists_the_allowed_codes() {
    let mut raw = valid();
    raw.insert("growth".into(), "explosive".into());
    let errors = Answers::parse(&raw).expect_err("bad");
    assert!(errors[0].message.contains("stable, growing, rapid"));
}

#[test]
fn overlong_company_names_are_refused() {
    let mut raw = valid();
    raw.insert("company".into(), "x".repeat(121));
    assert!(Answers::parse(&raw).is_err());
    raw.insert("company".into(), "é".repeat(120));
    assert!(Answers::parse(&raw).is_ok());
}

//! Parsing owners' answers: what is accepted and what each refusal says.

use super::*;

fn valid() -> RawAnswers {
    crate::rules::fixtures::form(&Answers {
        growth: Growth::Growing,
        it_reliance: Reliance::High,
        security: Security::Sensitive,
        cost_preference: CostPreference::Predictable,
        ..crate::rules::fixtures::business(12, 3.5)
    })
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
    let optional = [
        "company",
        "light_users",
        "hourly_rate",
        "managed_fee_per_user",
        "downtime_cost_per_hour",
    ];
    for key in KEYS.into_iter().filter(|k| !optional.contains(k)) {
        assert!(fields.contains(&key), "{key} not reported");
    }
}

#[test]
fn light_users_are_whole_people_among_those_using_it() {
    let mut raw = valid();
    raw.insert("light_users".into(), "4".into());
    assert_eq!(Answers::parse(&raw).expect("valid").light_users, Some(4));
    raw.insert("light_users".into(), "".into());
    assert_eq!(Answers::parse(&raw).expect("valid").light_users, None);
    for (bad, says) in [
        ("13", "at most 12"),
        ("2.5", "whole number"),
        ("-1", "from 0"),
    ] {
        raw.insert("light_users".into(), bad.into());
        let errors = Answers::parse(&raw).expect_err(bad);
        let e = errors
            .iter()
            .find(|e| e.field.as_deref() == Some("light_users"))
            .expect("a light_users error");
        assert!(e.message.contains(says), "{bad}: {}", e.message);
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

#[test]
fn commas_are_read_as_thousands_only_in_groups_of_three_and_otherwise_as_a_decimal_comma() {
    let cases: &[(&str, Option<f64>)] = &[
        ("1,5", Some(1.5)),
        ("0,75", Some(0.75)),
        ("0,500", Some(0.5)),
        ("2,50", Some(2.5)),
        ("1,5000", Some(1.5)),
        (",5", Some(0.5)),
        ("1,500", Some(1500.0)),
        ("$1,500", Some(1500.0)),
        ("€ 1,500", Some(1500.0)),
        ("12,345,678", Some(12_345_678.0)),
        ("1,500.25", Some(1500.25)),
        ("-1,500", Some(-1500.0)),
        ("1500", Some(1500.0)),
        ("3.5", Some(3.5)),
        (" 4 ", Some(4.0)),
        ("1,50,0", None),
        ("1,500,5", None),
        ("1.500,5", None),
        ("1,5.5", None),
        ("1,,5", None),
        ("1_500", None),
        ("1 500", None),
        ("one", None),
        ("inf", None),
        ("NaN", None),
    ];
    for (typed, expected) in cases {
        assert_eq!(parse_decimal(typed), *expected, "{typed:?}");
    }
}

#[test]
fn every_numeric_answer_reads_a_decimal_comma_and_a_head_count_refuses_it() {
    for (key, typed, expected) in [
        ("incidents_per_month", "1,5", 1.5),
        ("hourly_rate", "95,50", 95.5),
        ("managed_fee_per_user", "$1,250", 1250.0),
        ("downtime_cost_per_hour", "2,500,000", 2_500_000.0),
    ] {
        let mut raw = valid();
        raw.insert(key.into(), typed.into());
        let a = Answers::parse(&raw).expect(typed);
        let got = match key {
            "incidents_per_month" => a.incidents_per_month,
            "hourly_rate" => a.hourly_rate.unwrap(),
            "managed_fee_per_user" => a.managed_fee_per_user.unwrap(),
            _ => a.downtime_cost_per_hour.unwrap(),
        };
        assert_eq!(got, expected, "{key} = {typed:?}");
    }
    let mut raw = valid();
    raw.insert("employees".into(), "1,5".into());
    let errors = Answers::parse(&raw).expect_err("1,5 people");
    assert_eq!(errors[0].field.as_deref(), Some("employees"));
    assert_eq!(errors[0].message, messages::EMPLOYEES_NOT_WHOLE);
    raw.insert("employees".into(), "1,500".into());
    assert_eq!(Answers::parse(&raw).expect("1,500 people").employees, 1500);
}

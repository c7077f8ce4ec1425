//! The rules file: the embedded one is valid and sourced; broken ones are refused clearly.

use super::*;

const TEXT: &str = include_str!("../../../rules/rules.toml");

fn refused(text: &str) -> String {
    match RuleSet::from_toml_str(text) {
        Ok(_) => panic!("rules were accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_embedded_rules_parse_and_simulate_at_least_ten_thousand_years() {
    let rules = RuleSet::embedded();
    assert!(!rules.version.is_empty());
    assert!(rules.simulation.years >= 10_000);
    assert_eq!(rules.currency, "USD");
    assert_eq!(RuleSet::from_toml_str(TEXT), Ok(rules));
}

#[test]
fn every_default_in_the_rules_file_names_its_source_in_the_research_notes() {
    let sources: Vec<&str> = TEXT.lines().filter(|l| l.contains("source = \"")).collect();
    assert!(sources.len() >= 35, "{}", sources.len());
    for line in sources {
        assert!(line.contains("DOMAIN.md §"), "{line}");
    }
}

#[test]
fn the_questionnaire_defaults_come_from_the_rules() {
    let d = RuleSet::embedded().cost_defaults();
    assert_eq!((d.hourly_rate, d.managed_fee_per_user), (150.0, 125.0));
    assert!(d.hourly_rate_source.contains("iknowtech"));
    assert!(d.managed_fee_source.contains("DOMAIN.md"));
    assert!(d.downtime_source.contains("OpsCentre"));
}

#[test]
fn a_probability_above_one_is_refused_with_its_key_named() {
    let bad = TEXT.replacen(
        "outage_probability = { value = 0.25",
        "outage_probability = { value = 1.25",
        1,
    );
    let msg = refused(&bad);
    assert!(msg.contains("costs.break_fix.outage_probability"), "{msg}");
    assert!(msg.contains("between 0 and 1"), "{msg}");
}

#[test]
fn fewer_than_ten_thousand_simulated_years_are_refused() {
    let msg = refused(&TEXT.replacen("years = 10000", "years = 500", 1));
    assert!(msg.contains("simulation.years"), "{msg}");
}

#[test]
fn a_negative_rate_and_a_missing_answer_are_both_reported() {
    let bad = TEXT
        .replacen(
            "hourly_rate = { value = 150.0",
            "hourly_rate = { value = -150.0",
            1,
        )
        .replacen("rapid = 1.0\n", "", 1);
    let msg = refused(&bad);
    assert!(
        msg.contains("costs.break_fix.hourly_rate must be positive"),
        "{msg}"
    );
    assert!(
        msg.contains("factors.growth is missing the answer \"rapid\""),
        "{msg}"
    );
}

#[test]
fn reliance_points_that_fall_as_reliance_rises_are_refused() {
    let msg = refused(&TEXT.replacen("critical = 3.0", "critical = 1.0", 1));
    assert!(
        msg.contains("factors.it_reliance must not decrease"),
        "{msg}"
    );
}

#[test]
fn managed_support_assumed_slower_than_break_fix_is_refused() {
    let msg = refused(&TEXT.replacen(
        "mttr_hours = { value = 3.0",
        "mttr_hours = { value = 9.0",
        1,
    ));
    assert!(msg.contains("costs.managed.mttr_hours"), "{msg}");
}

#[test]
fn misspelt_keys_and_unknown_answers_are_refused() {
    assert!(
        refused(&TEXT.replacen("trip_charge =", "trip_charg =", 1)).contains("could not be read")
    );
    let msg = refused(&TEXT.replacen(
        "in_house_it = [\"dedicated\"]",
        "in_house_it = [\"full_time\"]",
        1,
    ));
    assert!(msg.contains("could not be read"), "{msg}");
    let msg = refused(&TEXT.replacen("hands_off = 1.0", "hands_off = 1.0\nhands_free = 1.0", 1));
    assert!(
        msg.contains("\"hands_free\", which is not an answer"),
        "{msg}"
    );
    assert!(refused("not toml at all [").contains("could not be read"));
}

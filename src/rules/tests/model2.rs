//! Advice model 2 (rules 2027.01-1), owner by owner: the money counts as much as it should, every
//! option is priced as the market prices it, the bad-year tail shows, odd answers are questioned.

use super::super::evaluate::Evaluation;
use super::super::fixtures::{dental_practice, tiny_studio};
use super::*;

fn rules() -> RuleSet {
    RuleSet::embedded()
}

/// A 15-person office that cannot work without IT, has nobody for it and wants one bill a month.
fn leans_managed() -> Answers {
    Answers {
        it_reliance: Reliance::High,
        in_house_it: InHouseIt::None,
        cost_preference: CostPreference::Predictable,
        ..business(15, 6.0)
    }
}

fn line(s: &outcome::CostSpread, key: &str) -> f64 {
    s.components
        .iter()
        .find(|l| l.key == key)
        .map_or(0.0, |l| l.expected_annual)
}

#[test]
fn a_15_person_office_quoted_10000_a_user_a_month_is_told_break_fix() {
    let rules = rules();
    assert_eq!(
        assess(&leans_managed(), &rules).recommendation,
        Verdict::Managed
    );
    for fee in [2_000.0, 10_000.0] {
        let quoted = Answers {
            managed_fee_per_user: Some(fee),
            ..leans_managed()
        };
        let o = assess(&quoted, &rules);
        assert_eq!(o.recommendation, Verdict::BreakFix, "at ${fee}");
    }
}

#[test]
fn a_break_fix_studio_losing_ten_million_an_hour_when_down_is_told_to_get_a_provider() {
    let rules = rules();
    assert_eq!(
        assess(&tiny_studio(), &rules).recommendation,
        Verdict::BreakFix
    );
    let costly = Answers {
        downtime_cost_per_hour: Some(10_000_000.0),
        ..tiny_studio()
    };
    assert_eq!(assess(&costly, &rules).recommendation, Verdict::Managed);
}

#[test]
fn a_preference_for_fixed_bills_weighs_less_than_the_money_at_a_steep_quote() {
    // Wanting one bill a month does not carry a contract costing three times break/fix.
    let rules = rules();
    let a = Answers {
        cost_preference: CostPreference::Predictable,
        managed_fee_per_user: Some(400.0),
        ..business(10, 3.0)
    };
    let o = assess(&a, &rules);
    assert_eq!(o.recommendation, Verdict::BreakFix, "{}", o.summary);
}

#[test]
fn a_managed_verdict_that_costs_twice_break_fix_is_a_close_call_and_says_why() {
    let rules = rules();
    // About the strongest reasons there are (sales stop within minutes, servers and several
    // sites, help around the clock, customer data, nobody for IT, fast growth, one bill a month,
    // hands off) but a quote of $700 a user a month: more than twice break/fix.
    let a = Answers {
        it_reliance: Reliance::Critical,
        security: Security::Sensitive,
        support_hours: SupportHours::Always,
        complexity: Complexity::Complex,
        growth: Growth::Rapid,
        control: Control::HandsOff,
        managed_fee_per_user: Some(700.0),
        ..leans_managed()
    };
    let o = assess(&a, &rules);
    assert_eq!(o.recommendation, Verdict::Managed);
    assert!(o.costs.managed.expected_annual >= 2.0 * o.costs.break_fix.expected_annual);
    assert_eq!(o.confidence, Confidence::CloseCall);
    assert!(o.summary.contains("a close call"), "{}", o.summary);
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("a year more than break/fix") && n.contains("judgement call")),
        "{:?}",
        o.notes
    );
}

#[test]
fn the_summary_quotes_the_verdict_the_main_reason_and_what_the_extra_money_buys() {
    let o = assess(&dental_practice(), &rules());
    assert_eq!(o.recommendation, Verdict::Managed);
    let s = &o.summary;
    assert!(
        s.starts_with("Managed IT services fit Harbour Dental"),
        "{s}"
    );
    assert!(s.contains("mainly because"), "{s}");
    assert!(
        s.ends_with('.') && s.matches(". ").count() == 0,
        "one sentence: {s}"
    );
    let diff = o.costs.managed.expected_annual - o.costs.break_fix.expected_annual;
    if diff > 0.0 {
        assert!(s.contains(&money_about(diff)), "{s}");
        assert!(
            s.contains("a year more than break/fix and buys fixed monthly bills"),
            "{s}"
        );
    } else {
        assert!(s.contains("a year less than break/fix"), "{s}");
    }
    let studio = assess(&tiny_studio(), &rules());
    assert!(
        studio
            .summary
            .starts_with("Break/fix fits Two Pines Studio"),
        "{}",
        studio.summary
    );
}

#[test]
fn a_70_person_firm_typing_3_problems_a_month_is_warned_and_still_priced_sensibly() {
    let a = business(70, 3.0);
    let o = assess(&a, &rules());
    let w = o
        .warnings
        .iter()
        .find(|w| w.key == "incidents_per_month")
        .expect("a warning about the count");
    assert!(w.message.contains("42"), "{}", w.message);
    // Routine requests and the security tools count even when few problems are typed.
    assert!(line(&o.costs.break_fix, "routine_requests") > 0.0);
    assert!((line(&o.costs.break_fix, "security_tools") - 70.0 * 20.0 * 12.0).abs() < 1e-6);
    assert!(
        o.costs.break_even_fee_per_user > 31.0 * 1.5,
        "{}",
        o.costs.break_even_fee_per_user
    );
}

#[test]
fn a_shop_with_shared_tills_pays_half_a_seat_for_each_till_user() {
    let a = Answers {
        light_users: Some(10),
        ..business(16, 4.0)
    };
    let o = assess(&a, &rules());
    // 6 full users + 10 light users at half a seat = 11 seats.
    assert_eq!(line(&o.costs.managed, "fee"), 11.0 * 125.0 * 12.0);
    assert!(
        o.costs.managed.components[0]
            .formula
            .contains("light users")
    );
    assert_eq!(o.answers["light_users"], 10);
    let everyone_full = assess(&business(16, 4.0), &rules());
    assert!(o.costs.managed.expected_annual < everyone_full.costs.managed.expected_annual);
    assert!(o.costs.break_even_fee_per_user > everyone_full.costs.break_even_fee_per_user);
}

#[test]
fn the_informal_helpers_time_is_a_cost_of_break_fix() {
    let o = assess(&business(8, 2.0), &rules());
    let helper = line(&o.costs.break_fix, "in_house");
    assert!(helper > 0.0);
    // A managed contract relieves most of it.
    assert!(line(&o.costs.managed, "in_house") < helper / 2.0);
}

#[test]
fn a_regulated_practice_with_only_part_time_help_is_not_left_on_break_fix() {
    let a = Answers {
        security: Security::Regulated,
        in_house_it: InHouseIt::PartTime,
        it_reliance: Reliance::Low,
        complexity: Complexity::Simple,
        budget: Budget::Tight,
        cost_preference: CostPreference::PayPerUse,
        control: Control::HandsOn,
        ..business(6, 0.5)
    };
    let o = assess(&a, &rules());
    assert_eq!(o.recommendation, Verdict::Managed);
    assert_ne!(o.confidence, Confidence::Strong);
    assert!(o.notes[0].contains("nobody in your team looks after IT full-time"));
}

#[test]
fn a_ransomware_year_shows_in_p99_and_in_words() {
    let a = Answers {
        security: Security::Regulated,
        ..business(15, 6.0)
    };
    let o = assess(&a, &rules());
    let bf = &o.costs.break_fix;
    let p99 = bf.p99.expect("p99");
    // 6% a year: far beyond the 90th percentile, and worth at least the typical response bill.
    assert!(p99 > bf.p90 + 40_000.0, "p90 {} p99 {p99}", bf.p90);
    assert!(line(bf, "severe_event") > 0.0);
    // Managed pays the recovery work its contract does not cover, too.
    assert!(
        o.costs
            .managed
            .components
            .iter()
            .any(|l| l.key == "severe_event"
                && l.formula.contains("recovery work")
                && l.formula.contains("breach notification")),
        "{:?}",
        o.costs.managed.components
    );
    assert!(
        o.notes
            .iter()
            .any(|n| n.starts_with("What a bad year could cost")
                && n.contains("one year in a hundred")),
        "{:?}",
        o.notes
    );
}

#[test]
fn a_two_person_office_is_billed_the_providers_minimum_and_onboarding_once() {
    let o = assess(&business(2, 0.5), &rules());
    let m = &o.costs.managed;
    assert_eq!(line(m, "fee"), 5.0 * 125.0 * 12.0);
    assert_eq!(line(m, "onboarding"), 5.0 * 125.0 / 3.0);
    assert!(
        m.components[0].formula.contains("the provider's minimum"),
        "{}",
        m.components[0].formula
    );
}

#[test]
fn a_firm_with_full_time_it_staff_under_30_people_gets_co_managed_or_break_fix() {
    let rules = rules();
    for employees in [5, 12, 29] {
        let a = Answers {
            in_house_it: InHouseIt::Dedicated,
            it_reliance: Reliance::Critical,
            complexity: Complexity::Complex,
            cost_preference: CostPreference::Predictable,
            ..business(employees, 10.0)
        };
        let o = assess(&a, &rules);
        assert_eq!(o.recommendation, Verdict::CoManaged, "{employees}");
        assert!(o.notes[0].contains("pay a provider for the work your staff already do"));
        let modest = Answers {
            it_reliance: Reliance::Low,
            complexity: Complexity::Simple,
            cost_preference: CostPreference::PayPerUse,
            ..business(employees, 1.0)
        };
        let modest = Answers {
            in_house_it: InHouseIt::Dedicated,
            ..modest
        };
        assert_eq!(
            assess(&modest, &rules).recommendation,
            Verdict::BreakFix,
            "{employees}"
        );
    }
}

#[test]
fn ten_and_eleven_people_differ_by_a_fraction_of_a_point_not_a_cliff() {
    let rules = rules();
    let score = |e: u32, inc: f64| Evaluation::new(&business(e, inc), &rules).answer_points;
    let d = |a: [f64; 11], b: [f64; 11]| (a[0] - b[0]).abs() + (a[4] - b[4]).abs();
    assert!(d(score(10, 1.0), score(11, 1.0)) <= 0.5 + 1e-9);
    assert!(d(score(29, 1.0), score(30, 1.0)) <= 0.1);
    assert!(d(score(10, 0.5), score(10, 0.51)) <= 0.02);
}

#[test]
fn odd_answers_are_questioned_and_ordinary_ones_are_not() {
    let rules = rules();
    assert!(assess(&business(20, 8.0), &rules).warnings.is_empty());
    let keys = |a: Answers| -> Vec<String> {
        assess(&a, &rules)
            .warnings
            .into_iter()
            .map(|w| w.key)
            .collect()
    };
    assert!(
        keys(Answers {
            in_house_it: InHouseIt::Dedicated,
            ..business(1, 0.5)
        })
        .contains(&"in_house_it".to_owned())
    );
    assert!(
        keys(Answers {
            it_reliance: Reliance::Critical,
            downtime_cost_per_hour: Some(10.0),
            ..business(20, 8.0)
        })
        .contains(&"downtime_cost_per_hour".to_owned())
    );
    assert!(keys(business(10, 40.0)).contains(&"incidents_per_month".to_owned()));
    assert!(keys(business(5_000, 3_000.0f64.min(500.0))).contains(&"employees".to_owned()));
    assert!(
        keys(Answers {
            downtime_cost_per_hour: Some(2_000_000.0),
            ..business(20, 8.0)
        })
        .contains(&"break_even_fee_per_user".to_owned())
    );
    // A warning never blocks the verdict.
    let odd = assess(&business(10, 40.0), &rules);
    assert!(!odd.warnings.is_empty() && !odd.summary.is_empty());
}

#[test]
fn when_the_money_is_the_main_reason_the_summary_says_it_once() {
    let rules = rules();
    let cases = owners::cases();
    let mut seen = 0;
    for case in &cases {
        let o = assess(&case.answers, &rules);
        assert_eq!(
            o.summary.matches("a year less than").count()
                + o.summary.matches("a year more than").count(),
            1,
            "{}",
            o.summary
        );
        if o.summary.contains("mainly because it costs about") {
            seen += 1;
        }
    }
    let cheap = Answers {
        managed_fee_per_user: Some(40.0),
        ..business(30, 12.0)
    };
    let o = assess(&cheap, &rules);
    assert_eq!(o.recommendation, Verdict::Managed);
    assert!(
        o.summary.contains("mainly because it costs about") && !o.summary.contains("also costs"),
        "{} ({seen} owner cases led with the money)",
        o.summary
    );
}

#[test]
fn a_part_time_it_person_hears_when_co_managed_would_cost_least() {
    let a = Answers {
        security: Security::Regulated,
        in_house_it: InHouseIt::PartTime,
        it_reliance: Reliance::Low,
        complexity: Complexity::Simple,
        budget: Budget::Tight,
        cost_preference: CostPreference::PayPerUse,
        control: Control::HandsOn,
        ..business(6, 0.5)
    };
    let o = assess(&a, &rules());
    let co = o.costs.co_managed.as_ref().expect("co-managed costed");
    assert!(
        co.expected_annual
            < o.costs
                .managed
                .expected_annual
                .min(o.costs.break_fix.expected_annual)
    );
    assert!(
        o.notes
            .iter()
            .any(|n| n.starts_with("Co-managed IT, your own IT person")
                && n.contains(&money_about(co.expected_annual))),
        "{:?}",
        o.notes
    );
}

#[test]
fn a_co_managed_page_explains_a_co_managed_provider_and_says_why_the_extra_money_matters() {
    let rules = rules();
    let a = Answers {
        in_house_it: InHouseIt::Dedicated,
        it_reliance: Reliance::Critical,
        complexity: Complexity::Complex,
        support_hours: SupportHours::Always,
        cost_preference: CostPreference::Predictable,
        ..business(12, 10.0)
    };
    let o = assess(&a, &rules);
    assert_eq!(o.recommendation, Verdict::CoManaged);
    for f in o.factors.iter().filter(|f| f.points > 0.0) {
        assert_eq!(f.favours, Verdict::CoManaged, "{}", f.key);
        assert!(
            !f.explanation.contains("managed provider")
                || f.explanation.contains("co-managed provider"),
            "{}",
            f.explanation
        );
    }
    let reliance = o
        .factors
        .iter()
        .find(|f| f.key == "it_reliance")
        .expect("reliance");
    assert!(
        reliance.explanation.contains("a co-managed provider"),
        "{}",
        reliance.explanation
    );

    // Where the recommendation costs more, the note names what it buys and why that matters.
    let dental = assess(
        &Answers {
            managed_fee_per_user: Some(200.0),
            ..dental_practice()
        },
        &rules,
    );
    assert!(
        dental.notes.iter().any(
            |n| n.contains("a year more than break/fix") && n.contains("which matters because")
        ),
        "{:?}",
        dental.notes
    );
}

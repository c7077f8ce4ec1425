//! Owners' situations, each a row: the business in a sentence and what the advisor should say.

use super::*;

pub struct Case {
    pub situation: &'static str,
    pub answers: Answers,
    verdict: Verdict,
    /// `None` when any confidence is acceptable.
    confidence: Option<Confidence>,
}

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            situation: "a 3-person cloud-only office that could work on paper for a day, with a problem every five months, a tight budget, paying only when needed",
            answers: Answers {
                it_reliance: Reliance::Low,
                complexity: Complexity::Simple,
                budget: Budget::Tight,
                cost_preference: CostPreference::PayPerUse,
                ..business(3, 0.2)
            },
            verdict: Verdict::BreakFix,
            confidence: Some(Confidence::Strong),
        },
        Case {
            situation: "a 20-person firm where work stops within an hour, nobody does IT, 4 problems a month, wanting the same bill every month",
            answers: Answers {
                it_reliance: Reliance::High,
                in_house_it: InHouseIt::None,
                cost_preference: CostPreference::Predictable,
                ..business(20, 4.0)
            },
            verdict: Verdict::Managed,
            confidence: Some(Confidence::Strong),
        },
        Case {
            situation: "80 staff with 2 full-time IT people, regulated data, open around the clock",
            answers: Answers {
                in_house_it: InHouseIt::Dedicated,
                security: Security::Regulated,
                support_hours: SupportHours::Always,
                it_reliance: Reliance::High,
                complexity: Complexity::Complex,
                ..business(80, 30.0)
            },
            verdict: Verdict::CoManaged,
            confidence: Some(Confidence::Strong),
        },
        Case {
            // Defensible either way; the model leans to managed only slightly, so it must say so.
            situation: "a 10-person firm with a part-time IT person and moderate everything",
            answers: Answers {
                in_house_it: InHouseIt::PartTime,
                security: Security::Sensitive,
                growth: Growth::Growing,
                ..business(10, 2.0)
            },
            verdict: Verdict::Managed,
            confidence: Some(Confidence::CloseCall),
        },
        Case {
            situation: "a dental practice of 20 with patient records, nobody doing IT, 4 problems a month",
            answers: Answers {
                company: None,
                ..crate::rules::fixtures::dental_practice()
            },
            verdict: Verdict::Managed,
            confidence: Some(Confidence::Strong),
        },
        Case {
            situation: "a 4-person bookkeeper holding regulated client data with nobody doing IT, who otherwise looks like break/fix",
            answers: Answers {
                it_reliance: Reliance::Low,
                complexity: Complexity::Simple,
                security: Security::Regulated,
                in_house_it: InHouseIt::None,
                budget: Budget::Tight,
                cost_preference: CostPreference::PayPerUse,
                ..business(4, 0.3)
            },
            verdict: Verdict::Managed,
            confidence: Some(Confidence::Moderate),
        },
        Case {
            situation: "a 40-person warehouse with its own IT technician, little reliance on IT, rare problems, wanting to run things itself",
            answers: Answers {
                it_reliance: Reliance::Low,
                complexity: Complexity::Simple,
                in_house_it: InHouseIt::Dedicated,
                budget: Budget::Tight,
                cost_preference: CostPreference::PayPerUse,
                control: Control::HandsOn,
                ..business(40, 0.5)
            },
            verdict: Verdict::BreakFix,
            confidence: None,
        },
        Case {
            situation: "a 12-person clinic-sized office with a full-time IT person and a 24/7 phone line",
            answers: Answers {
                in_house_it: InHouseIt::Dedicated,
                support_hours: SupportHours::Always,
                it_reliance: Reliance::Critical,
                ..business(12, 3.0)
            },
            verdict: Verdict::CoManaged,
            confidence: None,
        },
        Case {
            situation: "a 150-person firm with no IT staff and a complex set-up",
            answers: Answers {
                complexity: Complexity::Complex,
                in_house_it: InHouseIt::None,
                it_reliance: Reliance::High,
                ..business(150, 40.0)
            },
            verdict: Verdict::Managed,
            confidence: Some(Confidence::Strong),
        },
    ]
}

#[test]
fn owners_get_the_advice_their_situation_calls_for() {
    let rules = RuleSet::embedded();
    for case in cases() {
        let o = assess(&case.answers, &rules);
        assert_eq!(
            o.recommendation, case.verdict,
            "{}: score {} notes {:?}",
            case.situation, o.score, o.notes
        );
        if let Some(c) = case.confidence {
            assert_eq!(o.confidence, c, "{}: score {}", case.situation, o.score);
        }
    }
}

#[test]
fn a_20_person_firm_at_the_defaults_matches_the_domain_calibration() {
    // DOMAIN §7: 20 users at the defaults, 5 problems a month: break/fix ≈ $31K, managed ≈ $35K,
    // break-even ≈ $110 per user per month. Rules 2027.01-1 add to break/fix what §7 left out
    // (§10: security tools ≈ $4,800, routine requests ≈ $3,200, severe-event fees), so break/fix
    // lands around $41K and the break-even fee higher.
    let rules = RuleSet::embedded();
    let a = Answers {
        it_reliance: Reliance::High,
        ..business(20, 5.0)
    };
    let c = assess(&a, &rules).costs;
    assert!(
        (35_000.0..=48_000.0).contains(&c.break_fix.expected_annual),
        "{}",
        c.break_fix.expected_annual
    );
    assert!(
        (32_000.0..=38_000.0).contains(&c.managed.expected_annual),
        "{}",
        c.managed.expected_annual
    );
    assert!(
        (120.0..=160.0).contains(&c.break_even_fee_per_user),
        "{}",
        c.break_even_fee_per_user
    );
    // Break/fix spreads far more than managed (DOMAIN §7: ~4× the standard deviation).
    let width = |s: &outcome::CostSpread| s.p90 - s.p10;
    assert!(width(&c.break_fix) > 2.0 * width(&c.managed));
}

#[test]
fn cost_lines_add_up_to_the_expected_cost_and_percentiles_are_ordered() {
    let rules = RuleSet::embedded();
    for case in cases() {
        let c = assess(&case.answers, &rules).costs;
        for s in [&c.break_fix, &c.managed] {
            let sum: f64 = s.components.iter().map(|l| l.expected_annual).sum();
            assert_eq!(sum, s.expected_annual, "{}", case.situation);
            assert!(s.p10 <= s.p50 && s.p50 <= s.p90, "{}", case.situation);
            assert!(s.components.iter().all(|l| !l.formula.is_empty()));
        }
        assert_eq!(c.years_simulated, 10_000);
    }
}

#[test]
fn the_break_even_fee_makes_both_models_cost_the_same() {
    let rules = RuleSet::embedded();
    let a = Answers {
        it_reliance: Reliance::High,
        ..business(20, 5.0)
    };
    let fee = assess(&a, &rules).costs.break_even_fee_per_user;
    let at_fee = assess(
        &Answers {
            managed_fee_per_user: Some(fee),
            ..a
        },
        &rules,
    )
    .costs;
    assert!((at_fee.managed.expected_annual - at_fee.break_fix.expected_annual).abs() < 1e-6);
}

#[test]
fn a_business_with_its_own_it_staff_sees_co_managed_costed_with_their_pay_in_every_model() {
    // 80 staff, 2 full-time IT people (80 ÷ 60 users each = 1.33 people at $85,683).
    let rules = RuleSet::embedded();
    let o = assess(&cases()[2].answers, &rules);
    let co = o.costs.co_managed.as_ref().expect("co-managed is costed");
    let line = |s: &outcome::CostSpread, key: &str| {
        s.components
            .iter()
            .find(|l| l.key == key)
            .map_or(0.0, |l| l.expected_annual)
    };
    let pay = 80.0 / 60.0 * 85_683.0;
    for spread in [&o.costs.break_fix, &o.costs.managed, co] {
        assert!((line(spread, "in_house") - pay).abs() < 1.0, "{spread:?}");
    }
    assert!((line(co, "fee") - 0.55 * line(&o.costs.managed, "fee")).abs() < 1e-6);
    assert!(co.expected_annual < o.costs.managed.expected_annual);
    assert!(co.p10 <= co.p50 && co.p90 <= co.p99.unwrap_or(0.0));
    assert!(
        o.assumptions
            .iter()
            .any(|a| a.key == "co_managed_fee_share")
    );
}

#[test]
fn every_explanation_quotes_the_owners_answer_and_factors_are_sorted() {
    let rules = RuleSet::embedded();
    for case in cases() {
        let o = assess(&case.answers, &rules);
        let sum: f64 = o.factors.iter().map(|f| f.points).sum();
        assert!((sum - o.score).abs() < 1e-9);
        assert!(
            o.factors
                .windows(2)
                .all(|w| w[0].points.abs() >= w[1].points.abs())
        );
        for f in &o.factors {
            assert_ne!(f.points, 0.0);
            assert_eq!(f.favours != Verdict::BreakFix, f.points > 0.0);
            let e = &f.explanation;
            assert!(
                e.starts_with("You")
                    || e.contains("people use IT")
                    || e.starts_with("In an average year")
                    || e.starts_with("A colleague")
                    || e.starts_with("Nobody")
                    || e.starts_with("IT is part"),
                "{e}"
            );
            assert!(e.ends_with('.'), "{e}");
        }
        let costs = o
            .factors
            .iter()
            .find(|f| f.key == "costs")
            .expect("costs factor");
        assert!(
            costs
                .explanation
                .contains(&money_about(o.costs.break_fix.p90)),
            "{}",
            costs.explanation
        );
        let provider_p90 = o
            .costs
            .co_managed
            .as_ref()
            .filter(|_| case.answers.in_house_it == InHouseIt::Dedicated)
            .map_or(o.costs.managed.p90, |c| c.p90);
        assert!(
            costs.explanation.contains(&money_about(provider_p90)),
            "{}",
            costs.explanation
        );
    }
}

#[test]
fn the_same_answers_give_the_same_outcome_to_the_last_digit() {
    let rules = RuleSet::embedded();
    for case in cases() {
        assert_eq!(
            assess(&case.answers, &rules),
            assess(&case.answers.clone(), &rules.clone())
        );
    }
}

#[test]
fn a_new_rules_version_reseeds_the_simulation() {
    let rules = RuleSet::embedded();
    let other = RuleSet {
        version: "test-other".into(),
        ..rules.clone()
    };
    let a = &cases()[1].answers;
    let (x, y) = (assess(a, &rules), assess(a, &other));
    assert_eq!(
        x.costs.break_fix.expected_annual,
        y.costs.break_fix.expected_annual
    );
    assert_ne!(x.costs.break_fix.p90, y.costs.break_fix.p90);
}

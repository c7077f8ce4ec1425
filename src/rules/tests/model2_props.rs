//! Advice model 2's properties on the production rules: the money, the problem count and
//! growth only ever move the score the way they should, a recommendation costing far more is
//! never strong, and full-time IT staff never get full managed.

use proptest::prelude::*;
use proptest::sample::select;

use super::super::evaluate::Evaluation;
use super::*;

fn rules() -> RuleSet {
    RuleSet::embedded()
}

fn any_answers() -> impl Strategy<Value = Answers> {
    (
        (
            1..=400u32,
            0.0..=40.0f64,
            select(Reliance::ALL),
            select(Complexity::ALL),
        ),
        (
            select(Security::ALL),
            select(InHouseIt::ALL),
            select(Budget::ALL),
        ),
        (
            select(CostPreference::ALL),
            select(Control::ALL),
            select(SupportHours::ALL),
            select(Growth::ALL),
        ),
    )
        .prop_map(|((e, i, r, c), (s, ih, b), (cp, ctl, sh, g))| Answers {
            it_reliance: r,
            complexity: c,
            security: s,
            in_house_it: ih,
            budget: b,
            cost_preference: cp,
            control: ctl,
            support_hours: sh,
            growth: g,
            ..business(e, i)
        })
}

fn not_lower(later: f64, earlier: f64) -> bool {
    later >= earlier - 1e-9 * (1.0 + earlier.abs())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_higher_quote_never_favours_managed(a in any_answers(), f1 in 1.0..=2_000.0f64, f2 in 1.0..=2_000.0f64) {
        let rules = rules();
        let (lo, hi) = (f1.min(f2), f1.max(f2));
        let s = |fee| Evaluation::new(&Answers { managed_fee_per_user: Some(fee), ..a.clone() }, &rules).score;
        prop_assert!(not_lower(s(lo), s(hi)));
    }

    #[test]
    fn a_dearer_technician_never_favours_break_fix(a in any_answers(), r1 in 1.0..=1_000.0f64, r2 in 1.0..=1_000.0f64) {
        let rules = rules();
        let (lo, hi) = (r1.min(r2), r1.max(r2));
        let s = |rate| Evaluation::new(&Answers { hourly_rate: Some(rate), ..a.clone() }, &rules).score;
        prop_assert!(not_lower(s(hi), s(lo)));
    }

    #[test]
    fn costlier_downtime_never_favours_break_fix(a in any_answers(), d1 in 0.0..=1e7f64, d2 in 0.0..=1e7f64) {
        let rules = rules();
        let (lo, hi) = (d1.min(d2), d1.max(d2));
        let s = |d| Evaluation::new(&Answers { downtime_cost_per_hour: Some(d), ..a.clone() }, &rules).score;
        prop_assert!(not_lower(s(hi), s(lo)));
    }

    #[test]
    fn more_problems_never_favour_break_fix(a in any_answers(), extra in 0.0..=100.0f64) {
        let rules = rules();
        let more = Answers { incidents_per_month: (a.incidents_per_month + extra).min(500.0), ..a.clone() };
        prop_assert!(not_lower(Evaluation::new(&more, &rules).score, Evaluation::new(&a, &rules).score));
    }

    /// A business growing in proportion (people and problems together) moves from break/fix
    /// towards a provider and never back.
    #[test]
    fn a_business_growing_in_proportion_never_goes_back_to_break_fix(
        a in any_answers(),
        per_person in 0.05..=1.5f64,
    ) {
        let rules = rules();
        let start = a.employees.min(20);
        let mut left_break_fix = false;
        let mut n = f64::from(start);
        // Up to the questionnaire's limits: 10,000 people and 500 problems a month.
        while n <= 10_000.0 && per_person * n <= 500.0 {
            let people = n.round() as u32;
            let grown = Answers {
                employees: people,
                incidents_per_month: per_person * f64::from(people),
                ..a.clone()
            };
            let v = Evaluation::new(&grown, &rules).verdict();
            if v != Verdict::BreakFix {
                left_break_fix = true;
            }
            prop_assert!(!(left_break_fix && v == Verdict::BreakFix), "back to break/fix at {people} people: {grown:?}");
            n *= 1.25;
        }
    }

    /// Paying several times more is never called strong.
    #[test]
    fn a_recommendation_costing_far_more_than_the_cheapest_is_never_strong(a in any_answers(), fee in prop_oneof![Just(None), (25.0..=600.0f64).prop_map(Some)]) {
        let rules = rules();
        let a = Answers { managed_fee_per_user: fee, ..a };
        let e = Evaluation::new(&a, &rules);
        let c = e.confidence(&rules);
        if e.cost_ratio() >= rules.verdict.close_call_cost_ratio {
            prop_assert_eq!(c, Confidence::CloseCall);
        } else if e.cost_ratio() >= rules.verdict.moderate_cost_ratio {
            prop_assert_ne!(c, Confidence::Strong);
        }
    }

    /// A business with full-time IT staff is never sold a full managed contract.
    #[test]
    fn full_time_it_staff_never_get_full_managed(a in any_answers()) {
        let a = Answers { in_house_it: InHouseIt::Dedicated, ..a };
        prop_assert_ne!(Evaluation::new(&a, &rules()).verdict(), Verdict::Managed);
    }
}

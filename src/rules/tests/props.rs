//! Properties that must hold for every valid set of answers.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;

fn config(cases: u32) -> ProptestConfig {
    // No regression files: they would land outside src/rules.
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The production rules, with the production number of simulated years. (The verdict, the
/// score and the expected costs do not depend on the simulation at all; the spread's properties
/// hold year by year, so for any number of years.)
fn quick_rules() -> RuleSet {
    RuleSet::embedded()
}

fn employees() -> impl Strategy<Value = u32> {
    prop_oneof![1..=60u32, 1..=10_000u32, Just(1u32), Just(10_000u32)]
}

fn incidents() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0..=6.0f64,
        0.0..=500.0f64,
        Just(0.0),
        Just(500.0),
        (0..=40u32).prop_map(|n| f64::from(n) / 4.0)
    ]
}

fn money(max: f64) -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        3 => Just(None),
        1 => (1.0..=300.0f64).prop_map(Some),
        1 => (1.0..=max).prop_map(Some),
        1 => Just(Some(1.0)),
        1 => Just(Some(max)),
    ]
}

fn downtime() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        3 => Just(None),
        1 => (0.0..=5_000.0f64).prop_map(Some),
        1 => (0.0..=10_000_000.0f64).prop_map(Some),
        1 => Just(Some(0.0)),
        1 => Just(Some(10_000_000.0)),
    ]
}

fn answers() -> impl Strategy<Value = Answers> {
    (
        (
            employees(),
            incidents(),
            select(Growth::ALL),
            select(Reliance::ALL),
            select(Complexity::ALL),
        ),
        (
            select(SupportHours::ALL),
            select(Security::ALL),
            select(InHouseIt::ALL),
            select(Budget::ALL),
        ),
        (
            select(CostPreference::ALL),
            select(Control::ALL),
            money(10_000.0),
            money(10_000.0),
            downtime(),
        ),
    )
        .prop_map(
            |((e, i, g, r, cx), (s, sec, it, b), (cp, ctl, rate, fee, down))| Answers {
                company: None,
                employees: e,
                light_users: None,
                growth: g,
                it_reliance: r,
                complexity: cx,
                incidents_per_month: i,
                support_hours: s,
                security: sec,
                in_house_it: it,
                budget: b,
                cost_preference: cp,
                control: ctl,
                hourly_rate: rate,
                managed_fee_per_user: fee,
                downtime_cost_per_hour: down,
            },
        )
}

/// `later` must not be below `earlier`, allowing for rounding in sums of different terms.
fn not_lower(later: f64, earlier: f64) -> bool {
    later >= earlier - 1e-9 * (1.0 + earlier.abs())
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn any_valid_answers_give_a_consistent_outcome(a in answers()) {
        let rules = quick_rules();
        let o = assess(&a, &rules);
        prop_assert!(o.score.is_finite());
        let sum: f64 = o.factors.iter().map(|f| f.points).sum();
        prop_assert!((sum - o.score).abs() < 1e-9, "{} vs {}", sum, o.score);
        prop_assert!(o.factors.iter().all(|f| f.points != 0.0 && f.points.is_finite()));
        prop_assert!(o.factors.windows(2).all(|w| w[0].points.abs() >= w[1].points.abs()));
        let co_costed = matches!(a.in_house_it, InHouseIt::PartTime | InHouseIt::Dedicated);
        prop_assert_eq!(o.costs.co_managed.is_some(), co_costed);
        prop_assert!(!o.summary.is_empty());
        for s in [&o.costs.break_fix, &o.costs.managed].into_iter().chain(o.costs.co_managed.as_ref()) {
            let p99 = s.p99.unwrap_or(f64::NAN);
            prop_assert!(s.p10 <= s.p50 && s.p50 <= s.p90 && s.p90 <= p99, "{:?}", s);
            prop_assert!(s.expected_annual.is_finite() && s.p90.is_finite());
            let lines: f64 = s.components.iter().map(|l| l.expected_annual).sum();
            prop_assert_eq!(lines, s.expected_annual);
        }
        prop_assert!(o.costs.break_even_fee_per_user >= 0.0 && o.costs.break_even_fee_per_user.is_finite());
        prop_assert!(o.what_would_change.iter().all(|c| c.recommendation != o.recommendation));
        let at_most = Answers { managed_fee_per_user: Some(10_000.0), ..a.clone() };
        if o.recommendation == Verdict::Managed && assess(&at_most, &rules).recommendation != Verdict::Managed {
            prop_assert!(o.what_would_change.iter().any(|c| c.key == "managed_fee_per_user"),
                "a managed verdict names its fee threshold: {:?}", o.what_would_change);
        }
        prop_assert!(o.assumptions.iter().all(|x| x.value.is_finite()));
        prop_assert!(serde_json::to_string(&o).is_ok());
    }

    #[test]
    fn the_same_answers_give_the_same_outcome(a in answers()) {
        let rules = quick_rules();
        prop_assert_eq!(assess(&a, &rules), assess(&a.clone(), &rules));
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn more_reliance_never_lowers_the_score(a in answers()) {
        let rules = quick_rules();
        let scores: Vec<f64> = Reliance::ALL.iter().map(|r| assess(&Answers { it_reliance: *r, ..a.clone() }, &rules).score).collect();
        prop_assert!(scores.windows(2).all(|w| not_lower(w[1], w[0])), "{:?}", scores);
    }

    #[test]
    fn more_complexity_never_lowers_the_score(a in answers()) {
        let rules = quick_rules();
        let scores: Vec<f64> = Complexity::ALL.iter().map(|c| assess(&Answers { complexity: *c, ..a.clone() }, &rules).score).collect();
        prop_assert!(scores.windows(2).all(|w| not_lower(w[1], w[0])), "{:?}", scores);
    }

    #[test]
    fn stricter_security_never_lowers_the_score(a in answers()) {
        let rules = quick_rules();
        let scores: Vec<f64> = Security::ALL.iter().map(|s| assess(&Answers { security: *s, ..a.clone() }, &rules).score).collect();
        prop_assert!(scores.windows(2).all(|w| not_lower(w[1], w[0])), "{:?}", scores);
    }

    #[test]
    fn more_incidents_never_lower_the_score_or_break_fix_costs(a in answers(), extra in prop_oneof![0.0..=0.5f64, 0.0..=50.0f64]) {
        let rules = quick_rules();
        let more = Answers { incidents_per_month: (a.incidents_per_month + extra).min(500.0), ..a.clone() };
        let (before, after) = (assess(&a, &rules), assess(&more, &rules));
        prop_assert!(not_lower(after.score, before.score), "{} → {}", before.score, after.score);
        let (b, c) = (&before.costs.break_fix, &after.costs.break_fix);
        prop_assert!(not_lower(c.expected_annual, b.expected_annual));
        prop_assert!(not_lower(c.p90, b.p90), "p90 {} → {}", b.p90, c.p90);
        prop_assert!(not_lower(c.p50, b.p50) && not_lower(c.p10, b.p10));
    }
}

//! The rules on arbitrary answers: every combination of choices, numbers anywhere from inside
//! the allowed ranges to NaN, infinities and text that is no number. What the parser accepts is
//! assessed, and the outcome must keep the contract: finite figures, factor points that add up
//! to the score, ordered cost spreads, and the same outcome for the same answers.

#![no_main]

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use servicefit::rules::answers::{
    Choice,
    Budget, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};
use servicefit::rules::{Outcome, RawAnswers, RuleSet, assess};

static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::embedded);

/// A number as a client might send it. Most inputs land inside the ranges so that the rules
/// themselves, not just the parser, get exercised.
#[derive(Arbitrary, Debug)]
enum Number {
    Absent,
    /// Scaled into `lo..=hi` of the field.
    Within(u32),
    Whole(i64),
    Float(f64),
    Text(String),
}

impl Number {
    fn text(&self, (lo, hi): (f64, f64)) -> Option<String> {
        match self {
            Number::Absent => None,
            Number::Within(n) => {
                let v = lo + (hi - lo) * (f64::from(*n) / f64::from(u32::MAX));
                Some(
                    format!("{:.2}", v)
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_owned(),
                )
            }
            Number::Whole(n) => Some(n.to_string()),
            Number::Float(f) => Some(f.to_string()),
            Number::Text(s) => Some(s.clone()),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    company: Option<String>,
    employees: Number,
    growth: u8,
    it_reliance: u8,
    complexity: u8,
    incidents_per_month: Number,
    support_hours: u8,
    security: u8,
    in_house_it: u8,
    budget: u8,
    cost_preference: u8,
    control: u8,
    hourly_rate: Number,
    managed_fee_per_user: Number,
    downtime_cost_per_hour: Number,
}

fn pick<T: Copy>(all: &[T], i: u8, code: fn(T) -> &'static str) -> String {
    code(all[usize::from(i) % all.len()]).to_owned()
}

impl Input {
    fn raw(&self) -> RawAnswers {
        let mut raw = RawAnswers::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                raw.insert(k.to_owned(), v);
            }
        };
        put("company", self.company.clone());
        put(
            "employees",
            self.employees.text((1.0, 10_000.0)).map(|t| {
                // Whole numbers are the only valid ones; keep most in-range values whole.
                t.split('.').next().unwrap_or_default().to_owned()
            }),
        );
        put("growth", Some(pick(Growth::ALL, self.growth, Growth::code)));
        put(
            "it_reliance",
            Some(pick(Reliance::ALL, self.it_reliance, Reliance::code)),
        );
        put(
            "complexity",
            Some(pick(Complexity::ALL, self.complexity, Complexity::code)),
        );
        put(
            "incidents_per_month",
            self.incidents_per_month.text((0.0, 500.0)),
        );
        put(
            "support_hours",
            Some(pick(
                SupportHours::ALL,
                self.support_hours,
                SupportHours::code,
            )),
        );
        put(
            "security",
            Some(pick(Security::ALL, self.security, Security::code)),
        );
        put(
            "in_house_it",
            Some(pick(InHouseIt::ALL, self.in_house_it, InHouseIt::code)),
        );
        put("budget", Some(pick(Budget::ALL, self.budget, Budget::code)));
        put(
            "cost_preference",
            Some(pick(
                CostPreference::ALL,
                self.cost_preference,
                CostPreference::code,
            )),
        );
        put(
            "control",
            Some(pick(Control::ALL, self.control, Control::code)),
        );
        put("hourly_rate", self.hourly_rate.text((1.0, 10_000.0)));
        put(
            "managed_fee_per_user",
            self.managed_fee_per_user.text((1.0, 10_000.0)),
        );
        put(
            "downtime_cost_per_hour",
            self.downtime_cost_per_hour.text((0.0, 10_000_000.0)),
        );
        raw
    }
}

fuzz_target!(|input: Input| {
    let Some(answers) = servicefit_fuzz::parse_checked(&input.raw()) else {
        return;
    };
    let outcome = assess(&answers, &RULES);
    assert!(outcome.score.is_finite());
    let sum: f64 = outcome.factors.iter().map(|f| f.points).sum();
    assert!(
        (sum - outcome.score).abs() < 1e-6,
        "points {sum} vs score {}",
        outcome.score
    );
    for spread in [&outcome.costs.break_fix, &outcome.costs.managed] {
        for v in [spread.expected_annual, spread.p10, spread.p50, spread.p90] {
            assert!(v.is_finite() && v >= 0.0, "{spread:?}");
        }
        assert!(
            spread.p10 <= spread.p50 && spread.p50 <= spread.p90,
            "{spread:?}"
        );
    }
    assert!(outcome.costs.break_even_fee_per_user.is_finite());
    let json = serde_json::to_string(&outcome).expect("an outcome serialises");
    // A non-finite figure anywhere would be stored as `null`, and its results page could not
    // read it back.
    serde_json::from_str::<Outcome>(&json).expect("the stored outcome reads back");
    let again = serde_json::to_string(&assess(&answers, &RULES)).expect("serialises");
    assert_eq!(json, again, "same answers, same outcome");
});

//! Checks on a rules file's numbers. Each problem names the key, so whoever edits the TOML can
//! find it; all problems are collected before the file is refused.
//!
//! Besides plain ranges (probabilities in 0..=1, positive rates), the checks keep the model
//! consistent with the guarantees the advisor makes: managed never has a higher outage chance,
//! longer outage or slower fix than break/fix, and ordered answers never map to smaller effects.
//! Those are what make "more reliance / incidents / complexity / security never pushes towards
//! break/fix" hold for every simulated year, not merely on average.

use std::collections::BTreeMap;

use super::answers::Choice;
use super::cost_rules::RawSourcedTable;
use super::ruleset::{
    CostRules, Factors, Knot, Overrides, PerChoice, RulesError, SimulationRules, Sourced,
    VerdictRules,
};

/// The fewest simulated years a rules file may ask for.
pub const MIN_YEARS: u32 = 10_000;
/// The most, so a rules file cannot make every assessment slow.
pub const MAX_YEARS: u32 = 1_000_000;
/// Upper bound on money and hour figures, far above any real price, to keep arithmetic finite.
pub(super) const HUGE: f64 = 1e9;

/// Collects problems while reading a rules file.
#[derive(Default)]
pub struct Checker {
    problems: Vec<String>,
}

impl Checker {
    pub(super) fn problem(&mut self, msg: String) {
        self.problems.push(msg);
    }

    /// `Ok` when nothing was wrong, else every problem found.
    pub fn finish(self) -> Result<(), RulesError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(RulesError::Invalid(self.problems))
        }
    }

    pub(super) fn finite(&mut self, path: &str, v: f64) {
        if !v.is_finite() {
            self.problem(format!("{path} must be a finite number (got {v})"));
        }
    }

    pub(super) fn probability(&mut self, path: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) {
            self.problem(format!(
                "{path} is a probability or share and must be between 0 and 1 (got {v})"
            ));
        }
    }

    pub(super) fn positive(&mut self, path: &str, v: f64) {
        if v.is_nan() || v <= 0.0 || v > HUGE {
            self.problem(format!(
                "{path} must be positive and at most {HUGE:e} (got {v})"
            ));
        }
    }

    pub(super) fn non_negative(&mut self, path: &str, v: f64) {
        if !(0.0..=HUGE).contains(&v) {
            self.problem(format!(
                "{path} must be zero or more and at most {HUGE:e} (got {v})"
            ));
        }
    }

    pub(super) fn sourced(&mut self, path: &str, s: &Sourced) {
        if s.source.trim().is_empty() {
            self.problem(format!(
                "{path}.source must name where the figure comes from"
            ));
        }
    }

    pub(super) fn not_above(&mut self, managed: (&str, f64), break_fix: (&str, f64)) {
        if managed.1 > break_fix.1 {
            self.problem(format!(
                "{} ({}) must not exceed {} ({}): managed support is never assumed to be worse",
                managed.0, managed.1, break_fix.0, break_fix.1
            ));
        }
    }

    pub(super) fn non_decreasing(&mut self, path: &str, values: &[f64], why: &str) {
        if values.windows(2).any(|w| w[1] < w[0]) {
            self.problem(format!(
                "{path} must not decrease from one answer to the next ({why})"
            ));
        }
    }

    /// Knots must rise strictly in `at` and never lose points: more of a numeric answer (people,
    /// problems) never favours break/fix.
    pub fn knots(&mut self, path: &str, knots: Vec<Knot>) -> Vec<Knot> {
        if knots.is_empty() {
            self.problem(format!("{path}.knots must list at least one knot"));
        }
        for k in &knots {
            self.finite(&format!("{path}.knots points"), k.points);
            self.finite(&format!("{path}.knots at"), k.at);
        }
        if knots.windows(2).any(|w| w[1].at <= w[0].at) {
            self.problem(format!("{path}.knots at values must increase"));
        }
        let points: Vec<f64> = knots.iter().map(|k| k.points).collect();
        self.non_decreasing(
            &format!("{path}.knots points"),
            &points,
            "more need must never favour break/fix",
        );
        knots
    }

    /// Every check that spans the whole file.
    #[allow(clippy::too_many_arguments)]
    pub fn rule_set(
        &mut self,
        version: &str,
        currency: &str,
        verdict: &VerdictRules,
        factors: &Factors,
        overrides: &Overrides,
        simulation: &SimulationRules,
        costs: &CostRules,
    ) {
        if version.trim().is_empty() {
            self.problem("version must not be empty".into());
        }
        if currency.trim().is_empty() {
            self.problem("currency must not be empty".into());
        }
        self.finite("verdict.managed_threshold", verdict.managed_threshold);
        let (moderate, strong) = (verdict.moderate_margin, verdict.strong_margin);
        let ordered = (0.0..=strong).contains(&moderate) && strong.is_finite();
        if !ordered {
            self.problem("verdict margins must satisfy 0 ≤ moderate_margin ≤ strong_margin".into());
        }

        let why = "more need must never favour break/fix";
        self.non_decreasing("factors.it_reliance", &factors.it_reliance, why);
        self.non_decreasing("factors.complexity", &factors.complexity, why);
        self.non_decreasing("factors.security", &factors.security, why);
        let cf = &factors.costs;
        self.non_negative("factors.costs.weight", cf.weight);
        self.positive(
            "factors.costs.reference_fee_per_user",
            cf.reference_fee_per_user,
        );
        let (r_mod, r_close) = (verdict.moderate_cost_ratio, verdict.close_call_cost_ratio);
        if !(r_mod >= 1.0 && r_close >= r_mod && r_close.is_finite()) {
            self.problem(
                "verdict cost ratios must satisfy 1 ≤ moderate_cost_ratio ≤ close_call_cost_ratio"
                    .into(),
            );
        }

        let co = &overrides.co_managed;
        if co.in_house_it.is_empty() {
            self.problem("overrides.co_managed.in_house_it must list at least one answer".into());
        }
        if co.min_employees == 0 {
            self.problem("overrides.co_managed.min_employees must be at least 1".into());
        }
        self.finite("overrides.co_managed.min_score", co.min_score);
        if co.min_score > verdict.managed_threshold {
            self.problem(
                "overrides.co_managed.min_score must not exceed verdict.managed_threshold".into(),
            );
        }

        if simulation.years < MIN_YEARS || simulation.years > MAX_YEARS {
            self.problem(format!(
                "simulation.years must be between {MIN_YEARS} and {MAX_YEARS} (got {})",
                simulation.years
            ));
        }
        self.sourced("simulation.duration_spread", &simulation.duration_spread);
        self.probability(
            "simulation.duration_spread",
            simulation.duration_spread.value,
        );

        self.costs(costs);
    }
}

/// Reads a table with one number per answer code, indexed like `all`.
pub fn choice_table<T: Choice>(
    check: &mut Checker,
    path: &str,
    mut map: BTreeMap<String, f64>,
) -> Vec<f64> {
    let values = T::ALL
        .iter()
        .map(|c| match map.remove(c.code()) {
            Some(v) => {
                check.finite(&format!("{path}.{}", c.code()), v);
                v
            }
            None => {
                check.problem(format!("{path} is missing the answer \"{}\"", c.code()));
                0.0
            }
        })
        .collect();
    for unknown in map.keys() {
        let allowed: Vec<&str> = T::ALL.iter().map(|c| c.code()).collect();
        check.problem(format!(
            "{path} has \"{unknown}\", which is not an answer (allowed: {})",
            allowed.join(", ")
        ));
    }
    values
}

/// Like [`choice_table`], for a table that also carries its `source`.
pub fn sourced_table<T: Choice>(
    check: &mut Checker,
    path: &str,
    raw: RawSourcedTable,
) -> PerChoice {
    if raw.source.trim().is_empty() {
        check.problem(format!(
            "{path}.source must name where the figures come from"
        ));
    }
    PerChoice {
        values: choice_table::<T>(check, path, raw.values),
        source: raw.source,
    }
}

//! The rule set: every weight, threshold and cost default, read from `rules/rules.toml`.
//!
//! The file is deserialised into a raw shape that mirrors it, checked as a whole (every problem
//! is reported, not only the first), and turned into a [`RuleSet`] whose per-answer tables are
//! indexed by the answer enums' `index()`, so scoring never looks anything up by name.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::answers::{
    Budget, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};
use super::cost_rules::RawSourcedTable;
pub use super::cost_rules::{
    AnswerMappings, BreakFixCosts, BusinessCosts, CostRules, InHouseCosts, ManagedCosts, PerChoice,
    SevereCosts, Sourced,
};
use super::outcome::Confidence;
use super::sampling::BillableHours;
use super::validate::{Checker, choice_table, sourced_table};

/// The rules compiled into the binary.
const EMBEDDED: &str = include_str!("../../rules/rules.toml");

/// Why a rules file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    /// Not TOML, or not the shape the rules need (a missing or misspelt key, a wrong type).
    #[error("the rules file could not be read: {0}")]
    Parse(String),
    /// Well-formed, but some numbers make no sense (a probability above 1, a negative rate…).
    #[error("the rules file has {} problem(s): {}", .0.len(), .0.join("; "))]
    Invalid(Vec<String>),
}

/// Points for a number falling in a band; `up_to` is inclusive.
/// One point of a piecewise-linear factor: `points` at the answer `at`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knot {
    pub at: f64,
    pub points: f64,
}

/// Points for a numeric answer: straight lines between the knots, flat before the first and
/// after the last (0 for no knots, which validation rules out).
pub fn knot_points(knots: &[Knot], value: f64) -> f64 {
    let Some(first) = knots.first() else {
        return 0.0;
    };
    if value <= first.at {
        return first.points;
    }
    for w in knots.windows(2) {
        let (a, b) = (w[0], w[1]);
        if value <= b.at {
            return a.points + (b.points - a.points) * (value - a.at) / (b.at - a.at);
        }
    }
    knots.last().map_or(0.0, |k| k.points)
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictRules {
    pub managed_threshold: f64,
    pub strong_margin: f64,
    pub moderate_margin: f64,
    /// A recommendation costing this many times the cheapest option is at most moderate.
    pub moderate_cost_ratio: f64,
    /// … and at this many times, at most a close call.
    pub close_call_cost_ratio: f64,
}

/// How the cost comparison turns into points: the `[factors.costs]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostFactorRules {
    /// Points per unit of asinh(gap ÷ yardstick).
    pub weight: f64,
    /// The typical managed fee the yardstick uses (people × 12 × this).
    pub reference_fee_per_user: f64,
}

/// Points per answer for every factor, tables indexed by the answer enums.
#[derive(Debug, Clone, PartialEq)]
pub struct Factors {
    pub employees: Vec<Knot>,
    pub growth: Vec<f64>,
    pub it_reliance: Vec<f64>,
    pub complexity: Vec<f64>,
    pub incidents_per_month: Vec<Knot>,
    pub support_hours: Vec<f64>,
    pub security: Vec<f64>,
    pub in_house_it: Vec<f64>,
    pub budget: Vec<f64>,
    pub cost_preference: Vec<f64>,
    pub control: Vec<f64>,
    pub costs: CostFactorRules,
}

/// Override (a): own IT staff plus size, compliance or round-the-clock needs → co-managed.
/// Fields mirror `[overrides.co_managed]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoManagedRule {
    pub in_house_it: Vec<InHouseIt>,
    pub min_employees: u32,
    pub security: Vec<Security>,
    pub support_hours: Vec<SupportHours>,
    pub min_score: f64,
}

/// Override (c): regulated data and nobody looking after IT → never plain break/fix.
/// Fields mirror `[overrides.regulated_needs_provider]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegulatedRule {
    pub security: Vec<Security>,
    pub in_house_it: Vec<InHouseIt>,
    pub confidence: Confidence,
}

/// Override (b): warn when break/fix wins but its bad year is worse than managed's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TailWarningRule {
    pub enabled: bool,
}

/// All override rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullTimeStaffRule {
    pub in_house_it: Vec<InHouseIt>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    pub co_managed: CoManagedRule,
    pub regulated_needs_provider: RegulatedRule,
    pub tail_warning: TailWarningRule,
    pub full_time_staff: FullTimeStaffRule,
}

/// When an answer looks odd: `[warnings]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningRules {
    pub low_share: f64,
    pub min_people_for_low: u32,
    pub max_per_user: f64,
    pub dedicated_min_employees: u32,
    pub critical_min_downtime_per_user: f64,
    pub max_employees: u32,
    pub break_even_min: f64,
    pub break_even_max: f64,
}

/// Plausible ranges for the numeric what-would-change levers: `[levers]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeverRules {
    pub fee_min: f64,
    pub fee_max: f64,
    pub hourly_rate_min: f64,
    pub hourly_rate_max: f64,
    pub size_factor: f64,
    pub incidents_factor: f64,
    pub downtime_factor: f64,
    pub dedicated_min_employees: u32,
}

/// Monte Carlo settings: the `[simulation]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationRules {
    pub years: u32,
    pub duration_spread: Sourced,
}

/// The defaults the questionnaire shows beside the optional cost questions.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultCosts {
    pub hourly_rate: f64,
    pub hourly_rate_source: String,
    pub managed_fee_per_user: f64,
    pub managed_fee_source: String,
    pub downtime_source: String,
    /// Problems a month per person using IT, offered when the owner has no count of their own.
    pub incidents_per_user_month: f64,
}

/// A validated rule set. Build it with [`RuleSet::embedded`] or [`RuleSet::from_toml_str`].
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    /// Named in every assessment; change it whenever a number changes.
    pub version: String,
    pub currency: String,
    pub verdict: VerdictRules,
    pub factors: Factors,
    pub overrides: Overrides,
    pub simulation: SimulationRules,
    pub costs: CostRules,
    pub warnings: WarningRules,
    pub levers: LeverRules,
    /// Distribution of billable hours per call, derived once from the break/fix figures.
    pub(crate) hours: BillableHours,
    /// exp(σ z) over the normal table: a severe event's response bill relative to its median.
    pub(crate) severe_factors: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    version: String,
    currency: String,
    verdict: VerdictRules,
    factors: RawFactors,
    overrides: Overrides,
    simulation: SimulationRules,
    costs: RawCosts,
    warnings: WarningRules,
    levers: LeverRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnots {
    knots: Vec<Knot>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactors {
    employees: RawKnots,
    growth: BTreeMap<String, f64>,
    it_reliance: BTreeMap<String, f64>,
    complexity: BTreeMap<String, f64>,
    incidents_per_month: RawKnots,
    support_hours: BTreeMap<String, f64>,
    security: BTreeMap<String, f64>,
    in_house_it: BTreeMap<String, f64>,
    budget: BTreeMap<String, f64>,
    cost_preference: BTreeMap<String, f64>,
    control: BTreeMap<String, f64>,
    costs: CostFactorRules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCosts {
    break_fix: BreakFixCosts,
    managed: ManagedCosts,
    business: BusinessCosts,
    in_house: InHouseCosts,
    severe: SevereCosts,
    in_house_fix_share: RawSourcedTable,
    in_house_kept_share: RawSourcedTable,
    notification_share: RawSourcedTable,
    onsite_share: RawSourcedTable,
    after_hours_share: RawSourcedTable,
    cyber_multiplier: RawSourcedTable,
    productivity_impact: RawSourcedTable,
    site_idle_share: RawSourcedTable,
    revenue_dependence: RawSourcedTable,
}

impl RuleSet {
    /// The rules shipped in `rules/rules.toml`, compiled into the binary.
    ///
    /// The embedded file is checked by the test suite, so it cannot be refused at run time.
    pub fn embedded() -> RuleSet {
        match Self::from_toml_str(EMBEDDED) {
            Ok(rules) => rules,
            Err(e) => panic!("the embedded rules/rules.toml is invalid: {e}"),
        }
    }

    /// Parses and validates a rules file. Every problem found is listed in the error.
    pub fn from_toml_str(text: &str) -> Result<RuleSet, RulesError> {
        let raw: RawRules = toml::from_str(text).map_err(|e| RulesError::Parse(e.to_string()))?;
        let mut check = Checker::default();

        let f = raw.factors;
        let factors = Factors {
            employees: check.knots("factors.employees", f.employees.knots),
            growth: choice_table::<Growth>(&mut check, "factors.growth", f.growth),
            it_reliance: choice_table::<Reliance>(&mut check, "factors.it_reliance", f.it_reliance),
            complexity: choice_table::<Complexity>(&mut check, "factors.complexity", f.complexity),
            incidents_per_month: check
                .knots("factors.incidents_per_month", f.incidents_per_month.knots),
            support_hours: choice_table::<SupportHours>(
                &mut check,
                "factors.support_hours",
                f.support_hours,
            ),
            security: choice_table::<Security>(&mut check, "factors.security", f.security),
            in_house_it: choice_table::<InHouseIt>(
                &mut check,
                "factors.in_house_it",
                f.in_house_it,
            ),
            budget: choice_table::<Budget>(&mut check, "factors.budget", f.budget),
            cost_preference: choice_table::<CostPreference>(
                &mut check,
                "factors.cost_preference",
                f.cost_preference,
            ),
            control: choice_table::<Control>(&mut check, "factors.control", f.control),
            costs: f.costs,
        };

        let c = raw.costs;
        let mappings = AnswerMappings {
            onsite_share: sourced_table::<Complexity>(
                &mut check,
                "costs.onsite_share",
                c.onsite_share,
            ),
            after_hours_share: sourced_table::<SupportHours>(
                &mut check,
                "costs.after_hours_share",
                c.after_hours_share,
            ),
            cyber_multiplier: sourced_table::<Security>(
                &mut check,
                "costs.cyber_multiplier",
                c.cyber_multiplier,
            ),
            productivity_impact: sourced_table::<Reliance>(
                &mut check,
                "costs.productivity_impact",
                c.productivity_impact,
            ),
            site_idle_share: sourced_table::<Reliance>(
                &mut check,
                "costs.site_idle_share",
                c.site_idle_share,
            ),
            revenue_dependence: sourced_table::<Reliance>(
                &mut check,
                "costs.revenue_dependence",
                c.revenue_dependence,
            ),
            in_house_fix_share: sourced_table::<InHouseIt>(
                &mut check,
                "costs.in_house_fix_share",
                c.in_house_fix_share,
            ),
            in_house_kept_share: sourced_table::<InHouseIt>(
                &mut check,
                "costs.in_house_kept_share",
                c.in_house_kept_share,
            ),
            notification_share: sourced_table::<Security>(
                &mut check,
                "costs.notification_share",
                c.notification_share,
            ),
        };
        let costs = CostRules {
            break_fix: c.break_fix,
            managed: c.managed,
            business: c.business,
            in_house: c.in_house,
            severe: c.severe,
            mappings,
        };

        check.rule_set(
            &raw.version,
            &raw.currency,
            &raw.verdict,
            &factors,
            &raw.overrides,
            &raw.simulation,
            &costs,
        );
        check.finish()?;

        let bf = &costs.break_fix;
        let hours = BillableHours::new(
            bf.billable_hours_mean.value,
            bf.billable_hours_sigma.value,
            bf.minimum_billable_hours.value,
        );
        let severe = &costs.severe;
        let sigma = (2.0 * (severe.response_mean.value / severe.response_median.value).ln())
            .max(0.0)
            .sqrt();
        let severe_factors = hours.normal.iter().map(|z| (sigma * z).exp()).collect();
        Ok(RuleSet {
            version: raw.version,
            currency: raw.currency,
            verdict: raw.verdict,
            factors,
            overrides: raw.overrides,
            simulation: raw.simulation,
            costs,
            warnings: raw.warnings,
            levers: raw.levers,
            hours,
            severe_factors,
        })
    }

    /// The defaults behind the optional cost questions, with their sources.
    pub fn cost_defaults(&self) -> DefaultCosts {
        let bf = &self.costs.break_fix;
        let m = &self.costs.managed;
        let b = &self.costs.business;
        DefaultCosts {
            incidents_per_user_month: b.incidents_per_user_month.value,
            hourly_rate: bf.hourly_rate.value,
            hourly_rate_source: bf.hourly_rate.source.clone(),
            managed_fee_per_user: m.fee_per_user.value,
            managed_fee_source: m.fee_per_user.source.clone(),
            downtime_source: format!(
                "Estimated from your headcount and how much you rely on IT: staff idle at {} \
                 an hour each plus lost sales at {} revenue per employee a year \
                 (OpsCentre's downtime formula)",
                super::money(b.loaded_cost_per_hour.value),
                super::money(b.revenue_per_employee.value)
            ),
        }
    }

    /// A copy simulating fewer years, so debug-build tests stay quick. Never below 1,000.
    #[cfg(test)]
    pub(crate) fn with_years(&self, years: u32) -> RuleSet {
        let mut r = self.clone();
        r.simulation.years = years.max(1000);
        r
    }
}

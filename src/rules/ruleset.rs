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
    AnswerMappings, BreakFixCosts, BusinessCosts, CostRules, ManagedCosts, PerChoice, Sourced,
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
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub up_to: f64,
    pub points: f64,
}

/// Points for a number: the first band whose `up_to` is not below it.
pub fn band_points(bands: &[Band], value: f64) -> f64 {
    bands
        .iter()
        .find(|b| value <= b.up_to)
        .or(bands.last())
        .map_or(0.0, |b| b.points)
}

/// Verdict threshold and confidence margins: the `[verdict]` table of `rules/rules.toml`, whose
/// comments explain each field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictRules {
    pub managed_threshold: f64,
    pub strong_margin: f64,
    pub moderate_margin: f64,
}

/// How the cost comparison turns into points: the `[factors.costs]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostFactorRules {
    pub percentile: f64,
    pub max_points: f64,
    pub fee_share_scale: f64,
}

/// Points per answer for every factor, tables indexed by the answer enums.
#[derive(Debug, Clone, PartialEq)]
pub struct Factors {
    pub employees: Vec<Band>,
    pub growth: Vec<f64>,
    pub it_reliance: Vec<f64>,
    pub complexity: Vec<f64>,
    pub incidents_per_month: Vec<Band>,
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
pub struct Overrides {
    pub co_managed: CoManagedRule,
    pub regulated_needs_provider: RegulatedRule,
    pub tail_warning: TailWarningRule,
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
    /// Distribution of billable hours per call, derived once from the break/fix figures.
    pub(crate) hours: BillableHours,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBands {
    bands: Vec<Band>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactors {
    employees: RawBands,
    growth: BTreeMap<String, f64>,
    it_reliance: BTreeMap<String, f64>,
    complexity: BTreeMap<String, f64>,
    incidents_per_month: RawBands,
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
            employees: check.bands("factors.employees", f.employees.bands, 10_000.0, false),
            growth: choice_table::<Growth>(&mut check, "factors.growth", f.growth),
            it_reliance: choice_table::<Reliance>(&mut check, "factors.it_reliance", f.it_reliance),
            complexity: choice_table::<Complexity>(&mut check, "factors.complexity", f.complexity),
            incidents_per_month: check.bands(
                "factors.incidents_per_month",
                f.incidents_per_month.bands,
                500.0,
                true,
            ),
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
        };
        let costs = CostRules {
            break_fix: c.break_fix,
            managed: c.managed,
            business: c.business,
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
        Ok(RuleSet {
            version: raw.version,
            currency: raw.currency,
            verdict: raw.verdict,
            factors,
            overrides: raw.overrides,
            simulation: raw.simulation,
            costs,
            hours,
        })
    }

    /// The defaults behind the optional cost questions, with their sources.
    pub fn cost_defaults(&self) -> DefaultCosts {
        let bf = &self.costs.break_fix;
        let m = &self.costs.managed;
        let b = &self.costs.business;
        DefaultCosts {
            hourly_rate: bf.hourly_rate.value,
            hourly_rate_source: bf.hourly_rate.source.clone(),
            managed_fee_per_user: m.fee_per_user.value,
            managed_fee_source: m.fee_per_user.source.clone(),
            downtime_source: format!(
                "Estimated from your headcount and how much you rely on IT: staff idle at ${:.0} \
                 an hour each plus lost sales at ${:.0} revenue per employee a year \
                 (opscentre downtime formula; DOMAIN.md §2.2, §6.2)",
                b.loaded_cost_per_hour.value, b.revenue_per_employee.value
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

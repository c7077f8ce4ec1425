//! The cost section of the rules: price lists, risk figures and how answers set model inputs.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A number with the source it comes from, as shown to owners under "assumptions".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub value: f64,
    pub source: String,
}

/// A number per answer choice, indexed by the choice's `index()`, with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct PerChoice {
    pub values: Vec<f64>,
    pub source: String,
}

impl PerChoice {
    /// The value for the choice at `index` (0 if the table were short, which validation rules out).
    pub fn at(&self, index: usize) -> f64 {
        self.values.get(index).copied().unwrap_or(0.0)
    }
}

/// Break/fix price list and risk figures: `[costs.break_fix]`, one sourced figure per field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakFixCosts {
    pub hourly_rate: Sourced,
    pub minimum_billable_hours: Sourced,
    pub trip_charge: Sourced,
    pub after_hours_multiplier: Sourced,
    pub billable_hours_mean: Sourced,
    pub billable_hours_sigma: Sourced,
    pub mttr_hours: Sourced,
    pub outage_probability: Sourced,
    pub outage_hours: Sourced,
    pub emergency_labour_hours: Sourced,
    pub cyber_probability: Sourced,
    pub cyber_days: Sourced,
    pub cyber_recovery_hours: Sourced,
}

/// Managed price list and risk figures: `[costs.managed]`, one sourced figure per field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedCosts {
    pub fee_per_user: Sourced,
    pub onboarding_months: Sourced,
    pub contract_months: Sourced,
    pub incident_reduction: Sourced,
    pub mttr_hours: Sourced,
    pub out_of_scope_share: Sourced,
    pub outage_probability: Sourced,
    pub outage_hours: Sourced,
    pub cyber_probability: Sourced,
    pub cyber_days: Sourced,
    pub co_managed_fee_share: Sourced,
}

/// Figures about the business itself, used when the owner does not give a downtime cost:
/// `[costs.business]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessCosts {
    pub loaded_cost_per_hour: Sourced,
    pub revenue_per_employee: Sourced,
    pub business_hours_per_year: Sourced,
    pub hours_per_business_day: Sourced,
}

/// How answers set model inputs, each table indexed by the answer enum.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerMappings {
    /// By complexity.
    pub onsite_share: PerChoice,
    /// By support hours.
    pub after_hours_share: PerChoice,
    /// By security.
    pub cyber_multiplier: PerChoice,
    /// By reliance: share of one person's work lost while their problem waits.
    pub productivity_impact: PerChoice,
    /// By reliance: share of staff idle in a site-wide outage.
    pub site_idle_share: PerChoice,
    /// By reliance: share of revenue lost per hour of a site-wide outage.
    pub revenue_dependence: PerChoice,
}

/// Every cost default.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRules {
    pub break_fix: BreakFixCosts,
    pub managed: ManagedCosts,
    pub business: BusinessCosts,
    pub mappings: AnswerMappings,
}

/// A per-answer table with its source: `source = "…"` plus one key per answer code.
#[derive(Deserialize)]
pub(crate) struct RawSourcedTable {
    pub(crate) source: String,
    #[serde(flatten)]
    pub(crate) values: BTreeMap<String, f64>,
}

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
    pub security_stack_per_user_month: Sourced,
    pub routine_requests_per_user_year: Sourced,
    pub routine_request_hours: Sourced,
}

/// Managed price list and risk figures: `[costs.managed]`, one sourced figure per field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedCosts {
    pub fee_per_user: Sourced,
    pub onboarding_months: Sourced,
    pub comparison_years: Sourced,
    pub minimum_billed_users: Sourced,
    pub light_user_seat_share: Sourced,
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
    pub incidents_per_user_month: Sourced,
}

/// The business's own IT people: `[costs.in_house]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InHouseCosts {
    pub informal_hours_per_item: Sourced,
    pub informal_hours_per_week: Sourced,
    pub part_time_hours_per_item: Sourced,
    pub it_person_loaded_cost: Sourced,
    pub users_per_it_person: Sourced,
    pub part_time_max_share: Sourced,
}

/// Severe events beyond the downtime: `[costs.severe]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SevereCosts {
    pub response_median: Sourced,
    pub response_mean: Sourced,
    pub reference_users: Sourced,
    pub notification_fixed: Sourced,
    pub notification_per_record: Sourced,
    pub records_per_user: Sourced,
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
    /// By in-house IT: share of problems and requests handled in-house under break/fix.
    pub in_house_fix_share: PerChoice,
    /// By in-house IT: share of the in-house IT time still spent under full managed.
    pub in_house_kept_share: PerChoice,
    /// By security: share of a breach-notification bill a severe event brings.
    pub notification_share: PerChoice,
}

/// Every cost default.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRules {
    pub break_fix: BreakFixCosts,
    pub managed: ManagedCosts,
    pub business: BusinessCosts,
    pub in_house: InHouseCosts,
    pub severe: SevereCosts,
    pub mappings: AnswerMappings,
}

/// A per-answer table with its source: `source = "…"` plus one key per answer code.
#[derive(Deserialize)]
pub(crate) struct RawSourcedTable {
    pub(crate) source: String,
    #[serde(flatten)]
    pub(crate) values: BTreeMap<String, f64>,
}

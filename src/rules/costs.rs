//! The transparent cost model (DOMAIN §6.5): expected yearly cost of each support model as a sum
//! of lines an owner can check, plus the break-even managed fee.
//!
//! The expected costs here are exact expectations, not simulation averages, so the component
//! lines add up to `expected_annual` to the cent. The simulation (`simulate.rs`) uses the same
//! [`Model`] numbers for the spread.

use super::explain::{money, num, pct};
use super::inputs::CostInputs;
use super::outcome::CostComponent;
use super::ruleset::RuleSet;

/// Every per-year constant both the expectation and the simulation need, worked out once.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub users: f64,
    /// λ: break/fix incidents a year.
    pub lambda: f64,
    pub hourly_rate: f64,
    /// 1 + s_ah × (m_ah − 1): the average uplift for calls out of hours.
    pub after_hours_blend: f64,
    /// Rate × the blend, per billable hour.
    pub rate_blended: f64,
    pub trip_charge: f64,
    pub onsite_share: f64,
    /// Trip charge × on-site share, per call.
    pub trip_per_call: f64,
    /// Expected billable hours per call.
    pub hours_per_call: f64,
    /// L_bf: expected labour per break/fix call.
    pub labour_per_call: f64,
    /// D_inc: one person's lost work while a problem waits, break/fix and managed.
    pub downtime_per_call_bf: f64,
    pub downtime_per_call_managed: f64,
    /// Share of incidents still happening under managed support.
    pub keep: f64,
    pub out_of_scope_share: f64,
    pub fee_annual: f64,
    pub onboarding_annual: f64,
    /// H_site: one hour of a site-wide outage.
    pub site_hour: f64,
    pub outage_p_bf: f64,
    pub outage_p_managed: f64,
    pub outage_hours_bf: f64,
    pub outage_hours_managed: f64,
    /// Emergency call-out during a break/fix outage, at the out-of-hours rate.
    pub emergency_labour: f64,
    pub cyber_p_bf: f64,
    pub cyber_p_managed: f64,
    pub cyber_hours_bf: f64,
    pub cyber_hours_managed: f64,
    /// Recovery work after a break/fix severe event, at the out-of-hours rate.
    pub recovery_labour: f64,
    /// Durations vary uniformly by ± this share.
    pub duration_spread: f64,
}

impl Model {
    /// Combines the owner's inputs with the rules' defaults.
    pub fn new(i: &CostInputs, rules: &RuleSet) -> Self {
        let c = &rules.costs;
        let bf = &c.break_fix;
        let m = &c.managed;
        let b = &c.business;
        let multiplier = bf.after_hours_multiplier.value;
        let after_hours_blend = 1.0 + i.after_hours_share * (multiplier - 1.0);
        let rate_blended = i.hourly_rate * after_hours_blend;
        let trip_per_call = bf.trip_charge.value * i.onsite_share;
        let hours_per_call = rules.hours.mean;
        let lost_hour = i.productivity_impact * b.loaded_cost_per_hour.value;
        let out_of_hours_rate = i.hourly_rate * multiplier;
        let day = b.hours_per_business_day.value;
        let fee_annual = 12.0 * i.fee_per_user * i.users;
        Model {
            users: i.users,
            lambda: i.annual_incidents,
            hourly_rate: i.hourly_rate,
            after_hours_blend,
            rate_blended,
            trip_charge: bf.trip_charge.value,
            onsite_share: i.onsite_share,
            trip_per_call,
            hours_per_call,
            labour_per_call: rate_blended * hours_per_call + trip_per_call,
            downtime_per_call_bf: bf.mttr_hours.value * lost_hour,
            downtime_per_call_managed: m.mttr_hours.value * lost_hour,
            keep: 1.0 - m.incident_reduction.value,
            out_of_scope_share: m.out_of_scope_share.value,
            fee_annual,
            onboarding_annual: onboarding_factor(rules) * i.fee_per_user * i.users,
            site_hour: i.downtime_per_hour,
            outage_p_bf: bf.outage_probability.value,
            outage_p_managed: m.outage_probability.value,
            outage_hours_bf: bf.outage_hours.value,
            outage_hours_managed: m.outage_hours.value,
            emergency_labour: bf.emergency_labour_hours.value * out_of_hours_rate,
            cyber_p_bf: bf.cyber_probability.value * i.cyber_multiplier,
            cyber_p_managed: m.cyber_probability.value * i.cyber_multiplier,
            cyber_hours_bf: bf.cyber_days.value * day,
            cyber_hours_managed: m.cyber_days.value * day,
            recovery_labour: bf.cyber_recovery_hours.value * out_of_hours_rate,
            duration_spread: rules.simulation.duration_spread.value,
        }
    }

    /// Managed's yearly cost per unit of monthly per-user fee is `N × (12 + this)`.
    fn fee_multiple(&self, rules: &RuleSet) -> f64 {
        12.0 + onboarding_factor(rules)
    }
}

/// Onboarding fee (in months of fee) spread over the contract, per year.
fn onboarding_factor(rules: &RuleSet) -> f64 {
    let m = &rules.costs.managed;
    m.onboarding_months.value * 12.0 / m.contract_months.value
}

fn line(key: &str, label: &str, expected_annual: f64, formula: String) -> CostComponent {
    CostComponent {
        key: key.to_owned(),
        label: label.to_owned(),
        expected_annual,
        formula,
    }
}

/// Expected break/fix cost, line by line (DOMAIN §6.5, E_bf).
pub fn break_fix_components(m: &Model) -> Vec<CostComponent> {
    let incidents = num(m.lambda);
    vec![
        line(
            "labour",
            "Technician time for each problem",
            m.lambda * m.labour_per_call,
            format!(
                "{incidents} problems × {} ({}/h × {} billable h × {} out-of-hours uplift + {} trip charge on {} of calls)",
                money(m.labour_per_call),
                money(m.hourly_rate),
                num(m.hours_per_call),
                num(m.after_hours_blend),
                money(m.trip_charge),
                pct(m.onsite_share),
            ),
        ),
        line(
            "downtime",
            "Work lost while each problem waits",
            m.lambda * m.downtime_per_call_bf,
            format!(
                "{incidents} problems × {} lost work each",
                money(m.downtime_per_call_bf)
            ),
        ),
        line(
            "site_outage",
            "Chance of a site-wide outage",
            m.outage_p_bf * (m.site_hour * m.outage_hours_bf + m.emergency_labour),
            format!(
                "{} chance × ({}/h × {} h + {} emergency call-out)",
                pct(m.outage_p_bf),
                money(m.site_hour),
                num(m.outage_hours_bf),
                money(m.emergency_labour)
            ),
        ),
        line(
            "severe_event",
            "Chance of a ransomware or other severe event",
            m.cyber_p_bf * (m.site_hour * m.cyber_hours_bf + m.recovery_labour),
            format!(
                "{} chance × ({}/h × {} h + {} recovery work)",
                pct(m.cyber_p_bf),
                money(m.site_hour),
                num(m.cyber_hours_bf),
                money(m.recovery_labour)
            ),
        ),
    ]
}

/// Expected managed cost, line by line (DOMAIN §6.5, E_m).
pub fn managed_components(m: &Model, fee_per_user: f64) -> Vec<CostComponent> {
    let residual = m.keep * m.lambda;
    let bf_labour = m.lambda * m.labour_per_call;
    vec![
        line(
            "fee",
            "Monthly fee",
            m.fee_annual,
            format!(
                "{} × {} users × 12 months",
                money(fee_per_user),
                num(m.users)
            ),
        ),
        line(
            "onboarding",
            "Onboarding fee, spread over the contract",
            m.onboarding_annual,
            format!("{} a year", money(m.onboarding_annual)),
        ),
        line(
            "downtime",
            "Work lost while remaining problems are fixed",
            residual * m.downtime_per_call_managed,
            format!(
                "{} problems × {} kept = {} × {} lost work each",
                num(m.lambda),
                pct(m.keep),
                num(residual),
                money(m.downtime_per_call_managed)
            ),
        ),
        line(
            "out_of_scope",
            "Work outside the contract (projects, hardware)",
            m.out_of_scope_share * bf_labour,
            format!(
                "{} × {} break/fix labour",
                pct(m.out_of_scope_share),
                money(bf_labour)
            ),
        ),
        line(
            "site_outage",
            "Chance of a site-wide outage",
            m.outage_p_managed * m.site_hour * m.outage_hours_managed,
            format!(
                "{} chance × {}/h × {} h",
                pct(m.outage_p_managed),
                money(m.site_hour),
                num(m.outage_hours_managed)
            ),
        ),
        line(
            "severe_event",
            "Chance of a ransomware or other severe event",
            m.cyber_p_managed * m.site_hour * m.cyber_hours_managed,
            format!(
                "{} chance × {}/h × {} h",
                pct(m.cyber_p_managed),
                money(m.site_hour),
                num(m.cyber_hours_managed)
            ),
        ),
    ]
}

/// Sum of the lines, in order, so the total matches them exactly.
pub fn total(lines: &[CostComponent]) -> f64 {
    lines.iter().map(|l| l.expected_annual).sum()
}

/// The monthly per-user fee at which managed costs the same as break/fix in expectation,
/// from `E_m(fee) = fee × N × (12 + onboarding) + rest = E_bf`; never below zero.
pub fn break_even_fee(m: &Model, rules: &RuleSet, expected_bf: f64, expected_managed: f64) -> f64 {
    let fee_part = m.fee_annual + m.onboarding_annual;
    let rest = expected_managed - fee_part;
    let per_fee = m.users * m.fee_multiple(rules);
    if per_fee > 0.0 {
        ((expected_bf - rest) / per_fee).max(0.0)
    } else {
        0.0
    }
}

//! The transparent cost model (DOMAIN §6.5 and §10): the expected yearly cost of each support
//! model as a sum of lines an owner can check, plus the break-even managed fee.
//!
//! The expected costs here are exact expectations, not simulation averages, so the component
//! lines add up to `expected_annual` to the cent, and the verdict (which uses them) does not move
//! with the number of simulated years. The simulation (`simulate.rs`) uses the same [`Model`]
//! numbers for the spread.

use super::explain::{money, num, pct};
use super::inputs::CostInputs;
use super::outcome::CostComponent;
use super::ruleset::RuleSet;

/// Every per-year constant both the expectation and the simulation need, worked out once.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub users: f64,
    /// Seats a provider bills: the headcount, at least the provider's minimum.
    pub billed_users: f64,
    /// λ: problems a year.
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
    /// L_bf: expected labour per technician call.
    pub labour_per_call: f64,
    /// Share of problems and requests left to the technician under break/fix (the rest the
    /// business's own people handle).
    pub billed_share: f64,
    /// Routine requests (joiners, leavers, access and licence changes) billed a year.
    pub routine_annual: f64,
    pub routine_requests: f64,
    pub routine_hours: f64,
    /// Security tools break/fix must buy apart (a managed fee bundles them), a year.
    pub security_stack_annual: f64,
    pub security_stack_per_user_month: f64,
    /// The in-house IT work a year, and the part of it still done under full managed.
    pub in_house_annual: f64,
    pub in_house_kept: f64,
    /// D_inc: one person's lost work while a problem waits, break/fix and managed.
    pub downtime_per_call_bf: f64,
    pub downtime_per_call_managed: f64,
    /// Share of problems still happening under managed support.
    pub keep: f64,
    pub out_of_scope_share: f64,
    pub fee_per_user: f64,
    pub fee_annual: f64,
    /// The one-off onboarding fee and the share of it counted in each compared year.
    pub onboarding_once: f64,
    pub onboarding_annual: f64,
    pub comparison_years: f64,
    /// Co-managed fee as a share of the full managed fee.
    pub co_share: f64,
    pub co_managed_costed: bool,
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
    /// Recovery work after a severe event: out of hours under break/fix, billed at the normal
    /// rate on top of a managed or co-managed fee.
    pub recovery_labour_bf: f64,
    pub recovery_labour_managed: f64,
    /// Response and crisis services after a severe event: median and mean for this headcount.
    pub response_median: f64,
    pub response_mean: f64,
    /// Breach notification after a severe event.
    pub notification: f64,
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
        let sv = &c.severe;
        let multiplier = bf.after_hours_multiplier.value;
        let after_hours_blend = 1.0 + i.after_hours_share * (multiplier - 1.0);
        let rate_blended = i.hourly_rate * after_hours_blend;
        let trip_per_call = bf.trip_charge.value * i.onsite_share;
        let hours_per_call = rules.hours.mean;
        let lost_hour = i.productivity_impact * b.loaded_cost_per_hour.value;
        let out_of_hours_rate = i.hourly_rate * multiplier;
        let day = b.hours_per_business_day.value;
        let billed_users = i.seats.max(m.minimum_billed_users.value);
        let fee_annual = 12.0 * i.fee_per_user * billed_users;
        let onboarding_once = m.onboarding_months.value * i.fee_per_user * billed_users;
        let comparison_years = m.comparison_years.value;
        let billed_share = 1.0 - i.in_house_fix_share;
        let routine_requests = i.users * bf.routine_requests_per_user_year.value;
        let routine_hours = bf
            .routine_request_hours
            .value
            .max(bf.minimum_billable_hours.value);
        let size = i.users / sv.reference_users.value;
        let records = i.users * sv.records_per_user.value;
        Model {
            users: i.users,
            billed_users,
            lambda: i.annual_incidents,
            hourly_rate: i.hourly_rate,
            after_hours_blend,
            rate_blended,
            trip_charge: bf.trip_charge.value,
            onsite_share: i.onsite_share,
            trip_per_call,
            hours_per_call,
            labour_per_call: rate_blended * hours_per_call + trip_per_call,
            billed_share,
            routine_annual: billed_share * routine_requests * routine_hours * i.hourly_rate,
            routine_requests,
            routine_hours,
            security_stack_annual: 12.0 * i.users * bf.security_stack_per_user_month.value,
            security_stack_per_user_month: bf.security_stack_per_user_month.value,
            in_house_annual: i.in_house_annual,
            in_house_kept: i.in_house_annual * i.in_house_kept_share,
            downtime_per_call_bf: bf.mttr_hours.value * lost_hour,
            downtime_per_call_managed: m.mttr_hours.value * lost_hour,
            keep: 1.0 - m.incident_reduction.value,
            out_of_scope_share: m.out_of_scope_share.value,
            fee_per_user: i.fee_per_user,
            fee_annual,
            onboarding_once,
            onboarding_annual: onboarding_once / comparison_years,
            comparison_years,
            co_share: m.co_managed_fee_share.value,
            co_managed_costed: i.co_managed_costed,
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
            recovery_labour_bf: bf.cyber_recovery_hours.value * out_of_hours_rate,
            recovery_labour_managed: bf.cyber_recovery_hours.value * i.hourly_rate,
            response_median: sv.response_median.value * size,
            response_mean: sv.response_mean.value * size,
            notification: i.notification_share
                * (sv.notification_fixed.value + sv.notification_per_record.value * records),
            duration_spread: rules.simulation.duration_spread.value,
        }
    }

    /// Technician labour for every problem, as if nobody in-house took any.
    pub fn all_labour(&self) -> f64 {
        self.lambda * self.labour_per_call
    }

    /// What a severe event costs besides the downtime hours (mean response bill).
    fn severe_extras(&self, recovery: f64) -> f64 {
        self.response_mean + recovery + self.notification
    }

    /// The fixed yearly part of managed that co-managed replaces: fee, onboarding and the
    /// in-house time kept under managed.
    pub fn managed_fixed(&self) -> f64 {
        self.fee_annual + self.onboarding_annual + self.in_house_kept
    }

    /// The same fixed part under co-managed: the smaller fee and onboarding, and all the in-house
    /// IT work.
    pub fn co_managed_fixed(&self) -> f64 {
        self.co_share * (self.fee_annual + self.onboarding_annual) + self.in_house_annual
    }
}

fn line(key: &str, label: &str, expected_annual: f64, formula: String) -> CostComponent {
    CostComponent {
        key: key.to_owned(),
        label: label.to_owned(),
        expected_annual,
        formula,
    }
}

/// "1 person" / "12 people".
fn people(n: f64) -> String {
    if n == 1.0 {
        "1 person".to_owned()
    } else {
        format!("{} people", num(n))
    }
}

fn severe_formula(m: &Model, p: f64, hours: f64, recovery: f64) -> String {
    let notification = if m.notification > 0.0 {
        format!(" + {} breach notification", money(m.notification))
    } else {
        String::new()
    };
    format!(
        "{} chance × ({}/h × {} h down + {} average response and recovery fees + {} recovery work{notification})",
        pct(p),
        money(m.site_hour),
        num(hours),
        money(m.response_mean),
        money(recovery),
    )
}

/// Expected break/fix cost, line by line (DOMAIN §6.5, E_bf, with §10's additions).
pub fn break_fix_components(m: &Model) -> Vec<CostComponent> {
    let incidents = num(m.lambda);
    let handled = if m.billed_share < 1.0 {
        format!(" × {} not handled in-house", pct(m.billed_share))
    } else {
        String::new()
    };
    let mut lines = vec![
        line(
            "labour",
            "Technician time for each problem",
            m.billed_share * m.all_labour(),
            format!(
                "{incidents} problems × {} ({}/h × {} billable h × {} out-of-hours uplift + {} trip charge on {} of calls){handled}",
                money(m.labour_per_call),
                money(m.hourly_rate),
                num(m.hours_per_call),
                num(m.after_hours_blend),
                money(m.trip_charge),
                pct(m.onsite_share),
            ),
        ),
        line(
            "routine_requests",
            "New starters, leavers, access and licence changes",
            m.routine_annual,
            format!(
                "{} requests × {} h minimum × {}/h{handled}",
                num(m.routine_requests),
                num(m.routine_hours),
                money(m.hourly_rate),
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
            "security_tools",
            "Security tools a managed fee includes (antivirus, backup, email filtering, patching)",
            m.security_stack_annual,
            format!(
                "{} × {} a person a month × 12 months",
                people(m.users),
                money(m.security_stack_per_user_month)
            ),
        ),
    ];
    if m.in_house_annual > 0.0 {
        lines.push(line(
            "in_house",
            "Your own people's time on IT",
            m.in_house_annual,
            format!("{} a year", money(m.in_house_annual)),
        ));
    }
    lines.push(line(
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
    ));
    lines.push(line(
        "severe_event",
        "Chance of a ransomware or other severe event",
        m.cyber_p_bf * (m.site_hour * m.cyber_hours_bf + m.severe_extras(m.recovery_labour_bf)),
        severe_formula(m, m.cyber_p_bf, m.cyber_hours_bf, m.recovery_labour_bf),
    ));
    lines
}

/// The lines managed and co-managed share: what a provider does not prevent or cover.
fn provider_risk_lines(m: &Model) -> Vec<CostComponent> {
    let residual = m.keep * m.lambda;
    vec![
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
            m.out_of_scope_share * m.all_labour(),
            format!(
                "{} × {} technician labour",
                pct(m.out_of_scope_share),
                money(m.all_labour())
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
            m.cyber_p_managed
                * (m.site_hour * m.cyber_hours_managed
                    + m.severe_extras(m.recovery_labour_managed)),
            severe_formula(
                m,
                m.cyber_p_managed,
                m.cyber_hours_managed,
                m.recovery_labour_managed,
            ),
        ),
    ]
}

fn seats(m: &Model) -> String {
    if m.billed_users > m.users {
        format!("{} (the provider's minimum)", num(m.billed_users))
    } else if m.billed_users < m.users {
        format!(
            "{} (light users billed as part of a seat)",
            num(m.billed_users)
        )
    } else {
        num(m.billed_users)
    }
}

/// Expected managed cost, line by line (DOMAIN §6.5, E_m, with §10's additions).
pub fn managed_components(m: &Model) -> Vec<CostComponent> {
    let mut lines = vec![
        line(
            "fee",
            "Monthly fee",
            m.fee_annual,
            format!("{} × {} users × 12 months", money(m.fee_per_user), seats(m)),
        ),
        line(
            "onboarding",
            "Onboarding fee (once), shared over the years compared",
            m.onboarding_annual,
            format!(
                "{} once ÷ {} years",
                money(m.onboarding_once),
                num(m.comparison_years)
            ),
        ),
    ];
    if m.in_house_kept > 0.0 {
        lines.push(line(
            "in_house",
            "Your own people's time on IT that a contract does not replace",
            m.in_house_kept,
            format!(
                "{} of {} a year",
                pct(m.in_house_kept / m.in_house_annual),
                money(m.in_house_annual)
            ),
        ));
    }
    lines.extend(provider_risk_lines(m));
    lines
}

/// Expected co-managed cost, line by line: the smaller fee, all of the in-house IT work, and the
/// provider's prevention as under managed.
pub fn co_managed_components(m: &Model) -> Vec<CostComponent> {
    let fee = m.co_share * m.fee_annual;
    let onboarding = m.co_share * m.onboarding_annual;
    let mut lines = vec![
        line(
            "fee",
            "Monthly fee for co-managed support",
            fee,
            format!(
                "{} of {} × {} users × 12 months",
                pct(m.co_share),
                money(m.fee_per_user),
                seats(m)
            ),
        ),
        line(
            "onboarding",
            "Onboarding fee (once), shared over the years compared",
            onboarding,
            format!(
                "{} once ÷ {} years",
                money(m.co_share * m.onboarding_once),
                num(m.comparison_years)
            ),
        ),
        line(
            "in_house",
            "Your own IT people's time",
            m.in_house_annual,
            format!("{} a year", money(m.in_house_annual)),
        ),
    ];
    lines.extend(provider_risk_lines(m));
    lines
}

/// Sum of the lines, in order, so the total matches them exactly.
pub fn total(lines: &[CostComponent]) -> f64 {
    lines.iter().map(|l| l.expected_annual).sum()
}

/// The expected yearly costs without the lines: break/fix, managed, and co-managed (whether or
/// not it is shown). The same sums as the components, in the same order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    pub break_fix: f64,
    pub managed: f64,
    pub co_managed: f64,
}

impl Expected {
    /// The sums without building the lines (the what-would-change search calls this often).
    pub fn of(m: &Model) -> Expected {
        let break_fix = m.billed_share * m.all_labour()
            + m.routine_annual
            + m.lambda * m.downtime_per_call_bf
            + m.security_stack_annual
            + m.in_house_annual
            + m.outage_p_bf * (m.site_hour * m.outage_hours_bf + m.emergency_labour)
            + m.cyber_p_bf
                * (m.site_hour * m.cyber_hours_bf + m.severe_extras(m.recovery_labour_bf));
        let risks = m.keep * m.lambda * m.downtime_per_call_managed
            + m.out_of_scope_share * m.all_labour()
            + m.outage_p_managed * m.site_hour * m.outage_hours_managed
            + m.cyber_p_managed
                * (m.site_hour * m.cyber_hours_managed
                    + m.severe_extras(m.recovery_labour_managed));
        let managed = m.managed_fixed() + risks;
        let co_managed = m.co_managed_fixed() + risks;
        Expected {
            break_fix,
            managed,
            co_managed,
        }
    }
}

impl Expected {
    /// The expected yearly cost of one model.
    pub fn of_verdict(&self, v: super::outcome::Verdict) -> f64 {
        use super::outcome::Verdict;
        match v {
            Verdict::BreakFix => self.break_fix,
            Verdict::Managed => self.managed,
            Verdict::CoManaged => self.co_managed,
        }
    }
}

/// The monthly per-user fee at which managed costs the same as break/fix in expectation,
/// from `E_m(fee) = fee × seats × (12 + onboarding months ÷ years) + rest = E_bf`; never below
/// zero.
pub fn break_even_fee(m: &Model, e: &Expected) -> f64 {
    let fee_part = m.fee_annual + m.onboarding_annual;
    let rest = e.managed - fee_part;
    let per_fee = if m.fee_per_user > 0.0 {
        fee_part / m.fee_per_user
    } else {
        0.0
    };
    if per_fee > 0.0 {
        ((e.break_fix - rest) / per_fee).max(0.0)
    } else {
        0.0
    }
}

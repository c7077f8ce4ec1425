//! The list of every number the cost model used, with where it came from.

use super::inputs::{CostInputs, Origin};
use super::outcome::Assumption;
use super::ruleset::{RuleSet, Sourced};

struct List(Vec<Assumption>);

impl List {
    fn push(
        &mut self,
        key: &str,
        label: &str,
        value: f64,
        unit: &str,
        origin: Origin,
        source: &str,
    ) {
        self.0.push(Assumption {
            key: key.to_owned(),
            label: label.to_owned(),
            value,
            unit: unit.to_owned(),
            origin: origin.code().to_owned(),
            source: source.to_owned(),
        });
    }

    fn rule(&mut self, key: &str, label: &str, s: &Sourced, unit: &str) {
        self.push(key, label, s.value, unit, Origin::Default, &s.source);
    }
}

/// Every assumption, in the order an owner would read the cost model: their own figures first.
pub fn assumptions(i: &CostInputs, rules: &RuleSet) -> Vec<Assumption> {
    let c = &rules.costs;
    let bf = &c.break_fix;
    let m = &c.managed;
    let b = &c.business;
    let maps = &c.mappings;
    let mut l = List(Vec::with_capacity(40));

    l.push(
        "users",
        "People using IT",
        i.users,
        "people",
        Origin::Answer,
        "your answer",
    );
    l.push(
        "annual_incidents",
        "Problems a year that need fixing (12 × your monthly count)",
        i.annual_incidents,
        "per year",
        Origin::Answer,
        "your answer",
    );
    let rate_source = if i.hourly_rate_origin == Origin::Answer {
        "your answer"
    } else {
        &bf.hourly_rate.source
    };
    l.push(
        "hourly_rate",
        "Break/fix price per hour",
        i.hourly_rate,
        "USD per hour",
        i.hourly_rate_origin,
        rate_source,
    );
    let fee_source = if i.fee_origin == Origin::Answer {
        "your answer"
    } else {
        &m.fee_per_user.source
    };
    l.push(
        "managed_fee_per_user",
        "Managed price per person per month",
        i.fee_per_user,
        "USD per user per month",
        i.fee_origin,
        fee_source,
    );
    let downtime_source = if i.downtime_origin == Origin::Answer {
        "your answer".to_owned()
    } else {
        format!(
            "people × loaded cost × staff idle + people × revenue per employee ÷ business hours × revenue \
             lost; {}",
            maps.revenue_dependence.source
        )
    };
    l.push(
        "downtime_cost_per_hour",
        "Cost of one hour with the whole site down",
        i.downtime_per_hour,
        "USD per hour",
        i.downtime_origin,
        &downtime_source,
    );

    l.rule(
        "minimum_billable_hours",
        "Minimum billed per break/fix call",
        &bf.minimum_billable_hours,
        "hours",
    );
    l.rule(
        "billable_hours_mean",
        "Average hours a fix takes (before the minimum)",
        &bf.billable_hours_mean,
        "hours",
    );
    l.rule(
        "billable_hours_sigma",
        "Spread of fix times (lognormal σ)",
        &bf.billable_hours_sigma,
        "×",
    );
    l.push(
        "billable_hours_per_call",
        "Average hours billed per call, with the minimum",
        rules.hours.mean,
        "hours",
        Origin::Estimate,
        "worked out from the average, spread and minimum above",
    );
    l.rule(
        "trip_charge",
        "Trip charge per visit",
        &bf.trip_charge,
        "USD",
    );
    l.push(
        "onsite_share",
        "Share of calls needing a visit (by set-up)",
        i.onsite_share,
        "share",
        Origin::Default,
        &maps.onsite_share.source,
    );
    l.push(
        "after_hours_share",
        "Share of calls out of hours (by when you need help)",
        i.after_hours_share,
        "share",
        Origin::Default,
        &maps.after_hours_share.source,
    );
    l.rule(
        "after_hours_multiplier",
        "Out-of-hours price multiplier",
        &bf.after_hours_multiplier,
        "×",
    );
    l.rule(
        "mttr_break_fix",
        "Hours from report to fix, break/fix",
        &bf.mttr_hours,
        "hours",
    );
    l.rule(
        "mttr_managed",
        "Hours from report to fix, managed",
        &m.mttr_hours,
        "hours",
    );
    l.push(
        "productivity_impact",
        "Share of a person's work lost while their problem waits (by reliance)",
        i.productivity_impact,
        "share",
        Origin::Default,
        &maps.productivity_impact.source,
    );
    l.rule(
        "loaded_cost_per_hour",
        "Cost of an employee's hour, with overheads",
        &b.loaded_cost_per_hour,
        "USD per hour",
    );
    if i.downtime_origin == Origin::Estimate {
        l.push(
            "site_idle_share",
            "Share of staff idle in a site-wide outage (by reliance)",
            i.site_idle_share,
            "share",
            Origin::Default,
            &maps.site_idle_share.source,
        );
        l.rule(
            "revenue_per_employee",
            "Revenue per employee a year",
            &b.revenue_per_employee,
            "USD per employee per year",
        );
        l.push(
            "revenue_dependence",
            "Share of revenue lost per hour of outage (by reliance)",
            i.revenue_dependence,
            "share",
            Origin::Default,
            &maps.revenue_dependence.source,
        );
        l.rule(
            "business_hours_per_year",
            "Business hours a year",
            &b.business_hours_per_year,
            "hours",
        );
    }
    l.rule(
        "outage_probability_break_fix",
        "Chance of a site-wide outage a year, break/fix",
        &bf.outage_probability,
        "share",
    );
    l.rule(
        "outage_probability_managed",
        "Chance of a site-wide outage a year, managed",
        &m.outage_probability,
        "share",
    );
    l.rule(
        "outage_hours_break_fix",
        "Length of a site-wide outage, break/fix",
        &bf.outage_hours,
        "hours",
    );
    l.rule(
        "outage_hours_managed",
        "Length of a site-wide outage, managed",
        &m.outage_hours,
        "hours",
    );
    l.rule(
        "emergency_labour_hours",
        "Emergency call-out hours in an outage, at the out-of-hours rate",
        &bf.emergency_labour_hours,
        "hours",
    );
    l.rule(
        "cyber_probability_break_fix",
        "Chance of a severe event a year, break/fix (before the data multiplier)",
        &bf.cyber_probability,
        "share",
    );
    l.rule(
        "cyber_probability_managed",
        "Chance of a severe event a year, managed (before the data multiplier)",
        &m.cyber_probability,
        "share",
    );
    l.push(
        "cyber_multiplier",
        "Severe-event chance multiplier (by the data you hold)",
        i.cyber_multiplier,
        "×",
        Origin::Default,
        &maps.cyber_multiplier.source,
    );
    l.rule(
        "cyber_days_break_fix",
        "Business days down after a severe event, break/fix",
        &bf.cyber_days,
        "days",
    );
    l.rule(
        "cyber_days_managed",
        "Business days down after a severe event, managed",
        &m.cyber_days,
        "days",
    );
    l.rule(
        "hours_per_business_day",
        "Hours in a business day",
        &b.hours_per_business_day,
        "hours",
    );
    l.rule(
        "cyber_recovery_hours",
        "Recovery hours after a severe event, at the out-of-hours rate",
        &bf.cyber_recovery_hours,
        "hours",
    );
    l.rule(
        "incident_reduction",
        "Problems a managed provider prevents",
        &m.incident_reduction,
        "share",
    );
    l.rule(
        "out_of_scope_share",
        "Work outside a managed contract, as a share of break/fix labour",
        &m.out_of_scope_share,
        "share",
    );
    l.rule(
        "onboarding_months",
        "Onboarding fee, in months of fee",
        &m.onboarding_months,
        "×",
    );
    l.rule(
        "comparison_years",
        "Years the one-off onboarding fee is shared over",
        &m.comparison_years,
        "years",
    );
    l.rule(
        "minimum_billed_users",
        "Fewest users a provider bills for",
        &m.minimum_billed_users,
        "people",
    );
    l.rule(
        "security_stack_per_user_month",
        "Security tools break/fix must buy apart, a person a month",
        &bf.security_stack_per_user_month,
        "USD",
    );
    l.rule(
        "routine_requests_per_user_year",
        "Routine requests (starters, leavers, access) a person a year",
        &bf.routine_requests_per_user_year,
        "per year",
    );
    l.rule(
        "routine_request_hours",
        "Hours billed for each routine request",
        &bf.routine_request_hours,
        "hours",
    );
    let ih = &c.in_house;
    l.push(
        "in_house_annual",
        "Your own people's IT work a year",
        i.in_house_annual,
        "USD",
        Origin::Estimate,
        &format!(
            "{}; {}; {}",
            ih.informal_hours_per_week.source,
            ih.it_person_loaded_cost.source,
            ih.users_per_it_person.source
        ),
    );
    l.push(
        "in_house_fix_share",
        "Share of problems your own people handle under break/fix",
        i.in_house_fix_share,
        "share",
        Origin::Default,
        &maps.in_house_fix_share.source,
    );
    let sv = &c.severe;
    l.rule(
        "severe_response_median",
        "Response and recovery fees after a severe event, typical (25 people)",
        &sv.response_median,
        "USD",
    );
    l.rule(
        "severe_response_mean",
        "Response and recovery fees after a severe event, average (25 people)",
        &sv.response_mean,
        "USD",
    );
    l.push(
        "notification_share",
        "Share of a breach-notification bill a severe event brings",
        i.notification_share,
        "share",
        Origin::Default,
        &maps.notification_share.source,
    );
    l.rule(
        "co_managed_fee_share",
        "Co-managed price as a share of the managed fee",
        &m.co_managed_fee_share,
        "share",
    );
    l.rule(
        "duration_spread",
        "Outage lengths vary by up to ± this share",
        &rules.simulation.duration_spread,
        "share",
    );
    l.push(
        "years_simulated",
        "Years simulated for the spread of costs",
        f64::from(rules.simulation.years),
        "years",
        Origin::Default,
        "DOMAIN.md §6.5 (a 10k-draw Monte Carlo)",
    );
    l.0
}

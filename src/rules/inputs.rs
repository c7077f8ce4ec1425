//! Answers → cost-model inputs, and the simulation seed.

use super::answers::{Answers, Choice, InHouseIt};
use super::ruleset::RuleSet;
use super::stats::{FNV_OFFSET, fnv1a64};

/// Where a cost input came from, as reported in the assumptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The owner typed it.
    Answer,
    /// The rules' default.
    Default,
    /// Worked out from other answers.
    Estimate,
}

impl Origin {
    /// The code used in `Assumption.origin`.
    pub fn code(self) -> &'static str {
        match self {
            Origin::Answer => "answer",
            Origin::Default => "default",
            Origin::Estimate => "estimate",
        }
    }
}

/// Every number the cost model takes from the answers (directly or through the rules' tables).
#[derive(Debug, Clone, PartialEq)]
pub struct CostInputs {
    /// N: people using IT.
    pub users: f64,
    /// λ: incidents a year, from the owner's monthly count.
    pub annual_incidents: f64,
    pub hourly_rate: f64,
    pub hourly_rate_origin: Origin,
    pub fee_per_user: f64,
    pub fee_origin: Origin,
    /// Cost of one hour of a site-wide outage.
    pub downtime_per_hour: f64,
    pub downtime_origin: Origin,
    pub onsite_share: f64,
    pub after_hours_share: f64,
    pub cyber_multiplier: f64,
    pub productivity_impact: f64,
    pub site_idle_share: f64,
    pub revenue_dependence: f64,
    /// Share of problems and requests the business's own people handle under break/fix.
    pub in_house_fix_share: f64,
    /// Share of the in-house IT time still spent under a full managed contract.
    pub in_house_kept_share: f64,
    /// What the in-house IT people's IT work costs a year (time of the informal helper, a share
    /// of a part-timer's job, the full-time staff's pay).
    pub in_house_annual: f64,
    /// The business's own IT people can take on part of the work with a co-managed provider.
    pub co_managed_costed: bool,
    /// Share of a breach-notification bill a severe event brings.
    pub notification_share: f64,
}

impl CostInputs {
    /// Reads the cost-relevant answers, filling the rules' defaults and estimates.
    pub fn new(a: &Answers, rules: &RuleSet) -> Self {
        let c = &rules.costs;
        let maps = &c.mappings;
        let users = f64::from(a.employees);
        let reliance = a.it_reliance.index();
        let productivity_impact = maps.productivity_impact.at(reliance);
        let site_idle_share = maps.site_idle_share.at(reliance);
        let revenue_dependence = maps.revenue_dependence.at(reliance);

        let fix_share = maps.in_house_fix_share.at(a.in_house_it.index());
        let (hourly_rate, hourly_rate_origin) = match a.hourly_rate {
            Some(v) => (v, Origin::Answer),
            None => (c.break_fix.hourly_rate.value, Origin::Default),
        };
        let (fee_per_user, fee_origin) = match a.managed_fee_per_user {
            Some(v) => (v, Origin::Answer),
            None => (c.managed.fee_per_user.value, Origin::Default),
        };
        let (downtime_per_hour, downtime_origin) = match a.downtime_cost_per_hour {
            Some(v) => (v, Origin::Answer),
            None => (
                downtime_estimate(users, site_idle_share, revenue_dependence, rules),
                Origin::Estimate,
            ),
        };

        CostInputs {
            users,
            annual_incidents: 12.0 * a.incidents_per_month,
            hourly_rate,
            hourly_rate_origin,
            fee_per_user,
            fee_origin,
            downtime_per_hour,
            downtime_origin,
            onsite_share: maps.onsite_share.at(a.complexity.index()),
            after_hours_share: maps.after_hours_share.at(a.support_hours.index()),
            cyber_multiplier: maps.cyber_multiplier.at(a.security.index()),
            productivity_impact,
            site_idle_share,
            revenue_dependence,
            in_house_fix_share: fix_share,
            in_house_kept_share: maps.in_house_kept_share.at(a.in_house_it.index()),
            in_house_annual: in_house_annual(
                a.in_house_it,
                users,
                fix_share
                    * (12.0 * a.incidents_per_month
                        + users * c.break_fix.routine_requests_per_user_year.value),
                rules,
            ),
            co_managed_costed: matches!(a.in_house_it, InHouseIt::PartTime | InHouseIt::Dedicated),
            notification_share: maps.notification_share.at(a.security.index()),
        }
    }
}

/// The yearly cost of the in-house IT work (DOMAIN §10), following the work the in-house people
/// take under break/fix (`handled` problems and requests a year): the informal helper's hours at
/// the business's loaded hourly cost, at most `informal_hours_per_week`; a part-timer's hours at
/// an IT person's pay, at most `part_time_max_share` of a job; full-time staff at one IT person
/// per `users_per_it_person`, at least one, whatever the work.
pub fn in_house_annual(kind: InHouseIt, users: f64, handled: f64, rules: &RuleSet) -> f64 {
    let ih = &rules.costs.in_house;
    let b = &rules.costs.business;
    let person = ih.it_person_loaded_cost.value;
    let person_hour = person / b.business_hours_per_year.value;
    match kind {
        InHouseIt::None => 0.0,
        InHouseIt::Informal => {
            (handled * ih.informal_hours_per_item.value)
                .min(ih.informal_hours_per_week.value * 52.0)
                * b.loaded_cost_per_hour.value
        }
        InHouseIt::PartTime => (handled * ih.part_time_hours_per_item.value * person_hour)
            .min(ih.part_time_max_share.value * person),
        InHouseIt::Dedicated => (users / ih.users_per_it_person.value).max(1.0) * person,
    }
}

/// Site-wide downtime per hour when the owner gives none (DOMAIN §6.5):
/// idle staff `N × C × P_site` plus lost revenue `N × revenue per employee ÷ YH × I`.
pub fn downtime_estimate(users: f64, idle: f64, dependence: f64, rules: &RuleSet) -> f64 {
    let b = &rules.costs.business;
    users * b.loaded_cost_per_hour.value * idle
        + users * b.revenue_per_employee.value / b.business_hours_per_year.value * dependence
}

/// The simulation seed: FNV-1a over a canonical text of the size and price inputs and the rules
/// version.
///
/// The incident count and the reliance, complexity, support-hours and security answers are left
/// out on purpose. Two assessments that differ only in those replay the very same simulated years
/// (common random numbers), so "more incidents / more reliance / … never make break/fix look
/// better" holds year by year rather than only on average, and the what-would-change search can
/// bound their effect exactly. An owner-given downtime cost enters the seed; the estimate does not,
/// because it follows from reliance.
pub fn seed(a: &Answers, rules: &RuleSet, i: &CostInputs) -> u128 {
    let (hourly_rate, fee_per_user) = (i.hourly_rate, i.fee_per_user);
    let downtime = a
        .downtime_cost_per_hour
        .map_or_else(|| "estimate".to_owned(), |v| v.to_string());
    let text = format!(
        "servicefit-costs-v2\nrules={}\nemployees={}\nhourly_rate={}\nmanaged_fee_per_user={}\n\
         downtime_cost_per_hour={}\n",
        rules.version, a.employees, hourly_rate, fee_per_user, downtime
    );
    let high = fnv1a64(text.as_bytes(), FNV_OFFSET);
    let low = fnv1a64(text.as_bytes(), high);
    (u128::from(high) << 64) | u128::from(low)
}

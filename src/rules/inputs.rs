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
    /// Seats a provider bills before its minimum: light users count as part of a seat.
    pub seats: f64,
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

        let (in_house_fix_share, in_house_annual) = in_house_work(
            a.in_house_it,
            users,
            12.0 * a.incidents_per_month + users * c.break_fix.routine_requests_per_user_year.value,
            maps.in_house_fix_share.at(a.in_house_it.index()),
            rules,
        );
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

        let light = f64::from(a.light_users.unwrap_or(0).min(a.employees));
        CostInputs {
            users,
            seats: users - light * (1.0 - c.managed.light_user_seat_share.value),
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
            in_house_fix_share,
            in_house_kept_share: maps.in_house_kept_share.at(a.in_house_it.index()),
            in_house_annual,
            co_managed_costed: matches!(a.in_house_it, InHouseIt::PartTime | InHouseIt::Dedicated),
            notification_share: maps.notification_share.at(a.security.index()),
        }
    }
}

/// The in-house IT work (DOMAIN §10): the share of the problems and routine requests (`items` a
/// year) the business's own people take under break/fix, and what their time costs a year.
///
/// An informal helper takes their share at `informal_hours_per_item`, paid the business's loaded
/// hourly cost, up to `informal_hours_per_week`; a part-timer at `part_time_hours_per_item`, paid
/// an IT person's hourly cost, up to `part_time_max_share` of a job. What they cannot take goes to
/// the technician. Full-time staff take their whole share and cost one IT person per
/// `users_per_it_person`, at least one, whatever the work.
pub fn in_house_work(
    kind: InHouseIt,
    users: f64,
    items: f64,
    share: f64,
    rules: &RuleSet,
) -> (f64, f64) {
    let ih = &rules.costs.in_house;
    let b = &rules.costs.business;
    let person = ih.it_person_loaded_cost.value;
    let year = b.business_hours_per_year.value;
    let wanted = share * items;
    let taken = |hours_per_item: f64, max_hours: f64| -> (f64, f64) {
        let handled = if hours_per_item > 0.0 {
            wanted.min(max_hours / hours_per_item)
        } else {
            wanted
        };
        (handled, handled * hours_per_item)
    };
    let (handled, cost) = match kind {
        InHouseIt::None => (0.0, 0.0),
        InHouseIt::Informal => {
            let (handled, hours) = taken(
                ih.informal_hours_per_item.value,
                ih.informal_hours_per_week.value * 52.0,
            );
            (handled, hours * b.loaded_cost_per_hour.value)
        }
        InHouseIt::PartTime => {
            let (handled, hours) = taken(
                ih.part_time_hours_per_item.value,
                ih.part_time_max_share.value * year,
            );
            (handled, hours * person / year)
        }
        InHouseIt::Dedicated => (
            wanted,
            (users / ih.users_per_it_person.value).max(1.0) * person,
        ),
    };
    let handled_share = if items > 0.0 { handled / items } else { share };
    (handled_share, cost)
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

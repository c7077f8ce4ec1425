//! Odd answers: contradictory or implausible combinations the owner should check. They never
//! block the verdict; the thresholds are in the rules file's `[warnings]`.

use super::answers::{Answers, Choice, InHouseIt, Reliance};
use super::explain::{money, num, thousands};
use super::inputs::{CostInputs, Origin};
use super::outcome::Warning;
use super::questions as q;
use super::ruleset::RuleSet;

fn warn(key: &str, message: String) -> Warning {
    Warning {
        key: key.to_owned(),
        message,
    }
}

/// Every warning for these answers, in questionnaire order; empty when nothing is odd.
pub fn warnings(a: &Answers, i: &CostInputs, break_even: f64, rules: &RuleSet) -> Vec<Warning> {
    let w = &rules.warnings;
    let mut out = Vec::new();
    let people = f64::from(a.employees);

    if a.employees > w.max_employees {
        out.push(warn(
            q::EMPLOYEES.key,
            format!(
                "{} people is far beyond the small and midsize businesses this advice is made for \
                 (up to about {}); at that size IT support is usually bought by tender, and the \
                 figures here are only a rough guide.",
                thousands(u64::from(a.employees)),
                thousands(u64::from(w.max_employees))
            ),
        ));
    }

    let per_person = a.incidents_per_month / people;
    let typical = rules.costs.business.incidents_per_user_month.value * people;
    if per_person > w.max_per_user {
        out.push(warn(
            q::INCIDENTS_PER_MONTH.key,
            format!(
                "{} problems a month is more than {} for each of your {} people, far above what \
                 help desks see (about {} a person); please check the number is a month's and not \
                 a year's.",
                num(a.incidents_per_month),
                num(w.max_per_user),
                thousands(u64::from(a.employees)),
                num(rules.costs.business.incidents_per_user_month.value)
            ),
        ));
    } else if a.employees >= w.min_people_for_low && a.incidents_per_month < w.low_share * typical {
        out.push(warn(
            q::INCIDENTS_PER_MONTH.key,
            format!(
                "{} problems a month is low for {} people: help desks typically see about {} a \
                 month for a business this size, counting small requests such as passwords, \
                 access and new starters. If you counted only the big problems, the break/fix \
                 costs here are too low.",
                num(a.incidents_per_month),
                thousands(u64::from(a.employees)),
                num(typical.round())
            ),
        ));
    }

    if a.in_house_it == InHouseIt::Dedicated && a.employees < w.dedicated_min_employees {
        out.push(warn(
            q::IN_HOUSE_IT.key,
            format!(
                "You said you have full-time IT staff, but only {} {} IT; a full-time IT person \
                 usually looks after 25 to 120 people. If IT is only part of someone's job, \
                 choose \"{}\" instead.",
                a.employees,
                if a.employees == 1 {
                    "person uses"
                } else {
                    "people use"
                },
                InHouseIt::PartTime.info().label
            ),
        ));
    }

    if matches!(a.it_reliance, Reliance::Critical)
        && i.downtime_origin == Origin::Answer
        && i.downtime_per_hour < w.critical_min_downtime_per_user * people
    {
        out.push(warn(
            q::DOWNTIME_COST_PER_HOUR.key,
            format!(
                "You said sales or safety stop within minutes when IT fails, yet an hour of \
                 downtime costs you only {}, less than {} for each person. If that figure leaves \
                 out lost sales or idle staff, the advice undervalues fast fixes.",
                money(i.downtime_per_hour),
                money(w.critical_min_downtime_per_user)
            ),
        ));
    }

    if break_even < w.break_even_min || break_even > w.break_even_max {
        out.push(warn(
            "break_even_fee_per_user",
            format!(
                "With your figures managed IT would cost the same as break/fix at {} a person a \
                 month, far from what providers charge ({} to {}). One of the numbers (problems a \
                 month, the hourly rate or the cost of downtime) is probably off; please check them.",
                money(break_even),
                money(w.break_even_min),
                money(w.break_even_max)
            ),
        ));
    }
    out
}

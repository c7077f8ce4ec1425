//! What would change the advice: every sensible single-choice change, and for each numeric answer
//! (the managed quote, the hourly rate, the cost of downtime, the problem count, the headcount)
//! the nearest value within a plausible range at which the verdict is no longer the current one.
//!
//! The verdict comes from exact expected costs, not the simulation, so each candidate is one
//! cheap [`Evaluation`]; a numeric turning point is found by bisection between the answer and the
//! end of its plausible range, then rounded away from the answer and checked again.

use serde_json::Value;

use super::alternatives::alternatives;
use super::answers::Answers;
use super::evaluate::Evaluation;
use super::explain::{incident_rate, money, thousands};
use super::inputs::CostInputs;
use super::outcome::{Change, Verdict};
use super::questions as q;
use super::ruleset::RuleSet;

/// The verdict for changed answers.
fn verdict(a: &Answers, rules: &RuleSet) -> Verdict {
    Evaluation::new(a, rules).verdict()
}

/// A candidate with how far it is from the answers (smaller is more plausible).
struct Candidate {
    change: Change,
    distance: f64,
}

/// The single-answer changes that give a different verdict from `current`, most plausible first.
pub fn what_would_change(a: &Answers, rules: &RuleSet, current: Verdict) -> Vec<Change> {
    // The business's name plays no part in the verdict: leave it out of the many copies below.
    let a = &Answers {
        company: None,
        ..a.clone()
    };
    let mut out: Vec<Candidate> = alternatives(a, rules)
        .into_iter()
        .filter_map(|alt| {
            let new = verdict(&alt.answers, rules);
            (new != current).then(|| Candidate {
                change: Change {
                    key: alt.key.code().to_owned(),
                    from: alt.from,
                    to: alt.to,
                    recommendation: new,
                    description: alt.description,
                },
                distance: alt.distance,
            })
        })
        .collect();
    out.extend(numeric_levers(a, rules, current));
    out.sort_by(|x, y| x.distance.total_cmp(&y.distance));
    out.into_iter().map(|c| c.change).collect()
}

/// A numeric answer the search can move.
#[derive(Clone, Copy)]
enum Lever {
    Fee,
    HourlyRate,
    Downtime,
    Incidents,
    Employees,
}

impl Lever {
    fn key(self) -> &'static str {
        match self {
            Lever::Fee => q::MANAGED_FEE_PER_USER.key,
            Lever::HourlyRate => q::HOURLY_RATE.key,
            Lever::Downtime => q::DOWNTIME_COST_PER_HOUR.key,
            Lever::Incidents => q::INCIDENTS_PER_MONTH.key,
            Lever::Employees => q::EMPLOYEES.key,
        }
    }

    fn set(self, a: &Answers, v: f64) -> Answers {
        let mut b = a.clone();
        match self {
            Lever::Fee => b.managed_fee_per_user = Some(v),
            Lever::HourlyRate => b.hourly_rate = Some(v),
            Lever::Downtime => b.downtime_cost_per_hour = Some(v),
            Lever::Incidents => b.incidents_per_month = v,
            Lever::Employees => b.employees = v as u32,
        }
        b
    }

    /// The rounding step near `v`.
    fn step(self, v: f64) -> f64 {
        match self {
            Lever::Fee | Lever::HourlyRate | Lever::Employees => 1.0,
            Lever::Incidents => 0.1,
            Lever::Downtime => {
                if v < 100.0 {
                    1.0
                } else {
                    10f64.powi(v.log10().floor() as i32 - 2)
                }
            }
        }
    }

    /// Rounds away from the answer to a value an owner would say.
    fn round(self, v: f64, up: bool) -> f64 {
        let step = self.step(v);
        let n = v / step;
        let r = if up { n.ceil() } else { n.floor() } * step;
        // Keep one decimal exact for the incident count.
        (r * 10.0).round() / 10.0
    }

    fn describe(self, to: f64, up: bool, from: f64, new: Verdict) -> String {
        let then = format!("{} would come out ahead", short(new));
        match (self, up) {
            (Lever::Fee, true) => format!(
                "If the managed quote were {} a user a month or more, {then}",
                money(to)
            ),
            (Lever::Fee, false) => format!(
                "If a managed quote came in at {} a user a month or less, {then}",
                money(to)
            ),
            (Lever::HourlyRate, true) => format!(
                "If break/fix technicians charged {} an hour or more, {then}",
                money(to)
            ),
            (Lever::HourlyRate, false) => format!(
                "If you found a technician at {} an hour or less, {then}",
                money(to)
            ),
            (Lever::Downtime, true) => format!(
                "If an hour with your systems down cost you {} or more, {then}",
                money(to)
            ),
            (Lever::Downtime, false) => format!(
                "If an hour with your systems down cost you {} or less, {then}",
                money(to)
            ),
            (Lever::Incidents, _) => format!(
                "If you had {} (you said {}), {then}",
                incident_rate(to),
                incident_rate(from)
            ),
            (Lever::Employees, _) => format!(
                "If {} people used IT in your business (you said {}), {then}",
                thousands(to as u64),
                thousands(from as u64)
            ),
        }
    }
}

/// The verdict's name inside a sentence.
pub fn short(v: Verdict) -> &'static str {
    match v {
        Verdict::BreakFix => "break/fix",
        Verdict::Managed => "managed IT",
        Verdict::CoManaged => "co-managed IT",
    }
}

fn numeric_levers(a: &Answers, rules: &RuleSet, current: Verdict) -> Vec<Candidate> {
    let l = &rules.levers;
    let i = CostInputs::new(a, rules);
    let users = f64::from(a.employees);
    // A managed verdict always names its fee threshold: up to the highest fee the questionnaire
    // accepts, not only the plausible band.
    let fee_max = if current == Verdict::Managed {
        q::FEE_RANGE.1
    } else {
        l.fee_max
    };
    let per_user_default = rules.costs.business.incidents_per_user_month.value;
    let downtime_top = i.downtime_per_hour.max(1.0) * l.downtime_factor;
    let incidents_top = (a.incidents_per_month * l.incidents_factor)
        .max(per_user_default * users)
        .min(q::INCIDENTS_RANGE.1);
    let levers = [
        (Lever::Fee, i.fee_per_user, l.fee_min, fee_max),
        (
            Lever::HourlyRate,
            i.hourly_rate,
            l.hourly_rate_min,
            l.hourly_rate_max,
        ),
        (
            Lever::Downtime,
            i.downtime_per_hour,
            i.downtime_per_hour / l.downtime_factor,
            downtime_top.min(q::DOWNTIME_RANGE.1),
        ),
        (
            Lever::Incidents,
            a.incidents_per_month,
            a.incidents_per_month / l.incidents_factor,
            incidents_top,
        ),
        (
            Lever::Employees,
            users,
            (users / l.size_factor).ceil().max(1.0),
            (users * l.size_factor)
                .floor()
                .min(f64::from(q::EMPLOYEES_RANGE.1)),
        ),
    ];
    levers
        .into_iter()
        .filter_map(|(lever, from, lo, hi)| {
            let up = turning_point(a, rules, current, lever, from, hi, true);
            let down = turning_point(a, rules, current, lever, from, lo, false);
            let ratio = |(to, _): &(f64, Verdict)| ((to + 0.01) / (from + 0.01)).ln().abs();
            let best = match (up, down) {
                (Some(u), Some(d)) => Some(if ratio(&d) < ratio(&u) { d } else { u }),
                (u, d) => u.or(d),
            }?;
            let (to, new) = best;
            let up = to > from;
            let value = |v: f64| match lever {
                Lever::Employees => Value::from(v as u32),
                _ => Value::from(v),
            };
            Some(Candidate {
                distance: ratio(&best) / std::f64::consts::LN_2,
                change: Change {
                    key: lever.key().to_owned(),
                    from: value(from),
                    to: value(to),
                    recommendation: new,
                    description: lever.describe(to, up, from, new),
                },
            })
        })
        .collect()
}

/// The nearest value between `from` and `end` (rounded away from `from`) at which the verdict is
/// no longer `current`, with the verdict there; `None` if the verdict holds all the way.
fn turning_point(
    a: &Answers,
    rules: &RuleSet,
    current: Verdict,
    lever: Lever,
    from: f64,
    end: f64,
    up: bool,
) -> Option<(f64, Verdict)> {
    if (up && end <= from) || (!up && end >= from) {
        return None;
    }
    let at = |v: f64| verdict(&lever.set(a, v), rules);
    let far = at(end);
    if far == current {
        return None;
    }
    // Invariant: the verdict at `near` is the current one, at `far_v` it is not.
    let (mut near, mut far_v) = (from, end);
    let whole = matches!(lever, Lever::Employees);
    let precision = if whole {
        1.0
    } else {
        1e-4 * from.abs().max(0.01)
    };
    while (far_v - near).abs() > precision {
        let mut mid = 0.5 * (near + far_v);
        if whole {
            mid = mid.floor();
        }
        if at(mid) == current {
            near = mid;
        } else {
            far_v = mid;
        }
    }
    let mut to = lever.round(far_v, up);
    if (up && to > end) || (!up && to < end) {
        to = end;
    }
    if matches!(lever, Lever::Employees) {
        to = to.round();
    }
    // The bisection stops within a hair of the turning point, which may sit just past a
    // rounding step: take the step back towards the answer while it still changes the verdict.
    for _ in 0..3 {
        let step = lever.step(to);
        let back = lever.round(if up { to - step } else { to + step }, up);
        let beyond = if up { back > from } else { back < from };
        if beyond && back != to && at(back) != current {
            to = back;
        } else {
            break;
        }
    }
    let new = at(to);
    (new != current && to != from).then_some((to, new))
}

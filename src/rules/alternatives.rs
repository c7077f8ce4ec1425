//! The single-answer changes the what-would-change search tries, most plausible first: every
//! other choice of each question, the nearest headcounts across a band edge or the co-managed
//! size threshold, and half, double and the neighbouring bands of the problem count.

use serde_json::Value;

use super::answers::{
    Answers, Budget, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};
use super::explain::incident_rate;
use super::ruleset::RuleSet;
use super::score::{ANSWER_FACTORS, Key};

/// How an alternative can move the cost factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostMove {
    /// Same cost inputs: the same cost factor.
    None,
    /// Same simulated years, a gap that can only widen.
    Up,
    /// Same simulated years, a gap that can only narrow.
    Down,
    /// Different simulated years.
    Any,
}

/// One single-answer change to try.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub key: Key,
    pub from: Value,
    pub to: Value,
    pub answers: Answers,
    pub cost_move: CostMove,
    /// Smaller is more plausible: choices one step away score 1.
    pub distance: f64,
    pub description: String,
}

fn ordered_move(from: usize, to: usize) -> CostMove {
    if to > from {
        CostMove::Up
    } else {
        CostMove::Down
    }
}

/// Every alternative the search tries, most plausible first.
pub fn alternatives(a: &Answers, rules: &RuleSet) -> Vec<Alternative> {
    let mut out = Vec::new();
    let mut choice = |key: Key,
                      from: &'static str,
                      to: &'static str,
                      distance: usize,
                      cost_move,
                      answers,
                      text: &str| {
        out.push(Alternative {
            key,
            from: Value::from(from),
            to: Value::from(to),
            answers,
            cost_move,
            distance: distance as f64,
            description: text.to_owned(),
        });
    };

    for &v in Growth::ALL.iter().filter(|v| **v != a.growth) {
        let text = [
            "If you planned to stay about the same size",
            "If you planned to grow steadily",
            "If you planned to grow fast",
        ];
        let alt = Answers {
            growth: v,
            ..a.clone()
        };
        choice(
            Key::Growth,
            a.growth.code(),
            v.code(),
            v.index().abs_diff(a.growth.index()),
            CostMove::None,
            alt,
            text[v.index()],
        );
    }
    for &v in Reliance::ALL.iter().filter(|v| **v != a.it_reliance) {
        let text = [
            "If you could work without IT for a day",
            "If losing IT only slowed you down for a few hours",
            "If most work stopped within an hour without IT",
            "If revenue or safety stopped within minutes without IT",
        ];
        let (from, to) = (a.it_reliance.index(), v.index());
        let alt = Answers {
            it_reliance: v,
            ..a.clone()
        };
        choice(
            Key::ItReliance,
            a.it_reliance.code(),
            v.code(),
            to.abs_diff(from),
            ordered_move(from, to),
            alt,
            text[to],
        );
    }
    for &v in Complexity::ALL.iter().filter(|v| **v != a.complexity) {
        let text = [
            "If your set-up were simple: a few computers, with email and files in the cloud",
            "If you had shared files or an office server and several business programs",
            "If you ran servers, several sites or specialist business systems",
        ];
        let (from, to) = (a.complexity.index(), v.index());
        let alt = Answers {
            complexity: v,
            ..a.clone()
        };
        choice(
            Key::Complexity,
            a.complexity.code(),
            v.code(),
            to.abs_diff(from),
            ordered_move(from, to),
            alt,
            text[to],
        );
    }
    for &v in SupportHours::ALL.iter().filter(|v| **v != a.support_hours) {
        let text = [
            "If help during office hours were enough",
            "If you needed help in the evenings or at weekends",
            "If you needed help around the clock",
        ];
        let (from, to) = (a.support_hours.index(), v.index());
        let alt = Answers {
            support_hours: v,
            ..a.clone()
        };
        choice(
            Key::SupportHours,
            a.support_hours.code(),
            v.code(),
            to.abs_diff(from),
            ordered_move(from, to),
            alt,
            text[to],
        );
    }
    for &v in Security::ALL.iter().filter(|v| **v != a.security) {
        let text = [
            "If you held nothing especially sensitive",
            "If you held customers' personal or financial data",
            "If you had rules to prove you follow, such as HIPAA or PCI DSS",
        ];
        let (from, to) = (a.security.index(), v.index());
        let alt = Answers {
            security: v,
            ..a.clone()
        };
        choice(
            Key::Security,
            a.security.code(),
            v.code(),
            to.abs_diff(from),
            ordered_move(from, to),
            alt,
            text[to],
        );
    }
    for &v in InHouseIt::ALL.iter().filter(|v| **v != a.in_house_it) {
        let text = [
            "If nobody in your team looked after IT",
            "If a colleague helped with IT when they could",
            "If IT were part of someone's job in your team",
            "If you hired one or more full-time IT staff",
        ];
        let alt = Answers {
            in_house_it: v,
            ..a.clone()
        };
        let d = v.index().abs_diff(a.in_house_it.index());
        choice(
            Key::InHouseIt,
            a.in_house_it.code(),
            v.code(),
            d,
            CostMove::None,
            alt,
            text[v.index()],
        );
    }
    for &v in Budget::ALL.iter().filter(|v| **v != a.budget) {
        let text = [
            "If money were tight",
            "If your IT budget were moderate",
            "If you had room in your budget",
        ];
        let alt = Answers {
            budget: v,
            ..a.clone()
        };
        choice(
            Key::Budget,
            a.budget.code(),
            v.code(),
            v.index().abs_diff(a.budget.index()),
            CostMove::None,
            alt,
            text[v.index()],
        );
    }
    for &v in CostPreference::ALL
        .iter()
        .filter(|v| **v != a.cost_preference)
    {
        let text = [
            "If you preferred paying the same amount every month",
            "If you preferred paying only when you need help",
            "If you had no preference on how you pay",
        ];
        // Not an ordered scale: every other preference is one step away.
        let alt = Answers {
            cost_preference: v,
            ..a.clone()
        };
        choice(
            Key::CostPreference,
            a.cost_preference.code(),
            v.code(),
            1,
            CostMove::None,
            alt,
            text[v.index()],
        );
    }
    for &v in Control::ALL.iter().filter(|v| **v != a.control) {
        let text = [
            "If you wanted to decide and do things yourselves",
            "If you wanted a say in IT decisions but not the work",
            "If you wanted someone else to take care of IT",
        ];
        let alt = Answers {
            control: v,
            ..a.clone()
        };
        choice(
            Key::Control,
            a.control.code(),
            v.code(),
            v.index().abs_diff(a.control.index()),
            CostMove::None,
            alt,
            text[v.index()],
        );
    }

    for n in employee_candidates(a.employees, rules) {
        out.push(Alternative {
            key: Key::Employees,
            from: Value::from(a.employees),
            to: Value::from(n),
            answers: Answers {
                employees: n,
                ..a.clone()
            },
            cost_move: CostMove::Any,
            distance: (f64::from(n) / f64::from(a.employees)).log2().abs(),
            description: format!(
                "If {n} people used IT in your business (you said {})",
                a.employees
            ),
        });
    }
    let now = a.incidents_per_month;
    for x in incident_candidates(now, rules) {
        out.push(Alternative {
            key: Key::IncidentsPerMonth,
            from: Value::from(now),
            to: Value::from(x),
            answers: Answers {
                incidents_per_month: x,
                ..a.clone()
            },
            cost_move: if x > now {
                CostMove::Up
            } else {
                CostMove::Down
            },
            distance: ((x + 0.25) / (now + 0.25)).log2().abs(),
            description: incidents_description(x, now),
        });
    }

    let order = |k: Key| {
        Key::ANSWERS
            .iter()
            .position(|x| *x == k)
            .unwrap_or(ANSWER_FACTORS)
    };
    out.sort_by(|x, y| {
        x.distance
            .total_cmp(&y.distance)
            .then(order(x.key).cmp(&order(y.key)))
    });
    out
}

fn incidents_description(x: f64, now: f64) -> String {
    if x <= 0.0 {
        format!(
            "If nothing needed fixing in a typical month (you said {})",
            incident_rate(now)
        )
    } else {
        format!(
            "If you got {} (you said {})",
            incident_rate(x),
            incident_rate(now)
        )
    }
}

/// The nearest headcounts on either side of a band edge or the co-managed size threshold.
fn employee_candidates(n: u32, rules: &RuleSet) -> Vec<u32> {
    // A cut k separates "at most k" from "at least k + 1".
    let mut cuts: Vec<u32> = rules
        .factors
        .employees
        .iter()
        .map(|b| b.up_to.clamp(0.0, 1e4) as u32)
        .collect();
    cuts.push(rules.overrides.co_managed.min_employees.saturating_sub(1));
    let down = cuts.iter().copied().filter(|k| *k < n && *k >= 1).max();
    let up = cuts
        .iter()
        .copied()
        .filter(|k| *k >= n && *k < 10_000)
        .min()
        .map(|k| k + 1);
    down.into_iter().chain(up).collect()
}

/// Half, double, and the nearest values in the neighbouring incident bands.
fn incident_candidates(now: f64, rules: &RuleSet) -> Vec<f64> {
    let bands = &rules.factors.incidents_per_month;
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let mut out = vec![round(now / 2.0), round(now * 2.0)];
    if let Some(edge) = bands
        .iter()
        .map(|b| b.up_to)
        .filter(|e| *e < now)
        .reduce(f64::max)
    {
        out.push(edge);
    }
    if let Some(i) = bands
        .iter()
        .position(|b| b.up_to >= now && b.up_to.is_finite())
    {
        let edge = bands[i].up_to;
        let next_top = bands.get(i + 1).map_or(f64::INFINITY, |b| b.up_to);
        out.push(round((edge + (edge * 0.5).max(0.25)).min(next_top)));
    }
    out.retain(|x| *x != now && (0.0..=500.0).contains(x));
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

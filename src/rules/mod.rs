//! The advisor's brain: pure functions from answers and a rule set to an outcome. No I/O, no
//! clock, no global randomness: the simulation is seeded from the answers, so the same answers
//! under the same rules always give the same outcome.

pub mod answers;
#[doc(hidden)]
pub mod fixtures;
pub mod outcome;
pub mod questions;
pub mod ruleset;
pub mod text;

mod alternatives;
mod assumptions;
mod change;
mod cost_rules;
mod costs;
mod evaluate;
mod explain;
mod inputs;
mod notes;
mod sampling;
mod score;
mod simulate;
mod stats;
mod summary;
mod validate;
mod validate_costs;
mod warnings;

#[cfg(test)]
mod tests;

use std::cell::RefCell;

use serde_json::{Map, Value};

pub use answers::{Answers, Choice, FieldError, RawAnswers};
pub use explain::{money, money_about, pct as percent, thousands};
pub use outcome::{Confidence, Outcome, Verdict};
pub use ruleset::{DefaultCosts, RuleSet, RulesError};

use evaluate::Evaluation;
use outcome::{CostSpread, Costs, Factor};
use questions as q;
use score::Key;
use simulate::Scratch;

thread_local! {
    /// Simulation buffers kept per thread between assessments. They hold no state that reaches
    /// a result (every simulation overwrites them); keeping them only saves allocating and
    /// page-faulting a quarter of a megabyte per call.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Assesses one business: verdict, reasons, costs and what would change the advice.
pub fn assess(answers: &Answers, rules: &RuleSet) -> Outcome {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => assess_with(answers, rules, &mut scratch),
        Err(_) => assess_with(answers, rules, &mut Scratch::default()),
    })
}

fn assess_with(answers: &Answers, rules: &RuleSet, scratch: &mut Scratch) -> Outcome {
    let eval = Evaluation::new(answers, rules);
    let (inputs, model, expected) = (&eval.inputs, &eval.model, &eval.expected);
    let decision = eval.decision;
    let confidence = eval.confidence(rules);
    let spread = simulate::simulate(model, rules, inputs::seed(answers, rules, inputs), scratch);

    let bf_lines = costs::break_fix_components(model);
    let m_lines = costs::managed_components(model);
    let co_lines = inputs
        .co_managed_costed
        .then(|| costs::co_managed_components(model));
    let break_even = costs::break_even_fee(model, expected);
    let co_shift = model.co_managed_fixed() - model.managed_fixed();

    let figures = explain::CostFigures {
        expected: *expected,
        provider: eval.provider,
        p90_break_fix: spread.break_fix[2],
        p90_provider: spread.managed[2]
            + if eval.provider == Verdict::CoManaged {
                co_shift
            } else {
                0.0
            },
    };
    let mut factors: Vec<Factor> = Key::ANSWERS
        .iter()
        .zip(eval.answer_points)
        .chain(std::iter::once((&Key::Costs, eval.cost_points)))
        .filter(|(_, points)| *points != 0.0)
        .map(|(key, points)| Factor {
            key: key.code().to_owned(),
            label: explain::label(*key).to_owned(),
            points,
            favours: if points > 0.0 {
                figures.provider
            } else {
                Verdict::BreakFix
            },
            explanation: explain::factor_sentence(*key, answers, points, &figures),
        })
        .collect();
    factors.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()));

    let spread_of = |lines: Vec<outcome::CostComponent>, [p10, p50, p90, p99]: [f64; 4]| {
        let expected_annual = costs::total(&lines);
        CostSpread {
            expected_annual,
            p10,
            p50,
            p90,
            p99: Some(p99),
            components: lines,
        }
    };
    let costs = Costs {
        currency: rules.currency.clone(),
        break_fix: spread_of(bf_lines, spread.break_fix),
        managed: spread_of(m_lines, spread.managed),
        co_managed: co_lines.map(|lines| spread_of(lines, spread.managed.map(|v| v + co_shift))),
        break_even_fee_per_user: break_even,
        years_simulated: rules.simulation.years,
    };
    let notes = notes::notes(answers, &decision, &eval, &costs, &factors, rules);
    let summary = summary::summary(
        answers,
        &decision,
        eval.provider,
        confidence,
        &factors,
        &costs,
    );
    let warnings = warnings::warnings(answers, inputs, break_even, rules);
    let what_would_change = change::what_would_change(answers, rules, decision.verdict);

    Outcome {
        rules_version: rules.version.clone(),
        answers: filled_answers(answers, inputs),
        recommendation: decision.verdict,
        confidence,
        summary,
        warnings,
        score: eval.score,
        factors,
        costs,
        what_would_change,
        assumptions: assumptions::assumptions(inputs, rules),
        notes,
    }
}

/// Every answer key, with the optional cost inputs filled from the rules (the downtime estimate
/// rounded to the cent).
fn filled_answers(a: &Answers, i: &inputs::CostInputs) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        q::COMPANY.key.into(),
        a.company.clone().map_or(Value::Null, Value::from),
    );
    m.insert(q::EMPLOYEES.key.into(), Value::from(a.employees));
    m.insert(
        q::LIGHT_USERS.key.into(),
        Value::from(a.light_users.unwrap_or(0)),
    );
    m.insert(q::GROWTH.key.into(), Value::from(a.growth.code()));
    m.insert(q::IT_RELIANCE.key.into(), Value::from(a.it_reliance.code()));
    m.insert(q::COMPLEXITY.key.into(), Value::from(a.complexity.code()));
    m.insert(
        q::INCIDENTS_PER_MONTH.key.into(),
        Value::from(a.incidents_per_month),
    );
    m.insert(
        q::SUPPORT_HOURS.key.into(),
        Value::from(a.support_hours.code()),
    );
    m.insert(q::SECURITY.key.into(), Value::from(a.security.code()));
    m.insert(q::IN_HOUSE_IT.key.into(), Value::from(a.in_house_it.code()));
    m.insert(q::BUDGET.key.into(), Value::from(a.budget.code()));
    m.insert(
        q::COST_PREFERENCE.key.into(),
        Value::from(a.cost_preference.code()),
    );
    m.insert(q::CONTROL.key.into(), Value::from(a.control.code()));
    m.insert(q::HOURLY_RATE.key.into(), Value::from(i.hourly_rate));
    m.insert(
        q::MANAGED_FEE_PER_USER.key.into(),
        Value::from(i.fee_per_user),
    );
    m.insert(
        q::DOWNTIME_COST_PER_HOUR.key.into(),
        Value::from((i.downtime_per_hour * 100.0).round() / 100.0),
    );
    m
}

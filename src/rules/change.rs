//! What would change the advice: every plausible single-answer change, re-scored exactly.
//!
//! Exactness without a simulation per alternative: an alternative that leaves the cost inputs
//! alone reuses the assessment's cost factor. For the others, the verdict is first checked over
//! every cost-factor value the alternative could possibly get; only when that range straddles a
//! verdict boundary is its cost model simulated, with the very function `assess` uses. The range
//! is the full ±max_points for a change of size; for incidents, reliance, complexity, support
//! hours or security it runs only from the assessment's own cost factor towards one bound,
//! because those replay the same simulated years and can only move the break/fix − managed gap
//! one way (see `simulate.rs`).

use super::alternatives::{CostMove, alternatives};
use super::answers::Answers;
use super::costs::Model;
use super::inputs::CostInputs;
use super::outcome::{Change, Verdict};
use super::ruleset::RuleSet;
use super::score::{ANSWER_FACTORS, answer_points, breakpoints, cost_points, decide, total};
use super::simulate::{Scratch, simulate};

/// Slack for rounding when a cost factor is bounded by the assessment's own.
const ROUNDING: f64 = 1e-9;

/// The verdict for `answers` whatever the cost factor within `[lo, hi]`, if it is the same for all.
fn settled_verdict(
    a: &Answers,
    points: &[f64; ANSWER_FACTORS],
    lo: f64,
    hi: f64,
    rules: &RuleSet,
) -> Option<Verdict> {
    let (s_lo, s_hi) = (total(points, lo), total(points, hi));
    let first = decide(a, s_lo, rules).verdict;
    let same = |s: f64| decide(a, s, rules).verdict == first;
    let inner = breakpoints(rules)
        .into_iter()
        .filter(|b| *b > s_lo && *b <= s_hi)
        .all(same);
    (inner && same(s_hi)).then_some(first)
}

/// The single-answer changes that give a different verdict from `verdict`, most plausible first.
pub fn what_would_change(
    a: &Answers,
    rules: &RuleSet,
    verdict: Verdict,
    cost: f64,
    scratch: &mut Scratch,
) -> Vec<Change> {
    let max = rules.factors.costs.max_points;
    alternatives(a, rules)
        .into_iter()
        .filter_map(|alt| {
            let points = answer_points(&alt.answers, rules);
            let (lo, hi) = match alt.cost_move {
                CostMove::None => (cost, cost),
                CostMove::Up => (cost - ROUNDING, max),
                CostMove::Down => (-max, cost + ROUNDING),
                CostMove::Any => (-max, max),
            };
            let new = settled_verdict(&alt.answers, &points, lo, hi, rules).unwrap_or_else(|| {
                let inputs = CostInputs::new(&alt.answers, rules);
                let model = Model::new(&inputs, rules);
                let gap = simulate(&model, rules, inputs.seed, false, scratch).gap;
                decide(
                    &alt.answers,
                    total(&points, cost_points(gap, model.fee_annual, rules)),
                    rules,
                )
                .verdict
            });
            (new != verdict).then(|| Change {
                key: alt.key.code().to_owned(),
                from: alt.from,
                to: alt.to,
                recommendation: new,
                description: alt.description,
            })
        })
        .collect()
}

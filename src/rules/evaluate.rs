//! One evaluation of the advice without the explanation: cost inputs, exact expected costs, the
//! points and the verdict. `assess` builds on it, and the what-would-change search runs it for
//! every alternative, so it builds no text and runs no simulation.

use super::answers::Answers;
use super::costs::{Expected, Model};
use super::inputs::CostInputs;
use super::outcome::{Confidence, Verdict};
use super::ruleset::RuleSet;
use super::score::{self, ANSWER_FACTORS, Decision};

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub inputs: CostInputs,
    pub model: Model,
    pub expected: Expected,
    pub answer_points: [f64; ANSWER_FACTORS],
    pub cost_points: f64,
    pub score: f64,
    pub decision: Decision,
    /// What a positive score points to: co-managed with full-time IT staff, managed otherwise.
    pub provider: Verdict,
}

impl Evaluation {
    pub fn new(a: &Answers, rules: &RuleSet) -> Evaluation {
        let inputs = CostInputs::new(a, rules);
        let model = Model::new(&inputs, rules);
        let expected = Expected::of(&model);
        let provider = score::provider(a, rules);
        let gap = expected.break_fix - expected.of_verdict(provider);
        let cost_points = score::cost_points(gap, inputs.users, rules);
        let answer_points = score::answer_points(a, rules);
        let score = score::total(&answer_points, cost_points);
        let decision = score::decide(a, score, rules);
        Evaluation {
            inputs,
            model,
            expected,
            answer_points,
            cost_points,
            score,
            decision,
            provider,
        }
    }

    pub fn verdict(&self) -> Verdict {
        self.decision.verdict
    }

    /// The cheapest expected yearly cost among the options costed for this business.
    pub fn cheapest(&self) -> f64 {
        let e = &self.expected;
        let both = e.break_fix.min(e.managed);
        if self.inputs.co_managed_costed {
            both.min(e.co_managed)
        } else {
            both
        }
    }

    /// The recommendation's expected cost as a multiple of the cheapest option's.
    pub fn cost_ratio(&self) -> f64 {
        let cheapest = self.cheapest();
        if cheapest > 0.0 {
            self.expected.of_verdict(self.verdict()) / cheapest
        } else {
            1.0
        }
    }

    pub fn confidence(&self, rules: &RuleSet) -> Confidence {
        score::confidence(&self.decision, self.score, self.cost_ratio(), rules)
    }
}

//! Points per answer, the cost factor, the verdict with its override rules, and confidence.

use super::answers::{Answers, Choice};
use super::outcome::{Confidence, Verdict};
use super::questions::{self, Question};
use super::ruleset::{RuleSet, band_points};

/// The factors, in the fixed order their points are added up (so a score is reproducible to the
/// last bit, whichever path computes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Employees,
    Growth,
    ItReliance,
    Complexity,
    IncidentsPerMonth,
    SupportHours,
    Security,
    InHouseIt,
    Budget,
    CostPreference,
    Control,
    Costs,
}

/// Number of factors that come straight from an answer (all but `Costs`).
pub const ANSWER_FACTORS: usize = 11;

impl Key {
    /// The answer factors in scoring order.
    pub const ANSWERS: [Key; ANSWER_FACTORS] = [
        Key::Employees,
        Key::Growth,
        Key::ItReliance,
        Key::Complexity,
        Key::IncidentsPerMonth,
        Key::SupportHours,
        Key::Security,
        Key::InHouseIt,
        Key::Budget,
        Key::CostPreference,
        Key::Control,
    ];

    /// The question behind the factor (`None` for the cost comparison).
    pub fn question(self) -> Option<&'static Question> {
        Some(match self {
            Key::Employees => &questions::EMPLOYEES,
            Key::Growth => &questions::GROWTH,
            Key::ItReliance => &questions::IT_RELIANCE,
            Key::Complexity => &questions::COMPLEXITY,
            Key::IncidentsPerMonth => &questions::INCIDENTS_PER_MONTH,
            Key::SupportHours => &questions::SUPPORT_HOURS,
            Key::Security => &questions::SECURITY,
            Key::InHouseIt => &questions::IN_HOUSE_IT,
            Key::Budget => &questions::BUDGET,
            Key::CostPreference => &questions::COST_PREFERENCE,
            Key::Control => &questions::CONTROL,
            Key::Costs => return None,
        })
    }

    /// The answer key (or `costs`).
    pub fn code(self) -> &'static str {
        self.question().map_or(questions::COSTS_FACTOR.0, |q| q.key)
    }
}

/// Points of every answer factor, in [`Key::ANSWERS`] order.
pub fn answer_points(a: &Answers, rules: &RuleSet) -> [f64; ANSWER_FACTORS] {
    let f = &rules.factors;
    let pick = |table: &[f64], i: usize| table.get(i).copied().unwrap_or(0.0);
    [
        band_points(&f.employees, f64::from(a.employees)),
        pick(&f.growth, a.growth.index()),
        pick(&f.it_reliance, a.it_reliance.index()),
        pick(&f.complexity, a.complexity.index()),
        band_points(&f.incidents_per_month, a.incidents_per_month),
        pick(&f.support_hours, a.support_hours.index()),
        pick(&f.security, a.security.index()),
        pick(&f.in_house_it, a.in_house_it.index()),
        pick(&f.budget, a.budget.index()),
        pick(&f.cost_preference, a.cost_preference.index()),
        pick(&f.control, a.control.index()),
    ]
}

/// The cost factor: the bad-year gap (break/fix − managed) relative to the yearly managed fee,
/// squashed smoothly into ±`max_points`. Rises with the gap, so anything that widens the gap in
/// every simulated year can only add points.
pub fn cost_points(gap: f64, fee_annual: f64, rules: &RuleSet) -> f64 {
    let c = &rules.factors.costs;
    let scale = c.fee_share_scale * fee_annual;
    if scale > 0.0 && gap.is_finite() {
        c.max_points * (gap / scale).tanh()
    } else {
        0.0
    }
}

/// The score: answer points in order, then the cost factor.
pub fn total(points: &[f64; ANSWER_FACTORS], cost: f64) -> f64 {
    points.iter().sum::<f64>() + cost
}

/// Which rule settled the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The score against the threshold.
    Score,
    /// Override (a): own IT staff plus size, compliance or 24/7 → co-managed.
    CoManaged,
    /// Override (a)'s conditions hold, but the score is so far towards break/fix that the IT staff
    /// are better backed by break/fix overflow.
    Overflow,
    /// Override (c): regulated data and nobody looking after IT → managed, not break/fix.
    RegulatedNeedsProvider,
}

/// Which of override (a)'s conditions hold besides having IT staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateReasons {
    pub size: bool,
    pub security: bool,
    pub hours: bool,
}

impl GateReasons {
    /// Whether at least one condition holds.
    pub fn any(self) -> bool {
        self.size || self.security || self.hours
    }
}

/// The verdict and how it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub rule: Rule,
    /// Override (a)'s conditions, when the business has the listed IT staff; `None` otherwise.
    pub gate: Option<GateReasons>,
}

/// The co-managed gate: `Some` when the business has the listed IT staff, with the conditions met.
pub fn co_managed_gate(a: &Answers, rules: &RuleSet) -> Option<GateReasons> {
    let co = &rules.overrides.co_managed;
    if !co.in_house_it.contains(&a.in_house_it) {
        return None;
    }
    Some(GateReasons {
        size: a.employees >= co.min_employees,
        security: co.security.contains(&a.security),
        hours: co.support_hours.contains(&a.support_hours),
    })
}

/// Verdict from the score, then overrides (a) and (c) from the rules.
pub fn decide(a: &Answers, score: f64, rules: &RuleSet) -> Decision {
    let by_score = if score >= rules.verdict.managed_threshold {
        Verdict::Managed
    } else {
        Verdict::BreakFix
    };
    let gate = co_managed_gate(a, rules);
    let mut decision = Decision {
        verdict: by_score,
        rule: Rule::Score,
        gate,
    };
    if gate.is_some_and(GateReasons::any) {
        decision.rule = Rule::Overflow;
        if score >= rules.overrides.co_managed.min_score {
            decision.verdict = Verdict::CoManaged;
            decision.rule = Rule::CoManaged;
        }
    }
    let reg = &rules.overrides.regulated_needs_provider;
    if decision.verdict == Verdict::BreakFix
        && reg.security.contains(&a.security)
        && reg.in_house_it.contains(&a.in_house_it)
    {
        decision.verdict = Verdict::Managed;
        decision.rule = Rule::RegulatedNeedsProvider;
    }
    decision
}

/// The scores at which the verdict can change for fixed answers. Between consecutive points the
/// verdict is constant, which lets the what-would-change search skip simulations safely.
pub fn breakpoints(rules: &RuleSet) -> [f64; 2] {
    [
        rules.verdict.managed_threshold,
        rules.overrides.co_managed.min_score,
    ]
}

/// Confidence from the distance between the score and the boundary that would change the verdict:
/// the managed threshold for a score verdict, the co-managed minimum score for co-managed (and for
/// break/fix overflow below it). Override (c) is a firm rule that the score argues against, so its
/// confidence is fixed in the rules file.
pub fn confidence(decision: &Decision, score: f64, rules: &RuleSet) -> Confidence {
    let v = &rules.verdict;
    let margin = match decision.rule {
        Rule::Score => (score - v.managed_threshold).abs(),
        Rule::CoManaged | Rule::Overflow => (score - rules.overrides.co_managed.min_score).abs(),
        Rule::RegulatedNeedsProvider => return rules.overrides.regulated_needs_provider.confidence,
    };
    if margin >= v.strong_margin {
        Confidence::Strong
    } else if margin >= v.moderate_margin {
        Confidence::Moderate
    } else {
        Confidence::CloseCall
    }
}

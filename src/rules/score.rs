//! Points per answer, the cost factor, the verdict with its override rules, and confidence.

use super::answers::{Answers, Choice};
use super::outcome::{Confidence, Verdict};
use super::questions::{self, Question};
use super::ruleset::{RuleSet, knot_points};

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
        knot_points(&f.employees, f64::from(a.employees)),
        pick(&f.growth, a.growth.index()),
        pick(&f.it_reliance, a.it_reliance.index()),
        pick(&f.complexity, a.complexity.index()),
        knot_points(&f.incidents_per_month, a.incidents_per_month),
        pick(&f.support_hours, a.support_hours.index()),
        pick(&f.security, a.security.index()),
        pick(&f.in_house_it, a.in_house_it.index()),
        pick(&f.budget, a.budget.index()),
        pick(&f.cost_preference, a.cost_preference.index()),
        pick(&f.control, a.control.index()),
    ]
}

/// The cost factor: the expected yearly gap (break/fix − the provider option) against what IT
/// support for a business this size normally costs a year, through asinh, so that a gap counts
/// in proportion to its size: linear while small, logarithmic when it is many times the
/// yardstick. Rises with the gap.
pub fn cost_points(gap: f64, users: f64, rules: &RuleSet) -> f64 {
    let c = &rules.factors.costs;
    let yardstick = 12.0 * users * c.reference_fee_per_user;
    if yardstick > 0.0 && gap.is_finite() {
        c.weight * (gap / yardstick).asinh()
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
    /// The score favours a provider and the business has full-time IT staff: co-managed, because
    /// a full contract would pay twice for their work.
    FullTimeStaff,
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

/// The provider option a positive score points to: co-managed for a business with full-time IT
/// staff (a full contract would pay twice for their work), managed otherwise.
pub fn provider(a: &Answers, rules: &RuleSet) -> Verdict {
    if rules
        .overrides
        .full_time_staff
        .in_house_it
        .contains(&a.in_house_it)
    {
        Verdict::CoManaged
    } else {
        Verdict::Managed
    }
}

/// Verdict from the score, then overrides (a) and (c) from the rules.
pub fn decide(a: &Answers, score: f64, rules: &RuleSet) -> Decision {
    let gate = co_managed_gate(a, rules);
    let mut decision = if score >= rules.verdict.managed_threshold {
        let verdict = provider(a, rules);
        Decision {
            verdict,
            rule: if verdict == Verdict::CoManaged {
                Rule::FullTimeStaff
            } else {
                Rule::Score
            },
            gate,
        }
    } else {
        Decision {
            verdict: Verdict::BreakFix,
            rule: Rule::Score,
            gate,
        }
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

/// Confidence from the distance between the score and the boundary that would change the verdict:
/// the managed threshold for a score verdict, the co-managed minimum score for co-managed (and for
/// break/fix overflow below it). Override (c) is a firm rule that the score argues against, so its
/// confidence is fixed in the rules file. Then capped by money: a recommendation costing
/// `moderate_cost_ratio` times the cheapest costed option is at most moderate, and at
/// `close_call_cost_ratio` times at most a close call.
pub fn confidence(decision: &Decision, score: f64, cost_ratio: f64, rules: &RuleSet) -> Confidence {
    let v = &rules.verdict;
    let margin = match decision.rule {
        Rule::Score | Rule::FullTimeStaff => (score - v.managed_threshold).abs(),
        Rule::CoManaged | Rule::Overflow => (score - rules.overrides.co_managed.min_score).abs(),
        Rule::RegulatedNeedsProvider => f64::NAN,
    };
    let by_score = if margin.is_nan() {
        rules.overrides.regulated_needs_provider.confidence
    } else if margin >= v.strong_margin {
        Confidence::Strong
    } else if margin >= v.moderate_margin {
        Confidence::Moderate
    } else {
        Confidence::CloseCall
    };
    if cost_ratio >= v.close_call_cost_ratio {
        Confidence::CloseCall
    } else if cost_ratio >= v.moderate_cost_ratio && by_score == Confidence::Strong {
        Confidence::Moderate
    } else {
        by_score
    }
}

//! Notes beside the verdict: why an override rule decided it, and warnings worth reading first.

use super::answers::Answers;
use super::change::short;
use super::evaluate::Evaluation;
use super::explain::{money_about, num};
use super::outcome::Factor;
use super::outcome::{Costs, Verdict};
use super::questions::COSTS_FACTOR;
use super::ruleset::RuleSet;
use super::score::{Decision, GateReasons, Rule};
use super::summary::{buys, costs_of, reason};

fn gate_reasons(a: &Answers, g: GateReasons) -> String {
    let mut parts = Vec::new();
    if g.size {
        parts.push(format!("{} people to support", a.employees));
    }
    if g.security {
        parts.push("rules you must prove you follow".to_owned());
    }
    if g.hours {
        parts.push("a need for help around the clock".to_owned());
    }
    match parts.len() {
        0 => String::new(),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{} and {last}", parts.join(", "))
        }
    }
}

/// Every note for this outcome, most important first.
pub fn notes(
    a: &Answers,
    d: &Decision,
    eval: &Evaluation,
    costs: &Costs,
    factors: &[Factor],
    rules: &RuleSet,
) -> Vec<String> {
    let mut notes = Vec::new();
    let reasons = d.gate.map(|g| gate_reasons(a, g)).unwrap_or_default();
    let co_managed = costs.co_managed.as_ref();
    match d.rule {
        Rule::CoManaged => notes.push(format!(
            "You have full-time IT staff and {reasons}, so the advice is co-managed IT: your own \
             staff keep the day-to-day work and their knowledge of your business, and a provider \
             adds monitoring, security tools, out-of-hours cover and specialist depth that a small \
             team cannot supply on its own. Your staff stay in charge of decisions."
        )),
        Rule::FullTimeStaff => notes.push(
            "You have full-time IT staff, so the advice is co-managed IT rather than a full managed \
             contract: a full contract would pay a provider for the work your staff already do. \
             A co-managed provider backs them up with monitoring, security tools and cover when \
             they are away."
                .to_owned(),
        ),
        Rule::Overflow => notes.push(format!(
            "You have full-time IT staff and {reasons}, which often calls for co-managed IT, but your \
             other answers point so firmly to paying per problem that the advice is for your staff to \
             stay in charge and call in a break/fix technician as overflow, when they need extra hands \
             or specialist skills."
        )),
        Rule::RegulatedNeedsProvider => notes.push(format!(
            "Your other answers lean towards break/fix (a score of {}), but you hold data under rules \
             you must prove you follow and nobody in your team looks after IT full-time. With \
             break/fix nobody would keep up the updates, backups and records an auditor or insurer \
             will ask for, so the advice is managed IT.",
            num(eval.score)
        )),
        Rule::Score => {}
    }

    // What the recommendation costs against the other main option, and what that buys.
    let mine = costs_of(costs, d.verdict);
    let other = if d.verdict == Verdict::BreakFix {
        eval.provider
    } else {
        Verdict::BreakFix
    };
    let diff = mine - costs_of(costs, other);
    if diff > 0.0 {
        let towards_provider = d.verdict != Verdict::BreakFix;
        let matters = factors
            .iter()
            .filter(|f| f.key != COSTS_FACTOR.0)
            .find(|f| f.points != 0.0 && (f.points > 0.0) == towards_provider)
            .map_or_else(
                || "of the reasons above".to_owned(),
                |f| reason(a, f, towards_provider),
            );
        notes.push(format!(
            "{} costs about {} a year more than {} in an average year. It buys {}, which matters \
             because {matters}{}.",
            d.verdict.label(),
            money_about(diff),
            short(other),
            buys(d.verdict),
            if eval.cost_ratio() >= rules.verdict.moderate_cost_ratio {
                ", but at that price it is a judgement call, so get quotes before you decide"
            } else {
                ""
            }
        ));
    }

    // Co-managed priced below both, for a business whose own people could share the work.
    if let Some(co) = co_managed.filter(|_| d.verdict != Verdict::CoManaged) {
        let others = costs
            .break_fix
            .expected_annual
            .min(costs.managed.expected_annual);
        if co.expected_annual < others {
            notes.push(format!(
                "Co-managed IT, your own IT person keeping the day-to-day work with a provider's \
                 tools, monitoring and back-up behind them, comes to about {} a year here, less \
                 than either option above: worth asking providers for, if your IT person has the \
                 time and wants the role.",
                money_about(co.expected_annual)
            ));
        }
    }

    // What a bad year could cost, in words, for every option shown.
    let mut bad = vec![format!(
        "break/fix about {} (one year in a hundred: {})",
        money_about(costs.break_fix.p90),
        money_about(costs.break_fix.p99.unwrap_or(costs.break_fix.p90))
    )];
    bad.push(format!(
        "managed IT about {} ({})",
        money_about(costs.managed.p90),
        money_about(costs.managed.p99.unwrap_or(costs.managed.p90))
    ));
    if let Some(c) = co_managed {
        bad.push(format!(
            "co-managed IT about {} ({})",
            money_about(c.p90),
            money_about(c.p99.unwrap_or(c.p90))
        ));
    }
    notes.push(format!(
        "What a bad year could cost: in one year in ten, {}. The worst years come from a \
         ransomware or other severe event: days without your systems, response and recovery fees{}.",
        bad.join(", "),
        if eval.model.notification > 0.0 {
            " and notifying the people whose data was exposed"
        } else {
            ""
        }
    ));

    if d.verdict == Verdict::BreakFix
        && rules.overrides.tail_warning.enabled
        && costs.break_fix.p90 > costs_of_p90(costs, other)
    {
        notes.push(format!(
            "Break/fix suits you in an ordinary year, but in a bad year (one in ten) it could cost \
             about {}, more than the {} {} would cost. Keep some money aside for such a year, and \
             agree rates and response times with a technician before you need one.",
            money_about(costs.break_fix.p90),
            money_about(costs_of_p90(costs, other)),
            short(other)
        ));
    }
    if d.verdict != Verdict::BreakFix {
        notes.push(
            "Before you sign, ask the provider to review your current set-up, put in writing what \
             the monthly fee covers and what is billed on top, and check the response times in the \
             service-level agreement."
                .to_owned(),
        );
    }
    notes
}

fn costs_of_p90(costs: &Costs, v: Verdict) -> f64 {
    match v {
        Verdict::BreakFix => costs.break_fix.p90,
        Verdict::Managed => costs.managed.p90,
        Verdict::CoManaged => costs
            .co_managed
            .as_ref()
            .map_or(costs.managed.p90, |c| c.p90),
    }
}

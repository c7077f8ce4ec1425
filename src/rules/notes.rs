//! Notes beside the verdict: why an override rule decided it, and warnings worth reading first.

use super::answers::Answers;
use super::explain::{money_about, num, pct};
use super::outcome::Verdict;
use super::ruleset::RuleSet;
use super::score::{Decision, GateReasons, Rule};

/// What the notes need besides the answers and the decision.
#[derive(Debug, Clone, Copy)]
pub struct NoteFigures {
    pub score: f64,
    pub p90_break_fix: f64,
    pub p90_managed: f64,
    /// A full managed fee for everyone for a year.
    pub fee_annual: f64,
}

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
pub fn notes(a: &Answers, d: &Decision, f: &NoteFigures, rules: &RuleSet) -> Vec<String> {
    let mut notes = Vec::new();
    let reasons = d.gate.map(|g| gate_reasons(a, g)).unwrap_or_default();
    match d.rule {
        Rule::CoManaged => {
            notes.push(format!(
                "You have full-time IT staff and {reasons}, so the advice is co-managed IT: your own \
                 staff keep the day-to-day work and their knowledge of your business, and a provider \
                 adds monitoring, security tools, out-of-hours cover and specialist depth that a small \
                 team cannot supply on its own. Your staff stay in charge of decisions."
            ));
            let share = rules.costs.managed.co_managed_fee_share.value;
            notes.push(format!(
                "Co-managed IT is not costed separately here; the managed figures are for a full \
                 contract. Providers often charge around {} of a full managed fee for co-managed \
                 support (an assumption: no published figure was found), which would be about {} a \
                 year for {} people, on top of what your own IT staff cost.",
                pct(share),
                money_about(share * f.fee_annual),
                num(f64::from(a.employees))
            ));
        }
        Rule::Overflow => notes.push(format!(
            "You have full-time IT staff and {reasons}, which often calls for co-managed IT, but your \
             other answers point so firmly to paying per problem that the advice is for your staff to \
             stay in charge and call in a break/fix technician as overflow, when they need extra hands \
             or specialist skills."
        )),
        Rule::RegulatedNeedsProvider => notes.push(format!(
            "Your other answers lean towards break/fix (a score of {}), but you hold data under rules \
             you must prove you follow and nobody in your team looks after IT as part of their job. \
             With break/fix nobody would keep up the updates, backups and records an auditor or \
             insurer will ask for, so the advice is managed IT.",
            num(f.score)
        )),
        Rule::Score => {}
    }
    if d.verdict == Verdict::BreakFix
        && rules.overrides.tail_warning.enabled
        && f.p90_break_fix > f.p90_managed
    {
        notes.push(format!(
            "Break/fix suits you in an ordinary year, but in a bad year (one in ten) it could cost \
             about {}, more than the {} managed support would cost. Keep some money aside for such a \
             year, and agree rates and response times with a technician before you need one.",
            money_about(f.p90_break_fix),
            money_about(f.p90_managed)
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

//! The one sentence an owner can quote: the verdict, the main reason and the money.

use super::answers::{
    Answers, Budget, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};
use super::change::short;
use super::explain::{incident_rate, money_about};
use super::outcome::{Confidence, Costs, Factor, Verdict};
use super::questions as q;
use super::score::{Decision, Rule};

/// What each model buys that the cheaper one does not.
pub fn buys(v: Verdict) -> &'static str {
    match v {
        Verdict::Managed => {
            "fixed monthly bills, monitoring and patching, a helpdesk for everyone and a fix \
             within hours under a service-level agreement"
        }
        Verdict::CoManaged => {
            "monitoring, security tools, out-of-hours cover and specialist back-up for your own \
             IT staff"
        }
        Verdict::BreakFix => "no contract and a free choice of technician for every job",
    }
}

/// The main reason in a few words, from the factor that pushed hardest towards the verdict.
pub fn reason(a: &Answers, f: &Factor, towards_provider: bool) -> String {
    let key = f.key.as_str();
    let p = towards_provider;
    if key == q::EMPLOYEES.key {
        match (p, a.employees) {
            (true, n) => format!("{n} people rely on IT"),
            (false, 1) => "you are the only person using IT".to_owned(),
            (false, n) => format!("only {n} people use IT"),
        }
    } else if key == q::GROWTH.key {
        match (p, a.growth) {
            (true, Growth::Rapid) => "you are growing fast".to_owned(),
            (true, _) => "you are growing".to_owned(),
            (false, _) => "your headcount is steady".to_owned(),
        }
    } else if key == q::IT_RELIANCE.key {
        match (p, a.it_reliance) {
            (true, Reliance::Critical) => {
                "sales or safety stop within minutes when IT fails".into()
            }
            (true, Reliance::High) => "most work stops within an hour when IT fails".into(),
            (true, _) => "IT problems slow everyone down".into(),
            (false, _) => "your work can carry on without IT for a while".into(),
        }
    } else if key == q::COMPLEXITY.key {
        match (p, a.complexity) {
            (true, Complexity::Complex) => {
                "you run servers, several sites or specialist systems".into()
            }
            (true, _) => "you have shared files or a server and several business apps".into(),
            (false, _) => "your set-up is simple".into(),
        }
    } else if key == q::INCIDENTS_PER_MONTH.key {
        if p {
            format!("you get {}", incident_rate(a.incidents_per_month))
        } else {
            "IT problems are rare for you".to_owned()
        }
    } else if key == q::SUPPORT_HOURS.key {
        match (p, a.support_hours) {
            (true, SupportHours::Always) => "you need help around the clock".into(),
            (true, _) => "you need help outside office hours".into(),
            (false, _) => "you only need help in office hours".into(),
        }
    } else if key == q::SECURITY.key {
        match a.security {
            Security::Regulated => "you hold data under rules you must prove you follow".into(),
            Security::Sensitive => "you hold customers' personal or financial data".into(),
            Security::Basic => "your data needs only basic protection".into(),
        }
    } else if key == q::IN_HOUSE_IT.key {
        match (p, a.in_house_it) {
            (true, InHouseIt::None | InHouseIt::Informal) => {
                "nobody looks after IT as part of their job".into()
            }
            (true, _) => "your IT people need back-up".into(),
            (false, InHouseIt::Dedicated) => "your own IT staff handle the day-to-day".into(),
            (false, _) => "someone in your team handles day-to-day IT".into(),
        }
    } else if key == q::BUDGET.key {
        match (p, a.budget) {
            (false, Budget::Tight) => "cash is tight".into(),
            (true, Budget::Comfortable) => "your budget has room for prevention".into(),
            _ => "of your budget".into(),
        }
    } else if key == q::COST_PREFERENCE.key {
        match a.cost_preference {
            CostPreference::Predictable => "you prefer predictable bills".into(),
            CostPreference::PayPerUse => "you prefer to pay only when you need help".into(),
            CostPreference::NoPreference => "of how you like to pay".into(),
        }
    } else if key == q::CONTROL.key {
        match a.control {
            Control::HandsOn => "you want to keep control of IT decisions".into(),
            Control::HandsOff => "you would rather hand IT over".into(),
            Control::Balanced => "of how much control you want".into(),
        }
    } else if p {
        "it costs less than break/fix in an average year".to_owned()
    } else {
        "it costs less in an average year".to_owned()
    }
}

/// The sentence: "Managed IT services fit Harbour Dental, mainly because …; it costs about $8,900
/// a year more than break/fix and buys …."
pub fn summary(
    a: &Answers,
    d: &Decision,
    provider: Verdict,
    confidence: Confidence,
    factors: &[Factor],
    costs: &Costs,
) -> String {
    let who = a.company.as_deref().unwrap_or("your business");
    let verb = if d.verdict == Verdict::Managed {
        "fit"
    } else {
        "fits"
    };
    let hedge = if confidence == Confidence::CloseCall {
        " on balance (a close call)"
    } else {
        ""
    };
    let towards_provider = d.verdict != Verdict::BreakFix;
    let main = match d.rule {
        Rule::Overflow | Rule::Score => factors
            .iter()
            .find(|f| (f.points > 0.0) == towards_provider && f.points != 0.0),
        _ => None,
    };
    let because = match d.rule {
        Rule::RegulatedNeedsProvider => {
            "you hold data under rules you must prove you follow and nobody looks after IT full-time"
                .to_owned()
        }
        Rule::CoManaged => "you have full-time IT staff who need back-up, not replacing".to_owned(),
        Rule::FullTimeStaff => {
            "your own IT staff would be paid twice under a full contract".to_owned()
        }
        Rule::Overflow | Rule::Score => main.map_or_else(
            || "your answers lean that way".to_owned(),
            |f| reason(a, f, towards_provider),
        ),
    };
    let mine = costs_of(costs, d.verdict);
    let (other, other_cost) = if d.verdict == Verdict::BreakFix {
        (provider, costs_of(costs, provider))
    } else {
        (Verdict::BreakFix, costs.break_fix.expected_annual)
    };
    let diff = mine - other_cost;
    if diff <= 0.0 && main.is_some_and(|f| f.key == q::COSTS_FACTOR.0) {
        // The money is the main reason: say it once.
        return format!(
            "{} {verb} {who}{hedge}, mainly because it costs about {} a year less than {}.",
            d.verdict.label(),
            money_about(-diff),
            short(other)
        );
    }
    let money = if diff > 0.0 {
        format!(
            "it costs about {} a year more than {} and buys {}",
            money_about(diff),
            short(other),
            buys(d.verdict)
        )
    } else {
        format!(
            "it also costs about {} a year less than {}",
            money_about(-diff),
            short(other)
        )
    };
    format!(
        "{} {verb} {who}{hedge}, mainly because {because}; {money}.",
        d.verdict.label()
    )
}

/// The expected yearly cost of a verdict's model.
pub fn costs_of(costs: &Costs, v: Verdict) -> f64 {
    match v {
        Verdict::BreakFix => costs.break_fix.expected_annual,
        Verdict::Managed => costs.managed.expected_annual,
        Verdict::CoManaged => costs
            .co_managed
            .as_ref()
            .map_or(costs.managed.expected_annual, |c| c.expected_annual),
    }
}

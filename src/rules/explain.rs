//! Plain-language sentences: what each answer means for the choice, and number formatting.
//!
//! Each factor's sentence is the owner's own answer ("You said …") followed by a reason chosen by
//! the sign of its points, so an edited rules file can never make a sentence argue against its
//! own bar. The reasons carry the seed articles' points in our own words: who carries the risk,
//! prevention versus reacting, a helpdesk to call, how payment works, flexibility, control, and
//! whose interest it is that problems stop coming back.

use super::answers::{Answers, Choice, Reliance};
use super::change::short;
use super::costs::Expected;
use super::outcome::Verdict;
use super::questions::COSTS_FACTOR;
use super::score::Key;

/// Whole dollars with thousands separators: "$31,246"; cents below $10.
pub fn money(v: f64) -> String {
    if v.abs() < 10.0 && v.fract().abs() > 0.004 {
        return format!("${v:.2}");
    }
    let rounded = v.round();
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!("{sign}${}", thousands(rounded.abs() as u64))
}

/// Money rounded for a sentence: "$41,300", "$2,350", "$640".
pub fn money_about(v: f64) -> String {
    let a = v.abs();
    let step = if a >= 10_000.0 {
        100.0
    } else if a >= 1_000.0 {
        10.0
    } else {
        1.0
    };
    money((v / step).round() * step)
}

/// A whole number with thousands separators: 31246 → "31,246".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A plain number with at most two decimals and no trailing zeros: "60", "2.4", "1.61".
pub fn num(v: f64) -> String {
    if v.abs() >= 1000.0 {
        return thousands(v.round().abs() as u64);
    }
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A share as a percentage: "50%", "1.5%".
pub fn pct(share: f64) -> String {
    format!("{}%", num(share * 100.0))
}

/// Short name of a factor, for headings and charts: the question's factor name.
pub fn label(key: Key) -> &'static str {
    key.question()
        .and_then(|q| q.factor)
        .unwrap_or(COSTS_FACTOR.1)
}

/// The figures the cost factor's sentence quotes.
#[derive(Debug, Clone, Copy)]
pub struct CostFigures {
    pub expected: Expected,
    /// The option a positive score points to (managed, or co-managed with full-time IT staff).
    pub provider: Verdict,
    pub p90_break_fix: f64,
    pub p90_provider: f64,
}

/// The sentence for one factor: the owner's answer, then why it pushes the way it does.
pub fn factor_sentence(key: Key, a: &Answers, points: f64, costs: &CostFigures) -> String {
    let managed = points > 0.0;
    let (situation, reason) = match key {
        Key::Employees => (
            if a.employees == 1 {
                "You are the only person using IT".to_owned()
            } else {
                format!("{} people use IT in your business", a.employees)
            },
            if managed {
                "at that size there is enough to look after that a fixed fee per person usually \
                 beats paying a technician by the visit, and a provider who already knows your \
                 set-up fixes things faster"
            } else {
                "with so few people there is little to look after, and paying a technician only \
                 when something breaks usually costs less than a monthly fee for every person"
            },
        ),
        Key::Growth => (
            a.growth.info().you_said.to_owned(),
            if managed {
                "a per-person monthly plan grows with you, and every new starter gets a computer \
                 and accounts set up the same way, rather than whenever a technician is free"
            } else {
                "so there is no wave of set-up work coming that a monthly plan would need to cover"
            },
        ),
        Key::ItReliance => (
            a.it_reliance.info().you_said.to_owned(),
            if managed && a.it_reliance == Reliance::Moderate {
                "so a slow fix still costs you hours of slower work; a managed provider usually fixes \
                 problems remotely within hours, under a service-level agreement (a written promise of \
                 how fast they respond)"
            } else if managed {
                "so every hour a problem waits costs you; a managed provider watches your systems to \
                 catch problems early and answers under a service-level agreement (a written promise \
                 of how fast they respond)"
            } else {
                "so a problem can usually wait for a technician's next free slot, and paying per \
                 visit is enough"
            },
        ),
        Key::Complexity => (
            a.complexity.info().you_said.to_owned(),
            if managed {
                "the more there is, the more needs regular updates, backups and checks; a managed \
                 provider does that as routine, while break/fix only looks at it after something fails"
            } else {
                "there is little that needs regular care, so paying for help only when something \
                 breaks is usually enough"
            },
        ),
        Key::IncidentsPerMonth => (
            incidents_situation(a.incidents_per_month),
            if managed {
                "with break/fix each one is a separate bill, often with a one-hour minimum and a trip \
                 charge, so the bills add up; a managed fee covers them, and because repeat problems \
                 cost the provider rather than you, they have every reason to stop them coming back"
            } else {
                "with problems this rare, paying per call usually costs less than a monthly fee"
            },
        ),
        Key::SupportHours => (
            a.support_hours.info().you_said.to_owned(),
            if managed {
                "break/fix technicians charge more out of hours, often 1.5 to 2 times their rate, and \
                 may not be free at all; many managed plans include that cover and a helpdesk you can \
                 always call"
            } else {
                "which is when break/fix technicians work at their normal rate"
            },
        ),
        Key::Security => (
            a.security.info().you_said.to_owned(),
            if managed {
                "keeping data safe takes regular updates, backups and security checks; a managed \
                 provider does this all the time and shares the responsibility with you, while \
                 break/fix only reacts after something has gone wrong"
            } else {
                "so the main cost of waiting for a fix is lost time rather than lost data or fines"
            },
        ),
        Key::InHouseIt => (
            a.in_house_it.info().you_said.to_owned(),
            if managed {
                "so every problem lands on you or a busy colleague to diagnose and sort out; a managed \
                 provider gives everyone a helpdesk to call and looks after things before they break"
            } else {
                "they can handle the day-to-day, so you only need outside help for what they can't \
                 fix, and a full managed contract would pay twice for much of their work"
            },
        ),
        Key::Budget => (
            a.budget.info().you_said.to_owned(),
            if managed {
                "so a steady monthly fee for prevention and a helpdesk is affordable, and it avoids \
                 surprise repair bills"
            } else {
                "break/fix costs nothing in a month when nothing breaks, though one bad month can be \
                 expensive, as the bad-year figures show"
            },
        ),
        Key::CostPreference => (
            a.cost_preference.info().you_said.to_owned(),
            if managed {
                "that is how a managed contract is billed, while break/fix bills rise and fall with \
                 how much goes wrong"
            } else {
                "that is exactly how break/fix works: no contract and no monthly fee, and you are \
                 free to call whoever you like"
            },
        ),
        Key::Control => (
            a.control.info().you_said.to_owned(),
            if managed {
                "a managed provider takes on that responsibility, including updates, security and \
                 planning, and shares the risk when things go wrong"
            } else {
                "with a managed contract the provider makes many day-to-day choices about your \
                 systems, so you give up some control; with break/fix every decision stays with you"
            },
        ),
        Key::Costs => return cost_sentence(costs),
    };
    let sentence = join(&situation, reason);
    if managed && costs.provider == Verdict::CoManaged {
        // The same reasons hold for a provider who works beside the business's own IT staff.
        sentence
            .replace("a managed provider", "a co-managed provider")
            .replace("many managed plans", "many co-managed plans")
            .replace("a managed contract", "a co-managed contract")
            .replace("a managed fee", "a co-managed fee")
    } else {
        sentence
    }
}

/// "Situation, so …." when the reason follows on; otherwise two sentences.
fn join(situation: &str, reason: &str) -> String {
    if reason.starts_with("so ") || reason.starts_with("which ") {
        return format!("{situation}, {reason}.");
    }
    let mut chars = reason.chars();
    let first = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    format!("{situation}. {first}{}.", chars.as_str())
}

fn incidents_situation(per_month: f64) -> String {
    if per_month <= 0.0 {
        "You said nothing needs fixing in a typical month".to_owned()
    } else {
        format!(
            "You said you get {} that someone has to fix",
            incident_rate(per_month)
        )
    }
}

/// An incident rate as an owner would say it: "about one IT problem every 5 months",
/// "about 1 IT problem a month", "about 4 IT problems a month".
pub fn incident_rate(per_month: f64) -> String {
    if per_month <= 0.0 {
        return "no IT problem".to_owned();
    }
    let months = (1.0 / per_month).round();
    if per_month < 0.95 && months >= 2.0 {
        format!("about one IT problem every {} months", num(months))
    } else if per_month < 1.05 {
        "about 1 IT problem a month".to_owned()
    } else {
        format!("about {} IT problems a month", num(per_month))
    }
}

fn cost_sentence(c: &CostFigures) -> String {
    let e = &c.expected;
    let provider_cost = e.of_verdict(c.provider);
    let name = short(c.provider);
    let average = format!(
        "In an average year break/fix would cost you about {} and {name} about {}, every risk \
         counted at its chance.",
        money_about(e.break_fix),
        money_about(provider_cost)
    );
    let gap = e.break_fix - provider_cost;
    let bad_year = format!(
        "In a bad year (one in ten) break/fix would cost about {} and {name} about {}.",
        money_about(c.p90_break_fix),
        money_about(c.p90_provider)
    );
    if gap > 0.0 {
        format!(
            "{average} So {name} saves about {} a year, because every problem, call-out and hour of \
             downtime is paid for separately under break/fix. {bad_year}",
            money_about(gap)
        )
    } else {
        format!(
            "{average} So break/fix saves about {} a year: you pay only for what goes wrong. \
             {bad_year}",
            money_about(-gap)
        )
    }
}

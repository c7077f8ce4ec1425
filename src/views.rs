//! Presentation helpers shared by pages: number formatting and server-rendered SVG charts.
//! Charts are computed here as plain geometry; templates turn them into markup.

use crate::rules::Verdict;

mod charts;
mod chrome;
pub use charts::*;
pub use chrome::{Chrome, PRODUCT_NAME};

/// Whole number with thousands separators: 31245.6 → "31,246", −1200 → "-1,200".
pub fn thousands(v: f64) -> String {
    let rounded = v.round();
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!("{sign}{}", crate::rules::thousands(rounded.abs() as u64))
}

/// US dollars as the advisor's explanations write them ("$31,246"; cents below $10), with a
/// typographic minus for pages.
pub fn money(v: f64) -> String {
    let text = crate::rules::money(v);
    match text.strip_prefix('-') {
        Some(magnitude) => format!("−{magnitude}"),
        None => text,
    }
}

/// An amount as typed or as a threshold: whole dollars with separators, cents only when there
/// are some ("$125", "$187.50", "$12,000").
pub fn amount(v: f64) -> String {
    if v.fract() == 0.0 {
        money(v)
    } else {
        let cents = (v.abs() * 100.0).round() as u64;
        let sign = if v < 0.0 { "−" } else { "" };
        format!(
            "{sign}${}.{:02}",
            crate::rules::thousands(cents / 100),
            cents % 100
        )
    }
}

/// A number without needless decimals: "3", "2.5", "1,200".
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        thousands(v)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Points with a sign: "+2.0", "−1.5".
pub fn signed(v: f64) -> String {
    if v < 0.0 {
        format!("−{:.1}", -v)
    } else {
        format!("+{v:.1}")
    }
}

/// Concrete next steps for the recommended model.
pub fn next_steps(verdict: Verdict) -> &'static [&'static str] {
    match verdict {
        Verdict::Managed => &[
            "Take stock of what you have: devices, accounts, software licences, where files live, who has admin passwords, and when a backup was last restored as a test.",
            "Ask two or three providers for a quote based on that list. Ask what the monthly price covers (help desk, monitoring, security updates, backups, on-site visits) and what is billed on top (projects, new equipment).",
            "Read the service-level agreement: how fast they answer an urgent problem (15 to 60 minutes is common), how fast someone is on site, and what happens when they miss it.",
            "Check the exit terms: contract length (often 1 to 3 years), notice period, and that your passwords, data and documentation stay yours.",
            "Plan the move with the provider: an onboarding period, one clear contact on your side, and a first review after 90 days.",
        ],
        Verdict::BreakFix => &[
            "Find a local technician or firm before you need one: agree the hourly rate, the minimum charge, the after-hours rate and how quickly they usually come.",
            "Keep the basics in order yourself: automatic updates on, a backup that you test by restoring a file every few months, and a password manager.",
            "Write down your set-up (accounts, devices, internet provider, who to call) so whoever fixes a problem starts fast.",
            "Keep a simple log of IT problems and their cost. If they pass a few a month or an outage hurts, run this assessment again.",
            "Put some money aside for the bad year: a dead server or a security incident costs far more than a normal month.",
        ],
        Verdict::CoManaged => &[
            "Write down what your IT staff do well and where they are stretched: after-hours cover, security monitoring, compliance evidence, projects, holidays and sick days.",
            "Ask providers for a co-managed quote that fills exactly those gaps, with a clear split of who does what (a responsibility matrix).",
            "Agree shared tools and access: one ticket system, shared documentation, and who holds which admin rights.",
            "Check the service-level agreement for the parts the provider covers, especially nights and weekends.",
            "Review the split after 90 days and again each year as the team grows.",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_on_pages_reads_like_the_explanations_with_a_real_minus_sign() {
        assert_eq!(money(31_245.6), "$31,246");
        assert_eq!(money(7.5), "$7.50");
        assert_eq!(money(-1_200.0), "−$1,200");
        assert_eq!(money(0.0), "$0");
    }
}

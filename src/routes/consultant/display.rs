//! How the consultant pages show stored values: times a person reads at a glance, and verdicts
//! and statuses as badges (a colour and always the word).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::filter::STATUSES;
use crate::rules::Verdict;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A stored moment: `iso` for `<time datetime>`, `text` for people ("1 Dec 2026, 23:22", UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    pub iso: String,
    pub text: String,
}

/// Reads an RFC 3339 timestamp as stored. A value that does not parse is shown as it is
/// rather than hidden: it is still the best information there is.
pub fn when(stored: &str) -> When {
    let text = OffsetDateTime::parse(stored, &Rfc3339)
        .map(|t| {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{} {} {}, {:02}:{:02}",
                t.day(),
                MONTHS[usize::from(u8::from(t.month())) - 1],
                t.year(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|_| stored.to_owned());
    When {
        iso: stored.to_owned(),
        text,
    }
}

/// A coloured label: `class` picks the colour, `label` is the word shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Badge {
    pub class: &'static str,
    pub label: &'static str,
}

/// The verdict's badge, from its stored code.
pub fn verdict_badge(code: &str) -> Badge {
    match Verdict::from_code(code) {
        Some(Verdict::BreakFix) => Badge {
            class: "badge-bf",
            label: "Break/fix",
        },
        Some(Verdict::Managed) => Badge {
            class: "badge-ms",
            label: "Managed",
        },
        Some(Verdict::CoManaged) => Badge {
            class: "badge-cm",
            label: "Co-managed",
        },
        None => Badge {
            class: "badge-none",
            label: "Unknown",
        },
    }
}

const STATUS_LABELS: [&str; 6] = ["New", "Contacted", "Proposal", "Won", "Lost", "Closed"];

/// The status's label, from its stored code.
pub fn status_label(code: &str) -> &'static str {
    STATUSES
        .iter()
        .position(|s| *s == code)
        .map_or("Unknown", |i| STATUS_LABELS[i])
}

/// The status's badge, from its stored code.
pub fn status_badge(code: &str) -> Badge {
    let class = match code {
        "new" => "badge-new",
        "contacted" => "badge-contacted",
        "proposal" => "badge-proposal",
        "won" => "badge-won",
        "lost" => "badge-lost",
        "closed" => "badge-closed",
        _ => "badge-none",
    };
    Badge {
        class,
        label: status_label(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_time_reads_as_day_month_year_and_minutes() {
        let w = when("2026-12-01T23:22:05.123Z");
        assert_eq!(w.text, "1 Dec 2026, 23:22");
        assert_eq!(w.iso, "2026-12-01T23:22:05.123Z");
        assert_eq!(when("2027-01-09T04:05:00Z").text, "9 Jan 2027, 04:05");
    }

    #[test]
    fn a_time_that_does_not_parse_is_shown_as_stored() {
        assert_eq!(when("yesterday").text, "yesterday");
    }

    #[test]
    fn every_status_has_a_word_and_a_colour() {
        for s in STATUSES {
            let b = status_badge(s);
            assert_ne!(b.label, "Unknown", "{s}");
            assert!(b.class.starts_with("badge-"), "{s}");
        }
        assert_eq!(status_badge("retired").class, "badge-none");
        assert_eq!(verdict_badge("co_managed").label, "Co-managed");
    }
}

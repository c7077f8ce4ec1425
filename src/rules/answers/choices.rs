//! The closed sets of choices the questionnaire asks about. Each choice's facts (wire code,
//! label, hint, how the explanation repeats it and how what-would-change proposes it) sit in
//! one [`ChoiceInfo`] found by matching on the variant, so reordering the variants can never
//! attach a sentence to the wrong choice.

use serde::{Deserialize, Serialize};

/// Everything said about one choice, wherever it is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChoiceInfo {
    /// The code used in forms, JSON and the rules file.
    pub code: &'static str,
    /// What an owner reads next to the radio button.
    pub label: &'static str,
    /// A one-line explanation, empty when the label says it all.
    pub hint: &'static str,
    /// The owner's answer repeated in an explanation: "You said you could work without IT for a day".
    pub you_said: &'static str,
    /// The answer proposed by what-would-change: "If you could work without IT for a day".
    pub if_you: &'static str,
}

/// What every closed set of choices offers: its members in questionnaire order and each
/// member's [`ChoiceInfo`].
pub trait Choice: Copy + Eq + Sized + 'static {
    /// Every choice, in the order the questionnaire lists them (least to most where ordered).
    const ALL: &'static [Self];
    /// Every choice's facts, in the order of `ALL`.
    const INFOS: &'static [ChoiceInfo];

    /// This choice's facts, found by the variant itself.
    fn info(self) -> &'static ChoiceInfo;

    /// The code used in forms, JSON and the rules file.
    fn code(self) -> &'static str {
        self.info().code
    }

    /// What an owner reads next to the radio button.
    fn label(self) -> &'static str {
        self.info().label
    }

    /// A one-line explanation, empty when the label says it all.
    fn hint(self) -> &'static str {
        self.info().hint
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.code() == code)
    }

    /// Position in `ALL`, useful for ordered comparisons, neighbours and the rules' tables.
    fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// Defines a closed set of choices, each variant with its [`ChoiceInfo`].
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident {
        $($variant:ident => {
            code: $code:literal,
            label: $label:literal,
            hint: $hint:literal,
            you_said: $you_said:literal,
            if_you: $if_you:literal $(,)?
        })+
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl Choice for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];
            const INFOS: &'static [ChoiceInfo] = &[$(
                ChoiceInfo {
                    code: $code,
                    label: $label,
                    hint: $hint,
                    you_said: $you_said,
                    if_you: $if_you,
                }
            ),+];

            fn info(self) -> &'static ChoiceInfo {
                match self {
                    $($name::$variant => &ChoiceInfo {
                        code: $code,
                        label: $label,
                        hint: $hint,
                        you_said: $you_said,
                        if_you: $if_you,
                    }),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

choice!(
    /// Hiring plans for the next year or so.
    Growth {
        Stable => {
            code: "stable",
            label: "Staying about the same size",
            hint: "",
            you_said: "You expect to stay about the same size",
            if_you: "If you planned to stay about the same size",
        }
        Growing => {
            code: "growing",
            label: "Growing steadily",
            hint: "Adding a few people or a site in the next year.",
            you_said: "You plan to grow steadily over the next year",
            if_you: "If you planned to grow steadily",
        }
        Rapid => {
            code: "rapid",
            label: "Growing fast",
            hint: "Headcount up by a fifth or more, new sites or new lines of business.",
            you_said: "You expect to grow fast, with many more people or new sites",
            if_you: "If you planned to grow fast",
        }
    }
);

choice!(
    /// How much work stops when IT stops.
    Reliance {
        Low => {
            code: "low",
            label: "We could work without IT for a day",
            hint: "Paper, phone or in-person work covers most of what we do.",
            you_said: "You said you could work without IT for a day",
            if_you: "If you could work without IT for a day",
        }
        Moderate => {
            code: "moderate",
            label: "We slow down but keep going for hours",
            hint: "",
            you_said: "You said losing IT slows you down but you can keep going for hours",
            if_you: "If losing IT only slowed you down for a few hours",
        }
        High => {
            code: "high",
            label: "Most work stops within an hour",
            hint: "",
            you_said: "You said most work stops within an hour without IT",
            if_you: "If most work stopped within an hour without IT",
        }
        Critical => {
            code: "critical",
            label: "Revenue or safety stops within minutes",
            hint: "For example online sales, tills, bookings, or equipment that depends on IT.",
            you_said: "You said revenue or safety stops within minutes without IT",
            if_you: "If revenue or safety stopped within minutes without IT",
        }
    }
);

choice!(
    /// How much there is to look after.
    Complexity {
        Simple => {
            code: "simple",
            label: "Simple",
            hint: "A few computers, email and files in the cloud.",
            you_said: "You described a simple set-up: a few computers with email and files in the cloud",
            if_you: "If your set-up were simple: a few computers, with email and files in the cloud",
        }
        Moderate => {
            code: "moderate",
            label: "In between",
            hint: "Shared files or a server in the office, several business programs, one site.",
            you_said: "You have shared files or an office server and several business programs",
            if_you: "If you had shared files or an office server and several business programs",
        }
        Complex => {
            code: "complex",
            label: "Complex",
            hint: "Servers, several sites or remote teams, specialist business systems.",
            you_said: "You run servers, several sites or remote teams, or specialist business systems",
            if_you: "If you ran servers, several sites or specialist business systems",
        }
    }
);

choice!(
    /// When the business needs someone to answer.
    SupportHours {
        BusinessHours => {
            code: "business_hours",
            label: "Office hours are enough",
            hint: "",
            you_said: "You need help during office hours only",
            if_you: "If help during office hours were enough",
        }
        Extended => {
            code: "extended",
            label: "Evenings or weekends too",
            hint: "",
            you_said: "You need help in the evenings or at weekends too",
            if_you: "If you needed help in the evenings or at weekends",
        }
        Always => {
            code: "always",
            label: "Around the clock",
            hint: "Shifts, 24/7 trading or staff in other time zones.",
            you_said: "You need help around the clock",
            if_you: "If you needed help around the clock",
        }
    }
);

choice!(
    /// The data the business holds and the obligations that come with it.
    Security {
        Basic => {
            code: "basic",
            label: "Nothing especially sensitive",
            hint: "",
            you_said: "You said you hold nothing especially sensitive",
            if_you: "If you held nothing especially sensitive",
        }
        Sensitive => {
            code: "sensitive",
            label: "Customer personal or financial data",
            hint: "",
            you_said: "You hold customers' personal or financial data",
            if_you: "If you held customers' personal or financial data",
        }
        Regulated => {
            code: "regulated",
            label: "Rules we must prove we follow",
            hint: "For example HIPAA, PCI DSS for card payments, SOC 2, or a cyber-insurance questionnaire.",
            you_said: "You have rules you must prove you follow, such as HIPAA or PCI DSS",
            if_you: "If you had rules to prove you follow, such as HIPAA or PCI DSS",
        }
    }
);

choice!(
    /// Who looks after IT today.
    InHouseIt {
        None => {
            code: "none",
            label: "Nobody",
            hint: "",
            you_said: "Nobody in your team looks after IT",
            if_you: "If nobody in your team looked after IT",
        }
        Informal => {
            code: "informal",
            label: "Someone helps when they can",
            hint: "A colleague who is good with computers, on top of their real job.",
            you_said: "A colleague helps with IT when they can, on top of their real job",
            if_you: "If a colleague helped with IT when they could",
        }
        PartTime => {
            code: "part_time",
            label: "IT is part of someone's job",
            hint: "",
            you_said: "IT is part of someone's job in your team",
            if_you: "If IT were part of someone's job in your team",
        }
        Dedicated => {
            code: "dedicated",
            label: "One or more full-time IT staff",
            hint: "",
            you_said: "You have one or more full-time IT staff",
            if_you: "If you hired one or more full-time IT staff",
        }
    }
);

choice!(
    /// How much room there is for IT spending.
    Budget {
        Tight => {
            code: "tight",
            label: "Tight: every month counts",
            hint: "",
            you_said: "You said money is tight and every month counts",
            if_you: "If money were tight",
        }
        Moderate => {
            code: "moderate",
            label: "Moderate",
            hint: "",
            you_said: "You have a moderate IT budget",
            if_you: "If your IT budget were moderate",
        }
        Comfortable => {
            code: "comfortable",
            label: "Comfortable",
            hint: "",
            you_said: "You have room in your budget",
            if_you: "If you had room in your budget",
        }
    }
);

choice!(
    /// How the owner prefers to pay.
    CostPreference {
        Predictable => {
            code: "predictable",
            label: "The same amount every month",
            hint: "",
            you_said: "You prefer paying the same amount every month",
            if_you: "If you preferred paying the same amount every month",
        }
        PayPerUse => {
            code: "pay_per_use",
            label: "Only when we need help",
            hint: "",
            you_said: "You prefer paying only when you need help",
            if_you: "If you preferred paying only when you need help",
        }
        NoPreference => {
            code: "no_preference",
            label: "No preference",
            hint: "",
            you_said: "You have no preference on how you pay",
            if_you: "If you had no preference on how you pay",
        }
    }
);

choice!(
    /// How involved the owner wants to be in IT decisions.
    Control {
        HandsOn => {
            code: "hands_on",
            label: "We want to decide and do things ourselves",
            hint: "",
            you_said: "You want to decide and do things yourselves",
            if_you: "If you wanted to decide and do things yourselves",
        }
        Balanced => {
            code: "balanced",
            label: "We want a say but not the work",
            hint: "",
            you_said: "You want a say in IT decisions but not the work",
            if_you: "If you wanted a say in IT decisions but not the work",
        }
        HandsOff => {
            code: "hands_off",
            label: "Someone else should just take care of it",
            hint: "",
            you_said: "You want someone else to just take care of IT",
            if_you: "If you wanted someone else to take care of IT",
        }
    }
);

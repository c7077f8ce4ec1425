//! The closed sets of choices the questionnaire asks about: each with its wire code, a label for
//! owners and an optional hint.

use serde::{Deserialize, Serialize};

/// Defines a closed set of choices: its wire code, a label for owners and an optional hint.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal, $hint:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every choice, in the order the questionnaire lists them (least to most where ordered).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code used in forms, JSON and the rules file.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// What an owner reads next to the radio button.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// A one-line explanation, empty when the label says it all.
            pub fn hint(self) -> &'static str {
                match self { $($name::$variant => $hint),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Position in `ALL`, useful for ordered comparisons and neighbours.
            pub fn index(self) -> usize {
                Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
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
        Stable => "stable", "Staying about the same size", "";
        Growing => "growing", "Growing steadily", "Adding a few people or a site in the next year.";
        Rapid => "rapid", "Growing fast", "Headcount up by a fifth or more, new sites or new lines of business.";
    }
);

choice!(
    /// How much work stops when IT stops.
    Reliance {
        Low => "low", "We could work without IT for a day", "Paper, phone or in-person work covers most of what we do.";
        Moderate => "moderate", "We slow down but keep going for hours", "";
        High => "high", "Most work stops within an hour", "";
        Critical => "critical", "Revenue or safety stops within minutes", "For example online sales, tills, bookings, or equipment that depends on IT.";
    }
);

choice!(
    /// How much there is to look after.
    Complexity {
        Simple => "simple", "Simple", "A few computers, email and files in the cloud.";
        Moderate => "moderate", "In between", "Shared files or a server in the office, several business programs, one site.";
        Complex => "complex", "Complex", "Servers, several sites or remote teams, specialist business systems.";
    }
);

choice!(
    /// When the business needs someone to answer.
    SupportHours {
        BusinessHours => "business_hours", "Office hours are enough", "";
        Extended => "extended", "Evenings or weekends too", "";
        Always => "always", "Around the clock", "Shifts, 24/7 trading or staff in other time zones.";
    }
);

choice!(
    /// The data the business holds and the obligations that come with it.
    Security {
        Basic => "basic", "Nothing especially sensitive", "";
        Sensitive => "sensitive", "Customer personal or financial data", "";
        Regulated => "regulated", "Rules we must prove we follow", "For example HIPAA, PCI DSS for card payments, SOC 2, or a cyber-insurance questionnaire.";
    }
);

choice!(
    /// Who looks after IT today.
    InHouseIt {
        None => "none", "Nobody", "";
        Informal => "informal", "Someone helps when they can", "A colleague who is good with computers, on top of their real job.";
        PartTime => "part_time", "IT is part of someone's job", "";
        Dedicated => "dedicated", "One or more full-time IT staff", "";
    }
);

choice!(
    /// How much room there is for IT spending.
    Budget {
        Tight => "tight", "Tight: every month counts", "";
        Moderate => "moderate", "Moderate", "";
        Comfortable => "comfortable", "Comfortable", "";
    }
);

choice!(
    /// How the owner prefers to pay.
    CostPreference {
        Predictable => "predictable", "The same amount every month", "";
        PayPerUse => "pay_per_use", "Only when we need help", "";
        NoPreference => "no_preference", "No preference", "";
    }
);

choice!(
    /// How involved the owner wants to be in IT decisions.
    Control {
        HandsOn => "hands_on", "We want to decide and do things ourselves", "";
        Balanced => "balanced", "We want a say but not the work", "";
        HandsOff => "hands_off", "Someone else should just take care of it", "";
    }
);

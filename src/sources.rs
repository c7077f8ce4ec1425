//! Where the rules' figures come from, as an owner reads it: source names with links.
//!
//! The rules file and the stored assessments cite sources in a researcher's shorthand
//! ("iknowtech 2023 rate card ($140–150), adelyte ($150); DOMAIN.md §6.1"). This module turns such
//! a string into readable parts when a page is rendered, so stored results keep their text (the
//! API returns it unchanged) and results made under older rules read as well as new ones. It is
//! presentation only: nothing here changes a rule, a number or the rules version.

use std::sync::LazyLock;

use serde::Deserialize;

/// A published source the rules cite: one `[[source]]` of `sources.toml`, which says what
/// each field holds.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What an owner reads: who published it and what it is.
    pub name: String,
    /// Where to read it.
    pub url: String,
    /// How the rules' source strings name it, as lower-case whole words.
    cited_as: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    source: Vec<Source>,
}

/// Every source the rules cite by name, in the order of the research notes: the table in
/// `sources.toml`, built in and read on first use (a test reads it, so a build whose table
/// does not parse fails its tests).
static SOURCES: LazyLock<Vec<Source>> = LazyLock::new(|| {
    toml::from_str::<Table>(include_str!("sources.toml"))
        .expect("src/sources.toml is a table of sources")
        .source
});

/// What a source string says besides naming sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// The owner typed the figure.
    Answer,
    /// The figure is the advisor's own judgement.
    Assumption,
    /// The figure follows from other figures in the same table.
    WorkedOut,
}

impl Note {
    /// The note as a page shows it, at the start of the cell.
    pub fn text(self) -> &'static str {
        match self {
            Note::Answer => "Your answer",
            Note::Assumption => "Our assumption",
            Note::WorkedOut => "Worked out from the figures in this table",
        }
    }
}

/// A stored source string, ready for a page.
#[derive(Debug, PartialEq, Eq)]
pub struct Cited {
    pub note: Option<Note>,
    /// The sources it names, in the order it names them, each once.
    pub sources: Vec<&'static Source>,
    /// The string itself without internal references, when it names no known source and says
    /// nothing a note could; empty otherwise.
    pub text: String,
}

/// Reads a source string as stored in an assessment (from any rules version).
pub fn cite(stored: &str) -> Cited {
    let words = words(stored);
    let mut found: Vec<(usize, usize)> = SOURCES
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.cited_as
                .iter()
                .filter_map(|name| find(&words, name))
                .min()
                .map(|at| (at, i))
        })
        .collect();
    found.sort_unstable();
    let sources: Vec<&'static Source> = found.into_iter().map(|(_, i)| &SOURCES[i]).collect();
    let note = note(stored, &words);
    let text = if sources.is_empty() && note.is_none() {
        readable(stored)
    } else {
        String::new()
    };
    Cited {
        note,
        sources,
        text,
    }
}

/// Lower-case words, split at anything but letters and digits ("awd.com.au" is three words).
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Where `name`'s words first occur in a row in `words`.
fn find(words: &[String], name: &str) -> Option<usize> {
    let name: Vec<&str> = name.split(' ').collect();
    words
        .windows(name.len())
        .position(|w| w.iter().zip(&name).all(|(a, b)| a == b))
}

fn note(stored: &str, words: &[String]) -> Option<Note> {
    let first = stored.split(';').next().unwrap_or_default();
    if find(words, "your answer").is_some() {
        Some(Note::Answer)
    } else if find(words, "worked out").is_some() || (first.contains('×') && first.contains('÷'))
    {
        // "worked out from …", or a formula in words ("people × loaded cost × …").
        Some(Note::WorkedOut)
    } else if words
        .iter()
        .any(|w| w == "assumption" || w == "assumptions")
    {
        // "assumption; …", "… (an assumption)", "… (assumption on the split)".
        Some(Note::Assumption)
    } else {
        None
    }
}

/// The string without references to the research notes ("DOMAIN.md §6.1", "§10's", "seed 000"),
/// with its first letter capitalised. A part that only points into the notes is dropped; when
/// nothing else is left, what it said in brackets is kept ("DOMAIN.md §6.1/§6.5 (lognormal
/// spread)" reads "Lognormal spread").
pub fn readable(stored: &str) -> String {
    let parts: Vec<(String, bool)> = stored
        .split(';')
        .map(|part| {
            let internal = is_internal(part);
            (tidy(&strip_references(part)), internal)
        })
        .filter(|(part, _)| !part.is_empty())
        .collect();
    let own: Vec<&str> = parts
        .iter()
        .filter(|(_, internal)| !internal)
        .map(|(p, _)| p.as_str())
        .collect();
    let kept = if own.is_empty() {
        parts
            .iter()
            .map(|(p, _)| unbracket(p))
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        own.join("; ")
    };
    capitalise(&kept)
}

/// Whether a part of a source string starts by pointing into the research notes.
fn is_internal(part: &str) -> bool {
    let t = part.trim_start().to_lowercase();
    t.starts_with("domain") || t.starts_with('§') || t.starts_with("seed")
}

/// Removes "DOMAIN.md" or "DOMAIN" with the section numbers after it, lone section numbers
/// ("§6.3's"), and seed statement numbers ("seed 000", "seeds 001 and 002").
fn strip_references(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    let mut rest = part;
    while let Some(ch) = rest.chars().next() {
        let at_word_start = !out.chars().next_back().is_some_and(char::is_alphanumeric);
        let after = if ch == '§' {
            Some(skip_sections(rest))
        } else if !at_word_start {
            None
        } else if starts_with_ignoring_case(rest, "domain.md") {
            Some(skip_sections(&rest[9..]))
        } else if rest.starts_with("DOMAIN")
            && !rest[6..].starts_with(|c: char| c.is_alphanumeric())
        {
            Some(skip_sections(&rest[6..]))
        } else {
            seed_reference(rest)
        };
        match after {
            Some(after) => {
                rest = after;
                // Keep the space before whatever follows, but not a doubled one.
                if out.ends_with(' ') {
                    rest = rest.trim_start_matches(' ');
                }
            }
            None => {
                out.push(ch);
                rest = &rest[ch.len_utf8()..];
            }
        }
    }
    out
}

fn starts_with_ignoring_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Skips section numbers and what joins them: " §6.2 and §7", "§6.1/§6.5", " §6.3's".
fn skip_sections(mut rest: &str) -> &str {
    loop {
        let trimmed = rest.trim_start_matches(' ');
        let after_joiner = trimmed
            .strip_prefix("and §")
            .map(|r| r.trim_start())
            .or_else(|| trimmed.strip_prefix("/§"))
            .or_else(|| trimmed.strip_prefix(", §"))
            .or_else(|| trimmed.strip_prefix('§'));
        let Some(after) = after_joiner else {
            return rest;
        };
        let number_end = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(after.len());
        let mut next = &after[number_end..];
        // "§6.3." at the end of a sentence: the dot is the sentence's.
        if number_end > 0 && after[..number_end].ends_with('.') {
            next = &after[number_end - 1..];
        }
        rest = next.strip_prefix("'s").unwrap_or(next);
    }
}

/// "seed 000", "seeds 001 and 002": the rest of the string after it, if it starts with one.
fn seed_reference(s: &str) -> Option<&str> {
    if !starts_with_ignoring_case(s, "seed") {
        return None;
    }
    let mut rest = s[4..].strip_prefix(['s', 'S']).unwrap_or(&s[4..]);
    let mut numbers = 0;
    loop {
        let mut t = rest.trim_start();
        if numbers > 0 {
            t = t
                .strip_prefix("and ")
                .or_else(|| t.strip_prefix(", "))
                .map_or(t, str::trim_start);
        }
        let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        if digits == 0 {
            break;
        }
        numbers += 1;
        rest = &t[digits..];
    }
    (numbers > 0).then_some(rest)
}

/// Collapses what removed references leave behind: doubled spaces and commas, empty brackets,
/// and punctuation at either end.
fn tidy(s: &str) -> String {
    let mut t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("()", ""),
        ("( )", ""),
        (", ,", ","),
        (",,", ","),
        ("( ", "("),
        (" )", ")"),
        ("(, ", "("),
        (", )", ")"),
        (" ,", ","),
    ] {
        while t.contains(from) {
            t = t.replace(from, to);
        }
    }
    t.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'))
        .to_owned()
}

/// "(lognormal spread)" → "lognormal spread"; anything else as it is.
fn unbracket(s: &str) -> String {
    match s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) if !inner.contains('(') => inner.to_owned(),
        _ => s.to_owned(),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(stored: &str) -> Vec<&'static str> {
        cite(stored)
            .sources
            .iter()
            .map(|s| s.name.as_str())
            .collect()
    }

    /// Every `source = "…"` string in the rules file, plus the ones the code writes.
    fn rule_sources() -> Vec<String> {
        let text = include_str!("../rules/rules.toml");
        let mut found: Vec<String> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once("source = \"").map(|(_, s)| s))
            .map(|s| s[..s.find('"').expect("closing quote")].to_owned())
            .collect();
        assert!(found.len() > 50, "found only {}", found.len());
        found.push("DOMAIN.md §6.5 (a 10k-draw Monte Carlo)".to_owned());
        found.push("worked out from the average, spread and minimum above".to_owned());
        found.push("your answer".to_owned());
        found
    }

    fn internal(text: &str) -> bool {
        let lower = text.to_lowercase();
        lower.contains("domain") || text.contains('§') || lower.contains("seed")
    }

    #[test]
    #[ignore = "prints every source string as a page shows it, for a human to read"]
    fn print_sources() {
        for stored in rule_sources() {
            let c = cite(&stored);
            let names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
            println!(
                "{stored}\n  → {} | {} | {}",
                c.note.map_or("", Note::text),
                names.join(", "),
                c.text
            );
        }
    }

    #[test]
    fn no_source_in_the_rules_reads_as_an_internal_reference() {
        for stored in rule_sources() {
            let c = cite(&stored);
            assert!(!internal(&c.text), "{stored:?} → {:?}", c.text);
            for s in &c.sources {
                assert!(!internal(&s.name), "{}", s.name);
            }
            assert!(
                c.note.is_some() || !c.sources.is_empty() || !c.text.is_empty(),
                "{stored:?} reads as nothing"
            );
        }
    }

    #[test]
    fn every_source_has_a_secure_link_a_name_without_commas_and_is_listed_once() {
        assert!(SOURCES.len() > 40, "{} sources", SOURCES.len());
        for s in SOURCES.iter() {
            assert!(s.url.starts_with("https://"), "{}", s.url);
            assert!(
                !s.name.contains(','),
                "names are joined by commas: {}",
                s.name
            );
            assert!(!internal(&s.name), "{}", s.name);
            assert!(!s.cited_as.is_empty(), "{}", s.name);
            for name in &s.cited_as {
                assert_eq!(
                    words(name).join(" "),
                    *name,
                    "cited_as is lower-case whole words: {name}"
                );
            }
        }
        for (i, a) in SOURCES.iter().enumerate() {
            for b in &SOURCES[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.url, b.url);
            }
        }
    }

    #[test]
    fn a_rate_card_citation_reads_as_linked_names_in_order() {
        let c = cite("iknowtech 2023 rate card ($140–150), adelyte ($150); DOMAIN.md §6.1");
        assert_eq!(
            names("iknowtech 2023 rate card ($140–150), adelyte ($150); DOMAIN.md §6.1"),
            [
                "iKnowTech break/fix rate schedule (2023)",
                "Adelyte hourly support prices"
            ]
        );
        assert_eq!(
            c.sources[0].url,
            "https://iknowtech.com/rate-schedule-2023-break-fix/"
        );
        assert_eq!(c.note, None);
        assert_eq!(c.text, "");
        // Order of appearance, not of the list.
        assert_eq!(
            names("adelyte, transoftlabs, pcservices rate cards"),
            [
                "Adelyte hourly support prices",
                "Transoft Labs billing practices"
            ]
        );
    }

    #[test]
    fn matching_is_by_whole_words_whatever_the_case() {
        assert_eq!(names("IKNOWTECH lead times"), names("iknowtech lead times"));
        assert_eq!(
            names("SLA tables (awd.com.au, hawkiit, summitdnc); DOMAIN.md §6.4"),
            [
                "AWD: typical managed IT response times",
                "Hawk IT response times",
                "Summit DNC service-level agreement"
            ]
        );
        // "ibm" inside another word is not IBM; "Hiscox 2018/2023" is Hiscox once.
        assert!(names("ibmx figures").is_empty());
        assert_eq!(
            names("Hiscox 2018/2023, Datto ransomware reports; Hiscox again"),
            [
                "Hiscox small business cyber reports",
                "Datto state of the channel ransomware report"
            ]
        );
        assert_eq!(
            names("BLS OEWS May 2024 and ECEC June 2025; DOMAIN.md §10"),
            [
                "US Bureau of Labor Statistics: occupational pay (OEWS May 2024)",
                "US Bureau of Labor Statistics: employer costs for employee compensation"
            ]
        );
    }

    #[test]
    fn assumptions_answers_and_worked_out_figures_say_so() {
        let c = cite("assumption; DOMAIN.md §6.1 (50%, band 20–80%)");
        assert_eq!(
            (c.note, c.sources.len(), c.text.as_str()),
            (Some(Note::Assumption), 0, "")
        );
        let c = cite("assumption at the top of DOMAIN.md §6.3's emergency-labour band");
        assert_eq!(c.note, Some(Note::Assumption));
        let c = cite("assumption; seed 000, litechadvisors, elevatesolutions (DOMAIN.md §8.2)");
        assert_eq!(c.note, Some(Note::Assumption));
        assert_eq!(c.sources.len(), 2);
        let c = cite(
            "itsolutions-inc.com user types, mapletronics.com user billing; DOMAIN.md §10 (an assumption)",
        );
        assert_eq!(c.note, Some(Note::Assumption));
        assert_eq!(c.sources.len(), 2);
        let c = cite(
            "UK Cyber Security Breaches Survey 2025, Hiscox 2025; DOMAIN.md §10 (assumption on the split)",
        );
        assert_eq!((c.note, c.sources.len()), (Some(Note::Assumption), 2));
        assert_eq!(cite("your answer").note, Some(Note::Answer));
        assert_eq!(cite("Your answer").note, Some(Note::Answer));
        assert_eq!(
            cite("worked out from the average, spread and minimum above").note,
            Some(Note::WorkedOut)
        );
        let downtime = cite(
            "people × loaded cost × staff idle + people × revenue per employee ÷ business hours × \
             revenue lost; opscentre and intelloger formulas; DOMAIN.md §6.2 and §7",
        );
        assert_eq!(downtime.note, Some(Note::WorkedOut));
        assert_eq!(downtime.sources.len(), 2);
    }

    #[test]
    fn a_string_with_no_known_source_keeps_its_words_without_the_references() {
        for (stored, shown) in [
            ("DOMAIN.md §6.1/§6.5 (lognormal spread)", "Lognormal spread"),
            (
                "DOMAIN.md §6.3 (days × 8 business hours)",
                "Days × 8 business hours",
            ),
            (
                "DOMAIN.md §7 illustrative run ($3M revenue, 20 users)",
                "Illustrative run ($3M revenue, 20 users)",
            ),
            (
                "DOMAIN.md §6.5 (a 10k-draw Monte Carlo)",
                "A 10k-draw Monte Carlo",
            ),
            (
                "rate cards (after-hours minimums); DOMAIN.md §6.3 (2–16 h)",
                "Rate cards (after-hours minimums)",
            ),
            ("practitioners; seeds 001 and 002", "Practitioners"),
            (
                "a survey, DOMAIN §6.2 and §7, of firms",
                "A survey, of firms",
            ),
            ("", ""),
        ] {
            let c = cite(stored);
            assert!(c.sources.is_empty() && c.note.is_none(), "{stored}");
            assert_eq!(c.text, shown, "{stored}");
        }
    }

    #[test]
    fn odd_strings_never_panic() {
        for stored in [
            "§",
            "DOMAIN",
            "DOMAIN.md",
            "seed",
            "seeds ",
            "§§6.",
            "(;)",
            "é§ü",
            " ; ; ",
        ] {
            let c = cite(stored);
            assert!(!c.text.contains('§'), "{stored:?} → {:?}", c.text);
        }
    }
}

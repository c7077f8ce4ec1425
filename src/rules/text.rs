//! Text as people send it: the characters that change how text is shown without being seen.

use std::borrow::Cow;

/// Bidi embeddings, overrides, isolates and marks, and zero-width characters. Invisible in a
/// name, note or tag, they can reverse what a consultant reads on screen and in a spreadsheet
/// ("Acme\u{202E}tnuocsid" shows as "Acmediscount") or make two equal-looking names differ.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `s` without its invisible characters; borrowed when it has none.
pub fn visible(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_invisible) {
        Cow::Owned(s.chars().filter(|c| !is_invisible(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_and_zero_width_characters_are_removed_and_the_rest_is_kept() {
        let cases = [
            ("Acme\u{202E}tnuocsid", "Acmetnuocsid"),
            ("\u{2066}Harbour\u{2069} Dental", "Harbour Dental"),
            ("Har\u{200B}bour\u{200C}\u{200D}", "Harbour"),
            ("\u{FEFF}Acme\u{2060}", "Acme"),
            (
                "\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\u{202D}\u{2067}\u{2068}\u{061C}",
                "",
            ),
            ("Café Ünïcode — 東京 🦷", "Café Ünïcode — 東京 🦷"),
        ];
        for (typed, kept) in cases {
            assert_eq!(visible(typed), kept, "{typed:?}");
        }
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
    }
}

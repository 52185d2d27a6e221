//! Which characters a stored text may hold. Invisible format characters (Unicode general
//! category Cf: bidirectional overrides and isolates, zero-width spaces and joiners, word
//! joiners, tags, soft hyphens…) let a name or a client's message hide or reorder what
//! readers see ("Trojan Source"), so they are refused, with the exceptions real text needs:
//! - a zero-width joiner (U+200D) between two emoji, as in 👩‍💻 or 👨‍👩‍👧;
//! - a zero-width joiner or non-joiner (U+200C) between two letters of a script that
//!   spells with them (Persian, Arabic, the Indic scripts), as in "می‌خواهم";
//! - tag characters (U+E0020–E007F) inside a flag such as 🏴󠁧󠁢󠁳󠁣󠁴󠁿, right after the black flag.
//!
//! Shared by the browser (a quick answer) and the server (the one that counts). It imports
//! nothing of the crate, so every layer may use it.

/// Unicode's Cf (format) characters (Unicode 15.1).
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';
const BLACK_FLAG: char = '\u{1F3F4}';

/// Pictographs, symbols and their modifiers (skin tones, the emoji presentation selector),
/// for telling an emoji sequence's joiner from a hidden one.
fn is_emoji_part(c: char) -> bool {
    matches!(c, '\u{2190}'..='\u{2BFF}' | '\u{1F000}'..='\u{1FAFF}' | '\u{FE0F}' | '\u{20E3}')
}

/// A letter or mark of a script beyond ASCII (a virama counts: Indic conjuncts join after
/// one). Joiners between ASCII letters have no use and would only hide something.
fn is_joining_letter(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_control() && !is_format(c) && !is_emoji_part(c)
}

/// The first invisible format character that no exception allows, if any.
pub fn hidden_format_character(text: &str) -> Option<char> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !is_format(c) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let allowed = match c {
            ZWJ => before.zip(after).is_some_and(|(b, a)| {
                (is_emoji_part(b) && is_emoji_part(a))
                    || (is_joining_letter(b) && is_joining_letter(a))
            }),
            ZWNJ => {
                before.zip(after).is_some_and(|(b, a)| is_joining_letter(b) && is_joining_letter(a))
            }
            '\u{E0020}'..='\u{E007F}' => {
                // Tags spell a flag only right after the black flag (and each other).
                chars[..i].iter().rev().find(|t| !matches!(t, '\u{E0020}'..='\u{E007F}'))
                    == Some(&BLACK_FLAG)
            }
            _ => false,
        };
        if !allowed {
            return Some(c);
        }
    }
    None
}

/// A one-line text (a name, a sender): no control characters at all, and nothing hidden.
pub fn is_clean_line(text: &str) -> bool {
    !text.chars().any(char::is_control) && hidden_format_character(text).is_none()
}

/// A text that may have several lines (a message, a transcript): line breaks and tabs are
/// fine, other control characters and hidden format characters are not.
pub fn is_clean_text(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        && hidden_format_character(text).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_reordering_characters_are_refused() {
        for hidden in [
            "Alex\u{202E}nagroM",
            "Alex\u{2066}Morgan",
            "Al\u{200B}ex",
            "Alex\u{2060}Morgan",
            "Alex\u{00AD}Morgan",
            "\u{FEFF}Alex",
            "Alex\u{200D}",
            "A\u{200D}B",
            "Alex\u{E0041}",
            "Alex\u{061C}",
        ] {
            assert!(hidden_format_character(hidden).is_some(), "{hidden:?}");
            assert!(!is_clean_line(hidden) && !is_clean_text(hidden), "{hidden:?}");
        }
    }

    #[test]
    fn real_text_keeps_its_joiners() {
        for fine in [
            "Zoë Ng-Okafor",
            "José María Aznar",
            "👩\u{200D}💻 on call",
            "👨\u{200D}👩\u{200D}👧",
            "می\u{200C}خواهم",
            "क्\u{200D}ष",
            "Flag \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
            "李小龍",
        ] {
            assert_eq!(hidden_format_character(fine), None, "{fine:?}");
            assert!(is_clean_line(fine), "{fine:?}");
        }
        assert!(is_clean_text("Line one\nLine two\tindented"));
        assert!(!is_clean_line("Line one\nLine two"));
        assert!(!is_clean_text("bell\u{7}"));
    }
}

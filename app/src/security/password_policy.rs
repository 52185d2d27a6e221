//! The server's checks on a new password, after NIST SP 800-63B: length, the common and
//! breached passwords list, and nothing taken from the account itself. No composition
//! rules: they make passwords harder to remember, not to guess.

use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use super::rules;

/// 150,000 of the most common passwords of 8 or more characters, lower-cased and sorted,
/// taken from the 1,000,000-entry list of the `passablewords` crate (MIT; originally
/// SecLists' "10 million passwords" top million). Shorter ones are refused by length.
static COMMON_PASSWORDS_TEXT: &str = include_str!("common-passwords.txt");
static COMMON_PASSWORDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| COMMON_PASSWORDS_TEXT.lines().collect());

pub const COMMON: &str =
    "This password is too common: it appears in lists of breached passwords. Choose another.";
pub const PERSONAL: &str = "Don't use your name or email in your password.";

/// How many entries the list has (the README and a test quote it).
pub fn common_password_count() -> usize {
    COMMON_PASSWORDS.len()
}

fn comparable(password: &str) -> String {
    password.nfkc().collect::<String>().to_lowercase()
}

pub fn is_common(password: &str) -> bool {
    COMMON_PASSWORDS.binary_search(&comparable(password).as_str()).is_ok()
}

/// Whether the password contains the account's email, its local part, or a part of the
/// person's name (parts shorter than 4 letters, like "Lee", are too likely by chance).
pub fn is_personal(password: &str, email: &str, full_name: &str) -> bool {
    let password = comparable(password);
    let email = email.to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if password.contains(&email) || (local.chars().count() >= 3 && password.contains(local)) {
        return true;
    }
    let name = comparable(full_name);
    let squashed: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    if squashed.chars().count() >= 4 && password.contains(&squashed) {
        return true;
    }
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|part| part.chars().count() >= 4)
        .any(|part| password.contains(part))
}

/// Every problem with a new password, as the message for its field.
pub fn problem(password: &str, email: &str, full_name: &str) -> Option<&'static str> {
    if let Some(problem) = rules::length_problem(password) {
        return Some(problem);
    }
    if password.nfkc().count() < rules::MIN_PASSWORD_CHARS {
        return Some(rules::TOO_SHORT);
    }
    if is_personal(password, email, full_name) {
        return Some(PERSONAL);
    }
    if is_common(password) {
        return Some(COMMON);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_large_sorted_and_found() {
        assert!(common_password_count() >= 100_000);
        assert!(
            COMMON_PASSWORDS.windows(2).all(|w| w[0] < w[1]),
            "the list must be sorted for binary search"
        );
        assert!(is_common("password1"));
        assert!(is_common("PassWord1"), "case does not make a common password safe");
        assert!(is_common("iloveyou"));
        assert!(is_common("qwertyuiop"));
        assert!(!is_common("purple monkey dishwasher 1987"));
    }

    #[test]
    fn each_rule_gives_its_reason() {
        let (email, name) = ("alex.morgan@harperlowe.test", "Alex Morgan");
        assert_eq!(problem("short", email, name), Some(rules::TOO_SHORT));
        assert_eq!(problem(&"x".repeat(1025), email, name), Some(rules::TOO_LONG));
        assert_eq!(problem("password123", email, name), Some(COMMON));
        assert_eq!(problem("my alex.morgan@harperlowe.test pw", email, name), Some(PERSONAL));
        assert_eq!(problem("xx-alex.morgan-yy", email, name), Some(PERSONAL));
        assert_eq!(problem("TheMorganFamily!", email, name), Some(PERSONAL));
        assert_eq!(problem("alexmorgan", email, name), Some(PERSONAL));
        assert_eq!(problem("gravel lantern otter", email, name), None);
    }

    #[test]
    fn short_name_parts_do_not_block_ordinary_words() {
        assert!(!is_personal("sleepless nights forever", "m.lee@firm.test", "Marcus Lee"));
        assert!(is_personal("marcus2026!!", "m.lee@firm.test", "Marcus Lee"));
    }

    #[test]
    fn the_same_password_typed_differently_is_the_same_password() {
        // Full-width letters normalise (NFKC) to the common "password1".
        assert!(is_common("ｐａｓｓｗｏｒｄ１"));
    }
}

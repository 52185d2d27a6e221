//! Password rules both sides share: the browser uses them for the strength meter and to
//! catch a short password before sending it; the server applies them (and the checks only
//! it can make, such as the common-password list) before storing anything.

/// NIST SP 800-63B: at least 8 characters, no composition rules.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The strength meter calls a password strong from this length on.
pub const RECOMMENDED_PASSWORD_CHARS: usize = 15;
/// argon2 has no cap of its own; anything longer only costs server time.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A passkey's name ("MacBook Touch ID") is at most this long.
pub const MAX_PASSKEY_NAME_CHARS: usize = 60;

/// Signing in with a backup code warns when this many or fewer are left.
pub const LOW_BACKUP_CODES: usize = 3;

pub const TOO_SHORT: &str = "Use at least 8 characters.";
pub const TOO_LONG: &str = "Use at most 1,024 characters.";
pub const MISMATCH: &str = "The passwords don't match.";

/// The length rules alone, on the password as typed.
pub fn length_problem(password: &str) -> Option<&'static str> {
    if password.len() > MAX_PASSWORD_BYTES {
        Some(TOO_LONG)
    } else if password.chars().count() < MIN_PASSWORD_CHARS {
        Some(TOO_SHORT)
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strength {
    Empty,
    TooShort,
    Weak,
    Fair,
    Strong,
}

impl Strength {
    pub fn label(self) -> &'static str {
        match self {
            Strength::Empty => "",
            Strength::TooShort => "Too short",
            Strength::Weak => "Weak",
            Strength::Fair => "Fair",
            Strength::Strong => "Strong",
        }
    }

    /// How full the meter is, out of 4.
    pub fn level(self) -> u8 {
        match self {
            Strength::Empty => 0,
            Strength::TooShort => 1,
            Strength::Weak => 2,
            Strength::Fair => 3,
            Strength::Strong => 4,
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Strength::Empty | Strength::TooShort => {
                "At least 8 characters. A few unrelated words make a strong one."
            }
            Strength::Weak | Strength::Fair => "Longer is stronger: 15 or more characters is best.",
            Strength::Strong => "Good length. Avoid anything others could guess about you.",
        }
    }
}

/// A guide, not a rule: length is what makes a password hard to guess, so the meter
/// rewards it, and gives a little credit for mixing kinds of characters.
pub fn strength(password: &str) -> Strength {
    let length = password.chars().count();
    if length == 0 {
        return Strength::Empty;
    }
    if length < MIN_PASSWORD_CHARS {
        return Strength::TooShort;
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_numeric()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let distinct = {
        let mut chars: Vec<char> = password.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        chars.len()
    };
    if distinct < 4 {
        return Strength::Weak;
    }
    if length >= RECOMMENDED_PASSWORD_CHARS {
        Strength::Strong
    } else if length >= 12 || kinds >= 3 {
        Strength::Fair
    } else {
        Strength::Weak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_rules_count_characters_and_cap_bytes() {
        assert_eq!(length_problem("seven77"), Some(TOO_SHORT));
        assert_eq!(length_problem("eight888"), None);
        // Eight characters, more bytes: characters are what count.
        assert_eq!(length_problem("éééééééé"), None);
        assert_eq!(length_problem(&"a".repeat(1024)), None);
        assert_eq!(length_problem(&"a".repeat(1025)), Some(TOO_LONG));
    }

    #[test]
    fn the_meter_rewards_length() {
        assert_eq!(strength(""), Strength::Empty);
        assert_eq!(strength("abc"), Strength::TooShort);
        assert_eq!(strength("aaaaaaaaaaaaaaaaaaaa"), Strength::Weak);
        assert_eq!(strength("lowercase"), Strength::Weak);
        assert_eq!(strength("Lower1case"), Strength::Fair);
        assert_eq!(strength("purple monkey dishwasher"), Strength::Strong);
    }
}

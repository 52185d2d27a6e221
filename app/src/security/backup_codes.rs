//! Backup codes: the way back in when the authenticator app is lost. Ten codes of 50
//! random bits each, written `k7qd2-9xm4w` in Crockford's base32 (no i, l, o or u, so
//! nothing reads as another character), stored only as argon2id hashes, each good once.

use rand::Rng;

pub const CODES_PER_SET: usize = 10;
/// Characters per code: 10 × 5 bits = 50 bits.
pub const CODE_CHARS: usize = 10;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A fresh code, as shown to the user: `k7qd2-9xm4w`.
pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let raw: String =
        (0..CODE_CHARS).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("{}-{}", &raw[..CODE_CHARS / 2], &raw[CODE_CHARS / 2..])
}

pub fn new_set() -> Vec<String> {
    (0..CODES_PER_SET).map(|_| new_code()).collect()
}

/// What a typed code means: case, spaces and the dash do not matter, and the letters
/// people confuse with digits are read as those digits (Crockford's rule).
pub fn normalise(input: &str) -> Option<String> {
    let cleaned: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect();
    (cleaned.len() == CODE_CHARS && cleaned.bytes().all(|b| ALPHABET.contains(&b)))
        .then_some(cleaned)
}

/// Whether input looks like a backup code rather than a 6-digit app code.
pub fn looks_like_backup_code(input: &str) -> bool {
    normalise(input).is_some()
}

/// Characters of a code stored in clear beside its hash, so a check runs argon2 on the one
/// code it can be (ten codes rarely share two characters) instead of all ten. The other 40
/// bits stay behind argon2.
pub const LOOKUP_CHARS: usize = 2;

/// The clear lookup part of a normalised code.
pub fn lookup_of(normalised: &str) -> String {
    normalised.chars().take(LOOKUP_CHARS).collect()
}

/// The bits of randomness in one code.
pub fn bits_per_code() -> f64 {
    CODE_CHARS as f64 * (ALPHABET.len() as f64).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_carry_fifty_bits() {
        let code = new_code();
        assert_eq!(code.len(), 11);
        assert_eq!(code.as_bytes()[5], b'-');
        assert!(code.bytes().filter(|b| *b != b'-').all(|b| ALPHABET.contains(&b)));
        assert!(bits_per_code() >= 50.0);
        let set = new_set();
        assert_eq!(set.len(), 10);
        let mut unique = set.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
    }

    #[test]
    fn every_character_is_used_about_evenly() {
        // 20,000 characters over 32 symbols: each expected 625 times; a broken generator
        // (one symbol never or always drawn) falls far outside this range.
        let mut counts = [0usize; 32];
        for _ in 0..2_000 {
            for b in new_code().bytes().filter(|b| *b != b'-') {
                if let Some(i) = ALPHABET.iter().position(|a| *a == b) {
                    counts[i] += 1;
                }
            }
        }
        assert!(counts.iter().all(|c| (450..800).contains(c)), "{counts:?}");
    }

    #[test]
    fn typed_codes_are_forgiving() {
        assert_eq!(normalise("K7QD2-9XM4W").as_deref(), Some("k7qd29xm4w"));
        assert_eq!(normalise(" k7qd2 9xm4w ").as_deref(), Some("k7qd29xm4w"));
        assert_eq!(normalise("oilx2-00000").as_deref(), Some("011x200000"));
        assert_eq!(normalise("123456"), None);
        assert_eq!(normalise("k7qd2-9xm4wz"), None);
        assert_eq!(normalise("k7qd2-9xm4u"), None, "u is not in the alphabet");
    }
}

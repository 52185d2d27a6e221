//! Authenticator-app codes (RFC 6238) as every app understands them: a 160-bit secret,
//! SHA-1, 6 digits, 30-second steps. A code is accepted for the current step and one step
//! either side (clock drift), and a step is never accepted twice for the same user.

use base64::Engine;
use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::error::AppError;

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: u8 = 6;
/// Steps accepted either side of the current one.
pub const SKEW_STEPS: u16 = 1;
pub const ISSUER: &str = "Kayse";

/// A new secret: 160 random bits from the OS generator, in base32 (32 characters).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::from(bytes.to_vec()).to_base32()
}

fn generator(secret_base32: &str) -> Result<Totp, AppError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| AppError::internal("stored TOTP secret", format!("{e:?}")))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .build()
        .map_err(|e| AppError::internal("TOTP parameters", format!("{e:?}")))
}

/// Only six digits, spaces allowed ("123 456" as some apps show it).
pub fn clean_code(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// The step whose code this is, if it is the code of the step at `unix_seconds` or of one
/// step either side.
pub fn matching_step(
    secret_base32: &str,
    code: &str,
    unix_seconds: u64,
) -> Result<Option<u64>, AppError> {
    let Some(code) = clean_code(code) else { return Ok(None) };
    Ok(generator(secret_base32)?.check(&code, unix_seconds))
}

/// The code for a step (tests and the benchmark compute codes the way an app does).
pub fn code_at(secret_base32: &str, unix_seconds: u64) -> Result<String, AppError> {
    Ok(generator(secret_base32)?.generate(unix_seconds).to_string())
}

/// The replay rule: a step is fresh only if it is later than the last one accepted.
/// The database applies the same rule atomically (see `second_factor::accept_totp_step`).
pub fn step_is_fresh(last_used_step: Option<i64>, step: i64) -> bool {
    last_used_step.is_none_or(|last| step > last)
}

pub fn now_unix() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

/// `otpauth://totp/Kayse:<email>?secret=…&issuer=Kayse`, the URI authenticator apps scan.
pub fn otpauth_uri(secret_base32: &str, email: &str) -> String {
    let label = percent_encode(&format!("{ISSUER}:{email}"));
    format!(
        "otpauth://totp/{label}?secret={secret_base32}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(byte as char);
        } else if byte == b':' {
            // The label's issuer separator stays readable, as the Key URI format shows it.
            out.push(':');
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The secret as people read it: groups of four ("ABCD EFGH …").
pub fn grouped(secret_base32: &str) -> String {
    secret_base32
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The URI as a QR code, drawn on the server as SVG and returned as a `data:` URL for an
/// `<img>` (no script, no external request).
pub fn qr_code_data_url(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal("drawing the QR code", e))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#111827"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_160_random_bits() {
        let a = new_secret();
        assert_eq!(a.len(), 32, "160 bits are 32 base32 characters");
        assert_eq!(Secret::try_from_base32(&a).unwrap().as_ref().len(), 20);
        assert_ne!(a, new_secret());
    }

    #[test]
    fn the_window_is_one_step_either_side() {
        let secret = new_secret();
        let now = 1_800_000_015u64;
        let step = now / STEP_SECONDS;
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let at = ((step as i64 + offset) as u64) * STEP_SECONDS;
            let code = code_at(&secret, at).unwrap();
            let found = matching_step(&secret, &code, now).unwrap();
            if accepted {
                assert_eq!(found, Some((step as i64 + offset) as u64), "offset {offset}");
            } else {
                // A code from two steps away could coincide with a nearby step's code by
                // chance (1 in 10^6); it must never be accepted as its own step.
                assert_ne!(found, Some((step as i64 + offset) as u64), "offset {offset}");
            }
        }
    }

    #[test]
    fn rfc_6238_reference_values() {
        // RFC 6238 appendix B: SHA-1, secret "12345678901234567890", 8 digits truncated to 6.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn codes_are_six_digits_with_spaces_allowed() {
        assert_eq!(clean_code("123 456").as_deref(), Some("123456"));
        assert_eq!(clean_code("12345"), None);
        assert_eq!(clean_code("12345a"), None);
        assert_eq!(clean_code("1234567"), None);
    }

    #[test]
    fn the_replay_guard_only_moves_forward() {
        assert!(step_is_fresh(None, 100));
        assert!(step_is_fresh(Some(99), 100));
        assert!(!step_is_fresh(Some(100), 100));
        assert!(!step_is_fresh(Some(101), 100));
    }

    #[test]
    fn the_uri_and_qr_code_carry_the_secret() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "alex@firm.test");
        assert!(uri.starts_with(
            "otpauth://totp/Kayse:alex@firm.test?secret=JBSWY3DPEHPK3PXP&issuer=Kayse"
        ));
        let url = qr_code_data_url(&uri).unwrap();
        assert!(url.starts_with("data:image/svg+xml;base64,"));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}

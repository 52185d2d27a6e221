//! Validation rules shared by the browser (for a quick answer) and the server (the one that
//! counts). Rules that need server-only data (phone metadata, the timezone database, strict
//! email parsing) live in `server.rs`.

pub const FULL_NAME_MAX_CHARS: usize = 100;
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
pub const PHOTO_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// The stored form of a full name, or the message to show next to the field.
pub fn full_name(input: &str) -> Result<String, String> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter your full name.".into());
    }
    if name.chars().count() > FULL_NAME_MAX_CHARS {
        return Err(format!("Use at most {FULL_NAME_MAX_CHARS} characters."));
    }
    // Control and invisible format characters would let a name hide or reorder the text
    // around it (see crate::text).
    if !crate::text::is_clean_line(name) {
        return Err("Remove the invisible or control characters from your name.".into());
    }
    Ok(name.to_owned())
}

/// A cheap browser-side check before the server's full parse.
pub fn looks_like_phone(input: &str) -> Result<(), String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(());
    }
    let digits = trimmed.chars().filter(char::is_ascii_digit).count();
    let allowed = trimmed.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(4..=17).contains(&digits) {
        return Err(PHONE_INVALID.into());
    }
    Ok(())
}

pub const PHONE_INVALID: &str =
    "Enter a valid phone number, including the country code (for example +1 415 555 0134).";

/// A cheap browser-side check; the server parses strictly.
pub fn looks_like_email(input: &str) -> Result<(), String> {
    let trimmed = input.trim();
    match trimmed.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !trimmed.contains(' ') =>
        {
            Ok(())
        }
        _ => Err(EMAIL_INVALID.into()),
    }
}

pub const EMAIL_INVALID: &str = "Enter an email address like name@example.com.";

/// Checks a chosen photo before upload, by what the browser reports.
pub fn photo_choice(size: f64, mime: &str) -> Result<(), String> {
    if !PHOTO_TYPES.contains(&mime) {
        return Err(PHOTO_FORMAT.into());
    }
    if size > PHOTO_MAX_BYTES as f64 {
        return Err(PHOTO_TOO_LARGE.into());
    }
    Ok(())
}

pub const PHOTO_FORMAT: &str = "Choose a PNG, JPEG or WebP image.";
pub const PHOTO_TOO_LARGE: &str = "Choose an image of at most 5 MB.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(full_name("  Alex Morgan \n").unwrap(), "Alex Morgan");
        assert!(full_name("   ").is_err());
        assert!(full_name("").is_err());
        assert!(full_name(&"é".repeat(100)).is_ok(), "100 characters, not bytes");
        assert!(full_name(&"é".repeat(101)).is_err());
    }

    #[test]
    fn names_refuse_control_and_direction_overrides() {
        assert!(full_name("Alex\u{0007}Morgan").is_err());
        assert!(full_name("Alex\u{202E}nagroM").is_err());
        assert!(full_name("Alex\u{2066}Morgan").is_err());
        assert!(full_name("Alex\u{200B}Morgan").is_err());
        assert!(full_name("Zoë O'Brien-Núñez 李").is_ok());
        assert_eq!(
            full_name("<script>alert(1)</script>").unwrap(),
            "<script>alert(1)</script>",
            "escaped when shown, not refused"
        );
    }

    #[test]
    fn quick_phone_and_email_checks() {
        assert!(looks_like_phone("").is_ok());
        assert!(looks_like_phone("+1 (415) 555-0134").is_ok());
        assert!(looks_like_phone("call me").is_err());
        assert!(looks_like_phone("12").is_err());
        assert!(looks_like_email("a@b.co").is_ok());
        assert!(looks_like_email("a@b").is_err());
        assert!(looks_like_email("no at sign").is_err());
    }

    #[test]
    fn photo_choices_by_type_and_size() {
        assert!(photo_choice(1000.0, "image/png").is_ok());
        assert!(photo_choice(1000.0, "image/svg+xml").is_err());
        assert!(photo_choice((PHOTO_MAX_BYTES + 1) as f64, "image/jpeg").is_err());
    }
}

//! How times and devices read to a person: a time in their timezone, "3 minutes ago", and
//! "Chrome 131 on Linux" from a user-agent header. Shared by every page that lists events.

use chrono::Utc;

/// A time shown to a user, in their timezone: "28 Nov 2026, 19:40 EST".
pub fn format_in_timezone(at: chrono::DateTime<Utc>, timezone: &str) -> String {
    let tz = timezone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%-d %b %Y, %H:%M %Z").to_string()
}

/// "just now", "3 minutes ago", "2 hours ago", "5 days ago".
pub fn relative_time(now: chrono::DateTime<Utc>, then: chrono::DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    let (count, unit) = match seconds {
        0..=59 => return "just now".to_owned(),
        60..=3_599 => (seconds / 60, "minute"),
        3_600..=86_399 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{count} {unit}{} ago", if count == 1 { "" } else { "s" })
}

#[derive(Debug, PartialEq, Eq)]
pub struct Device {
    pub browser: String,
    pub os: String,
    pub kind: String,
}

/// "Chrome 131", "Mac OSX", "Desktop" from a user-agent header.
pub fn describe_user_agent(user_agent: &str) -> Device {
    let unknown = |s: &str| s.is_empty() || s == "UNKNOWN";
    let Some(found) = woothee::parser::Parser::new().parse(user_agent) else {
        return Device {
            browser: "Unknown browser".into(),
            os: "unknown system".into(),
            kind: "Unknown device".into(),
        };
    };
    let major = found.version.split('.').next().unwrap_or_default();
    let browser = match (unknown(found.name), unknown(major)) {
        (true, _) => "Unknown browser".to_owned(),
        (false, true) => found.name.to_owned(),
        (false, false) => format!("{} {major}", found.name),
    };
    let os = if unknown(found.os) { "unknown system".to_owned() } else { found.os.to_owned() };
    let kind = match found.category {
        "pc" => "Desktop",
        "smartphone" => "Mobile",
        "mobilephone" => "Mobile phone",
        "appliance" => "Appliance",
        "crawler" => "Automated client",
        _ => "Unknown device",
    };
    Device { browser, os, kind: kind.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_users_timezone() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-07-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_in_timezone(at, "America/New_York"), "1 Jul 2026, 08:00 EDT");
        assert_eq!(format_in_timezone(at, "Not/A_Zone"), "1 Jul 2026, 12:00 UTC");
    }

    #[test]
    fn user_agents_become_readable_devices() {
        let chrome = describe_user_agent(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        );
        assert_eq!(chrome.browser, "Chrome 131");
        assert!(chrome.os.starts_with("Windows"), "{}", chrome.os);
        assert_eq!(chrome.kind, "Desktop");
        let iphone = describe_user_agent(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        );
        assert_eq!(iphone.browser, "Safari 17");
        assert_eq!(iphone.os, "iPhone");
        assert_eq!(iphone.kind, "Mobile");
        let nothing = describe_user_agent("");
        assert_eq!(nothing.browser, "Unknown browser");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        assert_eq!(relative_time(now, now), "just now");
        assert_eq!(relative_time(now, now - chrono::Duration::seconds(61)), "1 minute ago");
        assert_eq!(relative_time(now, now - chrono::Duration::minutes(59)), "59 minutes ago");
        assert_eq!(relative_time(now, now - chrono::Duration::hours(3)), "3 hours ago");
        assert_eq!(relative_time(now, now - chrono::Duration::days(2)), "2 days ago");
        assert_eq!(relative_time(now, now + chrono::Duration::seconds(5)), "just now");
    }
}

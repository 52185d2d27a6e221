//! The server's runtime settings: `Leptos.toml` (or the file named by `KAYSE_CONFIG`),
//! each key overridable by an environment variable. cargo-leptos does not read this file;
//! its own build settings are in `Cargo.toml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use app::backend::forwarded::{ForwardedHeader, TrustedProxies};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    #[serde(default)]
    server: ServerSection,
    #[serde(default)]
    database: DatabaseSection,
    #[serde(default)]
    security: SecuritySection,
    #[serde(default)]
    mail: MailSection,
    #[serde(default)]
    profile: ProfileSection,
    #[serde(default)]
    demo: DemoSection,
    #[serde(default)]
    push: PushSection,
    #[serde(default)]
    notifications: NotificationsSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationsSection {
    retention_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    address: Option<String>,
    public_url: Option<String>,
    data_dir: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    forwarded_header: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecuritySection {
    secure_cookies: Option<bool>,
    session_idle_minutes: Option<i64>,
    session_absolute_hours: Option<i64>,
    max_upload_bytes: Option<usize>,
    allow_remembered_devices: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailSection {
    from: Option<String>,
    outbox_dir: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_security: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileSection {
    default_phone_region: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushSection {
    contact: Option<String>,
    allow_loopback_endpoints: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSection {
    seed: Option<bool>,
    password: Option<String>,
}

#[derive(Clone, Debug)]
pub enum MailSettings {
    Outbox(PathBuf),
    Smtp(app::backend::mail::SmtpSettings),
}

/// Everything the server needs, resolved: file values, then environment overrides, then
/// defaults.
#[derive(Clone, Debug)]
pub struct Settings {
    pub address: SocketAddr,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub secure_cookies: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub max_upload_bytes: usize,
    /// "Remember this device for 30 days" at the second step (until companies set it in
    /// their security policy).
    pub allow_remembered_devices: bool,
    pub mail_from: String,
    pub mail: MailSettings,
    pub default_phone_region: String,
    pub demo_seed: bool,
    pub demo_password: Option<String>,
    /// The VAPID `sub` claim (a `mailto:` or `https:` URI): how push services reach the
    /// people running this server. Defaults to the public URL.
    pub push_contact: String,
    /// Accept push endpoints on loopback over http: only for the tests' push-service
    /// stand-in, never in production.
    pub push_allow_loopback_endpoints: bool,
    /// Read notifications older than this are deleted by the cleanup job.
    pub notification_retention_days: i64,
    /// Reverse proxies (addresses or CIDR blocks) whose forwarding header is believed.
    pub trusted_proxies: TrustedProxies,
    pub forwarded_header: ForwardedHeader,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_env<T: std::str::FromStr>(name: &str) -> Result<Option<T>, String> {
    env(name)
        .map(|v| v.parse::<T>().map_err(|_| format!("{name} has an invalid value: {v:?}")))
        .transpose()
}

impl Settings {
    /// Reads `path` if it exists (a missing file means all defaults) and applies the
    /// environment. `default_address` is the one cargo-leptos configured.
    pub fn load(path: &Path, default_address: SocketAddr) -> Result<Settings, String> {
        let file: FileSettings = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileSettings::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Self::resolve(file, default_address)
    }

    pub fn from_toml(text: &str, default_address: SocketAddr) -> Result<Settings, String> {
        Self::resolve(toml::from_str(text).map_err(|e| e.to_string())?, default_address)
    }

    fn resolve(file: FileSettings, default_address: SocketAddr) -> Result<Settings, String> {
        let address = match env("KAYSE_ADDRESS").or(file.server.address) {
            Some(a) => a.parse().map_err(|_| format!("invalid server address {a:?}"))?,
            None => default_address,
        };
        let public_url = env("KAYSE_PUBLIC_URL")
            .or(file.server.public_url)
            .unwrap_or_else(|| format!("http://{address}"));
        let data_dir = PathBuf::from(
            env("KAYSE_DATA_DIR").or(file.server.data_dir).unwrap_or_else(|| "data".into()),
        );
        let database_url = env("KAYSE_DATABASE_URL").or(file.database.url).unwrap_or_else(|| {
            format!("sqlite://{}?mode=rwc", data_dir.join("kayse.db").display())
        });
        let secure_cookies = parse_env::<bool>("KAYSE_SECURE_COOKIES")?
            .or(file.security.secure_cookies)
            .unwrap_or_else(|| public_url.starts_with("https://"));
        if public_url.starts_with("https://") && !secure_cookies {
            return Err("server.public_url is https but security.secure_cookies is off, so the \
                 session cookie would also travel over plain HTTP: remove \
                 security.secure_cookies (it follows the public URL) or set it to true"
                .into());
        }
        let session_idle_minutes = parse_env("KAYSE_SESSION_IDLE_MINUTES")?
            .or(file.security.session_idle_minutes)
            .unwrap_or(7 * 24 * 60);
        let session_absolute_hours = parse_env("KAYSE_SESSION_ABSOLUTE_HOURS")?
            .or(file.security.session_absolute_hours)
            .unwrap_or(30 * 24);
        if session_idle_minutes <= 0 || session_absolute_hours <= 0 {
            return Err("session lifetimes must be positive".into());
        }
        let max_upload_bytes = parse_env("KAYSE_MAX_UPLOAD_BYTES")?
            .or(file.security.max_upload_bytes)
            .unwrap_or(6 * 1024 * 1024);

        let mail_from = env("KAYSE_MAIL_FROM")
            .or(file.mail.from)
            .unwrap_or_else(|| "Kayse <no-reply@kayse.local>".into());
        let smtp_host = env("KAYSE_SMTP_HOST").or(file.mail.smtp_host);
        let mail = match smtp_host {
            Some(host) => {
                use app::backend::mail::SmtpSecurity;
                let security = match env("KAYSE_SMTP_SECURITY")
                    .or(file.mail.smtp_security)
                    .as_deref()
                    .unwrap_or("starttls")
                {
                    "tls" => SmtpSecurity::Tls,
                    "starttls" => SmtpSecurity::StartTls,
                    "none" => SmtpSecurity::None,
                    other => {
                        return Err(format!(
                            "smtp_security must be tls, starttls or none, not {other:?}"
                        ));
                    }
                };
                let default_port = match security {
                    SmtpSecurity::Tls => 465,
                    SmtpSecurity::StartTls => 587,
                    SmtpSecurity::None => 25,
                };
                MailSettings::Smtp(app::backend::mail::SmtpSettings {
                    host,
                    port: parse_env("KAYSE_SMTP_PORT")?
                        .or(file.mail.smtp_port)
                        .unwrap_or(default_port),
                    security,
                    username: env("KAYSE_SMTP_USERNAME").or(file.mail.smtp_username),
                    password: env("KAYSE_SMTP_PASSWORD").or(file.mail.smtp_password),
                })
            }
            None => MailSettings::Outbox(
                env("KAYSE_OUTBOX_DIR")
                    .or(file.mail.outbox_dir)
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("outbox")),
            ),
        };
        let trusted_proxies = match env("KAYSE_TRUSTED_PROXIES") {
            Some(list) => TrustedProxies::parse(&list.split(',').collect::<Vec<_>>())?,
            None => TrustedProxies::parse(&file.server.trusted_proxies.unwrap_or_default())?,
        };
        let forwarded_header = env("KAYSE_FORWARDED_HEADER")
            .or(file.server.forwarded_header)
            .map(|name| ForwardedHeader::parse(&name))
            .transpose()?
            .unwrap_or_default();
        let notification_retention_days = parse_env::<i64>("KAYSE_NOTIFICATION_RETENTION_DAYS")?
            .or(file.notifications.retention_days)
            .unwrap_or(180);
        if !(1..=3650).contains(&notification_retention_days) {
            return Err("notifications.retention_days must be from 1 to 3650 days".into());
        }
        Ok(Settings {
            trusted_proxies,
            forwarded_header,
            address,
            public_url: public_url.trim_end_matches('/').to_owned(),
            data_dir,
            database_url,
            secure_cookies,
            session_idle_minutes,
            session_absolute_hours,
            max_upload_bytes,
            allow_remembered_devices: parse_env::<bool>("KAYSE_ALLOW_REMEMBERED_DEVICES")?
                .or(file.security.allow_remembered_devices)
                .unwrap_or(true),
            mail_from,
            mail,
            default_phone_region: env("KAYSE_DEFAULT_PHONE_REGION")
                .or(file.profile.default_phone_region)
                .unwrap_or_else(|| "US".into()),
            // Off unless asked for (scripts/run asks): a server must never grow a known account
            // on its own.
            demo_seed: parse_env::<bool>("KAYSE_DEMO_SEED")?.or(file.demo.seed).unwrap_or(false),
            demo_password: env("KAYSE_DEMO_PASSWORD")
                .or(file.demo.password.filter(|p| !p.is_empty())),
            push_contact: env("KAYSE_PUSH_CONTACT")
                .or(file.push.contact)
                .unwrap_or_else(|| public_url.trim_end_matches('/').to_owned()),
            push_allow_loopback_endpoints: parse_env::<bool>(
                "KAYSE_PUSH_ALLOW_LOOPBACK_ENDPOINTS",
            )?
            .or(file.push.allow_loopback_endpoints)
            .unwrap_or(false),
            notification_retention_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        "127.0.0.1:3000".parse().unwrap()
    }

    #[test]
    fn defaults_need_no_file() {
        let s = Settings::from_toml("", addr()).unwrap();
        assert_eq!(s.address, addr());
        assert_eq!(s.public_url, "http://127.0.0.1:3000");
        assert!(s.database_url.starts_with("sqlite://"));
        assert!(!s.secure_cookies);
        assert!(matches!(s.mail, MailSettings::Outbox(_)));
        assert_eq!(s.notification_retention_days, 180);
    }

    #[test]
    fn the_notification_retention_is_read_and_bounded() {
        let s = Settings::from_toml("[notifications]\nretention_days = 30", addr()).unwrap();
        assert_eq!(s.notification_retention_days, 30);
        assert!(Settings::from_toml("[notifications]\nretention_days = 0", addr()).is_err());
    }

    #[test]
    fn https_turns_secure_cookies_on_and_typos_are_errors() {
        let s =
            Settings::from_toml("[server]\npublic_url = \"https://kayse.example.com/\"", addr())
                .unwrap();
        assert!(s.secure_cookies);
        assert_eq!(s.public_url, "https://kayse.example.com");
        assert!(Settings::from_toml("[server]\nadress = \"x\"", addr()).is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_blocks() {
        let s = Settings::from_toml(
            "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nforwarded_header = \"Forwarded\"",
            addr(),
        )
        .unwrap();
        assert!(s.trusted_proxies.contains("10.2.3.4".parse().unwrap()));
        assert_eq!(s.forwarded_header, ForwardedHeader::Forwarded);
        assert!(Settings::from_toml("", addr()).unwrap().trusted_proxies.is_empty());
        assert!(Settings::from_toml("[server]\ntrusted_proxies = [\"lb\"]", addr()).is_err());
    }

    #[test]
    fn https_with_insecure_cookies_and_a_demo_by_default_are_refused() {
        let insecure = Settings::from_toml(
            "[server]\npublic_url = \"https://kayse.example.com\"\n[security]\nsecure_cookies = false",
            addr(),
        );
        assert!(insecure.unwrap_err().contains("secure_cookies"));
        assert!(!Settings::from_toml("", addr()).unwrap().demo_seed, "the demo is opt-in");
        assert!(Settings::from_toml("[demo]\nseed = true", addr()).unwrap().demo_seed);
    }
}

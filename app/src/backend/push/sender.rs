//! Sending one push: the server's VAPID key (made on first start, kept in the database),
//! the rules for which endpoints a browser may hand us, and one HTTP request per device
//! with what the push service's answer means for the delivery.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use super::crypto::{self, DeviceKeys, VapidKey};
use crate::backend::entities::{push_subscription, vapid_key};
use crate::error::AppError;

/// The row that holds the key pair.
const KEY_ROW: i32 = 1;
/// How long a push service keeps a push for a device that is offline. After a day the
/// notification is stale; the bell and email still have it.
pub const TIME_TO_LIVE_SECONDS: u32 = 24 * 60 * 60;
/// Longer endpoints are not from a real push service.
pub const MAX_ENDPOINT_LEN: usize = 1024;
/// The push services browsers use, by host name suffix: Chrome and other Chromium
/// browsers (Firebase Cloud Messaging), Firefox (Mozilla autopush), Safari (Apple) and
/// Edge on Windows (WNS). Any other endpoint is refused: the server POSTs to it.
pub const PUSH_SERVICE_HOSTS: [&str; 4] =
    ["fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com", "notify.windows.com"];
/// The longest a push may take, connection included: a stalled push service costs one
/// sending slot this long, never the whole worker.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How much of a push service's error answer is read (the start is enough to say why).
pub const MAX_ANSWER_BYTES: usize = 1024;

fn is_push_service(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    PUSH_SERVICE_HOSTS.iter().any(|known| {
        host == *known || host.strip_suffix(known).is_some_and(|rest| rest.ends_with('.'))
    })
}

/// The key pair, generated and stored the first time the server starts. Two servers
/// starting together both try to insert row 1; the loser reads the winner's key.
pub async fn load_or_create_key(db: &DatabaseConnection) -> Result<VapidKey, AppError> {
    if let Some(row) = vapid_key::Entity::find_by_id(KEY_ROW).one(db).await? {
        return VapidKey::from_private(&row.private_key)
            .map_err(|err| AppError::internal("the stored VAPID key", err));
    }
    let key = VapidKey::generate();
    let inserted = vapid_key::ActiveModel {
        id: Set(KEY_ROW),
        private_key: Set(key.private_base64url()),
        public_key: Set(key.public_base64url().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await;
    let insert_error = match inserted {
        Ok(_) => {
            tracing::info!("generated the Web Push (VAPID) key pair");
            return Ok(key);
        }
        Err(err) => err,
    };
    // Another server inserted it first: use theirs.
    match vapid_key::Entity::find_by_id(KEY_ROW).one(db).await? {
        Some(row) => VapidKey::from_private(&row.private_key)
            .map_err(|err| AppError::internal("the stored VAPID key", err)),
        None => Err(AppError::internal("storing the VAPID key", insert_error)),
    }
}

/// Why an endpoint was refused (shown to the person as a generic sentence).
#[derive(Debug, PartialEq, Eq)]
pub struct BadEndpoint(pub &'static str);

/// The server will POST to whatever endpoint a browser reports, so only the known push
/// services are accepted, over https on port 443. `allow_loopback` admits
/// `http://127.0.0.1:…` for the test stand-in.
pub fn check_endpoint(endpoint: &str, allow_loopback: bool) -> Result<url::Url, BadEndpoint> {
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(BadEndpoint("too long"));
    }
    let url = url::Url::parse(endpoint).map_err(|_| BadEndpoint("not a URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BadEndpoint("credentials in the URL"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => return Err(BadEndpoint("no host")),
    };
    if allow_loopback && loopback && matches!(url.scheme(), "http" | "https") {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err(BadEndpoint("not https"));
    }
    let internal = match url.host() {
        Some(url::Host::Ipv4(ip)) => is_internal(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_internal(std::net::IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.to_ascii_lowercase();
            name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || name.ends_with(".internal")
                || !name.contains('.')
        }
        None => true,
    };
    if internal {
        return Err(BadEndpoint("an internal address"));
    }
    if !url.host_str().is_some_and(is_push_service) {
        return Err(BadEndpoint("not a known push service"));
    }
    if url.port_or_known_default() != Some(443) {
        return Err(BadEndpoint("not port 443"));
    }
    Ok(url)
}

/// An address no push service lives at: everything in IANA's IPv4 and IPv6
/// special-purpose address registries (loopback, private, shared/CGNAT, link-local with the
/// cloud metadata service, documentation, benchmarking, reserved, IETF protocol
/// assignments, AS112, 6to4 relays, NAT64, Teredo, ORCHID, discard-only, SRv6 SIDs,
/// unique-local), multicast and broadcast, and IPv4 written as IPv6 (mapped or
/// compatible). Translation prefixes (NAT64, 6to4, Teredo) are refused whole: they can
/// reach any IPv4 address, internal ones included, and no push service sits behind them.
pub fn is_internal(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(ip) => is_internal_v4(ip),
        std::net::IpAddr::V6(ip) => {
            // Mapped IPv4 (::ffff:0:0/96) is refused whole: a push service has a real IPv6
            // address, and its IPv4 one is checked as IPv4.
            if ip.to_ipv4_mapped().is_some() {
                return true;
            }
            let s = ip.segments();
            let in_prefix = |prefix: [u16; 8], bits: u32| {
                let value = u128::from(ip);
                let net = u128::from(std::net::Ipv6Addr::from(prefix));
                bits == 0 || (value ^ net) >> (128 - bits) == 0
            };
            ip.is_loopback()
                || ip.is_unspecified()
                || (s[0] & 0xff00) == 0xff00 // multicast ff00::/8
                || (s[0] & 0xfe00) == 0xfc00 // unique-local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || in_prefix([0, 0, 0, 0, 0, 0, 0, 0], 96) // IPv4-compatible ::/96
                || in_prefix([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) // NAT64
                || in_prefix([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48) // local-use NAT64
                || in_prefix([0x100, 0, 0, 0, 0, 0, 0, 0], 64) // discard-only
                || in_prefix([0x2001, 0, 0, 0, 0, 0, 0, 0], 23) // IETF protocol assignments
                || in_prefix([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32) // documentation
                || in_prefix([0x2002, 0, 0, 0, 0, 0, 0, 0], 16) // 6to4
                || in_prefix([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20) // documentation
                || in_prefix([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16) // SRv6 SIDs
        }
    }
}

fn is_internal_v4(ip: std::net::Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network" 0.0.0.0/8
        || (a == 100 && (b & 0xc0) == 64) // shared address space 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0.0/24
        || (a == 192 && b == 31 && c == 196) // AS112-v4
        || (a == 192 && b == 52 && c == 193) // AMT
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 175 && c == 48) // direct-delegation AS112
        || (a == 198 && (b & 0xfe) == 18) // benchmarking 198.18.0.0/15
        || a >= 240 // reserved 240.0.0.0/4
}

/// Resolves push-service host names, dropping internal addresses: a public-looking name
/// that resolves to 10.0.0.8 (or changes to it later, DNS rebinding) is never reached.
struct PublicAddressesOnly {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicAddressesOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let usable: Vec<std::net::SocketAddr> = found
                .filter(|addr| {
                    !is_internal(addr.ip()) || (allow_loopback && addr.ip().is_loopback())
                })
                .collect();
            if usable.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// What the push service's answer means.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// 2xx: the service has it.
    Accepted,
    /// 404 or 410: the subscription is gone (the person unsubscribed or reinstalled);
    /// remove it.
    Gone,
    /// Try again later: network trouble, 429 or 5xx.
    Retry(String),
    /// Will not work if repeated (400, 401, 403, 413…).
    Refused(String),
}

/// Sends pushes: the server's VAPID key and one HTTP client for every push service.
#[derive(Clone, Debug)]
pub struct PushSender {
    key: VapidKey,
    /// The VAPID `sub` claim: how a push service can reach whoever runs this server.
    contact: String,
    client: reqwest::Client,
    allow_loopback: bool,
}

/// One test push per device this often, counted in the database so that every instance
/// agrees: tests are not a way to hammer a push service.
pub const TEST_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);
pub const TEST_PUSHES: crate::backend::throttle::RateLimit =
    crate::backend::throttle::RateLimit::new("test-push", 1, TEST_INTERVAL);

impl PushSender {
    pub fn new(key: VapidKey, contact: String, allow_loopback: bool) -> Result<Self, AppError> {
        let client = reqwest::Client::builder()
            // A push service that answers with a redirect is not followed anywhere else.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(std::sync::Arc::new(PublicAddressesOnly { allow_loopback }))
            .connect_timeout(SEND_TIMEOUT / 2)
            .timeout(SEND_TIMEOUT)
            .user_agent("Kayse push")
            .build()
            .map_err(|err| AppError::internal("building the push client", err))?;
        Ok(PushSender { key, contact, client, allow_loopback })
    }

    /// The key browsers subscribe with (`applicationServerKey`).
    pub fn public_key(&self) -> &str {
        self.key.public_base64url()
    }

    pub fn allows_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// Encrypts `message` for the device and posts it to its push service.
    pub async fn send(
        &self,
        device: &push_subscription::Model,
        message: &[u8],
        now: DateTime<Utc>,
    ) -> PushOutcome {
        // Checked again at send time: the rules may have tightened since it was stored.
        let endpoint = match check_endpoint(&device.endpoint, self.allow_loopback) {
            Ok(url) => url,
            Err(BadEndpoint(why)) => {
                return PushOutcome::Refused(format!("endpoint refused: {why}"));
            }
        };
        let keys = match DeviceKeys::parse(&device.p256dh, &device.auth) {
            Ok(keys) => keys,
            Err(err) => return PushOutcome::Refused(err.to_string()),
        };
        let body = match crypto::encrypt(message, &keys) {
            Ok(body) => body,
            Err(err) => return PushOutcome::Refused(err.to_string()),
        };
        let audience = endpoint.origin().ascii_serialization();
        let response = self
            .client
            .post(endpoint)
            .header("TTL", TIME_TO_LIVE_SECONDS.to_string())
            .header("Urgency", "normal")
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", self.key.authorization(&audience, &self.contact, now))
            .body(body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) => return PushOutcome::Retry(format!("push service unreachable: {err}")),
        };
        let status = response.status();
        if status.is_success() {
            return PushOutcome::Accepted;
        }
        let detail = answer_start(response).await;
        let text = format!("push service answered {status}: {detail}");
        match status.as_u16() {
            404 | 410 => PushOutcome::Gone,
            429 | 500..=599 => PushOutcome::Retry(text),
            _ => PushOutcome::Refused(text),
        }
    }
}

/// The first `MAX_ANSWER_BYTES` of an answer, as text: an endless or huge body is
/// never read whole.
async fn answer_start(mut response: reqwest::Response) -> String {
    let mut start = Vec::new();
    while start.len() < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => start.extend_from_slice(&chunk),
            _ => break,
        }
    }
    start.truncate(MAX_ANSWER_BYTES);
    String::from_utf8_lossy(&start).chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_endpoints_are_accepted() {
        for good in [
            "https://fcm.googleapis.com/fcm/send/abc:def",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
            "https://web.push.apple.com/QGuQyavXutnMH6Ig2uYOJDwA",
            "https://wns2-by3p.notify.windows.com/w/?token=AQE",
            "https://fcm.googleapis.com:443/fcm/send/abc",
        ] {
            assert!(check_endpoint(good, false).is_ok(), "{good}");
        }
        for bad in [
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://localhost/push",
            "https://127.0.0.1/push",
            "https://10.0.0.8/push",
            "https://192.168.1.2/push",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/push",
            "https://[fd00::1]/push",
            "https://[::ffff:10.0.0.1]/push",
            "https://intranet/push",
            "https://printer.local/push",
            "https://user:pw@fcm.googleapis.com/x",
            "https://push.example.com/send/abc",
            "https://fcm.googleapis.com:8443/fcm/send/abc",
            "https://evilfcm.googleapis.com.attacker.example/x",
            "https://notfcm.googleapis.com.example/x",
            "https://xnotify.windows.com/x",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert!(check_endpoint(bad, false).is_err(), "{bad}");
        }
        let long = format!("https://fcm.googleapis.com/{}", "a".repeat(MAX_ENDPOINT_LEN));
        // What a public name resolves to is checked as well.
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fc00::1",
            "::ffff:10.0.0.1",
            "::ffff:142.250.74.106",
            "::10.0.0.1",
            // The rest of IANA's special-purpose registries.
            "192.0.0.8",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.175.48.1",
            "198.18.0.1",
            "198.19.255.254",
            "240.0.0.1",
            "255.255.255.254",
            "224.0.0.1",
            "0.1.2.3",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:10::1",
            "2001:db8::1",
            "2002:a00:1::1",
            "3fff::1",
            "5f00::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "142.250.74.106",
            "2a00:1450:4001:80b::200a",
            "100.128.0.1",
            "198.20.0.1",
            "17.253.144.10",
            "2606:4700::6810:84e5",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
        assert!(check_endpoint(&long, false).is_err());
        // The test stand-in runs on loopback; only when allowed.
        assert!(check_endpoint("http://127.0.0.1:4000/push/1", true).is_ok());
        assert!(check_endpoint("http://127.0.0.1:4000/push/1", false).is_err());
        assert!(check_endpoint("http://10.0.0.8/push", true).is_err());
    }
}

#[cfg(test)]
mod resolver_tests {
    use super::*;
    use reqwest::dns::Resolve;

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_not_reached() {
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(PublicAddressesOnly { allow_loopback: false }.resolve(name).await.is_err());
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let allowed: Vec<_> =
            PublicAddressesOnly { allow_loopback: true }.resolve(name).await.unwrap().collect();
        assert!(!allowed.is_empty() && allowed.iter().all(|a| a.ip().is_loopback()));
    }
}

//! The client's real address behind a reverse proxy. Forwarding headers are believed only
//! when the connection comes from a proxy the settings name (`trusted_proxies`), and then
//! only the right-most hop no trusted proxy added: everything left of it was written by
//! the client and may be anything.

use std::net::IpAddr;

/// Address blocks of the reverse proxies in front of the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

/// The header the proxies write the client's address to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1`.
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            other => {
                Err(format!("forwarded_header must be x-forwarded-for or forwarded, not {other:?}"))
            }
        }
    }
}

impl TrustedProxies {
    /// Parses addresses and CIDR blocks (`10.0.0.0/8`, `::1`, `fd00::/8`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut blocks = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            let (address, bits) = match entry.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (entry, None),
            };
            let ip: IpAddr = address
                .parse()
                .map_err(|_| format!("trusted_proxies: {entry:?} is not an address"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits =
                match bits {
                    Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| {
                        format!("trusted_proxies: {entry:?} has an invalid prefix")
                    })?,
                    None => max,
                };
            blocks.push((ip, bits));
        }
        Ok(TrustedProxies(blocks))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(block, bits)| in_block(ip, canonical(*block), *bits))
    }
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 peer) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_block(ip: IpAddr, block: IpAddr, bits: u8) -> bool {
    match (ip, block) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The address of the client behind `peer`. Without a trusted peer the headers are
/// ignored. Otherwise the hops are read right to left, skipping trusted proxies; the first
/// other one is the client. A hop that is not an address (`unknown`, an obfuscated name)
/// ends the walk at the last trusted hop, which is then the best that is known.
pub fn client_ip(
    peer: IpAddr,
    headers: &http::HeaderMap,
    trusted: &TrustedProxies,
    header: ForwardedHeader,
) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let name = match header {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    // Several header lines are one list, in order (RFC 9110, 5.3).
    let hops: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let text = match header {
            ForwardedHeader::XForwardedFor => Some(*hop),
            ForwardedHeader::Forwarded => forwarded_for(hop),
        };
        let Some(ip) = text.and_then(parse_hop) else { return client };
        client = canonical(ip);
        if !trusted.contains(client) {
            return client;
        }
    }
    client
}

/// The `for=` parameter of one RFC 7239 element.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        key.trim().eq_ignore_ascii_case("for").then_some(value.trim())
    })
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `"[2001:db8::1]:4711"`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str, values: &[&str]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for v in values {
            map.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let h = headers("x-forwarded-for", &["198.51.100.7"]);
        let client = client_ip(ip("203.0.113.9"), &h, &trusted, ForwardedHeader::XForwardedFor);
        assert_eq!(client, ip("203.0.113.9"));
        let nobody = TrustedProxies::default();
        let client = client_ip(ip("10.0.0.2"), &h, &nobody, ForwardedHeader::XForwardedFor);
        assert_eq!(client, ip("10.0.0.2"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8", "2001:db8:ff::/48"]).unwrap();
        // The client wrote "1.2.3.4" itself; the proxies appended the rest.
        let h = headers("x-forwarded-for", &["1.2.3.4, 198.51.100.7", "10.1.1.1"]);
        let client = client_ip(ip("10.0.0.2"), &h, &trusted, ForwardedHeader::XForwardedFor);
        assert_eq!(client, ip("198.51.100.7"));
        let h = headers("x-forwarded-for", &["unknown, 10.1.1.1"]);
        let client = client_ip(ip("10.0.0.2"), &h, &trusted, ForwardedHeader::XForwardedFor);
        assert_eq!(client, ip("10.1.1.1"), "stops at the last trusted hop");
        let h = headers("x-forwarded-for", &[]);
        let client = client_ip(ip("10.0.0.2"), &h, &trusted, ForwardedHeader::XForwardedFor);
        assert_eq!(client, ip("10.0.0.2"));
        let h = headers(
            "forwarded",
            &["for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https, for=10.9.9.9"],
        );
        let client = client_ip(ip("::ffff:10.0.0.2"), &h, &trusted, ForwardedHeader::Forwarded);
        assert_eq!(client, ip("2001:db8::7"));
    }

    #[test]
    fn blocks_parse_and_match() {
        let trusted = TrustedProxies::parse(&["192.168.0.0/16", "::1", "fd00::/8"]).unwrap();
        assert!(trusted.contains(ip("192.168.4.5")));
        assert!(trusted.contains(ip("::ffff:192.168.4.5")));
        assert!(!trusted.contains(ip("192.169.0.1")));
        assert!(trusted.contains(ip("::1")));
        assert!(trusted.contains(ip("fd12::3")));
        assert!(!trusted.contains(ip("fe80::1")));
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local"]).is_err());
        assert!(TrustedProxies::parse(&["0.0.0.0/0"]).unwrap().contains(ip("8.8.8.8")));
    }
}

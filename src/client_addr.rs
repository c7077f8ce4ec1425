//! The one answer to "who is asking": the client address that the submission limit, the
//! sign-in throttle and the log lines all use.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::AppState;

/// The address a request comes from: the socket's peer, or the left-most `X-Forwarded-For`
/// entry when the server is told it sits behind a proxy (`--trust-proxy`). Without a proxy
/// the header is whatever the client wants it to be, so it is ignored. `0.0.0.0` when the app
/// runs without a socket (driven in-process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn from_parts(peer: Option<SocketAddr>, headers: &HeaderMap, trust_proxy: bool) -> Self {
        let forwarded = trust_proxy.then(|| forwarded_for(headers)).flatten();
        let ip = forwarded
            .or(peer.map(|p| p.ip()))
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        // A dual-stack socket reports IPv4 clients as `::ffff:a.b.c.d`; they are IPv4 clients.
        ClientAddr(ip.to_canonical())
    }

    /// What limits count by: an IPv4 address, or the /64 network of an IPv6 one. One IPv6
    /// subscriber usually holds a whole /64 and can pick any address in it at will.
    pub fn network(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        }
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The left-most address of the first `X-Forwarded-For` header, when it parses.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    let first = value.split(',').next()?.trim();
    first
        .parse::<IpAddr>()
        .ok()
        .or_else(|| first.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddr::from_parts(
            peer,
            &parts.headers,
            state.config.trust_proxy,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().expect("header"));
        h
    }

    fn addr(peer: Option<SocketAddr>, xff: &str, trust_proxy: bool) -> String {
        ClientAddr::from_parts(peer, &headers(xff), trust_proxy).to_string()
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let peer = Some(SocketAddr::from(([10, 0, 0, 1], 5000)));
        assert_eq!(addr(peer, "203.0.113.7, 10.0.0.1", false), "10.0.0.1");
        assert_eq!(addr(peer, "203.0.113.7, 10.0.0.1", true), "203.0.113.7");
        assert_eq!(addr(peer, "[2001:db8::1]:443", true), "2001:db8::1");
        // A header that does not parse falls back to the socket.
        assert_eq!(addr(peer, "nonsense", true), "10.0.0.1");
        assert_eq!(addr(None, "nonsense", true), "0.0.0.0");
    }

    #[test]
    fn ipv4_clients_of_a_dual_stack_socket_are_ipv4_addresses() {
        let peer: SocketAddr = "[::ffff:198.51.100.4]:5000".parse().expect("addr");
        assert_eq!(addr(Some(peer), "", false), "198.51.100.4");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_network_and_ipv4_by_address() {
        let network = |s: &str| ClientAddr(s.parse().expect("ip")).network().to_string();
        assert_eq!(
            network("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "2001:db8:1:2::"
        );
        assert_eq!(network("2001:db8:1:2::1"), network("2001:db8:1:2:ffff::9"));
        assert_ne!(network("2001:db8:1:2::1"), network("2001:db8:1:3::1"));
        assert_eq!(network("203.0.113.7"), "203.0.113.7");
    }
}

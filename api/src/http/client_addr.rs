//! The client's address, for the audit trail and per-client limits. Behind a load balancer
//! the peer is the balancer, so `X-Forwarded-For` is honoured — but only when the peer is
//! one of the configured trusted proxies, since any client can send that header.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The header proxies append the client's address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_addr(req: &HttpRequest, trusted: &[IpAddr]) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    let forwarded = req
        .headers()
        .get_all(FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter_map(|v| v.parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    let client = forwarded
        .iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .copied()
        .unwrap_or(peer);
    Some(client.to_string())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let spoofed = TestRequest::default()
            .peer_addr("203.0.113.9:5000".parse().unwrap())
            .insert_header((FORWARDED_FOR, "1.2.3.4"))
            .to_http_request();
        assert_eq!(
            client_addr(&spoofed, &[ip("10.0.0.1")]).as_deref(),
            Some("203.0.113.9")
        );

        let proxied = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .insert_header((FORWARDED_FOR, "1.2.3.4, 198.51.100.7, 10.0.0.2"))
            .to_http_request();
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(
            client_addr(&proxied, &trusted).as_deref(),
            Some("198.51.100.7")
        );

        let bare = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse().unwrap())
            .to_http_request();
        assert_eq!(client_addr(&bare, &trusted).as_deref(), Some("10.0.0.1"));
    }
}

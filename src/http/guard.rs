//! The admin listener's guard.
//!
//! # Threat model
//! The admin API can read and change everything, so only the local admin may reach it:
//! - **Peer**: the TCP peer must be a loopback address. The listener binds loopback anyway; this
//!   check keeps it safe even if it were misconfigured or fronted by a proxy.
//! - **DNS rebinding**: a web page on an attacker's domain can make the browser send requests to
//!   127.0.0.1 under that domain's name. Such requests carry a foreign `Host` (and `Origin`), so
//!   both must name the local host (`127.0.0.1`, `localhost`, `[::1]`); an `Origin` of `null`
//!   (sandboxed frames, `file://` pages) is refused too.
//! - **Token**: every `/admin/api/` request needs `Authorization: Bearer <admin token>`, compared
//!   in constant time. Static UI files need no token: they contain no data.
//!
//! Refusals are 403 (wrong place) or 401 (no or wrong token) with a message saying which check
//! failed, never echoing the token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq as _;

use super::error::ApiError;
use super::AppState;

/// Applies the guard to every admin request.
pub async fn admin_guard(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    check_place(peer, req.headers())?;
    if req.uri().path().starts_with("/admin/api/") || req.uri().path() == "/admin/api" {
        check_token(req.headers(), state.admin_token.expose())?;
    }
    Ok(next.run(req).await)
}

/// Peer, `Host` and `Origin` checks.
///
/// # Errors
/// 403 naming the check that failed.
pub fn check_place(peer: SocketAddr, headers: &HeaderMap) -> Result<(), ApiError> {
    if !peer.ip().to_canonical().is_loopback() {
        return Err(ApiError::forbidden(
            "the admin API answers only on this computer (loopback)",
        ));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::forbidden("the Host header is missing"))?;
    if !is_local_authority(host) {
        return Err(ApiError::forbidden(format!(
            "the Host header '{}' is not this computer; open the admin UI at http://127.0.0.1",
            truncate(host)
        )));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !is_local_origin(origin) {
            return Err(ApiError::forbidden(format!(
                "requests from the origin '{}' are not allowed",
                truncate(origin)
            )));
        }
    }
    Ok(())
}

/// Bearer token check.
///
/// # Errors
/// 401 saying whether the token was missing, not a bearer token, or wrong.
pub fn check_token(headers: &HeaderMap, expected: &str) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "missing admin token: send 'Authorization: Bearer <token>' (the token is in the data directory's admin-token file)",
        ));
    };
    let value = value.to_str().unwrap_or("");
    let Some(given) = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
    else {
        return Err(ApiError::unauthorized(
            "the Authorization header must use the Bearer scheme",
        ));
    };
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("the admin token is not valid"))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// `host[:port]` naming this computer.
fn is_local_authority(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) if tail.is_empty() || valid_port(tail) => return h == "::1",
            _ => return false,
        }
    } else {
        match authority.split_once(':') {
            Some((h, port)) if valid_port(&format!(":{port}")) => h,
            Some(_) => return false,
            None => authority,
        }
    };
    matches!(
        host.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost"
    )
}

fn valid_port(tail: &str) -> bool {
    tail.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// An `Origin` of the UI itself (served by the admin listener) or the desktop shell.
fn is_local_origin(origin: &str) -> bool {
    if let Some(authority) = origin.strip_prefix("http://") {
        return is_local_authority(authority);
    }
    matches!(origin, "tauri://localhost" | "http://tauri.localhost")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    const LOCAL: &str = "127.0.0.1:5555";

    #[test]
    fn local_requests_pass() {
        for host in [
            "127.0.0.1:7420",
            "localhost:7420",
            "LOCALHOST",
            "[::1]:7420",
            "127.0.0.1",
        ] {
            check_place(LOCAL.parse().unwrap(), &headers(&[("host", host)]))
                .unwrap_or_else(|e| panic!("{host}: {e:?}"));
        }
        check_place(
            LOCAL.parse().unwrap(),
            &headers(&[
                ("host", "127.0.0.1:7420"),
                ("origin", "http://localhost:7420"),
            ]),
        )
        .unwrap();
    }

    #[test]
    fn remote_peer_is_forbidden_even_with_a_local_host_header() {
        let e = check_place(
            "192.168.1.9:5555".parse().unwrap(),
            &headers(&[("host", "127.0.0.1:7420")]),
        )
        .unwrap_err();
        assert_eq!(e.status(), 403);
    }

    #[test]
    fn ipv4_mapped_loopback_counts_as_loopback() {
        check_place(
            "[::ffff:127.0.0.1]:1".parse().unwrap(),
            &headers(&[("host", "127.0.0.1:7420")]),
        )
        .unwrap();
    }

    #[test]
    fn rebinding_hosts_and_foreign_origins_are_forbidden() {
        // Each of these is what a DNS-rebinding or cross-site page would send.
        for (host, origin) in [
            ("evil.example:7420", None),
            ("127.0.0.1.evil.example", None),
            ("localhost.evil:7420", None),
            ("127.0.0.1:7420", Some("http://evil.example")),
            ("127.0.0.1:7420", Some("null")),
            ("127.0.0.1:7420", Some("https://127.0.0.1.evil.example")),
            ("127.0.0.1:abc", None),
            ("[::2]:7420", None),
        ] {
            let mut pairs = vec![("host", host)];
            if let Some(o) = origin {
                pairs.push(("origin", o));
            }
            let e = check_place(LOCAL.parse().unwrap(), &headers(&pairs)).unwrap_err();
            assert_eq!(e.status(), 403, "{host} {origin:?}");
        }
        let e = check_place(LOCAL.parse().unwrap(), &HeaderMap::new()).unwrap_err();
        assert_eq!(e.status(), 403, "missing Host");
    }

    #[test]
    fn token_checks() {
        let t = "tok_abc";
        check_token(&headers(&[("authorization", "Bearer tok_abc")]), t).unwrap();
        check_token(&headers(&[("authorization", "bearer tok_abc")]), t).unwrap();
        for h in [
            headers(&[]),
            headers(&[("authorization", "Basic dG9rX2FiYw==")]),
            headers(&[("authorization", "Bearer tok_abd")]),
            headers(&[("authorization", "Bearer ")]),
            headers(&[("authorization", "tok_abc")]),
        ] {
            assert_eq!(check_token(&h, t).unwrap_err().status(), 401, "{h:?}");
        }
    }
}

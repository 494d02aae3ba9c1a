//! The ngrok provider: an in-process agent session (the `ngrok` crate, rustls over *ring*) with
//! one HTTP endpoint whose public URL is HTTPS on ngrok's edge.
//!
//! Decisions:
//! - **Reconnecting is ours, not the SDK's.** The SDK's session reconnects by itself with an
//!   uncapped exponential backoff (50 ms, 2.5 s, 125 s, ~2 h…) while its tunnel still looks up,
//!   so the status would say `online` through an outage and recover late. The session is built
//!   with a connector that refuses every *re*connect; a lost session then ends the endpoint's
//!   stream, [`TunnelSession::serve`] returns, and the task reconnects with its own capped
//!   backoff and reports `connecting` meanwhile.
//! - **Forwarding is ours too.** The endpoint is used as a stream of connections, each copied
//!   to the local address in a task of a [`JoinSet`] owned by the session, instead of the SDK's
//!   `listen_and_forward`, whose connection tasks are detached and could outlive a stop.
//! - **Rejections**: a refusal with an ngrok error code when authenticating (a bad or revoked
//!   authtoken, an account limit) or when binding the endpoint (a domain the account has not
//!   reserved) is `Rejected`, except the codes in [`TRANSIENT_CODES`]. ngrok echoes a bad
//!   authtoken in its message, so every message is scrubbed.
//!
//! It cannot be exercised offline beyond the failure paths: the tests point the session at a
//! loopback address through [`super::TunnelOptions::ngrok_server_addr`].

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;

use futures_util::StreamExt as _;
use ngrok::config::TunnelBuilder as _;
use ngrok::prelude::{EndpointInfo as _, Error as _, TunnelCloser as _};
use ngrok::session::{ConnectError, IoStream};
use ngrok::tunnel::{AcceptError, HttpTunnel};
use tokio::task::JoinSet;

use super::{
    config, scrub_with, BoxFuture, Tunnel, TunnelError, TunnelSession, MAX_FORWARDED_CONNECTIONS,
};
use crate::secret::SecretString;

/// ngrok error codes that say "not now" rather than "not with these settings": another agent
/// session is still counted against the account's limit (`108`), the endpoint is still online
/// from the previous session (`334`).
pub const TRANSIENT_CODES: &[&str] = &["ERR_NGROK_108", "ERR_NGROK_334"];

/// An ngrok account and what to ask of it.
#[derive(Debug)]
pub(crate) struct Ngrok {
    pub(crate) authtoken: SecretString,
    pub(crate) domain: Option<String>,
    /// ngrok's agent ingress (`host:port`); `None` is the SDK's default.
    pub(crate) server_addr: Option<String>,
}

/// Where an ngrok call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Opening the session, before authentication.
    Transport,
    /// Authenticating the session.
    Auth,
    /// Binding the HTTP endpoint.
    Listen,
}

impl Tunnel for Ngrok {
    fn connect(
        &self,
        local: SocketAddr,
    ) -> BoxFuture<'_, Result<Box<dyn TunnelSession>, TunnelError>> {
        Box::pin(async move {
            crate::tls::install_provider();
            let mut builder = ngrok::Session::builder();
            builder
                .authtoken(self.authtoken.expose().clone())
                .client_info("millrace", crate::VERSION, None::<String>)
                .connector(first_connect_only(ngrok::session::default_connect));
            if let Some(addr) = &self.server_addr {
                builder.server_addr(addr.clone()).map_err(|e| {
                    TunnelError::rejected(format!("invalid ngrok server address: {e}"))
                })?;
            }
            let session = builder.connect().await.map_err(|e| {
                let stage = match e {
                    ConnectError::Auth(_) => Stage::Auth,
                    _ => Stage::Transport,
                };
                self.classify(stage, e.error_code(), &e)
            })?;
            let mut endpoint = session.http_endpoint();
            endpoint.forwards_to("millrace hooks listener");
            if let Some(domain) = &self.domain {
                endpoint.domain(domain.clone());
            }
            let tunnel = endpoint
                .listen()
                .await
                .map_err(|e| self.classify(Stage::Listen, e.error_code(), &e))?;
            let public_url = config::base_url(tunnel.url());
            tracing::debug!(%public_url, "ngrok endpoint online");
            Ok(Box::new(NgrokSession {
                session,
                tunnel: Some(tunnel),
                local,
                public_url,
                connections: JoinSet::new(),
            }) as Box<dyn TunnelSession>)
        })
    }
}

impl Ngrok {
    fn classify(&self, stage: Stage, code: Option<&str>, error: &dyn StdError) -> TunnelError {
        let text = scrub_with(Some(&self.authtoken), &describe(error));
        classify(stage, code, &text)
    }
}

/// Sorts an ngrok failure by whether retrying can help; `text` is already scrubbed.
fn classify(stage: Stage, code: Option<&str>, text: &str) -> TunnelError {
    match (stage, code) {
        (Stage::Auth | Stage::Listen, Some(code)) if !TRANSIENT_CODES.contains(&code) => {
            let what = if stage == Stage::Auth {
                "ngrok refused the session"
            } else {
                "ngrok refused the endpoint"
            };
            TunnelError::rejected(format!("{what}: {text} ({code})"))
        }
        (Stage::Transport, _) => TunnelError::unavailable(format!("cannot reach ngrok: {text}")),
        (_, Some(code)) => TunnelError::unavailable(format!("ngrok: {text} ({code})")),
        (_, None) => TunnelError::unavailable(format!("ngrok: {text}")),
    }
}

/// An error and its sources on one line, without ngrok's trailing documentation link.
fn describe(error: &dyn StdError) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    parts
        .iter()
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("https://ngrok.com/docs/errors"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// A connection attempt to ngrok's ingress.
type Dialing = BoxFuture<'static, Result<Box<dyn IoStream>, ConnectError>>;

/// Wraps the SDK's connector so that the session connects once and never reconnects on its own
/// (see the module documentation). Generic over the TLS config type so that `rustls` need not
/// be a direct dependency.
fn first_connect_only<C, F, U>(
    connect: F,
) -> impl Fn(String, u16, C, Option<AcceptError>) -> Dialing + Send + Sync + 'static
where
    C: Send + 'static,
    F: Fn(String, u16, C, Option<AcceptError>) -> U + Send + Sync + 'static,
    U: Future<Output = Result<Box<dyn IoStream>, ConnectError>> + Send + 'static,
{
    move |host, port, tls, lost| {
        if lost.is_some() {
            Box::pin(async { Err(ConnectError::Canceled) })
        } else {
            Box::pin(connect(host, port, tls, None))
        }
    }
}

/// An open ngrok session with its endpoint.
struct NgrokSession {
    session: ngrok::Session,
    tunnel: Option<HttpTunnel>,
    local: SocketAddr,
    public_url: String,
    connections: JoinSet<()>,
}

impl fmt::Debug for NgrokSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NgrokSession")
            .field("local", &self.local)
            .field("public_url", &self.public_url)
            .field("connections", &self.connections.len())
            .finish_non_exhaustive()
    }
}

impl TunnelSession for NgrokSession {
    fn public_url(&self) -> &str {
        &self.public_url
    }

    fn serve(&mut self) -> BoxFuture<'_, TunnelError> {
        Box::pin(async move {
            let Some(tunnel) = self.tunnel.as_mut() else {
                return TunnelError::unavailable("the ngrok endpoint is closed");
            };
            loop {
                tokio::select! {
                    next = tunnel.next() => match next {
                        Some(Ok(conn)) => {
                            if self.connections.len() >= MAX_FORWARDED_CONNECTIONS {
                                tracing::debug!("refusing a public connection: too many forwarded at once");
                                continue;
                            }
                            let local = self.local;
                            self.connections.spawn(async move {
                                if let Err(error) = super::forward(conn, local).await {
                                    tracing::debug!(%error, "forwarded ngrok connection ended with an error");
                                }
                            });
                        }
                        Some(Err(AcceptError::ListenerClosed { message, error_code })) => {
                            let code = error_code.map(|c| format!(" ({c})")).unwrap_or_default();
                            return TunnelError::unavailable(format!(
                                "ngrok closed the endpoint: {message}{code}"
                            ));
                        }
                        Some(Err(_)) => {
                            return TunnelError::unavailable("the connection to ngrok was lost");
                        }
                        None => return TunnelError::unavailable("ngrok closed the endpoint"),
                    },
                    Some(_) = self.connections.join_next(), if !self.connections.is_empty() => {}
                }
            }
        })
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let mut this = *self;
            this.connections.abort_all();
            if let Some(mut tunnel) = this.tunnel.take() {
                let _ = tunnel.close().await;
            }
            let _ = this.session.close().await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::TunnelErrorKind::{Rejected, Unavailable};
    use super::*;

    #[test]
    fn refusals_with_a_code_are_rejections_unless_known_to_pass() {
        let bad_token = classify(Stage::Auth, Some("ERR_NGROK_105"), "authtoken invalid");
        assert_eq!(bad_token.kind(), Rejected);
        assert!(bad_token.message().contains("ERR_NGROK_105"));
        assert_eq!(
            classify(Stage::Listen, Some("ERR_NGROK_319"), "domain not reserved").kind(),
            Rejected
        );
        // Another session still counted: it expires, so retrying helps.
        assert_eq!(
            classify(Stage::Auth, Some("ERR_NGROK_108"), "session limit").kind(),
            Unavailable
        );
        assert_eq!(classify(Stage::Auth, None, "transport").kind(), Unavailable);
        assert_eq!(
            classify(Stage::Transport, None, "connection refused").kind(),
            Unavailable
        );
    }

    #[test]
    fn describe_flattens_sources_and_drops_the_docs_link() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = ConnectError::Tcp(io);
        assert_eq!(describe(&e), "failed to establish tcp connection: refused");
        let multi = std::io::Error::other(
            "The authtoken is invalid.\n\nhttps://ngrok.com/docs/errors/err_ngrok_105",
        );
        assert_eq!(describe(&multi), "The authtoken is invalid.");
    }
}

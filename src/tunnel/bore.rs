//! The bore provider: a client of a self-hosted bore relay (`bore server` from the `bore-cli`
//! crate, 0.6 protocol).
//!
//! It speaks bore's protocol with the crate's own building blocks ([`Delimited`] frames,
//! [`ClientMessage`]/[`ServerMessage`], the HMAC [`Authenticator`]) rather than through
//! `bore_cli::client::Client`, because that client
//! - always dials the fixed control port 7835, while a relay may run behind another port
//!   (DESIGN §11 has a `port` setting);
//! - spawns one detached task per forwarded connection, which would outlive a stopped tunnel;
//! - waits forever on a relay that vanished without closing the connection.
//!
//! Here every forwarded connection is a task in a [`JoinSet`] owned by the session (cut when it
//! closes), the relay's heartbeats (about every 500 ms) are watched with
//! [`HEARTBEAT_TIMEOUT`], and the only forward target is the `local` address the session was
//! opened for.
//!
//! The protocol: the client opens a control connection (answering the relay's challenge with an
//! HMAC of it if a secret is set — the secret never crosses the wire) and sends `Hello(port)`;
//! the relay answers `Hello(remote_port)` and listens there. For each public connection it sends
//! `Connection(id)` on the control connection; the client opens a new connection to the control
//! port, authenticates, sends `Accept(id)`, and the relay splices the public connection onto it.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bore_cli::auth::Authenticator;
use bore_cli::shared::{ClientMessage, Delimited, ServerMessage, NETWORK_TIMEOUT};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{timeout, Instant};
use uuid::Uuid;

use super::{scrub_with, BoxFuture, Tunnel, TunnelError, TunnelSession, MAX_FORWARDED_CONNECTIONS};
use crate::secret::SecretString;

/// A relay that has sent nothing for this long is taken as gone.
pub const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(10);

/// A bore relay and what to ask of it.
#[derive(Debug)]
pub(crate) struct Bore {
    pub(crate) server: String,
    pub(crate) port: u16,
    pub(crate) secret: Option<SecretString>,
    pub(crate) remote_port: Option<u16>,
    /// Overrides `http://<server>:<remote port>` (a TLS proxy on the relay); no trailing `/`.
    pub(crate) public_url: Option<String>,
}

impl Tunnel for Bore {
    fn connect(
        &self,
        local: SocketAddr,
    ) -> BoxFuture<'_, Result<Box<dyn TunnelSession>, TunnelError>> {
        Box::pin(async move {
            let relay = Arc::new(Relay {
                host: self.server.clone(),
                port: self.port,
                secret: self.secret.clone(),
            });
            let wanted = self.remote_port.unwrap_or(0);
            let mut control = relay.open().await?;
            control
                .send(ClientMessage::Hello(wanted))
                .await
                .map_err(|e| relay.lost(&e))?;
            let remote_port = match control.recv_timeout::<ServerMessage>().await {
                Ok(Some(ServerMessage::Hello(port))) => port,
                Ok(Some(ServerMessage::Error(message))) => {
                    return Err(relay.refused(&message, wanted))
                }
                Ok(Some(ServerMessage::Challenge(_))) => {
                    return Err(TunnelError::rejected(format!(
                        "the bore server {relay} requires a secret; set the one it was started with"
                    )))
                }
                Ok(Some(_)) => {
                    return Err(TunnelError::unavailable(format!(
                        "the bore server {relay} answered out of turn; is it a bore 0.6 server?"
                    )))
                }
                Ok(None) => {
                    return Err(TunnelError::unavailable(format!(
                        "the bore server {relay} closed the connection during the handshake"
                    )))
                }
                Err(e) => return Err(relay.lost(&e)),
            };
            let public_url = self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}:{remote_port}", url_host(&self.server)));
            tracing::debug!(relay = %relay, remote_port, "bore session open");
            Ok(Box::new(BoreSession {
                relay,
                control,
                local,
                public_url,
                connections: JoinSet::new(),
            }) as Box<dyn TunnelSession>)
        })
    }
}

/// Where to dial, shared by the session and its connection tasks.
struct Relay {
    host: String,
    port: u16,
    secret: Option<SecretString>,
}

impl fmt::Display for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", url_host(&self.host), self.port)
    }
}

impl Relay {
    /// Opens and authenticates a connection to the control port.
    async fn open(&self) -> Result<Delimited<TcpStream>, TunnelError> {
        let stream = match timeout(
            NETWORK_TIMEOUT,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                return Err(TunnelError::unavailable(format!(
                    "cannot reach the bore server {self}: {e}"
                )))
            }
            Err(_) => {
                return Err(TunnelError::unavailable(format!(
                    "cannot reach the bore server {self}: no answer within {} s",
                    NETWORK_TIMEOUT.as_secs()
                )))
            }
        };
        stream
            .set_nodelay(true)
            .map_err(|e| TunnelError::unavailable(e.to_string()))?;
        let mut control = Delimited::new(stream);
        if let Some(secret) = &self.secret {
            // A relay with a secret speaks first, with a challenge.
            let challenge = match control.recv_timeout::<ServerMessage>().await {
                Ok(Some(ServerMessage::Challenge(challenge))) => challenge,
                Ok(Some(_)) => {
                    return Err(TunnelError::unavailable(format!(
                        "the bore server {self} answered out of turn; is it a bore 0.6 server?"
                    )))
                }
                Ok(None) => {
                    return Err(TunnelError::unavailable(format!(
                        "the bore server {self} closed the connection during the handshake"
                    )))
                }
                Err(_) => {
                    return Err(TunnelError::unavailable(format!(
                        "the bore server {self} sent no authentication challenge within {} s; \
                         if it runs without --secret, remove the secret",
                        NETWORK_TIMEOUT.as_secs()
                    )))
                }
            };
            let answer = Authenticator::new(secret.expose()).answer(&challenge);
            control
                .send(ClientMessage::Authenticate(answer))
                .await
                .map_err(|e| self.lost(&e))?;
        }
        Ok(control)
    }

    /// A lost or failed control connection. `anyhow` chains from bore carry no secret, but the
    /// message is scrubbed anyway.
    fn lost(&self, error: &anyhow::Error) -> TunnelError {
        TunnelError::unavailable(scrub_with(
            self.secret.as_ref(),
            &format!("lost the connection to the bore server {self}: {error:#}"),
        ))
    }

    /// The relay's `Error` answer to `Hello`, sorted by whether retrying can help.
    fn refused(&self, message: &str, wanted: u16) -> TunnelError {
        let message = scrub_with(self.secret.as_ref(), message);
        match message.as_str() {
            "invalid secret" => TunnelError::rejected(format!(
                "the bore server {self} rejected the secret; set the one it was started with"
            )),
            "client port number not in allowed range" => TunnelError::rejected(format!(
                "the bore server {self} does not allow port {wanted}; choose a remote port in \
                 its --min-port..--max-port range"
            )),
            "permission denied" if wanted != 0 => TunnelError::rejected(format!(
                "the bore server {self} may not listen on port {wanted}: permission denied"
            )),
            // "port already in use" (a previous session may still hold it for a moment),
            // "failed to find an available port", ...
            _ => TunnelError::unavailable(format!(
                "the bore server {self} refused the tunnel: {message}"
            )),
        }
    }

    /// Serves one public connection: a new authenticated control connection, `Accept(id)`,
    /// then bytes both ways between it and `local`.
    async fn accept(&self, id: Uuid, local: SocketAddr) -> Result<(), String> {
        let mut stream = self.open().await.map_err(|e| e.to_string())?;
        stream
            .send(ClientMessage::Accept(id))
            .await
            .map_err(|e| e.to_string())?;
        let parts = stream.into_parts();
        let mut public = parts.io;
        let mut upstream = super::connect_local(local)
            .await
            .map_err(|e| e.to_string())?;
        // Bytes the frame reader already took past the handshake belong to the public side.
        upstream
            .write_all(&parts.read_buf)
            .await
            .map_err(|e| e.to_string())?;
        tokio::io::copy_bidirectional(&mut public, &mut upstream)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// An open bore session.
struct BoreSession {
    relay: Arc<Relay>,
    control: Delimited<TcpStream>,
    local: SocketAddr,
    public_url: String,
    connections: JoinSet<()>,
}

impl fmt::Debug for BoreSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoreSession")
            .field("relay", &self.relay.to_string())
            .field("local", &self.local)
            .field("public_url", &self.public_url)
            .field("connections", &self.connections.len())
            .finish_non_exhaustive()
    }
}

impl TunnelSession for BoreSession {
    fn public_url(&self) -> &str {
        &self.public_url
    }

    fn serve(&mut self) -> BoxFuture<'_, TunnelError> {
        Box::pin(async move {
            let mut deadline = Instant::now() + HEARTBEAT_TIMEOUT;
            loop {
                tokio::select! {
                    message = self.control.recv::<ServerMessage>() => {
                        deadline = Instant::now() + HEARTBEAT_TIMEOUT;
                        match message {
                            Ok(Some(ServerMessage::Heartbeat)) => {}
                            Ok(Some(ServerMessage::Connection(id))) => self.spawn_forward(id),
                            Ok(Some(ServerMessage::Error(message))) => {
                                return TunnelError::unavailable(format!(
                                    "the bore server {} ended the session: {}",
                                    self.relay,
                                    scrub_with(self.relay.secret.as_ref(), &message)
                                ));
                            }
                            Ok(Some(other)) => {
                                tracing::debug!(?other, "unexpected message from the bore server");
                            }
                            Ok(None) => {
                                return TunnelError::unavailable(format!(
                                    "the bore server {} closed the connection",
                                    self.relay
                                ));
                            }
                            Err(e) => return self.relay.lost(&e),
                        }
                    }
                    Some(_) = self.connections.join_next(), if !self.connections.is_empty() => {}
                    () = tokio::time::sleep_until(deadline) => {
                        return TunnelError::unavailable(format!(
                            "no heartbeat from the bore server {} for {} s",
                            self.relay,
                            HEARTBEAT_TIMEOUT.as_secs()
                        ));
                    }
                }
            }
        })
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        // Dropping the control connection ends the session on the relay; dropping the JoinSet
        // aborts every forwarded connection.
        Box::pin(async move { drop(self) })
    }
}

impl BoreSession {
    fn spawn_forward(&mut self, id: Uuid) {
        if self.connections.len() >= MAX_FORWARDED_CONNECTIONS {
            // The relay drops the unclaimed public connection after 10 s.
            tracing::debug!("refusing a public connection: too many forwarded at once");
            return;
        }
        let relay = Arc::clone(&self.relay);
        let local = self.local;
        self.connections.spawn(async move {
            if let Err(error) = relay.accept(id, local).await {
                tracing::debug!(%error, "forwarded bore connection ended with an error");
            }
        });
    }
}

/// A host as it appears in a URL or `host:port`: IPv6 addresses in brackets.
fn url_host(host: &str) -> String {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_relays_are_bracketed_in_urls() {
        assert_eq!(url_host("::1"), "[::1]");
        assert_eq!(url_host("127.0.0.1"), "127.0.0.1");
        assert_eq!(url_host("relay.example.com"), "relay.example.com");
    }

    #[test]
    fn relay_refusals_are_sorted_by_whether_retrying_helps() {
        let relay = Relay {
            host: "relay.example.com".to_owned(),
            port: 7835,
            secret: None,
        };
        use super::super::TunnelErrorKind::{Rejected, Unavailable};
        assert_eq!(relay.refused("invalid secret", 0).kind(), Rejected);
        assert_eq!(
            relay
                .refused("client port number not in allowed range", 80)
                .kind(),
            Rejected
        );
        assert_eq!(
            relay.refused("port already in use", 40001).kind(),
            Unavailable
        );
        assert_eq!(
            relay.refused("failed to find an available port", 0).kind(),
            Unavailable
        );
    }
}

//! The manual provider: the admin's own reverse proxy or port forward already reaches the hooks
//! listener, so there is nothing to open; the configured URL is reported as it is.

use std::net::SocketAddr;

use super::{config, BoxFuture, Tunnel, TunnelError, TunnelSession};

/// A tunnel that someone else runs.
#[derive(Debug)]
pub(crate) struct Manual {
    public_url: String,
}

impl Manual {
    pub(crate) fn new(public_url: &str) -> Self {
        Self {
            public_url: config::base_url(public_url),
        }
    }
}

impl Tunnel for Manual {
    fn connect(
        &self,
        _local: SocketAddr,
    ) -> BoxFuture<'_, Result<Box<dyn TunnelSession>, TunnelError>> {
        let session: Box<dyn TunnelSession> = Box::new(ManualSession {
            public_url: self.public_url.clone(),
        });
        Box::pin(async move { Ok(session) })
    }
}

#[derive(Debug)]
struct ManualSession {
    public_url: String,
}

impl TunnelSession for ManualSession {
    fn public_url(&self) -> &str {
        &self.public_url
    }

    fn serve(&mut self) -> BoxFuture<'_, TunnelError> {
        // Nothing to lose: the session lasts until new settings replace it.
        Box::pin(std::future::pending())
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

//! TLS for outbound connections (third-party APIs, the ngrok tunnel): rustls with the `ring`
//! provider, installed once as the process default before any client is built.

/// Installs the `ring` crypto provider as rustls's process default (idempotent).
pub fn install_provider() {
    // Err means one is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

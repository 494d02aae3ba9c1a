//! PUSH mode: webhook verification and payload transforms (DESIGN §6), transport-free.

pub mod config;
pub mod handshake;
pub mod transform;
pub mod verifier;

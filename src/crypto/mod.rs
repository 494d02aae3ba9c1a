//! Keys and sealed secrets: the AES-256-GCM [`cipher`] and the [`keystore`] that keeps the master
//! key (OS keyring, key file, or memory for tests).

pub mod cipher;
pub mod keystore;

pub use cipher::{Aad, Cipher, MasterKey, OpenError};
pub use keystore::{KeySlot, KeyStore, KeyStoreError, KeyStoreKind};

/// Fills `buf` with bytes from the operating system's CSPRNG.
///
/// # Panics
/// If the OS random source fails, which leaves nothing safe to do (no key or nonce may be made).
pub fn random_bytes(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

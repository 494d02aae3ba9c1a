//! The credentials cipher: AES-256-GCM with a random nonce and row-bound associated data.
//!
//! # Format (version 1)
//! ```text
//! sealed = version(1 byte = 0x01) ‖ nonce(12) ‖ ciphertext ‖ tag(16)
//! aad    = "millrace.sealed" ‖ 0x00 ‖ version ‖ for each of (purpose, parts…): u32-BE length ‖ bytes
//! ```
//! The AAD binds a blob to the row it was sealed for (its purpose, integration id and owner), so
//! a blob copied into another row, or into another purpose, fails to open. The version byte is
//! authenticated twice: it selects the layout, and it is part of the AAD.
//!
//! # Threat model
//! Protects credentials at rest against someone who obtains the database file (a backup, a copied
//! data directory, a stolen disk image) but not the master key, which lives in the OS keyring (or,
//! as a declared fallback, a 0600 key file). It does not protect against code running as the same
//! OS user while the hub runs. Nonces are 96 random bits per seal; with at most a few thousand
//! seals per key (credentials change rarely, and rotation resets the count) the collision
//! probability is negligible. Every failure to open is the same detail-free [`OpenError`], so
//! errors reveal nothing about which check failed.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::secret::{SecretBytes, SecretString, REDACTED};

/// The layout version written by [`Cipher::seal`].
pub const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_DOMAIN: &[u8] = b"millrace.sealed\0";

/// The 32-byte master key. Zeroized on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// A fresh random key from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        super::random_bytes(key.as_mut());
        Self(key)
    }

    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Parses the base64 text form used by the key stores.
    ///
    /// # Errors
    /// When the text is not base64 of exactly 32 bytes; the message never includes the text.
    pub fn from_base64(text: &str) -> Result<Self, InvalidKeyText> {
        let bytes = Zeroizing::new(BASE64.decode(text.trim()).map_err(|_| InvalidKeyText)?);
        let array: [u8; 32] = bytes.as_slice().try_into().map_err(|_| InvalidKeyText)?;
        Ok(Self::from_bytes(array))
    }

    /// The base64 text form, for the key stores only.
    pub fn to_base64(&self) -> SecretString {
        SecretString::new(BASE64.encode(self.0.as_ref()))
    }

    /// A short non-secret fingerprint (first 8 hex digits of SHA-256), to tell keys apart in logs.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.0.as_ref());
        hex::encode(&digest[..4])
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A stored key that is not base64 of 32 bytes.
#[derive(Debug, thiserror::Error)]
#[error("the stored master key is not valid (expected base64 of 32 bytes)")]
pub struct InvalidKeyText;

/// Associated data binding a sealed blob to its row. Built only through the constructors below so
/// every purpose has one encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct Aad(Vec<u8>);

impl Aad {
    fn new(purpose: &str, parts: &[&str]) -> Self {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(AAD_DOMAIN);
        out.push(FORMAT_V1);
        for part in std::iter::once(&purpose).chain(parts) {
            let len = u32::try_from(part.len()).expect("AAD part shorter than 4 GiB");
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        Self(out)
    }

    /// Credentials of an integration: `widget_config_id` is `None` for `organization` scope.
    pub fn credentials(integration_id: i64, widget_config_id: Option<&str>) -> Self {
        let id = integration_id.to_string();
        match widget_config_id {
            None => Self::new("credentials", &[&id, "organization"]),
            Some(wc) => Self::new("credentials", &[&id, "widget_config", wc]),
        }
    }

    /// A secret of the hub itself (e.g. a tunnel authtoken), by name.
    pub fn hub_secret(name: &str) -> Self {
        Self::new("hub_secret", &[name])
    }

    /// The key-check record that proves a master key belongs to this database.
    pub fn key_check() -> Self {
        Self::new("key_check", &[])
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Aad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Aad")
            .field(&String::from_utf8_lossy(&self.0))
            .finish()
    }
}

/// Failure to open a sealed blob: wrong key, wrong row, tampered or truncated. Deliberately
/// carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealed data could not be opened (wrong key, wrong record, or damaged)")]
pub struct OpenError;

/// Seals and opens blobs under one master key. The AES key schedule and GHASH key it holds are
/// wiped on drop (aes-gcm's `zeroize` feature), like the [`MasterKey`] itself.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    fingerprint: String,
}

impl Cipher {
    /// A cipher for `key`.
    pub fn new(key: &MasterKey) -> Self {
        let aead = Aes256Gcm::new_from_slice(key.0.as_ref()).expect("32-byte key");
        Self {
            aead,
            fingerprint: key.fingerprint(),
        }
    }

    /// The fingerprint of the key in use (not secret).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Seals `plaintext` for the row described by `aad`, with a fresh random nonce.
    pub fn seal(&self, aad: &Aad, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        super::random_bytes(&mut nonce);
        self.seal_with_nonce(aad, plaintext, nonce)
    }

    fn seal_with_nonce(&self, aad: &Aad, plaintext: &[u8], nonce: [u8; NONCE_LEN]) -> Vec<u8> {
        let nonce_ga = Nonce::from(nonce);
        let ct = self
            .aead
            .encrypt(
                &nonce_ga,
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory message cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a blob sealed by [`Cipher::seal`] for the same `aad`.
    ///
    /// # Errors
    /// [`OpenError`] for any failure: unknown version, truncated blob, wrong key, wrong AAD,
    /// tampered bytes.
    pub fn open(&self, aad: &Aad, blob: &[u8]) -> Result<SecretBytes, OpenError> {
        if blob.len() < 1 + NONCE_LEN + TAG_LEN || blob[0] != FORMAT_V1 {
            return Err(OpenError);
        }
        let nonce: [u8; NONCE_LEN] = blob[1..1 + NONCE_LEN].try_into().map_err(|_| OpenError)?;
        let plain = self
            .aead
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &blob[1 + NONCE_LEN..],
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| OpenError)?;
        Ok(SecretBytes::new(plain))
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("key", &REDACTED)
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_key() -> MasterKey {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = i as u8;
        }
        MasterKey::from_bytes(k)
    }

    /// Frozen vector: if this changes, every stored credential in the field stops opening.
    /// Independently checked with Python's `cryptography` AESGCM (see `tests/fixtures/cipher_vector.py`).
    #[test]
    fn the_aead_state_zeroizes_on_drop() {
        // The expanded AES key schedule and the GHASH key are as secret as the master key: with
        // aes-gcm's `zeroize` feature they are wiped when a `Cipher` is dropped (a rotation
        // drops the old one). This does not compile without the feature.
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroized_on_drop::<Aes256Gcm>();
        zeroized_on_drop::<Zeroizing<[u8; 32]>>();
    }

    #[test]
    fn frozen_test_vector() {
        let cipher = Cipher::new(&fixed_key());
        let aad = Aad::credentials(42, None);
        let blob = cipher.seal_with_nonce(&aad, br#"{"api_key":"k"}"#, [7u8; 12]);
        assert_eq!(
            hex::encode(aad.as_bytes()),
            "6d696c6c726163652e7365616c65640001\
             0000000b63726564656e7469616c73\
             000000023432\
             0000000c6f7267616e697a6174696f6e"
        );
        assert_eq!(hex::encode(&blob), FROZEN_BLOB_HEX);
        let opened = cipher.open(&aad, &blob).unwrap();
        assert_eq!(opened.expose(), br#"{"api_key":"k"}"#);
    }

    const FROZEN_BLOB_HEX: &str =
        "010707070707070707070707077448c72c0650bc91bfbf29a2eb73899e8ddae7edbb5485fb09bf745d8cefdb";

    #[test]
    fn round_trip_with_random_nonces_differs_each_time() {
        let cipher = Cipher::new(&MasterKey::generate());
        let aad = Aad::credentials(1, Some("wc-1"));
        let a = cipher.seal(&aad, b"secret");
        let b = cipher.seal(&aad, b"secret");
        assert_ne!(a, b, "a nonce must never repeat between seals");
        assert_eq!(cipher.open(&aad, &a).unwrap().expose(), b"secret");
        assert_eq!(cipher.open(&aad, &b).unwrap().expose(), b"secret");
    }

    #[test]
    fn every_flipped_bit_is_rejected() {
        let cipher = Cipher::new(&fixed_key());
        let aad = Aad::credentials(3, None);
        let blob = cipher.seal(&aad, b"{\"token\":\"abc\"}");
        for i in 0..blob.len() * 8 {
            let mut bad = blob.clone();
            bad[i / 8] ^= 1 << (i % 8);
            assert_eq!(
                cipher.open(&aad, &bad),
                Err(OpenError),
                "bit {i} flip accepted"
            );
        }
    }

    #[test]
    fn wrong_aad_is_rejected() {
        let cipher = Cipher::new(&fixed_key());
        let blob = cipher.seal(&Aad::credentials(3, None), b"x");
        // Another integration, another scope owner, another purpose: none may open it.
        for aad in [
            Aad::credentials(4, None),
            Aad::credentials(3, Some("wc")),
            Aad::hub_secret("3"),
            Aad::key_check(),
        ] {
            assert_eq!(cipher.open(&aad, &blob), Err(OpenError), "{aad:?}");
        }
    }

    #[test]
    fn wrong_key_is_rejected() {
        let aad = Aad::key_check();
        let blob = Cipher::new(&fixed_key()).seal(&aad, b"x");
        let other = Cipher::new(&MasterKey::generate());
        assert_eq!(other.open(&aad, &blob), Err(OpenError));
    }

    #[test]
    fn truncated_and_unknown_version_blobs_are_rejected() {
        let cipher = Cipher::new(&fixed_key());
        let aad = Aad::key_check();
        let blob = cipher.seal(&aad, b"hello");
        for len in 0..blob.len() {
            assert_eq!(cipher.open(&aad, &blob[..len]), Err(OpenError), "len {len}");
        }
        let mut v2 = blob.clone();
        v2[0] = 2;
        assert_eq!(cipher.open(&aad, &v2), Err(OpenError));
    }

    #[test]
    fn parts_are_length_prefixed_so_boundaries_cannot_shift() {
        // ("1", "2x") and ("12", "x") must not encode alike.
        assert_ne!(Aad::new("p", &["1", "2x"]), Aad::new("p", &["12", "x"]));
    }

    #[test]
    fn master_key_text_form_round_trips_and_rejects_bad_text() {
        let k = MasterKey::generate();
        let text = k.to_base64();
        let back = MasterKey::from_base64(text.expose()).unwrap();
        assert_eq!(k.fingerprint(), back.fingerprint());
        assert!(MasterKey::from_base64("not base64!").is_err());
        assert!(MasterKey::from_base64(&BASE64.encode([1u8; 16])).is_err());
        assert_eq!(format!("{k:?}"), REDACTED);
        assert!(!format!("{:?}", Cipher::new(&k)).contains(text.expose()));
    }
}

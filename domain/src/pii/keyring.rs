//! Encryption at rest (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.
//!
//! Every sealed value carries the id of the key that sealed it, so keys can rotate: new
//! values use the active key, old values stay readable while their key is configured. The
//! purpose of a value (e.g. `account.mobile`) is bound in as associated data, so a
//! ciphertext copied into another column does not decrypt.

use std::collections::HashMap;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::DomainError;

const SEALED_PREFIX: &str = "v1";
const NONCE_LEN: usize = 12;

/// Why key configuration was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRingError {
    /// The encryption key list could not be read.
    #[error(
        "FENQI_PII_KEYS must be a comma-separated list of id:base64-key pairs (32-byte keys), the active key first: {0}"
    )]
    Keys(String),
    /// The blind-index key could not be read.
    #[error("FENQI_PII_INDEX_KEY must be a base64 key of at least 32 bytes: {0}")]
    IndexKey(String),
}

/// The keys that protect personal data.
pub struct KeyRing {
    active_id: String,
    ciphers: HashMap<String, Aes256Gcm>,
    /// The HMAC already keyed with the blind-index key; cloned for each use.
    index_mac: Hmac<Sha256>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("active_id", &self.active_id)
            .field("key_ids", &self.ciphers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Reads `keys` ("k2:BASE64,k1:BASE64", the first is the active key) and the
    /// blind-index key (base64, at least 32 bytes).
    pub fn from_config(keys: &str, index_key: &str) -> Result<Self, KeyRingError> {
        let mut ciphers = HashMap::new();
        let mut active_id = None;
        for pair in keys.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, key) = pair
                .split_once(':')
                .ok_or_else(|| KeyRingError::Keys(format!("'{}…' has no id", safe_prefix(pair))))?;
            let id = id.trim();
            if id.is_empty() || id.len() > 16 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(KeyRingError::Keys(format!(
                    "key id '{id}' must be 1 to 16 letters or digits"
                )));
            }
            let bytes = B64
                .decode(key.trim())
                .map_err(|_| KeyRingError::Keys(format!("key '{id}' is not valid base64")))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| {
                KeyRingError::Keys(format!(
                    "key '{id}' has {} bytes; AES-256 needs 32",
                    bytes.len()
                ))
            })?;
            if ciphers.insert(id.to_owned(), cipher).is_some() {
                return Err(KeyRingError::Keys(format!("key id '{id}' appears twice")));
            }
            active_id.get_or_insert_with(|| id.to_owned());
        }
        let active_id = active_id.ok_or_else(|| KeyRingError::Keys("no key given".into()))?;
        let index_key = B64
            .decode(index_key.trim())
            .map_err(|_| KeyRingError::IndexKey("not valid base64".into()))?;
        if index_key.len() < 32 {
            return Err(KeyRingError::IndexKey(format!(
                "it has {} bytes",
                index_key.len()
            )));
        }
        let index_mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&index_key)
            .map_err(|_| KeyRingError::IndexKey("unusable as an HMAC key".into()))?;
        Ok(Self {
            active_id,
            ciphers,
            index_mac,
        })
    }

    /// Fresh random configuration values `(FENQI_PII_KEYS, FENQI_PII_INDEX_KEY)`, for a new
    /// installation or a development database.
    pub fn generate_config() -> Result<(String, String), DomainError> {
        let mut key = [0u8; 32];
        let mut index = [0u8; 32];
        getrandom::fill(&mut key)
            .and_then(|()| getrandom::fill(&mut index))
            .map_err(|e| DomainError::Internal(format!("no randomness: {e}")))?;
        Ok((format!("k1:{}", B64.encode(key)), B64.encode(index)))
    }

    /// The id of the key new values are sealed with.
    pub fn active_key_id(&self) -> &str {
        &self.active_id
    }

    /// Encrypts `plaintext` for the column named by `purpose`.
    pub fn seal(&self, purpose: &str, plaintext: &str) -> Result<String, DomainError> {
        let cipher = self
            .ciphers
            .get(&self.active_id)
            .ok_or_else(|| DomainError::Internal("active key missing".into()))?;
        let mut nonce_bytes = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce_bytes)
            .map_err(|e| DomainError::Internal(format!("no randomness: {e}")))?;
        let nonce = Nonce::from(nonce_bytes);
        let aad = self.aad(&self.active_id, purpose);
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| DomainError::Internal("encryption failed".into()))?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce_bytes);
        blob.extend_from_slice(&ciphertext);
        Ok(format!(
            "{SEALED_PREFIX}:{}:{}",
            self.active_id,
            B64.encode(blob)
        ))
    }

    /// Decrypts a value sealed by [`KeyRing::seal`] for the same `purpose`.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<String, DomainError> {
        let broken = || DomainError::Internal(format!("a sealed {purpose} value is unreadable"));
        let mut parts = sealed.splitn(3, ':');
        let (Some(SEALED_PREFIX), Some(key_id), Some(body)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(broken());
        };
        let cipher = self.ciphers.get(key_id).ok_or_else(|| {
            DomainError::Internal(format!(
                "a {purpose} value is sealed with key '{key_id}', which is not configured"
            ))
        })?;
        let blob = B64.decode(body).map_err(|_| broken())?;
        if blob.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce_bytes, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce_array: [u8; NONCE_LEN] = nonce_bytes.try_into().map_err(|_| broken())?;
        let aad = self.aad(key_id, purpose);
        let plain = cipher
            .decrypt(
                &Nonce::from(nonce_array),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }

    /// The keyed hash of a normalized value: equal inputs give equal hashes, so exact
    /// lookups work, but the hash reveals nothing without the key.
    pub fn blind_index(&self, purpose: &str, normalized: &str) -> String {
        let mut mac = self.index_mac.clone();
        mac.update(purpose.as_bytes());
        mac.update(&[0x1f]);
        mac.update(normalized.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn aad(&self, key_id: &str, purpose: &str) -> String {
        format!("{SEALED_PREFIX}|{key_id}|{purpose}")
    }
}

fn safe_prefix(s: &str) -> String {
    s.chars().take(4).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        let (keys, index) = KeyRing::generate_config().unwrap();
        KeyRing::from_config(&keys, &index).unwrap()
    }

    #[test]
    fn seal_then_open_round_trips_and_hides_the_text() {
        let ring = ring();
        let sealed = ring.seal("account.mobile", "13812345678").unwrap();
        assert!(!sealed.contains("13812345678"));
        assert!(sealed.starts_with("v1:k1:"));
        assert_eq!(ring.open("account.mobile", &sealed).unwrap(), "13812345678");
        // Same plaintext, different nonce.
        assert_ne!(sealed, ring.seal("account.mobile", "13812345678").unwrap());
    }

    #[test]
    fn a_value_moved_to_another_column_does_not_open() {
        let ring = ring();
        let sealed = ring.seal("account.mobile", "13812345678").unwrap();
        assert!(ring.open("customer.id_number", &sealed).is_err());
    }

    #[test]
    fn rotated_keys_still_open_old_values() {
        let (old_keys, index) = KeyRing::generate_config().unwrap();
        let old = KeyRing::from_config(&old_keys, &index).unwrap();
        let sealed = old.seal("p", "secret").unwrap();
        let (new_keys, _) = KeyRing::generate_config().unwrap();
        let new_keys = new_keys.replace("k1:", "k2:");
        let rotated = KeyRing::from_config(&format!("{new_keys},{old_keys}"), &index).unwrap();
        assert_eq!(rotated.active_key_id(), "k2");
        assert_eq!(rotated.open("p", &sealed).unwrap(), "secret");
        assert!(rotated.seal("p", "x").unwrap().starts_with("v1:k2:"));
        assert_eq!(old.blind_index("p", "x"), rotated.blind_index("p", "x"));
    }

    #[test]
    fn bad_configuration_is_refused_with_the_setting_named() {
        let err = KeyRing::from_config("k1:short", &B64.encode([0u8; 32])).unwrap_err();
        assert!(err.to_string().contains("FENQI_PII_KEYS"));
        let (keys, _) = KeyRing::generate_config().unwrap();
        let err = KeyRing::from_config(&keys, "c2hvcnQ=").unwrap_err();
        assert!(err.to_string().contains("FENQI_PII_INDEX_KEY"));
        assert!(KeyRing::from_config("", &B64.encode([0u8; 32])).is_err());
    }

    #[test]
    fn blind_index_is_keyed_and_purpose_bound() {
        let a = ring();
        let b = ring();
        assert_eq!(a.blind_index("m", "1"), a.blind_index("m", "1"));
        assert_ne!(a.blind_index("m", "1"), b.blind_index("m", "1"));
        assert_ne!(a.blind_index("m", "1"), a.blind_index("n", "1"));
    }
}

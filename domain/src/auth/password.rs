//! Passwords: accepted by length (NIST SP 800-63B: no composition rules), hashed with
//! Argon2id at the OWASP parameters, and verified in constant time by the hash.

use std::fmt;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::DomainError;

/// OWASP's Argon2id recommendation: 19 MiB of memory, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// The shortest password accepted.
pub const MIN_LEN: usize = 8;
/// The longest password accepted (bounds the hashing cost of a request).
pub const MAX_LEN: usize = 128;

/// A password that meets the policy. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Accepts 8 to 128 characters that are not all the same character.
    pub fn parse(input: &str, field: &str) -> Result<Self, DomainError> {
        let len = input.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(DomainError::validation(
                field,
                format!("Choose a password of {MIN_LEN} to {MAX_LEN} characters."),
            ));
        }
        let mut chars = input.chars();
        if let Some(first) = chars.next()
            && chars.all(|c| c == first)
        {
            return Err(DomainError::validation(
                field,
                "Choose a password that is not one character repeated.",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The clear text, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

fn hasher() -> Result<Argon2<'static>, DomainError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| DomainError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). CPU-heavy: call
/// it from a blocking task.
pub fn hash(password: &str) -> Result<String, DomainError> {
    hasher()?
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("password hashing failed: {e}")))
}

/// True when `password` matches the stored PHC string. CPU-heavy: call it from a blocking
/// task.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Runs [`hash`] off the async executor.
pub async fn hash_blocking(password: Password) -> Result<String, DomainError> {
    tokio::task::spawn_blocking(move || hash(password.expose()))
        .await
        .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))?
}

/// Runs [`verify`] off the async executor.
pub async fn verify_blocking(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_owasp_parameters_and_verifies() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("wrong horse battery", &stored));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn policy_is_length_only() {
        assert!(Password::parse("short", "password").is_err());
        assert!(Password::parse("aaaaaaaaaa", "password").is_err());
        assert!(Password::parse(&"x".repeat(129), "password").is_err());
        assert!(Password::parse("plain words are fine", "password").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("secret-enough", "p").unwrap()),
            "Password(***)"
        );
    }
}

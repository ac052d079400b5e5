//! E-mail addresses, the other way customers and staff log in.

use std::fmt;

use crate::error::DomainError;

use super::mask::keep_ends;

/// A syntactically plausible e-mail address, trimmed and lower-cased so that one mailbox
/// has one spelling.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address; `field` names the input in the error.
    pub fn parse(input: &str, field: &str) -> Result<Self, DomainError> {
        let normalized = input.trim().to_lowercase();
        let refuse =
            || DomainError::validation(field, "Enter an e-mail address such as name@example.com.");
        if normalized.len() > 254
            || normalized
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(refuse());
        }
        let (local, domain) = normalized.split_once('@').ok_or_else(refuse)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(refuse());
        }
        Ok(Self(normalized))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The masked form: `z***@example.com`.
    pub fn masked(&self) -> String {
        match self.0.split_once('@') {
            Some((local, domain)) => format!("{}@{domain}", keep_ends(local, 1, 0)),
            None => keep_ends(&self.0, 1, 0),
        }
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_masks() {
        let e = EmailAddress::parse("  Zhang.Wei@Example.COM ", "email").unwrap();
        assert_eq!(e.as_str(), "zhang.wei@example.com");
        assert_eq!(e.masked(), "z********@example.com");
    }

    #[test]
    fn refuses_non_addresses() {
        for input in [
            "",
            "no-at",
            "@example.com",
            "a@b",
            "a@.com",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(EmailAddress::parse(input, "email").is_err(), "{input}");
        }
    }
}

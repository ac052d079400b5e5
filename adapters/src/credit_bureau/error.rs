//! How asking a bureau can fail, sorted by what the caller should do about it.

/// Why no report could be had. The variants answer the caller's one real question —
/// retry later, or alert someone — through [`BureauError::is_retryable`]. Messages never
/// contain the ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BureauError {
    /// The bureau did not answer usefully now (timeout, connection refused, 5xx, 429):
    /// retrying later may succeed.
    #[error("the credit bureau is unavailable: {0}")]
    Unavailable(String),
    /// The bureau refused our request (a 4xx other than 429: bad signature, unknown
    /// client, invalid query). Retrying the same request will not help; our configuration
    /// or data needs attention.
    #[error("the credit bureau refused the request: {0}")]
    Rejected(String),
    /// The bureau answered something we cannot trust or use (unparseable, out of range,
    /// badly signed, not the answer to our request).
    #[error("the credit bureau's answer is malformed: {0}")]
    Malformed(String),
}

impl BureauError {
    /// Whether asking again later may succeed: only when the bureau was unavailable.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unavailability_is_retryable() {
        assert!(BureauError::Unavailable("503".into()).is_retryable());
        assert!(!BureauError::Rejected("401".into()).is_retryable());
        assert!(!BureauError::Malformed("bad json".into()).is_retryable());
    }
}

//! The refusal of a loan input, in a file of its own: the repayment methods and
//! frequencies parse with it, and the terms that use them refuse with it too.

use crate::error::DomainError;

/// A refused loan input. `field` is the GraphQL input field in its camelCase spelling
/// (`principal`, `annualRate`, `periodFeeRate`, `periods`, `frequency`, `method`,
/// `startDate`, `paymentDay`) so the client can point at it; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TermsError {
    /// The input field at fault.
    pub field: &'static str,
    /// A sentence the customer or agent can act on.
    pub message: String,
}

impl TermsError {
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> TermsError {
        TermsError {
            field,
            message: message.into(),
        }
    }
}

impl From<TermsError> for DomainError {
    fn from(e: TermsError) -> DomainError {
        DomainError::validation(e.field, e.message)
    }
}

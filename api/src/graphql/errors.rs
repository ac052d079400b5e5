//! The one place where domain errors become GraphQL errors: a stable `extensions.code`, the
//! offending `field` for validation errors, and a message a person can act on. Internal
//! details are logged with the request id and never sent.

use async_graphql::{Error, ErrorExtensions};
use domain::DomainError;

/// Converts a domain error.
pub fn gql(err: DomainError) -> Error {
    let code = err.code();
    match err {
        DomainError::Validation { field, message } => Error::new(message).extend_with(|_, e| {
            e.set("code", code);
            e.set("field", field);
        }),
        DomainError::ConsentRequired { purpose, message } => {
            Error::new(message).extend_with(|_, e| {
                e.set("code", code);
                e.set("purpose", purpose);
            })
        }
        DomainError::RateLimited {
            message,
            retry_after_secs,
        } => Error::new(message).extend_with(|_, e| {
            e.set("code", code);
            e.set("retryAfterSeconds", retry_after_secs);
        }),
        DomainError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            Error::new("Something went wrong on our side. Please try again; if it keeps happening, quote the request id to support.")
                .extend_with(|_, e| e.set("code", code))
        }
        other => Error::new(other.to_string()).extend_with(|_, e| e.set("code", code)),
    }
}

/// `.gql()` on any domain result.
pub trait GqlResult<T> {
    /// Maps the error with [`gql`].
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, DomainError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(gql)
    }
}

/// A validation error for an argument the API itself parses (ids, cursors).
pub fn invalid(field: &str, message: &str) -> Error {
    gql(DomainError::validation(field, message))
}

//! The errors every use case answers with. Each variant maps once, in `api`, to a GraphQL
//! error with a stable `extensions.code`; the message is written for the person who has to
//! act on it.

use sea_orm::{DbErr, SqlErr};

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// No valid session: log in first.
    #[error("{0}")]
    Unauthenticated(String),
    /// Logged in, but this role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The account must replace the password someone else set before doing anything else.
    #[error("{0}")]
    PasswordChangeRequired(String),
    /// The thing does not exist, or the caller may not know that it exists.
    #[error("{0}")]
    NotFound(String),
    /// An input was refused; `field` names it as the client sent it.
    #[error("{message}")]
    Validation {
        /// The input field, in the API's own spelling (e.g. `principal`).
        field: String,
        /// What is wrong and how to put it right.
        message: String,
    },
    /// The request clashes with the current state (a duplicate, a wrong status).
    #[error("{0}")]
    Conflict(String),
    /// The customer has not given the consent this processing needs.
    #[error("{message}")]
    ConsentRequired {
        /// The consent purpose that is missing.
        purpose: String,
        /// What to do.
        message: String,
    },
    /// Too many attempts; try again after `retry_after_secs`.
    #[error("{message}")]
    RateLimited {
        /// What happened and when to try again.
        message: String,
        /// Seconds until another attempt can succeed.
        retry_after_secs: i64,
    },
    /// A dependency (database, queue, credit bureau, partner) did not answer; retrying
    /// later may succeed.
    #[error("{0}")]
    Unavailable(String),
    /// An idempotency key was sent again with a different request.
    #[error("{0}")]
    IdempotencyKeyReused(String),
    /// The agreement font lacks characters a document prints: the operator must name a
    /// fuller font (`FENQI_AGREEMENT_FONT`). The message names the characters.
    #[error("{0}")]
    FontIncomplete(String),
    /// A bug or an unexpected failure. The detail is logged, never shown to the caller.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::PasswordChangeRequired(_) => "PASSWORD_CHANGE_REQUIRED",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Validation { .. } => "VALIDATION",
            Self::Conflict(_) => "CONFLICT",
            Self::ConsentRequired { .. } => "CONSENT_REQUIRED",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::FontIncomplete(_) => "FONT_INCOMPLETE",
            Self::IdempotencyKeyReused(_) => "IDEMPOTENCY_KEY_REUSED",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        // A constraint the use case did not expect is still a clash with the stored state;
        // its message would quote the values involved, so it is neither shown nor logged.
        if let Some(
            SqlErr::UniqueConstraintViolation(_) | SqlErr::ForeignKeyConstraintViolation(_),
        ) = err.sql_err()
        {
            return Self::Conflict(
                "This clashes with data saved at the same moment; reload and try again.".into(),
            );
        }
        match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                tracing::warn!(error = %err, "database unavailable");
                Self::Unavailable(
                    "The database is not reachable right now; please try again shortly.".into(),
                )
            }
            _ => Self::Internal(err.to_string()),
        }
    }
}

/// The result of every use case.
pub type DomainResult<T> = Result<T, DomainError>;

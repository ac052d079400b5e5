//! What every partner exchange shares on the wire, whoever the partner: the client header
//! and the error body.

use serde::{Deserialize, Serialize};

/// The header naming us to the partner.
pub const CLIENT_HEADER: &str = "X-Fenqi-Client";

/// The body of a refusal or failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
}

/// A stable code for programs and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable, machine-readable code (`bad_signature`, `replayed`, `unavailable`, …).
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

impl ErrorResponse {
    /// An error body with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorBody {
                code: code.into(),
                message: message.into(),
            },
        }
    }
}

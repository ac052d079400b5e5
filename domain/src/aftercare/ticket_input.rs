//! What a ticket's author writes, checked: the subject and messages' lengths and the
//! files a message names (parse, don't validate: a [`Attachment`] is a checked one).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use entities::ticket::{TicketCategory, TicketPriority};

use crate::error::{DomainError, DomainResult};

/// At most this many files on one message.
pub const MAX_ATTACHMENTS: usize = 10;
/// The largest file a message may name (20 MiB).
pub const MAX_ATTACHMENT_BYTES: i64 = 20 * 1024 * 1024;
/// The longest message.
pub const MAX_BODY_CHARS: usize = 5_000;

/// A file on a message, kept elsewhere and named here by its SHA-256, so the ticket
/// proves which file was sent without holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name as the sender gave it.
    pub name: String,
    /// Its SHA-256, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
}

impl Attachment {
    /// Checks a named file: a name of 1–200 characters without path separators, a
    /// SHA-256 in hex, a size of 1 byte to 20 MiB.
    pub fn parse(name: &str, sha256: &str, size: i64) -> DomainResult<Self> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\']) {
            return Err(DomainError::validation(
                "attachments",
                "Name each file in 1 to 200 characters, without a folder.",
            ));
        }
        let hash = sha256.trim().to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DomainError::validation(
                "attachments",
                format!("The hash of {name} must be its SHA-256 in 64 hex digits."),
            ));
        }
        if !(1..=MAX_ATTACHMENT_BYTES).contains(&size) {
            return Err(DomainError::validation(
                "attachments",
                format!("{name} must hold 1 byte to 20 MiB."),
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            sha256: hash,
            size,
        })
    }
}

/// A ticket as a customer or an agent opens it.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Whose problem it is: staff must say; a customer's own ticket is theirs.
    pub customer_id: Option<Uuid>,
    /// What it is about.
    pub category: TicketCategory,
    /// How urgent (normal when not given).
    pub priority: Option<TicketPriority>,
    /// A short title, 2–200 characters.
    pub subject: String,
    /// The first message.
    pub body: String,
    /// Files named by hash.
    pub attachments: Vec<Attachment>,
}

/// A message body, trimmed: 1 to [`MAX_BODY_CHARS`] characters.
pub(super) fn body_of(body: &str) -> DomainResult<String> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(DomainError::validation(
            "body",
            format!("Write 1 to {MAX_BODY_CHARS} characters."),
        ));
    }
    Ok(body.to_owned())
}

/// The files of a message as stored (JSON), at most [`MAX_ATTACHMENTS`].
pub(super) fn attachments_of(files: &[Attachment]) -> DomainResult<String> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(DomainError::validation(
            "attachments",
            format!("Attach at most {MAX_ATTACHMENTS} files to one message."),
        ));
    }
    serde_json::to_string(files).map_err(|e| DomainError::Internal(e.to_string()))
}

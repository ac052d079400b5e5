//! What closing a staff work item with a note shares, wherever the item lives (a partner
//! event kept for review, a reconciliation mismatch): the note's rule, and the answer when
//! nothing was closed.

use crate::error::{DomainError, DomainResult};

/// The note, trimmed: 2 to 1,000 characters saying what was done.
pub(super) fn checked(note: &str) -> DomainResult<&str> {
    let note = note.trim();
    if (2..=1000).contains(&note.chars().count()) {
        Ok(note)
    } else {
        Err(DomainError::validation(
            "note",
            "Say what was done, in 2 to 1,000 characters.",
        ))
    }
}

/// Why a close-once update changed nothing: the item was closed before (`exists`), or
/// there is no such item.
pub(super) fn not_closed(exists: bool, closed_before: &str, missing: &str) -> DomainError {
    if exists {
        DomainError::Conflict(closed_before.to_owned())
    } else {
        DomainError::NotFound(missing.to_owned())
    }
}

//! Keyset pagination shared by every list: stable under inserts, cheap on large tables,
//! and easy to expose as Relay cursor connections.

use crate::error::{DomainError, DomainResult};

/// The most items one page may hold.
pub const MAX_PAGE: u64 = 100;
/// The page size when the client does not say.
pub const DEFAULT_PAGE: u64 = 20;

/// Which page to read: up to `first` items after the cursor `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<C> {
    /// How many items.
    pub first: u64,
    /// The cursor of the last item already seen.
    pub after: Option<C>,
}

impl<C> PageRequest<C> {
    /// Checks the requested size (1 to 100; 20 when absent).
    pub fn new(first: Option<i32>, after: Option<C>) -> DomainResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if n >= 1 && (n as u64) <= MAX_PAGE => n as u64,
            Some(_) => {
                return Err(DomainError::validation(
                    "first",
                    format!("Ask for 1 to {MAX_PAGE} items per page."),
                ));
            }
        };
        Ok(Self { first, after })
    }
}

/// One page of items, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<T, C> {
    /// The items with their cursors, in order.
    pub items: Vec<(C, T)>,
    /// True when more items follow.
    pub has_next: bool,
}

impl<T, C> Page<T, C> {
    /// Builds a page from `rows` fetched with `limit = first + 1`: the extra row only tells
    /// that another page exists.
    pub fn from_rows(mut rows: Vec<(C, T)>, first: u64) -> Self {
        let has_next = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Self {
            items: rows,
            has_next,
        }
    }
}

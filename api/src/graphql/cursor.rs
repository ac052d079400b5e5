//! Opaque cursors for Relay connections, and the conversion of domain pages into
//! connections.

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::page::Page;
use uuid::Uuid;

use super::errors::invalid;

/// A cursor's inner value.
pub trait CursorValue: Sized {
    /// The value as text.
    fn to_text(&self) -> String;
    /// The value from text.
    fn from_text(text: &str) -> Option<Self>;
}

impl CursorValue for i64 {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl CursorValue for Uuid {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(text: &str) -> Option<Self> {
        Uuid::parse_str(text).ok()
    }
}

/// Encodes a cursor.
pub fn encode<C: CursorValue>(value: &C) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{}", value.to_text()))
}

/// Decodes the `after` argument; a cursor this API did not issue is a validation error.
pub fn decode<C: CursorValue>(after: Option<&str>) -> async_graphql::Result<Option<C>> {
    let Some(after) = after else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(after)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("c:").and_then(C::from_text))
        .map(Some)
        .ok_or_else(|| {
            invalid(
                "after",
                "This cursor is not one the API issued; use an endCursor from a previous page.",
            )
        })
}

/// A domain page as a Relay connection.
pub fn connection<T, C, N>(
    page: Page<T, C>,
    had_cursor: bool,
    mut node: impl FnMut(T) -> N,
) -> Connection<String, N>
where
    C: CursorValue,
    N: OutputType,
{
    let mut conn = Connection::new(had_cursor, page.has_next);
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, item)| Edge::new(encode(&cursor), node(item))),
    );
    conn
}

/// The complexity of a page: its selection once per row it may hold (`first`, 20 by
/// default, at most 100), so a request costs what it may return.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.unwrap_or(20).clamp(1, 100);
    child_complexity
        .saturating_mul(usize::try_from(rows).unwrap_or(100))
        .saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let c = encode(&42i64);
        assert_eq!(decode::<i64>(Some(&c)).unwrap(), Some(42));
        assert!(decode::<i64>(Some("not-a-cursor")).is_err());
        let id = Uuid::now_v7();
        assert_eq!(decode::<Uuid>(Some(&encode(&id))).unwrap(), Some(id));
    }
}

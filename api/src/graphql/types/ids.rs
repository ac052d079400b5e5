//! Ids travel as GraphQL `ID`s holding UUIDs.

use async_graphql::ID;
use uuid::Uuid;

use crate::graphql::errors::invalid;

/// Parses an id argument named `field`.
pub fn parse_id(id: &ID, field: &str) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| invalid(field, "This is not an id the API issued."))
}

//! The limits that protect the API from abusive requests, read by the HTTP layer (body
//! size) and the GraphQL extensions (depth, complexity, aliases, root fields). Kept apart
//! from the server's state so that the schema can read them without knowing the state.

/// Limits that protect the API from abusive requests.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    /// The deepest selection nesting a query may have.
    pub max_depth: usize,
    /// The highest complexity score a query may have: each field counts 1, a list counts
    /// its selection once per item it may return (a page its page size, a schedule its
    /// periods).
    pub max_complexity: usize,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The most aliased fields a request may have: aliases let one request ask for the
    /// same expensive field hundreds of times.
    pub max_aliases: usize,
    /// The most fields a request may ask at its root (after fragments are expanded).
    pub max_root_fields: usize,
    /// Whether the schema can be introspected (client tooling); production may turn it off.
    pub introspection: bool,
}

impl Default for ApiLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5_000,
            max_body_bytes: 256 * 1024,
            max_aliases: 30,
            max_root_fields: 20,
            introspection: true,
        }
    }
}

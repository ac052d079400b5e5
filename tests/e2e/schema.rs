//! The checked-in SDL matches the schema the code builds.

#[test]
fn schema_graphql_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let current = api::graphql::sdl();
    assert!(
        checked_in == current,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and commit it"
    );
}

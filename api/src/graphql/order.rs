//! Puts each object's fields in the order the request asked for them.
//!
//! The GraphQL spec orders a response's fields as the query's selections (CollectFields);
//! async-graphql resolves sibling fields concurrently and inserts each as it completes, so
//! a slow field (one that waits for the database) can come after a later one, and the same
//! query returned its fields in a different order from one request to the next. Clients
//! that compare responses, snapshot tests and people reading JSON all expect the order of
//! the query, so the response is reordered once, after execution.

use async_graphql::Value;
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The selection sets that apply below one response key, in the order they appear.
type Collected<'a> = IndexMap<&'a str, Vec<&'a SelectionSet>>;

/// Collects the response keys of `sets` in first-appearance order, fragments expanded in
/// place (type conditions are ignored: a key that does not apply is absent from the value
/// and changes nothing in the relative order of those that are present).
fn collect<'a>(
    doc: &'a ExecutableDocument,
    sets: &[&'a SelectionSet],
    out: &mut Collected<'a>,
    fragments: &mut Vec<&'a str>,
) {
    for set in sets {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = field
                        .alias
                        .as_ref()
                        .map_or(field.name.node.as_str(), |a| a.node.as_str());
                    out.entry(key).or_default().push(&field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    collect(doc, &[&fragment.node.selection_set.node], out, fragments);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if fragments.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                        fragments.push(name);
                        collect(doc, &[&fragment.node.selection_set.node], out, fragments);
                        fragments.pop();
                    }
                }
            }
        }
    }
}

/// Reorders `value` (an object, a list of objects, or a leaf) by `sets`.
fn reorder(doc: &ExecutableDocument, value: &mut Value, sets: &[&SelectionSet]) {
    match value {
        Value::Object(map) => {
            let mut keys = Collected::new();
            collect(doc, sets, &mut keys, &mut Vec::new());
            let mut old = std::mem::take(map);
            for (key, below) in &keys {
                if let Some((name, mut child)) = old.shift_remove_entry(*key) {
                    if !below.iter().all(|s| s.items.is_empty()) {
                        reorder(doc, &mut child, below);
                    }
                    map.insert(name, child);
                }
            }
            // Anything not named by the query (there should be nothing) keeps its place
            // at the end rather than being lost.
            for (name, child) in old {
                map.insert(name, child);
            }
        }
        Value::List(items) => {
            for item in items {
                reorder(doc, item, sets);
            }
        }
        _ => {}
    }
}

/// Reorders the `data` of the operation named `operation_name` of `doc`.
pub fn reorder_response(doc: &ExecutableDocument, operation_name: Option<&str>, data: &mut Value) {
    let operation = doc
        .operations
        .iter()
        .find(|(name, _)| match (operation_name, name) {
            (Some(wanted), Some(name)) => name.as_str() == wanted,
            (None, _) => true,
            (Some(_), None) => false,
        })
        .map(|(_, op)| op);
    if let Some(operation) = operation {
        reorder(doc, data, &[&operation.node.selection_set.node]);
    }
}

/// A response key as a [`Name`] (used by tests).
#[cfg(test)]
fn keys(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map.keys().map(async_graphql::Name::to_string).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::value;

    #[test]
    fn fields_follow_the_query_at_every_level() {
        let doc = async_graphql::parser::parse_query(
            "{ b a: x ...F list { z y } } fragment F on Query { c b }",
        )
        .unwrap();
        let mut data = value!({
            "list": [ { "y": 1, "z": 2 }, { "y": 3, "z": 4 } ],
            "c": 1,
            "a": 2,
            "b": 3,
        });
        reorder_response(&doc, None, &mut data);
        assert_eq!(keys(&data), ["b", "a", "c", "list"]);
        if let Value::Object(map) = &data
            && let Some(Value::List(items)) = map.get("list")
        {
            assert_eq!(keys(&items[0]), ["z", "y"]);
            assert_eq!(keys(&items[1]), ["z", "y"]);
        } else {
            panic!("list missing: {data:?}");
        }
    }

    #[test]
    fn the_named_operation_is_the_one_used() {
        let doc = async_graphql::parser::parse_query("query A { x y } query B { y x }").unwrap();
        let mut data = value!({ "x": 1, "y": 2 });
        reorder_response(&doc, Some("B"), &mut data);
        assert_eq!(keys(&data), ["y", "x"]);
    }
}

/// The extension factory: each request keeps its parsed document for the reordering.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestOrder;

impl async_graphql::extensions::ExtensionFactory for RequestOrder {
    fn create(&self) -> std::sync::Arc<dyn async_graphql::extensions::Extension> {
        std::sync::Arc::new(RequestOrderExtension {
            doc: std::sync::Mutex::new(None),
        })
    }
}

struct RequestOrderExtension {
    doc: std::sync::Mutex<Option<ExecutableDocument>>,
}

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for RequestOrderExtension {
    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &async_graphql::Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut slot) = self.doc.lock() {
            *slot = Some(doc.clone());
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: async_graphql::extensions::NextExecute<'_>,
    ) -> async_graphql::Response {
        let mut response = next.run(ctx, operation_name).await;
        let doc = self.doc.lock().ok().and_then(|mut slot| slot.take());
        if let Some(doc) = doc {
            reorder_response(&doc, operation_name, &mut response.data);
        }
        response
    }
}

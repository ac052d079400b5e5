//! The shape of a request, measured before anything runs: how deep it nests, how many
//! aliases and root fields it has, and how far its introspection reaches.
//!
//! Why our own measure instead of the library's depth limit: the standard introspection
//! query of graphql-js (GraphiQL's explorer, code generators, fuzzers) nests its type
//! references 15 levels deep, which a depth limit sized for business queries refuses.
//! Introspection is measured apart: a generous depth (its type references end in a few
//! levels anyway) but at most three nested lists (`types → fields → args`), which is what
//! stops the hostile `fields { type { fields { type { … } } } }` fan-out. Aliases and root
//! fields are counted because one request can otherwise repeat an expensive field hundreds
//! of times.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The deepest introspection nesting accepted (the standard query needs 15).
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
/// The most list fields of introspection nested on one path (the standard query needs 3).
pub const MAX_INTROSPECTION_LISTS: usize = 3;
/// The most selections visited while measuring: fragments spread inside fragments can
/// multiply a small document into millions of fields.
pub const MAX_VISITED: usize = 20_000;

/// Introspection fields that return lists.
const INTROSPECTION_LISTS: &[&str] = &[
    "types",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "directives",
];

/// What was measured.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The deepest nesting of ordinary fields (a root field is level 1).
    pub depth: usize,
    /// The deepest nesting inside introspection (`__schema`, `__type`), counted from it.
    pub introspection_depth: usize,
    /// The most introspection list fields on one path.
    pub introspection_lists: usize,
    /// Aliased fields, counted once per time they would be resolved.
    pub aliases: usize,
    /// The most root fields of any one operation.
    pub root_fields: usize,
    /// Selections visited; above [`MAX_VISITED`] the walk stops.
    pub visited: usize,
}

#[derive(Clone, Copy)]
struct Position {
    depth: usize,
    /// `Some((depth inside introspection, lists on the path))` inside introspection.
    introspection: Option<(usize, usize)>,
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    shape: Shape,
    fragments: Vec<&'a str>,
}

impl<'a> Walker<'a> {
    fn walk(&mut self, set: &'a SelectionSet, at: Position) {
        for item in &set.items {
            self.shape.visited += 1;
            if self.shape.visited > MAX_VISITED {
                return;
            }
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    if field.alias.is_some() {
                        self.shape.aliases += 1;
                    }
                    let here = match at.introspection {
                        Some((depth, lists)) => Position {
                            depth: at.depth,
                            introspection: Some((
                                depth + 1,
                                lists + usize::from(INTROSPECTION_LISTS.contains(&name)),
                            )),
                        },
                        None if name.starts_with("__") && name != "__typename" => Position {
                            depth: at.depth,
                            introspection: Some((1, 0)),
                        },
                        None => Position {
                            depth: at.depth + 1,
                            introspection: None,
                        },
                    };
                    self.shape.depth = self.shape.depth.max(here.depth);
                    if let Some((depth, lists)) = here.introspection {
                        self.shape.introspection_depth = self.shape.introspection_depth.max(depth);
                        self.shape.introspection_lists = self.shape.introspection_lists.max(lists);
                    }
                    self.walk(&field.selection_set.node, here);
                }
                Selection::InlineFragment(fragment) => {
                    self.walk(&fragment.node.selection_set.node, at);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // A cycle is the validator's to report; here it just ends the walk.
                    if self.fragments.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node)
                    {
                        self.fragments.push(name);
                        self.walk(&fragment.node.selection_set.node, at);
                        self.fragments.pop();
                    }
                }
            }
        }
    }
}

/// Counts the fields a selection set puts at its own level (fragments expanded), spending
/// one of `budget` per selection so that fragment bombs end.
fn count_root_fields(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    seen: &mut Vec<String>,
    budget: &mut usize,
) -> usize {
    let mut count = 0;
    for item in &set.items {
        if *budget == 0 {
            return count;
        }
        *budget -= 1;
        count += match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => {
                count_root_fields(doc, &f.node.selection_set.node, seen, budget)
            }
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.to_string();
                if seen.contains(&name) {
                    continue;
                }
                match doc.fragments.get(&s.node.fragment_name.node) {
                    Some(f) => {
                        seen.push(name);
                        let n = count_root_fields(doc, &f.node.selection_set.node, seen, budget);
                        seen.pop();
                        n
                    }
                    None => 0,
                }
            }
        };
    }
    count
}

/// Measures every operation of `doc`.
pub fn measure(doc: &ExecutableDocument) -> Shape {
    let mut walker = Walker {
        doc,
        shape: Shape::default(),
        fragments: Vec::new(),
    };
    for (_, operation) in doc.operations.iter() {
        let set = &operation.node.selection_set.node;
        let mut budget = MAX_VISITED;
        let roots = count_root_fields(doc, set, &mut Vec::new(), &mut budget);
        walker.shape.root_fields = walker.shape.root_fields.max(roots);
        walker.walk(
            set,
            Position {
                depth: 0,
                introspection: None,
            },
        );
    }
    walker.shape
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str) -> Shape {
        measure(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    #[test]
    fn ordinary_depth_counts_levels() {
        assert_eq!(shape("{ a }").depth, 1);
        assert_eq!(shape("{ a { b { c } } d }").depth, 3);
        assert_eq!(
            shape("query { ...F } fragment F on Query { a { ... on A { b } } }").depth,
            2
        );
    }

    #[test]
    fn introspection_is_measured_apart() {
        let s = shape(
            "{ me { id } __schema { types { fields { type { ofType { ofType { name } } } } } } }",
        );
        assert_eq!(s.depth, 2);
        assert_eq!(s.introspection_depth, 7);
        assert_eq!(s.introspection_lists, 2);
        let hostile = shape(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
        );
        assert_eq!(hostile.introspection_lists, 4);
        assert_eq!(shape("{ __typename a }").introspection_depth, 0);
    }

    #[test]
    fn aliases_and_root_fields_are_counted_through_fragments() {
        let s = shape("{ a: x b: x ...F } fragment F on Query { c: x y }");
        assert_eq!(s.aliases, 3);
        assert_eq!(s.root_fields, 4);
    }

    #[test]
    fn fragment_cycles_and_bombs_end_the_walk() {
        let cycle = shape("{ ...A } fragment A on Query { x ...B } fragment B on Query { ...A }");
        assert!(cycle.visited < 10);
        let mut doc = String::from("{ ...F0 } ");
        for i in 0..30 {
            doc.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }} ",
                n = i + 1
            ));
        }
        doc.push_str("fragment F30 on Query { x }");
        assert!(shape(&doc).visited > MAX_VISITED);
    }
}

/// The extension factory: refuses a request whose shape breaks a limit, before validation
/// and execution, each with its own code.
#[derive(Debug, Clone, Copy)]
pub struct RequestShape {
    limits: crate::limits::ApiLimits,
}

impl RequestShape {
    /// Checks against `limits`.
    pub fn new(limits: crate::limits::ApiLimits) -> Self {
        Self { limits }
    }
}

impl async_graphql::extensions::ExtensionFactory for RequestShape {
    fn create(&self) -> std::sync::Arc<dyn async_graphql::extensions::Extension> {
        std::sync::Arc::new(*self)
    }
}

fn refuse(code: &str, message: String) -> async_graphql::ServerError {
    let mut err = async_graphql::ServerError::new(message, None);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    err
}

impl RequestShape {
    /// The first limit `shape` breaks, as the error to answer.
    fn check(&self, shape: &Shape) -> Result<(), async_graphql::ServerError> {
        let limits = &self.limits;
        if !limits.introspection && shape.introspection_depth > 0 {
            return Err(refuse(
                "INTROSPECTION_DISABLED",
                "Introspection is turned off on this server (FENQI_GRAPHQL_INTROSPECTION=off)."
                    .into(),
            ));
        }
        if shape.visited > MAX_VISITED {
            return Err(refuse(
                "QUERY_TOO_COMPLEX",
                format!(
                    "This query expands to more than {MAX_VISITED} selections. Ask for fewer fields or spread fewer fragments."
                ),
            ));
        }
        if shape.depth > limits.max_depth {
            return Err(refuse(
                "QUERY_TOO_DEEP",
                format!(
                    "This query is nested more than {} levels deep. Ask for fewer nested fields.",
                    limits.max_depth
                ),
            ));
        }
        if shape.introspection_depth > MAX_INTROSPECTION_DEPTH
            || shape.introspection_lists > MAX_INTROSPECTION_LISTS
        {
            return Err(refuse(
                "QUERY_TOO_DEEP",
                format!(
                    "This introspection query nests more than {MAX_INTROSPECTION_DEPTH} levels or more than {MAX_INTROSPECTION_LISTS} lists (types → fields → args is the most a client needs)."
                ),
            ));
        }
        if shape.root_fields > limits.max_root_fields {
            return Err(refuse(
                "TOO_MANY_ROOT_FIELDS",
                format!(
                    "This request asks for {} fields at its root; the limit is {}. Split it into several requests.",
                    shape.root_fields, limits.max_root_fields
                ),
            ));
        }
        if shape.aliases > limits.max_aliases {
            return Err(refuse(
                "TOO_MANY_ALIASES",
                format!(
                    "This request uses {} aliases; the limit is {}. Split it into several requests.",
                    shape.aliases, limits.max_aliases
                ),
            ));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl async_graphql::extensions::Extension for RequestShape {
    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &async_graphql::Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        self.check(&measure(&doc))?;
        Ok(doc)
    }
}

//! Codes for the errors raised before any resolver runs: a document that does not parse,
//! fails validation, or is too deep or too complex. Resolver errors get theirs in
//! [`super::errors`].

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::limits::ApiLimits;

/// The extension factory.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCodes {
    limits: ApiLimits,
}

impl ErrorCodes {
    /// Codes with messages that quote the configured limits.
    pub fn new(limits: ApiLimits) -> Self {
        Self { limits }
    }
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            limits: self.limits,
        })
    }
}

struct ErrorCodesExtension {
    limits: ApiLimits,
}

fn with_code(mut err: ServerError, code: &str) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    /// Errors raised while executing carry codes from [`super::errors`]; the only ones
    /// without are argument values that did not fit their type (a null for a non-null
    /// argument, a malformed scalar), which are the client's to fix.
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        for error in response.errors.iter_mut() {
            let has_code = error
                .extensions
                .as_ref()
                .is_some_and(|e| e.get("code").is_some());
            if !has_code {
                let code = if is_bare_input_error(&error.message) {
                    "VALIDATION"
                } else {
                    "GRAPHQL_VALIDATION_FAILED"
                };
                *error = with_code(error.clone(), code);
            }
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            // A bad argument value is reported twice: once with the argument's path (the
            // useful one), once by the variables rule without it.
            let has_argument_error = errors
                .iter()
                .any(|e| e.message.starts_with("Invalid value for argument \""));
            errors
                .into_iter()
                .filter(|e| !(has_argument_error && is_bare_input_error(&e.message)))
                .map(|mut e| {
                    if let Some((path, reason)) = argument_error(&e.message) {
                        let field = path.rsplit('.').next().unwrap_or(&path).to_owned();
                        e.message = input_message(&field, &reason);
                        let ext = e.extensions.get_or_insert_with(Default::default);
                        ext.set("code", "VALIDATION");
                        ext.set("field", field);
                        ext.set("argumentPath", path);
                        e
                    } else if is_bare_input_error(&e.message) {
                        with_code(e, "VALIDATION")
                    } else if e.message == "Query is nested too deep." {
                        e.message = format!(
                            "This query is nested more than {} levels deep. Ask for fewer nested fields.",
                            self.limits.max_depth
                        );
                        with_code(e, "QUERY_TOO_DEEP")
                    } else if e.message == "Query is too complex." {
                        e.message = format!(
                            "This query is too complex (the limit is {}). Ask for fewer fields or smaller pages.",
                            self.limits.max_complexity
                        );
                        with_code(e, "QUERY_TOO_COMPLEX")
                    } else {
                        with_code(e, "GRAPHQL_VALIDATION_FAILED")
                    }
                })
                .collect()
        })
    }
}

/// `Invalid value for argument "input.startDate", expected type "Date"` → the path and the
/// reason.
fn argument_error(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    let (path, reason) = rest.split_once("\", ")?;
    Some((path.to_owned(), reason.to_owned()))
}

/// A value that did not fit its type, reported without the argument it was given for.
fn is_bare_input_error(message: &str) -> bool {
    message.starts_with("Failed to parse \"") || message.starts_with("Expected input type \"")
}

/// A message a form can show beside the field.
fn input_message(field: &str, reason: &str) -> String {
    let expected = reason
        .strip_prefix("expected type \"")
        .and_then(|r| r.strip_suffix('"'));
    match expected {
        Some("Date") => format!("{field}: write a date like 2026-11-29."),
        Some("Decimal") => format!(
            "{field}: write a decimal number as a string, like \"1234.56\" (never as a floating-point number)."
        ),
        Some("Int") => format!("{field}: write a whole number."),
        Some("Boolean") => format!("{field}: write true or false."),
        Some("String") | Some("ID") => format!("{field}: write text in quotes."),
        Some(other) => format!("{field}: expected {other}."),
        None => format!("{field}: {reason}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_errors_name_their_field() {
        let (path, reason) = argument_error(
            "Invalid value for argument \"input.startDate\", expected type \"Date\"",
        )
        .unwrap();
        assert_eq!(path, "input.startDate");
        assert_eq!(
            input_message("startDate", &reason),
            "startDate: write a date like 2026-11-29."
        );
        assert!(argument_error("Unknown field").is_none());
        assert!(is_bare_input_error("Failed to parse \"Date\": x"));
    }
}

//! Codes for the errors raised before any resolver runs: a document that does not parse,
//! fails validation, or is too deep or too complex. Resolver errors get theirs in
//! [`super::errors`].

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::state::ApiLimits;

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
                *error = with_code(error.clone(), "GRAPHQL_VALIDATION_FAILED");
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
            errors
                .into_iter()
                .map(|mut e| {
                    if e.message == "Query is nested too deep." {
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

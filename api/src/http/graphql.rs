//! `POST /graphql`: reads a bounded JSON body, attaches the request's facts, executes, and
//! records the operation's latency. Only `application/json` is accepted, which also shuts
//! out cross-site form posts.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use domain::auth::RequestMeta;
use domain::ops::metrics::sanitize_label;
use futures::StreamExt;
use serde_json::json;

use crate::graphql::context::RequestContext;
use crate::state::ApiState;

use super::client_addr::client_addr;
use super::request_id::RequestId;

fn error_response(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::json())
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The handler.
pub async fn execute(
    state: web::Data<ApiState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> HttpResponse {
    let is_json = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.essence_str() == "application/json");
    if !is_json {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "Send the GraphQL request as JSON with 'Content-Type: application/json'.",
        );
    }
    let limit = state.limits.max_body_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "The request body could not be read.",
            );
        };
        if body.len() + chunk.len() > limit {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                &format!("The request body is larger than {limit} bytes."),
            );
        }
        body.extend_from_slice(&chunk);
    }
    if std::str::from_utf8(&body).is_err() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The body is not UTF-8 text. Send the GraphQL request as JSON encoded in UTF-8.",
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("The body is not a GraphQL request in JSON ({e})."),
            );
        }
    };

    let operation = sanitize_label(request.operation_name.as_deref().unwrap_or(""));
    let meta = RequestMeta {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        client_addr: client_addr(&req, &state.trusted_proxies),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let started = Instant::now();
    let (response, statements) = domain::db::statements::counted(
        state
            .schema
            .execute(request.data(RequestContext::new(bearer(&req), meta))),
    )
    .await;
    state.metrics.observe(
        "fenqi_graphql_sql_statements",
        "SQL statements a GraphQL operation sent, by name.",
        &[("operation", &operation)],
        statements as f64,
    );
    let outcome = if response.errors.is_empty() {
        "ok"
    } else {
        "error"
    };
    state.metrics.increment(
        "fenqi_graphql_operations_total",
        "GraphQL operations by name and outcome.",
        &[("operation", &operation), ("outcome", outcome)],
    );
    state.metrics.observe(
        "fenqi_graphql_operation_duration_seconds",
        "GraphQL operation latency by name.",
        &[("operation", &operation)],
        started.elapsed().as_secs_f64(),
    );
    for error in &response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            tracing::error!(message = %error.message, "a GraphQL error left without a code; this is a bug");
        }
    }
    let mut answer = HttpResponse::Ok();
    answer.insert_header((header::CACHE_CONTROL, "no-store"));
    if state.statement_header {
        answer.insert_header(("X-Sql-Statements", statements.to_string()));
    }
    answer.json(response)
}

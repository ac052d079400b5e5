//! Every request gets an id: taken from `X-Request-Id` when the caller (or a proxy) sent a
//! sane one, else made. It is on every log line of the request (a tracing span), in the
//! response header, and in the audit trail. The same middleware counts requests and their
//! latency for `/metrics`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Instrument;
use uuid::Uuid;

use crate::state::ApiState;

/// The header carrying the id.
pub const HEADER: &str = "x-request-id";

/// The request's id, in the request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn accepted(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Routes are labelled by a fixed list so a scanner cannot create series.
fn route_label(path: &str) -> &'static str {
    match path {
        "/graphql" => "/graphql",
        "/health" => "/health",
        "/ready" => "/ready",
        "/metrics" => "/metrics",
        _ => "other",
    }
}

/// The middleware.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| accepted(v))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req
        .app_data::<web::Data<ApiState>>()
        .map(|state| state.metrics.clone());
    let method = req.method().as_str().to_owned();
    let route = route_label(req.path());
    let span = tracing::info_span!("request", request_id = %id, method = %method, route);
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    let status = res.status();
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            // Rounded to a tenth of a millisecond: precise enough, without float noise.
            elapsed_ms = ((elapsed.as_micros() + 50) / 100) as f64 / 10.0,
            "request finished"
        );
    });
    if let Some(metrics) = metrics {
        metrics.increment(
            "fenqi_http_requests_total",
            "HTTP requests by method, route and status.",
            &[
                ("method", &method),
                ("route", route),
                ("status", status.as_str()),
            ],
        );
        metrics.observe(
            "fenqi_http_request_duration_seconds",
            "HTTP request latency by route.",
            &[("route", route)],
            elapsed.as_secs_f64(),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::accepted;

    #[test]
    fn only_sane_ids_are_taken_from_callers() {
        assert!(accepted("0190c1f6-2a3b-7cde-8f01-23456789abcd"));
        assert!(!accepted(""));
        assert!(!accepted(&"a".repeat(65)));
        assert!(!accepted("evil\nheader"));
    }
}

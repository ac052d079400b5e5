//! `/health` (the process is alive), `/ready` (its database and queue answer) and
//! `/metrics` (Prometheus text).

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use domain::ops::probe::PROBE_TIMEOUT;
use futures::future::join_all;
use serde_json::{Map, Value, json};

use crate::state::ApiState;

/// Alive: answers as long as the process serves HTTP.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "alive" }))
}

/// Ready: 200 when every dependency answers within the probe timeout, else 503 naming the
/// ones that did not.
pub async fn ready(state: web::Data<ApiState>) -> HttpResponse {
    let results = join_all(state.probes.iter().map(|probe| async move {
        let outcome = tokio::time::timeout(PROBE_TIMEOUT, probe.check()).await;
        let status = match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.0),
            Err(_) => Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
        };
        (probe.name(), probe.detail_is_public(), status)
    }))
    .await;
    let mut checks = Map::new();
    let mut details = Map::new();
    let mut ready = true;
    for (name, public, status) in results {
        match status {
            Ok(()) => {
                checks.insert(name.into(), Value::from("ok"));
            }
            Err(problem) => {
                // The detail (hosts, driver errors) goes to the log, not to the caller.
                ready = false;
                tracing::warn!(dependency = name, %problem, "not ready");
                checks.insert(name.into(), Value::from("unavailable"));
                if public {
                    details.insert(name.into(), Value::from(problem));
                }
            }
        }
    }
    let mut body = json!({ "status": if ready { "ready" } else { "not ready" }, "checks": checks });
    if !details.is_empty() {
        body["details"] = Value::Object(details);
    }
    // Partners' circuit breakers, for staff watching them: a partner that is down does not
    // make this process unready (the bank's own ledger and every other partner still work).
    let platforms: Map<String, Value> = state
        .domain
        .platform_health()
        .into_iter()
        .map(|h| {
            (
                h.code,
                json!({
                    "breaker": h.breaker.as_str(),
                    "consecutiveFailures": h.consecutive_failures,
                    "timesOpened": h.times_opened,
                }),
            )
        })
        .collect();
    if !platforms.is_empty() {
        body["platforms"] = Value::Object(platforms);
    }
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Metrics in the Prometheus text format.
pub async fn metrics(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType(
            "text/plain; version=0.0.4; charset=utf-8"
                .parse()
                .unwrap_or(mime_text_plain()),
        ))
        .body(state.metrics.render() + &platform_metrics(&state))
}

/// The partners' circuit breakers in the Prometheus text format.
fn platform_metrics(state: &ApiState) -> String {
    let health = state.domain.platform_health();
    if health.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "# HELP fenqi_platform_breaker_state A partner's circuit breaker: 0 closed, 1 open, 2 half-open (one trial call).\n\
         # TYPE fenqi_platform_breaker_state gauge\n",
    );
    for h in &health {
        let state = match h.breaker {
            domain::platforms::port::BreakerState::Closed => 0,
            domain::platforms::port::BreakerState::Open => 1,
            domain::platforms::port::BreakerState::HalfOpen => 2,
        };
        out.push_str(&format!(
            "fenqi_platform_breaker_state{{platform=\"{}\"}} {state}\n",
            h.code
        ));
    }
    out.push_str(
        "# HELP fenqi_platform_breaker_opened_total Times a partner's circuit breaker opened since start.\n\
         # TYPE fenqi_platform_breaker_opened_total counter\n",
    );
    for h in &health {
        out.push_str(&format!(
            "fenqi_platform_breaker_opened_total{{platform=\"{}\"}} {}\n",
            h.code, h.times_opened
        ));
    }
    out
}

fn mime_text_plain() -> actix_web::mime::Mime {
    actix_web::mime::TEXT_PLAIN_UTF_8
}

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
        .body(state.metrics.render())
}

fn mime_text_plain() -> actix_web::mime::Mime {
    actix_web::mime::TEXT_PLAIN_UTF_8
}

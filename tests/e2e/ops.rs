//! Health, readiness, metrics and request ids.

use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_ready_answer_when_everything_is_up() {
    let app = TestApp::spawn().await;
    let health = app.get("/health").await;
    assert_eq!(health.status(), 200);
    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["queue"], "ok");
}

#[tokio::test]
async fn ready_says_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db().close_by_ref().await.unwrap();
    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "not ready");
    assert_ne!(body["checks"]["database"], "ok", "{body}");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let generated = app.get("/health").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36);
    let echoed = app
        .client
        .get(format!("{}/health", app.base))
        .header("X-Request-Id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42");
    let refused = app
        .client
        .get(format!("{}/health", app.base))
        .header("X-Request-Id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(refused.headers()["x-request-id"], "bad id with spaces");
}

#[tokio::test]
async fn metrics_count_requests_and_operations() {
    let app = TestApp::spawn().await;
    app.client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "query Ping { __typename }", "operationName": "Ping" }))
        .send()
        .await
        .unwrap();
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains(
            "fenqi_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("fenqi_graphql_operations_total{operation=\"Ping\",outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE fenqi_http_request_duration_seconds histogram"),
        "{text}"
    );
}

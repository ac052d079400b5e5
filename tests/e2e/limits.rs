//! Abusive requests are refused with a clear error before any resolver runs.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, error_message};

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }";
    let res = app.gql(deep, json!({}), None).await;
    assert_eq!(error_code(&res), Some("QUERY_TOO_DEEP"), "{res}");
    assert!(error_message(&res).contains("12 levels"), "{res}");
    assert!(res["data"].is_null(), "{res}");
}

#[tokio::test]
async fn a_query_more_complex_than_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    // Each alias costs three (me, id, displayName): 700 of them exceed 2000.
    let fields: String = (0..700)
        .map(|i| format!("a{i}: me {{ id displayName }} "))
        .collect();
    let res = app.gql(&format!("{{ {fields} }}"), json!({}), None).await;
    assert_eq!(
        error_code(&res),
        Some("QUERY_TOO_COMPLEX"),
        "{}",
        error_message(&res)
    );
    assert!(res["data"].is_null());
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(300 * 1024);
    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ __typename }", "variables": { "pad": padding } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), Some("PAYLOAD_TOO_LARGE"), "{body}");
}

#[tokio::test]
async fn only_json_is_accepted_and_bad_documents_get_codes() {
    let app = TestApp::spawn().await;
    let form = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query={__typename}")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);

    let not_json = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let body: Value = not_json.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_REQUEST"));

    let parse = app.gql("{ unclosed ", json!({}), None).await;
    assert_eq!(error_code(&parse), Some("GRAPHQL_PARSE_FAILED"), "{parse}");
    let unknown = app.gql("{ noSuchField }", json!({}), None).await;
    assert_eq!(
        error_code(&unknown),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{unknown}"
    );
}

//! Abusive requests are refused with a clear error before any resolver runs.

use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, error_code, error_message};

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused() {
    let app = TestApp::spawn_with(Options {
        settings: vec![("FENQI_GRAPHQL_MAX_DEPTH", "3".into())],
        ..Options::default()
    })
    .await;
    let deep = "{ searchCustomers(filter: {}, first: 1) { edges { node { id } } } }";
    let res = app.gql(deep, json!({}), None).await;
    assert_eq!(error_code(&res), Some("QUERY_TOO_DEEP"), "{res}");
    assert!(error_message(&res).contains("3 levels"), "{res}");
    assert!(res["data"].is_null(), "{res}");
}

#[tokio::test]
async fn the_standard_introspection_queries_of_client_tools_are_answered() {
    let app = TestApp::spawn().await;
    for query in [
        include_str!("fixtures/introspection-graphql-js-16.graphql"),
        include_str!("fixtures/introspection-graphql-js-16-all-options.graphql"),
    ] {
        let res = app.gql(query, json!({}), None).await;
        assert!(res["errors"].is_null(), "{}", error_message(&res));
        let types = res["data"]["__schema"]["types"].as_array().expect("types");
        assert!(
            types.iter().any(|t| t["name"] == "LoanQuote"),
            "the schema's own types are listed"
        );
    }
}

#[tokio::test]
async fn hostile_introspection_nesting_is_refused() {
    let app = TestApp::spawn().await;
    // Each `fields { type { fields …` multiplies the answer by the number of fields.
    let fan_out =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let res = app.gql(fan_out, json!({}), None).await;
    assert_eq!(error_code(&res), Some("QUERY_TOO_DEEP"), "{res}");
    let mut chain = String::from("{ __type(name: \"Query\") { ");
    for _ in 0..25 {
        chain.push_str("ofType { ");
    }
    chain.push_str("name");
    chain.push_str(&" }".repeat(26));
    chain.push_str(" }");
    let res = app.gql(&chain, json!({}), None).await;
    assert_eq!(error_code(&res), Some("QUERY_TOO_DEEP"), "{res}");
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let app = TestApp::spawn_with(Options {
        settings: vec![("FENQI_GRAPHQL_INTROSPECTION", "off".into())],
        ..Options::default()
    })
    .await;
    let res = app
        .gql("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert_eq!(error_code(&res), Some("INTROSPECTION_DISABLED"), "{res}");
    let ok = app.gql("{ __typename }", json!({}), None).await;
    assert!(ok["errors"].is_null(), "{ok}");
}

const CALCULATOR_ARGS: &str = "input: { principal: \"10000.00\", annualRate: \"0.12\", periods: 360, frequency: MONTHLY, method: EQUAL_INSTALLMENT, startDate: \"2026-01-15\", paymentDay: 10 }";

#[tokio::test]
async fn hundreds_of_aliased_schedules_are_refused() {
    let app = TestApp::spawn().await;
    // The abusive request that was seen: 280 aliased 360-period schedules in 57 KB.
    let fields: String = (0..280)
        .map(|i| {
            format!("c{i}: loanCalculator({CALCULATOR_ARGS}) {{ entries {{ period payment }} }} ")
        })
        .collect();
    let res = app.gql(&format!("{{ {fields} }}"), json!({}), None).await;
    assert_eq!(
        error_code(&res),
        Some("TOO_MANY_ROOT_FIELDS"),
        "{}",
        error_message(&res)
    );
    assert!(res["data"].is_null());

    // Aliases are counted wherever they are, not only at the root.
    let nested: String = (0..31).map(|i| format!("p{i}: period ")).collect();
    let res = app
        .gql(
            &format!("{{ loanCalculator({CALCULATOR_ARGS}) {{ entries {{ {nested} }} }} }}"),
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        error_code(&res),
        Some("TOO_MANY_ALIASES"),
        "{}",
        error_message(&res)
    );
}

#[tokio::test]
async fn a_schedule_costs_what_it_returns() {
    let app = TestApp::spawn().await;
    let full = "apr totalPayment totalInterest totalFees effectiveAnnualRate entries { period dueDate payment principal interest fee remainingPrincipal }";
    // One 30-year schedule with every column is a fair request.
    let one = app
        .gql(
            &format!("{{ loanCalculator({CALCULATOR_ARGS}) {{ {full} }} }}"),
            json!({}),
            None,
        )
        .await;
    assert!(one["errors"].is_null(), "{one}");
    assert_eq!(
        one["data"]["loanCalculator"]["entries"]
            .as_array()
            .map(Vec::len),
        Some(360)
    );
    // Two of them cost twice as much and exceed the limit; two 12-period ones do not.
    let two = app
        .gql(
            &format!("{{ a: loanCalculator({CALCULATOR_ARGS}) {{ {full} }} b: loanCalculator({CALCULATOR_ARGS}) {{ {full} }} }}"),
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        error_code(&two),
        Some("QUERY_TOO_COMPLEX"),
        "{}",
        error_message(&two)
    );
    let short = CALCULATOR_ARGS.replace("periods: 360", "periods: 12");
    let small = app
        .gql(
            &format!("{{ a: loanCalculator({short}) {{ {full} }} b: loanCalculator({short}) {{ {full} }} }}"),
            json!({}),
            None,
        )
        .await;
    assert!(small["errors"].is_null(), "{small}");
}

#[tokio::test]
async fn too_many_root_fields_are_refused() {
    let app = TestApp::spawn().await;
    let res = app
        .gql(
            &format!("{{ {} }}", "__typename ".repeat(21)),
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_code(&res), Some("TOO_MANY_ROOT_FIELDS"), "{res}");
}

#[tokio::test]
async fn public_fields_are_rate_limited_per_address_across_api_processes() {
    let app = TestApp::spawn_with(Options {
        settings: vec![("FENQI_PUBLIC_REQUESTS_PER_MINUTE", "3".into())],
        ..Options::default()
    })
    .await;
    let query = format!(
        "{{ loanCalculator({}) {{ apr }} }}",
        CALCULATOR_ARGS.replace("360", "12")
    );
    for _ in 0..3 {
        let res = app.gql(&query, json!({}), None).await;
        assert!(res["errors"].is_null(), "{res}");
    }
    let refused = app.gql(&query, json!({}), None).await;
    assert_eq!(error_code(&refused), Some("RATE_LIMITED"), "{refused}");
    assert!(
        refused["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_i64()
            .is_some_and(|s| s > 0)
    );

    // With Redis configured, a second API instance (its own memory, as another process
    // has; the same clock, so the same window) shares the count: the same address is
    // refused there too. The embedded default is one process and counts in memory.
    if app.platform.queue().backend_name() == "redis" {
        let second = app.second_api().await;
        let res: Value = reqwest::Client::new()
            .post(format!("{second}/graphql"))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        assert_eq!(error_code(&res), Some("RATE_LIMITED"), "{res}");
    }
}

#[tokio::test]
async fn a_query_more_complex_than_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    // A page of 100 customers costs its selection 100 times (701); eight exceed 5000.
    let page = "edges { node { id fullName mobile idNumber birthDate } }";
    let fields: String = (0..8)
        .map(|i| format!("p{i}: searchCustomers(filter: {{}}, first: 100) {{ {page} }} "))
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

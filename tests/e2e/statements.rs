//! What each main read costs in SQL statements, pinned on both backends: a nested field
//! that goes back to reading once per parent (an N+1) fails here.

use domain::auth::Role;
use serde_json::json;

use crate::customers::onboarded_customer;
use crate::helpers::TestApp;

const PROFILE: &str = "{ myCustomerProfile { id fullName mobile preferences { frequency paymentDay channels } financialStatus { assets monthlyDebtPayments } consents { purpose } } }";

/// A customer with financial status and preferences recorded; (token, id).
async fn complete_customer(app: &TestApp, mobile: &str) -> (String, String) {
    let (token, id) = onboarded_customer(app, mobile).await;
    for mutation in [
        "mutation($id: ID!) { setFinancialStatus(customerId: $id, input: { assets: \"300000\", liabilities: \"50000.00\", monthlyExpenses: \"4000\", monthlyDebtPayments: \"2000\" }) { assets } }",
        "mutation($id: ID!) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 10, maxMonthlyBudget: \"3000\", channels: [SMS, APP] }) { paymentDay } }",
    ] {
        let res = app.gql(mutation, json!({ "id": id }), Some(&token)).await;
        assert!(res["errors"].is_null(), "{res}");
    }
    (token, id)
}

#[tokio::test]
async fn a_customer_reads_their_profile_with_its_children_in_three_statements() {
    let app = TestApp::spawn().await;
    let (token, _) = complete_customer(&app, "13800001001").await;
    let (res, statements) = app.gql_counted(PROFILE, json!({}), Some(&token)).await;
    assert!(res["errors"].is_null(), "{res}");
    let profile = &res["data"]["myCustomerProfile"];
    assert_eq!(profile["preferences"]["paymentDay"], 10, "{res}");
    assert_eq!(profile["financialStatus"]["assets"], "300000.00", "{res}");
    assert_eq!(
        profile["consents"].as_array().map(Vec::len),
        Some(2),
        "{res}"
    );
    // The session, the customer joined with preferences and financial status, the consents.
    assert_eq!(statements, 3, "{res}");
}

#[tokio::test]
async fn staff_read_one_customer_in_a_fixed_number_of_statements() {
    let app = TestApp::spawn().await;
    let (_, id) = complete_customer(&app, "13800001002").await;
    let agent = app.staff_token(Role::Agent).await;
    let query = "query($id: ID!) { customer(id: $id) { id fullName preferences { paymentDay } financialStatus { assets } consents { purpose } bankAccounts { bankName } creditReport { score } } }";
    let (res, statements) = app
        .gql_counted(query, json!({ "id": id }), Some(&agent))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    // Session, customer (with its one-to-one children), consents, cards, credit report.
    assert_eq!(statements, 5, "{res}");
}

#[tokio::test]
async fn a_search_page_with_profiles_costs_the_same_for_1_or_20_hits() {
    let app = TestApp::spawn().await;
    let agent = app.staff_token(Role::Agent).await;
    let query = "{ searchCustomers(filter: { name: \"张\" }, first: 20) { edges { node { id fullName mobile profile { id preferences { paymentDay } financialStatus { assets } consents { purpose } } } } } }";
    complete_customer(&app, "13800002000").await;
    let (one, with_one) = app.gql_counted(query, json!({}), Some(&agent)).await;
    assert!(one["errors"].is_null(), "{one}");
    assert_eq!(
        one["data"]["searchCustomers"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    for i in 1..20 {
        complete_customer(&app, &format!("138000020{i:02}")).await;
    }
    let (page, with_twenty) = app.gql_counted(query, json!({}), Some(&agent)).await;
    assert!(page["errors"].is_null(), "{page}");
    let edges = page["data"]["searchCustomers"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 20);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["profile"]["consents"].as_array().map(Vec::len) == Some(2)),
        "{page}"
    );
    assert_eq!(
        with_one, with_twenty,
        "a page of 20 costs what a page of 1 costs"
    );
    // Session, the search, the profiles (with one-to-one children), the consents.
    assert_eq!(with_twenty, 4, "{page}");
    // Without profiles the page is the session and the search.
    let (_, plain) = app
        .gql_counted(
            "{ searchCustomers(filter: { name: \"张\" }, first: 20) { edges { node { id fullName mobile idNumber birthDate } } } }",
            json!({}),
            Some(&agent),
        )
        .await;
    assert_eq!(plain, 2);
}

//! The demo data a newcomer walks through: loadable twice, and complete enough to assess
//! the first demo customer with the bank's own ledger as the bureau.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_data_loads_twice_and_walks_through_stage_one() {
    let app = TestApp::spawn().await;
    fenqi::demo::seed(app.platform.domain())
        .await
        .expect("first seed");
    fenqi::demo::seed(app.platform.domain())
        .await
        .expect("second seed changes nothing");

    for login in fenqi::demo::logins() {
        app.login(login.login, login.password).await;
    }
    let token = app.login("13800138001", "demo-customer-pass").await;
    let me = app
        .gql("{ myCustomerProfile { id fullName idNumber bankAccounts { cardNumber } consents { purpose } } }", json!({}), Some(&token))
        .await;
    let profile = &me["data"]["myCustomerProfile"];
    assert_eq!(profile["fullName"], "Zhang Wei", "{me}");
    assert_eq!(profile["idNumber"], "110***********1239");
    assert_eq!(profile["consents"].as_array().unwrap().len(), 2);
    let id = profile["id"].as_str().unwrap();

    let assessed = app
        .gql("mutation($id: ID!) { assessRisk(customerId: $id) { decision grade reasons { code message } } }", json!({ "id": id }), Some(&token))
        .await;
    let a = &assessed["data"]["assessRisk"];
    assert!(a["decision"].is_string(), "{assessed}");
    let report = app
        .gql(
            "query($id: ID!) { customer(id: $id) { creditReport { source score } } }",
            json!({ "id": id }),
            Some(&token),
        )
        .await;
    assert_eq!(
        report["data"]["customer"]["creditReport"]["source"], "internal",
        "{report}"
    );
    assert!(report["data"]["customer"]["creditReport"]["score"].is_null());
}

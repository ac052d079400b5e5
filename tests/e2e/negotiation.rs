//! Personalized plans over GraphQL: an application with the bank's own platform selected
//! gets 3–6 options that each pass every limit, one recommended; "what if" answers a
//! budget and a term without storing anything; before a platform is selected there are
//! no options.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::risk::ready_customer;

const OPTIONS: &str = "query($id: ID!) { applicationOptions(applicationId: $id) { platformCode grade maxInstallment options { productCode frequency periods firstPayment largestPayment monthlyEquivalent totalInterest apr recommended reason schedule { entries { period payment } } } blockedBy { code message } unblock } }";
const WHAT_IF: &str = "query($id: ID!, $b: Decimal, $p: Int) { whatIf(applicationId: $id, budget: $b, periods: $p) { plan { periods frequency monthlyEquivalent firstPayment apr } breaks { code } explanation } }";

/// An application with the bank's own platform selected (consent given).
pub async fn selected(app: &TestApp, token: &str) -> String {
    let res = app
        .gql("mutation { openApplication(input: { amount: \"12000\", purpose: \"a design course\", periods: 12, frequency: MONTHLY, paymentDay: 10 }) { id } }", json!({}), Some(token))
        .await;
    let id = res["data"]["openApplication"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let platforms = app
        .gql(
            "{ installmentPlatforms { code disclosure { version sha256 } } }",
            json!({}),
            Some(token),
        )
        .await;
    let d = &platforms["data"]["installmentPlatforms"][0]["disclosure"];
    let res = app
        .gql(
            "mutation($id: ID!, $v: Int!, $h: String!) { acceptDisclosure(applicationId: $id, platformCode: \"internal\", version: $v, sha256: $h) { version } }",
            json!({ "id": id, "v": d["version"], "h": d["sha256"] }),
            Some(token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let res = app
        .gql(
            "mutation($id: ID!) { selectPlatform(applicationId: $id, platformCode: \"internal\", productCode: \"standard\") { status } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    assert_eq!(
        res["data"]["selectPlatform"]["status"], "PLATFORM_SELECTED",
        "{res}"
    );
    id
}

fn money(v: &Value) -> f64 {
    // Only for comparing figures in a test; the API never gives a float.
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

#[tokio::test]
async fn a_selected_application_gets_options_that_fit_and_what_if_answers() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let id = selected(&app, &token).await;

    let res = app.gql(OPTIONS, json!({ "id": id }), Some(&token)).await;
    let answer = &res["data"]["applicationOptions"];
    assert_eq!(answer["platformCode"], "internal", "{res}");
    let options = answer["options"].as_array().cloned().unwrap_or_default();
    assert!((3..=6).contains(&options.len()), "{res}");
    let max = money(&answer["maxInstallment"]);
    for o in &options {
        assert!(money(&o["monthlyEquivalent"]) <= max, "{o}");
        assert!(money(&o["apr"]) <= 0.24, "{o}");
        let entries = o["schedule"]["entries"].as_array().map(Vec::len);
        assert_eq!(entries, o["periods"].as_u64().map(|p| p as usize), "{o}");
    }
    let recommended: Vec<&Value> = options
        .iter()
        .filter(|o| o["recommended"] == true)
        .collect();
    assert_eq!(recommended.len(), 1, "{res}");
    assert!(
        recommended[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("Recommended")),
        "{res}"
    );
    assert_eq!(answer["blockedBy"], json!([]));

    // A budget gives the shortest term that fits it; a term gives its payments.
    let res = app
        .gql(WHAT_IF, json!({ "id": id, "b": "600" }), Some(&token))
        .await;
    let plan = &res["data"]["whatIf"]["plan"];
    assert!(money(&plan["monthlyEquivalent"]) <= 600.0, "{res}");
    let shortest_months = plan["periods"].as_u64().unwrap_or(0)
        * if plan["frequency"] == "QUARTERLY" {
            3
        } else {
            1
        };
    assert!(
        shortest_months >= 18,
        "12,000 yuan at 600 a month needs 18 months or more: {res}"
    );
    let res = app
        .gql(WHAT_IF, json!({ "id": id, "p": 6 }), Some(&token))
        .await;
    assert_eq!(res["data"]["whatIf"]["plan"]["periods"], 6, "{res}");
    assert!(
        res["data"]["whatIf"]["explanation"]
            .as_str()
            .is_some_and(|e| e.starts_with("6 installments")),
        "{res}"
    );
    let res = app
        .gql(
            WHAT_IF,
            json!({ "id": id, "p": 6, "b": "600" }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
}

#[tokio::test]
async fn no_options_before_a_platform_is_selected() {
    let app = TestApp::spawn().await;
    let (token, _) = ready_customer(&app).await;
    let res = app
        .gql("mutation { openApplication(input: { amount: \"12000\", purpose: \"a design course\", periods: 12, frequency: MONTHLY, paymentDay: 10 }) { id } }", json!({}), Some(&token))
        .await;
    let id = res["data"]["openApplication"]["id"].clone();
    let res = app.gql(OPTIONS, json!({ "id": id }), Some(&token)).await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
}

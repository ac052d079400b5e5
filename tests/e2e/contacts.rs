//! The contact log: an agent records contacts about an application; one at night or in
//! the customer's quiet hours is flagged; a next step that falls due is on the agent's
//! work list until the next contact; the customer reads their own log, beside their
//! preferences, and another customer cannot.

use domain::auth::Role;
use serde_json::json;

use crate::helpers::{TestApp, error_code};
use crate::risk::ready_customer;

const LOG: &str = "mutation($i: LogContactInput!) { logContact(input: $i) { id medium direction quietHours nextStep nextStepDue occurredAt } }";
const READ: &str = "query($id: ID!) { contacts(applicationId: $id) { preferredChannels quietHoursStart quietHoursEnd entries { summary quietHours nextStepDoneAt } } }";
const WORK: &str = "{ contactWorkList { applicationId nextStep nextStepDue } }";

#[tokio::test]
async fn contacts_are_flagged_in_quiet_hours_and_next_steps_make_the_work_list() {
    let app = TestApp::spawn().await;
    let (token, customer_id) = ready_customer(&app).await;
    let res = app
        .gql("mutation($id: ID!) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 10, channels: [SMS, APP], quietHoursStart: \"12:00\", quietHoursEnd: \"13:30\" }) { channels } }", json!({ "id": customer_id }), Some(&token))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let res = app
        .gql("mutation { openApplication(input: { amount: \"12000\", purpose: \"a design course\", periods: 12, frequency: MONTHLY, paymentDay: 10 }) { id } }", json!({}), Some(&token))
        .await;
    let id = res["data"]["openApplication"]["id"].clone();
    let agent = app.staff_token(Role::Agent).await;

    // 23:00 in Shanghai: the guideline's night.
    let night = app
        .gql(LOG, json!({ "i": { "applicationId": id, "medium": "PHONE", "direction": "OUTBOUND", "summary": "Called about the course fee.", "occurredAt": "2026-11-28T15:00:00Z" } }), Some(&agent))
        .await;
    assert!(
        night["data"]["logContact"]["quietHours"]
            .as_str()
            .is_some_and(|r| r.contains("22:00–08:00")),
        "{night}"
    );
    // 12:30: the customer's own quiet hours.
    let lunch = app
        .gql(LOG, json!({ "i": { "applicationId": id, "medium": "SMS", "direction": "OUTBOUND", "summary": "Sent the list of documents.", "occurredAt": "2026-11-28T04:30:00Z" } }), Some(&agent))
        .await;
    assert!(
        lunch["data"]["logContact"]["quietHours"]
            .as_str()
            .is_some_and(|r| r.contains("customer's quiet hours 12:00–13:30")),
        "{lunch}"
    );
    // 10:00 with a next step due today.
    let ok = app
        .gql(LOG, json!({ "i": { "applicationId": id, "medium": "IN_PERSON", "direction": "INBOUND", "summary": "Came to the branch with the payslips.", "nextStep": "Call back with the options", "nextStepDue": "2026-11-29" } }), Some(&agent))
        .await;
    assert_eq!(
        ok["data"]["logContact"]["quietHours"],
        serde_json::Value::Null,
        "{ok}"
    );
    let work = app.gql(WORK, json!({}), Some(&agent)).await;
    assert_eq!(
        work["data"]["contactWorkList"][0]["nextStep"], "Call back with the options",
        "{work}"
    );

    // A next step without its day is refused; one in the future is not.
    let res = app
        .gql(LOG, json!({ "i": { "applicationId": id, "medium": "PHONE", "direction": "OUTBOUND", "summary": "x y", "nextStep": "again" } }), Some(&agent))
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    let res = app
        .gql(LOG, json!({ "i": { "applicationId": id, "medium": "PHONE", "direction": "OUTBOUND", "summary": "Called back with the options.", "occurredAt": "2030-01-01T02:00:00Z" } }), Some(&agent))
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");

    // The next contact marks the step done.
    let res = app
        .gql(LOG, json!({ "i": { "applicationId": id, "medium": "PHONE", "direction": "OUTBOUND", "summary": "Called back with the options." } }), Some(&agent))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let work = app.gql(WORK, json!({}), Some(&agent)).await;
    assert_eq!(work["data"]["contactWorkList"], json!([]), "{work}");

    // The customer reads their own log, beside their preferences.
    let log = app.gql(READ, json!({ "id": id }), Some(&token)).await;
    let read = &log["data"]["contacts"];
    assert_eq!(read["preferredChannels"], json!(["SMS", "APP"]), "{log}");
    assert_eq!(read["quietHoursStart"], "12:00");
    assert_eq!(read["entries"].as_array().map(Vec::len), Some(4), "{log}");
    assert_eq!(
        read["entries"][0]["summary"],
        "Called back with the options."
    );
    // Customers do not record contacts.
    let res = app
        .gql(LOG, json!({ "i": { "applicationId": id, "medium": "CHAT", "direction": "INBOUND", "summary": "Hello there" } }), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("FORBIDDEN"), "{res}");
}

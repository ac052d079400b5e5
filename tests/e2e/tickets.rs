//! Tickets (stage 6) over GraphQL: a customer's problem answered by staff, its status
//! through its life, the customer's own tickets only, and the escalation of a ticket past
//! its service level by the worker's job on the clock.

use chrono::Duration;
use domain::auth::Role;
use domain::clock::Clock;
use serde_json::{Value, json};
use worker::JobOutcome;

use crate::customers::{MOBILE, onboarded_customer};
use crate::helpers::{Options, TestApp, error_code};
use crate::jobs::wait;

const OPEN: &str = "mutation($i: OpenTicketInput!) { openTicket(input: $i) { id customerId status priority category subject firstResponseDue resolutionDue firstRespondedAt breach reopened messages { fromCustomer body attachments { name sha256 size } } } }";
const REPLY: &str = "mutation($id: ID!, $b: String!) { replyToTicket(ticketId: $id, body: $b) { status firstRespondedAt messages { fromCustomer body } } }";
const STATUS: &str = "mutation($id: ID!, $s: TicketStatus!) { changeTicketStatus(ticketId: $id, status: $s) { status reopened resolvedAt closedAt } }";
const TICKET: &str = "query($id: ID!) { ticket(id: $id) { id status escalatedAt escalationReason breach messages { body } } }";
const TICKETS: &str = "query($f: TicketFilterInput) { tickets(filter: $f) { edges { node { id status subject escalatedAt } } } }";
const MESSAGES: &str = "{ myMessages { messages { kind subject body } } }";

const OTHER_MOBILE: &str = "13987654321";
const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

async fn ok(app: &TestApp, query: &str, variables: Value, token: &str) -> Value {
    let res = app.gql(query, variables, Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"].clone()
}

async fn refused(app: &TestApp, query: &str, variables: Value, token: &str) -> String {
    let res = app.gql(query, variables, Some(token)).await;
    assert!(res["data"].is_null() || !res["errors"].is_null(), "{res}");
    error_code(&res)
        .unwrap_or_else(|| panic!("{res}"))
        .to_owned()
}

fn ticket_input(priority: &str) -> Value {
    json!({
        "category": "REPAYMENT",
        "priority": priority,
        "subject": "扣款两次 / debited twice",
        "body": "My installment was debited twice this month.",
        "attachments": [{ "name": "statement.pdf", "sha256": SHA, "size": 20480 }]
    })
}

async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
    ok(app, MESSAGES, json!({}), token).await["myMessages"]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_customer_and_staff_work_a_ticket_through_its_life_and_nobody_else_sees_it() {
    let app = TestApp::spawn().await;
    let (mine, my_id) = onboarded_customer(&app, MOBILE).await;
    let (other, other_id) = onboarded_customer(&app, OTHER_MOBILE).await;
    let agent = app.staff_token(Role::Agent).await;
    let opened_at = app.clock.now();

    let t = ok(&app, OPEN, json!({ "i": ticket_input("HIGH") }), &mine).await["openTicket"].clone();
    let id = t["id"].as_str().expect("id").to_owned();
    assert_eq!(t["status"], "OPEN");
    assert_eq!(t["customerId"], my_id.as_str());
    assert_eq!(t["reopened"], 0);
    assert!(t["breach"].is_null());
    assert!(t["firstRespondedAt"].is_null());
    // HIGH: a first answer within 4 hours, resolved within 24.
    let due = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().expect("time")).expect("rfc3339")
    };
    assert_eq!(due(&t["firstResponseDue"]), opened_at + Duration::hours(4));
    assert_eq!(due(&t["resolutionDue"]), opened_at + Duration::hours(24));
    assert_eq!(t["messages"][0]["attachments"][0]["sha256"], SHA);
    assert_eq!(t["messages"][0]["fromCustomer"], true);

    // Another customer: not found, whatever they try; their list is empty.
    for (query, vars) in [
        (TICKET, json!({ "id": id })),
        (REPLY, json!({ "id": id, "b": "me too" })),
        (STATUS, json!({ "id": id, "s": "CLOSED" })),
    ] {
        assert_eq!(refused(&app, query, vars, &other).await, "NOT_FOUND");
    }
    let theirs = ok(&app, TICKETS, json!({}), &other).await;
    assert_eq!(theirs["tickets"]["edges"], json!([]));
    let own = ok(&app, TICKETS, json!({}), &mine).await;
    assert_eq!(own["tickets"]["edges"][0]["node"]["id"], id.as_str());
    // A customer cannot name someone else as the ticket's customer: it is theirs anyway.
    let input =
        json!({ "customerId": other_id, "category": "OTHER", "subject": "hi", "body": "x" });
    let t2 = ok(&app, OPEN, json!({ "i": input }), &mine).await;
    assert_eq!(t2["openTicket"]["customerId"], my_id.as_str());

    // Staff answer: in progress, first response on record, the customer is told.
    let answered = ok(
        &app,
        REPLY,
        json!({ "id": id, "b": "We are looking at it." }),
        &agent,
    )
    .await;
    assert_eq!(answered["replyToTicket"]["status"], "IN_PROGRESS");
    assert!(!answered["replyToTicket"]["firstRespondedAt"].is_null());
    assert!(
        kinds(&app, &mine)
            .await
            .contains(&"ticket_reply".to_owned())
    );

    // A question to the customer; their answer puts it back in progress.
    let s = ok(
        &app,
        STATUS,
        json!({ "id": id, "s": "WAITING_CUSTOMER" }),
        &agent,
    )
    .await;
    assert_eq!(s["changeTicketStatus"]["status"], "WAITING_CUSTOMER");
    let back = ok(
        &app,
        REPLY,
        json!({ "id": id, "b": "Here is my statement." }),
        &mine,
    )
    .await;
    assert_eq!(back["replyToTicket"]["status"], "IN_PROGRESS");
    assert_eq!(
        back["replyToTicket"]["messages"].as_array().map(Vec::len),
        Some(3)
    );

    // Only staff resolve; a customer closes a resolved ticket and may reopen it.
    assert_eq!(
        refused(&app, STATUS, json!({ "id": id, "s": "RESOLVED" }), &mine).await,
        "CONFLICT"
    );
    ok(&app, STATUS, json!({ "id": id, "s": "RESOLVED" }), &agent).await;
    assert_eq!(
        refused(&app, REPLY, json!({ "id": id, "b": "one more" }), &mine).await,
        "CONFLICT"
    );
    let closed = ok(&app, STATUS, json!({ "id": id, "s": "CLOSED" }), &mine).await;
    assert_eq!(closed["changeTicketStatus"]["status"], "CLOSED");
    app.clock.advance(Duration::days(6));
    // Sessions do not last days: sign in again.
    let mine = app.login(MOBILE, "a good password").await;
    let agent = app.staff_token(Role::Agent).await;
    let reopened = ok(&app, STATUS, json!({ "id": id, "s": "IN_PROGRESS" }), &mine).await;
    assert_eq!(reopened["changeTicketStatus"]["reopened"], 1);
    assert!(reopened["changeTicketStatus"]["closedAt"].is_null());
    ok(&app, STATUS, json!({ "id": id, "s": "RESOLVED" }), &agent).await;
    app.clock.advance(Duration::days(8));
    let mine = app.login(MOBILE, "a good password").await;
    let other = app.login(OTHER_MOBILE, "a good password").await;
    let agent = app.staff_token(Role::Agent).await;
    assert_eq!(
        refused(&app, STATUS, json!({ "id": id, "s": "IN_PROGRESS" }), &mine).await,
        "CONFLICT"
    );

    // An agent opens one for a customer: answered from the start.
    let input = json!({ "customerId": other_id, "category": "HARDSHIP", "subject": "Call about a payment holiday", "body": "Customer called; asked for a call back." });
    let by_agent = ok(&app, OPEN, json!({ "i": input }), &agent).await["openTicket"].clone();
    assert_eq!(by_agent["status"], "IN_PROGRESS");
    assert_eq!(by_agent["priority"], "NORMAL");
    assert!(!by_agent["firstRespondedAt"].is_null());
    let theirs = ok(&app, TICKETS, json!({}), &other).await;
    assert_eq!(theirs["tickets"]["edges"].as_array().map(Vec::len), Some(1));
    // Staff see every ticket, and filter.
    let all = ok(
        &app,
        TICKETS,
        json!({ "f": { "status": "RESOLVED" } }),
        &agent,
    )
    .await;
    assert_eq!(all["tickets"]["edges"].as_array().map(Vec::len), Some(1));

    // Bad input is refused with the field to fix.
    let mut bad = ticket_input("LOW");
    bad["attachments"][0]["sha256"] = json!("not-a-hash");
    assert_eq!(
        refused(&app, OPEN, json!({ "i": bad }), &mine).await,
        "VALIDATION"
    );
    let mut bad = ticket_input("LOW");
    bad["subject"] = json!(" ");
    assert_eq!(
        refused(&app, OPEN, json!({ "i": bad }), &mine).await,
        "VALIDATION"
    );
    let input = json!({ "category": "OTHER", "subject": "no customer", "body": "x" });
    assert_eq!(
        refused(&app, OPEN, json!({ "i": input }), &agent).await,
        "VALIDATION"
    );
}

#[tokio::test]
async fn a_ticket_past_its_service_level_is_escalated_once_by_the_worker() {
    let app = TestApp::spawn_with(Options {
        worker: true,
        settings: vec![("FENQI_TICKET_ESCALATION_SCHEDULE", "* * * * * *".into())],
        ..Options::default()
    })
    .await;
    let (mine, _) = onboarded_customer(&app, MOBILE).await;
    let agent = app.staff_token(Role::Agent).await;
    let urgent = ok(&app, OPEN, json!({ "i": ticket_input("URGENT") }), &mine).await;
    let id = urgent["openTicket"]["id"].as_str().expect("id").to_owned();
    let calm = ok(&app, OPEN, json!({ "i": ticket_input("LOW") }), &mine).await;
    let calm_id = calm["openTicket"]["id"].as_str().expect("id").to_owned();
    let mut events = app.platform.job_events();

    // Within the hour nothing happens.
    let event = wait(&mut events, "escalate_tickets", None).await;
    assert!(
        matches!(event.outcome, JobOutcome::AlreadyDone),
        "{event:?}"
    );

    // Two hours on, the urgent ticket has had no answer: escalated, once.
    app.clock.advance(Duration::hours(2));
    let event = loop {
        let event = wait(&mut events, "escalate_tickets", None).await;
        if !matches!(event.outcome, JobOutcome::AlreadyDone) {
            break event;
        }
    };
    assert!(
        matches!(&event.outcome, JobOutcome::Done(s) if s.starts_with("1 ")),
        "{event:?}"
    );
    let t = ok(&app, TICKET, json!({ "id": id }), &agent).await["ticket"].clone();
    assert!(!t["escalatedAt"].is_null());
    assert_eq!(
        t["escalationReason"],
        "no first response within the service level"
    );
    assert_eq!(t["breach"], "no first response within the service level");
    let calm = ok(&app, TICKET, json!({ "id": calm_id }), &agent).await["ticket"].clone();
    assert!(calm["escalatedAt"].is_null(), "{calm}");
    assert!(calm["breach"].is_null());
    // The supervisors' queue holds it; the customer was told once.
    let queue = ok(&app, TICKETS, json!({ "f": { "escalated": true } }), &agent).await;
    let ids: Vec<&str> = queue["tickets"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["id"].as_str())
        .collect();
    assert_eq!(ids, vec![id.as_str()]);
    let event = wait(&mut events, "escalate_tickets", None).await;
    assert!(
        matches!(event.outcome, JobOutcome::AlreadyDone),
        "{event:?}"
    );
    let told = kinds(&app, &mine).await;
    assert_eq!(
        told.iter().filter(|k| *k == "ticket_escalated").count(),
        1,
        "{told:?}"
    );
}

//! Follow-ups (stage 6) on the clock: the worker's daily rules make the activation call
//! a week after a plan opens and the periodic one 90 days later, each once; a second
//! failed debit calls for one too; an agent records the outcome, a problem found opens a
//! ticket in the same step; customers answer a satisfaction survey in the app.

use chrono::Duration;
use domain::auth::Role;
use serde_json::{Value, json};
use worker::JobOutcome;

use crate::customers::MOBILE;
use crate::helpers::{Options, TestApp, error_code};
use crate::jobs::wait;
use crate::repayment::{ActivePlan, active_plan, at, close_and_debit, day};

const TASKS: &str = "query($f: FollowUpFilterInput) { followUpTasks(filter: $f) { edges { node { id reason status dueOn assignedTo planId customerId } } } }";
const RECORD: &str = "mutation($id: ID!, $i: FollowUpOutcomeInput!) { recordFollowUp(taskId: $id, input: $i) { status reached channel satisfaction ticketId problems } }";
const SURVEY: &str = "mutation($i: SurveyInput!) { submitSurvey(input: $i) }";
const MY_TICKETS: &str = "{ tickets { edges { node { id subject status } } } }";

async fn ok(app: &TestApp, query: &str, variables: Value, token: &str) -> Value {
    let res = app.gql(query, variables, Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"].clone()
}

async fn tasks(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    ok(app, TASKS, json!({ "f": filter }), token).await["followUpTasks"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// Waits for the next run of the follow-up job that made something.
async fn next_made(events: &mut tokio::sync::broadcast::Receiver<worker::JobEvent>) -> String {
    loop {
        let event = wait(events, "follow_ups", None).await;
        match event.outcome {
            JobOutcome::Done(text) => return text,
            JobOutcome::AlreadyDone => continue,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn the_rules_fire_on_the_clock_and_an_agent_records_the_outcome_with_a_ticket() {
    let app = TestApp::spawn_with(Options {
        worker: true,
        settings: vec![("FENQI_FOLLOW_UP_SCHEDULE", "* * * * * *".into())],
        ..Options::default()
    })
    .await;
    let ActivePlan { plan, .. } = active_plan(&app).await;
    let mut events = app.platform.job_events();
    // The day the plan opens: nothing is due yet.
    let event = wait(&mut events, "follow_ups", None).await;
    assert!(
        matches!(event.outcome, JobOutcome::AlreadyDone),
        "{event:?}"
    );

    // A week on: the activation call, once, assigned to an agent.
    app.clock.advance(Duration::days(8));
    assert_eq!(next_made(&mut events).await, "1 follow-up(s) scheduled");
    let event = wait(&mut events, "follow_ups", None).await;
    assert!(
        matches!(event.outcome, JobOutcome::AlreadyDone),
        "{event:?}"
    );
    let agent = app.staff_token(Role::Agent).await;
    let open = tasks(&app, &agent, json!({ "status": "OPEN" })).await;
    assert_eq!(open.len(), 1, "{open:?}");
    let task = &open[0];
    assert_eq!(task["reason"], "ACTIVATION");
    assert_eq!(task["planId"], plan.id.to_string());
    assert!(!task["assignedTo"].is_null(), "{task}");
    let id = task["id"].as_str().expect("id").to_owned();

    // Bad outcomes are refused with what to fix.
    for bad in [
        json!({ "reached": true, "channel": "FAX" }),
        json!({ "reached": true, "channel": "PHONE", "satisfaction": 6 }),
        json!({ "reached": false, "channel": "PHONE", "satisfaction": 3 }),
    ] {
        let res = app
            .gql(RECORD, json!({ "id": id, "i": bad }), Some(&agent))
            .await;
        assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    }

    // Reached, unhappy, a problem: the ticket opens with the follow-up.
    let input = json!({
        "reached": true, "channel": "PHONE", "satisfaction": 2,
        "notes": "Says the first debit took the wrong amount.",
        "problem": { "category": "REPAYMENT", "priority": "HIGH",
                     "subject": "First debit amount questioned",
                     "description": "Customer believes 12.34 yuan too much was taken." }
    });
    let done = ok(
        &app,
        RECORD,
        json!({ "id": id, "i": input.clone() }),
        &agent,
    )
    .await;
    let done = &done["recordFollowUp"];
    assert_eq!(done["status"], "DONE");
    assert_eq!(done["satisfaction"], 2);
    assert_eq!(done["problems"], "First debit amount questioned");
    assert!(!done["ticketId"].is_null());
    let again = app
        .gql(RECORD, json!({ "id": id, "i": input }), Some(&agent))
        .await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    let customer = app.login(MOBILE, "a good password").await;
    let mine = ok(&app, MY_TICKETS, json!({}), &customer).await;
    assert_eq!(mine["tickets"]["edges"][0]["node"]["id"], done["ticketId"]);
    assert_eq!(mine["tickets"]["edges"][0]["node"]["status"], "IN_PROGRESS");

    // The customer answers a survey in the app.
    let answered = ok(
        &app,
        SURVEY,
        json!({ "i": { "score": 4, "comment": "Sorted quickly.", "planId": plan.id.to_string() } }),
        &customer,
    )
    .await;
    assert_eq!(answered["submitSurvey"], true);
    let res = app
        .gql(SURVEY, json!({ "i": { "score": 0 } }), Some(&customer))
        .await;
    assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
    let res = app
        .gql(
            SURVEY,
            json!({ "i": { "score": 3, "planId": uuid::Uuid::now_v7().to_string() } }),
            Some(&customer),
        )
        .await;
    assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");

    // Ninety days after the first call: the periodic one.
    app.clock.advance(Duration::days(90));
    assert_eq!(next_made(&mut events).await, "1 follow-up(s) scheduled");
    let agent = app.staff_token(Role::Agent).await;
    let open = tasks(&app, &agent, json!({ "status": "OPEN" })).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["reason"], "PERIODIC");
}

#[tokio::test]
async fn a_second_failed_debit_calls_for_a_follow_up_once() {
    let app = TestApp::spawn().await;
    let ActivePlan { entries, .. } = active_plan(&app).await;
    let due = day(&entries[0].due_date);
    at(&app, due);
    close_and_debit(&app).await;
    at(&app, due + chrono::Days::new(1));
    close_and_debit(&app).await;
    let domain = app.platform.domain();
    let made = domain
        .schedule_follow_ups(domain.business_date())
        .await
        .expect("rules");
    // The activation call (due a week after opening, within the catch-up) and the
    // failed debit's.
    assert!(made >= 1, "{made}");
    assert_eq!(
        domain
            .schedule_follow_ups(domain.business_date())
            .await
            .expect("rules again"),
        0,
        "nothing twice"
    );
    let agent = app.staff_token(Role::Agent).await;
    let open = tasks(&app, &agent, json!({ "status": "OPEN" })).await;
    let failed: Vec<&Value> = open
        .iter()
        .filter(|t| t["reason"] == "FAILED_DEBIT")
        .collect();
    assert_eq!(failed.len(), 1, "{open:?}");
    assert_eq!(failed[0]["dueOn"], (due + chrono::Days::new(1)).to_string());
}

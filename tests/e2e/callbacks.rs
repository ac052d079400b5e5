//! Partners' callbacks and daily reconciliation over real HTTP, against the partner
//! simulator: duplicated, reordered and replayed callbacks change state once; forged and
//! stale signatures get 401, an unknown platform 404, a malformed body 400; an event for
//! a plan we do not know is kept for staff; reconciliation finds a planted mismatch of
//! each kind, and staff resolve one with a note.

use adapters::simulators::partner::{CallbackFault, PartnerHandle};
use chrono::{NaiveDate, Utc};
use domain::auth::Role;
use domain::platforms::port::{
    CollectOutcome, CollectRequest, MovementStatus, OpenPlanRequest, PlanFrequency, PlanMethod,
    PlanState, PricingTerms, StatementLine,
};
use entities::{installment_plan, platform_event, platform_payment};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, error_code};
use crate::platforms::{dearer_products, partner};

/// Opens a plan at the partner and records it as ours (stage 4 will do this on signing).
async fn plan(app: &TestApp, sim: &PartnerHandle, code: &str) -> (Uuid, String) {
    let status = sim
        .open_plan_direct(&OpenPlanRequest {
            idempotency_key: Uuid::now_v7().to_string(),
            application_id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            product_code: "x-standard".into(),
            amount_fen: 1_200_000,
            periods: 12,
            frequency: PlanFrequency::Monthly,
            pricing: PricingTerms {
                product_code: "x-standard".into(),
                method: PlanMethod::EqualInstallment,
                annual_rate: Decimal::new(10, 2),
                period_fee_rate: None,
            },
            payment_day: 10,
            start_date: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default(),
        })
        .expect("plan");
    let (_, customer_id) = crate::customers::onboarded_customer(app, "13800005001").await;
    let customer_id = Uuid::parse_str(&customer_id).expect("customer id");
    let id = Uuid::now_v7();
    let pg = app.db().get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let sql = if pg {
        "INSERT INTO installment_plan (id, customer_id, status, principal_fen, days_past_due, opened_at, platform_code, external_ref, status_sequence) VALUES ($1, $2, 'active', 1200000, 0, 0, $3, $4, 1)"
    } else {
        "INSERT INTO installment_plan (id, customer_id, status, principal_fen, days_past_due, opened_at, platform_code, external_ref, status_sequence) VALUES (?, ?, 'active', 1200000, 0, 0, ?, ?, 1)"
    };
    app.db()
        .execute_raw(Statement::from_sql_and_values(
            app.db().get_database_backend(),
            sql,
            [
                id.into(),
                customer_id.into(),
                code.into(),
                status.plan_ref.clone().into(),
            ],
        ))
        .await
        .expect("plan row");
    (id, status.plan_ref)
}

async fn collect(app: &TestApp, code: &str, plan_ref: &str, key: &str, fen: i64) -> String {
    let platform = app
        .platform
        .domain()
        .platform(code)
        .await
        .expect("platform");
    match platform
        .collect(&CollectRequest {
            idempotency_key: key.into(),
            customer_id: Uuid::now_v7(),
            plan_ref: plan_ref.into(),
            amount_fen: fen,
        })
        .await
        .expect("collect")
    {
        CollectOutcome::Succeeded { reference } => reference,
        other => panic!("{other:?}"),
    }
}

async fn events(app: &TestApp) -> u64 {
    platform_event::Entity::find()
        .count(app.db())
        .await
        .expect("count")
}

async fn plan_status(app: &TestApp, id: Uuid) -> String {
    installment_plan::Entity::find_by_id(id)
        .one(app.db())
        .await
        .expect("read")
        .map(|p| p.status)
        .unwrap_or_default()
}

#[tokio::test]
async fn duplicated_reordered_and_replayed_callbacks_change_state_once() {
    let app = TestApp::spawn().await;
    let sim = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C"]),
        &["APP"],
    )
    .await;
    let (plan_id, plan_ref) = plan(&app, &sim, "partner-x").await;

    // A payment, its callback duplicated on the wire: applied once, answered twice.
    let reference = collect(&app, "partner-x", &plan_ref, "entry-1:1", 105_000).await;
    let event = sim.payment_event(&reference).expect("event");
    sim.set_callback_fault(CallbackFault::Duplicated);
    assert_eq!(sim.send_event(&event).await.expect("sent"), [200, 200]);
    sim.set_callback_fault(CallbackFault::None);
    let payments = platform_payment::Entity::find()
        .filter(platform_payment::Column::Reference.eq(reference.as_str()))
        .all(app.db())
        .await
        .expect("payments");
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].amount_fen, 105_000);
    assert_eq!(payments[0].plan_id, Some(plan_id));
    assert_eq!(events(&app).await, 1);

    // Replayed later (inside the time window): a duplicate, nothing changes.
    let res = send_raw(&app, &sim, &event).await;
    assert_eq!(res.0, 200);
    assert_eq!(res.1["status"], "duplicate");
    assert_eq!(events(&app).await, 1);

    // Two state changes delivered in reverse order: the later one wins, the earlier is
    // kept as stale, and re-delivering either changes nothing.
    sim.set_callback_fault(CallbackFault::Reordered);
    let cancelled = sim
        .change_plan_state(&plan_ref, PlanState::Cancelled)
        .expect("event");
    let earlier = json!(cancelled);
    let mut suspended = cancelled.clone();
    suspended.event_id = format!("{}-b", cancelled.event_id);
    suspended.sequence = cancelled.sequence - 1;
    suspended.state = Some(PlanState::Active);
    // Held: sent at flush, the later (cancelled) first.
    sim.send_event(&suspended).await.expect("held");
    sim.send_event(&cancelled).await.expect("held");
    let statuses = sim.flush_callbacks().await.expect("flushed");
    assert_eq!(statuses, [200, 200]);
    sim.set_callback_fault(CallbackFault::None);
    assert_eq!(plan_status(&app, plan_id).await, "cancelled", "{earlier}");
    let stale = platform_event::Entity::find()
        .filter(platform_event::Column::Outcome.eq(platform_event::EventOutcome::Stale))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(stale, 1);
    assert_eq!(sim.send_event(&cancelled).await.expect("sent"), [200]);
    assert_eq!(plan_status(&app, plan_id).await, "cancelled");
    assert_eq!(events(&app).await, 3);
}

/// Sends `event` signed as the simulator would, answering (status, body).
async fn send_raw(
    app: &TestApp,
    _sim: &PartnerHandle,
    event: &domain::platforms::port::CallbackEvent,
) -> (u16, Value) {
    let body = serde_json::to_vec(event).expect("json");
    post_signed(app, "partner-x", &body, crate::platforms::SECRET, 0).await
}

async fn post_signed(
    app: &TestApp,
    code: &str,
    body: &[u8],
    secret: &str,
    age_seconds: i64,
) -> (u16, Value) {
    let ts = domain::clock::Clock::now(app.clock.as_ref()).timestamp() - age_seconds;
    let signature = adapters::signing::sign(secret.as_bytes(), ts, body);
    let res = app
        .client
        .post(format!("{}/callbacks/{code}", app.base))
        .header("Content-Type", "application/json")
        .header("X-Fenqi-Timestamp", ts.to_string())
        .header("X-Fenqi-Signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn forged_stale_unknown_and_malformed_callbacks_are_refused_and_unknown_plans_kept() {
    let app = TestApp::spawn().await;
    let sim = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C"]),
        &["APP"],
    )
    .await;
    let (_, plan_ref) = plan(&app, &sim, "partner-x").await;
    let reference = collect(&app, "partner-x", &plan_ref, "entry-2:1", 50_000).await;
    let event = sim.payment_event(&reference).expect("event");
    let body = serde_json::to_vec(&event).expect("json");

    let forged = post_signed(&app, "partner-x", &body, "not-the-partner-secret!", 0).await;
    assert_eq!(forged.0, 401, "{forged:?}");
    assert_eq!(forged.1["error"]["code"], "bad_signature");
    let stale = post_signed(&app, "partner-x", &body, crate::platforms::SECRET, 600).await;
    assert_eq!(stale.0, 401, "{stale:?}");
    assert!(stale.1.to_string().contains("replay window"), "{stale:?}");
    let unsigned = app
        .client
        .post(format!("{}/callbacks/partner-x", app.base))
        .body(body.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(unsigned.status().as_u16(), 401);
    let unknown = post_signed(&app, "nobody", &body, crate::platforms::SECRET, 0).await;
    assert_eq!(unknown.0, 404, "{unknown:?}");
    let garbage = post_signed(
        &app,
        "partner-x",
        b"{\"eventId\": 7}",
        crate::platforms::SECRET,
        0,
    )
    .await;
    assert_eq!(garbage.0, 400, "{garbage:?}");
    assert_eq!(events(&app).await, 0, "nothing refused was kept");

    // The simulator's own forged and stale deliveries are refused the same way.
    sim.set_callback_fault(CallbackFault::Forged);
    assert_eq!(sim.send_event(&event).await.expect("sent"), [401]);
    sim.set_callback_fault(CallbackFault::Stale);
    assert_eq!(sim.send_event(&event).await.expect("sent"), [401]);
    sim.set_callback_fault(CallbackFault::None);

    // A plan we do not know: kept for staff, who review it.
    let mut orphan = event.clone();
    orphan.event_id = "evt-orphan".into();
    orphan.plan_ref = "PX-999999".into();
    let kept = send_raw(&app, &sim, &orphan).await;
    assert_eq!(kept.1["status"], "unmatched", "{kept:?}");
    let auditor = app.staff_token(Role::Auditor).await;
    let list = app
        .gql(
            "{ platformEvents { id eventId planRef outcome } }",
            json!({}),
            Some(&auditor),
        )
        .await;
    assert_eq!(
        list["data"]["platformEvents"][0]["eventId"], "evt-orphan",
        "{list}"
    );
    let id = list["data"]["platformEvents"][0]["id"].clone();
    let admin = app.staff_token(Role::Admin).await;
    let res = app
        .gql(
            "mutation($id: ID!) { reviewPlatformEvent(id: $id, note: \"partner's test plan, ignored\") { reviewedAt reviewNote } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    assert!(
        res["data"]["reviewPlatformEvent"]["reviewedAt"].is_string(),
        "{res}"
    );
    let list = app
        .gql("{ platformEvents { id } }", json!({}), Some(&auditor))
        .await;
    assert_eq!(list["data"]["platformEvents"], json!([]), "{list}");
}

#[tokio::test]
async fn reconciliation_finds_each_kind_of_planted_mismatch() {
    let app = TestApp::spawn().await;
    let sim = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C"]),
        &["APP"],
    )
    .await;
    let (_, plan_ref) = plan(&app, &sim, "partner-x").await;
    let mut references = Vec::new();
    for i in 0..5 {
        let reference = collect(
            &app,
            "partner-x",
            &plan_ref,
            &format!("entry-{i}:1"),
            10_000 + i,
        )
        .await;
        let event = sim.payment_event(&reference).expect("event");
        sim.send_event(&event).await.expect("sent");
        references.push(reference);
    }
    // Their statement: one movement left out, one amount changed, one we never heard of.
    sim.hide_from_statement(&references[1]);
    sim.alter_statement_amount(&references[2], 99_999);
    sim.plant_statement_line(StatementLine {
        reference: "PAY-PLANTED".into(),
        plan_ref: plan_ref.clone(),
        amount_fen: 4_200,
        status: MovementStatus::Succeeded,
        occurred_at: domain::clock::Clock::now(app.clock.as_ref()),
    });
    // Our record of another says it failed.
    platform_payment::Entity::update_many()
        .col_expr(
            platform_payment::Column::Status,
            sea_orm::sea_query::Expr::value(platform_payment::PaymentStatus::Failed),
        )
        .filter(platform_payment::Column::Reference.eq(references[3].as_str()))
        .exec(app.db())
        .await
        .expect("update");

    let admin = app.staff_token(Role::Admin).await;
    let day = domain::clock::Clock::now(app.clock.as_ref())
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let run = "mutation($p: String!, $d: Date!) { reconcilePlatform(platformCode: $p, date: $d) { id theirLines ourLines matched mismatches items { id kind reference ours theirs ourStatus theirStatus } } }";
    let res = app
        .gql(
            run,
            json!({ "p": "partner-x", "d": day.to_string() }),
            Some(&admin),
        )
        .await;
    let report = &res["data"]["reconcilePlatform"];
    assert_eq!(report["ourLines"], 5, "{res}");
    assert_eq!(report["theirLines"], 5, "{res}");
    assert_eq!(report["matched"], 2, "{res}");
    let mut kinds: Vec<(String, String)> = report["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap_or_default().to_owned(),
                i["reference"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    let mut expected = vec![
        ("AMOUNT_DIFFERS".to_owned(), references[2].clone()),
        ("MISSING_OURS".to_owned(), "PAY-PLANTED".to_owned()),
        ("MISSING_THEIRS".to_owned(), references[1].clone()),
        ("STATUS_DIFFERS".to_owned(), references[3].clone()),
    ];
    expected.sort();
    assert_eq!(kinds, expected, "{res}");

    // Once per day: running it again answers the same report.
    let again = app
        .gql(
            run,
            json!({ "p": "partner-x", "d": day.to_string() }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        again["data"]["reconcilePlatform"]["id"], report["id"],
        "{again}"
    );

    let item = report["items"][0]["id"].clone();
    let resolve = "mutation($id: ID!, $n: String!) { resolveReconciliationItem(id: $id, note: $n) { resolvedAt note } }";
    let res = app
        .gql(
            resolve,
            json!({ "id": item, "n": "called the partner; corrected" }),
            Some(&admin),
        )
        .await;
    assert!(
        res["data"]["resolveReconciliationItem"]["resolvedAt"].is_string(),
        "{res}"
    );
    let res = app
        .gql(resolve, json!({ "id": item, "n": "again" }), Some(&admin))
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
    let auditor = app.staff_token(Role::Auditor).await;
    let list = app
        .gql(
            "{ reconciliationReports(platformCode: \"partner-x\") { mismatches items { note } } }",
            json!({}),
            Some(&auditor),
        )
        .await;
    assert_eq!(
        list["data"]["reconciliationReports"][0]["mismatches"], 4,
        "{list}"
    );
    let agent = app.staff_token(Role::Agent).await;
    let res = app
        .gql("{ reconciliationReports { id } }", json!({}), Some(&agent))
        .await;
    assert_eq!(error_code(&res), Some("FORBIDDEN"), "{res}");
    let _ = Utc::now();
}

#[tokio::test]
async fn the_daily_job_reconciles_yesterday_once_through_the_queue() {
    use worker::JobOutcome;
    use worker::jobs::reconcile_platforms::{KIND, ReconcilePlatforms};

    let app = TestApp::spawn_with_worker().await;
    let mut events = app.platform.job_events();
    let sim = partner(
        &app,
        "partner-x",
        dearer_products(50, &["A", "B", "C"]),
        &["APP"],
    )
    .await;
    let (_, plan_ref) = plan(&app, &sim, "partner-x").await;
    for i in 0..3 {
        let reference = collect(
            &app,
            "partner-x",
            &plan_ref,
            &format!("entry-{i}:1"),
            20_000,
        )
        .await;
        let event = sim.payment_event(&reference).expect("event");
        sim.send_event(&event).await.expect("sent");
    }
    let day = domain::clock::Clock::now(app.clock.as_ref())
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    app.clock.advance(chrono::Duration::days(1));
    for round in 0..2 {
        app.platform
            .queue()
            .push(
                KIND,
                ReconcilePlatforms {
                    run_key: "manual-r".into(),
                },
            )
            .await
            .expect("queued");
        let event = crate::jobs::wait_for(&mut events, KIND, "manual-r").await;
        if round == 0 {
            assert!(
                matches!(&event.outcome, JobOutcome::Done(d) if d.starts_with("4 platform days reconciled")),
                "{:?}",
                event.outcome
            );
        } else {
            assert_eq!(event.outcome, JobOutcome::AlreadyDone);
        }
    }
    let auditor = app.staff_token(Role::Auditor).await;
    let list = app
        .gql(
            "{ reconciliationReports { statementDate matched mismatches } }",
            json!({}),
            Some(&auditor),
        )
        .await;
    let reports = list["data"]["reconciliationReports"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(reports.len(), 4, "yesterday and 3 days before: {list}");
    assert_eq!(reports[0]["statementDate"], day.to_string(), "{list}");
    assert_eq!(reports[0]["matched"], 3, "{list}");
    assert_eq!(reports[0]["mismatches"], 0, "{list}");
}

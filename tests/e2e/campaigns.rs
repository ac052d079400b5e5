//! Bulk follow-up campaigns (stage 6, 批量回访): a segment previewed and snapshotted, the
//! maker-checker approval above the approval size, the worker's batches touching each
//! member once (also across a `kill -9` of a real worker and a second worker queuing
//! everything again), pause, resume and cancel, quiet hours and consent, and a
//! subscriber hearing progress until the campaign completes.

use std::time::Duration;

use chrono::TimeZone;
use domain::aftercare::campaign_run::BatchRun;
use domain::auth::Role;
use domain::customers::consent::ConsentPurpose;
use entities::{consent, customer, customer_preference, installment_plan, outbox_message};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, Statement,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Options, TestApp, error_code};
use crate::processes::{FenqiProcess, eventually};
use crate::subscriptions::{Socket, next, subscribe_to};

const PREVIEW: &str = "query($s: SegmentInput!) { previewSegment(segment: $s) { size needsApproval sample { customerId fullName } } }";
const CREATE: &str = "mutation($i: CampaignInput!) { createCampaign(input: $i) { id status estimatedSize needsApproval } }";
const FIELDS: &str = "id status progress { total queued done failed skipped completion reasons { status reason members } }";

fn mutation(name: &str) -> String {
    format!("mutation($id: ID!) {{ {name}(id: $id) {{ {FIELDS} }} }}")
}

async fn ok(app: &TestApp, query: &str, variables: Value, token: &str) -> Value {
    let res = app.gql(query, variables, Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"].clone()
}

async fn campaign(app: &TestApp, id: &str, token: &str) -> Value {
    ok(
        app,
        &format!("query($id: ID!) {{ campaign(id: $id) {{ {FIELDS} }} }}"),
        json!({ "id": id }),
        token,
    )
    .await["campaign"]
        .clone()
}

/// `n` customers, each with one active plan on the bank's ledger in `bucket(i)`, SMS
/// and app as channels and a current consent to the processing of their data (unless
/// `withdrawn(i)`); answers their ids in order.
async fn seed_book(
    app: &TestApp,
    n: usize,
    bucket: impl Fn(usize) -> &'static str,
    withdrawn: impl Fn(usize) -> bool,
) -> Vec<Uuid> {
    let text = app
        .platform
        .domain()
        .consent_texts()
        .iter()
        .find(|t| t.purpose == ConsentPurpose::SensitivePersonalInformation)
        .expect("a consent text");
    let at = app.clock.now_millis();
    let mut ids = Vec::new();
    let (mut people, mut prefs, mut consents, mut plans) = (vec![], vec![], vec![], vec![]);
    for i in 0..n {
        let id = Uuid::now_v7();
        ids.push(id);
        people.push(customer::ActiveModel {
            id: Set(id),
            account_id: Set(None),
            full_name: Set(format!("客户{i:05}")),
            birth_date: Set(None),
            occupation: Set(None),
            employer: Set(None),
            monthly_income_fen: Set(None),
            address: Set(None),
            email: Set(None),
            mobile_enc: Set(None),
            mobile_hash: Set(None),
            id_number_enc: Set(None),
            id_number_hash: Set(None),
            preferred_language: Set("zh-CN".into()),
            status: Set("active".into()),
            created_by: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            anonymized_at: Set(None),
            identity_verified_at: Set(None),
            identity_verified_by: Set(None),
        });
        prefs.push(customer_preference::ActiveModel {
            customer_id: Set(id),
            frequency: Set("MONTHLY".into()),
            preferred_term_months: Set(12),
            payment_day: Set(10),
            max_monthly_budget_fen: Set(None),
            channels: Set("SMS,APP".into()),
            quiet_hours_start: Set(None),
            quiet_hours_end: Set(None),
            updated_at: Set(at),
        });
        consents.push(consent::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(id),
            purpose: Set(text.purpose.as_str().into()),
            version: Set(text.version.into()),
            text_hash: Set(text.hash()),
            channel: Set("app".into()),
            given_by: Set(None),
            given_at: Set(at),
            withdrawn_at: Set(withdrawn(i).then_some(at)),
        });
        plans.push(installment_plan::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(id),
            status: Set("active".into()),
            principal_fen: Set(1_200_000),
            days_past_due: Set(if bucket(i) == "CURRENT" { 0 } else { 10 }),
            last_delinquent_at: Set(None),
            opened_at: Set(at),
            closed_at: Set(None),
            application_id: Set(None),
            platform_code: Set(Some("internal".into())),
            external_ref: Set(Some(format!("INT-{id}"))),
            status_sequence: Set(1),
            delinquent_since: Set(None),
            bucket: Set(bucket(i).into()),
            terms: Set(None),
        });
    }
    let db = app.db();
    for chunk in people.chunks(100) {
        customer::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("customers");
    }
    for chunk in prefs.chunks(100) {
        customer_preference::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("preferences");
    }
    for chunk in consents.chunks(100) {
        consent::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("consents");
    }
    for chunk in plans.chunks(100) {
        installment_plan::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("plans");
    }
    ids
}

/// Campaign messages in the in-app inbox, and the most any one customer got.
async fn inbox_copies(app: &TestApp, kind: &str) -> (u64, i64) {
    let total = outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq(kind))
        .filter(outbox_message::Column::Channel.eq("app"))
        .count(app.db())
        .await
        .expect("count");
    let row = app
        .db()
        .query_one_raw(Statement::from_string(
            app.db().get_database_backend(),
            format!(
                "SELECT CAST(COALESCE(MAX(n), 0) AS BIGINT) AS most FROM (SELECT COUNT(*) AS n FROM outbox_message WHERE kind = '{kind}' AND channel = 'app' GROUP BY customer_id) AS per_customer"
            ),
        ))
        .await
        .expect("query")
        .expect("row");
    (total, row.try_get::<i64>("", "most").expect("most"))
}

fn message_content() -> Value {
    json!({
        "zh": { "subject": "还款提醒服务升级", "body": "我们升级了还款提醒，您可在 App 中设置提醒时间。" },
        "en": { "subject": "Better reminders", "body": "You can now choose when we remind you, in the app." }
    })
}

/// The subscription's data items until it completes.
async fn progress_until_complete(socket: &mut Socket) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let message = next(socket).await;
        match message["type"].as_str() {
            Some("next") => seen.push(message["payload"]["data"]["campaignProgress"].clone()),
            Some("complete") => return seen,
            _ => panic!("{message}"),
        }
    }
}

#[tokio::test]
async fn a_message_campaign_reaches_its_segment_once_after_a_second_staff_members_approval() {
    let app = TestApp::spawn_with(Options {
        worker: true,
        settings: vec![
            ("FENQI_CAMPAIGN_DISPATCH_SCHEDULE", "* * * * * *".into()),
            ("FENQI_CAMPAIGN_APPROVAL_SIZE", "5".into()),
            ("FENQI_CAMPAIGN_BATCH_SIZE", "10".into()),
        ],
        ..Options::default()
    })
    .await;
    // 24 customers: every fourth one is one month late; the third withdrew consent.
    let ids = seed_book(
        &app,
        24,
        |i| if i % 4 == 3 { "M1" } else { "CURRENT" },
        |i| i == 2,
    )
    .await;
    let agent = app.staff_token(Role::Agent).await;
    let admin = app.staff_token(Role::Admin).await;
    let second_admin = app.staff_token(Role::Admin).await;

    let current = json!({ "buckets": ["CURRENT"], "planStatuses": ["ACTIVE"], "platformCodes": ["internal"] });
    let preview =
        ok(&app, PREVIEW, json!({ "s": current }), &agent).await["previewSegment"].clone();
    assert_eq!(preview["size"], 18, "{preview}");
    assert_eq!(preview["needsApproval"], true);
    assert_eq!(preview["sample"].as_array().map(Vec::len), Some(10));
    let late = ok(&app, PREVIEW, json!({ "s": { "buckets": ["M1"] } }), &agent).await;
    assert_eq!(late["previewSegment"]["size"], 6);
    // Bad filters are refused with the field named.
    let bad = app
        .gql(
            PREVIEW,
            json!({ "s": { "riskGrades": ["Z"] } }),
            Some(&agent),
        )
        .await;
    assert_eq!(error_code(&bad), Some("VALIDATION"), "{bad}");

    // A message campaign needs its text.
    let textless = app
        .gql(
            CREATE,
            json!({ "i": { "name": "No text", "action": "MESSAGE", "segment": current } }),
            Some(&agent),
        )
        .await;
    assert_eq!(error_code(&textless), Some("VALIDATION"), "{textless}");
    let made = ok(
        &app,
        CREATE,
        json!({ "i": { "name": "提醒升级", "action": "MESSAGE", "segment": current, "content": message_content() } }),
        &agent,
    )
    .await["createCampaign"]
        .clone();
    assert_eq!(made["status"], "PENDING_APPROVAL", "{made}");
    assert_eq!(made["estimatedSize"], 18);
    let id = made["id"].as_str().expect("id").to_owned();

    // Above the approval size it does not launch; its maker cannot approve it.
    let early = app
        .gql(
            &mutation("launchCampaign"),
            json!({ "id": id }),
            Some(&agent),
        )
        .await;
    assert_eq!(error_code(&early), Some("CONFLICT"), "{early}");
    let own = ok(
        &app,
        CREATE,
        json!({ "i": { "name": "Admin's own", "action": "SURVEY", "segment": current } }),
        &admin,
    )
    .await["createCampaign"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let self_approved = app
        .gql(
            &mutation("approveCampaign"),
            json!({ "id": own }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        error_code(&self_approved),
        Some("FORBIDDEN"),
        "{self_approved}"
    );
    let approved = ok(
        &app,
        &mutation("approveCampaign"),
        json!({ "id": id }),
        &second_admin,
    )
    .await;
    assert_eq!(approved["approveCampaign"]["status"], "APPROVED");

    // A subscriber hears it from now until it completes.
    let mut socket = subscribe_to(
        &app.base,
        &agent,
        "subscription($id: ID!) { campaignProgress(campaignId: $id) { status progress { total done skipped queued } } }",
        json!({ "id": id }),
    )
    .await;
    let first = next(&mut socket).await;
    assert_eq!(
        first["payload"]["data"]["campaignProgress"]["status"], "APPROVED",
        "{first}"
    );

    let launched = ok(
        &app,
        &mutation("launchCampaign"),
        json!({ "id": id }),
        &agent,
    )
    .await;
    assert_eq!(launched["launchCampaign"]["status"], "RUNNING");
    assert_eq!(launched["launchCampaign"]["progress"]["total"], 18);
    let updates = progress_until_complete(&mut socket).await;
    let last = updates.last().expect("at least the completion");
    assert_eq!(last["status"], "COMPLETED", "{updates:?}");
    assert_eq!(last["progress"]["queued"], 0);

    let done = campaign(&app, &id, &agent).await;
    let p = &done["progress"];
    assert_eq!(p["total"], 18, "{done}");
    assert_eq!(p["done"], 17);
    assert_eq!(p["skipped"], 1);
    assert_eq!(p["completion"], "1");
    assert_eq!(
        p["reasons"],
        json!([{ "status": "SKIPPED", "reason": "NO_CONSENT", "members": 1 }])
    );
    // Exactly its members, once each: none for the late ones, none without consent.
    assert_eq!(inbox_copies(&app, "campaign").await, (17, 1));
    let withdrawn_got = outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq("campaign"))
        .filter(outbox_message::Column::CustomerId.eq(ids[2]))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(withdrawn_got, 0);

    // A batch delivered again finds itself done and sends nothing more.
    let campaign_id = Uuid::parse_str(&id).expect("uuid");
    let again = app
        .platform
        .domain()
        .run_campaign_batch(campaign_id, 0)
        .await
        .expect("run");
    assert_eq!(again, BatchRun::AlreadyDone);
    assert_eq!(inbox_copies(&app, "campaign").await, (17, 1));

    // Every step is in the audit trail.
    let audit = app
        .db()
        .query_one_raw(Statement::from_string(
            app.db().get_database_backend(),
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_entry WHERE action LIKE 'campaign.%'",
        ))
        .await
        .expect("query")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert!(audit >= 5, "create ×2, approve, launch, complete: {audit}");
    let listed = ok(
        &app,
        "{ campaigns(status: COMPLETED) { edges { node { id } } } }",
        json!({}),
        &agent,
    )
    .await;
    assert_eq!(listed["campaigns"]["edges"][0]["node"]["id"], id);
}

#[tokio::test]
async fn pause_stops_new_work_resume_continues_cancel_skips_the_rest() {
    let app = TestApp::spawn_with(Options {
        settings: vec![("FENQI_CAMPAIGN_BATCH_SIZE", "10".into())],
        ..Options::default()
    })
    .await;
    seed_book(&app, 30, |_| "CURRENT", |_| false).await;
    let agent = app.staff_token(Role::Agent).await;
    let made = ok(
        &app,
        CREATE,
        json!({ "i": { "name": "回访 30", "action": "FOLLOW_UP", "segment": {} } }),
        &agent,
    )
    .await["createCampaign"]
        .clone();
    assert_eq!(made["status"], "READY", "{made}");
    let id = made["id"].as_str().expect("id").to_owned();
    let campaign_id = Uuid::parse_str(&id).expect("uuid");
    let domain = app.platform.domain().clone();
    ok(
        &app,
        &mutation("launchCampaign"),
        json!({ "id": id }),
        &agent,
    )
    .await;

    // Paused: a batch's job stops before its first member.
    ok(
        &app,
        &mutation("pauseCampaign"),
        json!({ "id": id }),
        &agent,
    )
    .await;
    let paused = domain
        .run_campaign_batch(campaign_id, 0)
        .await
        .expect("run");
    assert_eq!(
        paused,
        BatchRun::Stopped {
            processed: 0,
            status: "PAUSED".into()
        }
    );
    assert!(
        domain
            .campaign_batches_to_queue(100)
            .await
            .expect("dispatch")
            .is_empty(),
        "nothing is queued while paused"
    );
    assert_eq!(campaign(&app, &id, &agent).await["progress"]["queued"], 30);

    // Resumed: every unfinished batch goes back to the queue; one runs.
    ok(
        &app,
        &mutation("resumeCampaign"),
        json!({ "id": id }),
        &agent,
    )
    .await;
    assert_eq!(
        domain
            .campaign_batches_to_queue(100)
            .await
            .expect("dispatch")
            .len(),
        3
    );
    assert_eq!(
        domain
            .run_campaign_batch(campaign_id, 0)
            .await
            .expect("run"),
        BatchRun::Finished(10)
    );
    let tasks = ok(
        &app,
        "{ followUpTasks(first: 100) { edges { node { reason assignedTo } } } }",
        json!({}),
        &agent,
    )
    .await;
    let tasks = tasks["followUpTasks"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(tasks.len(), 10);
    assert!(
        tasks
            .iter()
            .all(|t| t["node"]["reason"] == "CAMPAIGN" && !t["node"]["assignedTo"].is_null())
    );

    // Cancelled: the rest are skipped, and a late job does nothing.
    let cancelled = ok(
        &app,
        &mutation("cancelCampaign"),
        json!({ "id": id }),
        &agent,
    )
    .await;
    let p = &cancelled["cancelCampaign"]["progress"];
    assert_eq!(cancelled["cancelCampaign"]["status"], "CANCELLED");
    assert_eq!(
        (p["done"].clone(), p["skipped"].clone()),
        (json!(10), json!(20))
    );
    assert_eq!(
        domain
            .run_campaign_batch(campaign_id, 1)
            .await
            .expect("run"),
        BatchRun::AlreadyDone
    );
    let again = app
        .gql(
            &mutation("resumeCampaign"),
            json!({ "id": id }),
            Some(&agent),
        )
        .await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");

    // At 23:30 in Shanghai, a survey that must not wait skips everyone for quiet hours;
    // one that may wait is written and held for the morning.
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 29, 15, 30, 0)
            .single()
            .expect("time"),
    );
    let agent = app.staff_token(Role::Agent).await;
    for (policy, status) in [("SKIP", "SKIPPED"), ("WAIT", "DONE")] {
        let id = ok(
            &app,
            CREATE,
            json!({ "i": { "name": format!("夜间 {policy}"), "action": "SURVEY", "segment": {}, "quietHours": policy } }),
            &agent,
        )
        .await["createCampaign"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        ok(
            &app,
            &mutation("launchCampaign"),
            json!({ "id": id }),
            &agent,
        )
        .await;
        let campaign_id = Uuid::parse_str(&id).expect("uuid");
        for batch in 0..3 {
            domain
                .run_campaign_batch(campaign_id, batch)
                .await
                .expect("run");
        }
        domain
            .campaign_batches_to_queue(100)
            .await
            .expect("dispatch");
        let c = campaign(&app, &id, &agent).await;
        assert_eq!(c["status"], "COMPLETED", "{c}");
        let counted = if status == "DONE" {
            &c["progress"]["done"]
        } else {
            &c["progress"]["skipped"]
        };
        assert_eq!(counted, 30, "{c}");
    }
    let held = outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq("survey_invite"))
        .filter(outbox_message::Column::Channel.eq("sms"))
        .filter(outbox_message::Column::Status.eq("pending"))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(held, 30, "the texts wait for the contact window");
    assert_eq!(inbox_copies(&app, "survey_invite").await, (30, 1));
}

#[tokio::test]
async fn a_worker_killed_mid_campaign_leaves_every_member_processed_once() {
    let app = TestApp::spawn().await;
    const MEMBERS: u64 = 3_000;
    seed_book(&app, MEMBERS as usize, |_| "CURRENT", |_| false).await;
    let admin = app.staff_token(Role::Admin).await;
    let second = app.staff_token(Role::Admin).await;
    let id = ok(
        &app,
        CREATE,
        json!({ "i": { "name": "Kill test", "action": "MESSAGE", "segment": {}, "content": message_content() } }),
        &admin,
    )
    .await["createCampaign"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ok(
        &app,
        &mutation("approveCampaign"),
        json!({ "id": id }),
        &second,
    )
    .await;
    let settings = |requeue: &str| {
        vec![
            ("FENQI_CAMPAIGN_DISPATCH_SCHEDULE", "* * * * * *".to_owned()),
            ("FENQI_CAMPAIGN_BATCH_SIZE", "20".to_owned()),
            ("FENQI_CAMPAIGN_REQUEUE_SECONDS", requeue.to_owned()),
        ]
    };
    let mut first = FenqiProcess::start(&app, "work", &settings("120")).await;
    ok(
        &app,
        &mutation("launchCampaign"),
        json!({ "id": id }),
        &admin,
    )
    .await;
    let done = || async { inbox_copies(&app, "campaign").await.0 };
    eventually(
        Duration::from_secs(60),
        "the first worker has processed some members",
        || async { done().await >= 40 },
    )
    .await;
    first.kill_9().await;
    let before = done().await;
    assert!(
        before < MEMBERS,
        "the worker finished before it was killed ({before}); seed more"
    );

    // A second worker queues every unfinished batch again (requeue time 0: those still
    // in the queue are delivered twice, harmlessly) and finishes the campaign.
    let _second = FenqiProcess::start(&app, "work", &settings("0")).await;
    eventually(
        Duration::from_secs(180),
        "the campaign completes",
        || async { campaign(&app, &id, &admin).await["status"] == "COMPLETED" },
    )
    .await;
    let c = campaign(&app, &id, &admin).await;
    assert_eq!(c["progress"]["done"], MEMBERS, "{c}");
    assert_eq!(c["progress"]["queued"], 0);
    assert_eq!(
        inbox_copies(&app, "campaign").await,
        (MEMBERS, 1),
        "every member once, none twice"
    );
}

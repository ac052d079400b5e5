//! Notifications through real servers: e-mail to an SMTP server over a socket (aiosmtpd),
//! text messages to the partner simulator's SMS gateway over HTTP, the in-app inbox over
//! GraphQL. A message goes once, waits for the contact window (the guideline's 22:00–08:00
//! and the customer's own quiet hours), and is retried when its provider is down.

use adapters::simulators::partner::{Fault, PartnerHandle, PartnerSimConfig, PartnerSimulator};
use chrono::{Days, NaiveDate, NaiveTime, TimeZone, Utc};
use entities::outbox_message;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::customers::MOBILE;
use crate::helpers::{Options, TestApp};
use crate::repayment::active_plan;
use crate::smtp_sink::SmtpSink;

const MY_MESSAGES: &str = "query($u: Boolean) { myMessages(unreadOnly: $u) { unread messages { id kind subject body planId readAt } } }";
const MARK_READ: &str = "mutation($ids: [ID!]) { markMessagesRead(ids: $ids) }";
const UPDATE_EMAIL: &str = "mutation($id: ID!, $e: String!) { updateCustomer(customerId: $id, input: { email: $e }) { id } }";
const CHANNELS: &str = "mutation($id: ID!) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 10, channels: [SMS, EMAIL, APP], quietHoursStart: \"12:00\", quietHoursEnd: \"13:30\" }) { channels } }";
const PAY: &str = "mutation($i: PayInstallmentInput!) { payInstallment(input: $i) { amount } }";

/// The partner simulator, here only for its SMS gateway.
async fn sms_gateway() -> PartnerHandle {
    PartnerSimulator::start(PartnerSimConfig::new(
        "sms",
        "sms-gateway-secret-0123456789",
        Vec::new(),
    ))
    .await
    .expect("gateway")
}

/// Sets the test clock to `time` in Shanghai on `day`.
fn shanghai(app: &TestApp, day: NaiveDate, time: &str) {
    let t = NaiveTime::parse_from_str(time, "%H:%M").expect("time");
    let local = chrono_tz::Asia::Shanghai
        .from_local_datetime(&day.and_time(t))
        .single()
        .expect("one instant");
    app.clock.set(local.with_timezone(&Utc));
}

async fn ok(app: &TestApp, query: &str, variables: Value, token: &str) -> Value {
    let res = app.gql(query, variables, Some(token)).await;
    assert!(res["errors"].is_null(), "{res}");
    res["data"].clone()
}

async fn pending(app: &TestApp) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq("pending"))
        .count(app.db())
        .await
        .expect("count")
}

#[tokio::test]
async fn messages_reach_the_inbox_the_phone_and_the_mailbox_once_and_never_in_quiet_hours() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let gateway = sms_gateway().await;
    let app = TestApp::spawn_with(Options {
        settings: vec![
            ("FENQI_SMTP_URL", sink.url()),
            ("FENQI_SMS_URL", gateway.sms_url()),
        ],
        ..Default::default()
    })
    .await;
    let domain = app.platform.domain();
    let active = active_plan(&app).await;

    // The schedule notice is in the inbox as the plan opens, every row in it.
    let inbox = ok(&app, MY_MESSAGES, json!({}), &active.token).await;
    assert_eq!(inbox["myMessages"]["unread"], 1, "{inbox}");
    let notice = &inbox["myMessages"]["messages"][0];
    assert_eq!(notice["kind"], "schedule");
    assert_eq!(notice["planId"], json!(active.plan.id.to_string()));
    let body = notice["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("第 12 期") && body.contains("年化利率（APR）"),
        "{body}"
    );

    // 10:00 in Shanghai: the text goes at once, in its short form, and only once.
    let run = domain.deliver_messages(100).await.expect("deliver");
    assert_eq!((run.sent, run.deferred, run.failed), (1, 0, 0), "{run:?}");
    assert!(
        domain
            .deliver_messages(100)
            .await
            .expect("again")
            .is_empty()
    );
    let texts = gateway.texts();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].to, MOBILE);
    assert!(
        texts[0].text.contains("分期计划已生效") && !texts[0].text.contains("第 12 期"),
        "{:?}",
        texts[0]
    );
    let sent = outbox_message::Entity::find()
        .filter(outbox_message::Column::Channel.eq("sms"))
        .one(app.db())
        .await
        .expect("read")
        .expect("the text");
    assert_eq!(sent.status, "sent");
    assert_eq!(sent.provider.as_deref(), Some("sms-gateway"));
    assert_eq!(sent.provider_ref.as_deref(), Some("sms-000001"));
    assert_eq!(
        (
            sent.attempts,
            sent.lease_owner.as_deref(),
            sent.sent_at.is_some()
        ),
        (1, None, true),
        "recorded as sent once, its claim released"
    );

    // The customer adds e-mail, and quiet hours at lunch.
    let id = active.customer_id.to_string();
    ok(
        &app,
        UPDATE_EMAIL,
        json!({ "id": id, "e": "zhang.wei@example.com" }),
        &active.token,
    )
    .await;
    ok(&app, CHANNELS, json!({ "id": id }), &active.token).await;

    // Close of business three days before the first due date, at 06:00: the reminder is
    // written, and waits for 08:00.
    let due = NaiveDate::parse_from_str(&active.entries[0].due_date, "%Y-%m-%d").expect("date");
    let day = due - Days::new(3);
    shanghai(&app, day, "06:00");
    let cob = domain
        .close_of_business(day)
        .await
        .expect("close of business");
    assert_eq!(cob.reminded, 1, "{cob:?}");
    let run = domain.deliver_messages(100).await.expect("deliver");
    assert_eq!((run.sent, run.deferred), (0, 2), "{run:?}");
    shanghai(&app, day, "07:59");
    assert!(
        domain
            .deliver_messages(100)
            .await
            .expect("deliver")
            .is_empty()
    );
    assert_eq!(gateway.texts().len(), 1, "nothing before 08:00");
    assert!(sink.messages().is_empty(), "nothing before 08:00");
    shanghai(&app, day, "08:00");
    let run = domain.deliver_messages(100).await.expect("deliver");
    assert_eq!((run.sent, run.deferred), (2, 0), "{run:?}");
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].starts_with("To: zhang.wei@example.com"),
        "{}",
        mails[0]
    );
    assert!(
        mails[0].contains("Subject: 还款提醒：3 天后扣款"),
        "{}",
        mails[0]
    );
    assert!(
        mails[0].contains(&format!("将于 {due}（3 天后）自动扣款")),
        "{}",
        mails[0]
    );
    let texts = gateway.texts();
    assert_eq!(texts.len(), 2);
    assert!(texts[1].text.contains("3 天后"), "{:?}", texts[1]);
    // Close of business again that day writes nothing new.
    let before = outbox_message::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    domain.close_of_business(day).await.expect("again");
    assert_eq!(
        outbox_message::Entity::find()
            .count(app.db())
            .await
            .expect("count"),
        before
    );

    // At 12:30, in the customer's own quiet hours, a payment's receipt waits until 13:30.
    shanghai(&app, day, "12:30");
    let token = app.login(MOBILE, "a good password").await;
    active
        .ledger
        .deposit("salary", active.customer_id, 10_000)
        .await
        .expect("deposit");
    let input = json!({ "i": { "planId": active.plan.id.to_string(), "idempotencyKey": "early-0001", "amount": "100.00" } });
    ok(&app, PAY, input, &token).await;
    let run = domain.deliver_messages(100).await.expect("deliver");
    assert_eq!((run.sent, run.deferred), (0, 2), "{run:?}");
    shanghai(&app, day, "13:30");
    let run = domain.deliver_messages(100).await.expect("deliver");
    assert_eq!(run.sent, 2, "{run:?}");
    assert!(
        gateway.texts()[2].text.contains("已收到您的还款 100.00 元"),
        "{:?}",
        gateway.texts()
    );
    assert_eq!(sink.messages().len(), 2);
    assert_eq!(pending(&app).await, 0);

    // The inbox holds all three; marking one read, then all.
    let inbox = ok(&app, MY_MESSAGES, json!({}), &token).await;
    let kinds: Vec<&str> = inbox["myMessages"]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["payment_received", "due_soon", "schedule"]);
    let first = inbox["myMessages"]["messages"][0]["id"].clone();
    let left = ok(&app, MARK_READ, json!({ "ids": [first] }), &token).await;
    assert_eq!(left["markMessagesRead"], 2);
    let unread = ok(&app, MY_MESSAGES, json!({ "u": true }), &token).await;
    assert_eq!(
        unread["myMessages"]["messages"].as_array().map(Vec::len),
        Some(2)
    );
    let left = ok(&app, MARK_READ, json!({}), &token).await;
    assert_eq!(left["markMessagesRead"], 0);

    // Another customer sees none of them, and cannot mark them.
    let (other, _) = crate::customers::onboarded_customer(&app, "13900001111").await;
    let theirs = ok(&app, MY_MESSAGES, json!({}), &other).await;
    assert_eq!(theirs["myMessages"], json!({ "unread": 0, "messages": [] }));
    let res = ok(&app, MARK_READ, json!({ "ids": [first] }), &other).await;
    assert_eq!(res["markMessagesRead"], 0);
}

#[tokio::test]
async fn a_gateway_that_is_down_is_tried_again_after_its_backoff() {
    let gateway = sms_gateway().await;
    let app = TestApp::spawn_with(Options {
        settings: vec![("FENQI_SMS_URL", gateway.sms_url())],
        ..Default::default()
    })
    .await;
    let domain = app.platform.domain();
    let _active = active_plan(&app).await;
    gateway.set_fault(Fault::Outage(503));
    let run = domain.deliver_messages(100).await.expect("deliver");
    assert_eq!(run.retrying, 1, "{run:?}");
    let held = outbox_message::Entity::find()
        .filter(outbox_message::Column::Channel.eq("sms"))
        .one(app.db())
        .await
        .expect("read")
        .expect("the text");
    assert_eq!((held.status.as_str(), held.attempts), ("pending", 1));
    assert!(
        held.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("503"),
        "{held:?}"
    );
    // Not before its backoff (30 s), then once the gateway is back.
    gateway.set_fault(Fault::None);
    assert!(
        domain
            .deliver_messages(100)
            .await
            .expect("deliver")
            .is_empty()
    );
    app.clock.advance(chrono::Duration::seconds(31));
    let run = domain.deliver_messages(100).await.expect("deliver");
    assert_eq!(run.sent, 1, "{run:?}");
    assert_eq!(gateway.texts().len(), 1);
}

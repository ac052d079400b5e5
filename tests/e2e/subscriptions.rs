//! `planUpdated` over graphql-ws (`graphql-transport-ws`): a subscriber hears the plan's
//! new progress for each payment posted, including one posted by another process (a
//! second API process here: its own domain, hearing through the fleet's channel); another
//! customer cannot subscribe to the plan.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::customers::onboarded_customer;
use crate::helpers::TestApp;
use crate::repayment::{ActivePlan, active_plan};

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a graphql-transport-ws connection to `base` as `token` and subscribes to the
/// plan's updates.
pub(crate) async fn subscribe(base: &str, token: &str, plan_id: &str) -> Socket {
    subscribe_to(
        base,
        token,
        "subscription($id: ID!) { planUpdated(planId: $id) { periodsPaid principalRemaining bucket } }",
        json!({ "id": plan_id }),
    )
    .await
}

/// Opens a graphql-transport-ws connection to `base` as `token` and subscribes with
/// `query` (subscription id `1`).
pub(crate) async fn subscribe_to(base: &str, token: &str, query: &str, variables: Value) -> Socket {
    let url = format!("{}/graphql", base.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connected");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    send(&mut socket, json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })).await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await;
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next JSON message (at most 10 s).
pub(crate) async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("open")
            .expect("read");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("json");
        }
    }
}

#[tokio::test]
async fn a_subscriber_hears_each_payment_posted_even_by_another_process() {
    let app = TestApp::spawn().await;
    let ActivePlan {
        token,
        plan,
        customer_id,
        ledger,
        ..
    } = active_plan(&app).await;
    let plan_id = plan.id.to_string();
    ledger
        .deposit("salary", customer_id, 300_000)
        .await
        .expect("deposit");

    // Another customer is refused before anything streams.
    let (other, _) = onboarded_customer(&app, "13800004021").await;
    let mut refused = subscribe(&app.base, &other, &plan_id).await;
    let answer = next(&mut refused).await;
    assert_eq!(answer["payload"]["data"], Value::Null, "{answer}");
    assert_eq!(
        answer["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{answer}"
    );

    let mut socket = subscribe(&app.base, &token, &plan_id).await;
    // The plan as it is: the subscription is live from here.
    let now = next(&mut socket).await;
    assert_eq!(now["type"], "next", "{now}");
    assert_eq!(
        now["payload"]["data"]["planUpdated"]["periodsPaid"], 0,
        "{now}"
    );

    // The customer pays month 1 through this process.
    let pay = "mutation($i: PayInstallmentInput!) { payInstallment(input: $i) { amount } }";
    let res = app
        .gql(
            pay,
            json!({ "i": { "planId": plan_id, "idempotencyKey": "live-0001" } }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let update = next(&mut socket).await;
    assert_eq!(update["type"], "next", "{update}");
    assert_eq!(
        update["payload"]["data"]["planUpdated"]["periodsPaid"], 1,
        "{update}"
    );

    // Month 2 is paid through a second API process: with Redis (a fleet), the first one's
    // subscriber hears it through the shared channel. The embedded default is one process
    // (its channel is in memory), so there the second process is not started.
    let fleet = app
        .env
        .get("FENQI_QUEUE_URL")
        .is_some_and(|url| url.starts_with("redis"));
    let second = if fleet {
        app.second_api().await
    } else {
        app.base.clone()
    };
    let (res, _) = app
        .gql_counted_at(
            &second,
            pay,
            json!({ "i": { "planId": plan_id, "idempotencyKey": "live-0002" } }),
            Some(&token),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let update = next(&mut socket).await;
    assert_eq!(
        update["payload"]["data"]["planUpdated"]["periodsPaid"], 2,
        "{update}"
    );
}

//! The session cache: a warm session costs no statement, and every change that ends a
//! session reaches every API process at once (through Redis), also while the channel is
//! lost and comes back.
//!
//! The cross-process tests need Redis (`FENQI_TEST_QUEUE_URL`): with the embedded queue
//! there is no channel between processes, and the cache is off by default there.

use std::time::Duration;

use domain::auth::Role;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::helpers::{Options, TestApp, error_code};
use crate::processes::eventually;

/// The cross-process tests kill Redis's subscribed connections, which every test running
/// at that moment would feel: they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// Reads the account: one statement, plus one for the session when it is not kept.
const ME: &str = "{ me { id role mustChangePassword } }";
const ME_WARM: u64 = 1;
const ME_COLD: u64 = 2;

/// A cache that keeps sessions for a minute: long enough that only an invalidation can
/// explain a refusal within the few seconds a test waits.
async fn app_with_cache() -> TestApp {
    TestApp::spawn_with(Options {
        settings: vec![("FENQI_SESSION_CACHE_SECONDS", "60".into())],
        ..Options::default()
    })
    .await
}

fn on_redis(app: &TestApp) -> bool {
    app.env
        .get("FENQI_QUEUE_URL")
        .is_some_and(|u| u.starts_with("redis"))
}

/// Waits until `token` is recognized from `base`'s cache: `me` costs no statement for
/// the session.
async fn until_cached(app: &TestApp, base: &str, token: &str) {
    eventually(Duration::from_secs(10), "the session is kept", || async {
        let (res, statements) = app.gql_counted_at(base, ME, json!({}), Some(token)).await;
        assert!(res["errors"].is_null(), "{res}");
        statements == ME_WARM
    })
    .await;
}

/// Waits until `base` refuses `token` as unauthenticated.
async fn until_refused(app: &TestApp, base: &str, token: &str, what: &str) {
    eventually(Duration::from_secs(3), what, || async {
        let (res, _) = app.gql_counted_at(base, ME, json!({}), Some(token)).await;
        error_code(&res) == Some("UNAUTHENTICATED")
    })
    .await;
}

#[tokio::test]
async fn a_warm_session_costs_no_statement_and_logout_ends_it_at_once() {
    let app = app_with_cache().await;
    let base = app.base.clone();
    let (token, _) = app
        .register_customer("13800003001", "a good password")
        .await;
    until_cached(&app, &base, &token).await;

    let res = app
        .gql("mutation { logout }", json!({}), Some(&token))
        .await;
    assert_eq!(res["data"]["logout"], true, "{res}");
    // Same process: forgotten before the logout answered.
    let (res, _) = app.gql_counted(ME, json!({}), Some(&token)).await;
    assert_eq!(error_code(&res), Some("UNAUTHENTICATED"), "{res}");
}

#[tokio::test]
async fn the_cache_is_off_unless_asked_for_on_the_embedded_queue() {
    let app = TestApp::spawn().await;
    let (token, _) = app
        .register_customer("13800003002", "a good password")
        .await;
    for _ in 0..3 {
        let (res, statements) = app.gql_counted(ME, json!({}), Some(&token)).await;
        assert!(res["errors"].is_null(), "{res}");
        assert_eq!(statements, ME_COLD, "the session is read every time: {res}");
    }
    assert!(app.platform.domain().session_cache().is_empty());
}

#[tokio::test]
async fn logout_password_change_and_disabling_reach_the_other_process_at_once() {
    let app = app_with_cache().await;
    if !on_redis(&app) {
        eprintln!("skipped: needs Redis (FENQI_TEST_QUEUE_URL) for a second process to hear");
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().await;
    let other = app.second_api().await;

    // Logout on this process ends the session the other one kept.
    let (token, _) = app
        .register_customer("13800003003", "a good password")
        .await;
    until_cached(&app, &other, &token).await;
    let res = app
        .gql("mutation { logout }", json!({}), Some(&token))
        .await;
    assert_eq!(res["data"]["logout"], true, "{res}");
    until_refused(
        &app,
        &other,
        &token,
        "the other process refuses a logged-out token",
    )
    .await;

    // A password change ends the account's other sessions, kept elsewhere.
    let (first, _) = app
        .register_customer("13800003004", "a good password")
        .await;
    let second = app.login("13800003004", "a good password").await;
    until_cached(&app, &other, &first).await;
    until_cached(&app, &other, &second).await;
    let res = app
        .gql(
            "mutation { changePassword(currentPassword: \"a good password\", newPassword: \"a better password\") { id } }",
            json!({}),
            Some(&second),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    until_refused(&app, &other, &first, "the other session ends everywhere").await;
    let (res, _) = app
        .gql_counted_at(&other, ME, json!({}), Some(&second))
        .await;
    assert!(
        res["errors"].is_null(),
        "the changing session goes on: {res}"
    );

    // Disabling an account ends its sessions everywhere.
    let admin = app.staff_token(Role::Admin).await;
    let agent = app.staff_token(Role::Agent).await;
    until_cached(&app, &other, &agent).await;
    let me = app.gql(ME, json!({}), Some(&agent)).await;
    let agent_id = me["data"]["me"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let res = app
        .gql(
            "mutation($id: ID!) { setAccountStatus(accountId: $id, status: DISABLED) { status } }",
            json!({ "id": agent_id }),
            Some(&admin),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    until_refused(
        &app,
        &other,
        &agent,
        "a disabled account is refused everywhere",
    )
    .await;
}

#[tokio::test]
async fn a_lost_channel_turns_the_cache_off_until_it_is_back() {
    let app = app_with_cache().await;
    if !on_redis(&app) {
        eprintln!("skipped: needs Redis (FENQI_TEST_QUEUE_URL)");
        return;
    }
    let _turn = ONE_AT_A_TIME.lock().await;
    let (token, _) = app
        .register_customer("13800003005", "a good password")
        .await;
    let base = app.base.clone();
    until_cached(&app, &base, &token).await;

    // Every subscribed connection on the server is cut, as a Redis restart would.
    let url = app.env["FENQI_QUEUE_URL"].clone();
    let client = redis::Client::open(url.as_str()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let _: Value = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async::<redis::Value>(&mut conn)
        .await
        .map(|_| Value::Null)
        .expect("client kill");

    // Deaf, the process keeps nothing and reads every session again...
    eventually(
        Duration::from_secs(10),
        "the cache is dropped while the channel is lost",
        || async { app.platform.domain().session_cache().is_empty() },
    )
    .await;
    // ...and keeps sessions again once it hears the channel again.
    until_cached(&app, &base, &token).await;
}

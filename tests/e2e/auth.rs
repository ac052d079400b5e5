//! Registering, logging in and out, lockouts and expiry.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{Options, TestApp, error_code, error_message};

const ME: &str = "{ me { id role displayName mobile email status } }";

#[tokio::test]
async fn a_customer_registers_logs_in_and_sees_a_masked_mobile() {
    let app = TestApp::spawn().await;
    let (token, id) = app
        .register_customer("13812345678", "a good password")
        .await;
    let me = app.gql(ME, json!({}), Some(&token)).await;
    assert_eq!(me["data"]["me"]["id"], id.as_str());
    assert_eq!(me["data"]["me"]["role"], "CUSTOMER");
    assert_eq!(me["data"]["me"]["mobile"], "138****5678");
    assert_eq!(me["data"]["me"]["status"], "ACTIVE");

    // The same person logs in with the number spelled another way.
    let token2 = app.login("+86 138-1234-5678", "a good password").await;
    let me2 = app.gql(ME, json!({}), Some(&token2)).await;
    assert_eq!(me2["data"]["me"]["id"], id.as_str());
}

#[tokio::test]
async fn registration_refuses_bad_input_naming_the_field() {
    let app = TestApp::spawn().await;
    let register = "mutation($i: RegisterInput!) { register(input: $i) { token } }";
    for (input, field) in [
        (
            json!({ "displayName": "A", "mobile": "1234", "password": "long enough" }),
            "mobile",
        ),
        (
            json!({ "displayName": "A", "email": "not-an-email", "password": "long enough" }),
            "email",
        ),
        (
            json!({ "displayName": "A", "mobile": "13812345678", "password": "short" }),
            "password",
        ),
        (
            json!({ "displayName": "  ", "mobile": "13812345678", "password": "long enough" }),
            "displayName",
        ),
        (
            json!({ "displayName": "A", "password": "long enough" }),
            "mobile",
        ),
    ] {
        let res = app.gql(register, json!({ "i": input }), None).await;
        assert_eq!(error_code(&res), Some("VALIDATION"), "{res}");
        assert_eq!(res["errors"][0]["extensions"]["field"], field, "{res}");
    }
    app.register_customer("13812345678", "long enough").await;
    let res = app
        .gql(
            register,
            json!({ "i": { "displayName": "B", "mobile": "13812345678", "password": "long enough" } }),
            None,
        )
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.register_customer("13812345678", "right password").await;
    let wrong = app.try_login("13812345678", "wrong password").await;
    let unknown = app.try_login("13900000000", "wrong password").await;
    assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"));
    assert_eq!(error_code(&unknown), Some("UNAUTHENTICATED"));
    assert_eq!(error_message(&wrong), error_message(&unknown));
    assert!(wrong["data"].is_null() || wrong["data"]["login"].is_null());
}

#[tokio::test]
async fn five_failures_lock_the_login_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    app.register_customer("13812345678", "right password").await;
    for attempt in 1..=4 {
        let res = app.try_login("13812345678", "wrong password").await;
        assert_eq!(
            error_code(&res),
            Some("UNAUTHENTICATED"),
            "attempt {attempt}: {res}"
        );
    }
    let fifth = app.try_login("13812345678", "wrong password").await;
    assert_eq!(error_code(&fifth), Some("RATE_LIMITED"), "{fifth}");
    assert_eq!(fifth["errors"][0]["extensions"]["retryAfterSeconds"], 900);

    // Locked: even the right password is refused.
    let locked = app.try_login("13812345678", "right password").await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");

    app.clock.advance(Duration::minutes(14));
    let still = app.try_login("13812345678", "right password").await;
    assert_eq!(error_code(&still), Some("RATE_LIMITED"), "{still}");

    app.clock
        .advance(Duration::minutes(1) + Duration::seconds(1));
    app.login("13812345678", "right password").await;
}

#[tokio::test]
async fn unknown_logins_lock_alike_so_locks_reveal_nothing() {
    let app = TestApp::spawn().await;
    for _ in 1..=4 {
        app.try_login("nobody@bank.test", "guess").await;
    }
    let fifth = app.try_login("nobody@bank.test", "guess").await;
    assert_eq!(error_code(&fifth), Some("RATE_LIMITED"), "{fifth}");
}

#[tokio::test]
async fn a_token_expires_after_the_session_lifetime() {
    let app = TestApp::spawn().await;
    let (token, _) = app.register_customer("13812345678", "right password").await;
    app.clock
        .advance(Duration::hours(7) + Duration::minutes(59));
    let ok = app.gql(ME, json!({}), Some(&token)).await;
    assert!(ok["errors"].is_null(), "{ok}");

    app.clock.advance(Duration::minutes(1));
    let expired = app.gql(ME, json!({}), Some(&token)).await;
    assert_eq!(error_code(&expired), Some("UNAUTHENTICATED"), "{expired}");
    assert!(error_message(&expired).contains("expired"), "{expired}");
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let (token, _) = app.register_customer("13812345678", "right password").await;
    let res = app
        .gql("mutation { logout }", json!({}), Some(&token))
        .await;
    assert_eq!(res["data"]["logout"], true, "{res}");
    let after = app.gql(ME, json!({}), Some(&token)).await;
    assert_eq!(error_code(&after), Some("UNAUTHENTICATED"), "{after}");
    let garbage = app.gql(ME, json!({}), Some("fq_not-a-real-token")).await;
    assert_eq!(error_code(&garbage), Some("UNAUTHENTICATED"), "{garbage}");
}

#[tokio::test]
async fn passwords_and_tokens_are_stored_only_as_hashes() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let (token, _) = app.register_customer("13812345678", "right password").await;
    let accounts = entities::account::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    let account = &accounts[0];
    assert!(
        account
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
    assert!(!format!("{account:?}").contains("13812345678"));
    let sessions = entities::session::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert!(
        sessions
            .iter()
            .all(|s| s.token_hash != token && !s.token_hash.contains(&token))
    );
}

#[tokio::test]
async fn an_admin_disables_an_account_and_its_sessions_end() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(domain::auth::Role::Admin).await;
    let (customer, id) = app.register_customer("13812345678", "right password").await;
    let res = app
        .gql(
            "mutation($id: ID!) { setAccountStatus(accountId: $id, status: DISABLED) { status } }",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
    assert_eq!(
        res["data"]["setAccountStatus"]["status"], "DISABLED",
        "{res}"
    );
    let me = app.gql(ME, json!({}), Some(&customer)).await;
    assert_eq!(error_code(&me), Some("UNAUTHENTICATED"), "{me}");
    let login = app.try_login("13812345678", "right password").await;
    assert_eq!(error_code(&login), Some("UNAUTHENTICATED"), "{login}");
    assert!(error_message(&login).contains("disabled"), "{login}");
}

#[tokio::test]
async fn one_address_trying_many_logins_is_slowed_down() {
    let app = TestApp::spawn_with(Options {
        settings: vec![("FENQI_AUTH_ATTEMPTS_PER_MINUTE", "3".into())],
        ..Options::default()
    })
    .await;
    for name in ["a@bank.test", "b@bank.test", "c@bank.test"] {
        let res = app.try_login(name, "guess").await;
        assert_eq!(error_code(&res), Some("UNAUTHENTICATED"), "{res}");
    }
    let fourth = app.try_login("d@bank.test", "guess").await;
    assert_eq!(error_code(&fourth), Some("RATE_LIMITED"), "{fourth}");
    let register = app
        .gql(
            "mutation { register(input: { displayName: \"X\", mobile: \"13912345678\", password: \"long enough\" }) { token } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_code(&register), Some("RATE_LIMITED"), "{register}");
    app.clock.advance(Duration::minutes(1));
    let later = app.try_login("d@bank.test", "guess").await;
    assert_eq!(error_code(&later), Some("UNAUTHENTICATED"), "{later}");
}

#[tokio::test]
async fn parallel_guesses_get_no_more_password_checks_than_the_limit() {
    let app = TestApp::spawn().await;
    app.register_customer("13812345678", "right password").await;
    let guesses = (0..20).map(|i| {
        let app = &app;
        async move {
            app.try_login("13812345678", &format!("wrong password {i}"))
                .await
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|r| error_code(r) == Some("UNAUTHENTICATED"))
        .count();
    let refused = answers
        .iter()
        .filter(|r| error_code(r) == Some("RATE_LIMITED"))
        .count();
    assert!(
        checked <= 4,
        "{checked} guesses were checked and answered 'wrong'"
    );
    assert_eq!(checked + refused, 20);
    let locked = app.try_login("13812345678", "right password").await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");
}

#[tokio::test]
async fn a_password_set_by_an_admin_must_be_replaced_before_anything_else() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(domain::auth::Role::Admin).await;
    let created = app
        .gql(
            "mutation { createStaff(input: { displayName: \"New Auditor\", email: \"new.auditor@bank.test\", role: AUDITOR }) { initialPassword account { mustChangePassword } } }",
            json!({}),
            Some(&admin),
        )
        .await;
    let initial = created["data"]["createStaff"]["initialPassword"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        created["data"]["createStaff"]["account"]["mustChangePassword"], true,
        "{created}"
    );
    let first = app.login("new.auditor@bank.test", &initial).await;
    let other = app.login("new.auditor@bank.test", &initial).await;
    let blocked = app
        .gql("{ verifyAuditChain { intact } }", json!({}), Some(&first))
        .await;
    assert_eq!(
        error_code(&blocked),
        Some("PASSWORD_CHANGE_REQUIRED"),
        "{blocked}"
    );
    let me = app
        .gql("{ me { mustChangePassword } }", json!({}), Some(&first))
        .await;
    assert_eq!(me["data"]["me"]["mustChangePassword"], true, "{me}");

    const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { mustChangePassword } }";
    let wrong = app
        .gql(
            CHANGE,
            json!({ "c": "not it", "n": "a brand new pass" }),
            Some(&first),
        )
        .await;
    assert_eq!(error_code(&wrong), Some("VALIDATION"), "{wrong}");
    let changed = app
        .gql(
            CHANGE,
            json!({ "c": initial, "n": "a brand new pass" }),
            Some(&first),
        )
        .await;
    assert_eq!(
        changed["data"]["changePassword"]["mustChangePassword"], false,
        "{changed}"
    );
    let open = app
        .gql("{ verifyAuditChain { intact } }", json!({}), Some(&first))
        .await;
    assert_eq!(open["data"]["verifyAuditChain"]["intact"], true, "{open}");
    // The other session ended; the old password no longer works.
    let ended = app.gql("{ me { id } }", json!({}), Some(&other)).await;
    assert_eq!(error_code(&ended), Some("UNAUTHENTICATED"), "{ended}");
    let old = app.try_login("new.auditor@bank.test", &initial).await;
    assert_eq!(error_code(&old), Some("UNAUTHENTICATED"), "{old}");
}

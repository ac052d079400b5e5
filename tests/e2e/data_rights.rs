//! The customer's copy of their data, and deletion: refused while a plan is active,
//! otherwise personal data is erased and only the legally retained identity record stays.

use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use serde_json::json;

use crate::customers::{ID_NUMBER, MOBILE, UPDATE, my_data, onboarded_customer};
use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn my_data_exports_everything_masked() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    app.gql(
        UPDATE,
        json!({ "id": id, "i": { "idNumber": ID_NUMBER, "monthlyIncome": "12000" } }),
        Some(&token),
    )
    .await;
    let data = my_data(&app, &token).await;
    assert_eq!(data["profile"]["id"], id.as_str(), "{data}");
    assert_eq!(data["profile"]["idNumber"], "110***********1239");
    assert_eq!(data["profile"]["monthlyIncome"], "12000.00");
    assert_eq!(data["account"]["mobile"], "138****5678");
    assert_eq!(data["consents"].as_array().unwrap().len(), 2);
    let text = data.to_string();
    assert!(
        !text.contains(ID_NUMBER) && !text.contains(MOBILE),
        "{data}"
    );
}

#[tokio::test]
async fn deletion_is_refused_while_a_plan_is_active() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    let backend = app.db().get_database_backend();
    let plan_id = uuid::Uuid::now_v7();
    let stmt = Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DbBackend::Postgres => {
                "INSERT INTO installment_plan (id, customer_id, status, principal_fen, days_past_due, opened_at) VALUES ($1, $2, 'active', 1000000, 0, 0)"
            }
            _ => {
                "INSERT INTO installment_plan (id, customer_id, status, principal_fen, days_past_due, opened_at) VALUES (?, ?, 'active', 1000000, 0, 0)"
            }
        },
        [plan_id.into(), uuid::Uuid::parse_str(&id).unwrap().into()],
    );
    app.db().execute_raw(stmt).await.unwrap();
    let res = app
        .gql("mutation { requestDataDeletion }", json!({}), Some(&token))
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("active installment plan"),
        "{res}"
    );
    // Nothing changed.
    let still = app
        .gql(
            "{ myCustomerProfile { fullName } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(
        still["data"]["myCustomerProfile"]["fullName"], "张伟",
        "{still}"
    );
}

#[tokio::test]
async fn deletion_erases_personal_data_and_keeps_the_identity_record() {
    let app = TestApp::spawn().await;
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    app.gql(
        UPDATE,
        json!({ "id": id, "i": { "idNumber": ID_NUMBER, "address": "北京市朝阳区 1 号" } }),
        Some(&token),
    )
    .await;
    let res = app
        .gql("mutation { requestDataDeletion }", json!({}), Some(&token))
        .await;
    assert_eq!(res["data"]["requestDataDeletion"], true, "{res}");

    let after = app.gql("{ me { id } }", json!({}), Some(&token)).await;
    assert_eq!(error_code(&after), Some("UNAUTHENTICATED"), "{after}");
    let login = app.try_login(MOBILE, "a good password").await;
    assert_eq!(error_code(&login), Some("UNAUTHENTICATED"), "{login}");

    let customer = entities::customer::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap())
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(customer.status, "anonymized");
    assert_eq!(customer.full_name, "Anonymized customer");
    assert!(
        customer.id_number_enc.is_none()
            && customer.mobile_enc.is_none()
            && customer.address.is_none()
    );
    let retained = entities::retained_identity::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(retained.len(), 1);
    let years =
        (retained[0].retain_until - retained[0].relationship_ended_at) / (365 * 24 * 3600 * 1000);
    assert_eq!(years, 10);
    assert!(
        retained[0]
            .id_number_enc
            .as_deref()
            .is_some_and(|v| v.starts_with("v1:"))
    );

    // Staff can no longer find the customer.
    let agent = app.staff_token(domain::auth::Role::Agent).await;
    let seen = app
        .gql(
            "query($id: ID!) { customer(id: $id) { id } }",
            json!({ "id": id }),
            Some(&agent),
        )
        .await;
    assert_eq!(error_code(&seen), Some("NOT_FOUND"), "{seen}");
}

#[tokio::test]
async fn retained_identities_are_deleted_when_retention_ends() {
    use worker::jobs::purge_retained_identities::{KIND, PurgeRetainedIdentities};
    let app = TestApp::spawn_with_worker().await;
    let mut events = app.platform.job_events();
    let (token, id) = onboarded_customer(&app, MOBILE).await;
    app.gql(
        UPDATE,
        json!({ "id": id, "i": { "idNumber": ID_NUMBER } }),
        Some(&token),
    )
    .await;
    app.gql("mutation { requestDataDeletion }", json!({}), Some(&token))
        .await;

    let run = |key: &str| PurgeRetainedIdentities {
        run_key: key.into(),
    };
    app.clock.advance(chrono::Duration::days(365 * 10 - 5));
    app.platform.queue().push(KIND, run("early")).await.unwrap();
    let early = crate::jobs::wait_for(&mut events, KIND, "early").await;
    assert_eq!(
        early.outcome,
        worker::JobOutcome::Done(
            "deleted 0 retained identity record(s) past their retention".into()
        )
    );
    assert_eq!(
        entities::retained_identity::Entity::find()
            .all(app.db())
            .await
            .unwrap()
            .len(),
        1
    );

    app.clock.advance(chrono::Duration::days(10));
    app.platform.queue().push(KIND, run("late")).await.unwrap();
    crate::jobs::wait_for(&mut events, KIND, "late").await;
    assert!(
        entities::retained_identity::Entity::find()
            .all(app.db())
            .await
            .unwrap()
            .is_empty()
    );
}

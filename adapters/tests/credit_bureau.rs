//! The HTTP credit-bureau client against the bureau simulator, over real sockets: the
//! profiles, the refusals, and every fault the client must classify correctly.

use std::time::{Duration, Instant};

use adapters::credit_bureau::http::{HttpBureauConfig, HttpCreditBureau};
use adapters::credit_bureau::{BureauError, CreditBureau, CreditQuery, CreditReport};
use adapters::signing::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use adapters::simulators::credit_bureau::{
    BureauSimulator, Profile, SimulatorHandle, SimulatorMode,
};
use chrono::Utc;

const SECRET: &str = "simulated-bureau-shared-secret";

async fn simulator() -> SimulatorHandle {
    BureauSimulator::start(SECRET)
        .await
        .expect("the simulator starts")
}

fn client(sim: &SimulatorHandle, secret: &str, timeout: Duration) -> HttpCreditBureau {
    HttpCreditBureau::new(HttpBureauConfig {
        base_url: sim.base_url().to_owned(),
        client_id: "fenqi-tests".into(),
        secret: secret.into(),
        timeout,
        name: "sim".into(),
    })
    .expect("a valid configuration")
}

fn bureau(sim: &SimulatorHandle) -> HttpCreditBureau {
    client(sim, SECRET, HttpBureauConfig::DEFAULT_TIMEOUT)
}

fn query(id_number: &str) -> CreditQuery {
    CreditQuery {
        id_number: id_number.into(),
        name: "张三".into(),
        purpose: "installment_application".into(),
        customer_ref: None,
    }
}

fn clean() -> CreditQuery {
    query(Profile::Clean.sample_id_number())
}

/// The error, after checking it never repeats the ID number.
fn refused(result: Result<CreditReport, BureauError>, id_number: &str) -> BureauError {
    let err = result.expect_err("the call fails");
    assert!(!err.to_string().contains(id_number), "{err}");
    assert!(!format!("{err:?}").contains(id_number), "{err:?}");
    err
}

#[tokio::test]
async fn a_clean_file_comes_back_as_a_high_scored_report() {
    let sim = simulator().await;
    let before = Utc::now();
    let report = bureau(&sim).fetch(&clean()).await.unwrap();
    assert_eq!(report.score, Some(760));
    assert_eq!(report.open_accounts, 3);
    assert_eq!(report.delinquencies_24m, 0);
    assert_eq!(report.recent_inquiries, 1);
    assert!(!report.active_delinquency);
    assert_eq!(report.source, "external:sim");
    assert!(
        report.reported_at >= before - chrono::TimeDelta::seconds(1),
        "{report:?}"
    );
    assert!(report.reported_at <= Utc::now(), "{report:?}");
    assert_eq!(sim.requests(), 1);
}

#[tokio::test]
async fn each_profile_is_answered_as_documented() {
    let sim = simulator().await;
    let bureau = bureau(&sim);
    for profile in Profile::ALL {
        let report = bureau
            .fetch(&query(profile.sample_id_number()))
            .await
            .unwrap();
        let expected = profile.report("external:sim".into(), report.reported_at);
        assert_eq!(report, expected, "{profile:?}");
    }
    let thin = bureau
        .fetch(&query(Profile::ThinFile.sample_id_number()))
        .await
        .unwrap();
    assert_eq!(thin.score, None);
    let active = bureau
        .fetch(&query(Profile::ActiveDelinquency.sample_id_number()))
        .await
        .unwrap();
    assert!(active.active_delinquency && active.delinquencies_24m > 0);
    let past = bureau
        .fetch(&query(Profile::PastDelinquencies.sample_id_number()))
        .await
        .unwrap();
    assert!(!past.active_delinquency && past.delinquencies_24m > 0);
    assert_eq!(sim.requests(), 7);
}

#[tokio::test]
async fn every_inquiry_reaches_the_bureau_so_callers_can_prove_reuse() {
    let sim = simulator().await;
    let bureau = bureau(&sim);
    assert_eq!(sim.requests(), 0);
    bureau.fetch(&clean()).await.unwrap();
    bureau.fetch(&clean()).await.unwrap();
    assert_eq!(sim.requests(), 2);
}

#[tokio::test]
async fn a_request_signed_with_the_wrong_secret_is_rejected() {
    let sim = simulator().await;
    let id = Profile::Clean.sample_id_number();
    let err = refused(
        client(&sim, "not-the-shared-secret", Duration::from_secs(5))
            .fetch(&query(id))
            .await,
        id,
    );
    assert!(
        matches!(&err, BureauError::Rejected(m) if m.contains("401") && m.contains("bad_signature")),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(sim.requests(), 1);
}

#[tokio::test]
async fn an_invalid_id_number_is_rejected_without_being_repeated() {
    let sim = simulator().await;
    let id = "110105199003071238";
    let err = refused(bureau(&sim).fetch(&query(id)).await, id);
    assert!(
        matches!(&err, BureauError::Rejected(m) if m.contains("invalid_id_number")),
        "{err}"
    );
}

#[tokio::test]
async fn an_outage_is_unavailable_and_retryable_and_recovery_is_seen() {
    let sim = simulator().await;
    let bureau = bureau(&sim);
    let id = Profile::Clean.sample_id_number();
    for status in [503, 500, 429] {
        sim.set_mode(SimulatorMode::Outage(status));
        let err = refused(bureau.fetch(&clean()).await, id);
        assert!(
            matches!(&err, BureauError::Unavailable(m) if m.contains(&status.to_string())),
            "{err}"
        );
        assert!(err.is_retryable());
    }
    sim.set_mode(SimulatorMode::Outage(403));
    assert!(matches!(
        bureau.fetch(&clean()).await,
        Err(BureauError::Rejected(_))
    ));
    sim.set_mode(SimulatorMode::Normal);
    assert_eq!(sim.mode(), SimulatorMode::Normal);
    assert_eq!(bureau.fetch(&clean()).await.unwrap().score, Some(760));
}

#[tokio::test]
async fn a_bureau_slower_than_the_client_timeout_is_unavailable_quickly() {
    let sim = simulator().await;
    sim.set_mode(SimulatorMode::Slow(Duration::from_secs(10)));
    let bureau = client(&sim, SECRET, Duration::from_millis(300));
    let started = Instant::now();
    let id = Profile::Clean.sample_id_number();
    let err = refused(bureau.fetch(&clean()).await, id);
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, BureauError::Unavailable(m) if m.contains("in time")),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_slow_bureau_within_the_timeout_still_answers() {
    let sim = simulator().await;
    sim.set_mode(SimulatorMode::Slow(Duration::from_millis(100)));
    let report = client(&sim, SECRET, Duration::from_secs(2))
        .fetch(&clean())
        .await
        .unwrap();
    assert_eq!(report.score, Some(760));
}

#[tokio::test]
async fn a_malformed_answer_is_malformed() {
    let sim = simulator().await;
    sim.set_mode(SimulatorMode::Malformed);
    let id = Profile::Clean.sample_id_number();
    let err = refused(bureau(&sim).fetch(&clean()).await, id);
    assert!(
        matches!(&err, BureauError::Malformed(m) if m.contains("not a credit report")),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_badly_signed_answer_is_malformed() {
    let sim = simulator().await;
    sim.set_mode(SimulatorMode::BadSignature);
    let id = Profile::Clean.sample_id_number();
    let err = refused(bureau(&sim).fetch(&clean()).await, id);
    assert!(
        matches!(&err, BureauError::Malformed(m) if m.contains("signature")),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_stopped_bureau_is_unavailable() {
    let sim = simulator().await;
    let bureau = bureau(&sim);
    sim.stop().await;
    let id = Profile::Clean.sample_id_number();
    let err = refused(bureau.fetch(&clean()).await, id);
    assert!(
        matches!(&err, BureauError::Unavailable(m) if m.contains("connect")),
        "{err}"
    );
}

/// Talks to the simulator without the client, to show what it refuses and how.
#[tokio::test]
async fn the_simulator_refuses_unsigned_replayed_and_anonymous_requests() {
    let sim = simulator().await;
    let url = format!("{}/v1/credit-reports", sim.base_url());
    let http = reqwest::Client::new();
    let body = serde_json::to_vec(&serde_json::json!({
        "requestId": "r-1",
        "idNumber": Profile::Clean.sample_id_number(),
        "name": "张三",
        "purpose": "installment_application"
    }))
    .unwrap();
    let post = |timestamp: Option<i64>, client: bool| {
        let mut request = http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body.clone());
        if let Some(t) = timestamp {
            request = request
                .header(TIMESTAMP_HEADER, t.to_string())
                .header(SIGNATURE_HEADER, signing::sign(SECRET.as_bytes(), t, &body));
        }
        if client {
            request = request.header("X-Fenqi-Client", "raw");
        }
        request.send()
    };
    let code = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let json: serde_json::Value = response.json().await.unwrap();
        (
            status,
            json["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let now = Utc::now().timestamp();

    assert_eq!(
        code(post(None, true).await.unwrap()).await,
        (401, "missing_signature".into())
    );
    assert_eq!(
        code(post(Some(now - 3600), true).await.unwrap()).await,
        (401, "replayed".into())
    );
    assert_eq!(
        code(post(Some(now), false).await.unwrap()).await,
        (401, "unknown_client".into())
    );

    let ok = post(Some(now), true).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let (timestamp, signature) = (
        ok.headers()[TIMESTAMP_HEADER].to_str().unwrap().to_owned(),
        ok.headers()[SIGNATURE_HEADER].to_str().unwrap().to_owned(),
    );
    let answer = ok.bytes().await.unwrap();
    signing::verify(
        SECRET.as_bytes(),
        Some(&timestamp),
        Some(&signature),
        &answer,
        Utc::now(),
        signing::DEFAULT_REPLAY_WINDOW,
    )
    .expect("the simulator signs its answers");
    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["requestId"], "r-1");
    assert_eq!(answer["creditScore"], 760);
    assert_eq!(answer["delinquencies24m"], 0);
    assert_eq!(answer["inquiries6m"], 1);
    assert_eq!(sim.requests(), 4);
}

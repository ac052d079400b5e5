//! The HTTP platform client against the partner simulator, over real sockets: the
//! catalogue and prices, plans, money that moves exactly once whatever the network does,
//! outcomes that are not errors, outages, the circuit breaker, forged answers, statements
//! and signed callbacks.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use adapters::platforms::{
    BreakerSettings, BreakerState, CallbackError, CallbackEvent, CallbackHeaders, CollectOutcome,
    CollectRequest, EventKind, HttpPlatform, HttpPlatformConfig, InstallmentPlatform,
    MovementStatus, OpenPlanRequest, PlanFrequency, PlanMethod, PlanState, PlanStatus,
    PlatformError, PrepayRequest, QuoteRequest, StatementLine,
};
use adapters::signed_http::{PartnerEndpoint, RetryPolicy};
use adapters::signing::{self, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER};
use adapters::simulators::partner::{
    CallbackFault, Clock, DemoCatalogue, Fault, MovementKind, PartnerHandle, PartnerSimConfig,
    PartnerSimulator,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use tokio::sync::mpsc;
use uuid::Uuid;

const SECRET: &str = "partner-a-shared-secret";
const CODE: &str = "partner-a";

/// A clock the test moves by hand, starting at the wall clock's second (the client signs
/// its requests on the wall clock, and the simulator checks them within five minutes).
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn new() -> Self {
        Self::at(Utc::now().timestamp())
    }

    fn at(seconds: i64) -> Self {
        Self(Arc::new(AtomicI64::new(seconds)))
    }

    fn clock(&self) -> Clock {
        let seconds = self.0.clone();
        Arc::new(move || {
            DateTime::from_timestamp(seconds.load(Ordering::SeqCst), 0).expect("a valid instant")
        })
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock())()
    }

    fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

async fn start(variant: DemoCatalogue, clock: &TestClock) -> PartnerHandle {
    let code = match variant {
        DemoCatalogue::PartnerA => CODE,
        DemoCatalogue::PartnerB => "partner-b",
    };
    PartnerSimulator::start(PartnerSimConfig::demo(code, SECRET, variant).with_clock(clock.clock()))
        .await
        .expect("the simulator starts")
}

/// Fast retries, so a test with retries takes milliseconds.
const RETRY: RetryPolicy = RetryPolicy {
    attempts: 3,
    base_delay: Duration::from_millis(20),
    max_delay: Duration::from_millis(50),
};

fn platform_with(
    sim: &PartnerHandle,
    secret: &str,
    timeout: Duration,
    retry: RetryPolicy,
    breaker: BreakerSettings,
    clock: &TestClock,
) -> HttpPlatform {
    let mut endpoint = PartnerEndpoint::new(CODE, sim.base_url(), "fenqi-tests", secret);
    endpoint.timeout = timeout;
    let mut config = HttpPlatformConfig::new(CODE, endpoint);
    config.retry = retry;
    config.breaker = breaker;
    HttpPlatform::new(config, clock.clock()).expect("a valid configuration")
}

fn client(sim: &PartnerHandle, clock: &TestClock) -> HttpPlatform {
    platform_with(
        sim,
        SECRET,
        Duration::from_secs(5),
        RETRY,
        BreakerSettings::default(),
        clock,
    )
}

fn quote_request(product: &str, grade: &str, amount_fen: i64, periods: u32) -> QuoteRequest {
    QuoteRequest {
        product_code: product.into(),
        grade: grade.into(),
        amount_fen,
        periods,
        frequency: PlanFrequency::Monthly,
    }
}

/// Opens a 12,000-yuan, 12-month PA-EI plan for grade A at the quoted price.
async fn open_plan(platform: &HttpPlatform, key: &str) -> PlanStatus {
    let pricing = platform
        .quote(&quote_request("PA-EI", "A", 1_200_000, 12))
        .await
        .expect("a quote");
    platform
        .open_plan(&open_request(key, pricing))
        .await
        .expect("a plan")
}

fn open_request(key: &str, pricing: adapters::platforms::PricingTerms) -> OpenPlanRequest {
    OpenPlanRequest {
        idempotency_key: key.into(),
        application_id: Uuid::nil(),
        customer_id: Uuid::nil(),
        product_code: pricing.product_code.clone(),
        amount_fen: 1_200_000,
        periods: 12,
        frequency: PlanFrequency::Monthly,
        pricing,
        payment_day: 15,
        start_date: NaiveDate::from_ymd_opt(2026, 1, 15).expect("a date"),
    }
}

fn collect(key: &str, plan_ref: &str, amount_fen: i64) -> CollectRequest {
    CollectRequest {
        idempotency_key: key.into(),
        customer_id: Uuid::nil(),
        plan_ref: plan_ref.into(),
        amount_fen,
    }
}

fn rejected_with(err: &PlatformError, code: &str) -> bool {
    matches!(err, PlatformError::Rejected(m) if m.contains(code))
}

#[tokio::test]
async fn the_catalogue_and_prices_come_back_as_the_partner_sells_them() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = client(&sim, &clock);
    assert_eq!(
        platform.products().await.unwrap(),
        DemoCatalogue::PartnerA.products()
    );

    let terms = platform
        .quote(&quote_request("PA-EI", "B", 1_200_000, 12))
        .await
        .unwrap();
    assert_eq!(terms.product_code, "PA-EI");
    assert_eq!(terms.method, PlanMethod::EqualInstallment);
    assert_eq!(terms.annual_rate, Decimal::new(98, 3));
    assert_eq!(terms.period_fee_rate, None);

    // Partner A serves neither grade D nor 36 installments: a refusal, not an outage.
    for refused in [
        quote_request("PA-EI", "D", 1_200_000, 12),
        quote_request("PA-EI", "A", 1_200_000, 36),
        quote_request("PA-EI", "A", 50_000, 12),
        quote_request("NOPE", "A", 1_200_000, 12),
    ] {
        let err = platform.quote(&refused).await.unwrap_err();
        assert!(rejected_with(&err, "not_offered"), "{err}");
        assert!(!err.is_retryable());
    }
    assert_eq!(sim.requests(), 6);

    let sim_b = start(DemoCatalogue::PartnerB, &clock).await;
    let b = client(&sim_b, &clock);
    let mut quarterly = quote_request("PB-FEE", "D", 3_000_000, 24);
    quarterly.frequency = PlanFrequency::Quarterly;
    let fee = b.quote(&quarterly).await.unwrap();
    assert_eq!(fee.method, PlanMethod::FeeBased);
    assert_eq!(fee.annual_rate, Decimal::ZERO);
    assert_eq!(fee.period_fee_rate, Some(Decimal::new(95, 4)));
}

#[tokio::test]
async fn plans_open_once_per_key_and_cancel_raises_the_sequence() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = client(&sim, &clock);
    let first = open_plan(&platform, "app-1").await;
    assert_eq!(
        first,
        PlanStatus {
            plan_ref: "PA-000001".into(),
            state: PlanState::Active,
            sequence: 1
        }
    );
    assert_eq!(
        open_plan(&platform, "app-1").await,
        first,
        "same key, same plan"
    );
    assert_eq!(open_plan(&platform, "app-2").await.plan_ref, "PA-000002");

    // The same key for other terms is refused, and opens nothing.
    let pricing = platform
        .quote(&quote_request("PA-EI", "C", 1_200_000, 12))
        .await
        .unwrap();
    let err = platform
        .open_plan(&open_request("app-1", pricing.clone()))
        .await
        .unwrap_err();
    assert!(rejected_with(&err, "idempotency_key_reused"), "{err}");
    // A price outside every grade's range is not sold.
    let mut cheap = pricing;
    cheap.annual_rate = Decimal::new(1, 2);
    let err = platform
        .open_plan(&open_request("app-3", cheap))
        .await
        .unwrap_err();
    assert!(rejected_with(&err, "not_offered"), "{err}");
    assert_eq!(sim.plan("PA-000003"), None);

    let cancelled = platform
        .cancel("PA-000001", "customer withdrew")
        .await
        .unwrap();
    assert_eq!(cancelled.state, PlanState::Cancelled);
    assert_eq!(cancelled.sequence, 2);
    assert_eq!(
        platform.cancel("PA-000001", "again").await.unwrap(),
        cancelled,
        "cancelling twice ends the same plan"
    );
    assert_eq!(platform.plan_status("PA-000001").await.unwrap(), cancelled);
    assert_eq!(
        platform
            .collect(&collect("c-1", "PA-000001", 100_000))
            .await,
        Ok(CollectOutcome::AccountClosed)
    );
    let err = platform.plan_status("PA-999999").await.unwrap_err();
    assert!(rejected_with(&err, "unknown_plan"), "{err}");
    assert!(matches!(
        platform.collect(&collect("c-2", "PA-999999", 100_000)).await,
        Ok(CollectOutcome::Rejected { reason }) if reason.contains("PA-999999")
    ));
}

#[tokio::test]
async fn a_collect_whose_answer_is_lost_is_retried_with_its_key_and_moves_money_once() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let plan = open_plan(&client(&sim, &clock), "app-1").await;
    let platform = platform_with(
        &sim,
        SECRET,
        Duration::from_millis(300),
        RETRY,
        BreakerSettings::default(),
        &clock,
    );
    let before = sim.requests();
    // The first attempt is processed, then its answer stalls past the client's timeout.
    sim.set_fault_for(Fault::ProcessThenStall(Duration::from_secs(2)), 1);
    let outcome = platform
        .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
        .await
        .unwrap();
    let CollectOutcome::Succeeded { reference } = outcome else {
        panic!("the retry answers the first outcome, got {outcome:?}");
    };
    assert_eq!(sim.requests(), before + 2, "one stalled attempt, one retry");
    assert_eq!(sim.moved_fen(&plan.plan_ref), 105_000);
    assert_eq!(sim.balance_fen(&plan.plan_ref), Some(10_000_000 - 105_000));
    let movements = sim.movements();
    assert_eq!(movements.len(), 1);
    assert_eq!(movements[0].reference, reference);
    assert_eq!(movements[0].idempotency_key, "entry-1:1");
    assert_eq!(movements[0].kind, MovementKind::Collect);

    // Asked again later, the key still answers the first outcome and moves nothing.
    assert_eq!(
        platform
            .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
            .await,
        Ok(CollectOutcome::Succeeded {
            reference: reference.clone()
        })
    );
    // The same key for another amount is refused and moves nothing.
    let err = platform
        .collect(&collect("entry-1:1", &plan.plan_ref, 1))
        .await
        .unwrap_err();
    assert!(rejected_with(&err, "idempotency_key_reused"), "{err}");
    assert_eq!(sim.moved_fen(&plan.plan_ref), 105_000);
    assert_eq!(sim.movements().len(), 1);
}

#[tokio::test]
async fn when_every_answer_is_lost_the_money_still_moves_once_and_the_key_tells_later() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let plan = open_plan(&client(&sim, &clock), "app-1").await;
    let platform = platform_with(
        &sim,
        SECRET,
        Duration::from_millis(300),
        RETRY,
        BreakerSettings::default(),
        &clock,
    );
    let before = sim.requests();
    sim.set_fault(Fault::ProcessThenStall(Duration::from_secs(1)));
    let err = platform
        .prepay(&PrepayRequest {
            idempotency_key: "prepay-1".into(),
            customer_id: Uuid::nil(),
            plan_ref: plan.plan_ref.clone(),
            amount_fen: 300_000,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PlatformError::Unavailable(m) if m.contains("in time")),
        "{err}"
    );
    assert_eq!(sim.requests(), before + 3, "three attempts, all stalled");
    assert_eq!(
        sim.moved_fen(&plan.plan_ref),
        300_000,
        "moved once, not three times"
    );

    sim.set_fault(Fault::None);
    let again = platform
        .prepay(&PrepayRequest {
            idempotency_key: "prepay-1".into(),
            customer_id: Uuid::nil(),
            plan_ref: plan.plan_ref.clone(),
            amount_fen: 300_000,
        })
        .await
        .unwrap();
    let movements = sim.movements();
    assert_eq!(movements.len(), 1);
    assert_eq!(movements[0].kind, MovementKind::Prepayment);
    assert_eq!(
        again,
        CollectOutcome::Succeeded {
            reference: movements[0].reference.clone()
        }
    );
}

#[tokio::test]
async fn too_little_money_is_an_outcome_and_its_key_keeps_it() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = client(&sim, &clock);
    let plan = open_plan(&platform, "app-1").await;
    assert!(sim.set_balance(&plan.plan_ref, 50_000));
    assert!(!sim.set_balance("PA-999999", 1));

    assert_eq!(
        platform
            .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
            .await,
        Ok(CollectOutcome::InsufficientFunds)
    );
    assert_eq!(sim.moved_fen(&plan.plan_ref), 0);
    assert_eq!(sim.balance_fen(&plan.plan_ref), Some(50_000));
    assert_eq!(platform.health().breaker, BreakerState::Closed);
    assert_eq!(platform.health().consecutive_failures, 0);

    // Topped up, the same key still answers its first outcome; a new attempt succeeds.
    sim.set_balance(&plan.plan_ref, 200_000);
    assert_eq!(
        platform
            .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
            .await,
        Ok(CollectOutcome::InsufficientFunds)
    );
    assert!(matches!(
        platform
            .collect(&collect("entry-1:2", &plan.plan_ref, 105_000))
            .await,
        Ok(CollectOutcome::Succeeded { .. })
    ));
    assert_eq!(sim.moved_fen(&plan.plan_ref), 105_000);
    assert_eq!(sim.balance_fen(&plan.plan_ref), Some(95_000));
    let statuses: Vec<_> = sim.movements().iter().map(|m| m.status()).collect();
    assert_eq!(
        statuses,
        [MovementStatus::Failed, MovementStatus::Succeeded]
    );
}

#[tokio::test]
async fn an_outage_is_unavailable_after_the_retries_and_a_4xx_is_a_refusal() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = client(&sim, &clock);
    for status in [503_u16, 500, 429] {
        sim.set_fault(Fault::Outage(status));
        let before = sim.requests();
        let err = platform.products().await.unwrap_err();
        assert!(
            matches!(&err, PlatformError::Unavailable(m) if m.contains(&status.to_string())),
            "{err}"
        );
        assert!(err.is_retryable());
        assert_eq!(sim.requests(), before + 3, "retried");
    }
    sim.set_fault(Fault::Outage(403));
    let err = platform.products().await.unwrap_err();
    assert!(matches!(err, PlatformError::Rejected(_)), "{err}");
    sim.set_fault(Fault::None);
    assert_eq!(sim.fault(), Fault::None);
    assert_eq!(platform.products().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_breaker_opens_after_the_threshold_and_closes_once_the_partner_is_back() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = platform_with(
        &sim,
        SECRET,
        Duration::from_secs(5),
        RetryPolicy::NONE,
        BreakerSettings {
            failure_threshold: 3,
            open_for: Duration::from_secs(30),
        },
        &clock,
    );
    sim.set_fault(Fault::Outage(503));
    for _ in 0..3 {
        assert!(matches!(
            platform.products().await,
            Err(PlatformError::Unavailable(_))
        ));
    }
    assert_eq!(sim.requests(), 3);
    assert_eq!(platform.health().breaker, BreakerState::Open);

    // Open: refused at once, without reaching the partner, even once it is healthy.
    sim.set_fault(Fault::None);
    for _ in 0..2 {
        let err = platform.products().await.unwrap_err();
        assert!(
            matches!(&err, PlatformError::Unavailable(m) if m.contains("resume")),
            "{err}"
        );
    }
    clock.advance(29);
    assert!(platform.products().await.is_err());
    assert_eq!(sim.requests(), 3, "nothing reached the partner while open");

    clock.advance(1);
    assert_eq!(platform.health().breaker, BreakerState::HalfOpen);
    assert_eq!(
        platform.products().await.unwrap().len(),
        2,
        "the trial call"
    );
    assert_eq!(sim.requests(), 4);
    let health = platform.health();
    assert_eq!(health.breaker, BreakerState::Closed);
    assert_eq!(health.times_opened, 1);
    assert_eq!(health.consecutive_failures, 0);
}

#[tokio::test]
async fn forged_and_unreadable_answers_are_unavailable_though_the_money_moved_once() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = client(&sim, &clock);
    let plan = open_plan(&platform, "app-1").await;

    sim.set_fault(Fault::ForgedSignature);
    let err = platform
        .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PlatformError::Unavailable(m) if m.contains("signature")),
        "{err}"
    );
    assert_eq!(sim.moved_fen(&plan.plan_ref), 105_000);
    assert_eq!(sim.movements().len(), 1);

    sim.set_fault(Fault::Malformed);
    let err = platform.products().await.unwrap_err();
    assert!(
        matches!(&err, PlatformError::Unavailable(m) if m.contains("cannot read")),
        "{err}"
    );
    assert_eq!(platform.health().consecutive_failures, 2);

    sim.set_fault(Fault::None);
    assert!(matches!(
        platform
            .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
            .await,
        Ok(CollectOutcome::Succeeded { .. })
    ));
    assert_eq!(sim.moved_fen(&plan.plan_ref), 105_000);
}

#[tokio::test]
async fn requests_signed_with_another_secret_are_refused() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = platform_with(
        &sim,
        "not-the-shared-secret",
        Duration::from_secs(5),
        RETRY,
        BreakerSettings::default(),
        &clock,
    );
    let err = platform.products().await.unwrap_err();
    assert!(
        matches!(&err, PlatformError::Rejected(m) if m.contains("401") && m.contains("bad_signature")),
        "{err}"
    );
    assert_eq!(sim.requests(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn a_statement_reports_the_day_with_the_planted_mismatches() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = client(&sim, &clock);
    let plan = open_plan(&platform, "app-1").await;
    // The partner keeps its books in China Standard Time (UTC+8).
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let today = clock.now().with_timezone(&china).date_naive();
    let yesterday = today - TimeDelta::days(1);

    let reference = |outcome: CollectOutcome| match outcome {
        CollectOutcome::Succeeded { reference } => reference,
        other => panic!("expected a success, got {other:?}"),
    };
    let kept = reference(
        platform
            .collect(&collect("k-1", &plan.plan_ref, 105_000))
            .await
            .unwrap(),
    );
    let hidden = reference(
        platform
            .collect(&collect("k-2", &plan.plan_ref, 105_000))
            .await
            .unwrap(),
    );
    sim.set_balance(&plan.plan_ref, 0);
    assert_eq!(
        platform
            .collect(&collect("k-3", &plan.plan_ref, 105_000))
            .await,
        Ok(CollectOutcome::InsufficientFunds)
    );
    let failed = sim.movements()[2].reference.clone();

    let planted = StatementLine {
        reference: "PAY-NEVER-OURS".into(),
        plan_ref: plan.plan_ref.clone(),
        amount_fen: 77_700,
        status: MovementStatus::Succeeded,
        occurred_at: clock.now() + TimeDelta::seconds(1),
    };
    sim.plant_statement_line(planted.clone());
    sim.hide_from_statement(&hidden);
    sim.alter_statement_amount(&kept, 100_500);
    let mut older = planted.clone();
    older.reference = "PAY-YESTERDAY".into();
    older.occurred_at = clock.now() - TimeDelta::days(1);
    sim.plant_statement_line(older.clone());

    let statement = platform.statement(today).await.unwrap();
    assert_eq!(statement.date, today);
    let lines: Vec<_> = statement
        .lines
        .iter()
        .map(|l| (l.reference.as_str(), l.amount_fen, l.status))
        .collect();
    assert_eq!(
        lines,
        [
            (kept.as_str(), 100_500, MovementStatus::Succeeded),
            (failed.as_str(), 105_000, MovementStatus::Failed),
            ("PAY-NEVER-OURS", 77_700, MovementStatus::Succeeded),
        ]
    );
    assert!(statement.lines.iter().all(|l| l.plan_ref == plan.plan_ref));
    assert_eq!(statement.lines[0].occurred_at, clock.now());

    let before = platform.statement(yesterday).await.unwrap();
    assert_eq!(before.lines, [older]);
    // The books stay true: both collects moved money.
    assert_eq!(sim.moved_fen(&plan.plan_ref), 210_000);
}

/// A callback endpoint of ours for the simulator to call: it checks each delivery with
/// the platform's `parse_callback`, answers 200, 401 or 400, and reports what it parsed.
struct Receiver {
    url: String,
    deliveries: mpsc::UnboundedReceiver<Result<CallbackEvent, CallbackError>>,
    _server: actix_web::dev::ServerHandle,
}

impl Receiver {
    async fn start(platform: Arc<HttpPlatform>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let server = HttpServer::new(move || {
            let platform = platform.clone();
            let tx = tx.clone();
            App::new().route(
                "/callbacks/{code}",
                web::post().to(move |request: HttpRequest, body: web::Bytes| {
                    let platform = platform.clone();
                    let tx = tx.clone();
                    async move {
                        let header = |name| {
                            request.headers().get(name).and_then(
                                |v: &actix_web::http::header::HeaderValue| v.to_str().ok(),
                            )
                        };
                        let parsed = platform.parse_callback(
                            CallbackHeaders {
                                timestamp: header(TIMESTAMP_HEADER),
                                signature: header(SIGNATURE_HEADER),
                            },
                            &body,
                            Utc::now(),
                        );
                        let status = match &parsed {
                            Ok(_) => 200,
                            Err(CallbackError::Signature(_)) => 401,
                            Err(_) => 400,
                        };
                        let _ = tx.send(parsed);
                        HttpResponse::build(
                            actix_web::http::StatusCode::from_u16(status).expect("a status"),
                        )
                        .finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("a free port");
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{address}/callbacks/{CODE}"),
            deliveries: rx,
            _server: handle,
        }
    }

    async fn next(&mut self) -> Result<CallbackEvent, CallbackError> {
        tokio::time::timeout(Duration::from_secs(5), self.deliveries.recv())
            .await
            .expect("a delivery arrives")
            .expect("the receiver is running")
    }

    fn nothing_more(&mut self) -> bool {
        self.deliveries.try_recv().is_err()
    }
}

async fn with_receiver() -> (
    TestClock,
    PartnerHandle,
    Arc<HttpPlatform>,
    Receiver,
    PlanStatus,
) {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = Arc::new(client(&sim, &clock));
    let receiver = Receiver::start(platform.clone()).await;
    sim.set_callback_url(&receiver.url);
    let plan = open_plan(&platform, "app-1").await;
    (clock, sim, platform, receiver, plan)
}

#[tokio::test]
async fn signed_callbacks_are_accepted_and_forged_or_stale_ones_refused() {
    let (_clock, sim, platform, mut receiver, plan) = with_receiver().await;
    let CollectOutcome::Succeeded { reference } = platform
        .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
        .await
        .unwrap()
    else {
        panic!("the collect succeeds");
    };
    let event = sim.payment_event(&reference).expect("the movement exists");
    assert_eq!(event.kind, EventKind::PaymentSucceeded);
    assert_eq!(event.sequence, 2);
    let payment = event.payment.clone().expect("a payment report");
    assert_eq!(payment.reference, reference);
    assert_eq!(payment.idempotency_key.as_deref(), Some("entry-1:1"));
    assert_eq!(payment.amount_fen, 105_000);

    assert_eq!(sim.send_event(&event).await, Ok(vec![200]));
    assert_eq!(receiver.next().await, Ok(event.clone()));

    sim.set_callback_fault(CallbackFault::Forged);
    assert_eq!(sim.send_event(&event).await, Ok(vec![401]));
    assert_eq!(
        receiver.next().await,
        Err(CallbackError::Signature(SignatureError::Mismatch))
    );
    sim.set_callback_fault(CallbackFault::Stale);
    assert_eq!(sim.send_event(&event).await, Ok(vec![401]));
    assert!(matches!(
        receiver.next().await,
        Err(CallbackError::Signature(
            SignatureError::OutsideWindow { .. }
        ))
    ));

    let status = sim
        .change_plan_state(&plan.plan_ref, PlanState::Defaulted)
        .expect("the plan changes");
    assert_eq!(status.state, Some(PlanState::Defaulted));
    assert_eq!(status.sequence, 3);
    assert_eq!(sim.plan(&plan.plan_ref).map(|p| p.sequence), Some(3));
    assert!(receiver.nothing_more());
}

#[tokio::test]
async fn a_signed_body_that_is_not_an_event_is_malformed() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let platform = client(&sim, &clock);
    let now = Utc::now();
    let parse = |body: &[u8]| {
        let signature = signing::sign(SECRET.as_bytes(), now.timestamp(), body);
        let timestamp = now.timestamp().to_string();
        platform.parse_callback(
            CallbackHeaders {
                timestamp: Some(&timestamp),
                signature: Some(&signature),
            },
            body,
            now,
        )
    };
    assert!(matches!(
        parse(b"{\"eventId\": "),
        Err(CallbackError::Malformed(_))
    ));
    let no_payment = br#"{"eventId":"evt-1","type":"payment.succeeded","planRef":"PA-000001","sequence":2,"occurredAt":"2026-11-30T08:00:00Z"}"#;
    assert!(matches!(
        parse(no_payment),
        Err(CallbackError::Malformed(m)) if m.contains("needs a payment")
    ));
    let unsigned = platform.parse_callback(CallbackHeaders::default(), no_payment, now);
    assert_eq!(
        unsigned,
        Err(CallbackError::Signature(SignatureError::MissingTimestamp))
    );
}

#[tokio::test]
async fn callbacks_can_be_dropped_duplicated_and_reordered() {
    let (_clock, sim, _platform, mut receiver, plan) = with_receiver().await;
    let first = sim
        .change_plan_state(&plan.plan_ref, PlanState::Closed)
        .expect("closed");
    let second = sim
        .change_plan_state(&plan.plan_ref, PlanState::Defaulted)
        .expect("defaulted");
    assert!(second.sequence > first.sequence);
    assert_ne!(first.event_id, second.event_id);

    sim.set_callback_fault(CallbackFault::Dropped);
    assert_eq!(sim.send_event(&first).await, Ok(vec![]));

    sim.set_callback_fault(CallbackFault::Duplicated);
    assert_eq!(sim.send_event(&first).await, Ok(vec![200, 200]));
    assert_eq!(receiver.next().await, Ok(first.clone()));
    assert_eq!(receiver.next().await, Ok(first.clone()));

    sim.set_callback_fault(CallbackFault::Reordered);
    assert_eq!(sim.send_event(&first).await, Ok(vec![]));
    assert_eq!(sim.send_event(&second).await, Ok(vec![]));
    assert_eq!(sim.held_callbacks(), 2);
    assert!(receiver.nothing_more());
    assert_eq!(sim.flush_callbacks().await, Ok(vec![200, 200]));
    assert_eq!(sim.held_callbacks(), 0);
    assert_eq!(receiver.next().await, Ok(second));
    assert_eq!(receiver.next().await, Ok(first));
    assert!(receiver.nothing_more());
}

#[tokio::test]
async fn automatic_callbacks_follow_collects_and_cancellations() {
    let (_clock, sim, platform, mut receiver, plan) = with_receiver().await;
    sim.set_auto_callbacks(true);
    sim.set_balance(&plan.plan_ref, 100_000);
    assert_eq!(
        platform
            .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
            .await,
        Ok(CollectOutcome::InsufficientFunds)
    );
    let failed = receiver.next().await.expect("a signed event");
    assert_eq!(failed.kind, EventKind::PaymentFailed);
    let report = failed.payment.expect("a payment report");
    assert_eq!(report.idempotency_key.as_deref(), Some("entry-1:1"));
    assert_eq!(report.reason.as_deref(), Some("insufficient funds"));

    // A repeated key moves nothing and reports nothing new.
    platform
        .collect(&collect("entry-1:1", &plan.plan_ref, 105_000))
        .await
        .unwrap();
    platform.cancel(&plan.plan_ref, "fraud").await.unwrap();
    let cancelled = receiver.next().await.expect("a signed event");
    assert_eq!(cancelled.kind, EventKind::PlanStatusChanged);
    assert_eq!(cancelled.state, Some(PlanState::Cancelled));
    assert_eq!(cancelled.sequence, 3);
}

/// Talks to the simulator without the client, to show what it refuses and how.
#[tokio::test]
async fn the_simulator_refuses_unsigned_replayed_anonymous_and_unreadable_requests() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerA, &clock).await;
    let url = format!("{}/v1/collects", sim.base_url());
    let http = reqwest::Client::new();
    let post = |body: &'static [u8], timestamp: Option<i64>, client: bool| {
        let mut request = http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(t) = timestamp {
            request = request
                .header(TIMESTAMP_HEADER, t.to_string())
                .header(SIGNATURE_HEADER, signing::sign(SECRET.as_bytes(), t, body));
        }
        if client {
            request = request.header("X-Fenqi-Client", "raw");
        }
        request.send()
    };
    let code = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let timestamp = response.headers()[TIMESTAMP_HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        let signature = response.headers()[SIGNATURE_HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.bytes().await.unwrap();
        signing::verify(
            SECRET.as_bytes(),
            Some(&timestamp),
            Some(&signature),
            &body,
            Utc::now(),
            signing::DEFAULT_REPLAY_WINDOW,
        )
        .expect("errors are signed too");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        (
            status,
            json["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let money: &[u8] = br#"{"idempotencyKey":"k","planRef":"PA-000001","amountFen":100}"#;
    let now = clock.now().timestamp();

    assert_eq!(
        code(post(money, None, true).await.unwrap()).await,
        (401, "missing_signature".into())
    );
    assert_eq!(
        code(post(money, Some(now - 301), true).await.unwrap()).await,
        (401, "replayed".into())
    );
    assert_eq!(
        code(post(money, Some(now), false).await.unwrap()).await,
        (401, "unknown_client".into())
    );
    assert_eq!(
        code(post(b"{\"planRef\":", Some(now), true).await.unwrap()).await,
        (400, "bad_request".into())
    );
    assert_eq!(
        code(
            post(
                br#"{"idempotencyKey":"k","planRef":"PA-000001","amountFen":0}"#,
                Some(now),
                true
            )
            .await
            .unwrap()
        )
        .await,
        (400, "invalid_amount".into())
    );
    assert_eq!(sim.requests(), 5);
    assert!(sim.movements().is_empty());

    // The simulator's own clock decides what is a replay: moved six minutes on, a client
    // still on the old time sends a signature too old for it.
    let behind = TestClock::at(clock.now().timestamp());
    clock.advance(360);
    let err = client(&sim, &behind).products().await.unwrap_err();
    assert!(rejected_with(&err, "replayed"), "{err}");
}

#[tokio::test]
async fn partner_b_takes_early_repayment_only_after_one_paid_installment() {
    let clock = TestClock::new();
    let sim = start(DemoCatalogue::PartnerB, &clock).await;
    let platform = client(&sim, &clock);
    let mut quote = quote_request("PB-FEE", "A", 1_200_000, 12);
    quote.frequency = PlanFrequency::Quarterly;
    let pricing = platform.quote(&quote).await.unwrap();
    let mut open = open_request("app-b", pricing);
    open.frequency = PlanFrequency::Quarterly;
    let plan = sim.open_plan_direct(&open).expect("opened without HTTP");
    assert_eq!(plan.plan_ref, "PB-000001");
    assert_eq!(platform.plan_status("PB-000001").await.unwrap(), plan);

    let prepay = |key: &str| PrepayRequest {
        idempotency_key: key.into(),
        customer_id: Uuid::nil(),
        plan_ref: plan.plan_ref.clone(),
        amount_fen: 500_000,
    };
    assert!(matches!(
        platform.prepay(&prepay("p-1")).await,
        Ok(CollectOutcome::Rejected { reason }) if reason.contains("(0 paid)")
    ));
    assert!(matches!(
        platform
            .collect(&collect("c-1", &plan.plan_ref, 107_200))
            .await,
        Ok(CollectOutcome::Succeeded { .. })
    ));
    assert!(matches!(
        platform.prepay(&prepay("p-2")).await,
        Ok(CollectOutcome::Succeeded { .. })
    ));
    assert_eq!(sim.moved_fen(&plan.plan_ref), 607_200);
}

//! Faults in the middle of the repayment day, with real `fenqi work` processes: a worker
//! killed with `kill -9` while debits run and another started in its place; close of
//! business run again; a debit job delivered twice. Each leaves exactly one payment per
//! installment and a ledger whose collections equal what was posted.

use std::sync::Arc;
use std::time::Duration;

use adapters::platforms::InternalPlatform;
use chrono::Utc;
use domain::clock::Clock;
use domain::repayment::engine::PlanTerms;
use entities::debit_attempt::{self, DebitStatus};
use entities::{installment_plan, outbox_message, plan_entry, plan_payment};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;
use worker::jobs::close_of_business::{CloseOfBusinessJob, KIND as COB, sweep};
use worker::jobs::debit::{DebitJob, KIND as DEBIT};

use crate::helpers::TestApp;
use crate::processes::{FenqiProcess, eventually, eventually_explained};

const PLANS: usize = 200;
pub(crate) const INSTALLMENT: i64 = 10_000;

/// `PLANS` plans of one customer on the bank's ledger, each with one installment due
/// today (the workers' real business day), and the money for all of them in the account.
async fn plans_due_today(app: &TestApp) -> Uuid {
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    plans_due_on(app, "13800004031", PLANS, PLANS as i64 * INSTALLMENT, today).await
}

/// `plans` plans of a new customer (`mobile`) on the bank's ledger, each with one
/// installment of [`INSTALLMENT`] due on `today`, and `deposit_fen` in their account.
pub(crate) async fn plans_due_on(
    app: &TestApp,
    mobile: &str,
    plans: usize,
    deposit_fen: i64,
    today: chrono::NaiveDate,
) -> Uuid {
    let (_, customer) = crate::customers::onboarded_customer(app, mobile).await;
    let customer = Uuid::parse_str(&customer).expect("id");
    let terms = serde_json::to_string(&PlanTerms::default()).expect("terms");
    let clock = app.clock.clone();
    let ledger = InternalPlatform::new(app.db().clone(), Arc::new(move || clock.now()));
    let mut rows = Vec::new();
    let mut entries = Vec::new();
    for _ in 0..plans {
        let plan = Uuid::now_v7();
        rows.push(installment_plan::ActiveModel {
            id: Set(plan),
            customer_id: Set(customer),
            status: Set("active".into()),
            principal_fen: Set(9_000),
            days_past_due: Set(0),
            last_delinquent_at: Set(None),
            opened_at: Set(app.clock.now_millis()),
            closed_at: Set(None),
            application_id: Set(None),
            platform_code: Set(Some("internal".into())),
            external_ref: Set(Some(format!("INT-{plan}"))),
            status_sequence: Set(1),
            delinquent_since: Set(None),
            bucket: Set("CURRENT".into()),
            terms: Set(Some(terms.clone())),
        });
        entries.push(plan_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan),
            period: Set(1),
            due_date: Set(today.to_string()),
            payment_fen: Set(INSTALLMENT),
            principal_fen: Set(9_000),
            interest_fen: Set(1_000),
            fee_fen: Set(0),
            remaining_fen: Set(0),
            status: Set("DUE".into()),
            paid_principal_fen: Set(0),
            paid_interest_fen: Set(0),
            paid_fee_fen: Set(0),
            paid_penalty_fen: Set(0),
            penalty_fen: Set(0),
            penalty_through: Set(None),
            collect_on: Set(Some(today.to_string())),
            overdue_on: Set(Some((today + chrono::Days::new(4)).to_string())),
            attempts: Set(0),
            settled_on: Set(None),
        });
    }
    for chunk in rows.chunks(100) {
        installment_plan::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(app.db())
            .await
            .expect("plans");
    }
    for chunk in entries.chunks(100) {
        plan_entry::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(app.db())
            .await
            .expect("entries");
    }
    if deposit_fen > 0 {
        ledger
            .deposit(&format!("salary:{customer}"), customer, deposit_fen)
            .await
            .expect("deposit");
    }
    customer
}

/// Settings of a worker that must still be debiting when the test strikes: debits one by
/// one, two at a time. With groups of 50 a worker on a quiet machine posted all
/// [`PLANS`] debits between two of the test's looks (50 ms apart), leaving nothing to
/// interrupt.
fn debiting_slowly() -> Vec<(&'static str, String)> {
    vec![
        ("FENQI_DEBIT_GROUP_SIZE", "1".into()),
        ("FENQI_DB_MAX_CONNECTIONS", "2".into()),
    ]
}

async fn succeeded(app: &TestApp) -> u64 {
    debit_attempt::Entity::find()
        .filter(debit_attempt::Column::Status.eq(DebitStatus::Succeeded))
        .count(app.db())
        .await
        .expect("count")
}

/// The debit attempts by status, and the debit jobs the queue holds by status (SQLite),
/// for a failure message.
async fn attempts_by_status(app: &TestApp) -> String {
    let attempts = debit_attempt::Entity::find()
        .all(app.db())
        .await
        .expect("attempts");
    let mut statuses = std::collections::BTreeMap::new();
    for a in &attempts {
        *statuses.entry(format!("{:?}", a.status)).or_insert(0) += 1;
    }
    let mut jobs = String::new();
    if let Some(pool) = app.sqlite_queue() {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT job_type, status, count(*) FROM Jobs GROUP BY job_type, status")
                .fetch_all(pool)
                .await
                .unwrap_or_default();
        jobs = format!("; queued jobs by kind and status: {rows:?}");
    }
    format!("debit attempts by status: {statuses:?}{jobs}")
}

/// Queues the sweep and waits until every installment is collected; then checks each was
/// collected once: one payment each, the ledger's collections exactly their sum, the
/// customer's account empty.
async fn sweep_and_check_collected_once(app: &TestApp, customer: Uuid, run_key: &str) {
    app.platform
        .queue()
        .push(
            sweep::KIND,
            sweep::SweepDebits {
                run_key: run_key.into(),
            },
        )
        .await
        .expect("queued");
    eventually_explained(
        Duration::from_secs(120),
        "every installment is collected",
        || async { succeeded(app).await == PLANS as u64 },
        || attempts_by_status(app),
    )
    .await;
    let payments = plan_payment::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(payments, PLANS as u64, "one payment per installment");
    let unpaid = plan_entry::Entity::find()
        .filter(plan_entry::Column::Status.ne("PAID"))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(unpaid, 0);
    let collections = crate::internal_ledger::collections_balance(app).await;
    assert_eq!(
        collections,
        PLANS as i64 * INSTALLMENT,
        "collected once each"
    );
    let clock = app.clock.clone();
    let ledger = InternalPlatform::new(app.db().clone(), Arc::new(move || clock.now()));
    assert_eq!(ledger.balance(customer).await.expect("balance"), 0);
    // Each receipt was written with its posting: one per payment, none for a posting a
    // killed worker never committed, none twice for a job delivered twice.
    for channel in ["app", "sms"] {
        let receipts = outbox_message::Entity::find()
            .filter(outbox_message::Column::Kind.eq("payment_received"))
            .filter(outbox_message::Column::Channel.eq(channel))
            .count(app.db())
            .await
            .expect("count");
        assert_eq!(receipts, PLANS as u64, "one {channel} receipt per payment");
    }
}

#[tokio::test]
async fn a_worker_killed_mid_run_and_a_second_close_of_business_debit_each_installment_once() {
    let app = TestApp::spawn().await;
    let customer = plans_due_today(&app).await;
    let mut first = FenqiProcess::start(&app, "work", &debiting_slowly()).await;
    app.platform
        .queue()
        .push(
            COB,
            CloseOfBusinessJob {
                run_key: "faults-1".into(),
            },
        )
        .await
        .expect("queued");
    eventually(
        Duration::from_secs(60),
        "the first worker has posted some debits",
        || async { succeeded(&app).await >= 20 },
    )
    .await;
    // Killed in the middle: some debits posted, some fetched and half done, the rest queued.
    first.kill_9().await;
    let posted_before = succeeded(&app).await;
    assert!(
        posted_before < PLANS as u64,
        "the worker finished before it was killed ({posted_before}); seed more plans"
    );

    // Close of business again (a second tick, a retry): nothing new is made. The debits
    // the killed worker had fetched are lost with it; the sweep queues every waiting debit
    // again (requeue time 0: those still in the queue are delivered twice, harmlessly).
    let _second =
        FenqiProcess::start(&app, "work", &[("FENQI_DEBIT_REQUEUE_MINUTES", "0".into())]).await;
    app.platform
        .queue()
        .push(
            COB,
            CloseOfBusinessJob {
                run_key: "faults-2".into(),
            },
        )
        .await
        .expect("queued");
    sweep_and_check_collected_once(&app, customer, "faults-sweep").await;

    // A debit job delivered once more finds its attempt done.
    let attempt = debit_attempt::Entity::find()
        .one(app.db())
        .await
        .expect("attempt")
        .expect("one");
    app.platform
        .queue()
        .push(
            DEBIT,
            DebitJob {
                attempt_id: attempt.id,
            },
        )
        .await
        .expect("queued");
    // And once more here, where its answer can be read: done before, nothing moves.
    let again = app
        .platform
        .domain()
        .run_debit(attempt.id)
        .await
        .expect("debit");
    assert!(
        matches!(again, domain::repayment::DebitOutcome::Skipped(_)),
        "{again:?}"
    );
    let payments = plan_payment::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(payments, PLANS as u64, "still one payment per installment");
    let attempts = debit_attempt::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(attempts, PLANS as u64, "one attempt per installment");
}

/// Empties the debit queue, as a Redis flush or a lost SQLite queue file would; answers
/// how many keys or rows it removed.
async fn flush_debit_queue(app: &TestApp) -> u64 {
    let queue = app.platform.queue().settings().clone();
    let name = app.platform.queue().queue_name(DEBIT);
    if queue.url.starts_with("redis") {
        let client = redis::Client::open(queue.url.as_str()).expect("redis");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection");
        // Every key of the debit queue, as FLUSHALL would: the waiting list, the jobs'
        // data, and the in-flight lists and worker registry. (Deleting only some of them
        // is the next test's fault.)
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{name}:*"))
            .query_async(&mut conn)
            .await
            .expect("KEYS");
        if keys.is_empty() {
            return 0;
        }
        redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .expect("DEL")
    } else {
        let pool = app
            .sqlite_queue()
            .expect("a queue that is not Redis is SQLite");
        // Waiting, and fetched but not finished: the queue forgets them all.
        sqlx::query(
            "DELETE FROM Jobs WHERE job_type = ? AND status IN ('Pending', 'Queued', 'Running')",
        )
        .bind(&name)
        .execute(pool)
        .await
        .expect("delete jobs")
        .rows_affected()
    }
}

/// The plans due today, a real `fenqi work` (debits re-queued at once by the sweep) and a
/// close of business `run_key` under way: some debits posted, not all.
async fn debits_under_way(app: &TestApp, run_key: &str) -> (Uuid, FenqiProcess) {
    let customer = plans_due_today(app).await;
    let mut settings = debiting_slowly();
    settings.push(("FENQI_DEBIT_REQUEUE_MINUTES", "0".into()));
    let worker = FenqiProcess::start(app, "work", &settings).await;
    app.platform
        .queue()
        .push(
            COB,
            CloseOfBusinessJob {
                run_key: run_key.into(),
            },
        )
        .await
        .expect("queued");
    eventually(
        Duration::from_secs(60),
        "some debits have posted",
        || async { succeeded(app).await >= 20 },
    )
    .await;
    (customer, worker)
}

#[tokio::test]
async fn a_queue_flushed_mid_run_loses_nothing_and_doubles_nothing() {
    let app = TestApp::spawn().await;
    let (customer, _worker) = debits_under_way(&app, "flush-1").await;
    let removed = flush_debit_queue(&app).await;
    assert!(
        removed > 0,
        "the flush removed nothing: the queue's layout changed"
    );
    let posted_at_flush = succeeded(&app).await;
    assert!(
        posted_at_flush < PLANS as u64,
        "every debit posted before the flush ({posted_at_flush}); seed more plans"
    );
    // The database still knows every attempt: the sweep queues the waiting ones again.
    sweep_and_check_collected_once(&app, customer, "flush-sweep").await;
}

/// Redis only (the SQLite queue keeps a job's id and body in one row): the debit queue
/// loses its jobs' bodies but keeps their ids, and ids with no body or no metadata are
/// pushed onto it. The queue's fetch fails on such ids; the worker drops them (see
/// `worker/src/queue_repair.rs`) instead of restarting its debit loop until it stays
/// down, so the sweep's debits are still collected, once each, and `/ready` stays 200.
#[tokio::test]
async fn ids_whose_job_data_is_gone_are_dropped_and_collection_goes_on() {
    let app = TestApp::spawn().await;
    let queue = app.platform.queue().settings().clone();
    if !queue.url.starts_with("redis") {
        return;
    }
    let name = app.platform.queue().queue_name(DEBIT);
    let (customer, worker) = debits_under_way(&app, "orphans-1").await;
    let client = redis::Client::open(queue.url.as_str()).expect("redis");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connection");
    // The bodies go; the waiting list and the consumers' in-flight sets keep their ids.
    let removed: u64 = redis::cmd("DEL")
        .arg(format!("{name}:data"))
        .query_async(&mut conn)
        .await
        .expect("DEL");
    assert_eq!(
        removed, 1,
        "no job bodies to delete: the queue's layout changed"
    );
    let mut ghosts: Vec<String> = (0..5).map(|i| format!("ghost-{i}")).collect();
    // And ids with a body but no metadata (the attempts apalis keeps per job).
    for i in 0..2 {
        let id = format!("ghost-without-meta-{i}");
        let _: u64 = redis::cmd("HSET")
            .arg(format!("{name}:data"))
            .arg(&id)
            .arg("{}")
            .query_async(&mut conn)
            .await
            .expect("HSET");
        ghosts.push(id);
    }
    let _: u64 = redis::cmd("RPUSH")
        .arg(format!("{name}:active"))
        .arg(&ghosts)
        .query_async(&mut conn)
        .await
        .expect("RPUSH");
    sweep_and_check_collected_once(&app, customer, "orphans-sweep").await;
    let (status, body) = worker.ready().await;
    assert_eq!(status, 200, "a job loop stayed down: {body}");
    let waiting: Vec<String> = redis::cmd("LRANGE")
        .arg(format!("{name}:active"))
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .expect("LRANGE");
    assert!(
        !waiting.iter().any(|id| ghosts.contains(id)),
        "ids without data still wait: {waiting:?}"
    );
}

/// Redis only: 10,000 debit jobs left due in apalis's scheduled set (where every push
/// files them) before the worker fetches, as a close of business that queued them while
/// the debit loop was down would leave them. apalis's own fetch moves every due id in
/// one Lua `unpack` and fails past about 8,000; the worker hands them over a thousand at
/// a time (`worker/src/queue_repair.rs`), so every job runs and the loop stays up.
#[tokio::test]
async fn ten_thousand_debits_due_at_once_in_the_queue_all_run() {
    const JOBS: usize = 10_000;
    let app = TestApp::spawn().await;
    let queue = app.platform.queue().settings().clone();
    if !queue.url.starts_with("redis") {
        return;
    }
    let name = app.platform.queue().queue_name(DEBIT);
    // Debits of attempts that do not exist: each job runs and finds nothing to do.
    let jobs: Vec<DebitJob> = (0..JOBS)
        .map(|_| DebitJob {
            attempt_id: Uuid::now_v7(),
        })
        .collect();
    app.platform
        .queue()
        .push_many(DEBIT, jobs)
        .await
        .expect("queued");
    let client = redis::Client::open(queue.url.as_str()).expect("redis");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connection");
    // Back into the scheduled set, due now, as apalis's push files them.
    let waiting: Vec<String> = redis::cmd("LRANGE")
        .arg(format!("{name}:active"))
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .expect("LRANGE");
    assert_eq!(waiting.len(), JOBS, "the queue's layout changed");
    let now = chrono::Utc::now().timestamp();
    for chunk in waiting.chunks(1000) {
        let mut zadd = redis::cmd("ZADD");
        zadd.arg(format!("{name}:scheduled"));
        for id in chunk {
            zadd.arg(now).arg(id);
        }
        let _: u64 = zadd.query_async(&mut conn).await.expect("ZADD");
    }
    let _: u64 = redis::cmd("DEL")
        .arg(format!("{name}:active"))
        .query_async(&mut conn)
        .await
        .expect("DEL");

    let scans_before = list_scans(&mut conn).await;
    let worker = FenqiProcess::start(&app, "work", &[]).await;
    eventually(
        Duration::from_secs(180),
        "every debit job has run",
        || async {
            worker
                .counter("fenqi_jobs_total", &[("kind", DEBIT), ("outcome", "done")])
                .await
                >= JOBS as u64
        },
    )
    .await;
    let (status, body) = worker.ready().await;
    assert_eq!(status, 200, "a job loop stayed down: {body}");
    let scheduled: u64 = redis::cmd("ZCARD")
        .arg(format!("{name}:scheduled"))
        .query_async(&mut conn)
        .await
        .expect("ZCARD");
    assert_eq!(scheduled, 0);
    // No job scanned the waiting list as it started (apalis's task lock does, one `LREM`
    // per job: with 100,000 waiting, Redis's one core went to those scans).
    assert_eq!(
        list_scans(&mut conn).await,
        scans_before,
        "jobs scanned the waiting list"
    );
}

/// How many `LREM` Redis has run, from scripts too: each scans a whole list.
async fn list_scans(conn: &mut redis::aio::MultiplexedConnection) -> u64 {
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(conn)
        .await
        .expect("INFO commandstats");
    stats
        .lines()
        .find_map(|line| line.strip_prefix("cmdstat_lrem:calls="))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |calls| calls.parse().expect("a count"))
}

//! `fenqi-bench cob`: close of business (日终批处理) run by real `fenqi work` processes on
//! PostgreSQL and Redis, measured two ways in one run.
//!
//! 1. **Throughput.** `--due` customers with one plan each, every plan's first installment
//!    due today (the worker's business day: today in Asia/Shanghai, the real clock) and the
//!    customer's deposit account on the bank's ledger holding exactly that amount, all
//!    inserted with a few SQL statements. `--workers` `fenqi work` processes start; a
//!    `CloseOfBusinessJob` is pushed onto their queue exactly as the schedule's tick pushes
//!    it, and the bench waits until every installment is collected and posted. Debits per
//!    second is the installments over the time from the push to the last payment posted.
//!    The run fails unless every installment was collected exactly once (one attempt, one
//!    payment under its key, one ledger collect each) and the ledger balances. pgbench's
//!    tpcb-like script then loads a scratch database of the same server with
//!    [`PGBENCH_CLIENTS`] clients, and the ratio is printed: the issue asks for at least 0.5.
//! 2. **Scaling.** In two fresh databases, `--cob-due` installments due today spread evenly
//!    among `--cob-small-plans` plans, then among `--cob-large-plans` plans (the other
//!    plans' installments fall due in the coming weeks and months); one close of business
//!    in each, timed from the push until every attempt exists (the close of business's own
//!    work), and by the worker's own `fenqi_job_duration_seconds` of the job (which also
//!    queues the debit jobs). Close of business is meant to cost what is due, never what is
//!    held (`domain/src/repayment/cob.rs`), so the issue asks for the two times to agree
//!    within 20 %.
//!
//! The bench owns what it makes, as the other modes do: the two scaling databases are
//! dropped by `clean_up` with the others, and their queues live under the run's Redis
//! namespace (`<namespace>:small`, `<namespace>:large`), whose keys are deleted at the end.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult, Statement,
    TransactionTrait,
};
use worker::jobs::close_of_business::{self, CloseOfBusinessJob};
use worker::jobs::debit;
use worker::{JobQueue, QueueSettings};

use adapters::platforms::internal::{FUNDING, deposit_account_code};
use domain::repayment::engine::PlanTerms;

use super::callbacks::{busy_percent, load_average, run_pgbench};
use super::{
    BenchError, Context, Cpu, Ctx, DbCounters, Env, MS_PER_TICK, Report, Result, STATS_SETTLE,
    Server, fail, fenqi_once, mib, with_database,
};

/// pgbench's clients for the comparison (threads: 2), as the issue asks.
pub(super) const PGBENCH_CLIENTS: usize = 8;

/// Installments of every seeded plan: monthly, a year. Only the first can be due today,
/// but the others are what a real plan carries and what each posting reads back (the plan's
/// delinquency is worked out from all its entries).
const PERIODS: u32 = 12;

/// Interest of an installment, in percent of its principal (a flat 6 %).
const INTEREST_PERCENT: i64 = 6;

/// How often the throughput run reads the workers' progress. It reads their `/metrics`, not
/// the database, so the waiting adds no work to the PostgreSQL being measured.
const PROGRESS_POLL: Duration = Duration::from_millis(500);

/// The throughput run fails when no debit finished for this long.
const STALL_LIMIT: Duration = Duration::from_secs(120);

/// How often a scaling run looks at the attempts made and the job's end: often, since the
/// job takes about a second.
const SCALING_POLL: Duration = Duration::from_millis(50);

/// The queue poll of the scaling runs' worker (`FENQI_QUEUE_POLL_MS`): an idle worker
/// picks the job up within this time, so the push-to-attempts time is not mostly waiting.
const SCALING_QUEUE_POLL_MS: &str = "100";

/// The databases of the two scaling runs; `clean_up` drops them with the others.
pub(super) fn scratch_databases(database: &str) -> [String; 2] {
    [
        format!("{database}_cob_small"),
        format!("{database}_cob_large"),
    ]
}

/// Today in the bank's time zone, as the worker computes its business day (the default
/// `FENQI_TIMEZONE`, with the real clock: the demo clock is off on PostgreSQL).
fn business_date() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(super) async fn connect(url: &str) -> Result<DatabaseConnection> {
    tokio::time::timeout(Duration::from_secs(10), Database::connect(url))
        .await
        .map_err(|_| BenchError("connecting to a bench database: no answer in 10 s".into()))?
        .context("connecting to a bench database")
}

pub(super) async fn query_one(db: &DatabaseConnection, sql: &str) -> Result<QueryResult> {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .context(format!("running `{}`", super::short(sql)))?
        .ok_or_else(|| BenchError(format!("no row from `{}`", super::short(sql))))
}

fn get_i64(row: &QueryResult, column: &str) -> Result<i64> {
    row.try_get::<Option<i64>>("", column)
        .context(format!("reading {column}"))
        .map(|v| v.unwrap_or(0))
}

/// What was seeded.
struct Seeded {
    plans: usize,
    /// Installments to collect today (read back, not assumed).
    due: i64,
    /// Their sum: what the collections account must hold at the end.
    due_fen: i64,
    entries: i64,
    took: Duration,
}

/// Inserts `plans` customers with one active plan each on the bank's own ledger
/// (`internal`), of [`PERIODS`] monthly installments. `due` of the plans, spread evenly
/// over all, have their first installment due on `today`; the others' first falls 4 to 27
/// days later: beyond the reminders' horizon (3 days), so that close of business has the
/// same work (the debits and reminders of the same installments) whatever the plans held. Each customer with an installment due gets a deposit account holding
/// exactly that amount, brought in by a balanced deposit entry from the bank's funding
/// account (as `InternalPlatform::deposit` books it), so every debit succeeds and the
/// ledger balances before and after. Then the tables are analyzed, as autovacuum would
/// have done on a system that has been running.
///
/// The values are the bench's own numbers and a date it formatted, so the statements are
/// written out (a `CREATE TABLE AS` takes no parameters).
async fn seed(
    db: &DatabaseConnection,
    today: NaiveDate,
    plans: usize,
    due: usize,
) -> Result<Seeded> {
    let started = Instant::now();
    let now = now_millis();
    let today = today.format("%Y-%m-%d");
    let terms = serde_json::to_string(&PlanTerms::default())
        .context("writing the plans' terms")?
        .replace('\'', "''");
    let amount = format!("(principal_fen + principal_fen * {INTEREST_PERCENT} / 100)");
    let statements = [
        // One row per plan: its ids, whether its first installment is due today (exactly
        // `due` of them, evenly spread), and the principal of each installment (500.00 to
        // 1,460.00 yuan).
        format!(
            "CREATE TEMP TABLE bench_seed ON COMMIT DROP AS \
             SELECT g, gen_random_uuid() AS customer_id, gen_random_uuid() AS plan_id, \
               gen_random_uuid() AS account_id, gen_random_uuid() AS deposit_id, \
               (g * {due} / {plans}) <> ((g - 1) * {due} / {plans}) AS due, \
               (50000 + (g % 97) * 1000)::bigint AS principal_fen \
             FROM generate_series(1::bigint, {plans}::bigint) g"
        ),
        format!(
            "INSERT INTO customer (id, full_name, preferred_language, status, created_at, \
               updated_at) \
             SELECT customer_id, 'Bench customer ' || g, 'zh-CN', 'active', {now}, {now} \
             FROM bench_seed"
        ),
        format!(
            "INSERT INTO installment_plan (id, customer_id, status, principal_fen, \
               days_past_due, opened_at, platform_code, external_ref, status_sequence, \
               bucket, terms) \
             SELECT plan_id, customer_id, 'active', principal_fen * {PERIODS}, 0, {now}, \
               'internal', 'INT-' || plan_id, 1, 'CURRENT', '{terms}' \
             FROM bench_seed"
        ),
        // Due monthly from the first due date; overdue after the default 3 days of grace.
        format!(
            "INSERT INTO plan_entry (id, plan_id, period, due_date, payment_fen, \
               principal_fen, interest_fen, fee_fen, remaining_fen, status, collect_on, \
               overdue_on) \
             SELECT gen_random_uuid(), plan_id, p, d.due_date, {amount}, principal_fen, \
               principal_fen * {INTEREST_PERCENT} / 100, 0, principal_fen * ({PERIODS} - p), \
               'DUE', d.due_date, d.overdue_on \
             FROM bench_seed \
             CROSS JOIN generate_series(1, {PERIODS}) p \
             CROSS JOIN LATERAL (SELECT ('{today}'::date \
               + CASE WHEN due THEN 0 ELSE 4 + (g % 24)::int END \
               + make_interval(months => p - 1))::date AS day) x \
             CROSS JOIN LATERAL (SELECT to_char(x.day, 'YYYY-MM-DD') AS due_date, \
               to_char(x.day + 4, 'YYYY-MM-DD') AS overdue_on) d"
        ),
        format!(
            "INSERT INTO ledger_account (id, code, customer_id, kind, balance_fen, created_at, \
               updated_at) \
             SELECT gen_random_uuid(), '{FUNDING}', NULL, 'BANK_FUNDING', \
               -coalesce(sum({amount}), 0), {now}, {now} \
             FROM bench_seed WHERE due"
        ),
        format!(
            "INSERT INTO ledger_account (id, code, customer_id, kind, balance_fen, created_at, \
               updated_at) \
             SELECT account_id, 'customer:' || customer_id, customer_id, 'CUSTOMER_DEPOSIT', \
               {amount}, {now}, {now} \
             FROM bench_seed WHERE due"
        ),
        format!(
            "INSERT INTO ledger_entry (id, idempotency_key, kind, outcome, amount_fen, \
               account_id, created_at) \
             SELECT deposit_id, 'bench-deposit:' || customer_id, 'DEPOSIT', 'SUCCEEDED', \
               {amount}, account_id, {now} \
             FROM bench_seed WHERE due"
        ),
        format!(
            "INSERT INTO ledger_posting (id, entry_id, account_id, amount_fen, created_at) \
             SELECT gen_random_uuid(), deposit_id, account_id, {amount}, {now} \
             FROM bench_seed WHERE due \
             UNION ALL \
             SELECT gen_random_uuid(), deposit_id, \
               (SELECT id FROM ledger_account WHERE code = '{FUNDING}'), -{amount}, {now} \
             FROM bench_seed WHERE due"
        ),
    ];
    let txn = db.begin().await.context("starting the seeding")?;
    for sql in &statements {
        txn.execute_unprepared(sql)
            .await
            .context(format!("seeding: `{}`", super::short(sql)))?;
    }
    txn.commit().await.context("committing the seeding")?;
    settle_tables(
        db,
        "customer, installment_plan, plan_entry, ledger_account, ledger_entry, \
         ledger_posting, debit_attempt, plan_payment",
    )
    .await?;

    // The deposit accounts must carry the code the ledger looks them up by.
    let sample = query_one(
        db,
        "SELECT customer_id::text AS customer, code FROM ledger_account \
         WHERE kind = 'CUSTOMER_DEPOSIT' LIMIT 1",
    )
    .await?;
    let customer: String = sample.try_get("", "customer").context("reading a sample")?;
    let code: String = sample.try_get("", "code").context("reading a sample")?;
    let expected = sea_orm::prelude::Uuid::parse_str(&customer)
        .map(deposit_account_code)
        .context("reading a customer id")?;
    if code != expected {
        return fail(format!(
            "the seeded deposit account is '{code}', the ledger looks for '{expected}'"
        ));
    }
    let row = query_one(
        db,
        &format!(
            "SELECT count(*) FILTER (WHERE collect_on <= '{today}')::bigint AS due, \
               coalesce(sum(payment_fen) FILTER (WHERE collect_on <= '{today}'), 0)::bigint \
                 AS due_fen, \
               count(*)::bigint AS entries \
             FROM plan_entry"
        ),
    )
    .await?;
    let seeded = Seeded {
        plans,
        due: get_i64(&row, "due")?,
        due_fen: get_i64(&row, "due_fen")?,
        entries: get_i64(&row, "entries")?,
        took: started.elapsed(),
    };
    if seeded.due != due as i64 {
        return fail(format!(
            "seeded {} installments due today, not {due}",
            seeded.due
        ));
    }
    eprintln!(
        "  seeded {plans} plans ({} entries, {} due today) in {:.1} s",
        seeded.entries,
        seeded.due,
        seeded.took.as_secs_f64()
    );
    Ok(seeded)
}

/// A `FENQI_COB_SCHEDULE` that does not fire while the bench runs (the cron's seventh
/// field is the year): the bench's push is the only close of business, so no tick of the
/// default schedule (22:00 UTC) can land in the middle of a measure.
const NO_SCHEDULED_COB: &str = "0 0 0 1 1 * 2099";

/// The run's settings with another database and queue namespace, the scheduled close of
/// business off, and `extra` settings; the `--set` settings still come last, so they win.
fn worker_env(ctx: &Ctx, database_url: &str, namespace: &str, extra: &[(&str, &str)]) -> Env {
    let mut vars = ctx.env.vars.clone();
    vars.push(("FENQI_DATABASE_URL".into(), database_url.to_owned()));
    vars.push(("FENQI_QUEUE_NAMESPACE".into(), namespace.to_owned()));
    vars.push(("FENQI_COB_SCHEDULE".into(), NO_SCHEDULED_COB.to_owned()));
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    vars.extend(ctx.options.settings.iter().cloned());
    Env {
        fenqi: ctx.env.fenqi.clone(),
        dir: ctx.env.dir.clone(),
        vars,
    }
}

/// This run's queue namespace.
fn namespace(ctx: &Ctx) -> Result<String> {
    ctx.env
        .vars
        .iter()
        .rev()
        .find(|(k, _)| k == "FENQI_QUEUE_NAMESPACE")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| BenchError("the run has no queue namespace".into()))
}

/// Pushes one `CloseOfBusinessJob` onto `namespace`'s queue, the way a tick of
/// `FENQI_COB_SCHEDULE` does (`worker::schedules::enqueue_on_tick`): a tick that fires on
/// its own would have to be timed and waited for, and could fire twice.
async fn push_close_of_business(ctx: &Ctx, namespace: &str, run_key: String) -> Result<()> {
    let queue = JobQueue::connect(QueueSettings {
        url: ctx.options.queue_url.clone(),
        namespace: namespace.to_owned(),
        poll_interval: Duration::from_secs(1),
    })
    .await
    .context("connecting to the queue")?;
    queue
        .push(close_of_business::KIND, CloseOfBusinessJob { run_key })
        .await
        .context("pushing the close of business")
}

/// The Prometheus text of every worker, one after the other.
async fn metrics(ctx: &Ctx, workers: &[Server]) -> Result<String> {
    let mut text = String::new();
    for worker in workers {
        let body = ctx
            .client
            .get(format!("{}/metrics", worker.base))
            .send()
            .await
            .context("reading a worker's /metrics")?
            .text()
            .await
            .context("reading a worker's /metrics")?;
        text.push_str(&body);
        text.push('\n');
    }
    Ok(text)
}

/// The sum of the samples of `name` carrying every one of `labels` (over all workers).
fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let (set, value) = match rest.strip_prefix('{') {
                Some(r) => r.split_once('}')?,
                None => ("", rest),
            };
            if !rest.starts_with(['{', ' ']) {
                return None;
            }
            let all = labels
                .iter()
                .all(|(k, v)| set.split(',').any(|l| l == format!("{k}=\"{v}\"")));
            all.then(|| value.trim().parse::<f64>().ok()).flatten()
        })
        // Not `.sum()`: an empty float sum is -0, which would print as "-0".
        .fold(0.0, |a, b| a + b)
}

/// Fails if a worker stopped.
fn check_alive(workers: &mut [Server]) -> Result<()> {
    for worker in workers.iter_mut() {
        if let Some(status) = worker.child.0.try_wait().context("watching fenqi work")? {
            return fail(format!(
                "a fenqi work stopped ({status}): {}",
                worker.log_tail()
            ));
        }
    }
    Ok(())
}

/// The attempts by status, for progress and error messages.
async fn attempts_by_status(db: &DatabaseConnection) -> Result<String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT status, count(*)::bigint AS n FROM debit_attempt GROUP BY status \
             ORDER BY status",
        ))
        .await
        .context("counting the attempts")?;
    let mut parts = Vec::new();
    for row in rows {
        let status: String = row.try_get("", "status").context("reading a status")?;
        parts.push(format!("{status} {}", get_i64(&row, "n")?));
    }
    Ok(if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    })
}

/// What the database holds after the throughput run, to check exactly once.
struct Collected {
    attempts: i64,
    succeeded: i64,
    attempted_entries: i64,
    payments: i64,
    payment_keys: i64,
    payments_fen: i64,
    paid_entries: i64,
    collects: i64,
    collects_fen: i64,
    collections_fen: i64,
    deposits_left_fen: i64,
    ledger_sum_fen: i64,
    unbalanced_accounts: i64,
    first_attempt_ms: i64,
    last_attempt_ms: i64,
    first_payment_ms: i64,
    last_payment_ms: i64,
}

async fn collected(db: &DatabaseConnection) -> Result<Collected> {
    let row = query_one(
        db,
        "SELECT \
               (SELECT count(*) FROM debit_attempt)::bigint AS attempts, \
               (SELECT count(*) FROM debit_attempt WHERE status = 'SUCCEEDED')::bigint \
                 AS succeeded, \
               (SELECT count(DISTINCT entry_id) FROM debit_attempt)::bigint \
                 AS attempted_entries, \
               (SELECT min(created_at) FROM debit_attempt) AS first_attempt_ms, \
               (SELECT max(created_at) FROM debit_attempt) AS last_attempt_ms, \
               (SELECT count(*) FROM plan_payment)::bigint AS payments, \
               (SELECT count(DISTINCT source_key) FROM plan_payment WHERE kind = 'AUTO_DEBIT' \
                  AND source_key LIKE 'debit:%')::bigint AS payment_keys, \
               (SELECT coalesce(sum(amount_fen), 0) FROM plan_payment)::bigint \
                 AS payments_fen, \
               (SELECT min(posted_at) FROM plan_payment) AS first_payment_ms, \
               (SELECT max(posted_at) FROM plan_payment) AS last_payment_ms, \
               (SELECT count(*) FROM plan_entry WHERE period = 1 AND status = 'PAID' \
                  AND collect_on IS NULL)::bigint AS paid_entries, \
               (SELECT count(*) FROM ledger_entry WHERE kind = 'COLLECT' \
                  AND outcome = 'SUCCEEDED')::bigint AS collects, \
               (SELECT coalesce(sum(amount_fen), 0) FROM ledger_entry \
                  WHERE kind = 'COLLECT')::bigint AS collects_fen, \
               (SELECT coalesce(sum(balance_fen), 0) FROM ledger_account \
                  WHERE kind = 'BANK_COLLECTIONS')::bigint AS collections_fen, \
               (SELECT coalesce(sum(balance_fen), 0) FROM ledger_account \
                  WHERE kind = 'CUSTOMER_DEPOSIT')::bigint AS deposits_left_fen, \
               (SELECT coalesce(sum(balance_fen), 0) FROM ledger_account)::bigint \
                 AS ledger_sum_fen, \
               (SELECT count(*) FROM ledger_account a WHERE a.balance_fen <> \
                  (SELECT coalesce(sum(p.amount_fen), 0) FROM ledger_posting p \
                   WHERE p.account_id = a.id))::bigint AS unbalanced_accounts",
    )
    .await?;
    Ok(Collected {
        attempts: get_i64(&row, "attempts")?,
        succeeded: get_i64(&row, "succeeded")?,
        attempted_entries: get_i64(&row, "attempted_entries")?,
        payments: get_i64(&row, "payments")?,
        payment_keys: get_i64(&row, "payment_keys")?,
        payments_fen: get_i64(&row, "payments_fen")?,
        paid_entries: get_i64(&row, "paid_entries")?,
        collects: get_i64(&row, "collects")?,
        collects_fen: get_i64(&row, "collects_fen")?,
        collections_fen: get_i64(&row, "collections_fen")?,
        deposits_left_fen: get_i64(&row, "deposits_left_fen")?,
        ledger_sum_fen: get_i64(&row, "ledger_sum_fen")?,
        unbalanced_accounts: get_i64(&row, "unbalanced_accounts")?,
        first_attempt_ms: get_i64(&row, "first_attempt_ms")?,
        last_attempt_ms: get_i64(&row, "last_attempt_ms")?,
        first_payment_ms: get_i64(&row, "first_payment_ms")?,
        last_payment_ms: get_i64(&row, "last_payment_ms")?,
    })
}

/// Everything that is not exactly once, or not balanced; empty when all is well.
fn exactly_once_problems(c: &Collected, due: i64, due_fen: i64) -> Vec<String> {
    let mut wrong = Vec::new();
    if c.attempts != due || c.succeeded != due || c.attempted_entries != due {
        wrong.push(format!(
            "debit_attempt: {} rows ({} SUCCEEDED, {} entries), expected {due}",
            c.attempts, c.succeeded, c.attempted_entries
        ));
    }
    if c.payments != due || c.payment_keys != due || c.payments_fen != due_fen {
        wrong.push(format!(
            "plan_payment: {} rows ({} distinct debit keys) of {} fen, expected {due} of \
             {due_fen}",
            c.payments, c.payment_keys, c.payments_fen
        ));
    }
    if c.paid_entries != due {
        wrong.push(format!(
            "plan_entry: {} first installments PAID, expected {due}",
            c.paid_entries
        ));
    }
    if c.collects != due || c.collects_fen != due_fen || c.collections_fen != due_fen {
        wrong.push(format!(
            "ledger: {} collects of {} fen, collections account {} fen, expected {due} \
             of {due_fen}",
            c.collects, c.collects_fen, c.collections_fen
        ));
    }
    if c.deposits_left_fen != 0 || c.ledger_sum_fen != 0 || c.unbalanced_accounts != 0 {
        wrong.push(format!(
            "ledger not balanced: {} fen left in deposit accounts (expected 0), all \
             balances sum to {} (expected 0), {} accounts differ from their postings",
            c.deposits_left_fen, c.ledger_sum_fen, c.unbalanced_accounts
        ));
    }
    wrong
}

/// Waits until the workers have run `due` debit jobs and the database holds `due`
/// succeeded attempts; fails when nothing moves for [`STALL_LIMIT`], when the close of
/// business fails, or when a worker stops.
async fn wait_collected(
    ctx: &Ctx,
    db: &DatabaseConnection,
    workers: &mut [Server],
    due: i64,
    started: Instant,
) -> Result<()> {
    let mut last_progress = (0.0, Instant::now());
    let mut last_print = Instant::now();
    loop {
        tokio::time::sleep(PROGRESS_POLL).await;
        check_alive(workers)?;
        let text = metrics(ctx, workers).await?;
        let cob_failed = metric(
            &text,
            "fenqi_jobs_total",
            &[("kind", close_of_business::KIND), ("outcome", "failed")],
        );
        if cob_failed > 0.0 {
            return fail(format!(
                "the close of business failed: {}",
                workers[0].log_tail()
            ));
        }
        let done = metric(
            &text,
            "fenqi_jobs_total",
            &[("kind", debit::KIND), ("outcome", "done")],
        );
        let failed = metric(
            &text,
            "fenqi_jobs_total",
            &[("kind", debit::KIND), ("outcome", "failed")],
        );
        if done + failed != last_progress.0 {
            last_progress = (done + failed, Instant::now());
        } else if last_progress.1.elapsed() > STALL_LIMIT {
            return fail(format!(
                "no debit finished for {} s ({done} done, {failed} failed; attempts: {}): {}",
                STALL_LIMIT.as_secs(),
                attempts_by_status(db).await?,
                workers[0].log_tail()
            ));
        }
        if last_print.elapsed() >= Duration::from_secs(10) {
            last_print = Instant::now();
            eprintln!(
                "  {:.0} s: {done} debit jobs done, {failed} failed",
                started.elapsed().as_secs_f64()
            );
        }
        if done >= due as f64 {
            let row = query_one(
                db,
                "SELECT count(*)::bigint AS n FROM debit_attempt WHERE status = 'SUCCEEDED'",
            )
            .await?;
            if get_i64(&row, "n")? >= due {
                return Ok(());
            }
            let row = query_one(
                db,
                "SELECT count(*)::bigint AS n FROM debit_attempt \
                 WHERE status NOT IN ('QUEUED', 'SUCCEEDED')",
            )
            .await?;
            if get_i64(&row, "n")? > 0 {
                return fail(format!(
                    "some debits did not succeed: {}",
                    attempts_by_status(db).await?
                ));
            }
        }
    }
}

/// The throughput run (see the module documentation).
async fn throughput(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let due = ctx.options.due;
    let url = with_database(&ctx.options.database_url, &ctx.database);
    let db = connect(&url).await?;
    let today = business_date();
    eprintln!("cob: {due} plans with an installment due today ({today}), with SQL");
    let seeded = seed(&db, today, due, due).await?;
    let namespace = namespace(ctx)?;
    let env = worker_env(ctx, &url, &namespace, &[]);
    let mut workers = Vec::new();
    for i in 0..ctx.options.workers {
        eprintln!("  starting fenqi work #{}", i + 1);
        workers
            .push(Server::start_as(&env, "work", &format!("work-{}", i + 1), &ctx.client).await?);
    }
    eprintln!(
        "  waiting {} s for the database statistics to settle",
        STATS_SETTLE.as_secs()
    );
    tokio::time::sleep(STATS_SETTLE).await;
    let counters_before = DbCounters::read(&ctx.admin, &ctx.database).await?;
    let load = load_average();
    let servers: Vec<&Server> = workers.iter().collect();
    let cpu_before = Cpu::read_all(ctx, &ctx.database, &servers).await?;
    let pushed_ms = now_millis();
    let started = Instant::now();
    eprintln!("  close of business pushed; waiting for {due} debits");
    push_close_of_business(ctx, &namespace, format!("fenqi-bench-{pushed_ms}")).await?;
    wait_collected(ctx, &db, &mut workers, seeded.due, started).await?;
    let waited = started.elapsed();
    let servers: Vec<&Server> = workers.iter().collect();
    let cpu_after = Cpu::read_all(ctx, &ctx.database, &servers).await?;
    let text = metrics(ctx, &workers).await?;
    eprintln!(
        "  collected in {:.1} s; waiting {} s for the database statistics to settle",
        waited.as_secs_f64(),
        STATS_SETTLE.as_secs()
    );
    tokio::time::sleep(STATS_SETTLE).await;
    let counters_after = DbCounters::read(&ctx.admin, &ctx.database).await?;
    let c = collected(&db).await?;
    let _ = db.close().await;

    let wrong = exactly_once_problems(&c, seeded.due, seeded.due_fen);
    if !wrong.is_empty() {
        return fail(format!(
            "not exactly once: {}; worker log: {}",
            wrong.join("; "),
            workers[0].log_tail()
        ));
    }
    let n = seeded.due as f64;
    let seconds = (c.last_payment_ms - pushed_ms) as f64 / 1000.0;
    let per_second = n / seconds;
    let cob_seconds = metric(
        &text,
        "fenqi_job_duration_seconds_sum",
        &[("kind", close_of_business::KIND)],
    );
    let debit_failures = metric(
        &text,
        "fenqi_jobs_total",
        &[("kind", debit::KIND), ("outcome", "failed")],
    );
    let debit_runs = metric(
        &text,
        "fenqi_jobs_total",
        &[("kind", debit::KIND), ("outcome", "done")],
    );
    let mode = "cob";
    report.row(
        mode,
        "plans (entries) / due today / workers",
        format!(
            "{} ({}) / {} / {}",
            seeded.plans, seeded.entries, seeded.due, ctx.options.workers
        ),
    );
    report.row(
        mode,
        "seeding with SQL",
        format!("{:.1} s", seeded.took.as_secs_f64()),
    );
    report.row(
        mode,
        "push → all attempts made (first → last batch)",
        format!(
            "{:.2} s ({:.2} → {:.2} s)",
            (c.last_attempt_ms - pushed_ms) as f64 / 1000.0,
            (c.first_attempt_ms - pushed_ms) as f64 / 1000.0,
            (c.last_attempt_ms - pushed_ms) as f64 / 1000.0
        ),
    );
    report.row(
        mode,
        "close-of-business job (worker's job duration, queuing the debits included)",
        format!("{cob_seconds:.2} s"),
    );
    report.row(
        mode,
        "push → first / last payment posted",
        format!(
            "{:.2} s / {seconds:.2} s",
            (c.first_payment_ms - pushed_ms) as f64 / 1000.0
        ),
    );
    report.row(
        mode,
        "debits/s (due ÷ push → last payment)",
        format!("{per_second:.0}"),
    );
    report.row(
        mode,
        "debits/s while posting (due ÷ first → last payment)",
        format!(
            "{:.0}",
            n / ((c.last_payment_ms - c.first_payment_ms).max(1) as f64 / 1000.0)
        ),
    );
    report.row(
        mode,
        "debit job runs: done / failed (retried)",
        format!("{debit_runs} / {debit_failures}"),
    );
    report.row(
        mode,
        "CPU per debit: fenqi work / PostgreSQL",
        format!(
            "{:.3} ms / {}",
            cpu_after.fenqi.saturating_sub(cpu_before.fenqi) as f64 * MS_PER_TICK / n,
            cpu_after
                .postgres_since(&cpu_before)
                .map_or("n/a".into(), |t| format!(
                    "{:.3} ms",
                    t as f64 * MS_PER_TICK / n
                ))
        ),
    );
    report.row(
        mode,
        "machine CPU busy (load average at start)",
        format!("{:.0} % ({load})", busy_percent(&cpu_before, &cpu_after)),
    );
    report.row(
        mode,
        "DB transactions / debit",
        format!(
            "{:.2}",
            (counters_after.transactions - counters_before.transactions) as f64 / n
        ),
    );
    report.row(
        mode,
        "DB rows returned / fetched / written per debit",
        format!(
            "{:.1} / {:.1} / {:.2}",
            (counters_after.rows_returned - counters_before.rows_returned) as f64 / n,
            (counters_after.rows_fetched - counters_before.rows_fetched) as f64 / n,
            (counters_after.rows_written - counters_before.rows_written) as f64 / n
        ),
    );
    for (i, worker) in workers.iter().enumerate() {
        let memory = worker.memory()?;
        report.row(
            mode,
            &format!("fenqi work #{} RSS (peak)", i + 1),
            format!("{} ({})", mib(memory.rss_kib), mib(memory.peak_kib)),
        );
    }
    report.row(
        mode,
        "exactly once, ledger balanced",
        format!(
            "yes: {} attempts SUCCEEDED, {} payments, {} collects; collections {} fen = due",
            c.succeeded, c.payments, c.collects, c.collections_fen
        ),
    );

    eprintln!("  pgbench on the same server");
    let (tps, _) = run_pgbench(ctx, &workers[0], report, mode, PGBENCH_CLIENTS).await?;
    let ratio = per_second / tps;
    report.row(
        mode,
        "ratio: debits/s ÷ pgbench TPS (target ≥ 0.5)",
        format!(
            "{ratio:.3} ({})",
            if ratio >= 0.5 { "met" } else { "NOT met" }
        ),
    );
    Ok(())
}

/// One scaling run's figures.
struct Scaled {
    seeded: Seeded,
    /// The worker's own duration of the close-of-business job.
    job: f64,
    /// From the push until every attempt existed.
    attempts_made: Duration,
    /// Close of business run alone in this process, no worker and no debits beside it.
    alone: Duration,
}

/// Close of business run in this process on `env`'s database, with no worker: its own
/// time, with no debits running beside it on the same cores and connections. The
/// attempts it made are removed again, and the tables vacuumed and checkpointed, before
/// the worker's run on the same database.
async fn close_of_business_alone(env: &Env, db: &DatabaseConnection) -> Result<Duration> {
    let vars: std::collections::HashMap<String, String> = env.vars.iter().cloned().collect();
    let settings = fenqi::Settings::from_lookup(|name| vars.get(name).cloned())
        .map_err(|e| BenchError(format!("the worker's settings: {e}")))?;
    let domain =
        fenqi::platform::connect_domain(&settings, std::sync::Arc::new(domain::clock::SystemClock))
            .await
            .map_err(|e| BenchError(format!("connecting the domain: {e}")))?;
    let started = Instant::now();
    domain
        .close_of_business(business_date())
        .await
        .map_err(|e| BenchError(format!("close of business alone: {e}")))?;
    let took = started.elapsed();
    let _ = domain.db().clone().close().await;
    // Close of business writes nothing to the installments (its attempts are the mark),
    // so removing the attempts undoes it, and the installments stay where the seeding put
    // them, scattered among the plans held as in a bank's table. (Rewriting them here
    // would pack the day's installments together at the end of the table and flatter the
    // run that follows.)
    let sql = "DELETE FROM debit_attempt";
    db.execute_unprepared(sql)
        .await
        .context(format!("undoing close of business alone: `{sql}`"))?;
    settle_tables(db, "plan_entry, debit_attempt").await?;
    Ok(took)
}

/// Vacuums, analyzes and checkpoints after bulk writes to `tables`: a bank's tables are
/// in that state long before a close of business, and without it autovacuum's first pass
/// and the checkpoint the writes forced ran inside the measure, more so the more plans
/// were seeded. The bench's user must be a superuser (`CHECKPOINT`).
async fn settle_tables(db: &DatabaseConnection, tables: &str) -> Result<()> {
    db.execute_unprepared(&format!("VACUUM (ANALYZE) {tables}"))
        .await
        .context(format!("vacuuming and analyzing {tables}"))?;
    db.execute_unprepared("CHECKPOINT")
        .await
        .context("a checkpoint (the bench's user must be a superuser)")?;
    Ok(())
}

/// One scaling run in a fresh database `database`: `plans` plans, `due` installments due
/// today, one close of business, timed.
async fn scaling_run(ctx: &Ctx, label: &str, database: &str, plans: usize) -> Result<Scaled> {
    let due = ctx.options.cob_due;
    eprintln!("cob scaling ({label}): {due} due among {plans} plans, in {database}");
    ctx.admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await
        .context(format!("creating the database {database}"))?;
    let url = with_database(&ctx.options.database_url, database);
    let namespace = format!("{}:{label}", namespace(ctx)?);
    let env = worker_env(
        ctx,
        &url,
        &namespace,
        &[("FENQI_QUEUE_POLL_MS", SCALING_QUEUE_POLL_MS)],
    );
    fenqi_once(&env, &["migrate"]).await?;
    let db = connect(&url).await?;
    let seeded = seed(&db, business_date(), plans, due).await?;
    let alone = close_of_business_alone(&env, &db).await?;
    let mut workers =
        vec![Server::start_as(&env, "work", &format!("work-{label}"), &ctx.client).await?];
    // The worker's first seconds (registering its queues, the first schedule ticks) are
    // not part of the close of business.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = Instant::now();
    push_close_of_business(ctx, &namespace, format!("fenqi-bench-{label}")).await?;
    let mut attempts_made = None;
    let job = loop {
        tokio::time::sleep(SCALING_POLL).await;
        check_alive(&mut workers)?;
        if started.elapsed() > Duration::from_secs(600) {
            return fail(format!(
                "the close of business did not end within 600 s: {}",
                workers[0].log_tail()
            ));
        }
        if attempts_made.is_none() {
            let row = query_one(&db, "SELECT count(*)::bigint AS n FROM debit_attempt").await?;
            if get_i64(&row, "n")? >= seeded.due {
                attempts_made = Some(started.elapsed());
            }
        }
        let text = metrics(ctx, &workers).await?;
        let job = (
            metric(
                &text,
                "fenqi_jobs_total",
                &[("kind", close_of_business::KIND), ("outcome", "done")],
            ),
            metric(
                &text,
                "fenqi_jobs_total",
                &[("kind", close_of_business::KIND), ("outcome", "failed")],
            ),
        );
        if job.1 > 0.0 {
            return fail(format!(
                "the close of business failed: {}",
                workers[0].log_tail()
            ));
        }
        if job.0 >= 1.0 && attempts_made.is_some() {
            break metric(
                &text,
                "fenqi_job_duration_seconds_sum",
                &[("kind", close_of_business::KIND)],
            );
        }
    };
    let row = query_one(&db, "SELECT count(*)::bigint AS n FROM debit_attempt").await?;
    let attempts = get_i64(&row, "n")?;
    if attempts != seeded.due {
        return fail(format!(
            "the close of business made {attempts} attempts, not {}",
            seeded.due
        ));
    }
    // The debits it queued are not part of this measure: the worker stops here, and the
    // database goes now rather than at the end, to free the disk.
    drop(workers);
    let _ = db.close().await;
    ctx.admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
        ))
        .await
        .context(format!("dropping the database {database}"))?;
    eprintln!(
        "  close of business: {job:.2} s (attempts made {:.2} s after the push); alone: {:.2} s",
        attempts_made.map_or(f64::NAN, |d| d.as_secs_f64()),
        alone.as_secs_f64()
    );
    Ok(Scaled {
        seeded,
        job,
        attempts_made: attempts_made.unwrap_or_default(),
        alone,
    })
}

/// The scaling runs (see the module documentation).
async fn scaling(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let [small_db, large_db] = scratch_databases(&ctx.database);
    let small = scaling_run(ctx, "small", &small_db, ctx.options.cob_small_plans).await?;
    let large = scaling_run(ctx, "large", &large_db, ctx.options.cob_large_plans).await?;
    let mode = "cob scaling";
    for (label, run) in [("small", &small), ("large", &large)] {
        report.row(
            mode,
            &format!("{label}: plans (entries) / due today"),
            format!(
                "{} ({}) / {}",
                run.seeded.plans, run.seeded.entries, run.seeded.due
            ),
        );
        report.row(
            mode,
            &format!("{label}: close-of-business job (push → all attempts made)"),
            format!(
                "{:.2} s ({:.2} s)",
                run.job,
                run.attempts_made.as_secs_f64()
            ),
        );
    }
    // The target is judged on the close of business's own work (push until every
    // attempt exists). The job's duration also holds queuing one debit job per attempt,
    // one Redis round trip each, while the worker already runs the first debits on the same
    // two cores: that part does not depend on the plans held, and it moves most with
    // whatever else the machine runs, so it is shown beside, not judged.
    let ratio = large.attempts_made.as_secs_f64() / small.attempts_made.as_secs_f64();
    report.row(
        mode,
        "push → attempts made, large ÷ small (target within 20 %)",
        format!(
            "{ratio:.3} ({})",
            if (ratio - 1.0).abs() <= 0.2 {
                "met"
            } else {
                "NOT met"
            }
        ),
    );
    report.row(
        mode,
        "job time large ÷ small (debits queued and running included)",
        format!("{:.3}", large.job / small.job),
    );
    // The same close of business with nothing else running: what it costs itself.
    report.row(
        mode,
        "close of business alone (no worker, no debits): small / large",
        format!(
            "{:.2} s / {:.2} s",
            small.alone.as_secs_f64(),
            large.alone.as_secs_f64()
        ),
    );
    report.row(
        mode,
        "close of business alone, large ÷ small",
        format!(
            "{:.3}",
            large.alone.as_secs_f64() / small.alone.as_secs_f64()
        ),
    );
    Ok(())
}

/// `fenqi-bench cob`: the throughput run, then the scaling runs.
pub(super) async fn cob(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let row = query_one(
        &ctx.admin,
        "SELECT current_setting('server_version') AS version, \
           current_setting('shared_buffers') AS buffers, \
           current_setting('synchronous_commit') AS sync",
    )
    .await?;
    let setting = |name: &str| -> Result<String> {
        row.try_get::<String>("", name)
            .context("reading a server setting")
    };
    report.row(
        "cob",
        "PostgreSQL (shared_buffers, synchronous_commit)",
        format!(
            "{} ({}, {})",
            setting("version")?,
            setting("buffers")?,
            setting("sync")?
        ),
    );
    throughput(ctx, report).await?;
    scaling(ctx, report).await
}

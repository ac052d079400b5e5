//! `fenqi-bench callbacks`: signed partner callbacks applied per second by one `fenqi
//! serve`, beside pgbench's tpcb-like TPS on the same PostgreSQL server in the same run.
//!
//! An admin (made with `fenqi create-staff`) registers the external platform
//! `bench-partner` with a known secret through `upsertPlatform`; its plans are inserted
//! with SQL (stage 4 will open them on signing). Then `--events` distinct
//! `payment.succeeded` callbacks and `--duplicates` exact copies of some of them, shuffled,
//! each signed at the moment it is sent, go to `POST /callbacks/bench-partner` with
//! `--in-flight` requests at a time over kept-alive connections. Every event must be
//! applied exactly once: the answers and the rows are checked, and the run fails loudly
//! otherwise. pgbench then loads a scratch database of the same server with the same
//! number of clients.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adapters::signing::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::json;

use super::{
    BenchError, Context, Cpu, Ctx, DbCounters, Env, Owned, Report, Result, STATS_SETTLE, Server,
    fail, fenqi_once, gql, random_u64, wait_bounded, with_database,
};

/// The partner's code in the registry.
const PARTNER: &str = "bench-partner";
/// The shared HMAC secret the partner signs with.
const SECRET: &str = "bench-partner-shared-secret-01";
const ADMIN_EMAIL: &str = "bench-admin@bank.example";
const ADMIN_PASSWORD: &str = "bench admin password 1";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { token } }";
const UPSERT: &str =
    "mutation($i: PlatformInputGql!) { upsertPlatform(input: $i) { code hasCredentials } }";
/// How many times one callback is sent again after a `503` (which asks for exactly that).
const RETRIES_AFTER_503: u32 = 5;
/// pgbench's scale: 10 makes 1,000,000 accounts rows, 100 MB or so.
const PGBENCH_SCALE: u32 = 10;

/// The bank's standard product as a partner offers it: enough for the registry.
fn product() -> serde_json::Value {
    json!({
        "code": "bench-standard", "name": "Bench partner standard",
        "method": "EQUAL_INSTALLMENT", "frequencies": ["MONTHLY"], "terms": [6, 12],
        "minAmount": "1000.00", "maxAmount": "500000.00",
        "pricing": [
            { "grade": "A", "minRate": "0.06", "standardRate": "0.075", "maxRate": "0.10" },
            { "grade": "B", "minRate": "0.08", "standardRate": "0.095", "maxRate": "0.13" },
        ],
        "prepaymentAllowed": true, "prepaymentFeeRate": "0", "prepaymentMinPeriodsPaid": 3,
        "lateGraceDays": 3, "lateDailyRate": "0.0005",
    })
}

/// splitmix64: enough randomness to pick and shuffle, without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The bodies of the distinct events, their amounts' sum in fen, and the order to send
/// them in (indices into the bodies; a duplicate is a second index of the same body).
struct Events {
    bodies: Vec<String>,
    total_fen: i64,
    order: Vec<usize>,
}

fn build_events(plans: usize, distinct: usize, duplicates: usize) -> Events {
    let occurred_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut total_fen = 0;
    let bodies = (0..distinct)
        .map(|i| {
            let amount_fen = 10_000 + (i % 997) as i64 * 100;
            total_fen += amount_fen;
            json!({
                "eventId": format!("evt-bench-{i:07}"),
                "type": "payment.succeeded",
                "planRef": format!("BP-{:06}", i % plans + 1),
                // Each plan's events in turn: 2, 3, … (1 is the plan's opening).
                "sequence": 2 + (i / plans) as i64,
                "occurredAt": occurred_at,
                "payment": {
                    "reference": format!("PAY-bench-{i:07}"),
                    "idempotencyKey": format!("bench-entry-{i}:1"),
                    "amountFen": amount_fen,
                },
            })
            .to_string()
        })
        .collect();
    let mut rng = Rng(random_u64());
    let mut order: Vec<usize> = (0..distinct).collect();
    for _ in 0..duplicates {
        order.push(rng.below(distinct));
    }
    // Fisher–Yates.
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    Events {
        bodies,
        total_fen,
        order,
    }
}

/// The answers, as counted by the senders.
#[derive(Default)]
struct Tally {
    applied: AtomicU64,
    duplicate: AtomicU64,
    other: AtomicU64,
    retried_503: AtomicU64,
    /// The first few unexpected answers, for the error message.
    samples: Mutex<Vec<String>>,
}

impl Tally {
    fn unexpected(&self, what: String) {
        self.other.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut samples) = self.samples.lock()
            && samples.len() < 5
        {
            samples.push(what);
        }
    }
}

/// Sends one callback, signed now, again after a `503`; counts the answer and returns how
/// long it took, first send to last answer.
async fn send_one(client: &reqwest::Client, url: &str, body: &str, tally: &Tally) -> Duration {
    let started = Instant::now();
    for attempt in 0..=RETRIES_AFTER_503 {
        let timestamp = chrono::Utc::now().timestamp();
        let signature = sign(SECRET.as_bytes(), timestamp, body.as_bytes());
        let sent = client
            .post(url)
            .header("Content-Type", "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body.to_owned())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            // The request may have been applied: sending it again would answer
            // `duplicate` and hide the fault, so it is counted as an error.
            Err(e) => {
                tally.unexpected(format!("transport: {e}"));
                break;
            }
        };
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.as_u16() == 503 && attempt < RETRIES_AFTER_503 {
            tally.retried_503.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt + 1))).await;
            continue;
        }
        let word = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["status"].as_str().map(str::to_owned));
        match (status.as_u16(), word.as_deref()) {
            (200, Some("applied")) => {
                tally.applied.fetch_add(1, Ordering::Relaxed);
            }
            (200, Some("duplicate")) => {
                tally.duplicate.fetch_add(1, Ordering::Relaxed);
            }
            _ => tally.unexpected(format!("{status}: {}", super::short(&text))),
        }
        break;
    }
    started.elapsed()
}

/// What the load measured.
struct Sent {
    wall: Duration,
    latencies_us: Vec<u64>,
}

/// Sends every callback in `events.order` with `in_flight` senders.
async fn send_all(
    base: &str,
    events: Events,
    in_flight: usize,
    tally: &Arc<Tally>,
) -> Result<Sent> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(in_flight)
        .build()
        .context("making the callback client")?;
    let url = format!("{base}/callbacks/{PARTNER}");
    let events = Arc::new(events);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(in_flight);
    for _ in 0..in_flight {
        let (client, url, events, next, tally) = (
            client.clone(),
            url.clone(),
            events.clone(),
            next.clone(),
            tally.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&body) = events.order.get(i) else {
                    break;
                };
                let took = send_one(&client, &url, &events.bodies[body], &tally).await;
                latencies.push(took.as_micros() as u64);
            }
            latencies
        }));
    }
    let mut latencies_us = Vec::with_capacity(events.order.len());
    for task in tasks {
        latencies_us.append(&mut task.await.context("a sending task")?);
    }
    let wall = started.elapsed();
    latencies_us.sort_unstable();
    Ok(Sent { wall, latencies_us })
}

fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted_us.len() - 1) as f64 * p).round() as usize;
    sorted_us[index.min(sorted_us.len() - 1)] as f64 / 1000.0
}

/// Makes the admin with `fenqi create-staff` and logs in; returns the token.
async fn admin_token(ctx: &Ctx, base: &str) -> Result<String> {
    let mut vars = ctx.env.vars.clone();
    vars.push(("FENQI_STAFF_PASSWORD".into(), ADMIN_PASSWORD.into()));
    let env = Env {
        fenqi: ctx.env.fenqi.clone(),
        dir: ctx.env.dir.clone(),
        vars,
    };
    fenqi_once(
        &env,
        &[
            "create-staff",
            "--email",
            ADMIN_EMAIL,
            "--name",
            "Bench Admin",
            "--role",
            "admin",
        ],
    )
    .await?;
    let answer = gql(
        &ctx.client,
        base,
        LOGIN,
        json!({ "i": { "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD } }),
        None,
    )
    .await
    .context("logging in as the admin")?;
    answer["data"]["login"]["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| BenchError(format!("login gave no token: {answer}")))
}

/// `plans` customers and one active plan each at the partner, `BP-000001`…, with SQL.
async fn insert_plans(db: &DatabaseConnection, plans: usize) -> Result<()> {
    let sql = "WITH c AS ( \
           INSERT INTO customer (id, full_name, preferred_language, status, created_at, updated_at) \
           SELECT gen_random_uuid(), 'Bench customer ' || g, 'zh-CN', 'active', 0, 0 \
           FROM generate_series(1, $1) g RETURNING id), \
         n AS (SELECT id, row_number() OVER () AS n FROM c) \
         INSERT INTO installment_plan (id, customer_id, status, principal_fen, days_past_due, \
           opened_at, platform_code, external_ref, status_sequence) \
         SELECT gen_random_uuid(), id, 'active', 1200000, 0, 0, $2, \
           'BP-' || lpad(n::text, 6, '0'), 1 FROM n";
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [(plans as i64).into(), PARTNER.into()],
        ))
        .await
        .context("inserting the partner's plans")?;
    if done.rows_affected() != plans as u64 {
        return fail(format!(
            "inserted {} plans, not {plans}",
            done.rows_affected()
        ));
    }
    Ok(())
}

/// What the database holds of the partner after the load.
struct Stored {
    events: i64,
    applied_events: i64,
    payments: i64,
    payments_fen: i64,
}

async fn stored(db: &DatabaseConnection) -> Result<Stored> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT \
               (SELECT count(*) FROM platform_event WHERE platform_code = $1) AS events, \
               (SELECT count(*) FROM platform_event WHERE platform_code = $1 \
                  AND outcome = 'APPLIED') AS applied_events, \
               (SELECT count(*) FROM platform_payment WHERE platform_code = $1) AS payments, \
               (SELECT coalesce(sum(amount_fen), 0)::bigint FROM platform_payment \
                  WHERE platform_code = $1) AS payments_fen",
            [PARTNER.into()],
        ))
        .await
        .context("counting the stored events and payments")?
        .ok_or_else(|| BenchError("the count answered no row".into()))?;
    let get = |column: &str| row.try_get::<i64>("", column).context("reading a count");
    Ok(Stored {
        events: get("events")?,
        applied_events: get("applied_events")?,
        payments: get("payments")?,
        payments_fen: get("payments_fen")?,
    })
}

/// The 1-minute load average, from /proc/loadavg.
pub(super) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".into())
}

pub(super) fn busy_percent(before: &Cpu, after: &Cpu) -> f64 {
    let busy = after.machine_busy.saturating_sub(before.machine_busy);
    let total = after.machine_total.saturating_sub(before.machine_total);
    100.0 * busy as f64 / total.max(1) as f64
}

/// The scratch database pgbench loads; `clean_up` drops it too.
pub(super) fn pgbench_database(database: &str) -> String {
    format!("{database}_pgbench")
}

/// Runs pgbench to its end (killed by its PID after `limit`) and returns its stdout.
async fn pgbench(ctx: &Ctx, name: &str, args: &[String], limit: Duration) -> Result<String> {
    let out = ctx.env.dir.join(format!("{name}.out"));
    let err = ctx.env.dir.join(format!("{name}.err"));
    eprintln!("  pgbench {}", args.join(" "));
    let mut child = Owned(
        std::process::Command::new(&ctx.options.pgbench)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&out).context("creating pgbench's output file")?)
            .stderr(std::fs::File::create(&err).context("creating pgbench's log file")?)
            .spawn()
            .context(format!(
                "starting {} (is pgbench installed?)",
                ctx.options.pgbench
            ))?,
    );
    let status = wait_bounded(&mut child, limit, "pgbench").await?;
    let stdout = std::fs::read_to_string(&out).context("reading pgbench's output")?;
    if !status.success() {
        let stderr = std::fs::read_to_string(&err).unwrap_or_default();
        return fail(format!(
            "pgbench failed ({status}):\n{stdout}{}",
            stderr.trim()
        ));
    }
    Ok(stdout)
}

/// `tps = 1234.5 (without initial connection time)` out of pgbench's report.
fn pgbench_tps(raw: &str) -> Result<f64> {
    raw.lines()
        .find(|l| l.contains("without initial connection time"))
        .and_then(|l| l.trim().strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| BenchError(format!("could not read pgbench's TPS:\n{raw}")))
}

/// Initialises the scratch database and runs the tpcb-like script with `clients` clients
/// (threads: at most 2), reporting under `mode`; returns the TPS and the machine's busy
/// share. `server` is only there for the CPU reading (it is idle meanwhile).
pub(super) async fn run_pgbench(
    ctx: &Ctx,
    server: &Server,
    report: &mut Report,
    mode: &str,
    clients: usize,
) -> Result<(f64, f64)> {
    let scratch = pgbench_database(&ctx.database);
    ctx.admin
        .execute_unprepared(&format!("CREATE DATABASE \"{scratch}\""))
        .await
        .context(format!("creating the database {scratch}"))?;
    let url = with_database(&ctx.options.database_url, &scratch);
    pgbench(
        ctx,
        "pgbench-init",
        &[
            "-i".into(),
            "-q".into(),
            "-s".into(),
            PGBENCH_SCALE.to_string(),
            url.clone(),
        ],
        Duration::from_secs(600),
    )
    .await?;
    let threads = clients.min(2);
    let load = load_average();
    let before = Cpu::read(ctx, server).await?;
    let raw = pgbench(
        ctx,
        "pgbench-run",
        &[
            "-M".into(),
            "prepared".into(),
            "-c".into(),
            clients.to_string(),
            "-j".into(),
            threads.to_string(),
            "-T".into(),
            ctx.options.duration.to_string(),
            url,
        ],
        Duration::from_secs(u64::from(ctx.options.duration) + 120),
    )
    .await?;
    let after = Cpu::read(ctx, server).await?;
    let tps = pgbench_tps(&raw)?;
    let busy = busy_percent(&before, &after);
    report.raw.push((format!("pgbench, {mode}"), raw));
    report.row(
        mode,
        "pgbench",
        format!(
            "tpcb-like, scale {PGBENCH_SCALE}, -M prepared -c {clients} -j {threads} -T {}",
            ctx.options.duration
        ),
    );
    report.row(mode, "pgbench TPS", format!("{tps:.0}"));
    report.row(
        mode,
        "pgbench: machine CPU busy (load average at start)",
        format!("{busy:.0} % ({load})"),
    );
    Ok((tps, busy))
}

pub(super) async fn callbacks(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let options = &ctx.options;
    let (plans, distinct, duplicates) = (options.plans, options.events, options.duplicates);
    eprintln!("callbacks: fenqi serve, an admin, the partner {PARTNER}");
    let server = Server::start(&ctx.env, "serve", &ctx.client).await?;
    let token = admin_token(ctx, &server.base).await?;
    let upserted = gql(
        &ctx.client,
        &server.base,
        UPSERT,
        json!({ "i": {
            "code": PARTNER, "kind": "EXTERNAL", "name": "Bench partner",
            "baseUrl": "http://127.0.0.1:9", "clientId": "fenqi-bench", "secret": SECRET,
            "products": [product()], "channels": ["APP"],
            "policyText": "Bench partner terms: debits on the due date.", "active": true,
        } }),
        Some(&token),
    )
    .await
    .context("registering the partner")?;
    if upserted["data"]["upsertPlatform"]["hasCredentials"] != true {
        return fail(format!(
            "the partner has no credentials on file: {upserted}"
        ));
    }
    let db = tokio::time::timeout(
        Duration::from_secs(10),
        Database::connect(with_database(&options.database_url, &ctx.database)),
    )
    .await
    .map_err(|_| BenchError("connecting to the bench database: no answer in 10 s".into()))?
    .context("connecting to the bench database")?;
    eprintln!("  inserting {plans} customers and plans with SQL");
    insert_plans(&db, plans).await?;
    let events = build_events(plans, distinct, duplicates);
    let total_fen = events.total_fen;
    let sends = events.order.len();

    eprintln!(
        "  waiting {} s for the database statistics to settle",
        STATS_SETTLE.as_secs()
    );
    tokio::time::sleep(STATS_SETTLE).await;
    let counters_before = DbCounters::read(&ctx.admin, &ctx.database).await?;
    let load = load_average();
    let cpu_before = Cpu::read(ctx, &server).await?;
    eprintln!(
        "  sending {sends} callbacks ({distinct} events, {duplicates} duplicates), {} in flight",
        options.in_flight
    );
    let tally = Arc::new(Tally::default());
    let sent = send_all(&server.base, events, options.in_flight, &tally).await?;
    let cpu_after = Cpu::read(ctx, &server).await?;
    eprintln!(
        "  sent in {:.2} s; waiting {} s for the database statistics to settle",
        sent.wall.as_secs_f64(),
        STATS_SETTLE.as_secs()
    );
    tokio::time::sleep(STATS_SETTLE).await;
    let counters_after = DbCounters::read(&ctx.admin, &ctx.database).await?;
    let kept = stored(&db).await?;
    let _ = db.close().await;

    let applied = tally.applied.load(Ordering::Relaxed);
    let duplicate = tally.duplicate.load(Ordering::Relaxed);
    let other = tally.other.load(Ordering::Relaxed);
    let retried = tally.retried_503.load(Ordering::Relaxed);
    let seconds = sent.wall.as_secs_f64();
    let applied_per_second = applied as f64 / seconds;
    let n = sends.max(1) as f64;
    report.row(
        "callbacks",
        "plans / callbacks sent (events + duplicates) / in flight",
        format!(
            "{plans} / {sends} ({distinct} + {duplicates}) / {}",
            options.in_flight
        ),
    );
    report.row("callbacks", "wall time", format!("{seconds:.2} s"));
    report.row(
        "callbacks",
        "callbacks applied/s",
        format!("{applied_per_second:.0}"),
    );
    report.row(
        "callbacks",
        "callbacks answered/s",
        format!("{:.0}", (applied + duplicate + other) as f64 / seconds),
    );
    report.row(
        "callbacks",
        "p50 / p99 latency",
        format!(
            "{:.2} ms / {:.2} ms",
            percentile_ms(&sent.latencies_us, 0.5),
            percentile_ms(&sent.latencies_us, 0.99)
        ),
    );
    report.row(
        "callbacks",
        "answers applied / duplicate / other (503s sent again)",
        format!("{applied} / {duplicate} / {other} ({retried})"),
    );
    report.row(
        "callbacks",
        "stored: events (applied) / payments",
        format!(
            "{} ({}) / {}",
            kept.events, kept.applied_events, kept.payments
        ),
    );
    report.row(
        "callbacks",
        "CPU per callback: fenqi / PostgreSQL",
        format!(
            "{:.3} ms / {}",
            cpu_after.fenqi.saturating_sub(cpu_before.fenqi) as f64 * super::MS_PER_TICK / n,
            cpu_after
                .postgres_since(&cpu_before)
                .map_or("n/a".into(), |t| format!(
                    "{:.3} ms",
                    t as f64 * super::MS_PER_TICK / n
                ))
        ),
    );
    report.row(
        "callbacks",
        "machine CPU busy (load average at start)",
        format!("{:.0} % ({load})", busy_percent(&cpu_before, &cpu_after)),
    );
    report.row(
        "callbacks",
        "DB transactions / callback",
        format!(
            "{:.2}",
            (counters_after.transactions - counters_before.transactions) as f64 / n
        ),
    );
    report.row(
        "callbacks",
        "DB rows returned / fetched / written per callback",
        format!(
            "{:.1} / {:.1} / {:.2}",
            (counters_after.rows_returned - counters_before.rows_returned) as f64 / n,
            (counters_after.rows_fetched - counters_before.rows_fetched) as f64 / n,
            (counters_after.rows_written - counters_before.rows_written) as f64 / n
        ),
    );

    // Exactly once, or the figures mean nothing.
    let (distinct_i, duplicates_u) = (distinct as i64, duplicates as u64);
    let mut wrong = Vec::new();
    if applied != distinct as u64 || duplicate != duplicates_u || other != 0 {
        wrong.push(format!(
            "answers: {applied} applied, {duplicate} duplicate, {other} other; expected \
             {distinct}, {duplicates}, 0"
        ));
    }
    if kept.events != distinct_i || kept.applied_events != distinct_i {
        wrong.push(format!(
            "platform_event: {} rows ({} applied), expected {distinct}",
            kept.events, kept.applied_events
        ));
    }
    if kept.payments != distinct_i || kept.payments_fen != total_fen {
        wrong.push(format!(
            "platform_payment: {} rows of {} fen, expected {distinct} of {total_fen}",
            kept.payments, kept.payments_fen
        ));
    }
    if !wrong.is_empty() {
        let samples = tally
            .samples
            .lock()
            .map(|s| s.join("; "))
            .unwrap_or_default();
        return fail(format!(
            "not exactly once: {}; first unexpected answers: {samples}; server log: {}",
            wrong.join("; "),
            server.log_tail()
        ));
    }
    report.row(
        "callbacks",
        "exactly once",
        format!("yes: {distinct} events and payments, {total_fen} fen"),
    );

    eprintln!("  pgbench on the same server");
    let (tps, _) = run_pgbench(ctx, &server, report, "callbacks", options.in_flight).await?;
    report.row(
        "callbacks",
        "ratio: callbacks applied/s ÷ pgbench TPS",
        format!("{:.3}", applied_per_second / tps),
    );
    Ok(())
}

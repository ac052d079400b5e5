//! `fenqi-bench campaign`: a bulk message campaign (批量回访) over `--members` customers,
//! run by a real `fenqi serve` and `--workers` `fenqi work` processes on PostgreSQL and
//! Redis.
//!
//! The customers are seeded with SQL (each with an active plan, SMS and the app as
//! channels, and a current consent to the processing of their data). An admin made with
//! `fenqi create-staff` makes a `MESSAGE` campaign over all of them through the API
//! (approval off: `FENQI_CAMPAIGN_APPROVAL_SIZE` above the segment), then launches it.
//! Measured:
//!
//! - **launch**: from sending `launchCampaign` until every batch has been handed to the
//!   queue (the segment snapshotted, the batches written, the worker's dispatch run —
//!   every second here, `FENQI_CAMPAIGN_DISPATCH_SCHEDULE`); the issue asks ≤ 5 s;
//! - **members per second**: members over the time from the launch's answer to the
//!   campaign's completion; the issue asks ≥ 2,000.
//!
//! The run fails unless every member was processed once: the campaign `COMPLETED`, every
//! member `DONE`, exactly one in-app copy of the message per customer.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;

use domain::customers::consent::{CURRENT_TEXTS, ConsentPurpose};

use super::{
    Context, Ctx, Env, Report, Result, Server, fail, fenqi_once, gql, mib, short, with_database,
};

/// How often the bench reads the campaign's state in the database.
const POLL: Duration = Duration::from_millis(50);

/// How often the bench counts the members processed (to notice a stall).
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// The run fails when nothing moved for this long.
const STALL_LIMIT: Duration = Duration::from_secs(120);

/// The admin the bench makes, and the password it moves to.
const ADMIN: &str = "bench-admin@bank.test";
const FIRST_PASSWORD: &str = "bench first password 1";
const PASSWORD: &str = "bench own password 22";

async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64> {
    let row = super::cob::query_one(db, sql).await?;
    row.try_get::<i64>("", "n")
        .context(format!("reading `{}`", short(sql)))
}

/// Seeds `n` customers with one active plan each, channels and consent.
async fn seed(db: &DatabaseConnection, n: usize) -> Result<Duration> {
    let started = Instant::now();
    let now = chrono::Utc::now().timestamp_millis();
    let text = CURRENT_TEXTS
        .iter()
        .find(|t| t.purpose == ConsentPurpose::SensitivePersonalInformation)
        .ok_or_else(|| super::BenchError("no consent text".into()))?;
    let (purpose, version, hash) = (text.purpose.as_str(), text.version, text.hash());
    let statements = [
        format!(
            "CREATE TEMP TABLE bench_people ON COMMIT DROP AS \
             SELECT g, gen_random_uuid() AS customer_id FROM generate_series(1, {n}) g"
        ),
        format!(
            "INSERT INTO customer (id, full_name, preferred_language, status, created_at, \
               updated_at) \
             SELECT customer_id, 'Bench customer ' || g, \
               CASE WHEN g % 5 = 0 THEN 'en' ELSE 'zh-CN' END, 'active', {now}, {now} \
             FROM bench_people"
        ),
        format!(
            "INSERT INTO customer_preference (customer_id, frequency, preferred_term_months, \
               payment_day, channels, updated_at) \
             SELECT customer_id, 'MONTHLY', 12, 10, 'SMS,APP', {now} FROM bench_people"
        ),
        format!(
            "INSERT INTO consent (id, customer_id, purpose, version, text_hash, channel, \
               given_at) \
             SELECT gen_random_uuid(), customer_id, '{purpose}', '{version}', '{hash}', 'app', \
               {now} FROM bench_people"
        ),
        format!(
            "INSERT INTO installment_plan (id, customer_id, status, principal_fen, \
               days_past_due, opened_at, platform_code, external_ref, status_sequence, bucket) \
             SELECT gen_random_uuid(), customer_id, 'active', 1200000, 0, {now}, 'internal', \
               'INT-' || customer_id, 1, 'CURRENT' FROM bench_people"
        ),
    ];
    let txn = db.begin().await.context("starting the seeding")?;
    for sql in &statements {
        txn.execute_unprepared(sql)
            .await
            .context(format!("seeding: `{}`", short(sql)))?;
    }
    txn.commit().await.context("committing the seeding")?;
    db.execute_unprepared("ANALYZE customer, customer_preference, consent, installment_plan")
        .await
        .context("analyzing the seeded tables")?;
    Ok(started.elapsed())
}

/// An admin's token: made with `create-staff`, its first password replaced as the API
/// requires.
async fn admin_token(ctx: &Ctx, env: &Env, base: &str) -> Result<String> {
    let mut with_password = env.clone();
    with_password
        .vars
        .push(("FENQI_STAFF_PASSWORD".into(), FIRST_PASSWORD.into()));
    fenqi_once(
        &with_password,
        &[
            "create-staff",
            "--email",
            ADMIN,
            "--name",
            "Bench admin",
            "--role",
            "admin",
        ],
    )
    .await?;
    let login = |password: &'static str| async move {
        let answer = gql(
            &ctx.client,
            base,
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            json!({ "i": { "login": ADMIN, "password": password } }),
            None,
        )
        .await?;
        answer["data"]["login"]["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| super::BenchError(format!("no token in {answer}")))
    };
    let first = login(FIRST_PASSWORD).await?;
    gql(
        &ctx.client,
        base,
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { mustChangePassword } }",
        json!({ "c": FIRST_PASSWORD, "n": PASSWORD }),
        Some(&first),
    )
    .await?;
    login(PASSWORD).await
}

/// The `campaign` mode.
pub(super) async fn campaign(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let members = ctx.options.members;
    let url = with_database(&ctx.options.database_url, &ctx.database);
    let db = super::cob::connect(&url).await?;
    eprintln!("campaign: seeding {members} customers with plans, with SQL");
    let seeded = seed(&db, members).await?;
    eprintln!("  seeded in {:.1} s", seeded.as_secs_f64());

    let mut env = ctx.env.clone();
    let settings = [
        ("FENQI_CAMPAIGN_APPROVAL_SIZE", "100000000"),
        ("FENQI_CAMPAIGN_DISPATCH_SCHEDULE", "* * * * * *"),
    ];
    // The bench's settings first, so `--set` still wins.
    let mut vars: Vec<(String, String)> = settings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    vars.extend(std::mem::take(&mut env.vars));
    env.vars = vars;
    let serve = Server::start(&env, "serve", &ctx.client).await?;
    let mut workers = Vec::new();
    for i in 0..ctx.options.workers {
        workers
            .push(Server::start_as(&env, "work", &format!("work-{}", i + 1), &ctx.client).await?);
    }
    let token = admin_token(ctx, &env, &serve.base).await?;

    let started = Instant::now();
    let preview = gql(
        &ctx.client,
        &serve.base,
        "query { previewSegment(segment: { planStatuses: [ACTIVE] }) { size } }",
        json!({}),
        Some(&token),
    )
    .await?;
    let preview_took = started.elapsed();
    let size = preview["data"]["previewSegment"]["size"]
        .as_i64()
        .unwrap_or(0);
    if size != members as i64 {
        return fail(format!("the segment holds {size} customers, not {members}"));
    }
    let made = gql(
        &ctx.client,
        &serve.base,
        "mutation($i: CampaignInput!) { createCampaign(input: $i) { id status } }",
        json!({ "i": {
            "name": "Bench: reminder settings",
            "action": "MESSAGE",
            "segment": { "planStatuses": ["ACTIVE"] },
            "content": {
                "zh": { "subject": "提醒设置", "body": "您现在可以在 App 中选择提醒时间。" },
                "en": { "subject": "Reminder settings", "body": "You can now choose when we remind you, in the app." }
            }
        } }),
        Some(&token),
    )
    .await?;
    let id = made["data"]["createCampaign"]["id"]
        .as_str()
        .ok_or_else(|| super::BenchError(format!("no campaign id in {made}")))?
        .to_owned();

    eprintln!("  launching the campaign over {members} customers");
    let launch_started = Instant::now();
    gql(
        &ctx.client,
        &serve.base,
        "mutation($id: ID!) { launchCampaign(id: $id) { status progress { total } } }",
        json!({ "id": id }),
        Some(&token),
    )
    .await?;
    let snapshot = launch_started.elapsed();
    let batches = count(
        &db,
        &format!("SELECT count(*)::bigint AS n FROM campaign_batch WHERE campaign_id = '{id}'"),
    )
    .await?;
    let mut enqueued = None;
    let mut last_change = Instant::now();
    let mut last_done = -1;
    let mut last_count = Instant::now();
    let finished = loop {
        if enqueued.is_none() {
            let queued = count(
                &db,
                &format!(
                    "SELECT count(*)::bigint AS n FROM campaign_batch \
                     WHERE campaign_id = '{id}' AND queued_at IS NOT NULL"
                ),
            )
            .await?;
            if queued == batches {
                enqueued = Some(launch_started.elapsed());
            }
        }
        let completed = count(
            &db,
            &format!(
                "SELECT count(*)::bigint AS n FROM campaign WHERE id = '{id}' \
                 AND status = 'COMPLETED'"
            ),
        )
        .await?;
        if completed == 1 && enqueued.is_some() {
            break launch_started.elapsed();
        }
        // The members are counted seldom: counting 100,000 rows every poll would take
        // the database's time from the campaign it measures.
        if last_count.elapsed() >= PROGRESS_EVERY {
            last_count = Instant::now();
            let done = count(
                &db,
                &format!(
                    "SELECT count(*)::bigint AS n FROM campaign_member \
                     WHERE campaign_id = '{id}' AND status <> 'QUEUED'"
                ),
            )
            .await?;
            if done != last_done {
                last_done = done;
                last_change = Instant::now();
            } else if last_change.elapsed() > STALL_LIMIT {
                return fail(format!(
                    "the campaign stalled at {done} of {members} members; worker log: {}",
                    workers[0].log_tail()
                ));
            }
        }
        tokio::time::sleep(POLL).await;
    };
    let enqueued = enqueued.unwrap_or(finished);
    let worker_memory = workers[0].memory()?;

    // Exactly once.
    let done = count(
        &db,
        &format!(
            "SELECT count(*)::bigint AS n FROM campaign_member \
             WHERE campaign_id = '{id}' AND status = 'DONE'"
        ),
    )
    .await?;
    let copies = count(
        &db,
        "SELECT count(*)::bigint AS n FROM outbox_message WHERE kind = 'campaign' AND channel = 'app'",
    )
    .await?;
    let most = count(
        &db,
        "SELECT coalesce(max(c), 0)::bigint AS n FROM (SELECT count(*) AS c FROM outbox_message \
         WHERE kind = 'campaign' AND channel = 'app' GROUP BY customer_id) x",
    )
    .await?;
    let deliveries = count(
        &db,
        &format!(
            "SELECT coalesce(sum(deliveries), 0)::bigint AS n FROM campaign_batch \
             WHERE campaign_id = '{id}'"
        ),
    )
    .await?;
    let _ = db.close().await;
    if done != members as i64 || copies != members as i64 || most != 1 {
        return fail(format!(
            "not exactly once: {done} members done, {copies} inbox copies, at most {most} to one customer (of {members})"
        ));
    }
    let processing = finished.saturating_sub(snapshot);
    let per_second = members as f64 / processing.as_secs_f64();
    let mode = "campaign";
    report.row(
        mode,
        "customers / batches / workers",
        format!("{members} / {batches} / {}", ctx.options.workers),
    );
    report.row(
        mode,
        "seeding with SQL",
        format!("{:.1} s", seeded.as_secs_f64()),
    );
    report.row(
        mode,
        "previewSegment (count + sample)",
        format!("{:.0} ms", preview_took.as_secs_f64() * 1000.0),
    );
    report.row(
        mode,
        "launchCampaign answered (segment snapshotted)",
        format!("{:.2} s", snapshot.as_secs_f64()),
    );
    report.row(
        mode,
        "launch: segment + every batch queued (target ≤ 5 s)",
        format!("{:.2} s", enqueued.as_secs_f64()),
    );
    report.row(
        mode,
        "launch answered → completed",
        format!("{:.2} s", processing.as_secs_f64()),
    );
    report.row(
        mode,
        "members processed per second (target ≥ 2,000)",
        format!("{per_second:.0}"),
    );
    report.row(
        mode,
        "batch deliveries (one per batch: no retry)",
        format!("{deliveries} for {batches}"),
    );
    report.row(
        mode,
        "exactly once (one inbox copy each)",
        format!("yes ({copies} copies)"),
    );
    report.row(
        mode,
        "fenqi work RSS after (peak)",
        format!(
            "{} ({})",
            mib(worker_memory.rss_kib),
            mib(worker_memory.peak_kib)
        ),
    );
    drop(serve);
    drop(workers);
    Ok(())
}

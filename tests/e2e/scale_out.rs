//! Any number of `fenqi work` processes share every job kind, on the SQLite queue and on
//! Redis (whichever the run is configured with): all stay alive and take jobs; one killed
//! with `kill -9` leaves its jobs to the others; none is run twice.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use worker::jobs::purge_sessions::{KIND, PurgeSessions};

use crate::helpers::TestApp;
use crate::processes::{FenqiProcess, eventually};

const JOBS: usize = 600;

/// How many of this test's runs the ledger shows done.
async fn done(app: &TestApp, prefix: &str) -> u64 {
    entities::job_run::Entity::find()
        .filter(entities::job_run::Column::Kind.eq(KIND))
        .filter(entities::job_run::Column::RunKey.starts_with(prefix))
        .filter(entities::job_run::Column::Status.eq("done"))
        .count(app.db())
        .await
        .unwrap_or(0)
}

async fn jobs_done_by(process: &FenqiProcess) -> u64 {
    process
        .counter("fenqi_jobs_total", &[("kind", KIND), ("outcome", "done")])
        .await
}

#[tokio::test]
async fn three_workers_share_the_queue_and_survive_a_kill_9() {
    let app = TestApp::spawn().await;
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(FenqiProcess::start(&app, "work", &[]).await);
    }
    for (i, w) in workers.iter().enumerate() {
        let w_ready = || async { w.ready().await.0 == 200 };
        eventually(
            Duration::from_secs(30),
            &format!("worker {i} is ready"),
            w_ready,
        )
        .await;
    }

    let prefix = format!("scale-{}-", uuid::Uuid::now_v7().simple());
    for i in 0..JOBS {
        app.platform
            .queue()
            .push(
                KIND,
                PurgeSessions {
                    run_key: format!("{prefix}{i:04}"),
                },
            )
            .await
            .expect("push");
    }

    // Every process takes a share.
    eventually(
        Duration::from_secs(60),
        "each of the three workers has run jobs",
        || async {
            for w in &workers {
                if jobs_done_by(w).await == 0 {
                    return false;
                }
            }
            true
        },
    )
    .await;

    // Kill one in the middle of the stream; it holds a fetched batch.
    let killed_before = jobs_done_by(&workers[0]).await;
    workers[0].kill_9().await;
    let survivors = &workers[1..];

    eventually(
        Duration::from_secs(90),
        "every job is done after one worker was killed",
        || async { done(&app, &prefix).await == JOBS as u64 },
    )
    .await;

    for (i, w) in survivors.iter().enumerate() {
        let (status, body) = w.ready().await;
        assert_eq!(status, 200, "survivor {i} stays ready: {body}");
    }
    // The ledger holds one run per key; the processes together did no more work than
    // there were keys (a re-delivered job finds its key done and skips).
    let mut work = killed_before;
    for w in survivors {
        work += jobs_done_by(w).await;
    }
    assert!(
        work <= JOBS as u64,
        "{work} runs did work for {JOBS} keys: a job ran twice"
    );
    let rows = entities::job_run::Entity::find()
        .filter(entities::job_run::Column::RunKey.starts_with(&prefix))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(rows, JOBS as u64);
}

/// Breaks the queue under a running worker so that its job loops can no longer register.
async fn break_the_queue(app: &TestApp) {
    let queue = app.platform.queue().settings().clone();
    if queue.url.starts_with("redis") {
        let client = redis::Client::open(queue.url.as_str()).expect("redis");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis connection");
        let key = format!("{}:{KIND}:workers", queue.namespace);
        // A string where apalis keeps a sorted set: every heartbeat and registration fails.
        let _: () = redis::cmd("SET")
            .arg(&key)
            .arg("broken")
            .query_async(&mut conn)
            .await
            .expect("SET");
    } else {
        let pool = app
            .sqlite_queue()
            .expect("a queue that is not Redis is SQLite");
        sqlx::query("DROP TABLE Workers")
            .execute(pool)
            .await
            .expect("drop Workers");
    }
}

#[tokio::test]
async fn a_worker_whose_job_loop_died_is_not_ready_and_names_it() {
    let app = TestApp::spawn().await;
    let worker = FenqiProcess::start(&app, "work", &[]).await;
    eventually(Duration::from_secs(30), "the worker is ready", || async {
        worker.ready().await.0 == 200
    })
    .await;

    break_the_queue(&app).await;

    eventually(
        Duration::from_secs(60),
        "/ready reports the dead job loop",
        || async {
            let (status, body) = worker.ready().await;
            status == 503
                && body["checks"]["workers"] == "unavailable"
                && body["details"]["workers"]
                    .as_str()
                    .is_some_and(|d| d.contains(&format!(":{KIND}: dead")))
        },
    )
    .await;
    // The process itself is alive: only its readiness says something is wrong.
    assert!(worker.ready().await.0 == 503);
}

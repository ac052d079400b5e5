//! The session purge runs through the configured queue (SQLite by default, Redis when
//! `FENQI_TEST_QUEUE_URL` is set), once per key, whatever the queue delivers.

use std::time::Duration;

use chrono::Duration as Span;
use sea_orm::{EntityTrait, PaginatorTrait};
use tokio::sync::broadcast;
use worker::jobs::purge_sessions::{KIND, PurgeSessions};
use worker::{JobEvent, JobOutcome};

use crate::helpers::{Options, TestApp};

/// Waits (at most 30 s) for the run of `kind` keyed `run_key` to finish.
pub async fn wait_for(
    events: &mut broadcast::Receiver<JobEvent>,
    kind: &str,
    run_key: &str,
) -> JobEvent {
    wait(events, kind, Some(run_key)).await
}

async fn next_event(events: &mut broadcast::Receiver<JobEvent>, run_key: Option<&str>) -> JobEvent {
    wait(events, KIND, run_key).await
}

pub async fn wait(
    events: &mut broadcast::Receiver<JobEvent>,
    kind: &str,
    run_key: Option<&str>,
) -> JobEvent {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match events.recv().await {
                Ok(event) if event.kind == kind && run_key.is_none_or(|k| k == event.run_key) => {
                    return event;
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => panic!("worker events closed"),
            }
        }
    })
    .await
    .expect("the job ran within 30 s")
}

async fn sessions(app: &TestApp) -> u64 {
    entities::session::Entity::find()
        .count(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_purge_job_deletes_finished_sessions_once_per_key() {
    let app = TestApp::spawn_with_worker().await;
    let mut events = app.platform.job_events();
    app.register_customer("13812345678", "a good password")
        .await;
    app.login("13812345678", "a good password").await;
    assert_eq!(sessions(&app).await, 2);

    app.clock.advance(Span::hours(9));
    let late = app.login("13812345678", "a good password").await;
    app.platform
        .queue()
        .push(
            KIND,
            PurgeSessions {
                run_key: "manual-1".into(),
            },
        )
        .await
        .unwrap();
    let event = next_event(&mut events, Some("manual-1")).await;
    assert_eq!(
        event.outcome,
        JobOutcome::Done("deleted 2 finished session(s)".into())
    );
    assert_eq!(sessions(&app).await, 1, "the live session stays");

    // The same key delivered again does nothing, even with new expired sessions.
    app.clock.advance(Span::hours(9));
    app.platform
        .queue()
        .push(
            KIND,
            PurgeSessions {
                run_key: "manual-1".into(),
            },
        )
        .await
        .unwrap();
    let again = next_event(&mut events, Some("manual-1")).await;
    assert_eq!(again.outcome, JobOutcome::AlreadyDone);
    assert_eq!(sessions(&app).await, 1);
    drop(late);

    let metrics = app.platform.metrics();
    assert_eq!(
        metrics.counter("fenqi_jobs_total", &[("kind", KIND), ("outcome", "done")]),
        1
    );
    assert_eq!(
        metrics.counter(
            "fenqi_jobs_total",
            &[("kind", KIND), ("outcome", "skipped")]
        ),
        1
    );
}

#[tokio::test]
async fn the_cron_schedule_enqueues_the_purge_through_the_queue() {
    let app = TestApp::spawn_with(Options {
        worker: true,
        settings: vec![("FENQI_SESSION_PURGE_SCHEDULE", "* * * * * *".into())],
        ..Options::default()
    })
    .await;
    let mut events = app.platform.job_events();
    let event = next_event(&mut events, None).await;
    assert!(
        event.run_key.ends_with('Z'),
        "keyed by the tick's time: {}",
        event.run_key
    );
    assert!(
        matches!(event.outcome, JobOutcome::Done(_) | JobOutcome::AlreadyDone),
        "{event:?}"
    );
}

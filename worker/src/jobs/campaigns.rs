//! Bulk campaigns (docs/aftercare.md): the dispatch, every few seconds, queues one
//! `CampaignBatchJob` per unfinished batch of a running campaign (again when its job was
//! lost); each batch job processes its members. The domain's locks and keys make every
//! member processed once, so duplicates and retries are harmless.

use std::time::Instant;

use apalis::prelude::*;
use domain::DomainResult;
use domain::aftercare::campaign_run::BatchRun;
use domain::jobs::RunOutcome;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{JobContext, ScheduledJob, report};

/// The dispatch's job kind (also its queue name).
pub const DISPATCH_KIND: &str = "dispatch_campaigns";
/// The batch job's kind.
pub const BATCH_KIND: &str = "campaign_batch";

/// Batches queued per dispatch at most (the rest at the next tick).
const DISPATCH_LIMIT: u64 = 5_000;

/// Queue the batches of running campaigns that wait for a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchCampaigns {
    /// The tick (for the logs; the batches' state makes it idempotent).
    pub run_key: String,
}

impl ScheduledJob for DispatchCampaigns {
    const KIND: &'static str = DISPATCH_KIND;
    fn for_key(run_key: String) -> Self {
        Self { run_key }
    }
}

/// Process one batch of a campaign's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignBatchJob {
    /// The campaign.
    pub campaign_id: Uuid,
    /// The batch's number.
    pub batch: i32,
}

async fn queue_batches(ctx: &JobContext, batches: &[(Uuid, i32)]) -> DomainResult<usize> {
    for (campaign_id, batch) in batches {
        ctx.queue
            .push(
                BATCH_KIND,
                CampaignBatchJob {
                    campaign_id: *campaign_id,
                    batch: *batch,
                },
            )
            .await
            .map_err(|e| domain::DomainError::Unavailable(e.to_string()))?;
    }
    Ok(batches.len())
}

/// The dispatch's handler.
pub async fn dispatch(job: DispatchCampaigns, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = match ctx.domain.campaign_batches_to_queue(DISPATCH_LIMIT).await {
        Ok(batches) if batches.is_empty() => Ok(RunOutcome::AlreadyDone),
        Ok(batches) => queue_batches(&ctx, &batches)
            .await
            .map(|n| RunOutcome::Done(format!("{n} campaign batches queued"))),
        Err(e) => Err(e),
    };
    report(&ctx, DISPATCH_KIND, job.run_key, started, result)
}

/// The batch job's handler.
pub async fn run_batch(job: CampaignBatchJob, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let started = Instant::now();
    let result = ctx
        .domain
        .run_campaign_batch(job.campaign_id, job.batch)
        .await
        .map(|run| match run {
            BatchRun::AlreadyDone => RunOutcome::AlreadyDone,
            BatchRun::Finished(n) => RunOutcome::Done(format!("{n} members processed")),
            BatchRun::Stopped { processed, status } => RunOutcome::Done(format!(
                "{processed} members processed, then stopped: the campaign is {status}"
            )),
        });
    report(
        &ctx,
        BATCH_KIND,
        format!("{}:{}", job.campaign_id, job.batch),
        started,
        result,
    )
}

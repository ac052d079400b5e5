//! Live campaign progress (`campaignProgress`): after each chunk of members, a pause, a
//! resume, a cancel or the completion, the campaign's id goes out on the fleet channel
//! (the same channel as `planUpdated`, under its own prefix), so a subscriber on any API
//! process hears it whichever worker processed the chunk. The subscriber reads the
//! campaign again — at most a few times a second, however fast chunks finish — and the
//! stream ends once the campaign has completed or been cancelled.

use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::campaigns::CampaignView;
use crate::auth::{Caller, Permission};
use crate::error::DomainResult;
use crate::service::Domain;

/// The least time between two reads for one subscriber.
const MIN_INTERVAL: Duration = Duration::from_millis(250);

/// Where a subscriber is: waiting for news, or done (the last view was final).
struct Follow {
    receiver: broadcast::Receiver<Uuid>,
    domain: Arc<Domain>,
    campaign_id: Uuid,
    finished: bool,
}

impl Domain {
    /// Tells every process that campaign `id` moved (after the change committed).
    pub(crate) async fn campaign_changed(&self, id: Uuid) {
        self.campaign_topic()
            .publish(self.plan_channel().as_ref(), id)
            .await;
    }

    /// The campaign as it is now, then after each change, until it completes or is
    /// cancelled (staff). The first item tells the client the subscription is live.
    pub async fn campaign_updates(
        self: Arc<Self>,
        campaign_id: Uuid,
        caller: Caller,
    ) -> DomainResult<impl Stream<Item = DomainResult<CampaignView>> + Send + 'static> {
        caller.require(Permission::ReadCampaigns)?;
        let receiver = self
            .campaign_topic()
            .subscribe(self.plan_channel().as_ref());
        let now = self.campaign_view(campaign_id).await?;
        let finished = now.status().is_final();
        let follow = Follow {
            receiver,
            domain: self,
            campaign_id,
            finished,
        };
        Ok(
            futures::stream::once(async move { Ok(now) }).chain(futures::stream::unfold(
                follow,
                |mut f| async move {
                    if f.finished {
                        return None;
                    }
                    loop {
                        match f.receiver.recv().await {
                            Ok(id) if id != f.campaign_id => continue,
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                            Err(broadcast::error::RecvError::Closed) => return None,
                        }
                    }
                    // Let a burst of chunks settle, then read once for all of them.
                    tokio::time::sleep(MIN_INTERVAL).await;
                    while f.receiver.try_recv().is_ok() {}
                    let view = f.domain.campaign_view(f.campaign_id).await;
                    if let Ok(v) = &view {
                        f.finished = v.status().is_final();
                    }
                    Some((view, f))
                },
            )),
        )
    }
}

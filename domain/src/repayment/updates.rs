//! Live progress (`planUpdated`): after a payment posts, the plan's id goes out on the
//! fleet's plan channel (Redis publish/subscribe with a Redis queue, this process alone on
//! the embedded default), so a subscriber on any API process hears it, whichever process
//! (API or worker) posted. Each process forwards what it hears to its own subscribers,
//! who read the plan again and push its new progress. The channel only says "look again":
//! a message lost while it was down costs a late update, never a wrong one.

use std::sync::Arc;

use futures::{Stream, StreamExt};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::reads::PlanView;
use crate::auth::Caller;
use crate::error::DomainResult;
use crate::service::Domain;

impl Domain {
    /// Tells every process that `plan_id` changed (after the change committed).
    pub(crate) async fn plan_changed(&self, plan_id: Uuid) {
        self.updates()
            .publish(self.plan_channel().as_ref(), plan_id)
            .await;
    }

    /// The plan `plan_id` as it is now, then each time a payment posts to it, for its
    /// customer or staff (anyone else: `NOT_FOUND`, before the stream starts). The first
    /// item lets a client draw the progress bar at once and tells it the subscription is
    /// live: nothing posted after it is missed.
    pub async fn plan_updates(
        self: Arc<Self>,
        plan_id: Uuid,
        caller: Caller,
    ) -> DomainResult<impl Stream<Item = DomainResult<PlanView>> + Send + 'static> {
        let receiver = self.updates().subscribe(self.plan_channel().as_ref());
        let now = self.plan(plan_id, &caller).await?;
        Ok(
            futures::stream::once(async move { Ok(now) }).chain(futures::stream::unfold(
                (receiver, caller, self),
                move |(mut receiver, caller, domain)| async move {
                    loop {
                        match receiver.recv().await {
                            // Lagging behind, an update of this plan may have been missed:
                            // read it again.
                            Ok(id) if id != plan_id => continue,
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                                let view = domain.plan(plan_id, &caller).await;
                                return Some((view, (receiver, caller, domain)));
                            }
                            Err(broadcast::error::RecvError::Closed) => return None,
                        }
                    }
                },
            )),
        )
    }
}

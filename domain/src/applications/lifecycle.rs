//! The installment application's one state machine, for its whole life (pure, no I/O).
//!
//! ```text
//! DRAFT → ASSESSED → PLATFORM_SELECTED → NEGOTIATING → AGREED → SIGNED → ACTIVE → CLOSED
//!   exits: DECLINED (by the risk decision or in negotiation), CANCELLED (by the customer or
//!   staff before the plan opens), EXPIRED (idle 30 days, by a scheduled job)
//! ```
//!
//! Each stage moves the application with a [`Step`]; a step not allowed from the current
//! state is refused with the state it is in, so the caller can say why. Later stages use
//! the steps already here; none adds a state.

pub use entities::installment_application::ApplicationStatus;
use sea_orm::{ActiveEnum as _, Iterable as _};

/// What moves an application from one state to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A risk assessment that allows the application was linked.
    Assess,
    /// The risk assessment declines it.
    Decline,
    /// A platform was selected (again, while not yet negotiating).
    SelectPlatform,
    /// The first proposal was made.
    Negotiate,
    /// Both sides accepted a proposal.
    Agree,
    /// The agreement was signed.
    Sign,
    /// The plan opened on the platform.
    Activate,
    /// The plan is finished.
    Close,
    /// Withdrawn before the plan opened.
    Cancel,
    /// Idle too long.
    Expire,
}

/// A step the current state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this application is {}; it cannot be {}", name(*current), step.past_tense())]
pub struct NotAllowed {
    /// The state it is in.
    pub current: ApplicationStatus,
    /// What was asked.
    pub step: Step,
}

/// Every state, in the order of the life above (derived from the stored enum).
pub fn all_statuses() -> impl Iterator<Item = ApplicationStatus> {
    ApplicationStatus::iter()
}

/// The wire and stored name, e.g. `PLATFORM_SELECTED` (the enum's stored value).
pub fn name(status: ApplicationStatus) -> String {
    status.to_value()
}

/// True when nothing can happen to it any more.
pub const fn is_final(status: ApplicationStatus) -> bool {
    use ApplicationStatus as S;
    matches!(status, S::Closed | S::Declined | S::Cancelled | S::Expired)
}

/// True while no plan is open yet: the states it can be cancelled in or expire from.
pub const fn is_open(status: ApplicationStatus) -> bool {
    !is_final(status) && !matches!(status, ApplicationStatus::Active)
}

/// The state `step` leads to from `current`, or why it cannot be taken.
pub fn after(current: ApplicationStatus, step: Step) -> Result<ApplicationStatus, NotAllowed> {
    use ApplicationStatus as S;
    let next = match (current, step) {
        (S::Draft, Step::Assess) => S::Assessed,
        (S::Draft | S::Assessed, Step::Decline) => S::Declined,
        // A fresher assessment may replace the linked one before a platform is chosen.
        (S::Assessed, Step::Assess) => S::Assessed,
        (S::Assessed | S::PlatformSelected, Step::SelectPlatform) => S::PlatformSelected,
        (S::PlatformSelected, Step::Negotiate) => S::Negotiating,
        (S::Negotiating, Step::Decline) => S::Declined,
        (S::Negotiating, Step::Agree) => S::Agreed,
        (S::Agreed, Step::Sign) => S::Signed,
        (S::Signed, Step::Activate) => S::Active,
        (S::Active, Step::Close) => S::Closed,
        (from, Step::Cancel) if is_open(from) => S::Cancelled,
        (from, Step::Expire) if is_open(from) => S::Expired,
        (current, step) => return Err(NotAllowed { current, step }),
    };
    Ok(next)
}

impl Step {
    /// `assessed`, `cancelled`…, for messages.
    pub const fn past_tense(self) -> &'static str {
        match self {
            Step::Assess => "assessed",
            Step::Decline => "declined",
            Step::SelectPlatform => "given a platform",
            Step::Negotiate => "negotiated",
            Step::Agree => "agreed",
            Step::Sign => "signed",
            Step::Activate => "activated",
            Step::Close => "closed",
            Step::Cancel => "cancelled",
            Step::Expire => "expired",
        }
    }

    /// Every step.
    pub const ALL: [Step; 10] = [
        Step::Assess,
        Step::Decline,
        Step::SelectPlatform,
        Step::Negotiate,
        Step::Agree,
        Step::Sign,
        Step::Activate,
        Step::Close,
        Step::Cancel,
        Step::Expire,
    ];
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus as S;
    use super::*;

    #[test]
    fn the_happy_path_runs_from_draft_to_closed() {
        let mut s = S::Draft;
        for step in [
            Step::Assess,
            Step::SelectPlatform,
            Step::Negotiate,
            Step::Agree,
            Step::Sign,
            Step::Activate,
            Step::Close,
        ] {
            s = after(s, step).unwrap();
        }
        assert_eq!(s, S::Closed);
    }

    #[test]
    fn nothing_leaves_a_final_state() {
        for s in all_statuses().filter(|s| is_final(*s)) {
            for step in Step::ALL {
                assert_eq!(
                    after(s, step),
                    Err(NotAllowed { current: s, step }),
                    "{s:?} {step:?}"
                );
            }
        }
    }

    #[test]
    fn an_active_plan_cannot_be_cancelled_or_expire() {
        for step in [Step::Cancel, Step::Expire] {
            let err = after(S::Active, step).unwrap_err();
            assert_eq!(err.current, S::Active);
            assert_eq!(
                err.to_string(),
                format!(
                    "this application is ACTIVE; it cannot be {}",
                    step.past_tense()
                )
            );
        }
    }

    #[test]
    fn every_open_state_can_be_cancelled_and_can_expire() {
        for s in all_statuses().filter(|s| is_open(*s)) {
            assert_eq!(after(s, Step::Cancel), Ok(S::Cancelled));
            assert_eq!(after(s, Step::Expire), Ok(S::Expired));
        }
    }

    #[test]
    fn names_are_distinct_and_upper_case() {
        let names: std::collections::HashSet<String> = all_statuses().map(name).collect();
        assert_eq!(names.len(), 11);
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        );
    }
}

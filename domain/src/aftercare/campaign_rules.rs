//! The rules of a bulk campaign, pure: its actions and statuses, which move is allowed
//! from which status (maker-checker approval above the configured size), and what is done
//! for one member (acted on, skipped for quiet hours or consent, failed). The use cases
//! (`campaigns.rs`, `campaign_run.rs`) apply them to stored rows.

/// What a campaign does for each member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignAction {
    /// A follow-up task for an agent (the customer's own, else the least loaded).
    FollowUp,
    /// A message through each of the customer's channels (and the in-app inbox).
    Message,
    /// An invitation to the in-app satisfaction survey.
    Survey,
}

impl CampaignAction {
    /// As stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FollowUp => "FOLLOW_UP",
            Self::Message => "MESSAGE",
            Self::Survey => "SURVEY",
        }
    }

    /// From storage.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "FOLLOW_UP" => Some(Self::FollowUp),
            "MESSAGE" => Some(Self::Message),
            "SURVEY" => Some(Self::Survey),
            _ => None,
        }
    }

    /// Whether it contacts the customer (and so obeys quiet hours).
    pub fn contacts_customer(self) -> bool {
        !matches!(self, Self::FollowUp)
    }
}

/// Where a campaign stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignStatus {
    /// Made, small enough to launch without a second pair of eyes.
    Ready,
    /// Made, above the approval size: a second staff member must approve it.
    PendingApproval,
    /// Approved by a second staff member.
    Approved,
    /// Launched: its batches are being processed.
    Running,
    /// Paused: no new member is processed until it is resumed.
    Paused,
    /// Every member processed.
    Completed,
    /// Cancelled: members not processed yet are skipped.
    Cancelled,
}

impl CampaignStatus {
    /// As stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "READY",
            Self::PendingApproval => "PENDING_APPROVAL",
            Self::Approved => "APPROVED",
            Self::Running => "RUNNING",
            Self::Paused => "PAUSED",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// From storage.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Ready,
            Self::PendingApproval,
            Self::Approved,
            Self::Running,
            Self::Paused,
            Self::Completed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// The status a new campaign of `size` members starts in.
    pub fn initial(size: i64, approval_size: u64) -> Self {
        if needs_approval(size, approval_size) {
            Self::PendingApproval
        } else {
            Self::Ready
        }
    }

    /// True once it can no longer change.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

/// True when a segment of `size` members needs a second staff member's approval.
pub fn needs_approval(size: i64, approval_size: u64) -> bool {
    u64::try_from(size).unwrap_or(0) > approval_size
}

/// A change a staff member asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// A second staff member approves it.
    Approve,
    /// Snapshot the segment and start.
    Launch,
    /// Stop taking new members.
    Pause,
    /// Take new members again.
    Resume,
    /// Stop for good.
    Cancel,
}

/// The status `mv` leads to from `from`, or why it is refused (in words a person can act
/// on).
pub fn next(from: CampaignStatus, mv: Move) -> Result<CampaignStatus, String> {
    use CampaignStatus::*;
    match (mv, from) {
        (Move::Approve, PendingApproval | Ready) => Ok(Approved),
        (Move::Approve, Approved) => Err("The campaign is approved already.".into()),
        (Move::Launch, Ready | Approved) => Ok(Running),
        (Move::Launch, PendingApproval) => Err(
            "The campaign is above the approval size: a second staff member must approve it first."
                .into(),
        ),
        (Move::Pause, Running) => Ok(Paused),
        (Move::Pause, Paused) => Err("The campaign is paused already.".into()),
        (Move::Resume, Paused) => Ok(Running),
        (Move::Resume, Running) => Err("The campaign is running already.".into()),
        (Move::Cancel, Ready | PendingApproval | Approved | Running | Paused) => Ok(Cancelled),
        (_, Completed) => Err("The campaign has completed.".into()),
        (_, Cancelled) => Err("The campaign was cancelled.".into()),
        (Move::Pause | Move::Resume, _) => {
            Err("Only a launched campaign can be paused or resumed.".into())
        }
        (Move::Approve | Move::Launch, _) => Err("The campaign has been launched already.".into()),
    }
}

/// How quiet hours treat a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuietHoursPolicy {
    /// The message is written now and waits in the outbox for the contact window.
    Wait,
    /// A member in quiet hours when their batch runs is skipped (a message that is
    /// worthless late, such as a notice of tonight's maintenance).
    Skip,
}

impl QuietHoursPolicy {
    /// As stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wait => "WAIT",
            Self::Skip => "SKIP",
        }
    }

    /// From storage (anything unknown waits: the safe reading).
    pub fn parse(text: &str) -> Self {
        if text == "SKIP" {
            Self::Skip
        } else {
            Self::Wait
        }
    }
}

/// Where a member stands.
pub mod member {
    /// Not processed yet.
    pub const QUEUED: &str = "QUEUED";
    /// Acted on.
    pub const DONE: &str = "DONE";
    /// Could not be acted on (the reason says why).
    pub const FAILED: &str = "FAILED";
    /// Deliberately left out (quiet hours, consent, cancellation).
    pub const SKIPPED: &str = "SKIPPED";
}

/// Why a member was skipped or failed, as stored and in the API.
pub mod reason {
    /// In the guideline's or the customer's quiet hours, under the `SKIP` policy.
    pub const QUIET_HOURS: &str = "QUIET_HOURS";
    /// No current consent to process their personal data (withdrawn, or erased).
    pub const NO_CONSENT: &str = "NO_CONSENT";
    /// No active agent to give a follow-up to.
    pub const NO_AGENT: &str = "NO_AGENT";
    /// The customer no longer exists.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// The campaign was cancelled before the member's turn.
    pub const CANCELLED: &str = "CANCELLED";
}

/// What is known of one member when their batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberFacts {
    /// The customer still exists.
    pub exists: bool,
    /// They hold a current consent to the processing of their personal data and were
    /// not erased.
    pub consent: bool,
    /// Now is inside the guideline's or their own quiet hours.
    pub quiet: bool,
    /// An agent is available (follow-ups only).
    pub agent: bool,
}

/// What to do for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Act.
    Act,
    /// Leave them out, for this reason.
    Skip(&'static str),
    /// They could not be acted on, for this reason.
    Fail(&'static str),
}

/// What to do for a member with `facts` in a campaign doing `action` under `policy`.
/// Consent comes first (without it nothing may be done with their data), then quiet
/// hours (only for contacts, only under `SKIP`), then an agent for a follow-up.
pub fn disposition(
    action: CampaignAction,
    policy: QuietHoursPolicy,
    facts: MemberFacts,
) -> Disposition {
    if !facts.exists {
        return Disposition::Fail(reason::NOT_FOUND);
    }
    if !facts.consent {
        return Disposition::Skip(reason::NO_CONSENT);
    }
    if action.contacts_customer() && policy == QuietHoursPolicy::Skip && facts.quiet {
        return Disposition::Skip(reason::QUIET_HOURS);
    }
    if action == CampaignAction::FollowUp && !facts.agent {
        return Disposition::Fail(reason::NO_AGENT);
    }
    Disposition::Act
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignStatus::*;

    const FINE: MemberFacts = MemberFacts {
        exists: true,
        consent: true,
        quiet: false,
        agent: true,
    };

    #[test]
    fn a_campaign_above_the_approval_size_waits_for_a_second_pair_of_eyes() {
        assert_eq!(CampaignStatus::initial(1_000, 1_000), Ready);
        assert_eq!(CampaignStatus::initial(1_001, 1_000), PendingApproval);
        assert!(next(PendingApproval, Move::Launch).is_err());
        assert_eq!(next(PendingApproval, Move::Approve), Ok(Approved));
        assert_eq!(next(Approved, Move::Launch), Ok(Running));
        assert_eq!(next(Ready, Move::Launch), Ok(Running));
    }

    #[test]
    fn pause_resume_and_cancel_follow_the_life_of_a_campaign() {
        assert_eq!(next(Running, Move::Pause), Ok(Paused));
        assert_eq!(next(Paused, Move::Resume), Ok(Running));
        assert!(next(Ready, Move::Pause).is_err());
        assert!(next(Running, Move::Resume).is_err());
        assert_eq!(next(Paused, Move::Cancel), Ok(Cancelled));
        assert_eq!(next(Ready, Move::Cancel), Ok(Cancelled));
        for mv in [
            Move::Approve,
            Move::Launch,
            Move::Pause,
            Move::Resume,
            Move::Cancel,
        ] {
            assert!(next(Completed, mv).is_err());
            assert!(next(Cancelled, mv).is_err());
        }
        assert!(next(Running, Move::Launch).is_err(), "launched once");
    }

    #[test]
    fn statuses_and_actions_read_back_as_written() {
        for s in [
            Ready,
            PendingApproval,
            Approved,
            Running,
            Paused,
            Completed,
            Cancelled,
        ] {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
        }
        for a in [
            CampaignAction::FollowUp,
            CampaignAction::Message,
            CampaignAction::Survey,
        ] {
            assert_eq!(CampaignAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(QuietHoursPolicy::parse("nonsense"), QuietHoursPolicy::Wait);
    }

    #[test]
    fn consent_comes_before_anything_else() {
        let no_consent = MemberFacts {
            consent: false,
            quiet: true,
            ..FINE
        };
        assert_eq!(
            disposition(CampaignAction::Message, QuietHoursPolicy::Skip, no_consent),
            Disposition::Skip(reason::NO_CONSENT)
        );
        let gone = MemberFacts {
            exists: false,
            ..FINE
        };
        assert_eq!(
            disposition(CampaignAction::Survey, QuietHoursPolicy::Wait, gone),
            Disposition::Fail(reason::NOT_FOUND)
        );
    }

    #[test]
    fn quiet_hours_skip_only_contacts_and_only_when_asked() {
        let quiet = MemberFacts {
            quiet: true,
            ..FINE
        };
        assert_eq!(
            disposition(CampaignAction::Message, QuietHoursPolicy::Skip, quiet),
            Disposition::Skip(reason::QUIET_HOURS)
        );
        assert_eq!(
            disposition(CampaignAction::Message, QuietHoursPolicy::Wait, quiet),
            Disposition::Act,
            "the outbox holds it for the window"
        );
        assert_eq!(
            disposition(CampaignAction::FollowUp, QuietHoursPolicy::Skip, quiet),
            Disposition::Act,
            "a task for an agent is not a contact"
        );
    }

    #[test]
    fn a_follow_up_needs_an_agent() {
        let alone = MemberFacts {
            agent: false,
            ..FINE
        };
        assert_eq!(
            disposition(CampaignAction::FollowUp, QuietHoursPolicy::Wait, alone),
            Disposition::Fail(reason::NO_AGENT)
        );
        assert_eq!(
            disposition(CampaignAction::Message, QuietHoursPolicy::Wait, alone),
            Disposition::Act
        );
    }
}

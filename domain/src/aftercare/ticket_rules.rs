//! The rules of a ticket, pure: its service-level deadlines by priority, who may move it
//! from which status to which, and the reopen window. The use cases (`tickets.rs`) apply
//! them to stored rows.

use chrono::{DateTime, Duration, Utc};

use entities::ticket::{TicketPriority, TicketStatus};

/// A resolved ticket may be reopened for this long after its resolution.
pub const REOPEN_WINDOW: Duration = Duration::days(7);

/// Service-level targets of one priority: time to the first staff answer and to the
/// resolution, both from the opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLevel {
    /// Staff answer within this.
    pub first_response: Duration,
    /// Resolved within this.
    pub resolution: Duration,
}

impl ServiceLevel {
    /// The targets of `priority`: an urgent ticket (money wrongly taken, no access) is
    /// answered within an hour and solved within a working day; a low one within two days
    /// and a week.
    pub fn of(priority: TicketPriority) -> Self {
        let (first, resolve) = match priority {
            TicketPriority::Urgent => (Duration::hours(1), Duration::hours(8)),
            TicketPriority::High => (Duration::hours(4), Duration::hours(24)),
            TicketPriority::Normal => (Duration::hours(24), Duration::hours(72)),
            TicketPriority::Low => (Duration::hours(48), Duration::days(7)),
        };
        Self {
            first_response: first,
            resolution: resolve,
        }
    }
}

/// Who asks for a change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The ticket's customer.
    Customer,
    /// Bank staff.
    Staff,
}

/// Why a change of status is refused, in words a person can act on.
pub fn refusal(
    from: TicketStatus,
    to: TicketStatus,
    side: Side,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<String> {
    use TicketStatus::{Closed, InProgress, Open, Resolved, WaitingCustomer};
    if from == to {
        return Some(format!("The ticket is already {}.", name(to)));
    }
    let reopening = matches!(from, Resolved | Closed) && to == InProgress;
    if reopening {
        let within = resolved_at.is_some_and(|at| now - at <= REOPEN_WINDOW);
        return (!within).then(|| {
            "A ticket can be reopened within 7 days of its resolution; open a new one.".into()
        });
    }
    let allowed = match side {
        // A customer may only close their resolved ticket (or reopen it, above).
        Side::Customer => from == Resolved && to == Closed,
        Side::Staff => matches!(
            (from, to),
            (Open | WaitingCustomer, InProgress)
                | (Open | InProgress, WaitingCustomer)
                | (Open | InProgress | WaitingCustomer, Resolved)
                | (Resolved, Closed)
        ),
    };
    (!allowed).then(|| match side {
        Side::Customer => "You can close a resolved ticket or reopen it within 7 days; staff \
                           move it otherwise."
            .to_owned(),
        Side::Staff => format!("A ticket cannot go from {} to {}.", name(from), name(to)),
    })
}

/// Whether a ticket in `status` still counts against its service levels.
pub fn is_open(status: TicketStatus) -> bool {
    !matches!(status, TicketStatus::Resolved | TicketStatus::Closed)
}

/// The deadline a ticket missed at `now`, if any, as the reason it is escalated.
pub fn breach(
    status: TicketStatus,
    first_responded: bool,
    first_response_due: DateTime<Utc>,
    resolution_due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    if !is_open(status) {
        return None;
    }
    if !first_responded && now > first_response_due {
        return Some("no first response within the service level");
    }
    (now > resolution_due).then_some("not resolved within the service level")
}

fn name(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Open => "OPEN",
        TicketStatus::InProgress => "IN_PROGRESS",
        TicketStatus::WaitingCustomer => "WAITING_CUSTOMER",
        TicketStatus::Resolved => "RESOLVED",
        TicketStatus::Closed => "CLOSED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    #[test]
    fn staff_walk_a_ticket_through_its_life() {
        let path = [
            Open,
            InProgress,
            WaitingCustomer,
            InProgress,
            Resolved,
            Closed,
        ];
        for w in path.windows(2) {
            assert_eq!(
                refusal(w[0], w[1], Side::Staff, Some(t(0)), t(1)),
                None,
                "{w:?}"
            );
        }
        assert!(refusal(Closed, Open, Side::Staff, Some(t(0)), t(1)).is_some());
        assert!(refusal(Open, Closed, Side::Staff, None, t(1)).is_some());
        assert!(refusal(Open, Open, Side::Staff, None, t(1)).is_some());
    }

    #[test]
    fn a_customer_only_closes_or_reopens() {
        assert_eq!(
            refusal(Resolved, Closed, Side::Customer, Some(t(0)), t(1)),
            None
        );
        assert!(refusal(Open, Resolved, Side::Customer, None, t(1)).is_some());
        assert!(refusal(Open, InProgress, Side::Customer, None, t(1)).is_some());
    }

    #[test]
    fn reopening_is_open_for_seven_days_after_resolution() {
        let resolved = Some(t(0));
        for side in [Side::Customer, Side::Staff] {
            assert_eq!(
                refusal(Resolved, InProgress, side, resolved, t(24 * 7)),
                None
            );
            assert_eq!(refusal(Closed, InProgress, side, resolved, t(24 * 7)), None);
            assert!(refusal(Closed, InProgress, side, resolved, t(24 * 7 + 1)).is_some());
        }
    }

    #[test]
    fn a_missed_deadline_is_a_breach_until_resolved() {
        let sl = ServiceLevel::of(TicketPriority::High);
        let first = t(0) + sl.first_response;
        let resolve = t(0) + sl.resolution;
        assert_eq!(breach(Open, false, first, resolve, t(3)), None);
        assert_eq!(
            breach(Open, false, first, resolve, t(5)),
            Some("no first response within the service level")
        );
        assert_eq!(breach(InProgress, true, first, resolve, t(5)), None);
        assert_eq!(
            breach(WaitingCustomer, true, first, resolve, t(25)),
            Some("not resolved within the service level")
        );
        assert_eq!(breach(Resolved, true, first, resolve, t(25)), None);
    }

    #[test]
    fn urgent_is_tighter_than_low() {
        let urgent = ServiceLevel::of(TicketPriority::Urgent);
        let low = ServiceLevel::of(TicketPriority::Low);
        assert!(urgent.first_response < low.first_response);
        assert!(urgent.resolution < low.resolution);
        for p in [
            TicketPriority::Low,
            TicketPriority::Normal,
            TicketPriority::High,
            TicketPriority::Urgent,
        ] {
            let s = ServiceLevel::of(p);
            assert!(s.first_response < s.resolution);
        }
    }
}

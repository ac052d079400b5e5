//! What a use case asks the audit trail to remember.

use serde_json::Value;

/// One auditable act. `before` and `after` must already be masked: the trail is read by
/// auditors, who see what staff did, not the personal data itself.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// What was done, as `noun.verb` (e.g. `staff.create`, `customer.reveal`).
    pub action: &'static str,
    /// The kind of thing it was done to (e.g. `account`).
    pub target_type: &'static str,
    /// Its id.
    pub target_id: Option<String>,
    /// The masked state before.
    pub before: Option<Value>,
    /// The masked state after.
    pub after: Option<Value>,
    /// The reason the actor gave (required for reveals).
    pub reason: Option<String>,
}

impl AuditRecord {
    /// A record with no before/after state and no reason.
    pub fn new(action: &'static str, target_type: &'static str, target_id: Option<String>) -> Self {
        Self {
            action,
            target_type,
            target_id,
            before: None,
            after: None,
            reason: None,
        }
    }

    /// Adds the masked state before the change.
    pub fn before(mut self, value: Value) -> Self {
        self.before = Some(value);
        self
    }

    /// Adds the masked state after the change.
    pub fn after(mut self, value: Value) -> Self {
        self.after = Some(value);
        self
    }

    /// Adds the actor's reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

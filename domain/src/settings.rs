//! The business settings the domain needs, resolved once at start-up by the launcher.

use chrono::Duration;
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// Settings that change how rules behave (not where things run).
#[derive(Debug, Clone)]
pub struct DomainSettings {
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// How long an API process may keep a recognized session without reading it again
    /// (zero: never). Logout and every other change that ends a session reach every
    /// process at once, whatever this is.
    pub session_cache_ttl: Duration,
    /// Failed logins in a row that lock a login name.
    pub login_max_failures: u32,
    /// How long a lock lasts.
    pub login_lockout: Duration,
    /// The legal cap on any loan's APR (a fraction; 0.24 = 24 %).
    pub legal_apr_cap: Decimal,
    /// The bank's time zone: due dates and business days are counted in it.
    pub timezone: Tz,
    /// How old a risk assessment may be and still be linked to a new application;
    /// an older one is made anew.
    pub assessment_max_age: Duration,
    /// How long an application may stay unchanged before its plan opens; then it expires.
    pub application_idle_limit: Duration,
    /// How long a credit report is reused before the bureau is asked again.
    pub credit_report_ttl: Duration,
    /// Attempts at `register` and `login` allowed per client address per minute.
    pub auth_attempts_per_minute: u32,
    /// Uses of public fields (the loan calculator) allowed per client address per minute.
    pub public_requests_per_minute: u32,
    /// Changes of a customer's own ID or mobile number allowed per account per day.
    pub identity_changes_per_day: u32,
    /// The whole-request budget of one call to a partner platform.
    pub partner_timeout: std::time::Duration,
    /// When a partner's circuit breaker opens and for how long.
    pub partner_breaker: adapters::platforms::BreakerSettings,
    /// How far back the daily reconciliation looks: yesterday, and this many days before
    /// it that have no report yet (a worker that was down catches up).
    pub reconcile_catch_up_days: u32,
    /// Whether admins may read the outbox of signing codes (the embedded demo only: it
    /// holds codes in clear until the notification issue delivers them).
    pub demo_outbox: bool,
    /// Days after the due date on which a debit that found too little money is tried
    /// again (D+1 and D+3 by default); after the last, no more automatic debits.
    pub debit_retry_days: Vec<u32>,
    /// How long a queued debit may wait for its job before close of business or the sweep
    /// hands it to the queue again (a lost queue, a crashed push).
    pub debit_requeue_after: Duration,
    /// Whether admins may move the clock (`advanceClock`): the embedded demo only.
    pub demo_clock: bool,
    /// The hours of the day no customer is contacted (22:00–08:00 by the collection
    /// guideline), in the bank's time zone; a customer's own quiet hours add to them.
    pub contact_quiet_hours: crate::notices::window::QuietHours,
    /// Days before a due date on which the customer is reminded (3 and 1 by default).
    pub reminder_days_before: Vec<u32>,
    /// Days past a due date on which an overdue installment is announced (1 and 7).
    pub overdue_reminder_days: Vec<u32>,
    /// The font agreement PDFs are set in: the bundled Noto Sans SC subset unless the
    /// operator names another (`FENQI_AGREEMENT_FONT`).
    pub agreement_font: crate::agreements::pdf::AgreementFont,
    /// A campaign over more customers than this needs a second staff member's approval
    /// before it launches (maker-checker; 1,000 by default).
    pub campaign_approval_size: u64,
    /// Members per campaign batch: the unit one job processes (500 by default).
    pub campaign_batch_size: u32,
    /// How long a queued campaign batch may wait for its job before it is queued again
    /// (a lost queue, a killed worker); duplicates are harmless, only slower.
    pub campaign_requeue_after: Duration,
}

impl Default for DomainSettings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::hours(8),
            session_cache_ttl: Duration::zero(),
            login_max_failures: 5,
            login_lockout: Duration::minutes(15),
            legal_apr_cap: Decimal::new(24, 2),
            timezone: chrono_tz::Asia::Shanghai,
            credit_report_ttl: Duration::days(30),
            assessment_max_age: Duration::days(30),
            application_idle_limit: Duration::days(30),
            auth_attempts_per_minute: 30,
            public_requests_per_minute: 120,
            identity_changes_per_day: 5,
            partner_timeout: std::time::Duration::from_secs(5),
            partner_breaker: adapters::platforms::BreakerSettings::default(),
            reconcile_catch_up_days: 3,
            demo_outbox: false,
            agreement_font: crate::agreements::pdf::AgreementFont::bundled(),
            debit_retry_days: vec![1, 3],
            demo_clock: false,
            contact_quiet_hours: crate::notices::window::QuietHours::guideline(),
            reminder_days_before: vec![3, 1],
            overdue_reminder_days: vec![1, 7],
            debit_requeue_after: Duration::minutes(15),
            campaign_approval_size: 1_000,
            campaign_batch_size: 500,
            campaign_requeue_after: Duration::minutes(2),
        }
    }
}

//! The one table of who may do what. The API's role guards and the domain's own checks
//! both read it, so the two can never disagree about a role (they once did: two lists
//! called `STAFF_READERS`, with different roles in each).
//!
//! A permission that lists [`Role::Customer`] is open to customers **for their own
//! records only**: the use case checks ownership, and answers "not found" for anyone
//! else's. Staff roles act on any customer's records.

use super::Role;

/// Something a caller may be allowed to do, named from the business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Their own account: `me`, `logout`, `changePassword`.
    UseOwnAccount,
    /// List and read staff accounts.
    ListStaff,
    /// Create staff accounts, enable and disable accounts.
    ManageStaff,
    /// Read and verify the audit trail.
    ReadAudit,
    /// Read a customer record with its children (consents, cards, preferences…).
    ReadCustomer,
    /// Search customer records (masked), page through them.
    SearchCustomers,
    /// The customer's own data export and deletion request (`myData`,
    /// `requestDataDeletion`, `myCustomerProfile`).
    OwnCustomerData,
    /// Create and change a customer record, its consents, cards, finances and preferences.
    WriteCustomer,
    /// Confirm that a customer's identity was checked against their documents.
    VerifyIdentity,
    /// See a protected number in full, with a reason (audited).
    RevealPersonalData,
    /// Pull a credit report and run a risk assessment.
    AssessRisk,
    /// Read risk assessments.
    ReadRiskAssessments,
    /// Read the identity-conflict review queue.
    ReadIdentityConflicts,
    /// Close an identity conflict after calling the customer back.
    ResolveIdentityConflict,
    /// Read risk policies.
    ReadRiskPolicy,
    /// Draft a new risk policy version.
    DraftRiskPolicy,
    /// Approve or reject a drafted risk policy (never one's own: maker-checker).
    DecideRiskPolicy,
    /// Open an installment application.
    OpenApplication,
    /// Read an installment application with its history.
    ReadApplication,
    /// List and filter every application.
    ListApplications,
    /// Cancel an application before its plan opens.
    CancelApplication,
    /// Read the platforms offered (customers see active ones, without addresses).
    ReadPlatforms,
    /// Register and change platforms, their credentials, products and policy.
    ManagePlatforms,
    /// Ranking platforms for an application, consenting to a disclosure, selecting one.
    SelectPlatform,
    /// Read reconciliation reports and kept partner events.
    ReadReconciliation,
    /// Run a reconciliation, resolve its mismatches, review kept partner events.
    ResolveReconciliation,
    /// The plans that fit an application, and "what if" answers.
    PlanOptions,
    /// Record a contact with a customer; the agent's work list of next steps.
    LogContact,
    /// Read an application's contact log.
    ReadContacts,
    /// Propose terms for an application.
    Negotiate,
    /// Approve or reject a proposal outside the automatic limits (never one's own).
    DecideProposal,
    /// Accept a proposal for one side: the customer, or the bank.
    AcceptProposal,
    /// Read an application's proposals.
    ReadProposals,
    /// Issue the agreement of an agreed application.
    IssueAgreement,
    /// Read and verify an agreement and its document.
    ReadAgreement,
    /// Request a signing code and sign one's own agreement.
    SignAgreement,
    /// Record a paper signature; countersign for the bank.
    CountersignAgreement,
    /// Read the demo outbox (only where it is switched on).
    ReadDemoOutbox,
    /// Read a plan, its schedule, payments and progress (customers: their own).
    ReadPlan,
    /// List and filter every plan.
    ListPlans,
    /// Pay one's own plan now.
    PayPlan,
    /// Move the demo's clock (only in demo mode).
    AdvanceClock,
    /// Read one's own in-app messages and mark them read.
    ReadMessages,
    /// Open a ticket (customers: their own; agents: for a customer).
    OpenTicket,
    /// Answer a ticket and move its status (customers: close or reopen their own).
    ReplyToTicket,
    /// Read tickets (customers: their own; staff: all, with the supervisors' queue).
    ReadTickets,
    /// Read published education articles (staff: drafts too).
    ReadArticles,
    /// Draft and publish education articles.
    WriteArticles,
    /// One's own recommended articles, and marking them read.
    OwnArticleReads,
    /// Read follow-up tasks.
    ReadFollowUps,
    /// Record how a follow-up went.
    RecordFollowUp,
    /// Answer a satisfaction survey in the app.
    SubmitSurvey,
    /// Read the staff dashboard.
    ReadDashboard,
    /// Preview segments and read campaigns and their progress.
    ReadCampaigns,
    /// Make, launch, pause, resume and cancel campaigns.
    RunCampaigns,
    /// Approve a campaign above the approval size (never one's own: maker-checker).
    ApproveCampaigns,
}

use Role::{Admin, Agent, Auditor, Customer, RiskOfficer};

impl Permission {
    /// Every permission, in the order of the table in `docs/graphql.md`.
    pub const ALL: [Permission; 56] = [
        Permission::UseOwnAccount,
        Permission::ListStaff,
        Permission::ManageStaff,
        Permission::ReadAudit,
        Permission::ReadCustomer,
        Permission::SearchCustomers,
        Permission::OwnCustomerData,
        Permission::WriteCustomer,
        Permission::VerifyIdentity,
        Permission::RevealPersonalData,
        Permission::AssessRisk,
        Permission::ReadRiskAssessments,
        Permission::ReadIdentityConflicts,
        Permission::ResolveIdentityConflict,
        Permission::ReadRiskPolicy,
        Permission::DraftRiskPolicy,
        Permission::DecideRiskPolicy,
        Permission::OpenApplication,
        Permission::ReadApplication,
        Permission::ListApplications,
        Permission::CancelApplication,
        Permission::ReadPlatforms,
        Permission::ManagePlatforms,
        Permission::SelectPlatform,
        Permission::ReadReconciliation,
        Permission::ResolveReconciliation,
        Permission::PlanOptions,
        Permission::LogContact,
        Permission::ReadContacts,
        Permission::Negotiate,
        Permission::DecideProposal,
        Permission::AcceptProposal,
        Permission::ReadProposals,
        Permission::IssueAgreement,
        Permission::ReadAgreement,
        Permission::SignAgreement,
        Permission::CountersignAgreement,
        Permission::ReadDemoOutbox,
        Permission::ReadPlan,
        Permission::ListPlans,
        Permission::PayPlan,
        Permission::AdvanceClock,
        Permission::ReadMessages,
        Permission::OpenTicket,
        Permission::ReplyToTicket,
        Permission::ReadTickets,
        Permission::ReadArticles,
        Permission::WriteArticles,
        Permission::OwnArticleReads,
        Permission::ReadFollowUps,
        Permission::RecordFollowUp,
        Permission::SubmitSurvey,
        Permission::ReadDashboard,
        Permission::ReadCampaigns,
        Permission::RunCampaigns,
        Permission::ApproveCampaigns,
    ];

    /// The roles that hold it.
    pub const fn roles(self) -> &'static [Role] {
        match self {
            Permission::UseOwnAccount => &Role::ALL,
            Permission::ListStaff => &[Admin, Auditor],
            Permission::ManageStaff => &[Admin],
            Permission::ReadAudit => &[Auditor, Admin],
            Permission::ReadCustomer => &[Customer, Agent, RiskOfficer, Admin, Auditor],
            Permission::SearchCustomers => &[Agent, RiskOfficer, Admin, Auditor],
            Permission::OwnCustomerData => &[Customer],
            Permission::WriteCustomer => &[Customer, Agent],
            Permission::VerifyIdentity => &[Agent],
            Permission::RevealPersonalData => &[Agent, RiskOfficer],
            Permission::AssessRisk => &[Customer, Agent, RiskOfficer],
            Permission::ReadRiskAssessments => &[Customer, Agent, RiskOfficer, Admin, Auditor],
            Permission::ReadIdentityConflicts => &[Agent, RiskOfficer, Admin, Auditor],
            Permission::ResolveIdentityConflict => &[Agent, Admin],
            Permission::ReadRiskPolicy => &[RiskOfficer, Admin, Auditor, Agent],
            Permission::DraftRiskPolicy => &[RiskOfficer],
            Permission::DecideRiskPolicy => &[RiskOfficer, Admin],
            Permission::OpenApplication => &[Customer, Agent],
            Permission::ReadApplication => &[Customer, Agent, RiskOfficer, Admin, Auditor],
            Permission::ListApplications => &[Agent, RiskOfficer, Admin, Auditor],
            Permission::CancelApplication => &[Customer, Agent],
            Permission::ReadPlatforms => &Role::ALL,
            Permission::ManagePlatforms => &[Admin],
            Permission::SelectPlatform => &[Customer, Agent],
            Permission::ReadReconciliation => &[Admin, Auditor],
            Permission::ResolveReconciliation => &[Admin],
            Permission::PlanOptions => &[Customer, Agent, RiskOfficer],
            Permission::LogContact => &[Agent],
            Permission::ReadContacts => &[Customer, Agent, RiskOfficer, Admin, Auditor],
            Permission::Negotiate => &[Customer, Agent, RiskOfficer],
            Permission::DecideProposal => &[RiskOfficer],
            Permission::AcceptProposal => &[Customer, Agent],
            Permission::ReadProposals => &[Customer, Agent, RiskOfficer, Admin, Auditor],
            Permission::IssueAgreement => &[Agent],
            Permission::ReadAgreement => &[Customer, Agent, RiskOfficer, Admin, Auditor],
            Permission::SignAgreement => &[Customer],
            Permission::CountersignAgreement => &[Agent],
            Permission::ReadDemoOutbox => &[Admin],
            Permission::ReadPlan => &[Customer, Agent, RiskOfficer, Admin, Auditor],
            Permission::ListPlans => &[Agent, RiskOfficer, Admin, Auditor],
            Permission::PayPlan => &[Customer],
            Permission::AdvanceClock => &[Admin],
            Permission::ReadMessages => &[Customer],
            Permission::OpenTicket => &[Customer, Agent, Admin],
            Permission::ReplyToTicket => &[Customer, Agent, Admin],
            Permission::ReadTickets => &[Customer, Agent, Admin, Auditor],
            Permission::ReadArticles => &Role::ALL,
            Permission::WriteArticles => &[Agent, Admin],
            Permission::OwnArticleReads => &[Customer],
            Permission::ReadFollowUps => &[Agent, Admin, Auditor],
            Permission::RecordFollowUp => &[Agent],
            Permission::SubmitSurvey => &[Customer],
            Permission::ReadDashboard => &[Agent, RiskOfficer, Admin, Auditor],
            Permission::ReadCampaigns => &[Agent, Admin, Auditor],
            Permission::RunCampaigns => &[Agent, Admin],
            Permission::ApproveCampaigns => &[Admin],
        }
    }

    /// True when `role` holds it.
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// The name used in documentation and error messages.
    pub const fn name(self) -> &'static str {
        match self {
            Permission::UseOwnAccount => "use own account",
            Permission::ListStaff => "list staff",
            Permission::ManageStaff => "manage staff",
            Permission::ReadAudit => "read audit trail",
            Permission::ReadCustomer => "read customer",
            Permission::SearchCustomers => "search customers",
            Permission::OwnCustomerData => "own customer data",
            Permission::WriteCustomer => "write customer",
            Permission::VerifyIdentity => "verify identity",
            Permission::RevealPersonalData => "reveal personal data",
            Permission::AssessRisk => "assess risk",
            Permission::ReadRiskAssessments => "read risk assessments",
            Permission::ReadIdentityConflicts => "read identity conflicts",
            Permission::ResolveIdentityConflict => "resolve identity conflict",
            Permission::ReadRiskPolicy => "read risk policy",
            Permission::DraftRiskPolicy => "draft risk policy",
            Permission::DecideRiskPolicy => "decide risk policy",
            Permission::OpenApplication => "open application",
            Permission::ReadApplication => "read application",
            Permission::ListApplications => "list applications",
            Permission::CancelApplication => "cancel application",
            Permission::ReadPlatforms => "read platforms",
            Permission::ManagePlatforms => "manage platforms",
            Permission::SelectPlatform => "select platform",
            Permission::ReadReconciliation => "read reconciliation",
            Permission::ResolveReconciliation => "resolve reconciliation",
            Permission::PlanOptions => "plan options",
            Permission::LogContact => "log contact",
            Permission::ReadContacts => "read contacts",
            Permission::Negotiate => "negotiate",
            Permission::DecideProposal => "decide proposal",
            Permission::AcceptProposal => "accept proposal",
            Permission::ReadProposals => "read proposals",
            Permission::IssueAgreement => "issue agreement",
            Permission::ReadAgreement => "read agreement",
            Permission::SignAgreement => "sign agreement",
            Permission::CountersignAgreement => "countersign agreement",
            Permission::ReadDemoOutbox => "read demo outbox",
            Permission::ReadPlan => "read plan",
            Permission::ListPlans => "list plans",
            Permission::PayPlan => "pay plan",
            Permission::AdvanceClock => "advance clock",
            Permission::ReadMessages => "read messages",
            Permission::OpenTicket => "open ticket",
            Permission::ReplyToTicket => "reply to ticket",
            Permission::ReadTickets => "read tickets",
            Permission::ReadArticles => "read articles",
            Permission::WriteArticles => "write articles",
            Permission::OwnArticleReads => "own article reads",
            Permission::ReadFollowUps => "read follow-ups",
            Permission::RecordFollowUp => "record follow-up",
            Permission::SubmitSurvey => "submit survey",
            Permission::ReadDashboard => "read dashboard",
            Permission::ReadCampaigns => "read campaigns",
            Permission::RunCampaigns => "run campaigns",
            Permission::ApproveCampaigns => "approve campaigns",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_listed_once_and_held_by_someone() {
        for (i, p) in Permission::ALL.iter().enumerate() {
            assert!(!p.roles().is_empty(), "{p:?} is held by no role");
            assert!(
                !Permission::ALL[i + 1..].contains(p),
                "{p:?} is listed twice"
            );
        }
    }

    #[test]
    fn the_table_in_the_docs_is_the_table_in_the_code() {
        let docs =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/graphql.md"))
                .expect("docs/graphql.md");
        let rows: Vec<(String, String)> = docs
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                // | permission | roles | fields |
                (cells.len() == 5 && Permission::ALL.iter().any(|p| p.name() == cells[1]))
                    .then(|| (cells[1].to_owned(), cells[2].to_owned()))
            })
            .collect();
        assert_eq!(rows.len(), Permission::ALL.len(), "one row per permission");
        for p in Permission::ALL {
            let roles: Vec<&str> = p.roles().iter().map(|r| r.as_str()).collect();
            assert!(
                rows.contains(&(p.name().to_owned(), roles.join(", "))),
                "docs/graphql.md must say: | {} | {} |",
                p.name(),
                roles.join(", ")
            );
        }
    }

    #[test]
    fn customers_never_hold_a_staff_permission() {
        for p in [
            Permission::ListStaff,
            Permission::ManageStaff,
            Permission::ReadAudit,
            Permission::SearchCustomers,
            Permission::VerifyIdentity,
            Permission::RevealPersonalData,
            Permission::ReadIdentityConflicts,
            Permission::ResolveIdentityConflict,
            Permission::ReadRiskPolicy,
            Permission::DraftRiskPolicy,
            Permission::DecideRiskPolicy,
        ] {
            assert!(!p.allows(Role::Customer), "{p:?}");
        }
    }

    #[test]
    fn the_auditor_changes_nothing() {
        for p in [
            Permission::ManageStaff,
            Permission::WriteCustomer,
            Permission::VerifyIdentity,
            Permission::RevealPersonalData,
            Permission::AssessRisk,
            Permission::ResolveIdentityConflict,
            Permission::DraftRiskPolicy,
            Permission::DecideRiskPolicy,
        ] {
            assert!(!p.allows(Role::Auditor), "{p:?}");
        }
    }
}

//! Every root field is either public or guarded by roles, and the guard answers
//! `UNAUTHENTICATED` to anonymous callers and `FORBIDDEN` to the wrong role. The table
//! below must name every root field: a new field without an entry fails the test.

use std::collections::BTreeSet;

use domain::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

/// Who may call a field.
#[derive(Clone, Copy)]
enum Access {
    Public,
    Roles(&'static [Role]),
}

struct Field {
    name: &'static str,
    document: &'static str,
    access: Access,
}

const ANY: &[Role] = &Role::ALL;
const STAFF_READERS: &[Role] = &[Role::Agent, Role::RiskOfficer, Role::Admin, Role::Auditor];
const SELF_OR_STAFF: &[Role] = &Role::ALL;
const SELF_OR_AGENT: &[Role] = &[Role::Customer, Role::Agent];
const SELF_OR_ASSESSOR: &[Role] = &[Role::Customer, Role::Agent, Role::RiskOfficer];
const CUSTOMER: &[Role] = &[Role::Customer];
const TICKET_WORKERS: &[Role] = &[Role::Customer, Role::Agent, Role::Admin];
const TICKET_READERS: &[Role] = &[Role::Customer, Role::Agent, Role::Admin, Role::Auditor];

fn fields() -> Vec<Field> {
    use Access::*;
    vec![
        Field {
            name: "Query.me",
            document: "{ me { id } }",
            access: Roles(ANY),
        },
        Field {
            name: "Query.staffAccounts",
            document: "{ staffAccounts(first: 1) { edges { node { id } } } }",
            access: Roles(&[Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Query.auditTrail",
            document: "{ auditTrail(first: 1) { edges { node { seq } } } }",
            access: Roles(&[Role::Auditor, Role::Admin]),
        },
        Field {
            name: "Query.verifyAuditChain",
            document: "{ verifyAuditChain { intact } }",
            access: Roles(&[Role::Auditor, Role::Admin]),
        },
        Field {
            name: "Query.loanCalculator",
            document: r#"{ loanCalculator(input: { principal: "10000.00", annualRate: "0.12", periods: 12, frequency: MONTHLY, method: EQUAL_INSTALLMENT, startDate: "2026-01-15", paymentDay: 10 }) { apr } }"#,
            access: Public,
        },
        Field {
            name: "Mutation.register",
            document: r#"mutation { register(input: { displayName: "G", mobile: "13912345678", password: "guard password" }) { token } }"#,
            access: Public,
        },
        Field {
            name: "Mutation.login",
            document: r#"mutation { login(input: { login: "", password: "x" }) { token } }"#,
            access: Public,
        },
        Field {
            name: "Mutation.logout",
            document: "mutation { logout }",
            access: Roles(ANY),
        },
        Field {
            name: "Query.myCustomerProfile",
            document: "{ myCustomerProfile { id } }",
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.customer",
            document: "{ customer(id: \"00000000-0000-0000-0000-000000000000\") { id } }",
            access: Roles(SELF_OR_STAFF),
        },
        Field {
            name: "Query.searchCustomers",
            document: "{ searchCustomers(filter: { name: \"x\" }) { edges { node { id } } } }",
            access: Roles(STAFF_READERS),
        },
        Field {
            name: "Query.identityConflicts",
            document: "{ identityConflicts(first: 1) { edges { node { id } } } }",
            access: Roles(STAFF_READERS),
        },
        Field {
            name: "Mutation.resolveIdentityConflict",
            document: r#"mutation { resolveIdentityConflict(id: "00000000-0000-0000-0000-000000000000", resolution: "checked") { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Query.consentTexts",
            document: "{ consentTexts { textHash } }",
            access: Public,
        },
        Field {
            name: "Query.myData",
            document: "{ myData }",
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.riskAssessments",
            document: "{ riskAssessments(customerId: \"00000000-0000-0000-0000-000000000000\") { id } }",
            access: Roles(SELF_OR_STAFF),
        },
        Field {
            name: "Query.riskPolicies",
            document: "{ riskPolicies { edges { node { version } } } }",
            access: Roles(&[Role::RiskOfficer, Role::Admin, Role::Auditor, Role::Agent]),
        },
        Field {
            name: "Query.activeRiskPolicy",
            document: "{ activeRiskPolicy { version } }",
            access: Roles(&[Role::RiskOfficer, Role::Admin, Role::Auditor, Role::Agent]),
        },
        Field {
            name: "Mutation.createCustomer",
            document: "mutation { createCustomer(input: { fullName: \"Guard\" }) { id } }",
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.updateCustomer",
            document: "mutation { updateCustomer(customerId: \"00000000-0000-0000-0000-000000000000\", input: { occupation: \"x\" }) { id } }",
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.giveConsent",
            document: "mutation { giveConsent(customerId: \"00000000-0000-0000-0000-000000000000\", purpose: CREDIT_INQUIRY, textHash: \"x\") { id } }",
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.withdrawConsent",
            document: "mutation { withdrawConsent(customerId: \"00000000-0000-0000-0000-000000000000\", purpose: CREDIT_INQUIRY) { id } }",
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.setFinancialStatus",
            document: "mutation { setFinancialStatus(customerId: \"00000000-0000-0000-0000-000000000000\", input: { assets: \"1\", liabilities: \"1\", monthlyExpenses: \"1\", monthlyDebtPayments: \"1\" }) { assets } }",
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.setPreferences",
            document: "mutation { setPreferences(customerId: \"00000000-0000-0000-0000-000000000000\", input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 1, channels: [SMS] }) { paymentDay } }",
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.addBankAccount",
            document: "mutation { addBankAccount(customerId: \"00000000-0000-0000-0000-000000000000\", input: { bankName: \"B\", cardNumber: \"6222020200112233445\" }) { id } }",
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.revealCustomerData",
            document: "mutation { revealCustomerData(customerId: \"00000000-0000-0000-0000-000000000000\", field: MOBILE, reason: \"guard test reason\") }",
            access: Roles(&[Role::Agent, Role::RiskOfficer]),
        },
        Field {
            name: "Mutation.fetchCreditReport",
            document: "mutation { fetchCreditReport(customerId: \"00000000-0000-0000-0000-000000000000\") { id } }",
            access: Roles(SELF_OR_ASSESSOR),
        },
        Field {
            name: "Mutation.assessRisk",
            document: "mutation { assessRisk(customerId: \"00000000-0000-0000-0000-000000000000\") { id } }",
            access: Roles(SELF_OR_ASSESSOR),
        },
        Field {
            name: "Mutation.requestDataDeletion",
            document: "mutation { requestDataDeletion }",
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Mutation.verifyCustomerIdentity",
            document: "mutation { verifyCustomerIdentity(customerId: \"00000000-0000-0000-0000-000000000000\", note: \"ID card seen\") { id } }",
            access: Roles(&[Role::Agent]),
        },
        Field {
            name: "Mutation.changePassword",
            document: "mutation { changePassword(currentPassword: \"wrong\", newPassword: \"new password 1\") { id } }",
            access: Roles(ANY),
        },
        Field {
            name: "Mutation.draftRiskPolicy",
            document: "mutation { draftRiskPolicy(policy: {}) { version } }",
            access: Roles(&[Role::RiskOfficer]),
        },
        Field {
            name: "Mutation.approveRiskPolicy",
            document: "mutation { approveRiskPolicy(version: 999) { version } }",
            access: Roles(&[Role::RiskOfficer, Role::Admin]),
        },
        Field {
            name: "Mutation.rejectRiskPolicy",
            document: "mutation { rejectRiskPolicy(version: 999, reason: \"not good\") { version } }",
            access: Roles(&[Role::RiskOfficer, Role::Admin]),
        },
        Field {
            name: "Mutation.createStaff",
            document: r#"mutation { createStaff(input: { displayName: "S", email: "guard-staff@bank.test", role: AGENT }) { account { id } } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Mutation.setAccountStatus",
            document: r#"mutation { setAccountStatus(accountId: "00000000-0000-0000-0000-000000000000", status: ACTIVE) { id } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Query.application",
            document: r#"{ application(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Query.myApplications",
            document: "{ myApplications { edges { node { id } } } }",
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.applications",
            document: "{ applications(filter: { status: DRAFT }) { edges { node { id history { to } } } } }",
            access: Roles(&[Role::Agent, Role::RiskOfficer, Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Mutation.openApplication",
            document: r#"mutation { openApplication(input: { amount: "12000", purpose: "a course", periods: 12, frequency: MONTHLY, paymentDay: 10 }) { id } }"#,
            access: Roles(&[Role::Customer, Role::Agent]),
        },
        Field {
            name: "Query.installmentPlatforms",
            document: "{ installmentPlatforms { code } }",
            access: Roles(ANY),
        },
        Field {
            name: "Query.recommendPlatforms",
            document: r#"{ recommendPlatforms(applicationId: "00000000-0000-0000-0000-000000000000") { grade } }"#,
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Query.reconciliationReports",
            document: "{ reconciliationReports { id } }",
            access: Roles(&[Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Query.platformEvents",
            document: "{ platformEvents { id } }",
            access: Roles(&[Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Query.applicationOptions",
            document: r#"{ applicationOptions(applicationId: "00000000-0000-0000-0000-000000000000") { grade } }"#,
            access: Roles(&[Role::Customer, Role::Agent, Role::RiskOfficer]),
        },
        Field {
            name: "Query.whatIf",
            document: r#"{ whatIf(applicationId: "00000000-0000-0000-0000-000000000000", periods: 12) { explanation } }"#,
            access: Roles(&[Role::Customer, Role::Agent, Role::RiskOfficer]),
        },
        Field {
            name: "Query.contacts",
            document: r#"{ contacts(applicationId: "00000000-0000-0000-0000-000000000000") { applicationId } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Query.contactWorkList",
            document: "{ contactWorkList { id } }",
            access: Roles(&[Role::Agent]),
        },
        Field {
            name: "Mutation.logContact",
            document: r#"mutation { logContact(input: { applicationId: "00000000-0000-0000-0000-000000000000", medium: PHONE, direction: OUTBOUND, summary: "called" }) { id } }"#,
            access: Roles(&[Role::Agent]),
        },
        Field {
            name: "Query.proposals",
            document: r#"{ proposals(applicationId: "00000000-0000-0000-0000-000000000000") { version } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Mutation.proposeTerms",
            document: r#"mutation { proposeTerms(input: { applicationId: "00000000-0000-0000-0000-000000000000", amount: "12000", periods: 12, frequency: MONTHLY, paymentDay: 10, comment: "x" }) { id } }"#,
            access: Roles(&[Role::Customer, Role::Agent, Role::RiskOfficer]),
        },
        Field {
            name: "Mutation.approveProposal",
            document: r#"mutation { approveProposal(id: "00000000-0000-0000-0000-000000000000", reason: "looks fine") { id } }"#,
            access: Roles(&[Role::RiskOfficer]),
        },
        Field {
            name: "Mutation.rejectProposal",
            document: r#"mutation { rejectProposal(id: "00000000-0000-0000-0000-000000000000", reason: "too risky") { id } }"#,
            access: Roles(&[Role::RiskOfficer]),
        },
        Field {
            name: "Mutation.acceptProposal",
            document: r#"mutation { acceptProposal(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Customer, Role::Agent]),
        },
        Field {
            name: "Query.agreement",
            document: r#"{ agreement(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Query.verifyAgreement",
            document: r#"{ verifyAgreement(id: "00000000-0000-0000-0000-000000000000") { intact } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Mutation.issueAgreement",
            document: r#"mutation { issueAgreement(applicationId: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Agent]),
        },
        Field {
            name: "Query.agreementSignatures",
            document: r#"{ agreementSignatures(agreementId: "00000000-0000-0000-0000-000000000000") { side } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Query.demoOutbox",
            document: "{ demoOutbox { body } }",
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Query.myPlans",
            document: "{ myPlans { id } }",
            access: Roles(ANY),
        },
        Field {
            name: "Query.plan",
            document: r#"{ plan(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Query.quotePayoff",
            document: r#"{ quotePayoff(planId: "00000000-0000-0000-0000-000000000000") { total } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Query.plans",
            document: "{ plans { edges { node { id } } } }",
            access: Roles(STAFF_READERS),
        },
        Field {
            name: "Mutation.payInstallment",
            document: r#"mutation { payInstallment(input: { planId: "00000000-0000-0000-0000-000000000000", idempotencyKey: "guard-0001" }) { amount } }"#,
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.quotePrepayment",
            document: r#"{ quotePrepayment(planId: "00000000-0000-0000-0000-000000000000", amount: "100", mode: KEEP_TERM) { total } }"#,
            access: Roles(ANY),
        },
        Field {
            name: "Mutation.prepay",
            document: r#"mutation { prepay(input: { planId: "00000000-0000-0000-0000-000000000000", amount: "100", mode: KEEP_TERM, idempotencyKey: "guard-0002" }) { amount } }"#,
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Mutation.payOff",
            document: r#"mutation { payOff(input: { planId: "00000000-0000-0000-0000-000000000000", idempotencyKey: "guard-0003" }) { amount } }"#,
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.myMessages",
            document: "{ myMessages { unread } }",
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Mutation.markMessagesRead",
            document: "mutation { markMessagesRead }",
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.tickets",
            document: "{ tickets { edges { cursor } } }",
            access: Roles(TICKET_READERS),
        },
        Field {
            name: "Query.ticket",
            document: r#"{ ticket(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(TICKET_READERS),
        },
        Field {
            name: "Mutation.openTicket",
            document: r#"mutation { openTicket(input: { category: OTHER, subject: "guard", body: "guard" }) { id } }"#,
            access: Roles(TICKET_WORKERS),
        },
        Field {
            name: "Mutation.replyToTicket",
            document: r#"mutation { replyToTicket(ticketId: "00000000-0000-0000-0000-000000000000", body: "x") { id } }"#,
            access: Roles(TICKET_WORKERS),
        },
        Field {
            name: "Mutation.changeTicketStatus",
            document: r#"mutation { changeTicketStatus(ticketId: "00000000-0000-0000-0000-000000000000", status: CLOSED) { id } }"#,
            access: Roles(TICKET_WORKERS),
        },
        Field {
            name: "Query.articles",
            document: "{ articles { id } }",
            access: Roles(ANY),
        },
        Field {
            name: "Query.recommendedArticles",
            document: "{ recommendedArticles { id } }",
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Mutation.draftArticle",
            document: r#"mutation { draftArticle(input: { slug: "guard", language: "en", title: "guard", summary: "g", body: "g", tags: ["basics"] }) { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Mutation.publishArticle",
            document: r#"mutation { publishArticle(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Mutation.markArticleRead",
            document: r#"mutation { markArticleRead(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.followUpTasks",
            document: "{ followUpTasks { edges { cursor } } }",
            access: Roles(&[Role::Agent, Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Mutation.recordFollowUp",
            document: r#"mutation { recordFollowUp(taskId: "00000000-0000-0000-0000-000000000000", input: { reached: false, channel: "PHONE" }) { id } }"#,
            access: Roles(&[Role::Agent]),
        },
        Field {
            name: "Mutation.submitSurvey",
            document: r#"mutation { submitSurvey(input: { score: 5 }) }"#,
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Query.dashboard",
            document: "{ dashboard { activePlans } }",
            access: Roles(STAFF_READERS),
        },
        Field {
            name: "Query.previewSegment",
            document: "{ previewSegment(segment: {}) { size } }",
            access: Roles(&[Role::Agent, Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Query.campaign",
            document: r#"{ campaign(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Query.campaigns",
            document: "{ campaigns { edges { cursor } } }",
            access: Roles(&[Role::Agent, Role::Admin, Role::Auditor]),
        },
        Field {
            name: "Mutation.createCampaign",
            document: r#"mutation { createCampaign(input: { name: "guard", action: FOLLOW_UP, segment: {} }) { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Mutation.approveCampaign",
            document: r#"mutation { approveCampaign(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Mutation.launchCampaign",
            document: r#"mutation { launchCampaign(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Mutation.pauseCampaign",
            document: r#"mutation { pauseCampaign(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Mutation.resumeCampaign",
            document: r#"mutation { resumeCampaign(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Mutation.cancelCampaign",
            document: r#"mutation { cancelCampaign(id: "00000000-0000-0000-0000-000000000000") { id } }"#,
            access: Roles(&[Role::Agent, Role::Admin]),
        },
        Field {
            name: "Mutation.advanceClock",
            document: r#"mutation { advanceClock(to: "2020-01-01T00:00:00Z") { daysClosed } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Mutation.requestSigningCode",
            document: r#"mutation { requestSigningCode(agreementId: "00000000-0000-0000-0000-000000000000") { channel } }"#,
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Mutation.signAgreement",
            document: r#"mutation { signAgreement(agreementId: "00000000-0000-0000-0000-000000000000", code: "123456") { side } }"#,
            access: Roles(CUSTOMER),
        },
        Field {
            name: "Mutation.recordPaperSignature",
            document: r#"mutation { recordPaperSignature(agreementId: "00000000-0000-0000-0000-000000000000", scanSha256: "00", witness: "Li Ming") { side } }"#,
            access: Roles(&[Role::Agent]),
        },
        Field {
            name: "Mutation.countersignAgreement",
            document: r#"mutation { countersignAgreement(agreementId: "00000000-0000-0000-0000-000000000000") { side } }"#,
            access: Roles(&[Role::Agent]),
        },
        Field {
            name: "Mutation.upsertPlatform",
            document: r#"mutation { upsertPlatform(input: { code: "x", kind: EXTERNAL, name: "x", products: [], channels: [], policyText: "x", active: false }) { code } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Mutation.acceptDisclosure",
            document: r#"mutation { acceptDisclosure(applicationId: "00000000-0000-0000-0000-000000000000", platformCode: "internal", version: 1, sha256: "00") { version } }"#,
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.selectPlatform",
            document: r#"mutation { selectPlatform(applicationId: "00000000-0000-0000-0000-000000000000", platformCode: "internal", productCode: "standard") { id } }"#,
            access: Roles(SELF_OR_AGENT),
        },
        Field {
            name: "Mutation.reconcilePlatform",
            document: r#"mutation { reconcilePlatform(platformCode: "x", date: "2026-11-29") { id } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Mutation.resolveReconciliationItem",
            document: r#"mutation { resolveReconciliationItem(id: "00000000-0000-0000-0000-000000000000", note: "done") { id } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Mutation.reviewPlatformEvent",
            document: r#"mutation { reviewPlatformEvent(id: "00000000-0000-0000-0000-000000000000", note: "done") { id } }"#,
            access: Roles(&[Role::Admin]),
        },
        Field {
            name: "Mutation.cancelApplication",
            document: r#"mutation { cancelApplication(id: "00000000-0000-0000-0000-000000000000", reason: "changed my mind") { id } }"#,
            access: Roles(&[Role::Customer, Role::Agent]),
        },
    ]
}

async fn root_fields(app: &TestApp) -> BTreeSet<String> {
    let res = app
        .gql(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
            json!({}),
            None,
        )
        .await;
    let mut names = BTreeSet::new();
    for (kind, key) in [("Query", "queryType"), ("Mutation", "mutationType")] {
        for f in res["data"]["__schema"][key]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            names.insert(format!("{kind}.{}", f["name"].as_str().unwrap_or_default()));
        }
    }
    names
}

fn refused_with(res: &Value) -> Option<&str> {
    match error_code(res) {
        Some(code @ ("UNAUTHENTICATED" | "FORBIDDEN")) => Some(code),
        _ => None,
    }
}

#[tokio::test]
async fn every_root_field_is_in_the_access_table() {
    let app = TestApp::spawn().await;
    let in_schema = root_fields(&app).await;
    let in_table: BTreeSet<String> = fields().iter().map(|f| f.name.to_owned()).collect();
    assert_eq!(
        in_schema, in_table,
        "every root field needs an entry in tests/e2e/guards.rs saying who may call it"
    );
}

#[tokio::test]
async fn anonymous_callers_are_refused_every_private_field() {
    let app = TestApp::spawn().await;
    for field in fields() {
        let res = app.gql(field.document, json!({}), None).await;
        match field.access {
            Access::Public => assert_eq!(refused_with(&res), None, "{}: {res}", field.name),
            Access::Roles(_) => assert_eq!(
                refused_with(&res),
                Some("UNAUTHENTICATED"),
                "{}: {res}",
                field.name
            ),
        }
    }
}

#[tokio::test]
async fn each_role_is_refused_exactly_the_fields_it_may_not_use() {
    let app = TestApp::spawn().await;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let token = if role == Role::Customer {
            app.register_customer("13800000009", "customer password")
                .await
                .0
        } else {
            app.staff_token(role).await
        };
        tokens.push((role, token));
    }
    for field in fields() {
        // Logging out or erasing one's data would end the session the rest of the loop uses.
        if matches!(
            field.name,
            "Mutation.logout" | "Mutation.requestDataDeletion"
        ) {
            continue;
        }
        for (role, token) in &tokens {
            let res = app.gql(field.document, json!({}), Some(token)).await;
            let allowed = match field.access {
                Access::Public => true,
                Access::Roles(roles) => roles.contains(role),
            };
            if allowed {
                assert_eq!(refused_with(&res), None, "{} as {role}: {res}", field.name);
            } else {
                assert_eq!(
                    refused_with(&res),
                    Some("FORBIDDEN"),
                    "{} as {role}: {res}",
                    field.name
                );
            }
        }
    }
}

//! The external bureau's wire format and the transformers between it and the domain
//! message types. Kept apart from [`CreditQuery`]/[`CreditReport`] so that a bureau's
//! field names, encodings and quirks never leak into the business.
//!
//! # Request
//!
//! `POST {base_url}/v1/credit-reports`, headers `Content-Type: application/json`,
//! `X-Fenqi-Client: <client id>`, `X-Fenqi-Timestamp`, `X-Fenqi-Signature` (see
//! [`crate::signing`]; the signature covers the exact body bytes):
//!
//! ```json
//! {"requestId":"0199b7e2-…","idNumber":"110105199003071239","name":"张三",
//!  "purpose":"installment_application"}
//! ```
//!
//! # Answer
//!
//! `200` with the same two signing headers over the answer's body, signed with the same
//! secret, echoing our `requestId` (so a signed answer to another request cannot be
//! substituted):
//!
//! ```json
//! {"requestId":"0199b7e2-…","creditScore":760,"openAccounts":3,"delinquencies24m":0,
//!  "inquiries6m":1,"activeDelinquency":false,"reportedAt":"2026-01-01T08:00:00Z"}
//! ```
//!
//! `creditScore` is `null` (or absent) when the bureau has no score; otherwise 300–900.
//! Unknown fields are ignored so the bureau can add some.
//!
//! # Errors
//!
//! Any non-2xx status, with a body (signed or not; it is only used for the message):
//!
//! ```json
//! {"error":{"code":"bad_signature","message":"the signature does not match the message"}}
//! ```
//!
//! 429 and 5xx mean "try later"; other 4xx mean "your request is wrong".

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::credit_bureau::{BureauError, CreditQuery, CreditReport, mask_id_number};

/// The endpoint's path under the bureau's base URL.
pub const CREDIT_REPORTS_PATH: &str = "/v1/credit-reports";

/// The client header and error body every partner exchange shares.
pub use crate::signed_http::wire::{CLIENT_HEADER, ErrorBody, ErrorResponse};

/// How far in the future a report's `reportedAt` may be (clock drift) before the answer is
/// refused as nonsense.
const FUTURE_TOLERANCE: TimeDelta = TimeDelta::minutes(5);

/// The request body. Debug masks the ID number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditReportRequest {
    /// Our id for this inquiry, echoed in the answer.
    pub request_id: String,
    /// The 18-character resident ID number.
    pub id_number: String,
    /// The person's full name.
    pub name: String,
    /// The permissible purpose of the inquiry.
    pub purpose: String,
}

impl CreditReportRequest {
    /// The wire request for `query`; `customer_ref` stays inside the bank.
    pub fn from_query(query: &CreditQuery, request_id: String) -> Self {
        Self {
            request_id,
            id_number: query.id_number.clone(),
            name: query.name.clone(),
            purpose: query.purpose.clone(),
        }
    }
}

impl fmt::Debug for CreditReportRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreditReportRequest")
            .field("request_id", &self.request_id)
            .field("id_number", &mask_id_number(&self.id_number))
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// The answer body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditReportResponse {
    /// The `requestId` of the request this answers.
    pub request_id: String,
    /// 300–900, or `null` for no score.
    #[serde(default)]
    pub credit_score: Option<u16>,
    /// Open credit accounts.
    pub open_accounts: u32,
    /// Delinquencies in the last 24 months.
    #[serde(rename = "delinquencies24m")]
    pub delinquencies_24m: u32,
    /// Hard inquiries in the last 6 months.
    #[serde(rename = "inquiries6m")]
    pub inquiries_6m: u32,
    /// Whether an account is delinquent now.
    pub active_delinquency: bool,
    /// When the report was produced (RFC 3339).
    pub reported_at: DateTime<Utc>,
}

impl CreditReportResponse {
    /// The wire answer carrying `report` (used by bureau simulators).
    pub fn from_report(request_id: String, report: &CreditReport) -> Self {
        Self {
            request_id,
            credit_score: report.score,
            open_accounts: report.open_accounts,
            delinquencies_24m: report.delinquencies_24m,
            inquiries_6m: report.recent_inquiries,
            active_delinquency: report.active_delinquency,
            reported_at: report.reported_at,
        }
    }

    /// The domain report, once the answer is known to be sane: the score on the 300–900
    /// scale and the report not dated in the future (beyond clock drift from `now`).
    pub fn into_report(
        self,
        source: String,
        now: DateTime<Utc>,
    ) -> Result<CreditReport, BureauError> {
        if let Some(score) = self.credit_score
            && !CreditReport::SCORE_RANGE.contains(&score)
        {
            return Err(BureauError::Malformed(format!(
                "creditScore {score} is outside {}–{}",
                CreditReport::SCORE_RANGE.start(),
                CreditReport::SCORE_RANGE.end()
            )));
        }
        if self.reported_at > now + FUTURE_TOLERANCE {
            return Err(BureauError::Malformed(format!(
                "reportedAt {} is in the future",
                self.reported_at.to_rfc3339()
            )));
        }
        Ok(CreditReport {
            score: self.credit_score,
            open_accounts: self.open_accounts,
            delinquencies_24m: self.delinquencies_24m,
            recent_inquiries: self.inquiries_6m,
            active_delinquency: self.active_delinquency,
            source,
            reported_at: self.reported_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).single().unwrap()
    }

    fn answer(score: serde_json::Value) -> serde_json::Value {
        json!({
            "requestId": "r-1",
            "creditScore": score,
            "openAccounts": 3,
            "delinquencies24m": 1,
            "inquiries6m": 2,
            "activeDelinquency": false,
            "reportedAt": "2026-01-01T07:59:00Z",
            "somethingNew": "ignored"
        })
    }

    fn parse(value: serde_json::Value) -> Result<CreditReport, BureauError> {
        serde_json::from_value::<CreditReportResponse>(value)
            .map_err(|e| BureauError::Malformed(e.to_string()))?
            .into_report("external:test".into(), now())
    }

    #[test]
    fn the_request_is_camel_case_and_keeps_the_customer_ref_inside() {
        let query = CreditQuery {
            id_number: "110105199003071239".into(),
            name: "张三".into(),
            purpose: "installment_application".into(),
            customer_ref: Some(uuid::Uuid::nil()),
        };
        let wire =
            serde_json::to_value(CreditReportRequest::from_query(&query, "r-1".into())).unwrap();
        assert_eq!(
            wire,
            json!({ "requestId": "r-1", "idNumber": "110105199003071239", "name": "张三", "purpose": "installment_application" })
        );
        let shown = format!(
            "{:?}",
            CreditReportRequest::from_query(&query, "r-1".into())
        );
        assert!(
            !shown.contains("110105199003071239") && !shown.contains("张三"),
            "{shown}"
        );
    }

    #[test]
    fn an_answer_maps_to_the_domain_report() {
        let report = parse(answer(json!(712))).unwrap();
        assert_eq!(
            report,
            CreditReport {
                score: Some(712),
                open_accounts: 3,
                delinquencies_24m: 1,
                recent_inquiries: 2,
                active_delinquency: false,
                source: "external:test".into(),
                reported_at: Utc.with_ymd_and_hms(2026, 1, 1, 7, 59, 0).single().unwrap(),
            }
        );
        assert_eq!(parse(answer(json!(null))).unwrap().score, None);
        let mut absent = answer(json!(null));
        absent.as_object_mut().unwrap().remove("creditScore");
        assert_eq!(parse(absent).unwrap().score, None);
    }

    #[test]
    fn the_report_round_trips_through_the_wire() {
        let report = parse(answer(json!(900))).unwrap();
        let wire = CreditReportResponse::from_report("r-2".into(), &report);
        let back =
            serde_json::from_slice::<CreditReportResponse>(&serde_json::to_vec(&wire).unwrap())
                .unwrap();
        assert_eq!(back.request_id, "r-2");
        assert_eq!(
            back.into_report("external:test".into(), now()).unwrap(),
            report
        );
    }

    #[test]
    fn scores_outside_the_scale_are_malformed() {
        assert_eq!(parse(answer(json!(300))).unwrap().score, Some(300));
        for bad in [json!(299), json!(901), json!(0)] {
            assert!(
                matches!(parse(answer(bad.clone())), Err(BureauError::Malformed(m)) if m.contains("outside")),
                "{bad}"
            );
        }
        for garbage in [json!(-1), json!(70000), json!(712.5), json!("712")] {
            assert!(
                matches!(
                    parse(answer(garbage.clone())),
                    Err(BureauError::Malformed(_))
                ),
                "{garbage}"
            );
        }
    }

    #[test]
    fn missing_or_negative_counts_and_future_reports_are_malformed() {
        let mut missing = answer(json!(700));
        missing.as_object_mut().unwrap().remove("openAccounts");
        assert!(matches!(parse(missing), Err(BureauError::Malformed(_))));
        let mut negative = answer(json!(700));
        negative["inquiries6m"] = json!(-2);
        assert!(matches!(parse(negative), Err(BureauError::Malformed(_))));
        let mut future = answer(json!(700));
        future["reportedAt"] = json!("2026-01-01T09:00:00Z");
        assert!(matches!(parse(future), Err(BureauError::Malformed(m)) if m.contains("future")));
        let mut garbled = answer(json!(700));
        garbled["reportedAt"] = json!("yesterday");
        assert!(matches!(parse(garbled), Err(BureauError::Malformed(_))));
    }

    #[test]
    fn offsets_in_reported_at_are_normalized_to_utc() {
        let mut beijing = answer(json!(700));
        beijing["reportedAt"] = json!("2026-01-01T15:30:00+08:00");
        assert_eq!(
            parse(beijing).unwrap().reported_at,
            Utc.with_ymd_and_hms(2026, 1, 1, 7, 30, 0).single().unwrap()
        );
    }
}

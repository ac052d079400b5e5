//! `POST /v1/credit-reports`, as a real bureau would serve it, plus the injected faults.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};

use crate::credit_bureau::CreditReport;
use crate::credit_bureau::http::wire::{
    CLIENT_HEADER, CreditReportRequest, CreditReportResponse, ErrorResponse,
};
use crate::signing::{
    self, DEFAULT_REPLAY_WINDOW, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER,
};

use super::profiles::Profile;
use super::{Shared, SimulatorMode};

/// The wire answer carries no source (the client names its bureau); this only fills the
/// domain report the answer is built from.
const SOURCE: &str = "simulator";

/// The key the `BadSignature` fault signs with: not the shared secret.
const FORGED_KEY: &[u8] = b"not-the-shared-secret";

/// Serves one inquiry: counts it, applies the current fault, checks the signature and the
/// client, decodes the query and answers the profile its ID number selects, signed.
pub(super) async fn credit_reports(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    shared.count_request();
    let mode = shared.mode();
    let secret = shared.secret.as_bytes();
    if let SimulatorMode::Slow(delay) = mode {
        tokio::time::sleep(delay).await;
    }
    if let SimulatorMode::Outage(status) = mode {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return error(
            secret,
            status,
            "unavailable",
            "the simulated bureau is down",
        );
    }

    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default())
    };
    if let Err(refused) = signing::verify(
        secret,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        Utc::now(),
        DEFAULT_REPLAY_WINDOW,
    ) {
        return error(
            secret,
            StatusCode::UNAUTHORIZED,
            signature_code(&refused),
            &refused.to_string(),
        );
    }
    if header(CLIENT_HEADER).is_none_or(|c| c.trim().is_empty()) {
        return error(
            secret,
            StatusCode::UNAUTHORIZED,
            "unknown_client",
            "the X-Fenqi-Client header is missing",
        );
    }
    let Ok(query) = serde_json::from_slice::<CreditReportRequest>(&body) else {
        return error(
            secret,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the body is not a credit-report request",
        );
    };
    let Some(profile) = Profile::for_id_number(&query.id_number) else {
        return error(
            secret,
            StatusCode::BAD_REQUEST,
            "invalid_id_number",
            "the ID number is not a valid resident ID",
        );
    };

    let report = profile.report(SOURCE.into(), whole_seconds(Utc::now()));
    let answer = answer_body(&query.request_id, &report);
    match mode {
        SimulatorMode::Malformed => signed(secret, StatusCode::OK, br#"{"requestId": "#.to_vec()),
        SimulatorMode::BadSignature => signed(FORGED_KEY, StatusCode::OK, answer),
        _ => signed(secret, StatusCode::OK, answer),
    }
}

/// The JSON answer for `report`.
fn answer_body(request_id: &str, report: &CreditReport) -> Vec<u8> {
    let wire = CreditReportResponse::from_report(request_id.to_owned(), report);
    // Serializing plain strings, integers and a date cannot fail; an empty body would
    // be refused by the client as malformed anyway.
    serde_json::to_vec(&wire).unwrap_or_default()
}

/// A signed JSON error answer.
fn error(key: &[u8], status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let body = serde_json::to_vec(&ErrorResponse::new(code, message)).unwrap_or_default();
    signed(key, status, body)
}

/// A JSON answer signed with `key` at the current time.
fn signed(key: &[u8], status: StatusCode, body: Vec<u8>) -> HttpResponse {
    let timestamp = Utc::now().timestamp();
    let signature = signing::sign(key, timestamp, &body);
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((TIMESTAMP_HEADER, timestamp.to_string()))
        .insert_header((SIGNATURE_HEADER, signature))
        .body(body)
}

/// The stable error code for a refused signature.
fn signature_code(err: &SignatureError) -> &'static str {
    match err {
        SignatureError::MissingTimestamp | SignatureError::MissingSignature => "missing_signature",
        SignatureError::MalformedTimestamp | SignatureError::MalformedSignature => {
            "malformed_signature"
        }
        SignatureError::OutsideWindow { .. } => "replayed",
        SignatureError::Mismatch => "bad_signature",
    }
}

/// `at` without its fraction of a second, as bureaus date reports.
fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

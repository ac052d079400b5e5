//! Turning the bureau's HTTP answer into a report or a classified error: status first,
//! then the body (size-capped), then its signature, then its content.

use std::error::Error as _;

use chrono::Utc;
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};

use crate::credit_bureau::{BureauError, CreditReport};
use crate::signing::{self, DEFAULT_REPLAY_WINDOW, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use super::wire::{CreditReportResponse, ErrorResponse};

/// The largest answer we read: a credit report is a few hundred bytes, so anything much
/// bigger is a broken or hostile bureau, not a report.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// How much of a bureau's error message we repeat in our own errors.
const MAX_MESSAGE_CHARS: usize = 200;

/// What the answer must match.
pub(super) struct Expected<'a> {
    /// The shared secret the answer must be signed with.
    pub secret: &'a [u8],
    /// The `requestId` we sent.
    pub request_id: &'a str,
    /// Scrubbed from anything the bureau echoes back into our error messages.
    pub id_number: &'a str,
    /// The report's `source`.
    pub source: &'a str,
}

/// Reads and checks the whole answer.
pub(super) async fn read(
    response: Response,
    expected: &Expected<'_>,
) -> Result<CreditReport, BureauError> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_capped(response).await?;

    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(BureauError::Unavailable(describe(
            status,
            &body,
            expected.id_number,
        )));
    }
    if status.is_client_error() {
        return Err(BureauError::Rejected(describe(
            status,
            &body,
            expected.id_number,
        )));
    }
    if !status.is_success() {
        return Err(BureauError::Malformed(format!(
            "unexpected HTTP status {status}"
        )));
    }

    signing::verify(
        expected.secret,
        header(&headers, TIMESTAMP_HEADER),
        header(&headers, SIGNATURE_HEADER),
        &body,
        Utc::now(),
        DEFAULT_REPLAY_WINDOW,
    )
    .map_err(|e| BureauError::Malformed(format!("the answer's signature is refused: {e}")))?;

    let answer: CreditReportResponse = serde_json::from_slice(&body)
        .map_err(|e| BureauError::Malformed(format!("the answer is not a credit report: {e}")))?;
    if answer.request_id != expected.request_id {
        return Err(BureauError::Malformed(
            "the answer is for another request".into(),
        ));
    }
    answer.into_report(expected.source.to_owned(), Utc::now())
}

/// Maps a failure to send or receive into a retryable or a refused error.
pub(super) fn transport(err: &reqwest::Error) -> BureauError {
    let detail = chain(err);
    if err.is_builder() {
        BureauError::Rejected(format!("the request could not be built: {detail}"))
    } else if err.is_timeout() {
        BureauError::Unavailable(format!("no answer in time: {detail}"))
    } else if err.is_connect() {
        BureauError::Unavailable(format!("cannot connect: {detail}"))
    } else {
        BureauError::Unavailable(detail)
    }
}

/// A header's value; an unreadable (non-ASCII) value reads as empty, which the verifier
/// refuses as garbled.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap_or_default())
}

/// The body, refused when larger than [`MAX_BODY_BYTES`]; a connection lost mid-body is
/// unavailability.
async fn read_capped(mut response: Response) -> Result<Vec<u8>, BureauError> {
    let too_large =
        || BureauError::Malformed(format!("the answer is larger than {MAX_BODY_BYTES} bytes"));
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `HTTP 401 (bad_signature): …`, with the bureau's message shortened and any echo of the
/// ID number removed, so the error can be logged.
fn describe(status: StatusCode, body: &[u8], id_number: &str) -> String {
    match serde_json::from_slice::<ErrorResponse>(body) {
        Ok(ErrorResponse { error }) => {
            // Scrub before shortening, so a cut cannot leave part of the number behind.
            let shorten = |text: &str| -> String {
                scrub(text, id_number)
                    .chars()
                    .take(MAX_MESSAGE_CHARS)
                    .collect()
            };
            format!(
                "HTTP {} ({}): {}",
                status.as_u16(),
                shorten(&error.code),
                shorten(&error.message)
            )
        }
        Err(_) => format!("HTTP {status}"),
    }
}

/// Removes `id_number` from `text`.
fn scrub(text: &str, id_number: &str) -> String {
    if id_number.is_empty() {
        text.to_owned()
    } else {
        text.replace(id_number, "[id number]")
    }
}

/// The error and its sources, `a: b: c`, since reqwest's own message hides the cause.
fn chain(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_shortened_and_scrubbed() {
        let id = "110105199003071239";
        let body = format!(
            r#"{{"error":{{"code":"invalid","message":"no person {id} {}"}}}}"#,
            "x".repeat(500)
        );
        let text = describe(StatusCode::BAD_REQUEST, body.as_bytes(), id);
        assert!(
            text.starts_with("HTTP 400 (invalid): no person [id number] x"),
            "{text}"
        );
        assert!(!text.contains(id));
        assert!(text.len() < 260, "{}", text.len());
        assert_eq!(
            describe(StatusCode::BAD_GATEWAY, b"<html>", id),
            "HTTP 502 Bad Gateway"
        );
    }
}

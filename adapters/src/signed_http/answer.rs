//! Turning a partner's HTTP answer into verified bytes or a classified error: status first,
//! then the body (size-capped), then its signature. What the bytes mean is the port's
//! business.

use std::error::Error as _;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};

use crate::signing::{self, DEFAULT_REPLAY_WINDOW, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use super::CallError;
use super::wire::ErrorResponse;

/// How much of a partner's error message we repeat in our own errors.
const MAX_MESSAGE_CHARS: usize = 200;

/// Reads and checks the whole answer: a signed 2xx body, or the error it amounts to.
/// `scrub` lists strings (an ID number, an account number) never to repeat in an error.
pub(super) async fn read(
    response: Response,
    secret: &[u8],
    max_body_bytes: usize,
    now: DateTime<Utc>,
    scrub: &[&str],
) -> Result<Vec<u8>, CallError> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_capped(response, max_body_bytes).await?;

    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(CallError::Unavailable(describe(status, &body, scrub)));
    }
    if status.is_client_error() {
        return Err(CallError::Rejected(describe(status, &body, scrub)));
    }
    if !status.is_success() {
        return Err(CallError::Malformed(format!(
            "unexpected HTTP status {status}"
        )));
    }
    signing::verify(
        secret,
        header(&headers, TIMESTAMP_HEADER),
        header(&headers, SIGNATURE_HEADER),
        &body,
        now,
        DEFAULT_REPLAY_WINDOW,
    )
    .map_err(|e| CallError::Malformed(format!("the answer's signature is refused: {e}")))?;
    Ok(body)
}

/// Maps a failure to send or receive into a retryable or a refused error.
pub(super) fn transport(err: &reqwest::Error) -> CallError {
    let detail = chain(err);
    if err.is_builder() {
        CallError::Rejected(format!("the request could not be built: {detail}"))
    } else if err.is_timeout() {
        CallError::Unavailable(format!("no answer in time: {detail}"))
    } else if err.is_connect() {
        CallError::Unavailable(format!("cannot connect: {detail}"))
    } else {
        CallError::Unavailable(detail)
    }
}

/// A header's value; an unreadable (non-ASCII) value reads as empty, which the verifier
/// refuses as garbled.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap_or_default())
}

/// The body, refused when larger than `max`; a connection lost mid-body is
/// unavailability.
async fn read_capped(mut response: Response, max: usize) -> Result<Vec<u8>, CallError> {
    let too_large = || CallError::Malformed(format!("the answer is larger than {max} bytes"));
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `HTTP 401 (bad_signature): …`, with the partner's message shortened and anything in
/// `scrub` removed, so the error can be logged.
fn describe(status: StatusCode, body: &[u8], scrub: &[&str]) -> String {
    match serde_json::from_slice::<ErrorResponse>(body) {
        Ok(ErrorResponse { error }) => {
            // Scrub before shortening, so a cut cannot leave part of a secret behind.
            let shorten = |text: &str| -> String {
                scrubbed(text, scrub)
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

/// `text` without any of `scrub`, in any ASCII case (an ID number's check letter `X` may
/// come back as `x`).
fn scrubbed(text: &str, scrub: &[&str]) -> String {
    scrub
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |t, s| {
            t.replace(*s, "[redacted]")
                .replace(&s.to_ascii_lowercase(), "[redacted]")
                .replace(&s.to_ascii_uppercase(), "[redacted]")
        })
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
        let text = describe(StatusCode::BAD_REQUEST, body.as_bytes(), &[id]);
        assert!(
            text.starts_with("HTTP 400 (invalid): no person [redacted] x"),
            "{text}"
        );
        assert!(!text.contains(id));
        assert!(text.len() < 260, "{}", text.len());
        assert_eq!(
            describe(StatusCode::BAD_GATEWAY, b"<html>", &[id]),
            "HTTP 502 Bad Gateway"
        );
        let with_x = "11010519900307123X";
        let body = r#"{"error":{"code":"invalid","message":"no person 11010519900307123x"}}"#;
        let text = describe(StatusCode::BAD_REQUEST, body.as_bytes(), &[with_x]);
        assert!(!text.to_ascii_uppercase().contains(with_x), "{text}");
    }
}

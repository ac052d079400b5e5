//! Signing and verifying the messages we exchange with partners and bureaus.
//!
//! Partners are untrusted and the network is hostile, so every message that crosses the
//! bank's boundary — requests we send to bureaus and partners, their answers, and the
//! callbacks partners send us — carries an HMAC-SHA256 signature over a shared secret and a
//! timestamp that bounds how long a captured message can be replayed.
//!
//! # The scheme
//!
//! * Header [`TIMESTAMP_HEADER`] (`X-Fenqi-Timestamp`): the signing time in unix seconds,
//!   decimal ASCII digits only (no sign, no spaces, no fraction), e.g. `1767225600`.
//! * Header [`SIGNATURE_HEADER`] (`X-Fenqi-Signature`): the lowercase hex encoding (64
//!   characters) of `HMAC-SHA256(secret, canonical)`. Upper-case hex is accepted on
//!   verification.
//! * The canonical string is the bytes of the timestamp header value exactly as sent,
//!   followed by one `.` (0x2E), followed by the raw body bytes exactly as sent (no
//!   re-serialization, no trimming, no newline normalization):
//!
//!   ```text
//!   canonical = timestamp_header_value || "." || body
//!   ```
//!
//!   An empty body signs `"<timestamp>."`.
//!
//! The verifier refuses, each with its own [`SignatureError`]: a missing header, a garbled
//! header, a timestamp further than the replay window from its own clock (either
//! direction, so both replays and senders with a wrong clock are refused), and a signature
//! that does not match (compared in constant time).
//!
//! Neither function reads a clock: the caller passes the time in, so tests control it and
//! one request's timestamp is the same value everywhere it is used.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header carrying the signing time, unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-Fenqi-Timestamp";

/// The header carrying the hex HMAC-SHA256 signature.
pub const SIGNATURE_HEADER: &str = "X-Fenqi-Signature";

/// How far a message's timestamp may be from the verifier's clock before it is refused:
/// five minutes, wide enough for ordinary clock drift and slow networks, narrow enough
/// that a captured message is soon useless.
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(300);

/// The length in bytes of an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Why a message's signature was refused. Each cause is its own variant so that callers
/// can answer precisely (and tests can tell them apart); none of them carries the secret
/// or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The `X-Fenqi-Timestamp` header is absent.
    #[error("the {TIMESTAMP_HEADER} header is missing")]
    MissingTimestamp,
    /// The `X-Fenqi-Signature` header is absent.
    #[error("the {SIGNATURE_HEADER} header is missing")]
    MissingSignature,
    /// The timestamp is not unix seconds in decimal digits.
    #[error("the {TIMESTAMP_HEADER} header is not unix seconds")]
    MalformedTimestamp,
    /// The signature is not 64 hex characters.
    #[error("the {SIGNATURE_HEADER} header is not a hex HMAC-SHA256 signature")]
    MalformedSignature,
    /// The timestamp is outside the replay window: a replayed message or a sender with a
    /// wrong clock. `skew_seconds` is the message's time minus ours.
    #[error(
        "the message timestamp is {skew_seconds} s away from our clock, outside the \
         {window_seconds} s replay window"
    )]
    OutsideWindow {
        /// The message's timestamp minus the verifier's clock, in seconds.
        skew_seconds: i64,
        /// The replay window that was applied, in seconds.
        window_seconds: u64,
    },
    /// The signature does not match the body, timestamp and secret.
    #[error("the signature does not match the message")]
    Mismatch,
}

/// Signs `body` at `timestamp` (unix seconds) with `secret`, returning the lowercase hex
/// signature to send in [`SIGNATURE_HEADER`] next to `timestamp` in [`TIMESTAMP_HEADER`].
///
/// Senders should pass the same `timestamp` value they put in the header; it is formatted
/// as plain decimal, which is what the verifier will read back.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = keyed(secret);
    feed(&mut mac, timestamp.to_string().as_bytes(), body);
    hex::encode(mac.finalize().into_bytes())
}

/// Verifies a received message: both headers present and well-formed, the timestamp
/// within `replay_window` of `now`, and the signature matching `body` under `secret`
/// (compared in constant time).
///
/// The headers are passed as received (`None` when absent); surrounding whitespace is
/// ignored. The timestamp is checked before the signature, so a flood of stale messages
/// costs no HMAC computation.
pub fn verify(
    secret: &[u8],
    timestamp_header: Option<&str>,
    signature_header: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
    replay_window: Duration,
) -> Result<(), SignatureError> {
    let timestamp_text = timestamp_header
        .map(str::trim)
        .ok_or(SignatureError::MissingTimestamp)?;
    let signature_text = signature_header
        .map(str::trim)
        .ok_or(SignatureError::MissingSignature)?;
    let timestamp = parse_timestamp(timestamp_text)?;
    let tag = parse_signature(signature_text)?;

    let window_seconds = replay_window.as_secs();
    let skew_seconds = timestamp.saturating_sub(now.timestamp());
    if skew_seconds.unsigned_abs() > window_seconds {
        return Err(SignatureError::OutsideWindow {
            skew_seconds,
            window_seconds,
        });
    }

    let mut mac = keyed(secret);
    feed(&mut mac, timestamp_text.as_bytes(), body);
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// An HMAC-SHA256 instance keyed with `secret`.
fn keyed(secret: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of every length (RFC 2104: long keys are hashed, short ones
    // padded), so this cannot fail whatever the secret is; hmac itself relies on the same.
    HmacSha256::new_from_slice(secret).expect("HMAC-SHA256 accepts keys of any length")
}

/// Feeds the canonical string `timestamp "." body` into `mac`.
fn feed(mac: &mut HmacSha256, timestamp: &[u8], body: &[u8]) {
    mac.update(timestamp);
    mac.update(b".");
    mac.update(body);
}

/// Unix seconds in plain decimal digits; anything else (signs, spaces, fractions,
/// overflow) is garbled.
fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::MalformedTimestamp);
    }
    text.parse::<i64>()
        .map_err(|_| SignatureError::MalformedTimestamp)
}

/// 64 hex characters decoding to a 32-byte tag.
fn parse_signature(text: &str) -> Result<Vec<u8>, SignatureError> {
    match hex::decode(text) {
        Ok(tag) if tag.len() == TAG_LEN => Ok(tag),
        _ => Err(SignatureError::MalformedSignature),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const SECRET: &[u8] = b"a-shared-secret-of-some-length";
    const BODY: &[u8] = br#"{"idNumber":"110105199003071239"}"#;
    const T: i64 = 1_767_225_600;
    const WINDOW: Duration = Duration::from_secs(300);

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).single().unwrap()
    }

    fn check(
        timestamp: Option<&str>,
        signature: Option<&str>,
        now: i64,
    ) -> Result<(), SignatureError> {
        verify(SECRET, timestamp, signature, BODY, at(now), WINDOW)
    }

    #[test]
    fn the_signature_is_hex_hmac_sha256_over_timestamp_dot_body() {
        // Computed independently:
        // printf '1767225600.{"a":1}' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign(b"key", T, br#"{"a":1}"#),
            "80f7b75f8618b9b24d72673996a625f1a43f7387a26b6739d667431724fe4d23"
        );
    }

    #[test]
    fn a_fresh_correct_signature_is_accepted() {
        let signature = sign(SECRET, T, BODY);
        assert_eq!(check(Some(&T.to_string()), Some(&signature), T), Ok(()));
        // Within the window on either side, and with surrounding spaces and upper-case hex.
        assert_eq!(
            check(Some(&T.to_string()), Some(&signature), T + 300),
            Ok(())
        );
        assert_eq!(
            check(Some(&T.to_string()), Some(&signature), T - 300),
            Ok(())
        );
        let loose = format!(" {} ", signature.to_uppercase());
        assert_eq!(check(Some(&format!(" {T}")), Some(&loose), T), Ok(()));
    }

    #[test]
    fn an_empty_body_is_signed_too() {
        let signature = sign(SECRET, T, b"");
        assert_eq!(
            verify(
                SECRET,
                Some(&T.to_string()),
                Some(&signature),
                b"",
                at(T),
                WINDOW
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                SECRET,
                Some(&T.to_string()),
                Some(&signature),
                b" ",
                at(T),
                WINDOW
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_headers_are_refused() {
        let signature = sign(SECRET, T, BODY);
        assert_eq!(
            check(None, Some(&signature), T),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            check(Some(&T.to_string()), None, T),
            Err(SignatureError::MissingSignature)
        );
        assert_eq!(check(None, None, T), Err(SignatureError::MissingTimestamp));
    }

    #[test]
    fn garbled_timestamps_are_refused() {
        let signature = sign(SECRET, T, BODY);
        for garbled in [
            "",
            "  ",
            "-1767225600",
            "+1767225600",
            "1767225600.5",
            "17672x5600",
            "99999999999999999999",
            "1 767",
        ] {
            assert_eq!(
                check(Some(garbled), Some(&signature), T),
                Err(SignatureError::MalformedTimestamp),
                "{garbled:?}"
            );
        }
    }

    #[test]
    fn garbled_signatures_are_refused() {
        let signature = sign(SECRET, T, BODY);
        let short = &signature[..62];
        let long = format!("{signature}00");
        let not_hex = format!("zz{}", &signature[2..]);
        for garbled in ["", short, long.as_str(), not_hex.as_str(), "sha256=abc"] {
            assert_eq!(
                check(Some(&T.to_string()), Some(garbled), T),
                Err(SignatureError::MalformedSignature),
                "{garbled:?}"
            );
        }
    }

    #[test]
    fn timestamps_outside_the_window_are_refused_as_replays() {
        let signature = sign(SECRET, T, BODY);
        assert_eq!(
            check(Some(&T.to_string()), Some(&signature), T + 301),
            Err(SignatureError::OutsideWindow {
                skew_seconds: -301,
                window_seconds: 300
            })
        );
        assert_eq!(
            check(Some(&T.to_string()), Some(&signature), T - 301),
            Err(SignatureError::OutsideWindow {
                skew_seconds: 301,
                window_seconds: 300
            })
        );
    }

    #[test]
    fn wrong_signatures_are_refused() {
        let signature = sign(SECRET, T, BODY);
        // Another secret.
        assert_eq!(
            verify(
                b"another-secret",
                Some(&T.to_string()),
                Some(&signature),
                BODY,
                at(T),
                WINDOW
            ),
            Err(SignatureError::Mismatch)
        );
        // Another body.
        assert_eq!(
            verify(
                SECRET,
                Some(&T.to_string()),
                Some(&signature),
                b"{}",
                at(T),
                WINDOW
            ),
            Err(SignatureError::Mismatch)
        );
        // Another timestamp, still inside the window.
        assert_eq!(
            check(Some(&(T + 1).to_string()), Some(&signature), T),
            Err(SignatureError::Mismatch)
        );
        // The same number written differently is another canonical string.
        assert_eq!(
            check(Some(&format!("0{T}")), Some(&signature), T),
            Err(SignatureError::Mismatch)
        );
        // One flipped bit.
        let mut tag = hex::decode(&signature).unwrap();
        tag[0] ^= 1;
        assert_eq!(
            check(Some(&T.to_string()), Some(&hex::encode(tag)), T),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn errors_do_not_reveal_the_expected_signature() {
        let signature = sign(SECRET, T, BODY);
        let err = verify(
            b"other",
            Some(&T.to_string()),
            Some("00".repeat(32).as_str()),
            BODY,
            at(T),
            WINDOW,
        )
        .unwrap_err();
        assert!(!err.to_string().contains(&signature));
        assert!(!format!("{err:?}").contains(&signature));
    }
}

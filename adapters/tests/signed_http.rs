//! The signed-HTTP pipeline against a real socket: which answers are retried, how often,
//! and which are refused, whatever port sits on top of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use adapters::signed_http::{CallError, PartnerEndpoint, Repeat, RetryPolicy, SignedHttpClient};
use adapters::signing::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SECRET: &str = "a-partner-secret-0123456789";

/// What the partner does with the request numbered `n` (from 1).
#[derive(Clone, Copy)]
enum Reply {
    Ok,
    Status(u16),
    Unsigned,
    Stall,
}

/// A partner on a loopback port answering by `script`; counts the requests it got.
async fn partner(script: fn(usize) -> Reply) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head and the body (Content-Length) of one request.
                loop {
                    let Ok(read) = socket.read(&mut buf).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..read]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let body = br#"{"ok":true}"#;
                let ts = chrono::Utc::now().timestamp();
                let signature = signing::sign(SECRET.as_bytes(), ts, body);
                let (status, signed) = match script(n) {
                    Reply::Ok => (200, true),
                    Reply::Status(code) => (code, true),
                    Reply::Unsigned => (200, false),
                    Reply::Stall => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        (200, true)
                    }
                };
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                if signed {
                    head.push_str(&format!(
                        "{TIMESTAMP_HEADER}: {ts}\r\n{SIGNATURE_HEADER}: {signature}\r\n"
                    ));
                }
                head.push_str("\r\n");
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn client(base: &str, timeout: Duration) -> SignedHttpClient {
    let mut endpoint = PartnerEndpoint::new("partner", base, "fenqi-tests", SECRET);
    endpoint.timeout = timeout;
    SignedHttpClient::new(
        endpoint,
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        },
    )
    .expect("client")
}

async fn call(client: &SignedHttpClient, repeat: Repeat) -> Result<Vec<u8>, CallError> {
    client
        .post_json("/v1/anything", &serde_json::json!({ "a": 1 }), repeat, &[])
        .await
}

#[tokio::test]
async fn an_idempotent_call_rides_out_two_unavailable_answers() {
    let (base, seen) = partner(|n| if n < 3 { Reply::Status(503) } else { Reply::Ok }).await;
    let body = call(&client(&base, Duration::from_secs(2)), Repeat::Idempotent)
        .await
        .expect("the third attempt answers");
    assert_eq!(body, br#"{"ok":true}"#);
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_call_that_must_not_repeat_is_sent_once() {
    let (base, seen) = partner(|n| if n < 3 { Reply::Status(503) } else { Reply::Ok }).await;
    let err = call(&client(&base, Duration::from_secs(2)), Repeat::Once)
        .await
        .expect_err("unavailable");
    assert!(matches!(err, CallError::Unavailable(_)), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn retries_stop_at_the_policy_and_never_follow_a_refusal() {
    let (base, seen) = partner(|_| Reply::Status(502)).await;
    let err = call(&client(&base, Duration::from_secs(2)), Repeat::Idempotent)
        .await
        .expect_err("always down");
    assert!(err.is_retryable(), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 3);

    let (base, seen) = partner(|_| Reply::Status(400)).await;
    let err = call(&client(&base, Duration::from_secs(2)), Repeat::Idempotent)
        .await
        .expect_err("refused");
    assert!(matches!(err, CallError::Rejected(_)), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "a refusal is not retried");
}

#[tokio::test]
async fn an_unsigned_answer_is_malformed_and_not_retried() {
    let (base, seen) = partner(|_| Reply::Unsigned).await;
    let err = call(&client(&base, Duration::from_secs(2)), Repeat::Idempotent)
        .await
        .expect_err("unsigned");
    assert!(matches!(err, CallError::Malformed(_)), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_timed_out_idempotent_call_is_tried_again() {
    let (base, seen) = partner(|n| if n == 1 { Reply::Stall } else { Reply::Ok }).await;
    let body = call(
        &client(&base, Duration::from_millis(300)),
        Repeat::Idempotent,
    )
    .await
    .expect("the second attempt answers");
    assert_eq!(body, br#"{"ok":true}"#);
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

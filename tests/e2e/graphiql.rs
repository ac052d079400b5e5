//! GraphiQL works with no internet: the page and everything it loads come from the app
//! itself, under a strict Content-Security-Policy, and a real browser renders it.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH,
};

use crate::helpers::TestApp;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// Every value of a `src=` or `href=` attribute in `html`, quoted or not.
fn references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for attr in ["src=", "href="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let start = from + i + attr.len();
            from = start;
            // Only whole attribute names: `srcset=` or `data-src=` would not be loads of
            // this page's own making, and none is expected.
            let before = lower[..start - attr.len()].chars().last();
            if !before.is_some_and(char::is_whitespace) {
                continue;
            }
            let rest = &html[start..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            found.push(value.to_owned());
        }
    }
    found
}

/// Every `http://…` or `https://…` URL in `text`.
fn absolute_urls(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(scheme) {
            let start = from + i;
            from = start + scheme.len();
            let url = text[start..]
                .split(|c: char| c.is_whitespace() || "\"'<>()".contains(c))
                .next()
                .unwrap_or("");
            found.push(url.to_owned());
        }
    }
    found
}

#[tokio::test]
async fn graphiql_loads_nothing_from_another_host() {
    let app = TestApp::spawn().await;
    let base = Url::parse(&app.base).unwrap();
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page
        .headers()
        .get(CONTENT_SECURITY_POLICY)
        .map(|v| v.to_str().unwrap().to_owned());
    let html = page.text().await.unwrap();

    for url in absolute_urls(&html) {
        let parsed = Url::parse(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(
            parsed.origin(),
            base.origin(),
            "the page names another host: {url}"
        );
    }

    let refs = references(&html);
    assert!(
        refs.len() >= 5,
        "scripts and style sheet expected: {refs:?}"
    );
    for r in refs {
        assert!(
            r.starts_with('/') && !r.starts_with("//") && !r.contains('\\'),
            "not a same-origin relative path: {r}"
        );
        let url = base.join(&r).unwrap();
        assert_eq!(url.origin(), base.origin(), "{r}");
        let res = app.get(&r).await;
        assert_eq!(res.status(), 200, "{r}");
        let content_type = res.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        let expected = if r.ends_with(".js") {
            "text/javascript"
        } else if r.ends_with(".css") {
            "text/css"
        } else {
            panic!("an unexpected kind of file: {r}")
        };
        assert!(content_type.starts_with(expected), "{r}: {content_type}");
        assert!(res.headers().contains_key(ETAG), "{r}");
        assert!(res.headers().contains_key(CACHE_CONTROL), "{r}");
        assert!(!res.bytes().await.unwrap().is_empty(), "{r}");
    }

    assert_eq!(
        csp.as_deref(),
        Some(CSP),
        "the page's Content-Security-Policy"
    );
}

#[tokio::test]
async fn graphiql_assets_are_cached_revalidated_and_compressed() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphiql/graphiql@3.8.3/graphiql.min.js", app.base);
    let first = app.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let cache = first.headers()[CACHE_CONTROL].to_str().unwrap().to_owned();
    assert!(cache.contains("max-age=31536000"), "{cache}");
    assert!(cache.contains("immutable"), "{cache}");
    let etag = first.headers()[ETAG].clone();

    let again = app
        .client
        .get(&url)
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()[ETAG], etag);
    assert!(again.bytes().await.unwrap().is_empty());

    // Fenqi's own script keeps its URL across releases, so browsers must revalidate it.
    let init = app.get("/graphiql/init.js").await;
    assert_eq!(init.headers()[CACHE_CONTROL], "no-cache");
    assert!(init.headers().contains_key(ETAG));

    let gzipped = app
        .client
        .get(&url)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()[CONTENT_ENCODING], "gzip");
    let plain_len = first.bytes().await.unwrap().len();
    let gzipped_len = gzipped.bytes().await.unwrap().len();
    assert!(gzipped_len * 2 < plain_len, "{gzipped_len} of {plain_len}");

    assert_eq!(app.get("/graphiql/nothing.js").await.status(), 404);
}

/// How long the browser may take, start to exit; it needs a few seconds.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

/// Chromium on `PATH` (Debian's package puts it at `/usr/bin/chromium`), as `.ci/run`
/// looks for it.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

#[tokio::test]
async fn graphiql_renders_in_a_browser_with_no_internet() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is not installed, and CI must run this test (.ci/run installs it)"
        );
        eprintln!("skipped: chromium not installed");
        return;
    };
    let app = TestApp::spawn().await;
    let profile = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let log_path = logs.path().join("chromium.log");
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // No host but this machine resolves: the page must not need the internet.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            // Console messages (CSP violations among them) to stderr.
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("{}/graphql", app.base))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", chromium.display()));
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut dom = String::new();
        let read = stdout.read_to_string(&mut dom).map(|_| dom);
        let _ = tx.send(read);
    });
    let dom = match tokio::time::timeout(BROWSER_TIMEOUT, rx).await {
        Ok(Ok(read)) => read.unwrap(),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
        }
    };
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(status.success(), "chromium: {status}\n{log}");

    assert!(
        dom.contains("graphiql-container"),
        "GraphiQL did not render:\n{dom}\nconsole: {console:#?}"
    );
    // The editor holds the default query, so our start-up script ran.
    assert!(dom.contains("loanCalculator"), "{dom}");
    assert!(!dom.contains("could not load its scripts"), "{dom}");
    assert!(
        !log.contains("Content Security Policy"),
        "the page broke its own policy: {console:#?}"
    );
}

//! Real `fenqi` processes beside a test app: same database, same queue, their own ops port.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::helpers::TestApp;

/// A `fenqi` child process, killed when dropped.
pub struct FenqiProcess {
    /// The child.
    pub child: Child,
    /// `http://127.0.0.1:PORT` of its HTTP endpoints.
    pub base: String,
    client: reqwest::Client,
}

/// A free loopback port (bound and released: a tiny race, acceptable in tests).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl FenqiProcess {
    /// Starts `fenqi <command>` with `app`'s settings plus `extra`, and waits (at most
    /// 60 s) until it answers `/health`.
    pub async fn start(app: &TestApp, command: &str, extra: &[(&str, String)]) -> FenqiProcess {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fenqi"));
        cmd.arg(command)
            .current_dir(app.dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        // Only the app's settings: nothing from the test runner's environment.
        for (name, _) in std::env::vars() {
            if name.starts_with("FENQI_") {
                cmd.env_remove(name);
            }
        }
        for (k, v) in &app.env {
            cmd.env(k, v);
        }
        // Errors only, unless the one running the tests asks for more (for example
        // `FENQI_TEST_PROCESS_LOG=warn,apalis=debug` while hunting a stuck worker).
        let log = std::env::var("FENQI_TEST_PROCESS_LOG").unwrap_or_else(|_| "error".into());
        cmd.env("FENQI_LOG", log);
        let bind = format!("127.0.0.1:{port}");
        cmd.env("FENQI_WORKER_BIND", &bind).env("FENQI_BIND", &bind);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start fenqi");
        let process = FenqiProcess {
            child,
            base: format!("http://{bind}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client"),
        };
        let health = format!("{}/health", process.base);
        let client = process.client.clone();
        eventually(
            Duration::from_secs(60),
            "the process answers /health",
            || {
                let client = client.clone();
                let health = health.clone();
                async move { client.get(&health).send().await.is_ok() }
            },
        )
        .await;
        process
    }

    /// `/ready`'s status and body.
    pub async fn ready(&self) -> (u16, serde_json::Value) {
        match self.client.get(format!("{}/ready", self.base)).send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                (status, res.json().await.unwrap_or_default())
            }
            Err(e) => (0, serde_json::json!({ "error": e.to_string() })),
        }
    }

    /// The value of a counter in `/metrics` whose labels include all of `labels`.
    pub async fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let Ok(res) = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
        else {
            return 0;
        };
        let text = res.text().await.unwrap_or_default();
        text.lines()
            .filter(|line| line.starts_with(&format!("{name}{{")))
            .filter(|line| {
                labels
                    .iter()
                    .all(|(k, v)| line.contains(&format!("{k}=\"{v}\"")))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .map(|v| v as u64)
            .sum()
    }

    /// Kills the process at once (SIGKILL), as a crash or an OOM kill would.
    pub async fn kill_9(&mut self) {
        self.child.start_kill().expect("kill -9");
        let _ = self.child.wait().await;
    }
}

/// Checks `condition` every 50 ms until it holds, failing the test with `what` after
/// `limit`. For conditions in other processes, which cannot announce themselves to the test.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_explained(limit, what, condition, || async { String::new() }).await;
}

/// [`eventually`], adding what `explain` finds to the failure: the state the test waited
/// on, so that a time-out on a busy CI machine says whether the work was slow or stuck.
pub async fn eventually_explained<F, Fut, E, EFut>(
    limit: Duration,
    what: &str,
    mut condition: F,
    explain: E,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
    E: FnOnce() -> EFut,
    EFut: std::future::Future<Output = String>,
{
    let deadline = tokio::time::Instant::now() + limit;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        if condition().await {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            let found = explain().await;
            let found = if found.is_empty() {
                found
            } else {
                format!("; {found}")
            };
            panic!("timed out after {limit:?} waiting until {what}{found}");
        }
    }
}

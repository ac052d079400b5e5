//! Spawning the app and talking to it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use adapters::simulators::credit_bureau::{BureauSimulator, SimulatorHandle, SimulatorMode};
use chrono::{TimeZone, Utc};
use domain::auth::{Caller, NewStaff, Role};
use domain::clock::ManualClock;
use fenqi::{Platform, Settings};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::watch;

/// A running app on a private database and queue.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub platform: Platform,
    stop_worker: watch::Sender<bool>,
    postgres: Option<(String, String)>,
    bureau: Option<SimulatorHandle>,
    /// The settings the app was started with, so a test can start real `fenqi` processes
    /// on the same database and queue.
    pub env: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

/// Options for [`TestApp::spawn_with`].
#[derive(Default)]
pub struct Options {
    /// Start the worker too.
    pub worker: bool,
    /// Extra settings.
    pub settings: Vec<(&'static str, String)>,
    /// Start a credit-bureau simulator and use it as the external bureau.
    pub bureau: bool,
}

/// A cron expression that never fires within any test's lifetime.
const NEVER: &str = "0 0 0 1 1 * 2099";

const BUREAU_SECRET: &str = "test-bureau-secret-0123456789";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `postgres://u@h:5432/db?x` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let prefix = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestApp {
    /// The API only.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    /// The API and the worker.
    pub async fn spawn_with_worker() -> TestApp {
        Self::spawn_with(Options {
            worker: true,
            ..Options::default()
        })
        .await
    }

    /// The app with options.
    pub async fn spawn_with(options: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let unique = uuid::Uuid::now_v7().simple().to_string();
        let mut postgres = None;
        let database_url = match env("FENQI_TEST_DATABASE_URL") {
            Some(admin_url) => {
                let name = format!("fenqi_test_{unique}");
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to FENQI_TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                postgres = Some((admin_url.clone(), name.clone()));
                with_database(&admin_url, &name)
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("fenqi.db").display()
            ),
        };
        let queue_url = env("FENQI_TEST_QUEUE_URL")
            .or_else(|| env("FENQI_QUEUE_URL").filter(|u| u.starts_with("redis")))
            .unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("queue.db").display()
                )
            });
        let (keys, index) = domain::pii::KeyRing::generate_config().expect("keys");
        let mut values: HashMap<&str, String> = HashMap::from([
            ("FENQI_DATABASE_URL", database_url),
            ("FENQI_QUEUE_URL", queue_url),
            ("FENQI_QUEUE_NAMESPACE", format!("test-{unique}")),
            ("FENQI_QUEUE_POLL_MS", "50".into()),
            ("FENQI_HTTP_WORKERS", "1".into()),
            ("FENQI_DB_MAX_CONNECTIONS", "5".into()),
            ("FENQI_AUTH_ATTEMPTS_PER_MINUTE", "200".into()),
            ("FENQI_PUBLIC_REQUESTS_PER_MINUTE", "10000".into()),
            ("FENQI_SQL_STATEMENTS_HEADER", "on".into()),
            // The same statement counts on both backends; the session cache has its own
            // tests (session_cache.rs).
            ("FENQI_SESSION_CACHE_SECONDS", "0".into()),
            // Schedules that never fire, so a wall-clock tick cannot run a job in the middle
            // of a test; a test that needs a schedule sets its own.
            ("FENQI_SESSION_PURGE_SCHEDULE", NEVER.into()),
            ("FENQI_RETENTION_PURGE_SCHEDULE", NEVER.into()),
            ("FENQI_APPLICATION_EXPIRY_SCHEDULE", NEVER.into()),
            ("FENQI_COB_SCHEDULE", NEVER.into()),
            ("FENQI_DEBIT_SWEEP_SCHEDULE", NEVER.into()),
            ("FENQI_DELIVERY_SCHEDULE", NEVER.into()),
            ("FENQI_TICKET_ESCALATION_SCHEDULE", NEVER.into()),
            ("FENQI_FOLLOW_UP_SCHEDULE", NEVER.into()),
            ("FENQI_CAMPAIGN_DISPATCH_SCHEDULE", NEVER.into()),
            ("FENQI_PII_KEYS", keys),
            ("FENQI_PII_INDEX_KEY", index),
        ]);
        let bureau = if options.bureau {
            let sim = BureauSimulator::start(BUREAU_SECRET)
                .await
                .expect("bureau simulator");
            values.insert("FENQI_CREDIT_BUREAU_URL", sim.base_url().to_owned());
            values.insert("FENQI_CREDIT_BUREAU_SECRET", BUREAU_SECRET.into());
            values.insert("FENQI_CREDIT_BUREAU_TIMEOUT_MS", "2000".into());
            Some(sim)
        } else {
            None
        };
        for (k, v) in options.settings {
            values.insert(k, v);
        }
        let env: HashMap<String, String> = values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let settings = Settings::from_lookup(|name| values.get(name).cloned()).expect("settings");
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 29, 2, 0, 0).unwrap(),
        ));
        let platform = Platform::connect(settings, clock.clone())
            .await
            .expect("platform");
        platform.migrate().await.expect("migrate");
        let listener = api::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = platform.api_server(listener).expect("server");
        tokio::spawn(server);
        let (stop_worker, stop_rx) = watch::channel(false);
        if options.worker {
            platform.spawn_worker(stop_rx).expect("worker");
        }
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            clock,
            platform,
            stop_worker,
            postgres,
            bureau,
            env,
            _dir: dir,
        }
    }

    /// Posts a GraphQL request, with a bearer token if given; returns the JSON answer.
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let res = self.post_gql(query, variables, token).await;
        res.json().await.expect("json answer")
    }

    async fn post_gql(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        self.post_gql_at(&self.base, query, variables, token).await
    }

    async fn post_gql_at(
        &self,
        base: &str,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("request")
    }

    /// Starts a second API instance on the same database, queue and clock (its own
    /// domain, metrics and in-memory state, as another process would have), and answers
    /// with its base URL. It stops with the test's runtime.
    pub async fn second_api(&self) -> String {
        let env = self.env.clone();
        let settings = Settings::from_lookup(|name| env.get(name).cloned()).expect("settings");
        let platform = Platform::connect(settings, self.clock.clone())
            .await
            .expect("second platform");
        let listener = api::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(platform.api_server(listener).expect("server"));
        format!("http://127.0.0.1:{port}")
    }

    /// Posts a GraphQL request and answers with the JSON and the number of SQL statements
    /// the server sent for it (`X-Sql-Statements`), to pin the cost of reads.
    pub async fn gql_counted(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> (Value, u64) {
        let base = self.base.clone();
        self.gql_counted_at(&base, query, variables, token).await
    }

    /// [`TestApp::gql_counted`] against another API instance of this app
    /// ([`TestApp::second_api`]).
    pub async fn gql_counted_at(
        &self,
        base: &str,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> (Value, u64) {
        let res = self.post_gql_at(base, query, variables, token).await;
        let statements = res
            .headers()
            .get("x-sql-statements")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("X-Sql-Statements header (FENQI_SQL_STATEMENTS_HEADER=on)");
        (res.json().await.expect("json answer"), statements)
    }

    /// Logs in and returns the token, panicking with the answer if it fails.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let res = self.try_login(login, password).await;
        res["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {res}"))
            .to_owned()
    }

    /// The raw answer of a login attempt.
    pub async fn try_login(&self, login: &str, password: &str) -> Value {
        self.gql(
            "mutation($i: LoginInput!) { login(input: $i) { token expiresAt account { id role } } }",
            json!({ "i": { "login": login, "password": password } }),
            None,
        )
        .await
    }

    /// Registers a customer; returns (token, account id).
    pub async fn register_customer(&self, mobile: &str, password: &str) -> (String, String) {
        let res = self
            .gql(
                "mutation($i: RegisterInput!) { register(input: $i) { token account { id } } }",
                json!({ "i": { "displayName": "Test Customer", "mobile": mobile, "password": password } }),
                None,
            )
            .await;
        let token = res["data"]["register"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("register failed: {res}"))
            .to_owned();
        let id = res["data"]["register"]["account"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (token, id)
    }

    /// Makes a staff account directly through the domain (as `create-staff` does) and
    /// logs it in.
    pub async fn staff_token(&self, role: Role) -> String {
        let email = format!(
            "{}-{}@bank.test",
            role.as_str(),
            uuid::Uuid::now_v7().simple()
        );
        self.platform
            .domain()
            .create_staff(
                NewStaff {
                    display_name: format!("Test {role}"),
                    email: email.clone(),
                    role,
                    password: Some("staff-password-1".into()),
                },
                &Caller::system("test"),
            )
            .await
            .expect("create staff");
        self.login(&email, "staff-password-1").await
    }

    /// How many requests reached the bureau simulator.
    pub fn bureau_requests(&self) -> u64 {
        self.bureau.as_ref().map_or(0, |b| b.requests())
    }

    /// Makes the bureau simulator answer 503 from now on.
    pub fn bureau_outage(&self) {
        if let Some(b) = &self.bureau {
            b.set_mode(SimulatorMode::Outage(503));
        }
    }

    /// The raw bytes of the SQLite database file and its write-ahead log, as (lossy) text:
    /// what someone who copies the file would see.
    pub fn sqlite_bytes(&self) -> String {
        let mut text = String::new();
        for name in ["fenqi.db", "fenqi.db-wal"] {
            if let Ok(bytes) = std::fs::read(self._dir.path().join(name)) {
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        text
    }

    /// The folder of this app's SQLite files.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The database connection, for checks that read it directly.
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        self.platform.domain().db()
    }

    /// The app's own connection pool to the SQLite queue file (`None` on Redis), for tests
    /// that break or inspect the queue; it waits out a busy writer as the app does.
    pub fn sqlite_queue(&self) -> Option<&sqlx::SqlitePool> {
        match self.platform.queue() {
            worker::JobQueue::Sqlite { pool, .. } => Some(pool),
            worker::JobQueue::Redis { .. } => None,
        }
    }

    /// A GET request.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop_worker.send(true);
        let queue = self.platform.queue().settings().clone();
        if queue.url.starts_with("redis") {
            // Remove this test's queue keys from the shared Redis.
            let _ = std::thread::spawn(move || {
                let Ok(client) = redis::Client::open(queue.url.as_str()) else {
                    return;
                };
                let Ok(mut conn) = client.get_connection() else {
                    return;
                };
                let pattern = format!("{}*", queue.namespace);
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg(&pattern)
                    .query(&mut conn)
                    .unwrap_or_default();
                if !keys.is_empty() {
                    let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
                }
            })
            .join();
        }
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop the private database on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(res: &Value) -> Option<&str> {
    res["errors"][0]["extensions"]["code"].as_str()
}

/// The first error's message.
pub fn error_message(res: &Value) -> &str {
    res["errors"][0]["message"].as_str().unwrap_or("")
}

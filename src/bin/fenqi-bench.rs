//! `fenqi-bench`: measures a release `fenqi` the way production runs it (PostgreSQL, Redis,
//! a separate `serve` process) and prints one table of figures. Run by hand, never in CI:
//! the figures depend on the machine, and the load takes minutes. See docs/performance.md.
//!
//! Everything goes through the real binary and the public API, so what is measured is what
//! a customer gets: the bench seeds customers with the same mutations the app sends, and
//! loads the server with `wrk` from outside the process. It owns what it makes: a fresh
//! database (dropped at the end), a Redis namespace (its keys deleted at the end), a
//! temporary folder, and the `fenqi` processes it starts (killed by their PID), also when a
//! step fails or Ctrl-C stops it.

use std::collections::hash_map::RandomState;
use std::fmt::{self, Display, Write as _};
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

#[path = "fenqi-bench/callbacks.rs"]
mod callbacks;
#[path = "fenqi-bench/campaign.rs"]
mod campaign;
#[path = "fenqi-bench/cob.rs"]
mod cob;

const USAGE: &str = "\
fenqi-bench — load figures of a release fenqi on PostgreSQL and Redis (run by hand)

USAGE: fenqi-bench [all|reads|calculator|idle|callbacks|cob|campaign] [OPTIONS]

MODES:
  reads        seed customers through the API, then load myCustomerProfile with wrk
  calculator   load the anonymous loanCalculator query with wrk
  idle         resident memory of `fenqi run` and `fenqi serve` a few seconds after start
  all          the three, in that order: idle, calculator, reads (the default)
  callbacks    signed partner callbacks applied per second, beside pgbench's
               tpcb-like TPS on the same PostgreSQL server (not part of `all`)
  cob          close of business: debits per second of `fenqi work` for --due
               installments due today, beside pgbench's tpcb-like TPS (8 clients);
               then COB's time for --cob-due installments due among
               --cob-small-plans and among --cob-large-plans plans (not part of `all`)
  campaign     a message campaign over --members customers with plans: the time to
               launch it (segment + every batch queued) and members processed per
               second by --workers `fenqi work` (not part of `all`)

OPTIONS:
  --customers N        customers to seed for `reads` (1000)
  --connections C      wrk connections (8); wrk threads are min(2, C)
  --duration S         seconds of load per wrk or pgbench run (20)
  --idle-seconds S     how long after start the idle memory is read (5)
  --database-url URL   a PostgreSQL URL allowed to create databases
                       (postgres://postgres@127.0.0.1:5432/postgres)
  --queue-url URL      the Redis queue (redis://127.0.0.1:6379)
  --fenqi PATH         the fenqi binary (default: `fenqi` beside this binary)
  --wrk PATH           the wrk binary (wrk)
  --plans N            `callbacks`: the partner's plans (1000)
  --events N           `callbacks`: distinct payment events (16000)
  --duplicates N       `callbacks`: exact copies of some of them, sent too (4000)
  --in-flight C        `callbacks`: requests at a time, and pgbench clients (32)
  --due N              `cob`: installments due today, one plan each (100000)
  --workers W          `cob`, `campaign`: `fenqi work` processes (1)
  --cob-due N          `cob`: installments due in the scaling runs (10000)
  --cob-small-plans N  `cob`: plans held in the first scaling run (20000)
  --cob-large-plans N  `cob`: plans held in the second scaling run (200000)
  --members N          `campaign`: customers in the campaign (100000)
  --pgbench PATH       the pgbench binary (pgbench)
  --set NAME=VALUE     one more FENQI_* setting for the measured fenqi (repeatable),
                       e.g. --set FENQI_SESSION_CACHE_SECONDS=0
  --help, -h           this text

Build first: cargo build --release -p fenqi";

/// How long the server's PostgreSQL backends may keep their statistics before reporting
/// them: PostgreSQL 15 flushes a busy backend's counters at most once a second and an idle
/// one's after 10 s, so the counters are read only after that much quiet.
const STATS_SETTLE: Duration = Duration::from_secs(11);

/// The read each customer does for themself: the profile with every nested part a
/// customer screen shows.
const PROFILE_QUERY: &str = "{ myCustomerProfile { id fullName mobile preferences { frequency preferredTermMonths paymentDay channels } financialStatus { assets liabilities monthlyExpenses monthlyDebtPayments } consents { purpose } } }";

/// The calculator query of the README, as an anonymous visitor sends it.
const CALCULATOR_QUERY: &str = "{ loanCalculator(input: { principal: \"10000.00\", annualRate: \"0.12\", periods: 12, frequency: MONTHLY, method: EQUAL_INSTALLMENT, startDate: \"2026-01-15\", paymentDay: 10 }) { apr aprPercent effectiveAnnualRate totalInterest entries { period dueDate payment principal interest } } }";

const REGISTER: &str = "mutation($i: RegisterInput!) { register(input: $i) { token } }";
const CREATE_CUSTOMER: &str =
    "mutation($i: CustomerProfileInput!) { createCustomer(input: $i) { id } }";
const CONSENT_TEXTS: &str = "{ consentTexts { purpose language textHash } }";
const GIVE_CONSENT: &str = "mutation($id: ID!, $p: ConsentPurpose!, $h: String!) { giveConsent(customerId: $id, purpose: $p, textHash: $h) { id } }";
const SET_PREFERENCES: &str = "mutation($id: ID!) { setPreferences(customerId: $id, input: { frequency: MONTHLY, preferredTermMonths: 12, paymentDay: 10, maxMonthlyBudget: \"3000\", channels: [SMS, APP] }) { frequency } }";
const SET_FINANCIAL_STATUS: &str = "mutation($id: ID!) { setFinancialStatus(customerId: $id, input: { assets: \"300000\", liabilities: \"50000.00\", monthlyExpenses: \"4000\", monthlyDebtPayments: \"2000\" }) { assets } }";
const PURPOSES: [&str; 2] = ["SENSITIVE_PERSONAL_INFORMATION", "CREDIT_INQUIRY"];
const CUSTOMER_PASSWORD: &str = "bench password 1";

/// Registrations are Argon2id hashes (19 MiB, 2 passes): a few at once keep both cores of
/// a small machine busy without queueing requests for long.
const SEED_CONCURRENCY: usize = 4;

/// A failure with what the bench was doing when it happened.
#[derive(Debug)]
struct BenchError(String);

impl Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

type Result<T> = std::result::Result<T, BenchError>;

/// `.context("doing X")` on any result whose error can be shown: the message becomes
/// `doing X: <cause>`.
trait Context<T> {
    fn context(self, what: impl Display) -> Result<T>;
}

impl<T, E: Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Display) -> Result<T> {
        self.map_err(|e| BenchError(format!("{what}: {e}")))
    }
}

fn fail<T>(message: impl Display) -> Result<T> {
    Err(BenchError(message.to_string()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    All,
    Reads,
    Calculator,
    Idle,
    Callbacks,
    Cob,
    Campaign,
}

struct Options {
    mode: Mode,
    customers: usize,
    connections: u32,
    duration: u32,
    idle_seconds: u64,
    database_url: String,
    queue_url: String,
    fenqi: PathBuf,
    wrk: String,
    plans: usize,
    events: usize,
    duplicates: usize,
    in_flight: usize,
    /// `cob`: installments due today in the throughput run.
    due: usize,
    /// `cob`: `fenqi work` processes in the throughput run.
    workers: usize,
    /// `cob`: installments due in each scaling run.
    cob_due: usize,
    /// `cob`: plans held in the first scaling run.
    cob_small_plans: usize,
    /// `cob`: plans held in the second scaling run.
    cob_large_plans: usize,
    /// `campaign`: customers in the campaign's segment.
    members: usize,
    pgbench: String,
    /// Extra `FENQI_*` settings for the measured processes (`--set`), for A/B runs.
    settings: Vec<(String, String)>,
}

/// Reads the command line; `Ok(None)` means the usage was asked for.
fn parse_options(args: &[String]) -> Result<Option<Options>> {
    let mut options = Options {
        mode: Mode::All,
        customers: 1000,
        connections: 8,
        duration: 20,
        idle_seconds: 5,
        database_url: "postgres://postgres@127.0.0.1:5432/postgres".into(),
        queue_url: "redis://127.0.0.1:6379".into(),
        fenqi: PathBuf::new(),
        wrk: "wrk".into(),
        plans: 1000,
        events: 16_000,
        duplicates: 4000,
        in_flight: 32,
        due: 100_000,
        workers: 1,
        cob_due: 10_000,
        cob_small_plans: 20_000,
        cob_large_plans: 200_000,
        members: 100_000,
        pgbench: "pgbench".into(),
        settings: Vec::new(),
    };
    let mut fenqi = None;
    let mut mode_seen = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> Result<String> {
            match inline.clone().or_else(|| args.next().cloned()) {
                Some(v) => Ok(v),
                None => fail(format!("{flag} needs a value")),
            }
        };
        match flag {
            "--help" | "-h" | "help" => return Ok(None),
            "--customers" => options.customers = number(flag, &value()?, 1, 1_000_000)?,
            "--connections" => options.connections = number(flag, &value()?, 1, 10_000)?,
            "--duration" => options.duration = number(flag, &value()?, 1, 3600)?,
            "--idle-seconds" => options.idle_seconds = number(flag, &value()?, 0, 600)?,
            "--database-url" => options.database_url = value()?,
            "--queue-url" => options.queue_url = value()?,
            "--fenqi" => fenqi = Some(PathBuf::from(value()?)),
            "--wrk" => options.wrk = value()?,
            "--plans" => options.plans = number(flag, &value()?, 1, 999_999)?,
            "--events" => options.events = number(flag, &value()?, 1, 10_000_000)?,
            "--duplicates" => options.duplicates = number(flag, &value()?, 0, 10_000_000)?,
            "--in-flight" => options.in_flight = number(flag, &value()?, 1, 1000)?,
            "--due" => options.due = number(flag, &value()?, 1, 10_000_000)?,
            "--workers" => options.workers = number(flag, &value()?, 1, 8)?,
            "--cob-due" => options.cob_due = number(flag, &value()?, 1, 10_000_000)?,
            "--cob-small-plans" => {
                options.cob_small_plans = number(flag, &value()?, 1, 10_000_000)?;
            }
            "--cob-large-plans" => {
                options.cob_large_plans = number(flag, &value()?, 1, 10_000_000)?;
            }
            "--members" => options.members = number(flag, &value()?, 1, 10_000_000)?,
            "--pgbench" => options.pgbench = value()?,
            "--set" => {
                let setting = value()?;
                match setting.split_once('=') {
                    Some((name, v)) if name.starts_with("FENQI_") => {
                        options.settings.push((name.to_owned(), v.to_owned()));
                    }
                    _ => return fail(format!("--set takes FENQI_NAME=value, not '{setting}'")),
                }
            }
            word if !word.starts_with('-') && !mode_seen => {
                mode_seen = true;
                options.mode = match word {
                    "all" => Mode::All,
                    "reads" => Mode::Reads,
                    "calculator" => Mode::Calculator,
                    "idle" => Mode::Idle,
                    "callbacks" => Mode::Callbacks,
                    "cob" => Mode::Cob,
                    "campaign" => Mode::Campaign,
                    other => {
                        return fail(format!(
                            "unknown mode '{other}'; the modes are all, reads, calculator, idle, callbacks, cob, campaign"
                        ));
                    }
                }
            }
            other => return fail(format!("unknown argument '{other}'; see --help")),
        }
    }
    if !options.database_url.starts_with("postgres") {
        return fail("--database-url must be a postgres:// URL");
    }
    if !options.queue_url.starts_with("redis") {
        return fail("--queue-url must be a redis:// URL");
    }
    if options.cob_due > options.cob_small_plans.min(options.cob_large_plans) {
        return fail("--cob-due must not be more than --cob-small-plans and --cob-large-plans");
    }
    options.fenqi = match fenqi {
        Some(path) => path,
        None => std::env::current_exe()
            .context("finding this binary's folder")?
            .with_file_name("fenqi"),
    };
    if !options.fenqi.is_file() {
        return fail(format!(
            "no fenqi binary at {}; build it with `cargo build --release -p fenqi` or pass --fenqi",
            options.fenqi.display()
        ));
    }
    Ok(Some(options))
}

fn number<T: std::str::FromStr + PartialOrd + Display + Copy>(
    flag: &str,
    text: &str,
    min: T,
    max: T,
) -> Result<T> {
    match text.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => fail(format!(
            "{flag} must be a whole number from {min} to {max}, got '{text}'"
        )),
    }
}

/// A random 64-bit value from the standard library's per-process random hash keys, enough
/// to give this run's database, namespace and folder names no other run has.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
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

/// What every `fenqi` process of this run shares: the database, the queue and the keys.
#[derive(Clone)]
struct Env {
    fenqi: PathBuf,
    dir: PathBuf,
    vars: Vec<(String, String)>,
}

impl Env {
    /// A `fenqi` command with exactly this run's settings: the caller's own `FENQI_*`
    /// variables are removed, and it runs in the bench's folder so no `.env` is read.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.fenqi);
        cmd.args(args).current_dir(&self.dir);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("FENQI_") {
                cmd.env_remove(name);
            }
        }
        cmd.envs(self.vars.iter().map(|(k, v)| (k, v)));
        cmd
    }
}

/// A process the bench started. Dropping it kills the process by its PID and reaps it,
/// so nothing the bench started outlives it, whatever ended the step (an error, a
/// timeout, Ctrl-C dropping the future that waited).
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Waits for a child for at most `limit`, killing it (by its PID) if it takes longer.
async fn wait_bounded(child: &mut Owned, limit: Duration, what: &str) -> Result<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.0.try_wait().context(format!("waiting for {what}"))? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.0.kill();
            let _ = child.0.wait();
            return fail(format!(
                "{what} did not finish within {} s",
                limit.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs a short `fenqi` command to its end and returns its stdout; its stderr is in the
/// error when it fails.
async fn fenqi_once(env: &Env, args: &[&str]) -> Result<String> {
    let what = format!("fenqi {}", args.join(" "));
    let out = env.dir.join("once.out");
    let err = env.dir.join("once.err");
    let mut child = Owned(
        env.command(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).context("creating a log file")?)
            .stderr(std::fs::File::create(&err).context("creating a log file")?)
            .spawn()
            .context(format!("starting {what}"))?,
    );
    let status = wait_bounded(&mut child, Duration::from_secs(120), &what).await?;
    let stdout = std::fs::read_to_string(&out).context("reading the command's output")?;
    if !status.success() {
        let stderr = std::fs::read_to_string(&err).unwrap_or_default();
        return fail(format!("{what} failed ({status}): {}", stderr.trim()));
    }
    Ok(stdout)
}

/// A running `fenqi run` or `fenqi serve`; dropping it kills the process.
struct Server {
    child: Owned,
    base: String,
    stderr: PathBuf,
}

impl Server {
    /// Starts `fenqi <command>` on a free loopback port and waits until `/health` answers.
    async fn start(env: &Env, command: &str, client: &reqwest::Client) -> Result<Server> {
        Server::start_as(env, command, command, client).await
    }

    /// [`Server::start`] with its logs named after `label`, so that several processes of
    /// the same command (the `fenqi work` processes of `cob`) keep their own.
    async fn start_as(
        env: &Env,
        command: &str,
        label: &str,
        client: &reqwest::Client,
    ) -> Result<Server> {
        let out = env.dir.join(format!("{label}.out"));
        let err = env.dir.join(format!("{label}.err"));
        let child = env
            .command(&[command])
            // Port 0: the system picks a free port, and the banner names it, so there is
            // no window in which another process could take it. `fenqi work` listens on
            // FENQI_WORKER_BIND (its ops endpoints), the others on FENQI_BIND.
            .env("FENQI_BIND", "127.0.0.1:0")
            .env("FENQI_WORKER_BIND", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).context("creating a log file")?)
            .stderr(std::fs::File::create(&err).context("creating a log file")?)
            .spawn()
            .context(format!("starting fenqi {command}"))?;
        let mut server = Server {
            child: Owned(child),
            base: String::new(),
            stderr: err,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let banner = std::fs::read_to_string(&out).unwrap_or_default();
            if let Some(base) = banner
                .lines()
                .find_map(|l| l.split_whitespace().find(|w| w.ends_with("/health")))
            {
                server.base = base.trim_end_matches("/health").to_owned();
                break;
            }
            if let Some(status) = server.child.0.try_wait().context("watching fenqi")? {
                return fail(format!(
                    "fenqi {command} stopped at start ({status}): {}",
                    server.log_tail()
                ));
            }
            if Instant::now() >= deadline {
                return fail(format!(
                    "fenqi {command} printed no address within 60 s: {}",
                    server.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for _ in 0..100 {
            let ok = client
                .get(format!("{}/health", server.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        fail(format!(
            "fenqi {command} at {} did not answer /health within 10 s",
            server.base
        ))
    }

    fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// The end of the server's stderr, for error messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let start = text.len().saturating_sub(2000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].trim().to_owned()
    }

    /// Resident memory now and at its peak, from /proc.
    fn memory(&self) -> Result<Memory> {
        Memory::of(self.pid())
    }
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
#[derive(Clone, Copy)]
struct Memory {
    rss_kib: u64,
    peak_kib: u64,
}

impl Memory {
    fn of(pid: u32) -> Result<Memory> {
        let path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&path).context(format!("reading {path}"))?;
        let field = |name: &str| -> Result<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .ok_or_else(|| BenchError(format!("no {name} in {path}")))
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            peak_kib: field("VmHWM:")?,
        })
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Posts a GraphQL request; an answer with `errors` or without `data` is an error that
/// quotes it.
async fn gql(
    client: &reqwest::Client,
    base: &str,
    query: &str,
    variables: Value,
    token: Option<&str>,
) -> Result<Value> {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.context("sending a GraphQL request")?;
    let status = response.status();
    let text = response.text().await.context("reading a GraphQL answer")?;
    let answer: Value = serde_json::from_str(&text)
        .context(format!("answer ({status}) is not JSON: {}", short(&text)))?;
    if !answer["errors"].is_null() || answer["data"].is_null() {
        return fail(format!("the API answered {status}: {}", short(&text)));
    }
    Ok(answer)
}

fn short(text: &str) -> String {
    text.chars().take(600).collect()
}

/// The figures of one wrk run.
struct Load {
    requests: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Non-2xx answers and socket errors, as wrk counts them.
    errors: u64,
    raw: String,
}

/// Turns wrk's `1.23ms`, `850.00us`, `1.02s`, `1.5m` into milliseconds.
fn wrk_time_ms(text: &str) -> Option<f64> {
    let units = [
        ("us", 0.001),
        ("ms", 1.0),
        ("s", 1000.0),
        ("m", 60_000.0),
        ("h", 3_600_000.0),
    ];
    units.iter().find_map(|(unit, factor)| {
        text.strip_suffix(unit)
            .and_then(|n| n.parse::<f64>().ok())
            .map(|n| n * factor)
    })
}

/// Reads `Requests/sec`, the 50 % and 99 % lines of `--latency`, the request count and the
/// error lines out of wrk's report.
fn parse_wrk(raw: &str) -> Result<Load> {
    let mut load = Load {
        requests: 0,
        per_second: f64::NAN,
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
        errors: 0,
        raw: raw.to_owned(),
    };
    for line in raw.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", n, ..] => load.per_second = n.parse().unwrap_or(f64::NAN),
            ["50%", t, ..] => load.p50_ms = wrk_time_ms(t).unwrap_or(f64::NAN),
            ["99%", t, ..] => load.p99_ms = wrk_time_ms(t).unwrap_or(f64::NAN),
            [n, "requests", "in", ..] => load.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => load.errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                load.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    if load.per_second.is_nan() || load.p50_ms.is_nan() || load.p99_ms.is_nan() {
        return fail(format!("could not read wrk's report:\n{raw}"));
    }
    Ok(load)
}

/// A Lua string literal: wrk runs the script in LuaJIT.
fn lua_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A wrk script that posts `body` to /graphql, each request with a token picked at random
/// (each wrk thread seeds its own generator), or anonymously when there are none.
fn wrk_script(body: &str, tokens: &[String]) -> String {
    let mut lua = String::from("-- Generated by fenqi-bench.\nlocal tokens = {\n");
    for token in tokens {
        let _ = writeln!(lua, "  {},", lua_string(token));
    }
    let _ = write!(
        lua,
        r#"}}
local body = {body}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0))
end
function request()
  local headers = {{ ["Content-Type"] = "application/json" }}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  end
  return wrk.format("POST", "/graphql", headers, body)
end
"#,
        body = lua_string(body)
    );
    lua
}

/// Runs wrk against the server with the generated script; wrk is killed (by its PID) if it
/// overruns the load by a minute.
async fn run_wrk(
    options: &Options,
    dir: &Path,
    name: &str,
    base: &str,
    body: &str,
    tokens: &[String],
) -> Result<Load> {
    let script = dir.join(format!("{name}.lua"));
    std::fs::write(&script, wrk_script(body, tokens)).context("writing the wrk script")?;
    let out = dir.join(format!("{name}.wrk"));
    let threads = options.connections.min(2);
    let args = [
        format!("-t{threads}"),
        format!("-c{}", options.connections),
        format!("-d{}s", options.duration),
        "--latency".into(),
        "-s".into(),
        script.display().to_string(),
        format!("{base}/graphql"),
    ];
    eprintln!("  wrk {}", args.join(" "));
    let mut child = Owned(
        Command::new(&options.wrk)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).context("creating wrk's output file")?)
            .stderr(Stdio::inherit())
            .spawn()
            .context(format!("starting {} (is wrk installed?)", options.wrk))?,
    );
    let limit = Duration::from_secs(u64::from(options.duration) + 60);
    let status = wait_bounded(&mut child, limit, "wrk").await?;
    let raw = std::fs::read_to_string(&out).context("reading wrk's report")?;
    if !status.success() {
        return fail(format!("wrk failed ({status}):\n{raw}"));
    }
    parse_wrk(&raw)
}

/// PostgreSQL's own counters for the bench database (`pg_stat_database`): with no
/// `pg_stat_statements` on the server, transactions and rows are what tell how much work
/// the database did per request.
#[derive(Clone, Copy, Default)]
struct DbCounters {
    transactions: i64,
    rows_returned: i64,
    rows_fetched: i64,
    rows_written: i64,
}

impl DbCounters {
    async fn read(admin: &DatabaseConnection, database: &str) -> Result<DbCounters> {
        let row = admin
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT (xact_commit + xact_rollback)::bigint AS transactions, \
                 tup_returned::bigint AS returned, tup_fetched::bigint AS fetched, \
                 (tup_inserted + tup_updated + tup_deleted)::bigint AS written \
                 FROM pg_stat_database WHERE datname = $1",
                [database.into()],
            ))
            .await
            .context("reading pg_stat_database")?
            .ok_or_else(|| BenchError(format!("no pg_stat_database row for {database}")))?;
        let get = |column: &str| row.try_get::<i64>("", column).context("reading a counter");
        Ok(DbCounters {
            transactions: get("transactions")?,
            rows_returned: get("returned")?,
            rows_fetched: get("fetched")?,
            rows_written: get("written")?,
        })
    }
}

/// Database work per request of one load.
struct PerRequest {
    transactions: f64,
    rows_returned: f64,
    rows_fetched: f64,
    rows_written: f64,
    fenqi_cpu_ms: f64,
    postgres_cpu_ms: Option<f64>,
    /// How busy all the machine's cores were during the load, in percent.
    machine_busy_percent: f64,
}

/// Loads the server with `body` and reads the database counters around the load, each
/// after [`STATS_SETTLE`] of quiet so that earlier work is not counted in.
async fn measured_load(
    ctx: &Ctx,
    server: &Server,
    name: &str,
    body: &str,
    tokens: &[String],
) -> Result<(Load, PerRequest)> {
    eprintln!(
        "  waiting {} s for the database statistics to settle",
        STATS_SETTLE.as_secs()
    );
    tokio::time::sleep(STATS_SETTLE).await;
    let before = DbCounters::read(&ctx.admin, &ctx.database).await?;
    let cpu_before = Cpu::read(ctx, server).await?;
    let load = run_wrk(&ctx.options, &ctx.env.dir, name, &server.base, body, tokens).await?;
    let cpu_after = Cpu::read(ctx, server).await?;
    eprintln!(
        "  waiting {} s for the database statistics to settle",
        STATS_SETTLE.as_secs()
    );
    tokio::time::sleep(STATS_SETTLE).await;
    let after = DbCounters::read(&ctx.admin, &ctx.database).await?;
    let n = load.requests.max(1) as f64;
    let per = PerRequest {
        transactions: (after.transactions - before.transactions) as f64 / n,
        rows_returned: (after.rows_returned - before.rows_returned) as f64 / n,
        rows_fetched: (after.rows_fetched - before.rows_fetched) as f64 / n,
        rows_written: (after.rows_written - before.rows_written) as f64 / n,
        fenqi_cpu_ms: cpu_after.fenqi.saturating_sub(cpu_before.fenqi) as f64 * MS_PER_TICK / n,
        postgres_cpu_ms: cpu_after
            .postgres_since(&cpu_before)
            .map(|ticks| ticks as f64 * MS_PER_TICK / n),
        machine_busy_percent: {
            let busy = cpu_after
                .machine_busy
                .saturating_sub(cpu_before.machine_busy);
            let total = cpu_after
                .machine_total
                .saturating_sub(cpu_before.machine_total);
            100.0 * busy as f64 / total.max(1) as f64
        },
    };
    Ok((load, per))
}

/// Linux reports CPU time in /proc in clock ticks of 1/100 s (`USER_HZ`, 100 on every
/// common architecture).
const MS_PER_TICK: f64 = 10.0;

/// CPU time used so far, in clock ticks: by the `fenqi` process, by each PostgreSQL
/// backend connected to the bench database, and by the whole machine. CPU time per
/// request is the figure to compare on a shared machine: other work there stretches the
/// latency and lowers the requests per second, but changes the CPU a request costs far
/// less.
struct Cpu {
    fenqi: u64,
    /// Backend PID and its ticks; empty when PostgreSQL runs on another machine.
    postgres: Vec<(i32, u64)>,
    machine_busy: u64,
    machine_total: u64,
}

impl Cpu {
    async fn read(ctx: &Ctx, server: &Server) -> Result<Cpu> {
        Cpu::read_all(ctx, &ctx.database, &[server]).await
    }

    /// The CPU of several `fenqi` processes (summed) and of `database`'s backends.
    async fn read_all(ctx: &Ctx, database: &str, servers: &[&Server]) -> Result<Cpu> {
        let mut fenqi = 0;
        for server in servers {
            fenqi += process_ticks(server.pid() as i32)
                .ok_or_else(|| BenchError(format!("no CPU time in /proc/{}/stat", server.pid())))?;
        }
        let rows = ctx
            .admin
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pid FROM pg_stat_activity WHERE datname = $1",
                [database.into()],
            ))
            .await
            .context("listing the bench database's backends")?;
        let postgres = rows
            .iter()
            .filter_map(|row| row.try_get::<i32>("", "pid").ok())
            .filter_map(|pid| process_ticks(pid).map(|ticks| (pid, ticks)))
            .collect();
        let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
        let times: Vec<u64> = stat
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("cpu "))
            .map(|l| {
                l.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
        let total: u64 = times.iter().take(8).sum();
        let idle = times.get(3).copied().unwrap_or(0) + times.get(4).copied().unwrap_or(0);
        Ok(Cpu {
            fenqi,
            postgres,
            machine_busy: total.saturating_sub(idle),
            machine_total: total,
        })
    }

    /// Ticks the backends used since `before`; a backend that connected in between
    /// counts from zero. `None` when no backend could be read.
    fn postgres_since(&self, before: &Cpu) -> Option<u64> {
        if self.postgres.is_empty() {
            return None;
        }
        Some(
            self.postgres
                .iter()
                .map(|(pid, ticks)| {
                    let start = before
                        .postgres
                        .iter()
                        .find(|(p, _)| p == pid)
                        .map_or(0, |(_, t)| *t);
                    ticks.saturating_sub(start)
                })
                .sum(),
        )
    }
}

/// `utime + stime` of a process from /proc/PID/stat (fields 14 and 15; the name in
/// parentheses before them may hold spaces, so fields are counted after it).
fn process_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The table printed at the end, in Markdown so it can go into docs/performance.md.
#[derive(Default)]
struct Report {
    rows: Vec<(String, String, String)>,
    raw: Vec<(String, String)>,
}

impl Report {
    fn row(&mut self, mode: &str, figure: &str, value: String) {
        self.rows.push((mode.into(), figure.into(), value));
    }

    fn load(&mut self, mode: &str, load: &Load, per: &PerRequest) {
        self.row(mode, "requests/s", format!("{:.0}", load.per_second));
        self.row(mode, "p50 latency", format!("{:.2} ms", load.p50_ms));
        self.row(mode, "p99 latency", format!("{:.2} ms", load.p99_ms));
        self.row(
            mode,
            "requests (errors)",
            format!("{} ({})", load.requests, load.errors),
        );
        self.row(
            mode,
            "CPU per request: fenqi / PostgreSQL",
            format!(
                "{:.3} ms / {}",
                per.fenqi_cpu_ms,
                per.postgres_cpu_ms
                    .map_or("n/a".into(), |ms| format!("{ms:.3} ms"))
            ),
        );
        self.row(
            mode,
            "machine CPU busy during the load",
            format!("{:.0} %", per.machine_busy_percent),
        );
        self.row(
            mode,
            "DB transactions / request",
            format!("{:.2}", per.transactions),
        );
        self.row(
            mode,
            "DB rows returned / fetched / written per request",
            format!(
                "{:.1} / {:.1} / {:.2}",
                per.rows_returned, per.rows_fetched, per.rows_written
            ),
        );
        self.raw.push((format!("wrk, {mode}"), load.raw.clone()));
    }
}

/// What the modes share.
struct Ctx {
    options: Options,
    env: Env,
    admin: DatabaseConnection,
    database: String,
    client: reqwest::Client,
}

async fn idle(ctx: &Ctx, report: &mut Report) -> Result<()> {
    for command in ["run", "serve"] {
        eprintln!("idle: fenqi {command}");
        let server = Server::start(&ctx.env, command, &ctx.client).await?;
        tokio::time::sleep(Duration::from_secs(ctx.options.idle_seconds)).await;
        let memory = server.memory()?;
        report.row(
            "idle",
            &format!("fenqi {command} RSS (peak)"),
            format!("{} ({})", mib(memory.rss_kib), mib(memory.peak_kib)),
        );
    }
    Ok(())
}

async fn calculator(ctx: &Ctx, report: &mut Report) -> Result<()> {
    eprintln!("calculator: fenqi serve");
    let server = Server::start(&ctx.env, "serve", &ctx.client).await?;
    // One request first: the query must answer without errors, or the load would measure
    // error answers.
    gql(&ctx.client, &server.base, CALCULATOR_QUERY, json!({}), None)
        .await
        .context("checking the calculator query")?;
    let body = json!({ "query": CALCULATOR_QUERY }).to_string();
    let (load, per) = measured_load(ctx, &server, "calculator", &body, &[]).await?;
    report.load("calculator", &load, &per);
    let memory = server.memory()?;
    report.row(
        "calculator",
        "RSS after the load (peak)",
        format!("{} ({})", mib(memory.rss_kib), mib(memory.peak_kib)),
    );
    Ok(())
}

/// Makes one customer the way the app does: register, a profile, both consents,
/// preferences, financial status. Returns the customer's token.
async fn seed_customer(
    client: &reqwest::Client,
    base: &str,
    index: usize,
    hashes: &[String; 2],
) -> Result<String> {
    let mobile = format!("139{index:08}");
    let registered = gql(
        client,
        base,
        REGISTER,
        json!({ "i": { "displayName": format!("Bench {index}"), "mobile": mobile, "password": CUSTOMER_PASSWORD } }),
        None,
    )
    .await
    .context(format!("registering {mobile}"))?;
    let token = registered["data"]["register"]["token"]
        .as_str()
        .ok_or_else(|| BenchError(format!("register gave no token: {registered}")))?
        .to_owned();
    let created = gql(
        client,
        base,
        CREATE_CUSTOMER,
        json!({ "i": { "fullName": format!("测试客户{index}") } }),
        Some(&token),
    )
    .await
    .context(format!("creating the profile of {mobile}"))?;
    let id = created["data"]["createCustomer"]["id"]
        .as_str()
        .ok_or_else(|| BenchError(format!("createCustomer gave no id: {created}")))?
        .to_owned();
    for (purpose, hash) in PURPOSES.iter().zip(hashes) {
        gql(
            client,
            base,
            GIVE_CONSENT,
            json!({ "id": id, "p": purpose, "h": hash }),
            Some(&token),
        )
        .await
        .context(format!("consent {purpose} of {mobile}"))?;
    }
    gql(
        client,
        base,
        SET_PREFERENCES,
        json!({ "id": id }),
        Some(&token),
    )
    .await
    .context(format!("preferences of {mobile}"))?;
    gql(
        client,
        base,
        SET_FINANCIAL_STATUS,
        json!({ "id": id }),
        Some(&token),
    )
    .await
    .context(format!("financial status of {mobile}"))?;
    Ok(token)
}

/// Seeds `count` customers with a few requests in flight; the first failure stops all.
async fn seed(ctx: &Ctx, base: &str, count: usize) -> Result<Vec<String>> {
    let texts = gql(&ctx.client, base, CONSENT_TEXTS, json!({}), None)
        .await
        .context("fetching the consent texts")?;
    let hash = |purpose: &str| -> Result<String> {
        texts["data"]["consentTexts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["purpose"] == purpose)
            .and_then(|t| t["textHash"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| BenchError(format!("no consent text for {purpose}: {texts}")))
    };
    let hashes = Arc::new([hash(PURPOSES[0])?, hash(PURPOSES[1])?]);
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..SEED_CONCURRENCY.min(count) {
        let (client, base) = (ctx.client.clone(), base.to_owned());
        let (next, stop, hashes) = (next.clone(), stop.clone(), hashes.clone());
        tasks.push(tokio::spawn(async move {
            let mut tokens = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                match seed_customer(&client, &base, index, &hashes).await {
                    Ok(token) => tokens.push(token),
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
                if (index + 1) % 100 == 0 {
                    eprintln!(
                        "  seeded {}/{count} ({:.0} s)",
                        index + 1,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            Ok(tokens)
        }));
    }
    let mut tokens = Vec::with_capacity(count);
    let mut first_error = None;
    for task in tasks {
        match task.await.context("a seeding task")? {
            Ok(mut t) => tokens.append(&mut t),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    eprintln!(
        "  seeded {} customers in {:.0} s",
        tokens.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(tokens)
}

/// Checks that `token`'s read answers the whole profile, so the load measures real
/// answers, not errors or empty ones.
async fn check_profile(ctx: &Ctx, base: &str, token: &str) -> Result<()> {
    let answer = gql(&ctx.client, base, PROFILE_QUERY, json!({}), Some(token))
        .await
        .context("checking the customer read")?;
    let profile = &answer["data"]["myCustomerProfile"];
    let complete = !profile["preferences"].is_null()
        && !profile["financialStatus"].is_null()
        && profile["consents"].as_array().is_some_and(|c| c.len() == 2);
    if !complete {
        return fail(format!("the customer read is incomplete: {answer}"));
    }
    Ok(())
}

async fn reads(ctx: &Ctx, report: &mut Report) -> Result<()> {
    eprintln!("reads: fenqi serve");
    let server = Server::start(&ctx.env, "serve", &ctx.client).await?;
    let count = ctx.options.customers;
    eprintln!("  seeding {count} customers through the API");
    let limit = Duration::from_secs(120 + 2 * count as u64);
    let tokens = tokio::time::timeout(limit, seed(ctx, &server.base, count))
        .await
        .map_err(|_| BenchError(format!("seeding took over {} s", limit.as_secs())))??;
    let seeded = server.memory()?;
    report.row("reads", "customers", count.to_string());
    report.row(
        "reads",
        "RSS after the registrations (peak)",
        format!("{} ({})", mib(seeded.rss_kib), mib(seeded.peak_kib)),
    );
    // A sample of 20 customers' reads is checked before the load.
    let step = (tokens.len() / 20).max(1);
    for token in tokens.iter().step_by(step) {
        check_profile(ctx, &server.base, token).await?;
    }
    let body = json!({ "query": PROFILE_QUERY }).to_string();
    let (load, per) = measured_load(ctx, &server, "reads", &body, &tokens).await?;
    report.load("reads", &load, &per);
    let loaded = server.memory()?;
    report.row(
        "reads",
        "RSS after the load (peak)",
        format!("{} ({})", mib(loaded.rss_kib), mib(loaded.peak_kib)),
    );
    Ok(())
}

/// Brings the schema up to date and runs the modes asked for, filling the report; the
/// caller cleans up whatever happened.
async fn run_modes(ctx: &Ctx, report: &mut Report) -> Result<()> {
    eprintln!("migrating {}", ctx.database);
    fenqi_once(&ctx.env, &["migrate"]).await?;
    let mode = ctx.options.mode;
    if matches!(mode, Mode::All | Mode::Idle) {
        idle(ctx, report).await?;
    }
    if matches!(mode, Mode::All | Mode::Calculator) {
        calculator(ctx, report).await?;
    }
    if matches!(mode, Mode::All | Mode::Reads) {
        reads(ctx, report).await?;
    }
    if mode == Mode::Callbacks {
        callbacks::callbacks(ctx, report).await?;
    }
    if mode == Mode::Cob {
        cob::cob(ctx, report).await?;
    }
    if mode == Mode::Campaign {
        campaign::campaign(ctx, report).await?;
    }
    Ok(())
}

/// apalis-redis' list of every queue's workers, shared by all namespaces.
const QUEUE_LIST: &str = "core:apalis:queues:list";

/// Deletes the Redis keys of this run's queue namespace (apalis keeps worker and job
/// lists there) and its entries in apalis' shared list of queues, so a shared Redis is
/// left as it was found. Returns how many keys and entries went.
async fn clean_queue(url: &str, namespace: &str) -> Result<u64> {
    let client = redis::Client::open(url).context("opening the Redis URL")?;
    let mut conn = tokio::time::timeout(
        Duration::from_secs(5),
        client.get_multiplexed_async_connection(),
    )
    .await
    .context("connecting to Redis")?
    .context("connecting to Redis")?;
    let mut deleted = 0;
    let mut cursor: u64 = 0;
    // SCAN visits every key once per full pass; 10,000 rounds is far beyond any namespace
    // the bench makes.
    for _ in 0..10_000 {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{namespace}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .context("listing the namespace's keys")?;
        if !keys.is_empty() {
            let n: u64 = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .context("deleting the namespace's keys")?;
            deleted += n;
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for _ in 0..10_000 {
        let (next, entries): (u64, Vec<String>) = redis::cmd("ZSCAN")
            .arg(QUEUE_LIST)
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{namespace}:*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .context("listing the namespace's queues")?;
        // ZSCAN answers member, score, member, score…
        let members: Vec<&String> = entries.iter().step_by(2).collect();
        if !members.is_empty() {
            let n: u64 = redis::cmd("ZREM")
                .arg(QUEUE_LIST)
                .arg(&members)
                .query_async(&mut conn)
                .await
                .context("removing the namespace's queues")?;
            deleted += n;
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    Ok(deleted)
}

/// Makes this run's folder, keys and database; a failure removes the folder again.
async fn prepare(options: Options) -> Result<Ctx> {
    let unique = format!("{:016x}", random_u64());
    let namespace = format!("fenqi-bench-{unique}");
    let dir = std::env::temp_dir().join(&namespace);
    std::fs::create_dir_all(&dir).context(format!("creating {}", dir.display()))?;
    let env = Env {
        fenqi: options.fenqi.clone(),
        dir: dir.clone(),
        vars: Vec::new(),
    };
    let prepared = prepare_in(options, env, &unique, namespace).await;
    if prepared.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    prepared
}

async fn prepare_in(
    options: Options,
    mut env: Env,
    unique: &str,
    namespace: String,
) -> Result<Ctx> {
    let database = format!("fenqi_bench_{unique}");
    let keys = fenqi_once(&env, &["gen-keys"]).await?;
    for line in keys.lines() {
        if let Some((name, value)) = line.split_once('=') {
            env.vars.push((name.to_owned(), value.to_owned()));
        }
    }
    if env.vars.len() != 2 {
        return fail(format!(
            "fenqi gen-keys printed something unexpected: {keys}"
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("making the HTTP client")?;
    let admin = tokio::time::timeout(
        Duration::from_secs(10),
        Database::connect(&options.database_url),
    )
    .await
    .map_err(|_| {
        BenchError(
            "connecting to --database-url: no connection within 10 s (is PostgreSQL running there?)"
                .into(),
        )
    })?
    .context("connecting to --database-url")?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await
        .context(format!("creating the database {database}"))?;
    env.vars.extend(
        [
            (
                "FENQI_DATABASE_URL",
                with_database(&options.database_url, &database),
            ),
            ("FENQI_QUEUE_URL", options.queue_url.clone()),
            ("FENQI_QUEUE_NAMESPACE", namespace),
            // The load comes from one address: rate limits would measure refusals.
            ("FENQI_AUTH_ATTEMPTS_PER_MINUTE", "0".into()),
            ("FENQI_PUBLIC_REQUESTS_PER_MINUTE", "0".into()),
            ("FENQI_LOG", "warn".into()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    env.vars.extend(options.settings.iter().cloned());
    Ok(Ctx {
        options,
        env,
        admin,
        database,
        client,
    })
}

/// Drops the database (closing the server's last connections), clears the queue
/// namespace and removes the folder; every step is tried, and what failed is reported.
async fn clean_up(ctx: Ctx) -> Vec<String> {
    let mut problems = Vec::new();
    // Then pgbench's scratch database of `callbacks` and `cob`, and the databases of
    // `cob`'s scaling runs, if they were made.
    let mut databases = vec![
        ctx.database.clone(),
        callbacks::pgbench_database(&ctx.database),
    ];
    databases.extend(cob::scratch_databases(&ctx.database));
    for database in databases {
        let drop = format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        match ctx.admin.execute_unprepared(&drop).await {
            Ok(_) => eprintln!("cleaned up: database {database} dropped"),
            Err(e) => problems.push(format!("dropping the database {database}: {e}")),
        }
    }
    let _ = ctx.admin.close().await;
    let namespace = ctx
        .env
        .vars
        .iter()
        .find(|(k, _)| k == "FENQI_QUEUE_NAMESPACE")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !namespace.is_empty() {
        match clean_queue(&ctx.options.queue_url, &namespace).await {
            Ok(n) => eprintln!("cleaned up: {n} Redis keys and queue entries of {namespace}"),
            Err(e) => problems.push(format!("clearing the Redis namespace {namespace}: {e}")),
        }
    }
    if let Err(e) = std::fs::remove_dir_all(&ctx.env.dir) {
        problems.push(format!("removing {}: {e}", ctx.env.dir.display()));
    }
    problems
}

/// The facts a figure depends on besides the code: the commit of the working directory
/// (`git describe --always --dirty`; the bench is run from the checkout it was built
/// from), the CPU model, the memory and the kernel. Whatever cannot be read is left out.
fn machine() -> String {
    let git = Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=10"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or_else(
            || "unknown memory".into(),
            |kib| format!("{:.1} GiB RAM", kib as f64 / 1024.0 / 1024.0),
        );
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!("Linux {}", k.trim()))
        .unwrap_or_default();
    format!("commit {git}; {cpu}, {memory}, {kernel}")
}

fn print_report(ctx: &Ctx, report: &Report) {
    println!();
    for (mode, raw) in &report.raw {
        println!("--- {mode} ---");
        println!("{}", raw.trim_end());
    }
    println!();
    let version = Command::new(&ctx.env.fenqi)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let o = &ctx.options;
    let load = if o.mode == Mode::Callbacks {
        format!(
            "{} events + {} duplicates, {} in flight; pgbench -T {}",
            o.events, o.duplicates, o.in_flight, o.duration
        )
    } else if o.mode == Mode::Campaign {
        format!("{} members, {} worker(s)", o.members, o.workers)
    } else if o.mode == Mode::Cob {
        format!(
            "{} due, {} worker(s); scaling {} due among {} and {} plans; pgbench -c {} -T {}",
            o.due,
            o.workers,
            o.cob_due,
            o.cob_small_plans,
            o.cob_large_plans,
            cob::PGBENCH_CLIENTS,
            o.duration
        )
    } else {
        format!(
            "wrk -t{} -c{} -d{}s",
            o.connections.min(2),
            o.connections,
            o.duration
        )
    };
    println!(
        "fenqi-bench, {} UTC, {} ({}), {} CPUs; {load}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        version,
        ctx.env.fenqi.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!("{}", machine());
    for (name, value) in &ctx.options.settings {
        println!("with {name}={value}");
    }
    println!();
    println!("| mode | figure | value |");
    println!("|---|---|---|");
    for (mode, figure, value) in &report.rows {
        println!("| {mode} | {figure} | {value} |");
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_options(&args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ctx = match prepare(options).await {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut report = Report::default();
    // Ctrl-C ends the modes (their servers are killed as they are dropped) and still
    // cleans up, so an interrupted run leaves no database behind.
    let outcome = tokio::select! {
        outcome = run_modes(&ctx, &mut report) => outcome,
        _ = tokio::signal::ctrl_c() => fail("interrupted"),
    };
    if !report.rows.is_empty() {
        print_report(&ctx, &report);
    }
    let problems = clean_up(ctx).await;
    for problem in &problems {
        eprintln!("warning: cleaning up: {problem}");
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

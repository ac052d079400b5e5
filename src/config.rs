//! Settings, read from the environment (and a `.env` file, if present) with a sane default
//! for everything, so `cargo run` needs no configuration. A wrong value stops start-up with
//! a message naming the setting.

mod notifications;
pub use notifications::NotificationSettings;

use adapters::secret::Secret;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use api::ApiLimits;
use domain::DomainSettings;
use domain::agreements::pdf::AgreementFont;
use rust_decimal::Decimal;

/// A setting that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub setting: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Every setting of the platform.
#[derive(Clone)]
pub struct Settings {
    /// `FENQI_DATABASE_URL`: `sqlite://fenqi.db?mode=rwc` (default) or `postgres://…`.
    pub database_url: String,
    /// `FENQI_DB_MAX_CONNECTIONS` (default 10).
    pub db_max_connections: u32,
    /// `FENQI_DEBIT_GROUP_SIZE` (default 50): debits on the bank's own ledger posted in
    /// one transaction at most (1 posts each in its own).
    pub debit_group_size: usize,
    /// `FENQI_QUEUE_URL`: `sqlite://fenqi-queue.db?mode=rwc` (default) or `redis://…`.
    pub queue_url: String,
    /// `FENQI_QUEUE_NAMESPACE` (default `fenqi`): prefix of queue names.
    pub queue_namespace: String,
    /// `FENQI_QUEUE_POLL_MS` (default 1000): how often idle workers look for jobs.
    pub queue_poll_interval: Duration,
    /// `FENQI_BIND` (default `127.0.0.1:8080`): the API's address.
    pub bind: String,
    /// `FENQI_WORKER_BIND` (default `127.0.0.1:8081`): the ops endpoints of `fenqi work`.
    pub worker_bind: String,
    /// `FENQI_HTTP_WORKERS` (default: one per CPU).
    pub http_workers: usize,
    /// `FENQI_LOG` (default `info`): a tracing filter.
    pub log_filter: String,
    /// `FENQI_LOG_FORMAT`: `pretty` (default) or `json`.
    pub log_format: LogFormat,
    /// `FENQI_PII_KEYS`: encryption keys, `id:base64,…`, active first.
    pub pii_keys: Option<Secret>,
    /// `FENQI_PII_INDEX_KEY`: the blind-index key (base64).
    pub pii_index_key: Option<Secret>,
    /// `FENQI_SESSION_PURGE_SCHEDULE` (default every 15 minutes): a cron expression with
    /// seconds.
    pub purge_sessions_schedule: String,
    /// `FENQI_RETENTION_PURGE_SCHEDULE` (default daily at 03:30 UTC): deleting identity
    /// records past their legal retention.
    pub purge_retained_schedule: String,
    /// `FENQI_APPLICATION_EXPIRY_SCHEDULE` (default daily at 03:15 UTC): expiring
    /// applications idle past `FENQI_APPLICATION_IDLE_DAYS`.
    pub expire_applications_schedule: String,
    /// `FENQI_RECONCILE_SCHEDULE` (default daily at 02:30 UTC, 10:30 in Shanghai):
    /// reconciling each partner's statement of the previous days.
    pub reconcile_schedule: String,
    /// `FENQI_PLAN_OPENING_SCHEDULE` (default every 5 minutes): retrying signed plans
    /// whose platform did not open them.
    pub plan_opening_schedule: String,
    /// `FENQI_COB_SCHEDULE` (default daily at 22:00 UTC, 06:00 in Shanghai): closing the
    /// business day and queuing its automatic debits.
    pub cob_schedule: String,
    /// `FENQI_DEBIT_SWEEP_SCHEDULE` (default every 5 minutes): queuing again debits whose
    /// jobs were lost.
    pub debit_sweep_schedule: String,
    /// `FENQI_TICKET_ESCALATION_SCHEDULE` (default every minute): when the worker
    /// escalates tickets past their service level.
    pub ticket_escalation_schedule: String,
    /// `FENQI_FOLLOW_UP_SCHEDULE` (default 22:30 UTC, 06:30 in Shanghai, after the close
    /// of business): when the worker makes the follow-ups due that day.
    pub follow_up_schedule: String,
    /// `FENQI_CAMPAIGN_DISPATCH_SCHEDULE` (default every 2 seconds): when the worker
    /// queues the batches of running campaigns (a launch, a resume, a lost job).
    pub campaign_dispatch_schedule: String,
    /// API request limits: `FENQI_GRAPHQL_MAX_DEPTH` (12), `FENQI_GRAPHQL_MAX_COMPLEXITY`
    /// (5000), `FENQI_GRAPHQL_MAX_ALIASES` (30), `FENQI_GRAPHQL_MAX_ROOT_FIELDS` (20),
    /// `FENQI_MAX_BODY_BYTES` (262144), `FENQI_GRAPHQL_INTROSPECTION` (on).
    pub api_limits: ApiLimits,
    /// `FENQI_TRUSTED_PROXIES`: load balancers whose `X-Forwarded-For` is believed
    /// (comma-separated IP addresses; none by default).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `FENQI_SQL_STATEMENTS_HEADER` (`off`): `on` makes every GraphQL answer tell how many
    /// SQL statements it cost (`X-Sql-Statements`), for tests and benchmarks.
    pub sql_statements_header: bool,
    /// The external credit bureau; `None` uses the bank's own history only.
    pub credit_bureau: Option<BureauSettings>,
    /// Where e-mail and text messages go, and when customers may be contacted.
    pub notifications: NotificationSettings,
    /// Business settings: `FENQI_SESSION_TTL_MINUTES` (480), `FENQI_LOGIN_MAX_FAILURES`
    /// (5), `FENQI_LOGIN_LOCKOUT_MINUTES` (15), `FENQI_LEGAL_APR_CAP` (0.24),
    /// `FENQI_TIMEZONE` (Asia/Shanghai).
    pub domain: DomainSettings,
}

/// Settings as logs may show them: the URLs' passwords masked, secrets redacted.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &without_password(&self.database_url))
            .field("db_max_connections", &self.db_max_connections)
            .field("debit_group_size", &self.debit_group_size)
            .field("queue_url", &without_password(&self.queue_url))
            .field("queue_namespace", &self.queue_namespace)
            .field("queue_poll_interval", &self.queue_poll_interval)
            .field("bind", &self.bind)
            .field("worker_bind", &self.worker_bind)
            .field("http_workers", &self.http_workers)
            .field("log_filter", &self.log_filter)
            .field("log_format", &self.log_format)
            .field("pii_keys", &self.pii_keys)
            .field("pii_index_key", &self.pii_index_key)
            .field("purge_sessions_schedule", &self.purge_sessions_schedule)
            .field("purge_retained_schedule", &self.purge_retained_schedule)
            .field(
                "expire_applications_schedule",
                &self.expire_applications_schedule,
            )
            .field("reconcile_schedule", &self.reconcile_schedule)
            .field("plan_opening_schedule", &self.plan_opening_schedule)
            .field("cob_schedule", &self.cob_schedule)
            .field("debit_sweep_schedule", &self.debit_sweep_schedule)
            .field(
                "ticket_escalation_schedule",
                &self.ticket_escalation_schedule,
            )
            .field("follow_up_schedule", &self.follow_up_schedule)
            .field(
                "campaign_dispatch_schedule",
                &self.campaign_dispatch_schedule,
            )
            .field("notifications", &self.notifications)
            .field("api_limits", &self.api_limits)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("sql_statements_header", &self.sql_statements_header)
            .field(
                "credit_bureau",
                &self
                    .credit_bureau
                    .as_ref()
                    .map(|b| (without_password(&b.url), &b.client_id, &b.secret, b.timeout)),
            )
            .field("domain", &self.domain)
            .finish()
    }
}

/// `scheme://user:secret@host/…` as `scheme://user:***@host/…`: a connection URL's
/// password must never reach a log line.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
            let masked = if user_info.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// An external credit bureau: `FENQI_CREDIT_BUREAU_URL`, `FENQI_CREDIT_BUREAU_CLIENT_ID`
/// (default `fenqi`), `FENQI_CREDIT_BUREAU_SECRET` (required with the URL),
/// `FENQI_CREDIT_BUREAU_TIMEOUT_MS` (5000).
#[derive(Debug, Clone)]
pub struct BureauSettings {
    /// The bureau's base URL.
    pub url: String,
    /// Our client id at the bureau.
    pub client_id: String,
    /// The shared signing secret (never printed).
    pub secret: Secret,
    /// The whole-request timeout.
    pub timeout: Duration,
}

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://fenqi.db?mode=rwc";
/// The default queue: a SQLite file of its own.
pub const DEFAULT_QUEUE_URL: &str = "sqlite://fenqi-queue.db?mode=rwc";

impl Settings {
    /// Reads the process environment (after loading `.env`, if there is one).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can give their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let number =
            |name: &'static str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
                match get(name) {
                    None => Ok(default),
                    Some(v) => match v.parse::<u64>() {
                        Ok(n) if (min..=max).contains(&n) => Ok(n),
                        _ => Err(ConfigError::new(
                            name,
                            format!("'{v}' is not a whole number from {min} to {max}"),
                        )),
                    },
                }
            };

        // A font the operator names is read and checked now, so a wrong path stops the start
        // with its reason instead of failing the first PDF a customer asks for.
        let agreement_font = match get("FENQI_AGREEMENT_FONT") {
            None => AgreementFont::bundled(),
            Some(path) => AgreementFont::from_file(
                std::path::Path::new(&path),
                number("FENQI_AGREEMENT_FONT_INDEX", 0, 0, 255)? as u32,
            )
            .map_err(|e| {
                ConfigError::new(
                    "FENQI_AGREEMENT_FONT",
                    format!("{e}; unset it to use the bundled Noto Sans SC subset"),
                )
            })?,
        };
        let database_url = get("FENQI_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        // The embedded default is a demo on one machine: its outbox of signing codes may be read.
        let embedded_database = database_url.starts_with("sqlite:");
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "FENQI_DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        }
        let queue_url = get("FENQI_QUEUE_URL").unwrap_or_else(|| DEFAULT_QUEUE_URL.into());
        if !(queue_url.starts_with("sqlite:")
            || queue_url.starts_with("redis://")
            || queue_url.starts_with("rediss://"))
        {
            return Err(ConfigError::new(
                "FENQI_QUEUE_URL",
                "must start with sqlite:// or redis://",
            ));
        }
        let queue_namespace = get("FENQI_QUEUE_NAMESPACE").unwrap_or_else(|| "fenqi".into());
        if !queue_namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        {
            return Err(ConfigError::new(
                "FENQI_QUEUE_NAMESPACE",
                "use letters, digits and - _ . : only",
            ));
        }
        let bind = get("FENQI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        check_listen_address("FENQI_BIND", &bind, "127.0.0.1:8080")?;
        let worker_bind = get("FENQI_WORKER_BIND").unwrap_or_else(|| "127.0.0.1:8081".into());
        check_listen_address("FENQI_WORKER_BIND", &worker_bind, "127.0.0.1:8081")?;
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2) as u64;
        let log_filter = get("FENQI_LOG").unwrap_or_else(|| "info".into());
        // Checked here, not when logging starts: a filter that does not parse must stop
        // start-up like any other wrong setting, not be replaced behind the operator's back.
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log_filter) {
            return Err(ConfigError::new(
                "FENQI_LOG",
                format!(
                    "'{log_filter}' is not a tracing filter like info or info,fenqi=debug ({e})"
                ),
            ));
        }
        let log_format = match get("FENQI_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "FENQI_LOG_FORMAT",
                    format!("'{other}' is neither pretty nor json"),
                ));
            }
        };
        let legal_apr_cap = match get("FENQI_LEGAL_APR_CAP") {
            None => DomainSettings::default().legal_apr_cap,
            Some(v) => match v.parse::<Decimal>() {
                Ok(d) if d > Decimal::ZERO && d <= Decimal::ONE => d,
                _ => {
                    return Err(ConfigError::new(
                        "FENQI_LEGAL_APR_CAP",
                        format!("'{v}' is not a fraction above 0 and at most 1 (0.24 means 24 %)"),
                    ));
                }
            },
        };
        let timezone = match get("FENQI_TIMEZONE") {
            None => DomainSettings::default().timezone,
            Some(v) => v.parse().map_err(|_| {
                ConfigError::new(
                    "FENQI_TIMEZONE",
                    format!("'{v}' is not an IANA time zone like Asia/Shanghai"),
                )
            })?,
        };
        let purge_sessions_schedule =
            get("FENQI_SESSION_PURGE_SCHEDULE").unwrap_or_else(|| "0 */15 * * * *".into());
        let purge_retained_schedule =
            get("FENQI_RETENTION_PURGE_SCHEDULE").unwrap_or_else(|| "0 30 3 * * *".into());
        let expire_applications_schedule =
            get("FENQI_APPLICATION_EXPIRY_SCHEDULE").unwrap_or_else(|| "0 15 3 * * *".into());
        let reconcile_schedule =
            get("FENQI_RECONCILE_SCHEDULE").unwrap_or_else(|| "0 30 2 * * *".into());
        let plan_opening_schedule =
            get("FENQI_PLAN_OPENING_SCHEDULE").unwrap_or_else(|| "0 */5 * * * *".into());
        let cob_schedule = get("FENQI_COB_SCHEDULE").unwrap_or_else(|| "0 0 22 * * *".into());
        let debit_sweep_schedule =
            get("FENQI_DEBIT_SWEEP_SCHEDULE").unwrap_or_else(|| "0 */5 * * * *".into());
        let ticket_escalation_schedule =
            get("FENQI_TICKET_ESCALATION_SCHEDULE").unwrap_or_else(|| "0 * * * * *".into());
        let follow_up_schedule =
            get("FENQI_FOLLOW_UP_SCHEDULE").unwrap_or_else(|| "0 30 22 * * *".into());
        let campaign_dispatch_schedule =
            get("FENQI_CAMPAIGN_DISPATCH_SCHEDULE").unwrap_or_else(|| "*/2 * * * * *".into());
        let notifications = notifications::read(&get)?;
        worker::Schedules::parse(worker::ScheduleTexts {
            purge_sessions: &purge_sessions_schedule,
            purge_retained_identities: &purge_retained_schedule,
            expire_applications: &expire_applications_schedule,
            reconcile_platforms: &reconcile_schedule,
            open_plans: &plan_opening_schedule,
            close_of_business: &cob_schedule,
            sweep_debits: &debit_sweep_schedule,
            deliver_messages: &notifications.delivery_schedule,
            escalate_tickets: &ticket_escalation_schedule,
            follow_ups: &follow_up_schedule,
            dispatch_campaigns: &campaign_dispatch_schedule,
        })
        .map_err(|e| ConfigError::new(e.setting, e.reason))?;
        let debit_retry_days = match get("FENQI_DEBIT_RETRY_DAYS") {
            None => vec![1, 3],
            Some(v) => {
                let days: Result<Vec<u32>, _> =
                    v.split(',').map(|d| d.trim().parse::<u32>()).collect();
                match days {
                    Ok(days)
                        if !days.is_empty()
                            && days.windows(2).all(|w| w[0] < w[1])
                            && days.iter().all(|d| (1..=60).contains(d)) =>
                    {
                        days
                    }
                    _ => {
                        return Err(ConfigError::new(
                            "FENQI_DEBIT_RETRY_DAYS",
                            format!("'{v}' is not a rising list of days from 1 to 60, like 1,3"),
                        ));
                    }
                }
            }
        };

        let credit_bureau = match get("FENQI_CREDIT_BUREAU_URL") {
            None => None,
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError::new(
                        "FENQI_CREDIT_BUREAU_URL",
                        "must be an http:// or https:// URL",
                    ));
                }
                let secret = get("FENQI_CREDIT_BUREAU_SECRET").ok_or_else(|| {
                    ConfigError::new(
                        "FENQI_CREDIT_BUREAU_SECRET",
                        "is required when FENQI_CREDIT_BUREAU_URL is set",
                    )
                })?;
                if secret.len() < 16 {
                    return Err(ConfigError::new(
                        "FENQI_CREDIT_BUREAU_SECRET",
                        "must be at least 16 characters",
                    ));
                }
                Some(BureauSettings {
                    url,
                    client_id: get("FENQI_CREDIT_BUREAU_CLIENT_ID")
                        .unwrap_or_else(|| "fenqi".into()),
                    secret: Secret::new(secret),
                    timeout: Duration::from_millis(number(
                        "FENQI_CREDIT_BUREAU_TIMEOUT_MS",
                        5000,
                        100,
                        120_000,
                    )?),
                })
            }
        };

        let trusted_proxies = match get("FENQI_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<std::net::IpAddr>().map_err(|_| {
                        ConfigError::new(
                            "FENQI_TRUSTED_PROXIES",
                            format!("'{v}' is not an IP address"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };

        let limits = ApiLimits::default();
        let session_cache_default = if queue_url.starts_with("redis") { 5 } else { 0 };
        Ok(Self {
            database_url,
            db_max_connections: number("FENQI_DB_MAX_CONNECTIONS", 10, 1, 1000)? as u32,
            debit_group_size: number("FENQI_DEBIT_GROUP_SIZE", 50, 1, 500)? as usize,
            queue_url,
            queue_namespace,
            queue_poll_interval: Duration::from_millis(number(
                "FENQI_QUEUE_POLL_MS",
                1000,
                10,
                600_000,
            )?),
            bind,
            worker_bind,
            http_workers: number("FENQI_HTTP_WORKERS", cpus, 1, 256)? as usize,
            log_filter,
            log_format,
            pii_keys: get("FENQI_PII_KEYS").map(Secret::new),
            pii_index_key: get("FENQI_PII_INDEX_KEY").map(Secret::new),
            purge_sessions_schedule,
            purge_retained_schedule,
            expire_applications_schedule,
            reconcile_schedule,
            plan_opening_schedule,
            cob_schedule,
            debit_sweep_schedule,
            ticket_escalation_schedule,
            follow_up_schedule,
            campaign_dispatch_schedule,
            trusted_proxies,
            sql_statements_header: match get("FENQI_SQL_STATEMENTS_HEADER").as_deref() {
                None | Some("off") | Some("false") => false,
                Some("on") | Some("true") => true,
                Some(other) => {
                    return Err(ConfigError::new(
                        "FENQI_SQL_STATEMENTS_HEADER",
                        format!("'{other}' is neither on nor off"),
                    ));
                }
            },
            credit_bureau,
            notifications: notifications.clone(),
            api_limits: ApiLimits {
                max_depth: number("FENQI_GRAPHQL_MAX_DEPTH", limits.max_depth as u64, 2, 100)?
                    as usize,
                max_complexity: number(
                    "FENQI_GRAPHQL_MAX_COMPLEXITY",
                    limits.max_complexity as u64,
                    10,
                    1_000_000,
                )? as usize,
                max_body_bytes: number(
                    "FENQI_MAX_BODY_BYTES",
                    limits.max_body_bytes as u64,
                    1024,
                    64 * 1024 * 1024,
                )? as usize,
                max_aliases: number(
                    "FENQI_GRAPHQL_MAX_ALIASES",
                    limits.max_aliases as u64,
                    0,
                    10_000,
                )? as usize,
                max_root_fields: number(
                    "FENQI_GRAPHQL_MAX_ROOT_FIELDS",
                    limits.max_root_fields as u64,
                    1,
                    10_000,
                )? as usize,
                introspection: match get("FENQI_GRAPHQL_INTROSPECTION").as_deref() {
                    None | Some("on") | Some("true") => true,
                    Some("off") | Some("false") => false,
                    Some(other) => {
                        return Err(ConfigError::new(
                            "FENQI_GRAPHQL_INTROSPECTION",
                            format!("'{other}' is neither on nor off"),
                        ));
                    }
                },
            },
            domain: DomainSettings {
                session_ttl: chrono::Duration::minutes(number(
                    "FENQI_SESSION_TTL_MINUTES",
                    480,
                    1,
                    60 * 24 * 30,
                )? as i64),
                // With Redis every API process hears of an ended session at once, so a
                // few seconds' cache is safe; on the embedded default a second API process
                // on the same file could not hear, so it is off unless asked for.
                session_cache_ttl: chrono::Duration::seconds(number(
                    "FENQI_SESSION_CACHE_SECONDS",
                    session_cache_default,
                    0,
                    60,
                )? as i64),
                login_max_failures: number("FENQI_LOGIN_MAX_FAILURES", 5, 1, 100)? as u32,
                login_lockout: chrono::Duration::minutes(number(
                    "FENQI_LOGIN_LOCKOUT_MINUTES",
                    15,
                    1,
                    60 * 24,
                )? as i64),
                legal_apr_cap,
                timezone,
                auth_attempts_per_minute: number("FENQI_AUTH_ATTEMPTS_PER_MINUTE", 30, 0, 100_000)?
                    as u32,
                public_requests_per_minute: number(
                    "FENQI_PUBLIC_REQUESTS_PER_MINUTE",
                    120,
                    0,
                    10_000_000,
                )? as u32,
                identity_changes_per_day: number("FENQI_IDENTITY_CHANGES_PER_DAY", 5, 0, 1_000)?
                    as u32,
                partner_timeout: std::time::Duration::from_millis(number(
                    "FENQI_PARTNER_TIMEOUT_MS",
                    5_000,
                    100,
                    120_000,
                )?),
                partner_breaker: adapters::platforms::BreakerSettings {
                    failure_threshold: number("FENQI_PARTNER_BREAKER_FAILURES", 5, 1, 1_000)?
                        as u32,
                    open_for: std::time::Duration::from_secs(number(
                        "FENQI_PARTNER_BREAKER_OPEN_SECONDS",
                        30,
                        1,
                        3_600,
                    )?),
                },
                reconcile_catch_up_days: number("FENQI_RECONCILE_CATCH_UP_DAYS", 3, 0, 60)? as u32,
                demo_outbox: match get("FENQI_DEMO_OUTBOX").as_deref() {
                    None => embedded_database,
                    Some("on") | Some("true") => true,
                    Some("off") | Some("false") => false,
                    Some(other) => {
                        return Err(ConfigError::new(
                            "FENQI_DEMO_OUTBOX",
                            format!("'{other}' is neither on nor off"),
                        ));
                    }
                },
                agreement_font,
                demo_clock: match get("FENQI_DEMO_CLOCK").as_deref() {
                    None => embedded_database,
                    Some("on") | Some("true") => true,
                    Some("off") | Some("false") => false,
                    Some(other) => {
                        return Err(ConfigError::new(
                            "FENQI_DEMO_CLOCK",
                            format!("'{other}' is neither on nor off"),
                        ));
                    }
                },
                debit_retry_days,
                contact_quiet_hours: notifications.quiet_hours,
                reminder_days_before: notifications.reminder_days_before.clone(),
                overdue_reminder_days: notifications.overdue_reminder_days.clone(),
                // 0 queues every waiting debit again at each sweep: for recovery by hand
                // after a known loss of the queue (duplicates are harmless, only slower).
                debit_requeue_after: chrono::Duration::minutes(number(
                    "FENQI_DEBIT_REQUEUE_MINUTES",
                    15,
                    0,
                    24 * 60,
                )? as i64),
                campaign_approval_size: number(
                    "FENQI_CAMPAIGN_APPROVAL_SIZE",
                    1_000,
                    0,
                    100_000_000,
                )?,
                campaign_batch_size: number("FENQI_CAMPAIGN_BATCH_SIZE", 500, 10, 5_000)? as u32,
                // 0 queues every unfinished batch again at each dispatch: for recovery by
                // hand after a known loss of the queue.
                campaign_requeue_after: chrono::Duration::seconds(number(
                    "FENQI_CAMPAIGN_REQUEUE_SECONDS",
                    120,
                    0,
                    24 * 3_600,
                )? as i64),
                credit_report_ttl: chrono::Duration::days(number(
                    "FENQI_CREDIT_REPORT_TTL_DAYS",
                    30,
                    1,
                    365,
                )? as i64),
                assessment_max_age: chrono::Duration::days(number(
                    "FENQI_ASSESSMENT_MAX_AGE_DAYS",
                    30,
                    1,
                    365,
                )? as i64),
                application_idle_limit: chrono::Duration::days(number(
                    "FENQI_APPLICATION_IDLE_DAYS",
                    30,
                    1,
                    365,
                )? as i64),
            },
        })
    }

    /// True when both addresses listen on the loopback interface only, so nothing but this
    /// machine can reach the platform.
    /// A host name counts only when every address it resolves to is a loopback address
    /// (`localhost` does), since the listener may take any of them.
    pub fn binds_loopback_only(&self) -> bool {
        [&self.bind, &self.worker_bind].iter().all(|addr| {
            let resolved: Vec<SocketAddr> = addr
                .as_str()
                .to_socket_addrs()
                .map(Iterator::collect)
                .unwrap_or_default();
            !resolved.is_empty() && resolved.iter().all(|a| a.ip().is_loopback())
        })
    }

    /// True for the embedded default (a SQLite database).
    pub fn is_embedded(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Accepts `ip:port`, `[ipv6]:port` or `host:port` (such as `localhost:8080`) when the host
/// resolves; anything else is refused naming `setting`. Host names are checked for their
/// characters first, so garbage is refused without asking a name server.
fn check_listen_address(
    setting: &'static str,
    value: &str,
    example: &str,
) -> Result<(), ConfigError> {
    if value.parse::<SocketAddr>().is_ok() {
        return Ok(());
    }
    let port = example.rsplit(':').next().unwrap_or_default();
    let refuse = |why: &str| {
        ConfigError::new(
            setting,
            format!("'{value}' {why}; use a host and a port like {example} or localhost:{port}"),
        )
    };
    let Some((host, port)) = value.rsplit_once(':') else {
        return Err(refuse("is not a host and a port"));
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if !host_ok || port.parse::<u16>().is_err() {
        return Err(refuse("is not a host and a port"));
    }
    match value.to_socket_addrs().map(|addrs| addrs.count()) {
        Ok(0) => Err(refuse("resolves to no address")),
        Ok(_) => Ok(()),
        Err(e) => Err(refuse(&format!("cannot be resolved ({e})"))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn everything_has_a_default() {
        let s = with(&[]).unwrap();
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.queue_url, DEFAULT_QUEUE_URL);
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert!(s.is_embedded());
        assert!(s.binds_loopback_only());
        assert_eq!(s.domain.login_max_failures, 5);
        assert!(
            !with(&[("FENQI_BIND", "0.0.0.0:8080")])
                .unwrap()
                .binds_loopback_only()
        );
    }

    #[test]
    fn a_wrong_setting_is_named() {
        for (name, value) in [
            ("FENQI_DATABASE_URL", "mysql://x"),
            ("FENQI_QUEUE_URL", "amqp://x"),
            ("FENQI_BIND", "localhost"),
            ("FENQI_BIND", "local host:8080"),
            ("FENQI_BIND", "localhost:http"),
            ("FENQI_WORKER_BIND", "127.0.0.1:99999"),
            ("FENQI_LOG", "bad["),
            ("FENQI_LOG", "info,fenqi=loud"),
            ("FENQI_LOG_FORMAT", "xml"),
            ("FENQI_LEGAL_APR_CAP", "24"),
            ("FENQI_TIMEZONE", "Mars/Olympus"),
            ("FENQI_SESSION_TTL_MINUTES", "0"),
            ("FENQI_SESSION_PURGE_SCHEDULE", "every day"),
            ("FENQI_RETENTION_PURGE_SCHEDULE", "nightly"),
            ("FENQI_TRUSTED_PROXIES", "10.0.0.1, lb"),
            ("FENQI_GRAPHQL_INTROSPECTION", "maybe"),
            ("FENQI_GRAPHQL_MAX_ROOT_FIELDS", "0"),
            ("FENQI_PUBLIC_REQUESTS_PER_MINUTE", "many"),
            ("FENQI_COB_SCHEDULE", "at six"),
            ("FENQI_DEBIT_RETRY_DAYS", "3,1"),
            ("FENQI_DEBIT_RETRY_DAYS", "0"),
            ("FENQI_DEBIT_REQUEUE_MINUTES", "-1"),
        ] {
            let err = with(&[(name, value)]).unwrap_err();
            assert_eq!(err.setting, name, "{err}");
            assert!(err.to_string().starts_with(name));
        }
    }

    #[test]
    fn an_agreement_font_is_read_and_checked_at_start() {
        assert!(
            with(&[])
                .unwrap()
                .domain
                .agreement_font
                .source()
                .contains("bundled")
        );
        let err = with(&[("FENQI_AGREEMENT_FONT", "/no/such/font.otf")]).unwrap_err();
        assert_eq!(err.setting, "FENQI_AGREEMENT_FONT");
        assert!(err.message.contains("/no/such/font.otf"), "{err}");
        assert!(err.message.contains("unset it"), "{err}");
        let err = with(&[
            ("FENQI_AGREEMENT_FONT", "/no/such/font.ttc"),
            ("FENQI_AGREEMENT_FONT_INDEX", "many"),
        ])
        .unwrap_err();
        assert_eq!(err.setting, "FENQI_AGREEMENT_FONT_INDEX");
    }

    #[test]
    fn a_host_name_binds_and_localhost_is_loopback() {
        let s = with(&[
            ("FENQI_BIND", "localhost:8080"),
            ("FENQI_WORKER_BIND", "localhost:8081"),
        ])
        .unwrap();
        assert_eq!(s.bind, "localhost:8080");
        assert!(s.binds_loopback_only());
        let s = with(&[("FENQI_BIND", "[::1]:8080")]).unwrap();
        assert!(s.binds_loopback_only());
        let s = with(&[("FENQI_WORKER_BIND", "0.0.0.0:8081")]).unwrap();
        assert!(!s.binds_loopback_only());
    }

    #[test]
    fn a_log_filter_is_kept_as_written_when_it_parses() {
        assert_eq!(with(&[]).unwrap().log_filter, "info");
        let s = with(&[("FENQI_LOG", "warn,fenqi=debug")]).unwrap();
        assert_eq!(s.log_filter, "warn,fenqi=debug");
        let err = with(&[("FENQI_LOG", "bad[")]).unwrap_err();
        assert!(err.to_string().contains("'bad['"), "{err}");
    }

    #[test]
    fn production_urls_switch_backends() {
        let s = with(&[
            ("FENQI_DATABASE_URL", "postgres://fenqi@db/fenqi"),
            ("FENQI_QUEUE_URL", "redis://redis:6379"),
        ])
        .unwrap();
        assert!(!s.is_embedded());
    }

    #[test]
    fn debug_shows_no_password_key_or_secret() {
        let values = std::collections::HashMap::from([
            (
                "FENQI_DATABASE_URL",
                "postgres://fenqi:db-pass-123@db.bank:5432/fenqi",
            ),
            ("FENQI_QUEUE_URL", "redis://:redis-pass-456@cache.bank:6379"),
            (
                "FENQI_PII_KEYS",
                "k1:cGlpLWtleS1zZWNyZXQtc2VjcmV0LXNlY3JldC0zMiE=",
            ),
            (
                "FENQI_PII_INDEX_KEY",
                "aW5kZXgta2V5LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMy",
            ),
            (
                "FENQI_CREDIT_BUREAU_URL",
                "https://bureau:url-pass-000@bureau.example",
            ),
            (
                "FENQI_CREDIT_BUREAU_SECRET",
                "bureau-secret-789-long-enough",
            ),
        ]);
        let s = Settings::from_lookup(|name| values.get(name).map(|v| (*v).to_owned()))
            .expect("settings");
        let shown = format!("{s:?}");
        for secret in [
            "db-pass-123",
            "redis-pass-456",
            "cGlpLWtleS1zZWNyZXQ",
            "aW5kZXgta2V5",
            "bureau-secret-789",
            "url-pass-000",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("postgres://fenqi:***@db.bank:5432/fenqi"),
            "{shown}"
        );
        assert_eq!(
            without_password("sqlite://fenqi.db?mode=rwc"),
            "sqlite://fenqi.db?mode=rwc"
        );
        assert_eq!(
            without_password("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}

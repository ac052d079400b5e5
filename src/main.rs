//! `fenqi`: the launcher. `cargo run` runs the whole platform on the embedded default.
//!
//! Output rule: what a command answers (the schema, keys, the created account, the version,
//! the help, `run`'s banner in pretty mode) goes to stdout; logs and errors go to stderr,
//! and with `FENQI_LOG_FORMAT=json` every line there is JSON, errors included.

use std::fmt::Display;
use std::process::ExitCode;
use std::sync::Arc;

use domain::DomainError;
use domain::auth::{Caller, NewStaff, Password, Role};
use domain::clock::SystemClock;
use domain::pii::EmailAddress;
use fenqi::config::{LogFormat, Settings};
use fenqi::platform::{connect_domain, migrate, require_current_schema, wait_for_shutdown};
use fenqi::{ConfigError, LaunchError, Platform, demo, keys, telemetry};
use tokio::sync::watch;

const HELP: &str = "\
fenqi — a bank's personalized installment platform

USAGE: fenqi [COMMAND]

COMMANDS:
  run            migrate, then serve the API and run the worker in one process (default)
  serve          serve the API only
  work           run the worker only (ops endpoints on FENQI_WORKER_BIND)
  migrate        bring the database schema up to date and exit
  create-staff   --email E --name N --role admin|agent|risk_officer|auditor
                 (password from FENQI_STAFF_PASSWORD, else generated and printed once)
  seed-demo      load the demo staff and customers
  schema         print the GraphQL schema (SDL)
  gen-keys       print a fresh FENQI_PII_KEYS / FENQI_PII_INDEX_KEY pair
  partner-sim    run a simulated partner platform (FENQI_PARTNER_SIM_CODE, _SECRET, _BIND,
                 _CALLBACK_URL; see docs/platforms.md) until Ctrl-C
  help           this text (also --help, -h)
  --version      the version (also -V)

Settings come from the environment (or .env); see README.md and .env.example.
Answers go to stdout, logs and errors to stderr.";

/// The setting that holds the password `create-staff` gives the new account.
const STAFF_PASSWORD_VAR: &str = "FENQI_STAFF_PASSWORD";

/// A command that needs the settings, with its arguments already checked.
enum Command {
    /// `run`, `serve` or `work`.
    Run {
        api: bool,
        worker: bool,
    },
    Migrate,
    SeedDemo,
    CreateStaff(StaffRequest),
}

/// A checked `create-staff` request: every flag and the password are valid before the
/// database or the key file is touched, so a mistake leaves nothing behind.
struct StaffRequest {
    email: String,
    name: String,
    role: Role,
    password: Option<String>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let word = args.first().map(String::as_str).unwrap_or("run");
    let rest = args.get(1..).unwrap_or_default();
    match word {
        "help" | "--help" | "-h" => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        "--version" | "-V" | "version" => {
            println!("fenqi {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        "schema" => {
            print!("{}", api::graphql::sdl());
            return ExitCode::SUCCESS;
        }
        "gen-keys" => {
            return match domain::pii::KeyRing::generate_config() {
                Ok((keys, index)) => {
                    println!("FENQI_PII_KEYS={keys}\nFENQI_PII_INDEX_KEY={index}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e, requested_format()),
            };
        }
        "partner-sim" => {
            let _ = dotenvy::dotenv();
            if let Err(e) = telemetry::init("info", requested_format()) {
                return fail(&e, requested_format());
            }
            return match tokio::runtime::Runtime::new() {
                Ok(rt) => match rt.block_on(fenqi::partners::run_partner_sim()) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(&e, requested_format()),
                },
                Err(e) => fail(
                    &format!("cannot start the async runtime: {e}"),
                    requested_format(),
                ),
            };
        }
        _ => {}
    }
    // `.env` first, so the log format and FENQI_STAFF_PASSWORD may come from it too.
    let _ = dotenvy::dotenv();
    let command = match parse_command(word, rest) {
        Ok(c) => c,
        Err(e) => return fail(&e, requested_format()),
    };
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => return fail(&e, requested_format()),
    };
    let format = settings.log_format;
    if let Err(e) = telemetry::init(&settings.log_filter, format) {
        return fail(&e, format);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            return fail(
                &format!("cannot start the async runtime: {e}"),
                settings.log_format,
            );
        }
    };
    match runtime.block_on(dispatch(command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e, format),
    }
}

/// The log format the operator asked for, read straight from the environment: used for
/// errors found before the settings are known to be valid, so that JSON mode stays JSON
/// even then.
fn requested_format() -> LogFormat {
    match std::env::var("FENQI_LOG_FORMAT") {
        Ok(v) if v.trim() == "json" => LogFormat::Json,
        _ => LogFormat::Pretty,
    }
}

/// Reports the error that ends the run on stderr: one JSON log line in JSON mode, else a
/// plain `error: …` line a person reads.
fn fail(error: &dyn Display, format: LogFormat) -> ExitCode {
    match format {
        LogFormat::Json => {
            // Installs a JSON subscriber if none is there yet; the filter is a constant
            // that parses.
            let _ = telemetry::init("info", LogFormat::Json);
            if tracing::enabled!(tracing::Level::ERROR) {
                tracing::error!("{error}");
            } else {
                // FENQI_LOG=off must not make a failure silent.
                eprintln!("error: {error}");
            }
        }
        LogFormat::Pretty => eprintln!("error: {error}"),
    }
    ExitCode::FAILURE
}

fn parse_command(word: &str, rest: &[String]) -> Result<Command, ConfigError> {
    let no_arguments = |command: Command| match rest.first() {
        None => Ok(command),
        Some(extra) => Err(ConfigError {
            setting: "command",
            message: format!("`fenqi {word}` takes no arguments, got '{extra}'"),
        }),
    };
    match word {
        "run" => no_arguments(Command::Run {
            api: true,
            worker: true,
        }),
        "serve" => no_arguments(Command::Run {
            api: true,
            worker: false,
        }),
        "work" => no_arguments(Command::Run {
            api: false,
            worker: true,
        }),
        "migrate" => no_arguments(Command::Migrate),
        "seed-demo" => no_arguments(Command::SeedDemo),
        "create-staff" => parse_staff_request(rest).map(Command::CreateStaff),
        other => Err(ConfigError {
            setting: "command",
            message: format!("unknown command '{other}'; `fenqi help` lists the commands"),
        }),
    }
}

/// Reads `--email`, `--name` and `--role` (each as `--flag value` or `--flag=value`) and
/// `FENQI_STAFF_PASSWORD`, and checks them all; an error names the flag or setting at
/// fault.
fn parse_staff_request(rest: &[String]) -> Result<StaffRequest, ConfigError> {
    const FLAGS: [&str; 3] = ["--email", "--name", "--role"];
    let mut values: [Option<String>; 3] = Default::default();
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        let Some(index) = FLAGS.iter().position(|f| *f == flag) else {
            return Err(ConfigError {
                setting: "create-staff",
                message: format!(
                    "unknown argument '{arg}'; the flags are --email, --name and --role"
                ),
            });
        };
        let setting = FLAGS[index];
        let value = match inline {
            Some(value) => value,
            None => match args.next() {
                Some(value) if !value.starts_with("--") => value.clone(),
                _ => {
                    return Err(ConfigError {
                        setting,
                        message: format!("needs a value ({setting} VALUE or {setting}=VALUE)"),
                    });
                }
            },
        };
        if values[index].replace(value).is_some() {
            return Err(ConfigError {
                setting,
                message: "is given twice".into(),
            });
        }
    }
    let [email, name, role] = values;
    let required = |value: Option<String>, setting: &'static str| {
        value.ok_or_else(|| ConfigError {
            setting,
            message: "is required (fenqi create-staff --email E --name N --role R)".into(),
        })
    };
    let email = required(email, "--email")?;
    let name = required(name, "--name")?;
    let role = required(role, "--role")?;

    let invalid = |setting: &'static str| {
        move |e: DomainError| ConfigError {
            setting,
            message: match e {
                DomainError::Validation { message, .. } => message,
                other => other.to_string(),
            },
        }
    };
    EmailAddress::parse(&email, "--email").map_err(invalid("--email"))?;
    let trimmed = name.trim();
    let length = trimmed.chars().count();
    if length == 0 || length > 100 || trimmed.chars().any(char::is_control) {
        return Err(ConfigError {
            setting: "--name",
            message: "enter a name of 1 to 100 characters".into(),
        });
    }
    let role = match role.parse::<Role>() {
        Ok(role) if role.is_staff() => role,
        _ => {
            let staff: Vec<&str> = Role::STAFF.iter().map(|r| r.as_str()).collect();
            return Err(ConfigError {
                setting: "--role",
                message: format!(
                    "'{role}' is not a staff role; use one of {}",
                    staff.join(", ")
                ),
            });
        }
    };
    let password = std::env::var(STAFF_PASSWORD_VAR)
        .ok()
        .filter(|p| !p.is_empty());
    if let Some(password) = &password {
        Password::parse(password, STAFF_PASSWORD_VAR).map_err(invalid(STAFF_PASSWORD_VAR))?;
    }
    Ok(StaffRequest {
        email,
        name,
        role,
        password,
    })
}

async fn dispatch(command: Command, settings: Settings) -> Result<(), LaunchError> {
    match command {
        Command::Run { api, worker } => run(settings, api, worker).await,
        Command::Migrate => {
            let domain = connect_domain(&settings, Arc::new(SystemClock)).await?;
            migrate(&domain).await?;
            println!("The database schema is up to date.");
            Ok(())
        }
        Command::SeedDemo => {
            let domain = connect_domain(&settings, Arc::new(SystemClock)).await?;
            migrate(&domain).await?;
            demo::seed(&domain).await?;
            print_demo_logins();
            Ok(())
        }
        Command::CreateStaff(request) => create_staff(&settings, request).await,
    }
}

/// Creates a staff account. When it fails, the files this run made (a new SQLite
/// database, its key file) are removed again, so a typo does not leave a database behind.
async fn create_staff(settings: &Settings, request: StaffRequest) -> Result<(), LaunchError> {
    let new_files = keys::NewFiles::not_yet_present(&settings.database_url);
    let domain = match connect_domain(settings, Arc::new(SystemClock)).await {
        Ok(domain) => domain,
        Err(e) => {
            new_files.remove();
            return Err(e);
        }
    };
    let role = request.role;
    let result = async {
        migrate(&domain).await?;
        domain
            .create_staff(
                NewStaff {
                    display_name: request.name,
                    email: request.email,
                    role,
                    password: request.password,
                },
                &Caller::system("create-staff"),
            )
            .await
            .map_err(name_the_flag)
    }
    .await;
    let created = match result {
        Ok(created) => created,
        Err(e) => {
            let _ = domain.db().close_by_ref().await;
            new_files.remove();
            return Err(e);
        }
    };
    println!(
        "Created {} ({}), id {}.",
        created.account.display_name, role, created.account.id
    );
    if let Some(password) = created.initial_password {
        println!("Initial password (shown once; it must be changed at first login): {password}");
    }
    Ok(())
}

/// Turns the domain's refusal of a staff account into an error naming the flag or setting
/// the operator typed.
fn name_the_flag(error: DomainError) -> LaunchError {
    let setting = match &error {
        DomainError::Validation { field, .. } => match field.as_str() {
            "email" => "--email",
            "displayName" => "--name",
            "role" => "--role",
            "password" => STAFF_PASSWORD_VAR,
            _ => return LaunchError::Domain(error),
        },
        DomainError::Conflict(_) => "--email",
        _ => return LaunchError::Domain(error),
    };
    let message = match error {
        DomainError::Validation { message, .. } => message,
        other => other.to_string(),
    };
    LaunchError::Config(ConfigError { setting, message })
}

fn print_demo_logins() {
    println!("Demo logins (password after the slash):");
    for login in demo::logins() {
        println!(
            "  {:<22} / {:<20} {}",
            login.login, login.password, login.who
        );
    }
}

/// What `run`, `serve` and `work` say once they listen.
struct Banner {
    api: bool,
    addr: String,
    database: &'static str,
    queue: &'static str,
    demo_loaded: bool,
    /// An embedded, loopback-only database that existed before: it may hold the demo data.
    maybe_demo: bool,
    /// A database without accounts (outside the demo case).
    no_accounts: bool,
}

impl Banner {
    /// In pretty mode, a few lines for a person on stdout (the answer of `run`); in JSON
    /// mode, one log line with the same facts as fields, and nothing on stdout. Only a
    /// process that serves the API gives login hints: `work` has nothing to log in to.
    fn show(&self, format: LogFormat) {
        let addr = &self.addr;
        let graphiql = self.api.then(|| format!("http://{addr}/graphql"));
        let health = format!("http://{addr}/health");
        let ready = format!("http://{addr}/ready");
        let metrics = format!("http://{addr}/metrics");
        if format == LogFormat::Json {
            tracing::info!(
                graphiql_url = graphiql.as_deref(),
                health_url = %health,
                ready_url = %ready,
                metrics_url = %metrics,
                database = self.database,
                queue = self.queue,
                demo_data = self.api && self.demo_loaded,
                "Fenqi is running"
            );
            return;
        }
        println!();
        println!(
            "Fenqi is running ({} database, {} queue).",
            self.database, self.queue
        );
        if let Some(graphiql) = &graphiql {
            println!("  GraphiQL:  {graphiql}");
        }
        println!("  Health:    {health}   Ready: {ready}   Metrics: {metrics}");
        if self.api {
            if self.demo_loaded {
                println!("  A new embedded database: demo data loaded.");
                print_demo_logins();
            } else if self.maybe_demo {
                println!(
                    "  Demo logins, if this database has the demo data: see `fenqi seed-demo` or README."
                );
            } else if self.no_accounts {
                println!("  The database has no accounts: make the first admin with");
                println!(
                    "  fenqi create-staff --email you@bank.example --name 'Your Name' --role admin"
                );
            }
            println!(
                "  Log in with the `login` mutation, then send 'Authorization: Bearer <token>'."
            );
        }
        println!("Press Ctrl-C to stop.");
    }
}

async fn run(settings: Settings, with_api: bool, with_worker: bool) -> Result<(), LaunchError> {
    let embedded = settings.is_embedded();
    let format = settings.log_format;
    // The demo's clock can be moved forward by `advanceClock`; a real deployment's cannot.
    let clock: Arc<dyn domain::clock::Clock> = if settings.domain.demo_clock {
        Arc::new(domain::clock::DemoClock::default())
    } else {
        Arc::new(SystemClock)
    };
    let platform = Platform::connect(settings, clock).await?;
    if with_api && with_worker {
        platform.migrate().await?;
    } else {
        require_current_schema(platform.domain()).await?;
    }
    let fresh = platform.domain().has_no_accounts().await.unwrap_or(false);
    // Demo accounts have published passwords: they are loaded only into a new embedded
    // database that listens on this machine alone, never into one others can reach, and
    // only by a process that serves the API they are for.
    let local_only = platform.settings().binds_loopback_only();
    let demo = with_api && embedded && fresh && local_only;
    if demo {
        demo::seed(platform.domain()).await?;
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let worker = if with_worker {
        Some(platform.spawn_worker(stop_rx)?)
    } else {
        None
    };
    let bind = if with_api {
        platform.settings().bind.clone()
    } else {
        platform.settings().worker_bind.clone()
    };
    let listener = api::bind(&bind)?;
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or(bind);
    // The demo's partners run in this process on loopback ports, so the recommendation
    // compares real partners over real HTTP; only on an embedded, loopback-only API.
    let _partners = if with_api && embedded && local_only {
        fenqi::partners::start_demo_partners(platform.domain(), &format!("http://{addr}")).await?
    } else {
        Vec::new()
    };
    let server = if with_api {
        platform.api_server(listener)?
    } else {
        platform.ops_server(listener)?
    };
    Banner {
        api: with_api,
        addr,
        database: if embedded { "SQLite" } else { "PostgreSQL" },
        queue: platform.queue().backend_name(),
        demo_loaded: demo,
        maybe_demo: embedded && local_only && !fresh,
        no_accounts: fresh && !demo,
    }
    .show(format);
    let handle = server.handle();
    let server_task = tokio::spawn(server);
    wait_for_shutdown(Some(handle), stop_tx).await;
    let _ = server_task.await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    Ok(())
}

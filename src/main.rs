//! `fenqi`: the launcher. `cargo run` runs the whole platform on the embedded default.

use std::process::ExitCode;
use std::sync::Arc;

use domain::auth::{Caller, NewStaff, Role};
use domain::clock::SystemClock;
use fenqi::config::Settings;
use fenqi::platform::{connect_domain, migrate, require_current_schema, wait_for_shutdown};
use fenqi::{LaunchError, Platform, demo, telemetry};
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
  help           this text

Settings come from the environment (or .env); see README.md and .env.example.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("run");
    match command {
        "help" | "--help" | "-h" => {
            println!("{HELP}");
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
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(&settings.log_filter, settings.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(command, &args[1.min(args.len())..], settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: &str, rest: &[String], settings: Settings) -> Result<(), LaunchError> {
    match command {
        "run" => run(settings, true, true).await,
        "serve" => run(settings, true, false).await,
        "work" => run(settings, false, true).await,
        "migrate" => {
            let domain = connect_domain(&settings, Arc::new(SystemClock)).await?;
            migrate(&domain).await?;
            println!("The database schema is up to date.");
            Ok(())
        }
        "seed-demo" => {
            let domain = connect_domain(&settings, Arc::new(SystemClock)).await?;
            migrate(&domain).await?;
            demo::seed(&domain).await?;
            print_demo_logins();
            Ok(())
        }
        "create-staff" => create_staff(settings, rest).await,
        other => {
            eprintln!("{HELP}");
            Err(LaunchError::Config(fenqi::ConfigError {
                setting: "command",
                message: format!("unknown command '{other}'"),
            }))
        }
    }
}

fn flag<'a>(rest: &'a [String], name: &str) -> Option<&'a str> {
    rest.iter()
        .position(|a| a == name)
        .and_then(|i| rest.get(i + 1))
        .map(String::as_str)
}

async fn create_staff(settings: Settings, rest: &[String]) -> Result<(), LaunchError> {
    let missing = |name: &str| {
        LaunchError::Config(fenqi::ConfigError {
            setting: "create-staff",
            message: format!("{name} is required (fenqi create-staff --email E --name N --role R)"),
        })
    };
    let email = flag(rest, "--email").ok_or_else(|| missing("--email"))?;
    let name = flag(rest, "--name").ok_or_else(|| missing("--name"))?;
    let role: Role = flag(rest, "--role")
        .ok_or_else(|| missing("--role"))?
        .parse()
        .map_err(|message| {
            LaunchError::Config(fenqi::ConfigError {
                setting: "--role",
                message,
            })
        })?;
    let domain = connect_domain(&settings, Arc::new(SystemClock)).await?;
    migrate(&domain).await?;
    let created = domain
        .create_staff(
            NewStaff {
                display_name: name.into(),
                email: email.into(),
                role,
                password: std::env::var("FENQI_STAFF_PASSWORD").ok(),
            },
            &Caller::system("create-staff"),
        )
        .await?;
    println!(
        "Created {} ({}), id {}.",
        created.account.display_name, role, created.account.id
    );
    if let Some(password) = created.initial_password {
        println!("Initial password (shown once): {password}");
    }
    Ok(())
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

async fn run(settings: Settings, with_api: bool, with_worker: bool) -> Result<(), LaunchError> {
    let embedded = settings.is_embedded();
    let platform = Platform::connect(settings, Arc::new(SystemClock)).await?;
    if with_api && with_worker {
        platform.migrate().await?;
    } else {
        require_current_schema(platform.domain()).await?;
    }
    let fresh = platform.domain().has_no_accounts().await.unwrap_or(false);
    // Demo accounts have published passwords: they are loaded only into a new embedded
    // database that listens on this machine alone, never into one others can reach.
    let local_only = platform.settings().binds_loopback_only();
    let demo = embedded && fresh && local_only;
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
    let server = if with_api {
        platform.api_server(listener)?
    } else {
        platform.ops_server(listener)?
    };
    println!();
    println!(
        "Fenqi is running ({} database, {} queue).",
        if embedded { "SQLite" } else { "PostgreSQL" },
        platform.queue().backend_name()
    );
    if with_api {
        println!("  GraphiQL:  http://{addr}/graphql");
    }
    println!(
        "  Health:    http://{addr}/health   Ready: http://{addr}/ready   Metrics: http://{addr}/metrics"
    );
    if demo {
        println!("  A new embedded database: demo data loaded.");
        print_demo_logins();
    } else if embedded && local_only && !fresh {
        println!(
            "  Demo logins, if this database has the demo data: see `fenqi seed-demo` or README."
        );
    } else if fresh {
        println!("  The database has no accounts: make the first admin with");
        println!("  fenqi create-staff --email you@bank.example --name 'Your Name' --role admin");
    }
    println!("  Log in with the `login` mutation, then send 'Authorization: Bearer <token>'.");
    println!("Press Ctrl-C to stop.");
    let handle = server.handle();
    let server_task = tokio::spawn(server);
    wait_for_shutdown(Some(handle), stop_tx).await;
    let _ = server_task.await;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    Ok(())
}

//! Logging: `tracing` with the request id on every line of a request (from its span),
//! human-readable by default, JSON with `FENQI_LOG_FORMAT=json`.
//!
//! Logs go to **stderr**, always: stdout belongs to what a command answers (`migrate`'s
//! verdict, `create-staff`'s account, `schema`, `gen-keys`), so that answer can be piped or
//! captured without log lines mixed in. In JSON mode every line on stderr is one JSON
//! object, which is what log collectors expect. Colour codes are written only when stderr
//! is a terminal and `NO_COLOR` is unset, so a log file or a collector never sees them.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{ConfigError, LogFormat};

/// Libraries that speak too much at `info`; held at `warn` unless the filter names them
/// (a later directive for the same target wins).
const QUIET_LIBRARIES: &str = "sqlx=warn,sea_orm=warn,apalis=warn,apalis_core=warn";

/// Installs the global subscriber writing to stderr. Fails, naming `FENQI_LOG`, when the
/// filter does not parse ([`crate::Settings`] has already checked it, so this only guards
/// callers that pass their own). A subscriber installed earlier (tests) is kept.
pub fn init(filter: &str, format: LogFormat) -> Result<(), ConfigError> {
    let env_filter =
        EnvFilter::try_new(format!("{QUIET_LIBRARIES},{filter}")).map_err(|e| ConfigError {
            setting: "FENQI_LOG",
            message: format!("'{filter}' is not a tracing filter: {e}"),
        })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Pretty => builder
            .with_target(false)
            .with_ansi(colour_on_stderr())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .with_ansi(false)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    // Err only means a subscriber is already installed (tests); that one is kept.
    let _ = result;
    Ok(())
}

/// True when colour codes help: stderr is a terminal and the user did not ask for none
/// (<https://no-color.org>).
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

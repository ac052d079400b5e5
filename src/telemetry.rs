//! Logging: `tracing` with the request id on every line of a request (from its span),
//! human-readable by default, JSON with `FENQI_LOG_FORMAT=json`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Quiet libraries are held at `warn` unless the filter
/// names them.
pub fn init(filter: &str, format: LogFormat) {
    let directives = format!("sqlx=warn,sea_orm=warn,apalis=warn,apalis_core=warn,{filter}");
    let env_filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(env_filter);
    let result = match format {
        LogFormat::Pretty => builder.with_target(false).try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    // A subscriber may already be installed (tests); that one is kept.
    let _ = result;
}

//! The `fenqi` launcher as a library: configuration, start-up of the API and the worker
//! (together or apart), migrations, demo data. `main.rs` is its command line; the
//! end-to-end tests start the same platform on a random port.

pub mod config;
pub mod demo;
pub mod demo_articles;
pub mod keys;
pub mod partners;
pub mod platform;
pub mod telemetry;

pub use config::{ConfigError, Settings};
pub use platform::{LaunchError, Platform};

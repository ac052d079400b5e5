//! End-to-end tests: each starts the real platform on a random port, on a fresh database
//! (a temporary SQLite file, or a new PostgreSQL database when `FENQI_TEST_DATABASE_URL`
//! is set) and a fresh queue (a temporary SQLite file, or a private namespace on the Redis
//! of `FENQI_TEST_QUEUE_URL` / `FENQI_QUEUE_URL`), and speaks HTTP to it.

mod helpers;

mod agreements;
mod applications;
mod articles;
mod audit;
mod auth;
mod calculator;
mod callbacks;
mod campaigns;
mod contacts;
mod customers;
mod dashboard;
mod data_rights;
mod debit_faults;
mod debit_groups;
mod demo;
mod follow_ups;
mod graphiql;
mod guards;
mod identity_conflicts;
mod internal_ledger;
mod jobs;
mod limits;
mod negotiation;
mod notifications;
mod ops;
mod plan_opening;
mod platforms;
mod processes;
mod proposals;
mod repayment;
mod risk;
mod scale_out;
mod schema;
mod session_cache;
mod smtp_sink;
mod statements;
mod subscriptions;
mod tickets;
mod walks;
mod year;

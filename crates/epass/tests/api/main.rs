//! API and store tests, one module per area. `EPASS_TEST_DATABASE=postgres` runs them all on
//! PostgreSQL instead of SQLite.

mod accounts;
mod authz;
mod helpers;
mod ops;
mod outbox;
mod pii;
mod store;
mod world;
mod cli_offline;

//! API and store tests, one module per area. `EPASS_TEST_DATABASE=postgres` runs them all on
//! PostgreSQL instead of SQLite.

// A failed unwrap is a failed test, which is what a test wants.
#![allow(clippy::unwrap_used)]

mod accounts;
mod admin_pages;
mod alerts;
mod applicant_pages;
mod authz;
mod browser;
mod bulk_apply;
mod bulk_review;
mod bundle_delta;
mod checks;
mod cli_offline;
mod config_pages;
mod demo;
mod documents;
mod flows;
mod helpers;
mod invitations;
mod keys;
mod licence_pages;
mod licences;
mod merkle_log;
mod merkle_witness;
mod ops;
mod outbox;
mod owed;
mod page_client;
mod pages;
mod pass_types;
mod pii;
mod printing;
mod registries;
mod registry_config;
mod resubmit;
mod review_pages;
mod statistics;
mod store;
mod trails;
mod truck_codes;
mod truck_restrictions;
mod world;
mod zones;

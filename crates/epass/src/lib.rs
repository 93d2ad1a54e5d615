//! epass service library: domain, actions, store, web, CLI.

pub mod actions;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_applications;
pub mod demo_freight;
pub mod demo_licences;
pub mod demo_trucks;
pub mod demo_zones;
pub mod document_store;
pub mod domain;
pub mod i18n;
pub mod outbox;
pub mod pdf;
pub mod pii;
pub mod registry;
pub mod serve;
pub mod store;
pub mod web;

//! Domain types: the values the service reasons about, valid by construction.

pub mod calendar;
pub mod documents;
pub mod eligibility;
pub mod geo;
pub mod ids;
pub mod licences;
pub mod pass_type;
pub mod roles;
pub mod seed_pass_types;
pub mod trucks;
pub mod zones;

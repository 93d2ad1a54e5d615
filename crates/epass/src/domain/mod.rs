//! Domain types: the values the service reasons about, valid by construction.

pub mod ids;
pub mod roles;
pub mod zones;

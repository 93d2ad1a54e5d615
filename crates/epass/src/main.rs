//! The `epass` binary.
fn main() {}

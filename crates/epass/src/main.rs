//! The `epass` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    epass::cli::run(epass::cli::Cli::parse())
}

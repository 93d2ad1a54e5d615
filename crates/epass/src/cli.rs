//! The `epass` command line: `serve`, `migrate`, and the offline credential tools.

pub mod audit;
pub mod keys;
pub mod offline;
pub mod registry;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Electronic passes for people and vehicles: apply, review, issue, verify, supervise.
#[derive(Debug, Parser)]
#[command(name = "epass", version, about)]
pub struct Cli {
    /// A TOML configuration file; `EPASS_*` environment variables override it.
    #[arg(long, global = true, env = "EPASS_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (SQLite under ./data by default; demo data on first start).
    Serve,
    /// Apply the database migrations and check durability settings, then exit.
    Migrate,
    /// Signing keys: key files (offline), and the service's own keys (list, rotate, withdraw).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Trust lists and verifier bundles (offline).
    #[command(subcommand)]
    Trust(offline::TrustCommand),
    /// Sign credentials and render QR codes (offline).
    #[command(subcommand)]
    Pass(offline::PassCommand),
    /// Verify a credential against signed bundles (offline).
    Verify(offline::VerifyArgs),
    /// Eligibility registries kept in epass (vehicles, licences, tests, health codes).
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// The tamper-evident log: verify it, export tree heads for a witness, publish a head.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
}

/// Key files on disk, and the keys the service holds in its database.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    #[command(flatten)]
    Offline(offline::KeysCommand),
    #[command(flatten)]
    Service(keys::ServiceKeysCommand),
}

/// Runs the command and gives the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let cli = match cli.command {
        Command::Keys(KeysCommand::Offline(c)) => return offline::report(offline::run_keys(c)),
        Command::Trust(c) => return offline::report(offline::run_trust(c)),
        Command::Pass(c) => return offline::report(offline::run_pass(c)),
        Command::Verify(a) => return offline::report(offline::run_verify(a)),
        // Offline: no configuration, no database.
        Command::Audit(audit::AuditCommand::CheckTrail { file, log_key }) => {
            return match audit::check_trail(&file, &log_key) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("epass: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        command => Cli { command, ..cli },
    };
    let config = match crate::config::Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("epass: {e}");
            return ExitCode::from(2);
        }
    };
    crate::serve::init_tracing(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("epass: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve => runtime
            .block_on(crate::serve::run(config))
            .map_err(|e| e.to_string()),
        Command::Migrate => runtime
            .block_on(crate::app::AppState::new(config))
            .map(|_| println!("migrations applied; durability settings in force"))
            .map_err(|e| e.to_string()),
        Command::Registry(c) => runtime.block_on(registry::run(config, c)),
        Command::Audit(c) => runtime.block_on(audit::run(config, c)),
        Command::Keys(KeysCommand::Service(c)) => runtime.block_on(keys::run(config, c)),
        // Handled above, before any configuration is read.
        Command::Keys(KeysCommand::Offline(_))
        | Command::Trust(_)
        | Command::Pass(_)
        | Command::Verify(_) => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("epass: {e}");
            ExitCode::FAILURE
        }
    }
}

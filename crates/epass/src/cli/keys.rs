//! `epass keys list|rotate|withdraw`: the service's own signing keys, in its database.

use clap::Subcommand;

use crate::actions::{Actor, keys};
use crate::app::AppState;
use crate::config::Config;
use crate::store::keys::KeyPurpose;

/// Signing keys held by the service (sealed under the master key).
#[derive(Debug, Subcommand)]
pub enum ServiceKeysCommand {
    /// List an authority's keys (no secrets).
    List {
        /// The authority's organisation id.
        #[arg(long)]
        authority: i64,
    },
    /// Replace an issuing office's active key; the old one keeps verifying what it signed.
    Rotate {
        /// The authority's organisation id.
        #[arg(long)]
        authority: i64,
        /// The issuing office's 6-digit division code.
        #[arg(long)]
        issuer: String,
    },
    /// Withdraw a key: everything it signed becomes invalid at the next bundle.
    Withdraw {
        /// The key id (hex).
        kid: String,
        /// Why (recorded in the audit log).
        #[arg(long)]
        reason: String,
    },
}

/// Who acted, for the audit log: the operator at the console.
fn operator() -> Actor {
    Actor {
        user_id: None,
        role: None,
        client_addr: Some("cli".into()),
    }
}

pub async fn run(config: Config, cmd: ServiceKeysCommand) -> Result<(), String> {
    let state = AppState::new(config).await.map_err(|e| e.to_string())?;
    match cmd {
        ServiceKeysCommand::List { authority } => {
            let stored = crate::store::keys::for_authority(state.db.pool(), authority)
                .await
                .map_err(|e| e.to_string())?;
            println!("{:<17} {:<7} {:<7} state", "kid", "purpose", "issuer");
            for k in stored {
                let state = match (k.withdrawn_at, k.retired_at) {
                    (Some(_), _) => "withdrawn",
                    (None, Some(_)) => "retired",
                    (None, None) => "active",
                };
                let purpose = match k.purpose {
                    KeyPurpose::Root => "root",
                    KeyPurpose::Issuer => "issuer",
                };
                println!(
                    "{:<17} {:<7} {:<7} {state}",
                    k.kid,
                    purpose,
                    k.issuer_code.as_deref().unwrap_or("-")
                );
            }
        }
        ServiceKeysCommand::Rotate { authority, issuer } => {
            let kid = keys::rotate(&state.db, &state.pii, &operator(), authority, &issuer)
                .await
                .map_err(|e| e.to_string())?;
            println!("new issuer key {kid} for {issuer}; a new bundle was published");
        }
        ServiceKeysCommand::Withdraw { kid, reason } => {
            keys::withdraw(&state.db, &state.pii, &operator(), &kid, &reason)
                .await
                .map_err(|e| e.to_string())?;
            println!("key {kid} withdrawn; a new bundle was published");
        }
    }
    Ok(())
}

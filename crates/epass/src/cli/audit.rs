//! `epass audit verify|export-heads|publish-head`: the tamper-evident log, checked from the
//! configured database.

use std::path::PathBuf;

use clap::Subcommand;

use crate::actions::{log, log_verify, trail_bundle};
use crate::app::AppState;
use crate::config::Config;

/// The tamper-evident log of audit events and checks.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every leaf from the events and checks, rebuild the tree and check every
    /// published tree head; exits non-zero with the first bad position.
    Verify {
        /// Tree heads kept elsewhere (from `export-heads`): the log must be consistent with them.
        #[arg(long)]
        against: Option<PathBuf>,
    },
    /// Write every signed tree head and the log's public keys (JSON) for a witness to keep.
    ExportHeads {
        /// The file to write.
        file: PathBuf,
    },
    /// Sign and publish a tree head of the log as it is now.
    PublishHead,
    /// Check a trail bundle offline (no database): every entry's signature, leaf data and
    /// inclusion proof, the tree head's signature and the bundle's; exits non-zero with the
    /// first bad entry.
    CheckTrail {
        /// The bundle (`GET …/trail?format=bundle`).
        file: PathBuf,
        /// The log's public key as the auditor holds it (Ed25519, hex; or a file from
        /// `export-heads`); without it, the keys in the bundle are trusted.
        #[arg(long)]
        log_key: Vec<String>,
    },
}

/// `check-trail`: reads and checks a bundle file, with no database.
pub fn check_trail(file: &std::path::Path, log_keys: &[String]) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let bundle: epass_credential::merkle::trail::TrailBundle = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a trail bundle: {e}", file.display()))?;
    let mut keys = Vec::new();
    for key in log_keys {
        let path = std::path::Path::new(key);
        if path.is_file() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            match serde_json::from_str::<log_verify::WitnessFile>(&text) {
                Ok(w) => keys.extend(w.public_keys.into_iter().map(|k| k.public_key)),
                Err(_) => keys.push(text.trim().to_owned()),
            }
        } else {
            keys.push(key.clone());
        }
    }
    match trail_bundle::check(&bundle, &keys) {
        Ok(n) => {
            println!(
                "trail verified: {} ({n} entries, tree head #{} of {} leaves)",
                bundle.subject, bundle.tree_head.id, bundle.tree_head.size
            );
            Ok(())
        }
        Err(e) => {
            println!("BAD: {e}");
            Err(e.to_string())
        }
    }
}

pub async fn run(config: Config, cmd: AuditCommand) -> Result<(), String> {
    if let AuditCommand::CheckTrail { file, log_key } = &cmd {
        return check_trail(file, log_key);
    }
    let state = AppState::new(config).await.map_err(|e| e.to_string())?;
    match cmd {
        AuditCommand::Verify { against } => {
            let mut rebuilt = log_verify::verify(&state.db)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(path) = against {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let file: log_verify::WitnessFile = serde_json::from_str(&text)
                    .map_err(|e| format!("{} is not a tree-head file: {e}", path.display()))?;
                log_verify::check_against(&mut rebuilt, &file).map_err(|e| e.to_string())?;
            }
            let report = &rebuilt.report;
            if report.is_ok() {
                println!(
                    "log verified: {} leaves, {} tree heads, every head matches",
                    report.size, report.heads
                );
                return Ok(());
            }
            for f in &report.findings {
                println!("BAD: {}", f.message);
            }
            Err(match report.first_bad_position() {
                Some(p) => format!(
                    "the log does not verify: first bad position {p} ({} problems)",
                    report.findings.len()
                ),
                None => format!(
                    "the log does not verify ({} problems)",
                    report.findings.len()
                ),
            })
        }
        AuditCommand::ExportHeads { file } => {
            let heads = log_verify::export_heads(&state.db)
                .await
                .map_err(|e| e.to_string())?;
            let json = serde_json::to_string_pretty(&heads).map_err(|e| e.to_string())?;
            std::fs::write(&file, json)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            println!(
                "{} tree heads written to {}",
                heads.heads.len(),
                file.display()
            );
            Ok(())
        }
        AuditCommand::PublishHead => {
            let head = log::publish(&state.db, &state.pii, false)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("no tree head")?;
            println!("tree head #{} published: {} leaves", head.id, head.size);
            Ok(())
        }
        AuditCommand::CheckTrail { .. } => Err("checked above".into()),
    }
}

//! `epass registry import KIND FILE.csv`: load a registry file into the database, all or
//! nothing, with a progress bar and a per-line error report; after a licence import the live
//! electronic licences follow it at once. `epass registry import-photos DIR`: the licence
//! registry's stored photos, named by licence number, all or nothing.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::AppState;
use crate::config::Config;
use crate::registry::{self, ImportReport, Origin, Progress, RegistryKind};

/// Registries kept in epass for eligibility checks.
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Import a CSV file (UTF-8, header row) into a registry. If any line is wrong nothing is
    /// written, every mistake is listed (line, column, reason) and the exit status is 1.
    Import(ImportArgs),
    /// Store the licence registry's photos from a folder: each `<licence number>.jpg` (or
    /// `.jpeg`, `.png`). Every file is checked first; if any is wrong none is stored.
    ImportPhotos(PhotoArgs),
}

#[derive(Debug, Args)]
pub struct PhotoArgs {
    /// The folder of photos.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Which registry the file fills.
    #[arg(value_enum)]
    pub kind: RegistryKind,
    /// The CSV file. Columns: vehicles: plate, vehicle_type, owner_name, unresolved_violations,
    /// legal_status, updated_at; licences: licence_number, holder_id_number, holder_name,
    /// classes, valid_from, valid_until, issuing_office, points, status, address; tests:
    /// holder_id_number, sampled_at, result, institution; health: holder_id_number, colour,
    /// updated_at.
    pub file: PathBuf,
    /// Who runs the import, recorded with the batch and in the audit log (default: $USER).
    #[arg(long)]
    pub actor: Option<String>,
}

/// Runs a registry subcommand; `Err` carries the one-line reason for the exit status.
pub async fn run(config: Config, command: RegistryCommand) -> Result<(), String> {
    match command {
        RegistryCommand::Import(args) => import(config, args).await,
        RegistryCommand::ImportPhotos(args) => import_photos(config, args).await,
    }
}

async fn import_photos(config: Config, args: PhotoArgs) -> Result<(), String> {
    let entries = std::fs::read_dir(&args.dir)
        .map_err(|e| format!("cannot read {}: {e}", args.dir.display()))?;
    let mut photos = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", args.dir.display()))?
            .path();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        if !matches!(ext.as_deref(), Some("jpg" | "jpeg" | "png")) {
            continue;
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        photos.push((stem, bytes));
    }
    let state = AppState::new(config).await.map_err(|e| e.to_string())?;
    let actor = crate::actions::Actor::default();
    let max = state.config.documents.max_bytes;
    match crate::actions::licences::photos::import_photos(&state.db, &actor, photos, max)
        .await
        .map_err(|e| e.to_string())?
    {
        Ok(n) => {
            println!("stored {n} licence photos from {}", args.dir.display());
            Ok(())
        }
        Err(errors) => {
            for e in &errors {
                println!("{}\t{} / {}", e.name, e.zh, e.en);
            }
            Err(format!(
                "{} photo(s) cannot be stored; nothing was stored",
                errors.len()
            ))
        }
    }
}

async fn import(config: Config, args: ImportArgs) -> Result<(), String> {
    let file = std::fs::File::open(&args.file)
        .map_err(|e| format!("cannot open {}: {e}", args.file.display()))?;
    let state = AppState::new(config).await.map_err(|e| e.to_string())?;
    let actor = args
        .actor
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_owned());
    let actor = format!("cli:{actor}");
    let file_name = file_name(&args.file);
    let origin = Origin {
        file_name: &file_name,
        actor: &actor,
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(style("{spinner} reading  {pos} rows  {per_sec}"));
    let mut writing = false;
    let started = Instant::now();
    let report = registry::import(
        &state.db,
        &state.pii,
        args.kind,
        &origin,
        file,
        |p| match p {
            Progress::Reading { rows } => bar.set_position(rows),
            Progress::Writing { rows, total } => {
                if !writing {
                    writing = true;
                    bar.set_style(style(
                        "[{bar:40}] writing {pos}/{len} rows  {per_sec}  {eta} left",
                    ));
                    bar.set_length(total);
                    bar.reset();
                }
                bar.set_position(rows);
            }
        },
    )
    .await;
    bar.finish_and_clear();
    let report = report.map_err(|e| e.to_string())?;
    summarise(&report, &file_name, started.elapsed().as_secs_f64())?;
    if args.kind == RegistryKind::Licences {
        // Licences already issued follow the new registry now, not at the server's next sync.
        let link_base = state.config.public_url();
        let synced = crate::actions::licences::sync::sync(
            &state.db,
            &state.pii,
            state.registry.as_ref(),
            &link_base,
            &crate::actions::Actor::default(),
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
        println!(
            "electronic licences: {} checked, {} re-issued, {} suspended, {} resumed, {} revoked",
            synced.checked, synced.reissued, synced.suspended, synced.resumed, synced.revoked
        );
    }
    Ok(())
}

fn style(template: &str) -> ProgressStyle {
    // The templates are constants above; a mistake in one falls back to the default style.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn summarise(report: &ImportReport, file: &str, seconds: f64) -> Result<(), String> {
    if let Some(id) = report.import_id {
        let rate = if seconds > 0.0 {
            report.rows as f64 / seconds
        } else {
            0.0
        };
        println!(
            "imported {} {} rows from {file} as batch {id} in {seconds:.2} s ({rate:.0} rows/s)",
            report.rows,
            report.kind.as_str(),
        );
        return Ok(());
    }
    for e in &report.errors {
        let field = if e.field.is_empty() { "-" } else { &e.field };
        println!("line {}\t{field}\t{}\t{} / {}", e.line, e.code, e.zh, e.en);
    }
    if report.errors_omitted > 0 {
        println!("… and {} more mistakes not listed", report.errors_omitted);
    }
    Err(format!(
        "{} mistake(s) in {file}; nothing was imported",
        report.error_count()
    ))
}

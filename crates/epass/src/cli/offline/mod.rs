//! Offline credential commands (keys, trust, pass, verify): no server, no database.
//!
//! `epass keys new`, `epass trust sign`, `epass pass sign`, `epass pass qr` and `epass verify`.
//! `verify` prints one human line (Chinese and English) or `--json`, and exits 0 only when the
//! credential is valid; other outcomes have their own codes (see [`exit_code`]).

mod trust;
mod verify;

pub use trust::{TrustCommand, TrustSignArgs, run_trust};
pub use verify::{VerifyArgs, exit_code, run_verify};

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use epass_credential::time::{format_rfc3339, parse_rfc3339};
use epass_credential::{
    Algorithm, BundleContent, Claims, Compression, Context, IssuerKeyEntry, KeyFile, KeyPair, Kind,
    Outcome, PublicKey, Status, StatusList, Verdict, Verifier,
};
use serde::Deserialize;

/// Why an offline command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfflineCliError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A JSON input was malformed.
    #[error("{path}: {msg}")]
    Json {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        msg: String,
    },
    /// A key could not be made, loaded or used.
    #[error("key: {0}")]
    Key(#[from] epass_credential::KeyError),
    /// A bundle was refused.
    #[error("bundle: {0}")]
    Bundle(#[from] epass_credential::BundleError),
    /// A credential could not be issued.
    #[error("{0}")]
    Issue(#[from] epass_credential::IssueError),
    /// A QR code could not be made or read.
    #[error("QR: {0}")]
    Qr(#[from] epass_credential::qr::QrError),
    /// A status list was malformed.
    #[error("status list: {0}")]
    Status(#[from] epass_credential::StatusError),
    /// Wrong or missing arguments.
    #[error("{0}")]
    Usage(String),
}

type Result<T> = std::result::Result<T, OfflineCliError>;

/// Signature algorithm choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgArg {
    /// Ed25519 (EdDSA), the default.
    Ed25519,
    /// ECDSA P-256 (ES256).
    Es256,
}

/// Credential kind choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// Personnel and vehicle pass.
    PersonnelVehicle,
    /// Point-to-point freight pass.
    Freight,
    /// Truck city-entry pass code.
    TruckEntry,
    /// Electronic driving licence.
    DrivingLicence,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::PersonnelVehicle => Kind::PersonnelVehicle,
            KindArg::Freight => Kind::Freight,
            KindArg::TruckEntry => Kind::TruckEntry,
            KindArg::DrivingLicence => Kind::DrivingLicence,
        }
    }
}

/// `epass keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a signing key (issuer or root) and write it as a JSON key file.
    New {
        /// Algorithm.
        #[arg(long, value_enum, default_value = "ed25519")]
        alg: AlgArg,
        /// Issuer's 6-digit division code (issuer keys).
        #[arg(long)]
        issuer: Option<String>,
        /// Kinds the key may sign (comma-separated; default all).
        #[arg(long, value_enum, value_delimiter = ',')]
        kinds: Vec<KindArg>,
        /// Output file (default: standard output). Created with mode 0600 on Unix.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print a key file's public part (without the secret).
    Public {
        /// The key file.
        key: PathBuf,
    },
}

/// `epass pass …`
#[derive(Debug, Subcommand)]
pub enum PassCommand {
    /// Sign a credential from a claims JSON file and print its text.
    Sign {
        /// The claims (JSON, as `epass_credential::Claims`).
        claims: PathBuf,
        /// The issuer key file.
        #[arg(long)]
        key: PathBuf,
        /// Text form: the shorter (`auto`), `zlib` (EP1) or `plain` (EP2).
        #[arg(long, value_enum, default_value = "auto")]
        form: FormArg,
        /// Also write the text to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Render credential text as a QR code (PNG or SVG by the output file's extension).
    Qr {
        /// The credential text.
        text: Option<String>,
        /// Read the credential text from a file instead.
        #[arg(long = "in", conflicts_with = "text")]
        input: Option<PathBuf>,
        /// Output file, `.png` or `.svg`.
        #[arg(long)]
        out: PathBuf,
        /// Pixels per module (PNG).
        #[arg(long, default_value_t = 8)]
        module_px: u32,
    },
}

/// Text form choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormArg {
    /// The shorter form.
    Auto,
    /// `EP1:` zlib.
    Zlib,
    /// `EP2:` uncompressed.
    Plain,
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| OfflineCliError::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, data: &[u8], secret: bool) -> Result<()> {
    let io = |source| OfflineCliError::Io {
        path: path.to_owned(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    use std::io::Write;
    opts.open(path)
        .and_then(|mut f| f.write_all(data))
        .map_err(io)
}

fn json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    serde_json::from_slice(&read(path)?).map_err(|e| OfflineCliError::Json {
        path: path.to_owned(),
        msg: e.to_string(),
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn time_arg(s: Option<&str>, default: i64) -> Result<i64> {
    match s {
        None => Ok(default),
        Some(s) => parse_rfc3339(s)
            .ok_or_else(|| OfflineCliError::Usage(format!("not an RFC 3339 time: {s}"))),
    }
}

fn duration_arg(s: &str) -> Result<u64> {
    let (num, unit) = match s.char_indices().last() {
        Some((i, 'd')) => (&s[..i], 86_400),
        Some((i, 'h')) => (&s[..i], 3_600),
        Some((i, 'm')) => (&s[..i], 60),
        Some((i, 's')) => (&s[..i], 1),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| OfflineCliError::Usage(format!("not a duration: {s}")))
}

/// Runs `epass keys …`.
pub fn run_keys(cmd: KeysCommand) -> Result<ExitCode> {
    match cmd {
        KeysCommand::New {
            alg,
            issuer,
            kinds,
            out,
        } => {
            let alg = match alg {
                AlgArg::Ed25519 => Algorithm::EdDsa,
                AlgArg::Es256 => Algorithm::Es256,
            };
            if let Some(i) = &issuer
                && (i.len() != 6 || !i.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(OfflineCliError::Usage(
                    "--issuer must be a 6-digit division code".into(),
                ));
            }
            let kinds: Vec<Kind> = if kinds.is_empty() {
                Kind::ALL.to_vec()
            } else {
                kinds.into_iter().map(Kind::from).collect()
            };
            let pair = KeyPair::generate(alg)?;
            let file = KeyFile::from_pair(&pair, issuer.as_deref(), &kinds);
            let text = serde_json::to_string_pretty(&file).unwrap_or_default() + "\n";
            match out {
                Some(p) => {
                    write(&p, text.as_bytes(), true)?;
                    println!("{} {}", file.kid, p.display());
                }
                None => print!("{text}"),
            }
        }
        KeysCommand::Public { key } => {
            let mut f: KeyFile = json(&key)?;
            f.public()?;
            f.secret_key = None;
            println!("{}", serde_json::to_string_pretty(&f).unwrap_or_default());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `epass pass …`.
pub fn run_pass(cmd: PassCommand) -> Result<ExitCode> {
    match cmd {
        PassCommand::Sign {
            claims,
            key,
            form,
            out,
        } => {
            let c: Claims = json(&claims)?;
            let k = json::<KeyFile>(&key)?.pair()?;
            let form = match form {
                FormArg::Auto => Compression::Auto,
                FormArg::Zlib => Compression::Zlib,
                FormArg::Plain => Compression::Plain,
            };
            let text = epass_credential::issue_with(&c, &k, form)?;
            if let Some(p) = out {
                write(&p, text.as_bytes(), false)?;
            }
            println!("{text}");
        }
        PassCommand::Qr {
            text,
            input,
            out,
            module_px,
        } => {
            let text = match (text, input) {
                (Some(t), _) => t,
                (None, Some(p)) => String::from_utf8_lossy(&read(&p)?).trim().to_owned(),
                (None, None) => {
                    return Err(OfflineCliError::Usage("give TEXT or --in FILE".into()));
                }
            };
            let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("");
            let data = match ext.to_ascii_lowercase().as_str() {
                "svg" => epass_credential::qr::render_svg(&text)?.into_bytes(),
                "png" => epass_credential::qr::render_png(&text, module_px)?,
                _ => {
                    return Err(OfflineCliError::Usage(
                        "--out must end in .png or .svg".into(),
                    ));
                }
            };
            write(&out, &data, false)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints an offline command's error and gives exit code 2.
pub fn report(r: Result<ExitCode>) -> ExitCode {
    r.unwrap_or_else(|e| {
        eprintln!("epass: {e}");
        ExitCode::from(2)
    })
}

/// The public half of a key file, for code that already holds one.
pub fn public_key(f: &KeyFile) -> Result<PublicKey> {
    Ok(f.public()?)
}

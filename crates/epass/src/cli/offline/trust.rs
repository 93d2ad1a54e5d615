//! `epass trust sign`: a root key signs a verifier bundle (trust list, status lists, zones).

use super::*;

/// `epass trust …`
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Build a verifier bundle (trust list + status lists + zones) and sign it with the root key.
    Sign(TrustSignArgs),
}

/// Arguments of `epass trust sign`.
#[derive(Debug, Args)]
pub struct TrustSignArgs {
    /// The authority's root key file.
    #[arg(long)]
    pub root: PathBuf,
    /// Issuer key files (from `keys new`, with issuer and kinds) or trust-list entry JSON files.
    #[arg(long = "issuer-key", required = true)]
    pub issuer_keys: Vec<PathBuf>,
    /// Status list JSON files: `{"issuer","len","version","revoked":[…],"suspended":[…]}`.
    #[arg(long = "status")]
    pub status: Vec<PathBuf>,
    /// Zone and road-section catalogue, a GeoJSON FeatureCollection.
    #[arg(long)]
    pub zones: Option<PathBuf>,
    /// Bundle version (must increase with every bundle).
    #[arg(long)]
    pub version: u64,
    /// Maximum age, e.g. `7d`, `12h`, `3600` (seconds).
    #[arg(long, default_value = "7d")]
    pub max_age: String,
    /// Authority name.
    #[arg(long, default_value = "epass")]
    pub authority: String,
    /// Issue time (RFC 3339; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// Start of the issuer keys' validity (RFC 3339; default the issue time minus one day).
    #[arg(long)]
    pub keys_from: Option<String>,
    /// End of the issuer keys' validity (RFC 3339; default two years after the issue time).
    #[arg(long)]
    pub keys_until: Option<String>,
    /// Key ids (hex) to mark withdrawn.
    #[arg(long)]
    pub withdraw: Vec<String>,
    /// Output file for the signed bundle.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Deserialize)]
struct StatusInput {
    issuer: String,
    len: u32,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    revoked: Vec<u32>,
    #[serde(default)]
    suspended: Vec<u32>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeyInput {
    Entry(IssuerKeyEntry),
    File(KeyFile),
}

/// Runs `epass trust …`.
pub fn run_trust(cmd: TrustCommand) -> Result<ExitCode> {
    let TrustCommand::Sign(a) = cmd;
    let root = json::<KeyFile>(&a.root)?.pair()?;
    let issued_at = time_arg(a.at.as_deref(), now())?;
    let from = time_arg(a.keys_from.as_deref(), issued_at - 86_400)?;
    let until = time_arg(a.keys_until.as_deref(), issued_at + 2 * 366 * 86_400)?;
    let mut keys = Vec::new();
    for p in &a.issuer_keys {
        let mut e = match json::<KeyInput>(p)? {
            KeyInput::Entry(e) => e,
            KeyInput::File(f) => {
                let issuer = f.issuer.clone().ok_or_else(|| {
                    OfflineCliError::Usage(format!("{}: key file has no issuer", p.display()))
                })?;
                let kinds = if f.kinds.is_empty() {
                    Kind::ALL.to_vec()
                } else {
                    f.kinds.clone()
                };
                IssuerKeyEntry::new(&f.public()?, &issuer, &kinds, from, until)
            }
        };
        e.public()?;
        e.withdrawn |= a.withdraw.iter().any(|w| w.eq_ignore_ascii_case(&e.kid));
        keys.push(e);
    }
    let mut content = BundleContent {
        authority: a.authority.clone(),
        version: a.version,
        issued_at,
        max_age_seconds: duration_arg(&a.max_age)?,
        issuer_keys: keys,
        status_lists: Vec::new(),
        catalogue: None,
    };
    for p in &a.status {
        let s: StatusInput = json(p)?;
        let mut l = StatusList::new(&s.issuer, s.len)?;
        for &i in &s.revoked {
            l.set(i, Status::Revoked)?;
        }
        for &i in &s.suspended {
            l.set(i, Status::Suspended)?;
        }
        l.set_version(s.version);
        content.add_status_list(&l);
    }
    if let Some(z) = &a.zones {
        let v: serde_json::Value = json(z)?;
        epass_credential::Catalogue::from_geojson(&v).map_err(|e| OfflineCliError::Json {
            path: z.clone(),
            msg: e.to_string(),
        })?;
        content.catalogue = Some(v);
    }
    let signed = content.sign(&root)?;
    write(&a.out, &signed, false)?;
    println!(
        "bundle v{} ({} keys, {} status lists, {} bytes) signed by root {} -> {}",
        content.version,
        content.issuer_keys.len(),
        content.status_lists.len(),
        signed.len(),
        root.kid(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

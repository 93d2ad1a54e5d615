//! `epass verify`: one human line (Chinese and English) or `--json`; exit 0 only for valid.

use super::*;

/// Arguments of `epass verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Signed verifier bundle files (several authorities may be given).
    #[arg(long, required = true)]
    pub bundle: Vec<PathBuf>,
    /// Root key files (key files or `keys public` output) trusted to sign bundles; default
    /// the comma-separated list in `EPASS_TRUST_ROOTS`.
    #[arg(
        long,
        env = "EPASS_TRUST_ROOTS",
        value_delimiter = ',',
        required = true
    )]
    pub root: Vec<PathBuf>,
    /// Time of the check (RFC 3339; default now).
    #[arg(long)]
    pub at: Option<String>,
    /// Longitude of the checkpoint (degrees).
    #[arg(long, requires = "lat", allow_negative_numbers = true)]
    pub lon: Option<f64>,
    /// Latitude of the checkpoint (degrees).
    #[arg(long, requires = "lon", allow_negative_numbers = true)]
    pub lat: Option<f64>,
    /// The credential text.
    #[arg(required_unless_present = "image")]
    pub text: Option<String>,
    /// A PNG/JPEG image or photo containing the QR code.
    #[arg(long, conflicts_with = "text")]
    pub image: Option<PathBuf>,
    /// Print JSON instead of the human line.
    #[arg(long)]
    pub json: bool,
}

/// The exit code of a verdict: 0 valid, 10 invalid, 11 revoked, 12 suspended, 13 expired or
/// not yet valid, 14 outside zone or time, 15 undetermined. (2 is a usage or input error.)
pub fn exit_code(v: Verdict) -> u8 {
    match v {
        Verdict::Valid => 0,
        Verdict::Invalid(_) => 10,
        Verdict::Revoked => 11,
        Verdict::Suspended => 12,
        Verdict::Expired | Verdict::NotYetValid => 13,
        Verdict::OutsideZone | Verdict::OutsideTime => 14,
        _ => 15,
    }
}

fn human_line(o: &Outcome) -> String {
    let v = o.verdict;
    let mut line = format!(
        "{} {} {} {}",
        v.class().to_ascii_uppercase(),
        v.code(),
        v.zh(),
        v.en()
    );
    if let Some(c) = &o.claims {
        line.push_str(&format!(" | {} {}", c.pass_number, c.kind.name()));
        if let Some(p) = &c.plate {
            line.push_str(&format!(" 车牌/plate {p}"));
        }
        line.push_str(&format!(" 持证人/holder {}", c.holder_name));
        if let Some(m) = &c.masked_id {
            line.push_str(&format!(" {m}"));
        }
        line.push_str(&format!(
            " 有效期/valid {} – {}",
            format_rfc3339(c.not_before),
            format_rfc3339(c.expires)
        ));
    }
    line
}

/// Runs `epass verify …`.
pub fn run_verify(a: VerifyArgs) -> Result<ExitCode> {
    let mut v = Verifier::new();
    for r in &a.root {
        let f: KeyFile = json(r)?;
        v.add_trust_anchor(f.public()?);
    }
    for b in &a.bundle {
        v.install(&read(b)?)?;
    }
    let at = time_arg(a.at.as_deref(), now())?;
    if v.is_stale(at) {
        eprintln!("警告 warning: the verifier bundle is older than its max age; synchronise");
    }
    let text = match (&a.text, &a.image) {
        (Some(t), _) => t.trim().to_owned(),
        (None, Some(p)) => {
            let found = epass_credential::qr::decode_image(&read(p)?)?;
            found
                .iter()
                .find(|t| t.starts_with("EP"))
                .or(found.first())
                .cloned()
                .unwrap_or_default()
        }
        (None, None) => return Err(OfflineCliError::Usage("give TEXT or --image FILE".into())),
    };
    let place = a.lon.zip(a.lat);
    let o = v.verify(&text, &Context { at, place });
    if a.json {
        let mut j = o.to_json();
        j["at"] = serde_json::Value::from(format_rfc3339(at));
        j["stale_bundle"] = serde_json::Value::from(v.is_stale(at));
        println!("{j}");
    } else {
        println!("{}", human_line(&o));
    }
    Ok(ExitCode::from(exit_code(o.verdict)))
}

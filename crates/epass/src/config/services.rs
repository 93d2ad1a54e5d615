//! The `[pdf]` and `[registry]` sections: the font printed passes use, and where eligibility
//! checks read the registries.
//!
//! | key (file)            | environment                  | default                        |
//! |-----------------------|------------------------------|--------------------------------|
//! | `pdf.font_path`       | `EPASS_PDF_FONT_PATH`        | the first of the usual Debian CJK fonts found (`fonts-wqy-microhei`, `fonts-noto-cjk`, `fonts-wqy-zenhei`, …) |
//! | `pdf.font_index`      | `EPASS_PDF_FONT_INDEX`       | in a `.ttc` collection: the Simplified Chinese face, else the first with Chinese |
//! | `registry.source`     | `EPASS_REGISTRY_SOURCE`      | `local` (the tables `epass registry import` fills) or `http` |
//! | `registry.url`        | `EPASS_REGISTRY_URL`         | none; required for `http`, e.g. `https://registry.example/epass/v1/` |
//! | `registry.timeout_ms` | `EPASS_REGISTRY_TIMEOUT_MS`  | `3000` per question            |
//! | `registry.token`      | `EPASS_REGISTRY_TOKEN`       | none; sent as `Authorization: Bearer <token>` |

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;

/// Printing passes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PdfConfig {
    /// A TrueType/OpenType font or collection with Chinese glyphs.
    pub font_path: Option<PathBuf>,
    /// The face of a collection.
    pub font_index: Option<u32>,
}

/// Which registries the eligibility checks ask.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RegistrySourceKind {
    #[default]
    Local,
    Http,
}

/// The registries (SPEC §3.4): kept in epass, or an external system over HTTP.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    pub source: RegistrySourceKind,
    pub url: Option<String>,
    pub timeout_ms: u64,
    pub token: Option<String>,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            source: RegistrySourceKind::Local,
            url: None,
            timeout_ms: 3000,
            token: None,
        }
    }
}

/// Applies the `EPASS_PDF_*` and `EPASS_REGISTRY_*` variables.
pub(super) fn apply_env(
    pdf: &mut PdfConfig,
    registry: &mut RegistryConfig,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    let number = |name: &'static str, v: &str| {
        v.trim().parse::<u64>().map_err(|e| ConfigError::Env {
            name,
            why: e.to_string(),
        })
    };
    if let Some(v) = get("EPASS_PDF_FONT_PATH") {
        pdf.font_path = Some(PathBuf::from(v));
    }
    if let Some(v) = get("EPASS_PDF_FONT_INDEX") {
        let index = number("EPASS_PDF_FONT_INDEX", &v)?;
        pdf.font_index = Some(u32::try_from(index).map_err(|e| ConfigError::Env {
            name: "EPASS_PDF_FONT_INDEX",
            why: e.to_string(),
        })?);
    }
    if let Some(v) = get("EPASS_REGISTRY_SOURCE") {
        registry.source = match v.as_str() {
            "local" => RegistrySourceKind::Local,
            "http" => RegistrySourceKind::Http,
            other => {
                return Err(ConfigError::Env {
                    name: "EPASS_REGISTRY_SOURCE",
                    why: format!("expected local or http, got {other:?}"),
                });
            }
        };
    }
    if let Some(v) = get("EPASS_REGISTRY_URL") {
        registry.url = Some(v);
    }
    if let Some(v) = get("EPASS_REGISTRY_TIMEOUT_MS") {
        registry.timeout_ms = number("EPASS_REGISTRY_TIMEOUT_MS", &v)?;
    }
    if let Some(v) = get("EPASS_REGISTRY_TOKEN") {
        registry.token = Some(v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_and_font_come_from_the_file_and_the_environment() {
        let config: crate::config::Config = toml::from_str(
            "[registry]\nsource = \"http\"\nurl = \"http://127.0.0.1:9/r/\"\ntimeout_ms = 500\n\
             [pdf]\nfont_path = \"/fonts/a.ttc\"\nfont_index = 2\n",
        )
        .expect("valid TOML");
        assert_eq!(config.registry.source, RegistrySourceKind::Http);
        assert_eq!(config.registry.timeout_ms, 500);
        assert_eq!(config.pdf.font_index, Some(2));
        let (mut pdf, mut registry) = (PdfConfig::default(), RegistryConfig::default());
        apply_env(&mut pdf, &mut registry, &|name: &str| match name {
            "EPASS_REGISTRY_SOURCE" => Some("http".into()),
            "EPASS_REGISTRY_TOKEN" => Some("s3cret".into()),
            "EPASS_PDF_FONT_PATH" => Some("/x.ttf".into()),
            _ => None,
        })
        .expect("valid environment");
        assert_eq!(registry.source, RegistrySourceKind::Http);
        assert_eq!(registry.token.as_deref(), Some("s3cret"));
        assert_eq!(pdf.font_path, Some(PathBuf::from("/x.ttf")));
        let bad = apply_env(&mut pdf, &mut registry, &|name: &str| {
            (name == "EPASS_REGISTRY_SOURCE").then(|| "ldap".into())
        });
        assert!(bad.is_err_and(|e| e.to_string().contains("EPASS_REGISTRY_SOURCE")));
    }
}

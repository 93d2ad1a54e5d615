//! Configuration: defaults, then an optional TOML file, then `EPASS_*` environment variables.
//!
//! | key (file)            | environment                  | default                        |
//! |-----------------------|------------------------------|--------------------------------|
//! | `database_url`        | `EPASS_DATABASE_URL`         | `sqlite://<data_dir>/epass.db` |
//! | `listen`              | `EPASS_LISTEN`               | `127.0.0.1:8080`               |
//! | `data_dir`            | `EPASS_DATA_DIR`             | `./data`                       |
//! | `master_key`          | `EPASS_MASTER_KEY`           | generated into `<data_dir>/master.key` on first start |
//! | `public_url`          | `EPASS_PUBLIC_URL`           | `http://<listen>`              |
//! | `log_format`          | `EPASS_LOG_FORMAT`           | `text` (or `json`)             |
//! | `demo`                | `EPASS_DEMO`                 | `true`: seed demo data into an empty database |
//! | `outbox.sender`       | `EPASS_OUTBOX_SENDER`        | `log` (or `smtp`, `http`)      |
//! | `outbox.smtp_url`     | `EPASS_SMTP_URL`             | none, e.g. `smtp://host:25`    |
//! | `outbox.smtp_from`    | `EPASS_SMTP_FROM`            | `epass@localhost`              |
//! | `outbox.http_url`     | `EPASS_SMS_HTTP_URL`         | none                           |
//! | `outbox.http_headers` | `EPASS_SMS_HTTP_HEADERS`     | none, `Name: value` lines separated by `;` |
//! | `outbox.http_body`    | `EPASS_SMS_HTTP_BODY`        | `{"to":"{{to}}","text":"{{body}}"}` |
//! | `documents.store`     | `EPASS_DOCUMENTS_STORE`      | `local` (`<data_dir>/documents`) or `s3` |
//! | `documents.max_bytes` | `EPASS_DOCUMENTS_MAX_BYTES`  | `5242880` (5 MiB) per upload   |
//! | `documents.owed_max_days` | `EPASS_OWED_MAX_DAYS`    | `30`: latest deadline for owed documents |
//! | `documents.s3_bucket` | `EPASS_S3_BUCKET`            | none (`AWS_*` variables also apply) |
//! | `documents.s3_endpoint` | `EPASS_S3_ENDPOINT`        | AWS; e.g. `http://127.0.0.1:9000` for MinIO |
//! | `documents.s3_region` | `EPASS_S3_REGION`            | `us-east-1`                    |
//! | `documents.s3_access_key_id` | `EPASS_S3_ACCESS_KEY_ID` | none                        |
//! | `documents.s3_secret_access_key` | `EPASS_S3_SECRET_ACCESS_KEY` | none                |
//! | `documents.s3_allow_http` | `EPASS_S3_ALLOW_HTTP`    | `false`                        |
//! | `log.tree_head_interval_seconds` | `EPASS_TREE_HEAD_INTERVAL_SECONDS` | `60`: how often a signed tree head of the audit log is published |
//!
//! `[pdf]` and `[registry]` keys are listed in `config::services`, `[alerts]` keys in
//! `config::alerts`.
//!
//! The master key (32 bytes, hex) protects ID numbers at rest and, later, signing keys. Losing it
//! makes the stored ID numbers unreadable; keep it outside the database backups.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod alerts;
mod services;
mod statistics;
pub use alerts::AlertConfig;
pub use services::{PdfConfig, RegistryConfig, RegistrySourceKind};
pub use statistics::StatisticsConfig;

/// Everything the service needs to start.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database_url: Option<String>,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Hex of 32 bytes; `None` means "read or create `<data_dir>/master.key`".
    pub master_key: Option<String>,
    pub public_url: Option<String>,
    pub log_format: LogFormat,
    pub demo: bool,
    /// Sessions end after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// Sessions end this many hours after login whatever the activity.
    pub session_absolute_hours: i64,
    pub outbox: OutboxConfig,
    /// Printing passes (see `config::services` for the keys).
    pub pdf: PdfConfig,
    /// Where eligibility checks read the registries.
    pub registry: RegistryConfig,
    pub documents: DocumentsConfig,
    /// The tamper-evident audit log.
    pub log: LogConfig,
    /// Alerts for supervisors (see `config::alerts` for the keys).
    pub alerts: AlertConfig,
    /// The dashboard's statistics (`[statistics] interval_s`, see `config::statistics`).
    pub statistics: StatisticsConfig,
}

/// The tamper-evident audit log.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A signed tree head is published this often when the log has grown (0: never).
    pub tree_head_interval_seconds: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            tree_head_interval_seconds: 60,
        }
    }
}

/// Where uploaded documents are kept, and how large they may be.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentsConfig {
    pub store: DocumentStoreKind,
    /// Largest upload accepted, in bytes.
    pub max_bytes: u64,
    /// The latest deadline a reviewer may give for owed documents, in days from today.
    pub owed_max_days: i64,
    pub s3_bucket: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    /// Plain HTTP to the endpoint (a MinIO on the same host); HTTPS otherwise.
    pub s3_allow_http: bool,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DocumentStoreKind {
    /// A folder: `<data_dir>/documents`.
    #[default]
    Local,
    /// An S3-compatible bucket.
    S3,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            store: DocumentStoreKind::Local,
            max_bytes: 5 << 20,
            owed_max_days: 30,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Which real sender delivers outbox messages.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    pub sender: SenderKind,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    pub http_url: Option<String>,
    pub http_headers: Vec<(String, String)>,
    pub http_body: String,
    /// Attempts before a message is marked failed for good.
    pub max_attempts: i32,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SenderKind {
    #[default]
    Log,
    Smtp,
    Http,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            master_key: None,
            public_url: None,
            log_format: LogFormat::Text,
            demo: true,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            outbox: OutboxConfig::default(),
            pdf: PdfConfig::default(),
            registry: RegistryConfig::default(),
            documents: DocumentsConfig::default(),
            log: LogConfig::default(),
            alerts: AlertConfig::default(),
            statistics: StatisticsConfig::default(),
        }
    }
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            sender: SenderKind::Log,
            smtp_url: None,
            smtp_from: "epass@localhost".into(),
            http_url: None,
            http_headers: Vec::new(),
            http_body: r#"{"to":"{{to}}","text":"{{body}}"}"#.into(),
            max_attempts: 8,
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("environment variable {name} is not valid: {why}")]
    Env { name: &'static str, why: String },
    #[error("master key: {0}")]
    MasterKey(String),
}

impl Config {
    /// Defaults, overridden by `file` (if given), overridden by the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_owned(),
                    source: Box::new(source),
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env {
                name,
                why: e.to_string(),
            })
        }
        if let Some(v) = get("EPASS_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = get("EPASS_LISTEN") {
            self.listen = parse("EPASS_LISTEN", &v)?;
        }
        if let Some(v) = get("EPASS_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("EPASS_MASTER_KEY") {
            self.master_key = Some(v);
        }
        if let Some(v) = get("EPASS_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = get("EPASS_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                other => {
                    return Err(ConfigError::Env {
                        name: "EPASS_LOG_FORMAT",
                        why: format!("expected text or json, got {other:?}"),
                    });
                }
            };
        }
        if let Some(v) = get("EPASS_TREE_HEAD_INTERVAL_SECONDS") {
            self.log.tree_head_interval_seconds = parse("EPASS_TREE_HEAD_INTERVAL_SECONDS", &v)?;
        }
        if let Some(v) = get("EPASS_DEMO") {
            self.demo = parse("EPASS_DEMO", &v)?;
        }
        if let Some(v) = get("EPASS_OUTBOX_SENDER") {
            self.outbox.sender = match v.as_str() {
                "log" => SenderKind::Log,
                "smtp" => SenderKind::Smtp,
                "http" => SenderKind::Http,
                other => {
                    return Err(ConfigError::Env {
                        name: "EPASS_OUTBOX_SENDER",
                        why: format!("expected log, smtp or http, got {other:?}"),
                    });
                }
            };
        }
        if let Some(v) = get("EPASS_SMTP_URL") {
            self.outbox.smtp_url = Some(v);
        }
        if let Some(v) = get("EPASS_SMTP_FROM") {
            self.outbox.smtp_from = v;
        }
        if let Some(v) = get("EPASS_SMS_HTTP_URL") {
            self.outbox.http_url = Some(v);
        }
        if let Some(v) = get("EPASS_SMS_HTTP_HEADERS") {
            self.outbox.http_headers = v
                .split(';')
                .filter(|h| !h.trim().is_empty())
                .map(|h| match h.split_once(':') {
                    Some((k, v)) => Ok((k.trim().to_owned(), v.trim().to_owned())),
                    None => Err(ConfigError::Env {
                        name: "EPASS_SMS_HTTP_HEADERS",
                        why: format!("{h:?} is not `Name: value`"),
                    }),
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = get("EPASS_SMS_HTTP_BODY") {
            self.outbox.http_body = v;
        }
        services::apply_env(&mut self.pdf, &mut self.registry, &get)?;
        self.apply_documents_env(&get)?;
        alerts::apply_env(&mut self.alerts, &get)?;
        statistics::apply_env(&mut self.statistics, &get)?;
        Ok(())
    }

    fn apply_documents_env(
        &mut self,
        get: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let docs = &mut self.documents;
        if let Some(v) = get("EPASS_DOCUMENTS_STORE") {
            docs.store = match v.as_str() {
                "local" => DocumentStoreKind::Local,
                "s3" => DocumentStoreKind::S3,
                other => {
                    return Err(ConfigError::Env {
                        name: "EPASS_DOCUMENTS_STORE",
                        why: format!("expected local or s3, got {other:?}"),
                    });
                }
            };
        }
        let number = |name: &'static str, v: String| {
            v.parse::<u64>().map_err(|e| ConfigError::Env {
                name,
                why: e.to_string(),
            })
        };
        if let Some(v) = get("EPASS_DOCUMENTS_MAX_BYTES") {
            docs.max_bytes = number("EPASS_DOCUMENTS_MAX_BYTES", v)?;
        }
        if let Some(v) = get("EPASS_OWED_MAX_DAYS") {
            docs.owed_max_days = number("EPASS_OWED_MAX_DAYS", v)?.min(366) as i64;
        }
        for (name, slot) in [
            ("EPASS_S3_BUCKET", &mut docs.s3_bucket),
            ("EPASS_S3_ENDPOINT", &mut docs.s3_endpoint),
            ("EPASS_S3_REGION", &mut docs.s3_region),
            ("EPASS_S3_ACCESS_KEY_ID", &mut docs.s3_access_key_id),
            ("EPASS_S3_SECRET_ACCESS_KEY", &mut docs.s3_secret_access_key),
        ] {
            if let Some(v) = get(name) {
                *slot = Some(v);
            }
        }
        if let Some(v) = get("EPASS_S3_ALLOW_HTTP") {
            docs.s3_allow_http =
                v.parse()
                    .map_err(|e: std::str::ParseBoolError| ConfigError::Env {
                        name: "EPASS_S3_ALLOW_HTTP",
                        why: e.to_string(),
                    })?;
        }
        Ok(())
    }

    /// The database URL, defaulting to a SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("epass.db").display()
            ),
        }
    }

    /// The address users reach the server at, for links in messages.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// The 32-byte master secret: from configuration, or read from (or first written to)
    /// `<data_dir>/master.key`.
    pub fn master_key(&self) -> Result<[u8; 32], ConfigError> {
        let hex = match &self.master_key {
            Some(hex) => hex.clone(),
            None => {
                let path = self.data_dir.join("master.key");
                match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        let key: [u8; 32] = rand::random();
                        let hex = hex_encode(&key);
                        std::fs::create_dir_all(&self.data_dir)
                            .and_then(|()| write_secret(&path, &hex))
                            .map_err(|e| {
                                ConfigError::MasterKey(format!(
                                    "cannot write {}: {e}",
                                    path.display()
                                ))
                            })?;
                        hex
                    }
                    Err(e) => {
                        return Err(ConfigError::MasterKey(format!(
                            "cannot read {}: {e}",
                            path.display()
                        )));
                    }
                }
            }
        };
        hex_decode_32(hex.trim())
            .ok_or_else(|| ConfigError::MasterKey("expected 64 hexadecimal characters".into()))
    }
}

/// Writes a file only its owner can read.
fn write_secret(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode_32(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "EPASS_LISTEN" => Some("0.0.0.0:9000".into()),
                "EPASS_SMS_HTTP_HEADERS" => Some("Authorization: Bearer x; X-A: b".into()),
                _ => None,
            })
            .expect("valid environment");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.outbox.http_headers.len(), 2);
        assert_eq!(config.outbox.http_headers[1], ("X-A".into(), "b".into()));
    }

    #[test]
    fn a_bad_environment_value_names_the_variable() {
        let mut config = Config::default();
        let err = config
            .apply_env(|name| (name == "EPASS_LISTEN").then(|| "nowhere".into()))
            .expect_err("invalid address");
        assert!(err.to_string().contains("EPASS_LISTEN"));
    }

    #[test]
    fn document_settings_default_to_a_local_folder_and_5_mib_and_follow_the_environment() {
        let mut config = Config::default();
        assert_eq!(config.documents.store, DocumentStoreKind::Local);
        assert_eq!(config.documents.max_bytes, 5 * 1024 * 1024);
        config
            .apply_env(|name| match name {
                "EPASS_DOCUMENTS_STORE" => Some("s3".into()),
                "EPASS_DOCUMENTS_MAX_BYTES" => Some("1000".into()),
                "EPASS_S3_BUCKET" => Some("passes".into()),
                "EPASS_S3_ALLOW_HTTP" => Some("true".into()),
                _ => None,
            })
            .expect("valid environment");
        assert_eq!(config.documents.store, DocumentStoreKind::S3);
        assert_eq!(config.documents.max_bytes, 1000);
        assert_eq!(config.documents.s3_bucket.as_deref(), Some("passes"));
        assert!(config.documents.s3_allow_http);
        let err = config
            .apply_env(|name| (name == "EPASS_DOCUMENTS_STORE").then(|| "ftp".into()))
            .expect_err("unknown store");
        assert!(err.to_string().contains("EPASS_DOCUMENTS_STORE"));
    }

    #[test]
    fn master_key_hex_must_be_32_bytes() {
        assert!(hex_decode_32(&"ab".repeat(32)).is_some());
        assert!(hex_decode_32(&"ab".repeat(31)).is_none());
        assert!(hex_decode_32(&"zz".repeat(32)).is_none());
    }
}

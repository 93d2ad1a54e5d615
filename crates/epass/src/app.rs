//! The application: shared state and `router()`, used by `epass serve` and by the tests.

use std::sync::Arc;

use axum::Router;

use crate::actions::auth::AuthPolicy;
use crate::config::Config;
use crate::pii::PiiKeys;
use crate::store::{Db, StoreError};
use crate::web;

/// What every request handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub pii: Arc<PiiKeys>,
    pub auth: Arc<AuthPolicy>,
    pub metrics: Arc<web::ops::Metrics>,
    pub limiter: Arc<web::security::RateLimiter>,
    pub verifier: Arc<crate::actions::checks::OnlineVerifier>,
    /// The group-committing writer of recorded checks.
    pub check_log: Arc<crate::actions::check_log::CheckLog>,
    /// Where eligibility checks read registries (those kept in epass by default).
    pub registry: Arc<dyn crate::registry::RegistrySource>,
    /// Where uploaded documents' bytes live (a folder or an S3-compatible bucket).
    pub documents: Arc<crate::document_store::DocumentStore>,
    /// The CJK font printed passes embed, found on first use.
    pub fonts: Arc<crate::pdf::FontSource>,
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Documents(#[from] crate::document_store::DocumentStoreError),
    #[error("registry: {0}")]
    Registry(String),
}

impl AppState {
    /// Opens the database (applying migrations, asserting durability), derives the keys, and
    /// connects the registries `[registry]` names.
    pub async fn new(config: Config) -> Result<Self, StartError> {
        let master = config.master_key()?;
        let db = Db::open(&config.database_url()).await?;
        let mut state = Self::with_db(config, db, &master);
        // A wrong document store setting stops the start, not the first upload.
        state.documents.store()?;
        if let Some(http) = http_registry(&state.config.registry)? {
            state.registry = Arc::new(http);
        }
        Ok(state)
    }

    /// The state over an open database, reading the registries kept in epass (`new` applies
    /// `[registry]`; tests swap `registry` themselves).
    pub fn with_db(config: Config, db: Db, master: &[u8; 32]) -> Self {
        let pii = Arc::new(PiiKeys::from_master_secret(master));
        let registry = Arc::new(crate::registry::LocalRegistry::new(db.clone(), pii.clone()));
        let config_pdf = config.pdf.clone();
        let auth = AuthPolicy::new(
            derive_key(master, b"epass otp code v1"),
            config.session_idle_minutes,
            config.session_absolute_hours,
        );
        let documents = Arc::new(crate::document_store::DocumentStore::from_config(&config));
        let check_log = Arc::new(crate::actions::check_log::CheckLog::new(db.clone()));
        Self {
            db,
            check_log,
            documents,
            config: Arc::new(config),
            registry,
            pii,
            auth: Arc::new(auth),
            metrics: Arc::new(web::ops::Metrics::default()),
            limiter: Arc::new(web::security::RateLimiter::default()),
            verifier: Arc::new(crate::actions::checks::OnlineVerifier::default()),
            fonts: Arc::new(crate::pdf::FontSource::new(
                config_pdf.font_path,
                config_pdf.font_index,
            )),
        }
    }
}

/// The external registry `[registry]` asks for, or `None` for the tables kept in epass.
///
/// # Errors
/// `source = "http"` without a usable `url`, or a token that is not a valid header value.
pub fn http_registry(
    config: &crate::config::RegistryConfig,
) -> Result<Option<crate::registry::HttpRegistry>, StartError> {
    if config.source != crate::config::RegistrySourceKind::Http {
        return Ok(None);
    }
    let url = config.url.as_deref().ok_or_else(|| {
        StartError::Registry("registry.source is http but registry.url is not set".into())
    })?;
    let headers: Vec<(String, String)> = config
        .token
        .iter()
        .map(|t| ("Authorization".to_owned(), format!("Bearer {t}")))
        .collect();
    let timeout = std::time::Duration::from_millis(config.timeout_ms.max(1));
    crate::registry::HttpRegistry::new(url, &headers, timeout)
        .map(Some)
        .map_err(|e| StartError::Registry(e.to_string()))
}

/// A purpose-bound key from the master secret, so no two uses share a key.
fn derive_key(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    // HMAC takes keys of any length; a 32-byte key cannot be refused.
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(master).expect("HMAC accepts a 32-byte key");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// Every route of the service with its layers.
pub fn router(state: AppState) -> Router {
    web::router(state)
}

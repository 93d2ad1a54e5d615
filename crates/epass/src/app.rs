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
    /// Where eligibility checks read registries (those kept in epass by default).
    pub registry: Arc<dyn crate::registry::RegistrySource>,
    /// Where uploaded documents' bytes live (a folder or an S3-compatible bucket).
    pub documents: Arc<crate::document_store::DocumentStore>,
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
}

impl AppState {
    /// Opens the database (applying migrations, asserting durability) and derives the keys.
    pub async fn new(config: Config) -> Result<Self, StartError> {
        let master = config.master_key()?;
        let db = Db::open(&config.database_url()).await?;
        let state = Self::with_db(config, db, &master);
        // A wrong document store setting stops the start, not the first upload.
        state.documents.store()?;
        Ok(state)
    }

    pub fn with_db(config: Config, db: Db, master: &[u8; 32]) -> Self {
        let pii = Arc::new(PiiKeys::from_master_secret(master));
        let registry = Arc::new(crate::registry::LocalRegistry::new(db.clone(), pii.clone()));
        let auth = AuthPolicy::new(
            derive_key(master, b"epass otp code v1"),
            config.session_idle_minutes,
            config.session_absolute_hours,
        );
        let documents = Arc::new(crate::document_store::DocumentStore::from_config(&config));
        Self {
            db,
            documents,
            config: Arc::new(config),
            registry,
            pii,
            auth: Arc::new(auth),
            metrics: Arc::new(web::ops::Metrics::default()),
            limiter: Arc::new(web::security::RateLimiter::default()),
            verifier: Arc::new(crate::actions::checks::OnlineVerifier::default()),
        }
    }
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

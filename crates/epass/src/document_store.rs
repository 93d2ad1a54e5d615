//! Where the bytes of uploaded documents live: a local folder (`<data_dir>/documents`) by
//! default, an S3-compatible bucket by configuration, both through `object_store`. The database
//! keeps what each object is; the store keeps only bytes under random keys.

use std::sync::{Arc, OnceLock};

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

use crate::config::{Config, DocumentStoreKind, DocumentsConfig};

/// The configured object store, built on first use (a local folder is created then).
#[derive(Debug)]
pub struct DocumentStore {
    config: DocumentsConfig,
    folder: std::path::PathBuf,
    store: OnceLock<Arc<dyn ObjectStore>>,
}

/// A failure of the object store, for the log; users see "internal error".
#[derive(Debug, thiserror::Error)]
pub enum DocumentStoreError {
    #[error("document store is not configured: {0}")]
    Config(String),
    #[error("document store: {0}")]
    Store(#[from] object_store::Error),
    #[error("document store folder {0}: {1}")]
    Folder(String, std::io::Error),
}

impl DocumentStore {
    pub fn from_config(config: &Config) -> Self {
        Self {
            config: config.documents.clone(),
            folder: config.data_dir.join("documents"),
            store: OnceLock::new(),
        }
    }

    /// A store over an object store built elsewhere (tests: in memory).
    pub fn with_store(config: &Config, store: Arc<dyn ObjectStore>) -> Self {
        let this = Self::from_config(config);
        let _ = this.store.set(store);
        this
    }

    /// The object store, building it the first time.
    pub fn store(&self) -> Result<Arc<dyn ObjectStore>, DocumentStoreError> {
        if let Some(store) = self.store.get() {
            return Ok(store.clone());
        }
        let built = self.build()?;
        Ok(self.store.get_or_init(|| built).clone())
    }

    fn build(&self) -> Result<Arc<dyn ObjectStore>, DocumentStoreError> {
        match self.config.store {
            DocumentStoreKind::Local => {
                std::fs::create_dir_all(&self.folder).map_err(|e| {
                    DocumentStoreError::Folder(self.folder.display().to_string(), e)
                })?;
                Ok(Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(&self.folder)?,
                ))
            }
            DocumentStoreKind::S3 => self.s3(),
        }
    }

    #[cfg(feature = "s3")]
    fn s3(&self) -> Result<Arc<dyn ObjectStore>, DocumentStoreError> {
        let c = &self.config;
        let bucket = c.s3_bucket.as_deref().ok_or_else(|| {
            DocumentStoreError::Config("documents.s3_bucket (EPASS_S3_BUCKET) is required".into())
        })?;
        // reqwest is built without a TLS provider of its own: the service uses ring's (a second
        // installation is refused harmlessly when the binary already did it).
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The standard AWS_* variables apply first; explicit settings override them.
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_allow_http(c.s3_allow_http);
        if let Some(v) = &c.s3_endpoint {
            builder = builder.with_endpoint(v);
        }
        if let Some(v) = &c.s3_region {
            builder = builder.with_region(v);
        }
        if let Some(v) = &c.s3_access_key_id {
            builder = builder.with_access_key_id(v);
        }
        if let Some(v) = &c.s3_secret_access_key {
            builder = builder.with_secret_access_key(v);
        }
        Ok(Arc::new(builder.build()?))
    }

    #[cfg(not(feature = "s3"))]
    fn s3(&self) -> Result<Arc<dyn ObjectStore>, DocumentStoreError> {
        Err(DocumentStoreError::Config(
            "this build has no S3 support (cargo feature `s3`)".into(),
        ))
    }

    /// Stores bytes under `key`.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), DocumentStoreError> {
        self.store()?
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The bytes under `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, DocumentStoreError> {
        let result = self.store()?.get(&ObjectPath::from(key)).await?;
        Ok(result.bytes().await?.to_vec())
    }

    /// Removes the object under `key` (an upload whose record could not be written).
    pub async fn delete(&self, key: &str) -> Result<(), DocumentStoreError> {
        self.store()?.delete(&ObjectPath::from(key)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: DocumentStoreKind, bucket: Option<&str>) -> Config {
        Config {
            data_dir: std::env::temp_dir().join(format!("epass-docs-{}", rand::random::<u64>())),
            documents: DocumentsConfig {
                store: kind,
                s3_bucket: bucket.map(str::to_owned),
                s3_endpoint: Some("http://127.0.0.1:9".into()),
                s3_region: Some("cn-north-1".into()),
                s3_allow_http: true,
                ..DocumentsConfig::default()
            },
            ..Config::default()
        }
    }

    #[tokio::test]
    async fn the_local_store_keeps_bytes_under_the_data_folder() {
        let config = config(DocumentStoreKind::Local, None);
        let store = DocumentStore::from_config(&config);
        store
            .put("applications/1/a.png", b"bytes".to_vec())
            .await
            .unwrap();
        assert_eq!(store.get("applications/1/a.png").await.unwrap(), b"bytes");
        assert!(
            config
                .data_dir
                .join("documents/applications/1/a.png")
                .is_file()
        );
        store.delete("applications/1/a.png").await.unwrap();
        assert!(store.get("applications/1/a.png").await.is_err());
        let _ = std::fs::remove_dir_all(&config.data_dir);
    }

    #[cfg(feature = "s3")]
    #[test]
    fn an_s3_store_needs_a_bucket() {
        let missing = DocumentStore::from_config(&config(DocumentStoreKind::S3, None));
        assert!(matches!(
            missing.store(),
            Err(DocumentStoreError::Config(_))
        ));
        let configured = DocumentStore::from_config(&config(DocumentStoreKind::S3, Some("passes")));
        assert!(configured.store().is_ok());
    }
}

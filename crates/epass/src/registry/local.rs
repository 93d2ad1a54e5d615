//! The registries kept in epass's own database, filled by `epass registry import`.

use std::sync::Arc;

use super::{RegistryError, RegistrySource};
use crate::domain::eligibility::{HealthRecord, LicenceRecord, TestRecord, VehicleRecord};
use crate::domain::ids::{IdNumber, Plate};
use crate::pii::PiiKeys;
use crate::store::{Db, registries};

/// Reads the `registry_*` tables; people are found by the look-up hash of their ID number.
#[derive(Clone, Debug)]
pub struct LocalRegistry {
    db: Db,
    pii: Arc<PiiKeys>,
}

impl LocalRegistry {
    #[must_use]
    pub fn new(db: Db, pii: Arc<PiiKeys>) -> Self {
        Self { db, pii }
    }
}

#[async_trait::async_trait]
impl RegistrySource for LocalRegistry {
    async fn vehicle(&self, plate: &Plate) -> Result<Option<VehicleRecord>, RegistryError> {
        Ok(registries::vehicle(self.db.pool(), plate).await?)
    }

    async fn licence(&self, number: &str) -> Result<Option<LicenceRecord>, RegistryError> {
        Ok(registries::licence(self.db.pool(), number.trim()).await?)
    }

    async fn licence_by_holder(
        &self,
        id: &IdNumber,
    ) -> Result<Option<LicenceRecord>, RegistryError> {
        let hash = self.pii.lookup_hash(id);
        Ok(registries::licence_by_holder(self.db.pool(), &hash).await?)
    }

    async fn latest_test(&self, id: &IdNumber) -> Result<Option<TestRecord>, RegistryError> {
        let hash = self.pii.lookup_hash(id);
        Ok(registries::latest_test(self.db.pool(), &hash).await?)
    }

    async fn health_code(&self, id: &IdNumber) -> Result<Option<HealthRecord>, RegistryError> {
        let hash = self.pii.lookup_hash(id);
        Ok(registries::health_code(self.db.pool(), &hash).await?)
    }
}

//! Bundle deltas for checkpoints that already hold a bundle: the changes since their version,
//! signed by the root key, or nothing when only the full bundle will do.

use epass_credential::{BundleContent, BundleDelta};

use super::keys::{open_key, root_public_key};
use super::{ActionError, ActionResult};
use crate::pii::PiiKeys;
use crate::store::Db;
use crate::store::keys::{self, KeyPurpose};

/// The JSON payload of a bundle this service signed and stored.
fn content(signed: &[u8]) -> ActionResult<(epass_credential::Kid, BundleContent)> {
    let sign1 = epass_credential::cose::parse(signed)
        .map_err(|e| ActionError::Internal(format!("stored bundle: {e:?}")))?;
    let content = serde_json::from_slice(sign1.payload)
        .map_err(|e| ActionError::Internal(format!("stored bundle: {e}")))?;
    Ok((sign1.kid, content))
}

/// The signed delta from bundle version `since` to `latest` (with its bytes `latest_signed`),
/// or `None` when the full bundle is the answer: `since` unknown or no longer kept, signed by
/// another root key, or a delta no smaller than the bundle itself.
pub async fn since(
    db: &Db,
    pii: &PiiKeys,
    authority_id: i64,
    since: i64,
    latest_signed: &[u8],
) -> ActionResult<Option<Vec<u8>>> {
    let Some(old_signed) = keys::bundle_at(db.pool(), authority_id, since).await? else {
        return Ok(None);
    };
    let (old_root, old) = content(&old_signed)?;
    let (new_root, new) = content(latest_signed)?;
    let root = root_public_key(db, authority_id).await?;
    if old_root != root.kid() || new_root != root.kid() {
        return Ok(None);
    }
    let Ok(delta) = BundleDelta::between(&old, &new) else {
        return Ok(None);
    };
    let stored = keys::for_authority(db.pool(), authority_id).await?;
    let root_key = stored
        .iter()
        .find(|k| k.purpose == KeyPurpose::Root && k.withdrawn_at.is_none())
        .ok_or(ActionError::NotFound)?;
    let signed = delta
        .sign(&open_key(pii, root_key)?)
        .map_err(|e| ActionError::Internal(format!("signing a bundle delta: {e}")))?;
    Ok((signed.len() < latest_signed.len()).then_some(signed))
}

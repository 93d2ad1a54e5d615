//! Bundle deltas: what a verifier holding bundle version `base_version` of an authority needs to
//! reach `version` — the status-list changes since then, the issuer keys and the catalogue only
//! when they changed — signed by the same root key as the bundles.
//!
//! Wire form: a COSE_Sign1 by the root key whose payload is the JSON of [`BundleDelta`]. Its
//! fields differ from [`BundleContent`]'s (there is no `issuer_keys`), so a delta can never be
//! mistaken for a full bundle nor the reverse. Applying one ([`crate::Verifier::install_delta`])
//! leaves the verifier exactly as installing the full bundle of `version` would, or changes
//! nothing and says why (then fetch the full bundle).

use serde::{Deserialize, Serialize};

use crate::bundle::{BundleContent, BundleError};
use crate::encoding::b64url;
use crate::keys::KeyPair;
use crate::status::StatusList;
use crate::time;
use crate::trust::{IssuerKeyEntry, bytes_field};

/// The changes from one bundle version to a later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleDelta {
    /// The authority, as in the bundle.
    pub authority: String,
    /// The version a verifier must hold to apply this.
    pub base_version: u64,
    /// The version it holds afterwards.
    pub version: u64,
    /// As the full bundle of `version`.
    #[serde(with = "time::rfc3339")]
    pub issued_at: i64,
    /// As the full bundle of `version`.
    pub max_age_seconds: u64,
    /// The whole new list of issuer keys (new keys, withdrawals), when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<IssuerKeyEntry>>,
    /// Changes to the status lists the base carried: base64url of [`crate::StatusDelta::encode`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_deltas: Vec<String>,
    /// Status lists of issuers the base did not carry: base64url of [`StatusList::encode`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_status_lists: Vec<String>,
    /// The new catalogue, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<serde_json::Value>,
}

fn status_lists(c: &BundleContent) -> Result<Vec<StatusList>, BundleError> {
    c.status_lists
        .iter()
        .map(|b| {
            let bytes = bytes_field(b).ok_or(BundleError::Malformed("status list encoding"))?;
            StatusList::decode(&bytes).map_err(|e| BundleError::Invalid(e.to_string()))
        })
        .collect()
}

impl BundleDelta {
    /// The delta taking a verifier from `old` to `new` (same authority, `new` later).
    ///
    /// # Errors
    /// `new` is not later than `old`, a status list of either is malformed, or a list
    /// of `old` is missing from `new` or shrank (then only the full bundle will do).
    pub fn between(old: &BundleContent, new: &BundleContent) -> Result<Self, BundleError> {
        if new.version <= old.version {
            return Err(BundleError::Rollback {
                installed: old.version,
                offered: new.version,
            });
        }
        let (old_lists, new_lists) = (status_lists(old)?, status_lists(new)?);
        let mut status_deltas = Vec::new();
        for o in &old_lists {
            let n = new_lists
                .iter()
                .find(|n| n.issuer() == o.issuer())
                .ok_or_else(|| BundleError::Invalid(format!("list {} dropped", o.issuer())))?;
            if n.version() == o.version() {
                continue;
            }
            let d = o.diff(n).map_err(|e| BundleError::Invalid(e.to_string()))?;
            status_deltas.push(b64url(&d.encode()));
        }
        let new_status_lists = new_lists
            .iter()
            .filter(|n| !old_lists.iter().any(|o| o.issuer() == n.issuer()))
            .map(|n| b64url(&n.encode()))
            .collect();
        Ok(Self {
            authority: new.authority.clone(),
            base_version: old.version,
            version: new.version,
            issued_at: new.issued_at,
            max_age_seconds: new.max_age_seconds,
            keys: (new.issuer_keys != old.issuer_keys).then(|| new.issuer_keys.clone()),
            status_deltas,
            new_status_lists,
            catalogue: if new.catalogue == old.catalogue {
                None
            } else {
                // A catalogue removed entirely travels as an empty collection.
                Some(new.catalogue.clone().unwrap_or_else(
                    || serde_json::json!({ "type": "FeatureCollection", "features": [] }),
                ))
            },
        })
    }

    /// Signs the delta with the root key.
    ///
    /// # Errors
    /// Signing failed.
    pub fn sign(&self, root: &KeyPair) -> Result<Vec<u8>, BundleError> {
        let json = serde_json::to_vec(self).map_err(|_| BundleError::Malformed("serialise"))?;
        crate::cose::sign(root, &json).map_err(BundleError::Key)
    }
}

impl crate::verify::Verifier {
    /// Verifies and applies a signed [`BundleDelta`] to the installed bundle of its root.
    /// All or nothing: on any error the verifier is unchanged.
    ///
    /// # Errors
    /// Not signed by a trusted root; no bundle of that root installed; a delta from another
    /// base version ([`BundleError::BaseMismatch`]) or to an older one; contents that do not
    /// apply. Any of these means: fetch the full bundle.
    pub fn install_delta(&mut self, signed: &[u8]) -> Result<crate::Installed, BundleError> {
        use crate::Installed;
        use crate::geo::Catalogue;
        use crate::status::StatusDelta;

        if signed.len() > crate::bundle::MAX_BUNDLE_LEN {
            return Err(BundleError::Oversize);
        }
        let s =
            crate::cose::parse(signed).map_err(|_| BundleError::Malformed("not a COSE_Sign1"))?;
        let root = self.anchors.get(&s.kid).ok_or(BundleError::UnknownRoot)?;
        let root_kid = root.kid();
        let payload =
            crate::trust::open_signed(signed, root).map_err(|_| BundleError::Signature)?;
        let d: BundleDelta =
            serde_json::from_slice(payload).map_err(|_| BundleError::Malformed("JSON"))?;
        let auth = self
            .authorities
            .get(&root_kid)
            .ok_or_else(|| BundleError::Invalid("no bundle of this root to update".into()))?;
        if d.version <= auth.version {
            return if d.version == auth.version {
                Ok(Installed::AlreadyCurrent)
            } else {
                Err(BundleError::Rollback {
                    installed: auth.version,
                    offered: d.version,
                })
            };
        }
        if d.base_version != auth.version {
            return Err(BundleError::BaseMismatch {
                installed: auth.version,
                base: d.base_version,
            });
        }
        let inv = |m: String| BundleError::Invalid(m);
        let mut status = auth.status.clone();
        for b in &d.status_deltas {
            let bytes = bytes_field(b).ok_or_else(|| inv("status delta encoding".into()))?;
            let delta = StatusDelta::decode(&bytes).map_err(|e| inv(e.to_string()))?;
            let list = status
                .get_mut(&delta.issuer)
                .ok_or_else(|| inv(format!("no status list of {}", delta.issuer)))?;
            // A signed update from the issuer may already have taken the list this far.
            if list.version() >= delta.version {
                continue;
            }
            list.apply(&delta).map_err(|e| inv(e.to_string()))?;
        }
        for b in &d.new_status_lists {
            let bytes = bytes_field(b).ok_or_else(|| inv("status list encoding".into()))?;
            let l = StatusList::decode(&bytes).map_err(|e| inv(e.to_string()))?;
            if status
                .get(l.issuer())
                .is_none_or(|old| old.version() < l.version())
            {
                status.insert(l.issuer().to_owned(), l);
            }
        }
        let keys = match &d.keys {
            Some(entries) => Some(crate::verify::compile_keys(entries, root_kid)?),
            None => None,
        };
        let catalogue = match &d.catalogue {
            Some(v) => Some(Catalogue::from_geojson(v).map_err(|e| inv(e.to_string()))?),
            None => None,
        };
        // Everything checked: now change the installed bundle.
        let auth = self
            .authorities
            .get_mut(&root_kid)
            .ok_or_else(|| inv("no bundle of this root to update".into()))?;
        auth.name = d.authority;
        auth.version = d.version;
        auth.issued_at = d.issued_at;
        auth.max_age = d.max_age_seconds;
        auth.status = status;
        if let Some(keys) = keys {
            auth.keys = keys;
        }
        if let Some(catalogue) = catalogue {
            auth.catalogue = catalogue;
        }
        self.reindex();
        Ok(Installed::New)
    }
}

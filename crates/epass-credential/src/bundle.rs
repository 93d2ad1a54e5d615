//! Verifier bundles: trust list + status lists + zone/road-section catalogue, signed by an
//! authority's root key, versioned, with issued-at and max-age.
//!
//! Wire form: a COSE_Sign1 by the root key whose payload is the JSON of [`BundleContent`].

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::encoding::b64url;
use crate::keys::{KeyError, KeyPair};
use crate::status::StatusList;
use crate::time;
use crate::trust::IssuerKeyEntry;

/// Largest bundle accepted (bytes).
pub const MAX_BUNDLE_LEN: usize = 64 << 20;

/// What a bundle carries (its JSON form is the signed payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleContent {
    /// The authority (e.g. its division code and name); informative.
    pub authority: String,
    /// Version; a verifier never installs a lower one from the same root.
    pub version: u64,
    /// When the bundle was made.
    #[serde(with = "time::rfc3339")]
    pub issued_at: i64,
    /// How long the bundle may be relied on after `issued_at`, seconds.
    pub max_age_seconds: u64,
    /// Issuer keys.
    pub issuer_keys: Vec<IssuerKeyEntry>,
    /// Status lists, each the base64url of a [`StatusList::encode`] output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_lists: Vec<String>,
    /// Zones and road sections: a GeoJSON FeatureCollection (see [`crate::geo`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<serde_json::Value>,
}

impl BundleContent {
    /// Adds a status list.
    pub fn add_status_list(&mut self, list: &StatusList) {
        self.status_lists.push(b64url(&list.encode()));
    }

    /// Signs the bundle with the root key.
    pub fn sign(&self, root: &KeyPair) -> Result<Vec<u8>, BundleError> {
        let json = serde_json::to_vec(self).map_err(|_| BundleError::Malformed("serialise"))?;
        crate::cose::sign(root, &json).map_err(BundleError::Key)
    }
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleError {
    /// Too large.
    Oversize,
    /// Not a COSE_Sign1, or its JSON/contents are malformed.
    Malformed(&'static str),
    /// A field inside was invalid (with detail).
    Invalid(String),
    /// Signed by a key that is not a trusted root.
    UnknownRoot,
    /// Bad signature.
    Signature,
    /// Older than (or same as) the installed bundle from this root.
    Rollback {
        /// Installed version.
        installed: u64,
        /// Offered version.
        offered: u64,
    },
    /// A delta made for another installed version than the one held.
    BaseMismatch {
        /// Installed version.
        installed: u64,
        /// The version the delta applies to.
        base: u64,
    },
    /// Signing failed.
    Key(KeyError),
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Oversize => f.write_str("bundle too large"),
            Self::Malformed(w) => write!(f, "malformed bundle: {w}"),
            Self::Invalid(w) => write!(f, "invalid bundle: {w}"),
            Self::UnknownRoot => f.write_str("bundle not signed by a trusted root key"),
            Self::Signature => f.write_str("bundle signature invalid"),
            Self::Rollback { installed, offered } => write!(
                f,
                "refusing bundle version {offered}: version {installed} is installed (rollback)"
            ),
            Self::BaseMismatch { installed, base } => write!(
                f,
                "the delta applies to version {base} but version {installed} is installed"
            ),
            Self::Key(e) => write!(f, "signing failed: {e}"),
        }
    }
}

impl std::error::Error for BundleError {}

//! Trail bundles: a pass's or a user's trail as signed JSON that an auditor checks offline.
//!
//! A bundle holds entries (each with the exact leaf data of its event or check, its position
//! and an inclusion proof), one signed tree head that every proof leads to, and the log's public
//! keys. Each entry is signed by the log key over its position and a digest of every field, so a
//! change to any field of any entry is found and located; the bundle's own signature covers its
//! subject, the head and the number of entries. Pure: no I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::leaf::{decode_leaf, hex, tree_head_message, unhex};
use super::{Hash, leaf_hash, verify_inclusion};
use crate::PublicKey;

/// The format tag of a bundle.
pub const FORMAT: &str = "epass-trail/v1";

/// A signed tree head as the bundle carries it (hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHead {
    pub id: i64,
    pub size: u64,
    pub root: String,
    pub at: i64,
    pub kid: String,
    pub signature: String,
}

/// A public key of the log (raw Ed25519, hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleKey {
    pub kid: String,
    pub alg: String,
    pub public_key: String,
}

/// A trail bundle. Entries are JSON objects: the trail's readable fields plus `log_index`,
/// `leaf` (the exact leaf data), `proof` (hex hashes) and `signature`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrailBundle {
    pub format: String,
    /// What the trail is of, e.g. `pass 150621000001` or `user 12`.
    pub subject: String,
    /// Milliseconds since the Unix epoch.
    pub generated_at: i64,
    pub tree_head: BundleHead,
    pub log_keys: Vec<BundleKey>,
    pub entries: Vec<Value>,
    /// The kid of the log key that signed the entries and the bundle.
    pub kid: String,
    /// Over [`bundle_message`], hex.
    pub signature: String,
}

/// What the bundle's signature covers.
pub fn bundle_message(
    subject: &str,
    generated_at: i64,
    head: &BundleHead,
    entries: usize,
) -> Vec<u8> {
    format!(
        "{FORMAT}\n{subject}\n{generated_at}\n{}\n{}\n{}\n{entries}\n",
        head.id, head.size, head.root
    )
    .into_bytes()
}

/// The digest of an entry: SHA-256 of its JSON without its `signature`, hex.
pub fn entry_digest(entry: &Map<String, Value>) -> String {
    let mut unsigned = entry.clone();
    unsigned.remove("signature");
    // A map of JSON values always serialises.
    let bytes = serde_json::to_vec(&Value::Object(unsigned)).unwrap_or_default();
    hex(&Sha256::digest(&bytes))
}

/// What an entry's signature covers: its place in the bundle and the digest of its fields.
pub fn entry_message(
    subject: &str,
    generated_at: i64,
    head_size: u64,
    position: usize,
    digest: &str,
) -> Vec<u8> {
    format!("{FORMAT} entry\n{subject}\n{generated_at}\n{head_size}\n{position}\n{digest}\n")
        .into_bytes()
}

/// Why a bundle does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrailError {
    /// The bundle as a whole: its format, tree head, keys or signature.
    Bundle(String),
    /// The entry at this position (0 first) of the bundle.
    Entry { position: usize, reason: String },
}

impl std::fmt::Display for TrailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrailError::Bundle(why) => write!(f, "the bundle does not verify: {why}"),
            TrailError::Entry { position, reason } => {
                write!(f, "entry {position} does not verify: {reason}")
            }
        }
    }
}

impl std::error::Error for TrailError {}

/// A log key to check signatures with; a `None` kid matches any kid (a key given by hand).
pub type TrustedKey = (Option<String>, PublicKey);

/// The keys a bundle carries.
pub fn bundle_keys(bundle: &TrailBundle) -> Result<Vec<TrustedKey>, TrailError> {
    bundle
        .log_keys
        .iter()
        .map(|k| {
            let key = unhex(&k.public_key)
                .and_then(|b| PublicKey::from_bytes(crate::Algorithm::EdDsa, &b).ok())
                .ok_or_else(|| TrailError::Bundle(format!("log key {} is malformed", k.kid)))?;
            Ok((Some(k.kid.clone()), key))
        })
        .collect()
}

fn signed_by(keys: &[TrustedKey], kid: &str, msg: &[u8], signature: &str) -> bool {
    let Some(sig) = unhex(signature) else {
        return false;
    };
    keys.iter()
        .any(|(k, key)| k.as_deref().is_none_or(|k| k == kid) && key.verify(msg, &sig))
}

fn to_hash(s: &str) -> Option<Hash> {
    unhex(s)?.try_into().ok()
}

/// Verifies a bundle with `keys` (the auditor's own, or [`bundle_keys`]): the tree head's
/// signature, the bundle's, then each entry in order (its signature over every field, its
/// readable fields against its leaf data, its leaf hash and inclusion proof against the head).
/// Returns the number of entries; the first problem found otherwise.
pub fn verify_bundle(bundle: &TrailBundle, keys: &[TrustedKey]) -> Result<usize, TrailError> {
    let bad = |why: &str| TrailError::Bundle(why.to_owned());
    if bundle.format != FORMAT {
        return Err(bad("not an epass-trail/v1 bundle"));
    }
    let head = &bundle.tree_head;
    let root = to_hash(&head.root).ok_or_else(|| bad("the tree head's root is not a hash"))?;
    if !signed_by(
        keys,
        &head.kid,
        &tree_head_message(head.size, &root, head.at),
        &head.signature,
    ) {
        return Err(bad("the tree head's signature does not verify"));
    }
    let msg = bundle_message(
        &bundle.subject,
        bundle.generated_at,
        head,
        bundle.entries.len(),
    );
    if !signed_by(keys, &bundle.kid, &msg, &bundle.signature) {
        return Err(bad(
            "the bundle's signature does not verify (subject, time, head or number of entries changed)",
        ));
    }
    for (position, entry) in bundle.entries.iter().enumerate() {
        verify_entry(bundle, keys, &root, position, entry)
            .map_err(|reason| TrailError::Entry { position, reason })?;
    }
    Ok(bundle.entries.len())
}

fn verify_entry(
    bundle: &TrailBundle,
    keys: &[TrustedKey],
    root: &Hash,
    position: usize,
    entry: &Value,
) -> Result<(), String> {
    let map = entry.as_object().ok_or("not a JSON object")?;
    let signature = map
        .get("signature")
        .and_then(Value::as_str)
        .ok_or("no signature")?;
    let msg = entry_message(
        &bundle.subject,
        bundle.generated_at,
        bundle.tree_head.size,
        position,
        &entry_digest(map),
    );
    if !signed_by(keys, &bundle.kid, &msg, signature) {
        return Err("its signature does not verify: a field was changed".into());
    }
    let leaf = map
        .get("leaf")
        .and_then(Value::as_str)
        .ok_or("no leaf data")?;
    let (_, fields) = decode_leaf(leaf.as_bytes()).ok_or("the leaf data is not a log leaf")?;
    for (name, logged) in &fields {
        let shown = map.get(*name).unwrap_or(&Value::Null);
        // Summaries are logged as their JSON text and shown parsed.
        let same = match (logged, *name) {
            (Value::String(text), "before" | "after") => serde_json::from_str::<Value>(text)
                .ok()
                .is_some_and(|v| v == *shown),
            _ => logged == shown,
        };
        if !same {
            return Err(format!("`{name}` differs from the logged leaf"));
        }
    }
    let index = map
        .get("log_index")
        .and_then(Value::as_u64)
        .ok_or("no log position")?;
    let proof: Vec<Hash> = map
        .get("proof")
        .and_then(Value::as_array)
        .ok_or("no inclusion proof")?
        .iter()
        .map(|h| h.as_str().and_then(to_hash))
        .collect::<Option<_>>()
        .ok_or("the inclusion proof is malformed")?;
    verify_inclusion(
        index,
        bundle.tree_head.size,
        &leaf_hash(leaf.as_bytes()),
        &proof,
        root,
    )
    .map_err(|e| format!("its inclusion proof does not verify: {e}"))
}

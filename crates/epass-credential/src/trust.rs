//! Issuer key entries, key files, and opening COSE_Sign1 envelopes with a known key.

use serde::{Deserialize, Serialize};

use crate::claims::Kind;
use crate::cose;
use crate::encoding::{b64url, unb64url};
use crate::keys::{Algorithm, KeyError, KeyPair, Kid, PublicKey};
use crate::time;

/// One issuer key in a trust list (JSON form; `public_key` is base64url or hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerKeyEntry {
    /// Key id, hex (recomputed and checked on load).
    pub kid: String,
    /// Algorithm the key may be used with — the only one.
    pub alg: Algorithm,
    /// Public key bytes (see [`crate::keys`] for which bytes), base64url.
    pub public_key: String,
    /// Issuer's 6-digit administrative division code.
    pub issuer: String,
    /// Kinds of credential the key may sign.
    pub kinds: Vec<Kind>,
    /// Start of the key's validity (credentials' `iat` must fall in it).
    #[serde(with = "time::rfc3339")]
    pub not_before: i64,
    /// End of the key's validity.
    #[serde(with = "time::rfc3339")]
    pub not_after: i64,
    /// Withdrawn: everything the key signed is invalid.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

impl IssuerKeyEntry {
    /// An entry for a public key.
    pub fn new(
        key: &PublicKey,
        issuer: &str,
        kinds: &[Kind],
        not_before: i64,
        not_after: i64,
    ) -> Self {
        Self {
            kid: key.kid().to_string(),
            alg: key.alg(),
            public_key: b64url(key.as_bytes()),
            issuer: issuer.to_owned(),
            kinds: kinds.to_vec(),
            not_before,
            not_after,
            withdrawn: false,
        }
    }

    /// Loads the public key and checks that the stated kid matches it.
    pub fn public(&self) -> Result<PublicKey, KeyError> {
        let k = PublicKey::from_text(self.alg, &self.public_key)?;
        if Kid::from_hex(&self.kid) != Some(k.kid()) {
            return Err(KeyError::Malformed("kid does not match the public key"));
        }
        Ok(k)
    }
}

/// A key file as written by `epass keys new` (the secret is absent in public exports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    /// Algorithm.
    pub alg: Algorithm,
    /// Key id, hex.
    pub kid: String,
    /// Public key, base64url.
    pub public_key: String,
    /// Secret: Ed25519 seed or P-256 PKCS#8, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Issuer division code (issuer keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Kinds the key is meant to sign.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<Kind>,
}

impl KeyFile {
    /// A key file for a key pair, including its secret.
    pub fn from_pair(k: &KeyPair, issuer: Option<&str>, kinds: &[Kind]) -> Self {
        Self {
            alg: k.alg(),
            kid: k.kid().to_string(),
            public_key: b64url(k.public().as_bytes()),
            secret_key: Some(b64url(&k.secret_bytes())),
            issuer: issuer.map(str::to_owned),
            kinds: kinds.to_vec(),
        }
    }

    /// The key pair (fails without a secret, or if the public half does not match).
    pub fn pair(&self) -> Result<KeyPair, KeyError> {
        let s = self
            .secret_key
            .as_deref()
            .ok_or(KeyError::Malformed("key file has no secret"))?;
        let secret = crate::keys::decode_key_text(s).ok_or(KeyError::Malformed("secret"))?;
        let pair = KeyPair::from_secret(self.alg, &secret)?;
        if pair.public() != &self.public()? {
            return Err(KeyError::Malformed("secret does not match public key"));
        }
        Ok(pair)
    }

    /// The public key.
    pub fn public(&self) -> Result<PublicKey, KeyError> {
        let k = PublicKey::from_text(self.alg, &self.public_key)?;
        if Kid::from_hex(&self.kid) != Some(k.kid()) {
            return Err(KeyError::Malformed("kid does not match the public key"));
        }
        Ok(k)
    }
}

/// Why a signed envelope could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// Not a COSE_Sign1.
    Cose,
    /// Signed by another key.
    WrongKey,
    /// Bad signature.
    Signature,
}

/// Parses a COSE_Sign1, checks it names `key` with `key`'s algorithm, verifies, and returns
/// the payload.
pub fn open_signed<'a>(msg: &'a [u8], key: &PublicKey) -> Result<&'a [u8], OpenError> {
    let s = cose::parse(msg).map_err(|_| OpenError::Cose)?;
    if s.kid != key.kid() || Algorithm::from_cose_id(s.alg) != Some(key.alg()) {
        return Err(OpenError::WrongKey);
    }
    let tbs = cose::sig_structure(s.protected, s.payload);
    if key.verify(&tbs, s.signature) {
        Ok(s.payload)
    } else {
        Err(OpenError::Signature)
    }
}

/// Decodes base64url-or-hex text (used for embedded binary fields).
pub(crate) fn bytes_field(s: &str) -> Option<Vec<u8>> {
    unb64url(s)
}

//! Signing keys and public keys: Ed25519 (EdDSA, default) and ES256 (P-256, raw r‖s via `ring`).
//!
//! The key id (`kid`) is the first 8 bytes of SHA-256 over the public key bytes: the raw 32-byte
//! Ed25519 key, or for P-256 the 65-byte SEC1 *uncompressed* point (`0x04 ‖ X ‖ Y`).

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    UnparsedPublicKey,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

use crate::encoding::{hex, unb64url, unhex};

/// A COSE signature algorithm epass accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Algorithm {
    /// EdDSA with Ed25519 (COSE alg -8).
    #[default]
    #[serde(rename = "EdDSA", alias = "ed25519", alias = "Ed25519")]
    EdDsa,
    /// ECDSA P-256 with SHA-256, signature as raw r‖s (COSE alg -7).
    #[serde(rename = "ES256", alias = "es256")]
    Es256,
}

impl Algorithm {
    /// The COSE algorithm identifier.
    pub fn cose_id(self) -> i64 {
        match self {
            Self::EdDsa => -8,
            Self::Es256 => -7,
        }
    }

    /// The algorithm for a COSE identifier, if supported.
    pub fn from_cose_id(id: i64) -> Option<Self> {
        match id {
            -8 => Some(Self::EdDsa),
            -7 => Some(Self::Es256),
            _ => None,
        }
    }

    /// Signature length in bytes (64 for both).
    pub fn signature_len(self) -> usize {
        64
    }
}

/// Why a key could not be created, loaded or used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Public or secret key bytes of the wrong length or encoding.
    Malformed(&'static str),
    /// The operating system's random generator failed.
    Random,
    /// The signing back end refused (should not happen with a valid key).
    Signing,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(what) => write!(f, "malformed key: {what}"),
            Self::Random => f.write_str("random generator failed"),
            Self::Signing => f.write_str("signing failed"),
        }
    }
}

impl std::error::Error for KeyError {}

/// An 8-byte key id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid(pub [u8; 8]);

impl Kid {
    /// The kid of public key bytes (see the module docs for which bytes).
    pub fn of(public: &[u8]) -> Self {
        let h = Sha256::digest(public);
        let mut k = [0u8; 8];
        k.copy_from_slice(&h[..8]);
        Self(k)
    }

    /// Parses 16 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let v = unhex(s)?;
        Some(Self(v.try_into().ok()?))
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({self})")
    }
}

/// A public key ready to verify: Ed25519 keys are decompressed once, here.
#[derive(Clone)]
pub struct PublicKey {
    alg: Algorithm,
    bytes: Vec<u8>,
    kid: Kid,
    ed: Option<ed25519_dalek::VerifyingKey>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({:?}, {})", self.alg, self.kid)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, o: &Self) -> bool {
        self.alg == o.alg && self.bytes == o.bytes
    }
}

impl PublicKey {
    /// Loads raw public key bytes (32-byte Ed25519 key, or 65-byte uncompressed P-256 point).
    pub fn from_bytes(alg: Algorithm, bytes: &[u8]) -> Result<Self, KeyError> {
        let ed = match alg {
            Algorithm::EdDsa => {
                let arr: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| KeyError::Malformed("Ed25519 public key must be 32 bytes"))?;
                Some(
                    ed25519_dalek::VerifyingKey::from_bytes(&arr)
                        .map_err(|_| KeyError::Malformed("not an Ed25519 point"))?,
                )
            }
            Algorithm::Es256 => {
                if bytes.len() != 65 || bytes[0] != 4 {
                    return Err(KeyError::Malformed(
                        "P-256 public key must be a 65-byte uncompressed SEC1 point",
                    ));
                }
                None
            }
        };
        Ok(Self {
            alg,
            bytes: bytes.to_vec(),
            kid: Kid::of(bytes),
            ed,
        })
    }

    /// Loads a key from hex or base64url text.
    pub fn from_text(alg: Algorithm, text: &str) -> Result<Self, KeyError> {
        let b = decode_key_text(text).ok_or(KeyError::Malformed("not hex or base64url"))?;
        Self::from_bytes(alg, &b)
    }

    /// The algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The key id.
    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The raw public key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The cached Ed25519 verifying key, if this is an Ed25519 key.
    pub fn ed25519(&self) -> Option<&ed25519_dalek::VerifyingKey> {
        self.ed.as_ref()
    }

    /// Verifies a 64-byte signature over `msg` (strict Ed25519; ES256 raw r‖s).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match (&self.ed, self.alg) {
            (Some(vk), _) => {
                let Ok(arr) = <[u8; 64]>::try_from(sig) else {
                    return false;
                };
                vk.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&arr))
                    .is_ok()
            }
            (None, Algorithm::Es256) => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.bytes)
                    .verify(msg, sig)
                    .is_ok()
            }
            (None, Algorithm::EdDsa) => false,
        }
    }
}

pub(crate) fn decode_key_text(text: &str) -> Option<Vec<u8>> {
    unhex(text).or_else(|| unb64url(text))
}

enum Secret {
    Ed(Box<ed25519_dalek::SigningKey>),
    Es {
        pair: Box<EcdsaKeyPair>,
        pkcs8: Vec<u8>,
    },
}

/// A signing key (issuer or root).
pub struct KeyPair {
    secret: Secret,
    public: PublicKey,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPair({:?}, {})", self.public.alg, self.public.kid)
    }
}

impl KeyPair {
    /// A fresh key from the operating system's random generator.
    pub fn generate(alg: Algorithm) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        match alg {
            Algorithm::EdDsa => {
                let seed: [u8; 32] = ring::rand::generate(&rng)
                    .map_err(|_| KeyError::Random)?
                    .expose();
                Ok(Self::ed25519_from_seed(seed))
            }
            Algorithm::Es256 => {
                let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .map_err(|_| KeyError::Random)?;
                Self::from_secret(Algorithm::Es256, doc.as_ref())
            }
        }
    }

    /// A deterministic Ed25519 key from a 32-byte seed (tests, vectors, HSM-derived seeds).
    pub fn ed25519_from_seed(seed: [u8; 32]) -> Self {
        let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
        let vk = sk.verifying_key();
        let bytes = vk.to_bytes();
        Self {
            secret: Secret::Ed(Box::new(sk)),
            public: PublicKey {
                alg: Algorithm::EdDsa,
                bytes: bytes.to_vec(),
                kid: Kid::of(&bytes),
                ed: Some(vk),
            },
        }
    }

    /// Loads a secret: the 32-byte Ed25519 seed, or a P-256 PKCS#8 v1 document (as made by
    /// [`KeyPair::generate`]).
    pub fn from_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        match alg {
            Algorithm::EdDsa => {
                let seed: [u8; 32] = secret
                    .try_into()
                    .map_err(|_| KeyError::Malformed("Ed25519 seed must be 32 bytes"))?;
                Ok(Self::ed25519_from_seed(seed))
            }
            Algorithm::Es256 => {
                let rng = SystemRandom::new();
                let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, secret, &rng)
                    .map_err(|_| KeyError::Malformed("not a P-256 PKCS#8 document"))?;
                let public = PublicKey::from_bytes(alg, pair.public_key().as_ref())?;
                Ok(Self {
                    secret: Secret::Es {
                        pair: Box::new(pair),
                        pkcs8: secret.to_vec(),
                    },
                    public,
                })
            }
        }
    }

    /// The secret bytes as accepted by [`KeyPair::from_secret`].
    pub fn secret_bytes(&self) -> Vec<u8> {
        match &self.secret {
            Secret::Ed(sk) => sk.to_bytes().to_vec(),
            Secret::Es { pkcs8, .. } => pkcs8.clone(),
        }
    }

    /// The algorithm.
    pub fn alg(&self) -> Algorithm {
        self.public.alg
    }

    /// The key id.
    pub fn kid(&self) -> Kid {
        self.public.kid
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `msg`, returning the 64-byte signature.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.secret {
            Secret::Ed(sk) => {
                use ed25519_dalek::Signer;
                Ok(sk.sign(msg).to_bytes().to_vec())
            }
            Secret::Es { pair, .. } => pair
                .sign(&SystemRandom::new(), msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Signing),
        }
    }
}

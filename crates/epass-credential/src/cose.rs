//! COSE_Sign1 (RFC 9052 §4.2) building and strict, borrowing parsing.
//!
//! Layout we emit: `18([ bstr({1: alg, 4: kid}), {}, bstr(payload), bstr(signature) ])`.
//! The parser also accepts an untagged message and a `kid` in the unprotected bucket (never
//! both buckets), but the algorithm must be protected.

use crate::cbor::{CborError, Major, Reader, Writer};
use crate::keys::{Algorithm, KeyError, KeyPair, Kid};

/// CBOR tag of COSE_Sign1.
pub const TAG_SIGN1: u64 = 18;

/// A parsed COSE_Sign1 whose byte strings borrow from the message.
#[derive(Debug, Clone)]
pub struct Sign1<'a> {
    /// Serialised protected header (signed as is).
    pub protected: &'a [u8],
    /// COSE `alg` from the protected header.
    pub alg: i64,
    /// Key id.
    pub kid: Kid,
    /// Payload (the CWT claims map).
    pub payload: &'a [u8],
    /// Signature bytes.
    pub signature: &'a [u8],
}

/// Why a COSE message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoseError {
    /// CBOR-level problem.
    Cbor(CborError),
    /// Not a COSE_Sign1 of the expected shape.
    Shape(&'static str),
}

impl From<CborError> for CoseError {
    fn from(e: CborError) -> Self {
        Self::Cbor(e)
    }
}

impl std::fmt::Display for CoseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cbor(e) => write!(f, "malformed CBOR: {e:?}"),
            Self::Shape(s) => write!(f, "bad COSE_Sign1: {s}"),
        }
    }
}

impl std::error::Error for CoseError {}

/// The serialised protected header `{1: alg, 4: kid}`.
pub fn protected_header(alg: Algorithm, kid: Kid) -> Vec<u8> {
    let mut w = Writer::with_capacity(16);
    w.map(2);
    w.int(1);
    w.int(alg.cose_id());
    w.int(4);
    w.bytes(&kid.0);
    w.buf
}

/// Writes `Sig_structure = ["Signature1", protected, h'', payload]` into `out` (cleared first).
pub fn sig_structure_into(protected: &[u8], payload: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut w = Writer {
        buf: std::mem::take(out),
    };
    w.array(4);
    w.text("Signature1");
    w.bytes(protected);
    w.bytes(&[]);
    w.bytes(payload);
    *out = w.buf;
}

/// The `Sig_structure` bytes for a protected header and payload.
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(protected.len() + payload.len() + 20);
    sig_structure_into(protected, payload, &mut v);
    v
}

/// Assembles a tagged COSE_Sign1 from its parts.
pub fn assemble(protected: &[u8], payload: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut w = Writer::with_capacity(protected.len() + payload.len() + signature.len() + 12);
    w.tag(TAG_SIGN1);
    w.array(4);
    w.bytes(protected);
    w.map(0);
    w.bytes(payload);
    w.bytes(signature);
    w.buf
}

/// Signs `payload` with `key` into a tagged COSE_Sign1.
pub fn sign(key: &KeyPair, payload: &[u8]) -> Result<Vec<u8>, KeyError> {
    let protected = protected_header(key.alg(), key.kid());
    let tbs = sig_structure(&protected, payload);
    let sig = key.sign(&tbs)?;
    Ok(assemble(&protected, payload, &sig))
}

fn kid_from(b: &[u8]) -> Result<Kid, CoseError> {
    <[u8; 8]>::try_from(b)
        .map(Kid)
        .map_err(|_| CoseError::Shape("kid must be 8 bytes"))
}

/// Reads a header map; returns (alg, kid). Only `alg` (1), `content type` (3) and `kid` (4)
/// are allowed; anything else (notably `crit`, 2) is refused.
fn header(r: &mut Reader<'_>) -> Result<(Option<i64>, Option<Kid>), CoseError> {
    let n = r.map()?;
    let (mut alg, mut kid) = (None, None);
    for _ in 0..n {
        match r.int()? {
            1 if alg.is_none() => alg = Some(r.int()?),
            3 => r.skip()?,
            4 if kid.is_none() => kid = Some(kid_from(r.bytes()?)?),
            _ => return Err(CoseError::Shape("unsupported or repeated header parameter")),
        }
    }
    Ok((alg, kid))
}

/// Parses a COSE_Sign1 strictly; no allocation.
pub fn parse(msg: &[u8]) -> Result<Sign1<'_>, CoseError> {
    let mut r = Reader::new(msg);
    if r.peek()? == Major::Tag && r.tag()? != TAG_SIGN1 {
        return Err(CoseError::Shape("not tagged COSE_Sign1"));
    }
    if r.array()? != 4 {
        return Err(CoseError::Shape("COSE_Sign1 must have 4 elements"));
    }
    let protected = r.bytes()?;
    let (alg, pkid) = if protected.is_empty() {
        (None, None)
    } else {
        let mut pr = Reader::new(protected);
        let h = header(&mut pr)?;
        pr.finish()?;
        h
    };
    let (ualg, ukid) = header(&mut r)?;
    if ualg.is_some() {
        return Err(CoseError::Shape("alg must be protected"));
    }
    let alg = alg.ok_or(CoseError::Shape("missing alg"))?;
    let kid = match (pkid, ukid) {
        (Some(k), None) | (None, Some(k)) => k,
        (None, None) => return Err(CoseError::Shape("missing kid")),
        (Some(_), Some(_)) => return Err(CoseError::Shape("kid in both buckets")),
    };
    if r.peek()? != Major::Bytes {
        return Err(CoseError::Shape("payload must be attached"));
    }
    let payload = r.bytes()?;
    let signature = r.bytes()?;
    r.finish()?;
    Ok(Sign1 {
        protected,
        alg,
        kid,
        payload,
        signature,
    })
}

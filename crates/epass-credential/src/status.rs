//! Status lists: two bits per pass (valid / suspended / revoked), a compact full encoding, a
//! delta form, and issuer signatures over both.
//!
//! Full list (`EPS1`): `"EPS1" ‖ varint(len issuer) ‖ issuer ‖ varint(version) ‖ varint(len)`,
//! then for suspended and for revoked: `varint(count) ‖ u8(k)`, then one bit stream holding,
//! for each of the two sets in turn, the Rice(k) codes of the gaps between successive indices
//! (`index − previous − 1`, previous starting at −1), padded with zero bits to a byte.
//! Delta (`EPD1`): `"EPD1" ‖ issuer ‖ varint(base version) ‖ varint(version) ‖ varint(len) ‖
//! varint(count) ‖ u8(k)`, then per change Rice(k) of the gap and 2 bits of the new status.
//! Both are carried as the payload of a COSE_Sign1 by the issuer's key (or inside a bundle).

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::bits::{BitReader, BitWriter, best_rice_k, get_varint, put_varint};
use crate::keys::{KeyError, KeyPair, PublicKey};

/// Largest list accepted (entries); 2 bits each, so at most 32 MiB in memory.
pub const MAX_STATUS_LEN: u32 = 1 << 27;

/// The status of one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In force (0).
    Valid,
    /// Suspended, may be resumed (1).
    Suspended,
    /// Revoked for good (2).
    Revoked,
}

impl Status {
    fn bits(self) -> u64 {
        self as u64
    }

    fn from_bits(b: u64) -> Option<Self> {
        match b {
            0 => Some(Self::Valid),
            1 => Some(Self::Suspended),
            2 => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// Why a status list or delta was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusError {
    /// Bytes that are not a status list / delta.
    Malformed(&'static str),
    /// Index beyond the list.
    OutOfRange(u32),
    /// Delta for another issuer or another base version.
    Mismatch(&'static str),
    /// Signature or key problem.
    Signature,
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(w) => write!(f, "malformed status data: {w}"),
            Self::OutOfRange(i) => write!(f, "status index {i} out of range"),
            Self::Mismatch(w) => write!(f, "status delta does not apply: {w}"),
            Self::Signature => f.write_str("status data signature invalid"),
        }
    }
}

impl std::error::Error for StatusError {}

/// One issuer's status list, 2 bits per pass.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusList {
    issuer: String,
    version: u64,
    len: u32,
    words: Vec<u64>,
}

impl fmt::Debug for StatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "StatusList({}, v{}, {} entries)",
            self.issuer, self.version, self.len
        )
    }
}

/// A set of changes taking a list from `base_version` to `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDelta {
    /// Issuer division code.
    pub issuer: String,
    /// Version the delta applies to.
    pub base_version: u64,
    /// Version after applying.
    pub version: u64,
    /// List length after applying (never shrinks).
    pub len: u32,
    /// Changed entries, ascending by index.
    pub changes: Vec<(u32, Status)>,
}

fn words_for(len: u32) -> usize {
    (len as usize).div_ceil(32)
}

fn header(out: &mut Vec<u8>, magic: &[u8], issuer: &str) {
    out.extend_from_slice(magic);
    put_varint(out, issuer.len() as u64);
    out.extend_from_slice(issuer.as_bytes());
}

fn read_header<'a>(data: &'a [u8], magic: &[u8], pos: &mut usize) -> Result<&'a str, StatusError> {
    let bad = StatusError::Malformed;
    if !data.starts_with(magic) {
        return Err(bad("magic"));
    }
    *pos = magic.len();
    let n = get_varint(data, pos).ok_or(bad("issuer"))?;
    let end = pos
        .checked_add(usize::try_from(n).map_err(|_| bad("issuer"))?)
        .ok_or(bad("issuer"))?;
    let s = data.get(*pos..end).ok_or(bad("issuer"))?;
    *pos = end;
    std::str::from_utf8(s).map_err(|_| bad("issuer"))
}

fn read_len(data: &[u8], pos: &mut usize) -> Result<u32, StatusError> {
    let v = get_varint(data, pos).ok_or(StatusError::Malformed("length"))?;
    u32::try_from(v)
        .ok()
        .filter(|&l| l <= MAX_STATUS_LEN)
        .ok_or(StatusError::Malformed("length"))
}

impl StatusList {
    /// An all-valid list of `len` entries at version 0.
    pub fn new(issuer: &str, len: u32) -> Result<Self, StatusError> {
        if len > MAX_STATUS_LEN {
            return Err(StatusError::OutOfRange(len));
        }
        Ok(Self {
            issuer: issuer.to_owned(),
            version: 0,
            len,
            words: vec![0; words_for(len)],
        })
    }

    /// Issuer division code.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Version (increases with every published change).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Sets the version (issuers bump it before publishing).
    pub fn set_version(&mut self, v: u64) {
        self.version = v;
    }

    /// Number of entries.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Grows the list (new entries valid).
    pub fn grow(&mut self, len: u32) -> Result<(), StatusError> {
        if len > MAX_STATUS_LEN {
            return Err(StatusError::OutOfRange(len));
        }
        if len > self.len {
            self.len = len;
            self.words.resize(words_for(len), 0);
        }
        Ok(())
    }

    /// The status at `index`, or `None` beyond the list.
    pub fn get(&self, index: u32) -> Option<Status> {
        if index >= self.len {
            return None;
        }
        let w = self.words[(index / 32) as usize];
        Status::from_bits(w >> ((index % 32) * 2) & 3)
    }

    /// Sets the status at `index`.
    pub fn set(&mut self, index: u32, s: Status) -> Result<(), StatusError> {
        if index >= self.len {
            return Err(StatusError::OutOfRange(index));
        }
        let w = &mut self.words[(index / 32) as usize];
        let sh = (index % 32) * 2;
        *w = (*w & !(3 << sh)) | (s.bits() << sh);
        Ok(())
    }

    /// All non-valid entries, ascending.
    pub fn non_valid(&self) -> impl Iterator<Item = (u32, Status)> + '_ {
        self.words
            .iter()
            .enumerate()
            .filter(|(_, w)| **w != 0)
            .flat_map(|(i, &w)| {
                (0..32u32).filter_map(move |j| {
                    let b = w >> (j * 2) & 3;
                    Status::from_bits(b)
                        .filter(|s| *s != Status::Valid)
                        .map(|s| (i as u32 * 32 + j, s))
                })
            })
    }

    /// The compact binary encoding (module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut gaps: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
        let mut prev = [-1i64; 2];
        for (i, s) in self.non_valid() {
            let slot = usize::from(s == Status::Revoked);
            gaps[slot].push((i64::from(i) - prev[slot] - 1) as u64);
            prev[slot] = i64::from(i);
        }
        let ks = [best_rice_k(&gaps[0]), best_rice_k(&gaps[1])];
        let mut out = Vec::new();
        header(&mut out, b"EPS1", &self.issuer);
        put_varint(&mut out, self.version);
        put_varint(&mut out, u64::from(self.len));
        for s in 0..2 {
            put_varint(&mut out, gaps[s].len() as u64);
            out.push(ks[s] as u8);
        }
        let mut w = BitWriter::default();
        for s in 0..2 {
            for &g in &gaps[s] {
                w.rice(g, ks[s]);
            }
        }
        out.extend_from_slice(&w.finish());
        out
    }

    /// Decodes [`StatusList::encode`] output, checking every bound.
    pub fn decode(data: &[u8]) -> Result<Self, StatusError> {
        let bad = StatusError::Malformed;
        let mut pos = 0;
        let issuer = read_header(data, b"EPS1", &mut pos)?;
        let version = get_varint(data, &mut pos).ok_or(bad("version"))?;
        let mut list = Self::new(issuer, read_len(data, &mut pos)?)?;
        list.version = version;
        let mut sets = [(0u64, 0u32); 2];
        for s in &mut sets {
            s.0 = get_varint(data, &mut pos).ok_or(bad("count"))?;
            let k = u32::from(*data.get(pos).ok_or(bad("k"))?);
            pos += 1;
            if k > 31 || s.0 > u64::from(list.len) {
                return Err(bad("count or k"));
            }
            s.1 = k;
        }
        let mut r = BitReader::new(&data[pos..]);
        for (slot, (count, k)) in sets.into_iter().enumerate() {
            let status = if slot == 0 {
                Status::Suspended
            } else {
                Status::Revoked
            };
            let mut next = 0u64;
            for _ in 0..count {
                let g = r.rice(k, u64::from(list.len)).ok_or(bad("gap"))?;
                let idx = next + g;
                let idx = u32::try_from(idx).map_err(|_| bad("index"))?;
                if idx >= list.len || list.get(idx) != Some(Status::Valid) {
                    return Err(bad("index"));
                }
                list.set(idx, status)?;
                next = u64::from(idx) + 1;
            }
        }
        if !r.at_padding() {
            return Err(bad("trailing bits"));
        }
        Ok(list)
    }

    /// The changes from `self` to `newer` (same issuer), as a delta.
    pub fn diff(&self, newer: &StatusList) -> Result<StatusDelta, StatusError> {
        if newer.issuer != self.issuer || newer.len < self.len {
            return Err(StatusError::Mismatch("issuer or shrinking list"));
        }
        let mut changes = Vec::new();
        for (i, nw) in newer.words.iter().enumerate() {
            let ow = self.words.get(i).copied().unwrap_or(0);
            if ow != *nw {
                for j in 0..32u32 {
                    let (a, b) = (ow >> (j * 2) & 3, nw >> (j * 2) & 3);
                    if a != b {
                        let s = Status::from_bits(b).ok_or(StatusError::Malformed("bits"))?;
                        changes.push((i as u32 * 32 + j, s));
                    }
                }
            }
        }
        Ok(StatusDelta {
            issuer: self.issuer.clone(),
            base_version: self.version,
            version: newer.version,
            len: newer.len,
            changes,
        })
    }

    /// Applies a delta made against this list's version.
    pub fn apply(&mut self, d: &StatusDelta) -> Result<(), StatusError> {
        if d.issuer != self.issuer {
            return Err(StatusError::Mismatch("issuer"));
        }
        if d.base_version != self.version || d.version <= d.base_version {
            return Err(StatusError::Mismatch("version"));
        }
        if d.len < self.len {
            return Err(StatusError::Mismatch("list would shrink"));
        }
        if d.changes.iter().any(|(i, _)| *i >= d.len) {
            return Err(StatusError::Malformed("change beyond length"));
        }
        self.grow(d.len)?;
        for &(i, s) in &d.changes {
            self.set(i, s)?;
        }
        self.version = d.version;
        Ok(())
    }

    /// Signs the encoding with the issuer's key (a COSE_Sign1).
    pub fn sign(&self, key: &KeyPair) -> Result<Vec<u8>, KeyError> {
        crate::cose::sign(key, &self.encode())
    }

    /// Verifies a signed list against the issuer's public key and decodes it.
    pub fn open(signed: &[u8], key: &PublicKey) -> Result<Self, StatusError> {
        Self::decode(crate::trust::open_signed(signed, key).map_err(|_| StatusError::Signature)?)
    }
}

impl StatusDelta {
    /// The compact binary encoding (module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut gaps = Vec::with_capacity(self.changes.len());
        let mut next = 0u64;
        for &(i, _) in &self.changes {
            gaps.push(u64::from(i).saturating_sub(next));
            next = u64::from(i) + 1;
        }
        let k = best_rice_k(&gaps);
        let mut out = Vec::new();
        header(&mut out, b"EPD1", &self.issuer);
        put_varint(&mut out, self.base_version);
        put_varint(&mut out, self.version);
        put_varint(&mut out, u64::from(self.len));
        put_varint(&mut out, self.changes.len() as u64);
        out.push(k as u8);
        let mut w = BitWriter::default();
        for (g, (_, s)) in gaps.iter().zip(&self.changes) {
            w.rice(*g, k);
            w.bits(s.bits(), 2);
        }
        out.extend_from_slice(&w.finish());
        out
    }

    /// Decodes [`StatusDelta::encode`] output.
    pub fn decode(data: &[u8]) -> Result<Self, StatusError> {
        let bad = StatusError::Malformed;
        let mut pos = 0;
        let issuer = read_header(data, b"EPD1", &mut pos)?.to_owned();
        let base_version = get_varint(data, &mut pos).ok_or(bad("base version"))?;
        let version = get_varint(data, &mut pos).ok_or(bad("version"))?;
        let len = read_len(data, &mut pos)?;
        let count = get_varint(data, &mut pos).ok_or(bad("count"))?;
        let k = u32::from(*data.get(pos).ok_or(bad("k"))?);
        pos += 1;
        if k > 31 || count > u64::from(len) {
            return Err(bad("count or k"));
        }
        let mut r = BitReader::new(&data[pos..]);
        let mut changes = Vec::with_capacity(count.min(1 << 20) as usize);
        let mut next = 0u64;
        for _ in 0..count {
            let idx = next + r.rice(k, u64::from(len)).ok_or(bad("gap"))?;
            let s = Status::from_bits(r.bits(2).ok_or(bad("status"))?).ok_or(bad("status"))?;
            let idx = u32::try_from(idx)
                .ok()
                .filter(|&i| i < len)
                .ok_or(bad("index"))?;
            changes.push((idx, s));
            next = u64::from(idx) + 1;
        }
        if !r.at_padding() {
            return Err(bad("trailing bits"));
        }
        Ok(Self {
            issuer,
            base_version,
            version,
            len,
            changes,
        })
    }

    /// Signs the encoding with the issuer's key.
    pub fn sign(&self, key: &KeyPair) -> Result<Vec<u8>, KeyError> {
        crate::cose::sign(key, &self.encode())
    }

    /// Verifies a signed delta against the issuer's public key and decodes it.
    pub fn open(signed: &[u8], key: &PublicKey) -> Result<Self, StatusError> {
        Self::decode(crate::trust::open_signed(signed, key).map_err(|_| StatusError::Signature)?)
    }
}

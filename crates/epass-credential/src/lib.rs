//! The epass pass credential: format, signing, verification, trust and status lists, QR.
//!
//! No I/O, no async runtime: a checkpoint app or a third party can embed this crate.
//!
//! # Format
//!
//! A credential is text: a prefix, then base45 (RFC 9285) of a COSE_Sign1 (RFC 9052) whose
//! payload is a CWT claims set (RFC 8392).
//!
//! | prefix | body |
//! |---|---|
//! | `EP2:` | base45(COSE_Sign1) — the usual form: signatures do not compress |
//! | `EP1:` | base45(zlib(COSE_Sign1)) — the EU DCC pipeline; issuers use it only when shorter |
//!
//! COSE_Sign1 = `18([protected, unprotected, payload, signature])` with protected header
//! `{1: alg, 4: kid}` (`alg` −8 EdDSA/Ed25519 or −7 ES256 with raw 64-byte r‖s; `kid` = the
//! first 8 bytes of SHA-256 of the public key: the raw 32-byte Ed25519 key, or the 65-byte
//! SEC1 uncompressed P-256 point), unprotected `{}`. The signature is over the standard
//! `Sig_structure` `["Signature1", protected, h'', payload]`, so any COSE library verifies it.
//!
//! # Claim map
//!
//! The payload is a CWT claims set: a CBOR map with the registered claims 1, 4, 5, 6 and one
//! private-use claim, −65537 (RFC 8392 §9.1: keys below −65536 are private use), whose value
//! is the epass map with small unsigned keys (one byte each). Both maps are written in
//! canonical order (ascending keys; −65537 last); a verifier must refuse duplicate or
//! out-of-order keys and ignore unknown ones.
//!
//! | key | claim | CBOR value | notes |
//! |---|---|---|---|
//! | 1 | issuer (`iss`) | text, 6 digits | administrative division code; **omitted** when equal to the first 6 digits of the pass number |
//! | 4 | expires (`exp`) | int, Unix seconds | invalid on or after |
//! | 5 | not before (`nbf`) | int, Unix seconds | **omitted** when equal to `iat` |
//! | 6 | issued at (`iat`) | int, Unix seconds | must fall in the issuer key's validity |
//! | −65537 | epass | map, keys below | required |
//!
//! The epass map (−65537):
//!
//! | key | claim | CBOR value | notes |
//! |---|---|---|---|
//! | 1 | pass number | uint, or text when it has a leading zero or exceeds 64 bits | decimal digits, ≥ 12: division code + serial; required |
//! | 2 | kind | uint | 1 personnel & vehicle, 2 freight, 3 truck city entry, 4 driving licence; required |
//! | 3 | holder name | text | required |
//! | 4 | masked ID | `[head: text, n: uint, tail: text]` = head + n × `*` + tail, or text | `110***********002X` = `["110", 11, "002X"]` |
//! | 5 | plate | text | |
//! | 6 | zones | `[uint…]` | zone ids of the bundle catalogue |
//! | 7 | road sections | `[uint…]` | road-section ids of the bundle catalogue |
//! | 8 | daily windows | `[from, to, from, to, …]` uints | minutes since local midnight, `to` exclusive; `from > to` crosses midnight, `from == to` all day; absent = any time |
//! | 9 | UTC offset | int, minutes | the issuer's time zone for key 8; **absent = +480** (UTC+8) |
//! | 10 | approval trail | `[reviewer: text, date: int, …]` | level 1 first; date in days since 1970-01-01 |
//! | 11 | status index | uint | entry in the issuer's status list; absent = not revocable by list |
//! | 12 | vehicle type | text | |
//! | 13 | holder category | uint | issuer-defined |
//! | 14 | rules | text | printed on the pass |
//! | 15 | freight origin | uint | division code |
//! | 16 | freight destination | uint | division code |
//! | 17 | cargo | text | |
//! | 18 | test taken at | int, Unix seconds | negative nucleic-acid test |
//! | 19 | licence classes | text | e.g. `C1` |
//! | 20 | licence points | uint | |
//!
//! # Verification order
//!
//! prefix → size (≤ [`encoding::MAX_TEXT_LEN`] characters; inflate never past
//! [`encoding::MAX_COSE_LEN`] bytes) → base45 → inflate → COSE structure → `kid` lookup (→ key
//! withdrawn) → algorithm allowed for that key → signature → claims → kind, issuer and key
//! validity at `iat` → `nbf`/`exp` → bundle freshness and status → zones/road sections at the
//! place → time of day. The first failing check gives the [`Verdict`], each with a stable code
//! and Chinese and English sentences.
//!
//! # Use
//!
//! - Issue: [`issue()`] (claims + [`KeyPair`] → text); [`KeyPair::generate`], [`KeyFile`].
//! - Trust: [`IssuerKeyEntry`] per key, [`BundleContent::sign`] by the root key; updates as
//!   [`BundleDelta::between`] two bundles, applied with [`Verifier::install_delta`].
//! - Verify: [`Verifier::add_trust_anchor`], [`Verifier::install`], [`Verifier::verify`],
//!   [`Verifier::verify_many`] (batch), status updates [`Verifier::apply_status_delta`].
//! - Status: [`StatusList`] (`set`, `encode`, `diff` → [`StatusDelta`], `sign`).
//! - Tamper-evident logs: [`merkle`] (RFC 9162 hashing, inclusion and consistency proofs).
//! - QR (feature `qr`): [`qr::render_svg`], [`qr::render_png`], [`qr::decode_image`].

#[cfg(feature = "batch")]
mod batch;
mod bits;
pub mod bundle;
pub mod bundle_delta;
pub mod cbor;
pub mod claims;
mod claims_codec;
pub mod cose;
pub mod encoding;
pub mod geo;
pub mod issue;
pub mod keys;
pub mod merkle;
pub mod outcome;
#[cfg(feature = "qr")]
pub mod qr;
pub mod status;
pub mod time;
pub mod trust;
pub mod verify;

pub use bundle::{BundleContent, BundleError};
pub use bundle_delta::BundleDelta;
pub use claims::{Approval, Claims, ClaimsError, Freight, Kind, Licence, TimeWindow};
pub use encoding::Compression;
pub use geo::{Catalogue, GeoError};
pub use issue::{IssueError, encode_claims, issue, issue_cose, issue_with};
pub use keys::{Algorithm, KeyError, KeyPair, Kid, PublicKey};
pub use outcome::{InvalidReason, Outcome, Signer, UndeterminedReason, Verdict};
pub use status::{Status, StatusDelta, StatusError, StatusList};
pub use trust::{IssuerKeyEntry, KeyFile};
pub use verify::{BundleInfo, Context, Installed, Verifier};

/// Decodes a CWT claims payload (for tools that have already checked the signature).
pub fn decode_claims(payload: &[u8]) -> Result<Claims, ClaimsError> {
    claims::decode(payload)
}

/// The claims of credential text **without checking its signature** — only for text the caller
/// already trusts, such as an issuer printing a pass from its own records. `None` when the text
/// is not a well-formed credential.
pub fn read_claims_unverified(text: &str) -> Option<Claims> {
    let cose = encoding::text_to_cose(text.as_bytes()).ok()?;
    let sign1 = cose::parse(&cose).ok()?;
    claims::decode(sign1.payload).ok()
}

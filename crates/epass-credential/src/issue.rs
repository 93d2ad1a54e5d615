//! Issuing: claims → CWT → COSE_Sign1 → text (`EP2:` or `EP1:`, whichever is shorter).

use std::fmt;

use crate::cbor::Writer;
use crate::claims::{Claims, ClaimsError, encode};
use crate::cose;
use crate::encoding::{Compression, cose_to_text};
use crate::keys::{KeyError, KeyPair};

/// Why a credential could not be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssueError {
    /// The claims break a shape rule.
    Claims(ClaimsError),
    /// Signing failed.
    Key(KeyError),
}

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Claims(e) => write!(f, "cannot issue: {e}"),
            Self::Key(e) => write!(f, "cannot issue: {e}"),
        }
    }
}

impl std::error::Error for IssueError {}

/// The CWT claims bytes (the COSE payload) for `claims`.
pub fn encode_claims(claims: &Claims) -> Result<Vec<u8>, IssueError> {
    claims.validate().map_err(IssueError::Claims)?;
    let mut w = Writer::with_capacity(160);
    encode(claims, &mut w);
    Ok(w.buf)
}

/// Signs `claims` into COSE_Sign1 bytes.
pub fn issue_cose(claims: &Claims, key: &KeyPair) -> Result<Vec<u8>, IssueError> {
    let payload = encode_claims(claims)?;
    cose::sign(key, &payload).map_err(IssueError::Key)
}

/// Issues the credential text, choosing the shorter form.
pub fn issue(claims: &Claims, key: &KeyPair) -> Result<String, IssueError> {
    issue_with(claims, key, Compression::Auto)
}

/// Issues the credential text in a chosen form.
pub fn issue_with(
    claims: &Claims,
    key: &KeyPair,
    compression: Compression,
) -> Result<String, IssueError> {
    Ok(cose_to_text(&issue_cose(claims, key)?, compression))
}

/// Wraps existing COSE bytes as credential text (for tools and tests).
pub fn cose_text(cose: &[u8], compression: Compression) -> String {
    cose_to_text(cose, compression)
}

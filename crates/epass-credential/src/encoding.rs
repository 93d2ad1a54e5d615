//! Text forms: the `EP1:`/`EP2:` prefixes, base45, bounded zlib, and hex/base64url for key files.
//!
//! `EP1:` + base45(zlib(COSE_Sign1)) is the EU DCC pipeline; `EP2:` + base45(COSE_Sign1) leaves
//! zlib out, which is shorter for compact payloads because signatures do not compress.

/// Prefix of the zlib-compressed form.
pub const PREFIX_ZLIB: &str = "EP1:";
/// Prefix of the uncompressed form.
pub const PREFIX_PLAIN: &str = "EP2:";
/// Longest credential text accepted (characters), checked before any decoding.
pub const MAX_TEXT_LEN: usize = 4096;
/// Largest COSE message accepted after base45 decoding or inflating (bytes).
pub const MAX_COSE_LEN: usize = 4096;
/// Issuers try zlib only for COSE messages at least this long; below it zlib never won in
/// measurements (a 64-byte signature and short claims leave nothing to compress).
pub const ZLIB_TRY_FROM: usize = 320;

/// Which text form a credential uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `EP1:` — zlib-compressed.
    Zlib,
    /// `EP2:` — uncompressed.
    Plain,
}

/// How an issuer should choose the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// The shorter of the two (zlib is only tried from [`ZLIB_TRY_FROM`] bytes).
    #[default]
    Auto,
    /// Always `EP1:`.
    Zlib,
    /// Always `EP2:`.
    Plain,
}

/// Why the text could not be turned into COSE bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextError {
    Prefix,
    Oversize,
    Base45,
    Inflate,
    Bomb,
}

/// Splits off the prefix; the rest must be non-empty.
pub(crate) fn split_prefix(text: &[u8]) -> Result<(Form, &[u8]), TextError> {
    if let Some(rest) = text.strip_prefix(PREFIX_PLAIN.as_bytes()) {
        Ok((Form::Plain, rest))
    } else if let Some(rest) = text.strip_prefix(PREFIX_ZLIB.as_bytes()) {
        Ok((Form::Zlib, rest))
    } else {
        Err(TextError::Prefix)
    }
}

/// Prefix → size → base45 → bounded inflate: the first four verification stages.
pub(crate) fn text_to_cose(text: &[u8]) -> Result<Vec<u8>, TextError> {
    let (form, body) = split_prefix(text)?;
    if text.len() > MAX_TEXT_LEN {
        return Err(TextError::Oversize);
    }
    let raw = base45::decode(body).map_err(|_| TextError::Base45)?;
    match form {
        Form::Plain => Ok(raw),
        Form::Zlib => inflate_bounded(&raw, MAX_COSE_LEN),
    }
}

/// Inflates a zlib stream, refusing to produce more than `max` bytes (zlib bombs).
pub(crate) fn inflate_bounded(data: &[u8], max: usize) -> Result<Vec<u8>, TextError> {
    use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_zlib_with_limit};
    decompress_to_vec_zlib_with_limit(data, max).map_err(|e| match e.status {
        TINFLStatus::HasMoreOutput => TextError::Bomb,
        _ => TextError::Inflate,
    })
}

/// COSE bytes → credential text in the requested form.
pub(crate) fn cose_to_text(cose: &[u8], compression: Compression) -> String {
    let zlib = |c: &[u8]| miniz_oxide::deflate::compress_to_vec_zlib(c, 9);
    let (prefix, body) = match compression {
        Compression::Plain => (PREFIX_PLAIN, None),
        Compression::Zlib => (PREFIX_ZLIB, Some(zlib(cose))),
        Compression::Auto if cose.len() < ZLIB_TRY_FROM => (PREFIX_PLAIN, None),
        Compression::Auto => {
            let z = zlib(cose);
            if z.len() < cose.len() {
                (PREFIX_ZLIB, Some(z))
            } else {
                (PREFIX_PLAIN, None)
            }
        }
    };
    let b45 = base45::encode(body.as_deref().unwrap_or(cose));
    let mut out = String::with_capacity(prefix.len() + b45.len());
    out.push_str(prefix);
    out.push_str(&b45);
    out
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(D[usize::from(x >> 4)]));
        s.push(char::from(D[usize::from(x & 15)]));
    }
    s
}

/// Parses hex (either case); `None` if malformed.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let v = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks_exact(2)
        .map(|p| Some(v(p[0])? << 4 | v(p[1])?))
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 4648 §5).
pub fn b64url(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            s.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    s
}

/// Parses base64url without padding (padding and whitespace refused); `None` if malformed.
pub fn unb64url(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| B64.iter().position(|&x| x == c).map(|p| p as u32);
    let b = s.as_bytes();
    if b.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    for c in b.chunks(4) {
        let mut n = 0u32;
        for (i, &ch) in c.iter().enumerate() {
            n |= val(ch)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..c.len()]);
        // Refuse non-canonical trailing bits.
        let used = c.len() - 1;
        if used < 3 && bytes[1 + used] != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_round_trip() {
        for n in 0..20u8 {
            let v: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37).wrapping_add(n)).collect();
            assert_eq!(unb64url(&b64url(&v)), Some(v.clone()));
            assert_eq!(unhex(&hex(&v)), Some(v));
        }
        assert_eq!(b64url(b"hello"), "aGVsbG8");
        assert_eq!(unb64url("aGVsbG9"), None);
        assert_eq!(unhex("0g"), None);
    }
}

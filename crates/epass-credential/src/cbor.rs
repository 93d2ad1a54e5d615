//! A minimal, strict, zero-copy CBOR (RFC 8949) writer and reader for the few shapes epass uses.
//!
//! Only definite lengths are accepted; integers, byte and text strings, arrays, maps and tags.
//! The reader borrows from its input and never allocates; nesting depth is bounded when skipping.

/// Why a CBOR item could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended in the middle of an item.
    Truncated,
    /// An item had an unexpected major type or shape.
    Unexpected,
    /// Indefinite lengths, floats, simple values and reserved encodings are refused.
    Unsupported,
    /// A text string was not UTF-8.
    Utf8,
    /// An integer did not fit the expected range.
    Range,
    /// Items nested deeper than the reader allows.
    TooDeep,
    /// Bytes remained after the top-level item.
    Trailing,
}

/// Appends CBOR items to a byte vector.
#[derive(Debug, Default)]
pub struct Writer {
    /// The encoded bytes.
    pub buf: Vec<u8>,
}

impl Writer {
    /// A writer with room for `cap` bytes.
    pub fn with_capacity(cap: usize) -> Self {
        Self {
            buf: Vec::with_capacity(cap),
        }
    }

    fn head(&mut self, major: u8, v: u64) {
        let m = major << 5;
        if v < 24 {
            self.buf.push(m | v as u8);
        } else if v <= 0xff {
            self.buf.extend_from_slice(&[m | 24, v as u8]);
        } else if v <= 0xffff {
            self.buf.push(m | 25);
            self.buf.extend_from_slice(&(v as u16).to_be_bytes());
        } else if v <= 0xffff_ffff {
            self.buf.push(m | 26);
            self.buf.extend_from_slice(&(v as u32).to_be_bytes());
        } else {
            self.buf.push(m | 27);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
    }

    /// An unsigned integer.
    pub fn uint(&mut self, v: u64) {
        self.head(0, v);
    }

    /// A signed integer (major type 0 or 1).
    pub fn int(&mut self, v: i64) {
        if v >= 0 {
            self.head(0, v as u64);
        } else {
            // -1 - v cannot overflow for negative v.
            self.head(1, (-1 - v) as u64);
        }
    }

    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) {
        self.head(2, b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    /// A text string.
    pub fn text(&mut self, s: &str) {
        self.head(3, s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// An array header for `n` items.
    pub fn array(&mut self, n: usize) {
        self.head(4, n as u64);
    }

    /// A map header for `n` pairs.
    pub fn map(&mut self, n: usize) {
        self.head(5, n as u64);
    }

    /// A tag.
    pub fn tag(&mut self, t: u64) {
        self.head(6, t);
    }
}

/// The major type of the next item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Major {
    /// Unsigned integer.
    Uint,
    /// Negative integer.
    Nint,
    /// Byte string.
    Bytes,
    /// Text string.
    Text,
    /// Array.
    Array,
    /// Map.
    Map,
    /// Tag.
    Tag,
    /// Float or simple value.
    Other,
}

/// Reads CBOR items from a borrowed slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

const MAX_DEPTH: u32 = 16;

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Current offset into the input.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Fails unless the whole input was consumed.
    pub fn finish(&self) -> Result<(), CborError> {
        if self.pos == self.data.len() {
            Ok(())
        } else {
            Err(CborError::Trailing)
        }
    }

    /// The major type of the next item, without consuming it.
    pub fn peek(&self) -> Result<Major, CborError> {
        let b = *self.data.get(self.pos).ok_or(CborError::Truncated)?;
        Ok(match b >> 5 {
            0 => Major::Uint,
            1 => Major::Nint,
            2 => Major::Bytes,
            3 => Major::Text,
            4 => Major::Array,
            5 => Major::Map,
            6 => Major::Tag,
            _ => Major::Other,
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CborError> {
        let end = self.pos.checked_add(n).ok_or(CborError::Truncated)?;
        let s = self.data.get(self.pos..end).ok_or(CborError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    fn head(&mut self) -> Result<(u8, u64), CborError> {
        let b = self.take(1)?[0];
        let major = b >> 5;
        let info = b & 0x1f;
        let v = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?[0]),
            25 => {
                let s = self.take(2)?;
                u64::from(u16::from_be_bytes([s[0], s[1]]))
            }
            26 => {
                let s = self.take(4)?;
                u64::from(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
            }
            27 => {
                let s = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                u64::from_be_bytes(a)
            }
            _ => return Err(CborError::Unsupported),
        };
        if major == 7 {
            return Err(CborError::Unsupported);
        }
        Ok((major, v))
    }

    fn expect(&mut self, major: u8) -> Result<u64, CborError> {
        let (m, v) = self.head()?;
        if m == major {
            Ok(v)
        } else {
            Err(CborError::Unexpected)
        }
    }

    /// An unsigned integer.
    pub fn uint(&mut self) -> Result<u64, CborError> {
        self.expect(0)
    }

    /// An unsigned integer that fits `u32`.
    pub fn u32(&mut self) -> Result<u32, CborError> {
        u32::try_from(self.uint()?).map_err(|_| CborError::Range)
    }

    /// A signed integer in the `i64` range.
    pub fn int(&mut self) -> Result<i64, CborError> {
        let (m, v) = self.head()?;
        let v = i64::try_from(v).map_err(|_| CborError::Range)?;
        match m {
            0 => Ok(v),
            1 => Ok(-1 - v),
            _ => Err(CborError::Unexpected),
        }
    }

    fn len(&mut self, major: u8) -> Result<usize, CborError> {
        let n = self.expect(major)?;
        let n = usize::try_from(n).map_err(|_| CborError::Range)?;
        // Every element takes at least one byte, so a longer count is certainly truncated.
        if n > self.data.len() - self.pos {
            return Err(CborError::Truncated);
        }
        Ok(n)
    }

    /// A byte string, borrowed.
    pub fn bytes(&mut self) -> Result<&'a [u8], CborError> {
        let n = self.len(2)?;
        self.take(n)
    }

    /// A text string, borrowed.
    pub fn text(&mut self) -> Result<&'a str, CborError> {
        let n = self.len(3)?;
        std::str::from_utf8(self.take(n)?).map_err(|_| CborError::Utf8)
    }

    /// An array header; returns the item count.
    pub fn array(&mut self) -> Result<usize, CborError> {
        self.len(4)
    }

    /// A map header; returns the pair count.
    pub fn map(&mut self) -> Result<usize, CborError> {
        self.len(5)
    }

    /// A tag number.
    pub fn tag(&mut self) -> Result<u64, CborError> {
        self.expect(6)
    }

    /// Skips one item of any supported type.
    pub fn skip(&mut self) -> Result<(), CborError> {
        self.skip_depth(0)
    }

    fn skip_depth(&mut self, depth: u32) -> Result<(), CborError> {
        if depth > MAX_DEPTH {
            return Err(CborError::TooDeep);
        }
        let (m, v) = self.head()?;
        match m {
            0 | 1 => Ok(()),
            2 | 3 => {
                let n = usize::try_from(v).map_err(|_| CborError::Range)?;
                self.take(n).map(|_| ())
            }
            4 | 5 => {
                let per = if m == 5 { 2 } else { 1 };
                let n = v.checked_mul(per).ok_or(CborError::Range)?;
                if n > (self.data.len() - self.pos) as u64 {
                    return Err(CborError::Truncated);
                }
                for _ in 0..n {
                    self.skip_depth(depth + 1)?;
                }
                Ok(())
            }
            6 => self.skip_depth(depth + 1),
            _ => Err(CborError::Unsupported),
        }
    }
}

//! Bit-level writer/reader, LEB128 varints and Golomb-Rice codes for the status-list formats.

/// Appends bits, most significant first.
#[derive(Debug, Default)]
pub(crate) struct BitWriter {
    pub out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// Writes the low `n` (≤ 32) bits of `v`.
    pub fn bits(&mut self, v: u64, n: u32) {
        debug_assert!(n <= 32);
        if n == 0 {
            return;
        }
        self.acc = (self.acc << n) | (v & ((1u64 << n) - 1));
        self.n += n;
        while self.n >= 8 {
            self.n -= 8;
            self.out.push((self.acc >> self.n) as u8);
        }
        self.acc &= (1u64 << self.n) - 1;
    }

    /// Rice code of `v` with parameter `k`: `v >> k` ones, a zero, then the low `k` bits.
    pub fn rice(&mut self, v: u64, k: u32) {
        let mut q = v >> k;
        while q >= 32 {
            self.bits(u64::from(u32::MAX), 32);
            q -= 32;
        }
        // q < 32: q ones followed by a zero.
        self.bits(((1u64 << q) - 1) << 1, q as u32 + 1);
        self.bits(v, k);
    }

    /// Pads to a byte boundary and returns the bytes.
    pub fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.bits(0, pad);
        }
        self.out
    }
}

/// Reads bits, most significant first.
#[derive(Debug)]
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize, // bit position
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn bit(&mut self) -> Option<bool> {
        let byte = *self.data.get(self.pos >> 3)?;
        let b = byte >> (7 - (self.pos & 7)) & 1;
        self.pos += 1;
        Some(b == 1)
    }

    pub fn bits(&mut self, n: u32) -> Option<u64> {
        let mut v = 0u64;
        for _ in 0..n {
            v = v << 1 | u64::from(self.bit()?);
        }
        Some(v)
    }

    /// Reads a Rice code; `None` if the input ends or the value exceeds `max`.
    pub fn rice(&mut self, k: u32, max: u64) -> Option<u64> {
        let mut q = 0u64;
        // Skip whole 0xff bytes quickly when aligned.
        while self.pos & 7 == 0 && self.data.get(self.pos >> 3) == Some(&0xff) {
            q += 8;
            self.pos += 8;
            if q > (max >> k) {
                return None;
            }
        }
        while self.bit()? {
            q += 1;
            if q > (max >> k) {
                return None;
            }
        }
        let v = q << k | self.bits(k)?;
        (v <= max).then_some(v)
    }

    /// Whether every remaining bit is zero padding within the last byte.
    pub fn at_padding(&self) -> bool {
        let total = self.data.len() * 8;
        total - self.pos.min(total) < 8
            && self
                .data
                .get(self.pos >> 3)
                .is_none_or(|b| b & (0xffu8 >> (self.pos & 7)) == 0)
    }
}

/// Appends an unsigned LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads an unsigned LEB128 varint (at most 10 bytes).
pub(crate) fn get_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..70).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// The Rice parameter minimising the total length of `values`.
pub(crate) fn best_rice_k(values: &[u64]) -> u32 {
    let mut best = (u64::MAX, 0);
    for k in 0..32u32 {
        let cost: u64 = values.iter().map(|v| (v >> k) + 1 + u64::from(k)).sum();
        if cost < best.0 {
            best = (cost, k);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rice_round_trips() {
        let vals = [0u64, 1, 2, 63, 64, 1000, 5, 123_456, 0];
        for k in [0, 3, 6, 11] {
            let mut w = BitWriter::default();
            for &v in &vals {
                w.rice(v, k);
            }
            let bytes = w.finish();
            let mut r = BitReader::new(&bytes);
            for &v in &vals {
                assert_eq!(r.rice(k, u64::from(u32::MAX)), Some(v));
            }
            assert!(r.at_padding());
        }
    }
}

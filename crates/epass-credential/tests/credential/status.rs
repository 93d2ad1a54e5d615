//! Status lists: sizes for 1M and 32M passes, deltas, and hostile encodings.

use epass_credential::{Status, StatusDelta, StatusList};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// A list of `n` passes with 1% revoked at random; then a day's delta of 10,000 changes.
fn sizes(n: u32) -> (usize, usize, usize) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ u64::from(n));
    let mut l = StatusList::new("150621", n).expect("list");
    for i in 0..n {
        if rng.next().is_multiple_of(100) {
            l.set(i, Status::Revoked).expect("set");
        }
    }
    let full = l.encode();
    let back = StatusList::decode(&full).expect("decode");
    assert_eq!(back, l);
    let mut day = l.clone();
    let mut changed = 0;
    while changed < 10_000 {
        let i = (rng.next() % u64::from(n)) as u32;
        let s = match rng.next() % 10 {
            0..=6 => Status::Revoked,
            7..=8 => Status::Suspended,
            _ => Status::Valid,
        };
        if day.get(i) != Some(s) {
            day.set(i, s).expect("set");
            changed += 1;
        }
    }
    day.set_version(l.version() + 1);
    let delta = l.diff(&day).expect("diff");
    let enc = delta.encode();
    let mut applied = l.clone();
    applied
        .apply(&StatusDelta::decode(&enc).expect("decode delta"))
        .expect("apply");
    assert_eq!(applied, day);
    let gz = miniz_oxide::deflate::compress_to_vec_zlib(&raw_bits(&l), 9).len();
    (full.len(), enc.len(), gz)
}

fn raw_bits(l: &StatusList) -> Vec<u8> {
    let mut v = vec![0u8; (l.len() as usize).div_ceil(4)];
    for (i, s) in l.non_valid() {
        let b = if s == Status::Revoked { 2 } else { 1 };
        v[i as usize / 4] |= b << ((i % 4) * 2);
    }
    v
}

#[test]
fn status_lists_for_1m_and_32m_passes_meet_the_size_goals() {
    for n in [1_000_000u32, 32_000_000] {
        let (full, delta, gz) = sizes(n);
        println!(
            "status list {n} passes, 1% revoked: full {full} B ({:.3} MB), zlib of raw bits {gz} B, \
             delta of 10,000 changes {delta} B ({:.1} KB)",
            full as f64 / 1e6,
            delta as f64 / 1e3
        );
        assert!(delta <= 25_000, "delta {delta}");
        if n == 32_000_000 {
            assert!(full <= 400_000, "full {full}");
        }
    }
}

#[test]
fn hostile_status_encodings_are_refused_without_panicking() {
    let mut l = StatusList::new("150621", 100).expect("list");
    l.set(5, Status::Suspended).expect("set");
    l.set(50, Status::Revoked).expect("set");
    let good = l.encode();
    for cut in 0..good.len() {
        assert!(StatusList::decode(&good[..cut]).is_err(), "cut {cut}");
    }
    for i in 0..good.len() * 8 {
        let mut b = good.clone();
        b[i / 8] ^= 1 << (i % 8);
        let _ = StatusList::decode(&b);
    }
    // Length beyond the maximum.
    let mut huge = b"EPS1\x06150621\x00".to_vec();
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(StatusList::decode(&huge).is_err());
    let d = l.diff(&l.clone()).expect("diff").encode();
    for cut in 0..d.len() {
        assert!(StatusDelta::decode(&d[..cut]).is_err());
    }
}

#[test]
fn a_delta_only_applies_to_its_base_version_and_issuer() {
    let a = StatusList::new("150621", 10).expect("list");
    let mut b = a.clone();
    b.set(3, Status::Revoked).expect("set");
    b.set_version(1);
    let d = a.diff(&b).expect("diff");
    let mut other = StatusList::new("150622", 10).expect("list");
    assert!(other.apply(&d).is_err());
    let mut ahead = b.clone();
    assert!(ahead.apply(&d).is_err());
    let mut ok = a.clone();
    ok.apply(&d).expect("apply");
    assert_eq!(ok.get(3), Some(Status::Revoked));
}

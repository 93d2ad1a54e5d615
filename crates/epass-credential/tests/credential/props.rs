//! Properties: no single-bit flip of an issued credential is ever accepted; arbitrary input
//! never panics.

use crate::common::*;
use epass_credential::{Compression, Context, issue::cose_text, issue_cose, issue_with};
use proptest::prelude::*;

fn ctx() -> Context {
    Context {
        at: now(),
        place: Some(IN_ZONE),
    }
}

#[test]
fn every_single_bit_flip_of_the_cose_bytes_is_rejected() {
    let v = verifier();
    for key in [issuer_ed(), issuer_es()] {
        let cose = issue_cose(&typical(), &key).expect("issue");
        assert!(
            v.verify(&cose_text(&cose, Compression::Plain), &ctx())
                .is_valid()
        );
        for form in [Compression::Plain, Compression::Zlib] {
            for bit in 0..cose.len() * 8 {
                let mut b = cose.clone();
                b[bit / 8] ^= 1 << (bit % 8);
                let o = v.verify(&cose_text(&b, form), &ctx());
                assert!(!o.is_valid(), "bit {bit} of {form:?} accepted");
            }
        }
    }
}

#[test]
fn every_single_bit_flip_of_the_text_is_rejected() {
    let v = verifier();
    for form in [Compression::Plain, Compression::Zlib] {
        let text = issue_with(&typical(), &issuer_ed(), form).expect("issue");
        let bytes = text.as_bytes();
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.to_vec();
            b[bit / 8] ^= 1 << (bit % 8);
            let o = v.verify_bytes(&b, &ctx());
            assert!(
                !o.is_valid(),
                "text bit {bit} ({form:?}) accepted: {}",
                o.code()
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_passes_survive_no_bit_flip(
        name in "[\\p{Han}]{1,4}",
        plate in "[A-Z][0-9A-Z]{5,6}",
        index in 0u32..1000,
        zones in proptest::collection::vec(1u32..3, 0..3),
        flip in any::<prop::sample::Index>(),
        zlib in any::<bool>(),
    ) {
        let mut c = typical();
        c.holder_name = name;
        c.plate = Some(format!("蒙{plate}"));
        c.status_index = Some(index);
        c.zones = zones;
        let form = if zlib { Compression::Zlib } else { Compression::Plain };
        let text = issue_with(&c, &issuer_ed(), form).expect("issue");
        let v = verifier();
        let mut b = text.into_bytes();
        let bit = flip.index(b.len() * 8);
        b[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(!v.verify_bytes(&b, &ctx()).is_valid());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_verifier(
        prefix in prop::sample::select(vec!["EP1:", "EP2:", ""]),
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let v = verifier();
        let mut input = prefix.as_bytes().to_vec();
        input.extend_from_slice(&body);
        prop_assert!(!v.verify_bytes(&input, &ctx()).is_valid());
        // The same bytes as a base45-encoded COSE body, plain and zlib.
        let t = cose_text(&body, Compression::Plain);
        prop_assert!(!v.verify(&t, &ctx()).is_valid());
        let z = cose_text(&body, Compression::Zlib);
        prop_assert!(!v.verify(&z, &ctx()).is_valid());
    }
}

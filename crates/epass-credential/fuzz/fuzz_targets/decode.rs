//! Fuzzes the credential decoder and verifier, and the status-list decoders, with arbitrary
//! bytes: nothing may panic, and nothing but a genuine credential may be valid.
#![no_main]

use std::sync::OnceLock;

use epass_credential::{
    BundleContent, Context, IssuerKeyEntry, Kind, KeyPair, StatusDelta, StatusList, Verifier,
};
use libfuzzer_sys::fuzz_target;

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let root = KeyPair::ed25519_from_seed([1; 32]);
        let issuer = KeyPair::ed25519_from_seed([2; 32]);
        let mut c = BundleContent {
            authority: "fuzz".into(),
            version: 1,
            issued_at: 1_790_000_000,
            max_age_seconds: 1 << 40,
            issuer_keys: vec![IssuerKeyEntry::new(issuer.public(), "150621", &Kind::ALL, 0, i64::MAX)],
            status_lists: vec![],
            catalogue: None,
        };
        if let Ok(l) = StatusList::new("150621", 1000) {
            c.add_status_list(&l);
        }
        let mut v = Verifier::new();
        v.add_trust_anchor(root.public().clone());
        if let Ok(b) = c.sign(&root) {
            let _ = v.install(&b);
        }
        v
    })
}

fuzz_target!(|data: &[u8]| {
    let v = verifier();
    let ctx = Context { at: 1_790_000_100, place: Some((110.0, 40.0)) };
    let o = v.verify_bytes(data, &ctx);
    // Random bytes cannot carry a valid signature by the issuer key.
    assert!(!o.is_valid() || o.signer.is_some());
    // The same bytes as the body of each form.
    for form in [epass_credential::Compression::Plain, epass_credential::Compression::Zlib] {
        let t = epass_credential::issue::cose_text(data, form);
        let _ = v.verify(&t, &ctx);
    }
    let _ = epass_credential::cose::parse(data);
    let _ = epass_credential::decode_claims(data);
    let _ = StatusList::decode(data);
    let _ = StatusDelta::decode(data);
});

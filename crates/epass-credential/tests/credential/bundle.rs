//! Verifier bundles: rollback, roots, tampering, mutual recognition, signed status updates.

use crate::common::*;
use epass_credential::{
    BundleError, Context, Installed, Kind, Status, Verifier, issue, time::parse_rfc3339,
};

#[test]
fn an_older_bundle_is_refused_as_a_rollback() {
    let mut v = Verifier::new();
    v.add_trust_anchor(root().public().clone());
    assert_eq!(v.install(&bundle(5)), Ok(Installed::New));
    assert_eq!(v.install(&bundle(5)), Ok(Installed::AlreadyCurrent));
    assert_eq!(
        v.install(&bundle(4)),
        Err(BundleError::Rollback {
            installed: 5,
            offered: 4
        })
    );
    assert_eq!(v.install(&bundle(6)), Ok(Installed::New));
    assert_eq!(v.bundles()[0].version, 6);
}

#[test]
fn a_bundle_from_an_untrusted_root_or_tampered_is_refused() {
    let mut v = Verifier::new();
    v.add_trust_anchor(root().public().clone());
    let other = bundle_content(1).sign(&root_b()).expect("sign");
    assert_eq!(v.install(&other), Err(BundleError::UnknownRoot));
    let mut b = bundle(1);
    let i = b.len() / 2;
    b[i] ^= 0x04;
    assert!(v.install(&b).is_err());
    assert!(v.bundles().is_empty());
}

#[test]
fn bundles_of_several_authorities_are_held_at_once() {
    let mut v = verifier();
    v.add_trust_anchor(root_b().public().clone());
    let mut content = bundle_content(1);
    content.authority = "310000 上海市".into();
    content.issuer_keys = vec![entry(&issuer_b(), "310101", &Kind::ALL)];
    content.status_lists.clear();
    v.install(&content.sign(&root_b()).expect("sign"))
        .expect("install B");
    assert_eq!(v.bundles().len(), 2);
    let mut c = typical();
    c.issuer = "310101".into();
    c.pass_number = "310101000001".into();
    c.status_index = None;
    c.zones.clear();
    c.road_sections.clear();
    let ours = issue(&typical(), &issuer_ed()).expect("issue");
    let theirs = issue(&c, &issuer_b()).expect("issue");
    assert_eq!(v.verify(&ours, &Context::at(now())).code(), "valid");
    let o = v.verify(&theirs, &Context::at(now()));
    assert_eq!(o.code(), "valid");
    assert_eq!(o.signer.expect("signer").authority, "310000 上海市");
    // A key of authority B cannot pass as authority A's issuer.
    let mut mixed = typical();
    mixed.status_index = None;
    assert_eq!(
        v.verify(&issue(&mixed, &issuer_b()).expect("i"), &Context::at(now()))
            .code(),
        "invalid.issuer_mismatch"
    );
}

#[test]
fn a_withdrawn_key_in_a_newer_bundle_invalidates_passes_already_issued() {
    let mut v = verifier();
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    assert_eq!(v.verify(&text, &Context::at(now())).code(), "valid");
    let mut c = bundle_content(2);
    c.issuer_keys[0].withdrawn = true;
    v.install(&c.sign(&root()).expect("sign")).expect("install");
    assert_eq!(
        v.verify(&text, &Context::at(now())).code(),
        "invalid.key_withdrawn"
    );
}

#[test]
fn a_signed_status_delta_revokes_at_the_checkpoint() {
    let mut v = verifier();
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    let old = status_list();
    let mut new = old.clone();
    new.set(123, Status::Revoked).expect("set");
    new.set(8, Status::Valid).expect("set");
    new.set_version(4);
    let delta = old.diff(&new).expect("diff");
    assert_eq!(delta.changes.len(), 2);
    // Signed by a stranger: refused.
    assert!(
        v.apply_status_delta(&delta.sign(&stranger()).expect("s"))
            .is_err()
    );
    // Signed by the withdrawn key: refused.
    assert!(
        v.apply_status_delta(&delta.sign(&issuer_withdrawn()).expect("s"))
            .is_err()
    );
    v.apply_status_delta(&delta.sign(&issuer_ed()).expect("sign"))
        .expect("apply");
    assert_eq!(v.verify(&text, &Context::at(now())).code(), "revoked");
    // Replaying it is refused (base version no longer matches).
    assert!(
        v.apply_status_delta(&delta.sign(&issuer_ed()).expect("sign"))
            .is_err()
    );
    // A newer bundle carrying the older list keeps the newer list.
    v.install(&bundle(2)).expect("install");
    assert_eq!(v.status_list("150621").map(|l| l.version()), Some(4));
    // A full signed list with a newer version replaces it.
    let mut full = new.clone();
    full.set(123, Status::Valid).expect("set");
    full.set_version(5);
    v.install_status_list(&full.sign(&issuer_es()).expect("sign"))
        .expect("install list");
    assert_eq!(v.verify(&text, &Context::at(now())).code(), "valid");
}

#[test]
fn stale_bundles_are_reported() {
    let v = verifier();
    let b = &v.bundles()[0];
    assert_eq!(Some(b.stale_after), parse_rfc3339("2026-11-27T00:00:00Z"));
    assert!(v.is_stale(b.stale_after + 1));
}

//! Bundle deltas: a verifier that applies the delta from its version ends where one installing
//! the full newer bundle does; a delta for another base, from another root, or replayed changes
//! nothing.

use crate::common::*;
use epass_credential::{
    BundleContent, BundleDelta, BundleError, Context, Installed, Status, Verifier, issue,
};

/// Version 2 of the common bundle: pass 123 revoked and 8 resumed, the ES256 key withdrawn,
/// a new issuer (371000) with its own list, one zone fewer.
fn newer() -> BundleContent {
    let mut c = bundle_content(2);
    let mut list = status_list();
    list.set(123, Status::Revoked).expect("set");
    list.set(8, Status::Valid).expect("set");
    list.set_version(4);
    c.status_lists.clear();
    c.add_status_list(&list);
    let mut other = epass_credential::StatusList::new("371000", 64).expect("list");
    other.set(5, Status::Suspended).expect("set");
    other.set_version(4);
    c.add_status_list(&other);
    c.issuer_keys[1].withdrawn = true;
    c.issuer_keys
        .push(entry(&issuer_b(), "371000", &epass_credential::Kind::ALL));
    if let Some(features) = c
        .catalogue
        .as_mut()
        .and_then(|v| v["features"].as_array_mut())
    {
        features.remove(1);
    }
    c
}

fn full(content: &BundleContent) -> Verifier {
    let mut v = Verifier::new();
    v.add_trust_anchor(root().public().clone());
    v.install(&content.sign(&root()).expect("sign"))
        .expect("install");
    v
}

fn credentials() -> Vec<String> {
    let mut out = Vec::new();
    for (index, key) in [
        (123, issuer_ed()),
        (8, issuer_ed()),
        (7, issuer_es()),
        (9, issuer_ed()),
    ] {
        let mut c = typical();
        c.status_index = Some(index);
        out.push(issue(&c, &key).expect("issue"));
    }
    let mut b = typical();
    b.issuer = "371000".into();
    b.pass_number = "371000000005".into();
    b.status_index = Some(5);
    out.push(issue(&b, &issuer_b()).expect("issue"));
    out
}

/// Each credential checked now; the fourth at a place inside zone 2, which the newer catalogue
/// drops.
fn outcomes(v: &Verifier) -> Vec<&'static str> {
    credentials()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let place = (i == 3).then_some((110.28, 40.52));
            v.verify(t, &Context { at: now(), place }).code()
        })
        .collect()
}

#[test]
fn a_delta_brings_a_checkpoint_to_the_same_answers_as_the_full_bundle() {
    let (old, new) = (bundle_content(1), newer());
    let delta = BundleDelta::between(&old, &new).expect("delta");
    assert_eq!(delta.status_deltas.len(), 1);
    assert_eq!(delta.new_status_lists.len(), 1);
    assert!(delta.keys.is_some() && delta.catalogue.is_some());
    let mut checkpoint = full(&old);
    let before = outcomes(&checkpoint);
    assert_eq!(before[0], "valid");
    assert_eq!(
        checkpoint.install_delta(&delta.sign(&root()).expect("sign")),
        Ok(Installed::New)
    );
    let after = outcomes(&checkpoint);
    assert_eq!(after, outcomes(&full(&new)));
    assert_eq!(before[1], "suspended");
    assert_eq!(before[3], "valid");
    assert_eq!(after[0], "revoked");
    assert_eq!(after[1], "valid", "resumed");
    assert_eq!(after[2], "invalid.key_withdrawn");
    assert_ne!(after[3], "valid", "its zone left the catalogue");
    assert_eq!(after[4], "suspended", "a list new since the base");
    assert_eq!(checkpoint.bundles(), full(&new).bundles());
}

#[test]
fn a_delta_for_another_base_from_another_root_or_replayed_changes_nothing() {
    let (old, new) = (bundle_content(1), newer());
    let mut third = newer();
    third.version = 3;
    let from_2 = BundleDelta::between(&new, &third).expect("delta");
    let mut checkpoint = full(&old);
    assert_eq!(
        checkpoint.install_delta(&from_2.sign(&root()).expect("sign")),
        Err(BundleError::BaseMismatch {
            installed: 1,
            base: 2
        })
    );
    let delta = BundleDelta::between(&old, &new).expect("delta");
    assert_eq!(
        checkpoint.install_delta(&delta.sign(&root_b()).expect("sign")),
        Err(BundleError::UnknownRoot)
    );
    assert_eq!(checkpoint.bundles()[0].version, 1);
    assert_eq!(outcomes(&checkpoint), outcomes(&full(&old)));
    let signed = delta.sign(&root()).expect("sign");
    assert!(
        checkpoint.install(&signed).is_err(),
        "a delta is not a bundle"
    );
    assert_eq!(checkpoint.install_delta(&signed), Ok(Installed::New));
    assert_eq!(
        checkpoint.install_delta(&signed),
        Ok(Installed::AlreadyCurrent)
    );
    assert!(
        BundleDelta::between(&new, &old).is_err(),
        "deltas only go forward"
    );
}

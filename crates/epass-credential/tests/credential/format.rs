//! The text format: size, prefixes, COSE interoperability, claim round trips.

use crate::common::*;
use epass_credential::{Compression, Context, Kind, issue, issue_cose, issue_with};

#[test]
fn a_typical_personnel_and_vehicle_pass_fits_in_300_characters() {
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    let cose = issue_cose(&typical(), &issuer_ed()).expect("issue");
    println!(
        "typical pass: {} chars, COSE {} bytes: {text}",
        text.chars().count(),
        cose.len()
    );
    assert!(text.starts_with("EP2:"), "{text}");
    assert!(
        text.chars().count() <= 300,
        "{} chars",
        text.chars().count()
    );
    #[cfg(feature = "qr")]
    {
        let v = epass_credential::qr::qr_version(&text).expect("qr");
        println!("QR version at EC level M: {v}");
        assert!(v <= 10);
    }
}

#[test]
fn a_typical_truck_code_and_driving_licence_fit_a_small_qr() {
    let mut truck = claims_for(Kind::TruckEntry);
    truck.rules = Some("仅限在许可的区域、路段和时段内通行。".into());
    let mut licence = claims_for(Kind::DrivingLicence);
    licence.licence = Some(epass_credential::Licence {
        classes: "A2 C1".into(),
        points: 3,
    });
    licence.rules = Some("电子驾驶证与纸质驾驶证具有同等效力。".into());
    for (name, claims) in [("truck code", truck), ("driving licence", licence)] {
        let text = issue(&claims, &issuer_ed()).expect("issue");
        let chars = text.chars().count();
        println!("typical {name}: {chars} chars: {text}");
        assert!(chars <= 400, "{name}: {chars} chars");
        #[cfg(feature = "qr")]
        {
            let v = epass_credential::qr::qr_version(&text).expect("qr");
            println!("{name}: QR version at EC level M: {v}");
            assert!(v <= 12, "{name}: version {v}");
        }
    }
}

#[test]
fn zlib_does_not_shorten_a_compact_pass_so_the_issuer_picks_the_plain_form() {
    let plain = issue_with(&typical(), &issuer_ed(), Compression::Plain).expect("issue");
    let zlib = issue_with(&typical(), &issuer_ed(), Compression::Zlib).expect("issue");
    let auto = issue(&typical(), &issuer_ed()).expect("issue");
    println!("plain {} chars, zlib {} chars", plain.len(), zlib.len());
    assert!(zlib.starts_with("EP1:") && plain.starts_with("EP2:"));
    assert!(zlib.len() >= plain.len());
    assert_eq!(auto, plain);
}

#[test]
fn both_forms_verify_as_valid() {
    let v = verifier();
    let ctx = Context {
        at: now(),
        place: Some(IN_ZONE),
    };
    for c in [Compression::Plain, Compression::Zlib] {
        let text = issue_with(&typical(), &issuer_ed(), c).expect("issue");
        let o = v.verify(&text, &ctx);
        assert!(o.is_valid(), "{c:?}: {}", o.code());
    }
}

#[test]
fn a_large_pass_with_long_rules_is_issued_zlib_compressed_when_shorter() {
    let mut c = claims_for(Kind::Freight);
    c.rules = Some("车上人员不得下车，卸货后立即离开。".repeat(12));
    let text = issue(&c, &issuer_ed()).expect("issue");
    assert!(text.starts_with("EP1:"), "{}", &text[..4]);
    let o = verifier().verify(&text, &Context::at(now()));
    assert!(o.is_valid(), "{}", o.code());
}

#[test]
fn claims_of_every_kind_round_trip_through_the_credential() {
    let v = verifier();
    for kind in Kind::ALL {
        let c = claims_for(kind);
        let text = issue(&c, &issuer_ed()).expect("issue");
        let o = v.verify(&text, &Context::at(now()));
        assert_eq!(o.claims.as_ref(), Some(&c), "{kind:?}");
        println!("{kind:?}: {} chars", text.len());
    }
}

#[test]
fn any_cose_library_can_check_the_signature() {
    use coset::{CborSerializable, TaggedCborSerializable};
    let key = issuer_ed();
    let cose = issue_cose(&typical(), &key).expect("issue");
    let msg = coset::CoseSign1::from_tagged_slice(&cose).expect("coset parses our COSE_Sign1");
    assert_eq!(msg.protected.header.key_id, key.kid().0.to_vec());
    assert_eq!(
        msg.protected.header.alg,
        Some(coset::RegisteredLabelWithPrivate::Assigned(
            coset::iana::Algorithm::EdDSA
        ))
    );
    let vk = key.public().ed25519().copied().expect("ed25519");
    msg.verify_signature(b"", |sig, data| {
        let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| ())?;
        vk.verify_strict(data, &sig).map_err(|_| ())
    })
    .expect("signature verifies with coset's Sig_structure");
    // The payload is a CWT claims set readable with a generic CBOR library.
    let payload = msg.payload.expect("payload");
    let cwt = coset::cwt::ClaimsSet::from_slice(&payload);
    let cwt = cwt.unwrap_or_else(|e| panic!("CWT claims set: {e:?}"));
    assert_eq!(
        cwt.issued_at,
        Some(coset::cwt::Timestamp::WholeSeconds(issued()))
    );
    let v: ciborium::Value = ciborium::from_reader(payload.as_slice()).expect("cbor");
    assert!(v.is_map());
}

#[test]
fn es256_credentials_use_raw_r_s_signatures_that_ring_and_coset_accept() {
    use coset::TaggedCborSerializable;
    let key = issuer_es();
    let cose = issue_cose(&typical(), &key).expect("issue");
    let msg = coset::CoseSign1::from_tagged_slice(&cose).expect("parse");
    assert_eq!(msg.signature.len(), 64);
    let pk = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        key.public().as_bytes().to_vec(),
    );
    msg.verify_signature(b"", |sig, data| pk.verify(data, sig).map_err(|_| ()))
        .expect("ES256 verifies");
    let text = issue(&typical(), &key).expect("issue");
    let o = verifier().verify(
        &text,
        &Context {
            at: now(),
            place: Some(IN_ZONE),
        },
    );
    assert!(o.is_valid(), "{}", o.code());
}

#[test]
fn the_kid_is_the_first_eight_bytes_of_sha256_of_the_public_key() {
    use sha2::Digest;
    for k in [issuer_ed(), issuer_es()] {
        let h = sha2::Sha256::digest(k.public().as_bytes());
        assert_eq!(k.kid().0, h[..8]);
    }
    assert_eq!(issuer_es().public().as_bytes().len(), 65);
    assert_eq!(issuer_es().public().as_bytes()[0], 4);
}

#[test]
fn key_files_round_trip_through_json() {
    for k in [issuer_ed(), issuer_es()] {
        let f = epass_credential::KeyFile::from_pair(&k, Some("150621"), &[Kind::Freight]);
        let json = serde_json::to_string(&f).expect("json");
        let back: epass_credential::KeyFile = serde_json::from_str(&json).expect("parse");
        let pair = back.pair().expect("pair");
        assert_eq!(pair.public(), k.public());
        let sig = pair.sign(b"hello").expect("sign");
        assert!(k.public().verify(b"hello", &sig));
    }
}

#[test]
fn claims_json_uses_readable_times_and_kind_names() {
    let json = serde_json::to_value(typical()).expect("json");
    assert_eq!(json["kind"], "personnel_vehicle");
    assert_eq!(json["issued_at"], "2026-11-20T02:00:00Z");
    assert_eq!(json["approvals"][0]["date"], "2026-11-19");
    let back: epass_credential::Claims = serde_json::from_value(json).expect("parse");
    assert_eq!(back, typical());
}

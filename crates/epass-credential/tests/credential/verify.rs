//! Verification outcomes, one per stage and answer.

use crate::common::*;
use epass_credential::cose::{assemble, protected_header, sig_structure};
use epass_credential::encoding::MAX_TEXT_LEN;
use epass_credential::{
    Algorithm, Compression, Context, InvalidReason, Kind, UndeterminedReason, Verdict, issue,
    issue::cose_text, issue_cose,
};

fn code_of(text: &str, ctx: &Context) -> &'static str {
    verifier().verify(text, ctx).code()
}

fn ctx() -> Context {
    Context {
        at: now(),
        place: Some(IN_ZONE),
    }
}

#[test]
fn a_genuine_pass_is_valid_and_shows_plate_holder_and_masked_id() {
    let o = verifier().verify(&issue(&typical(), &issuer_ed()).expect("issue"), &ctx());
    assert_eq!(o.verdict, Verdict::Valid);
    let c = o.claims.expect("claims");
    assert_eq!(c.plate.as_deref(), Some("蒙K12345"));
    assert_eq!(c.holder_name, "张三");
    assert_eq!(c.masked_id.as_deref(), Some("150***********002X"));
    assert_eq!(o.signer.expect("signer").issuer, "150621");
    assert_eq!(Verdict::Valid.zh(), "有效：通行证真实有效。");
}

#[test]
fn every_verdict_has_a_stable_code_and_two_sentences() {
    let o = verifier().verify("EP2:???", &ctx());
    let j = o.to_json();
    assert_eq!(j["code"], "invalid.base45");
    assert_eq!(j["class"], "invalid");
    assert!(j["zh"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(j["en"].as_str().is_some_and(|s| s.starts_with("Invalid")));
}

#[test]
fn an_unknown_prefix_is_invalid() {
    assert_eq!(code_of("HC1:6BFOXN", &ctx()), "invalid.prefix");
    assert_eq!(code_of("", &ctx()), "invalid.prefix");
}

#[test]
fn oversize_input_is_refused_before_decoding() {
    let text = format!("EP2:{}", "0".repeat(MAX_TEXT_LEN));
    assert_eq!(code_of(&text, &ctx()), "invalid.oversize");
}

#[test]
fn a_zlib_bomb_is_refused_without_inflating_past_the_bound() {
    let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 1 << 20], 9);
    let text = format!("EP1:{}", base45::encode(&bomb));
    assert!(text.len() < MAX_TEXT_LEN, "{}", text.len());
    assert_eq!(code_of(&text, &ctx()), "invalid.inflate_bomb");
    let junk = format!("EP1:{}", base45::encode(b"not zlib at all"));
    assert_eq!(code_of(&junk, &ctx()), "invalid.inflate");
}

#[test]
fn bad_base45_and_bad_cose_are_invalid() {
    assert_eq!(code_of("EP2:abc", &ctx()), "invalid.base45");
    assert_eq!(
        code_of(&format!("EP2:{}", base45::encode(b"\x84\x40")), &ctx()),
        "invalid.cose"
    );
}

#[test]
fn an_unknown_kid_is_an_unknown_issuer() {
    let text = issue(&typical(), &stranger()).expect("issue");
    assert_eq!(code_of(&text, &ctx()), "invalid.unknown_issuer");
}

#[test]
fn a_withdrawn_key_invalidates_what_it_signed() {
    let text = issue(&typical(), &issuer_withdrawn()).expect("issue");
    assert_eq!(code_of(&text, &ctx()), "invalid.key_withdrawn");
}

#[test]
fn an_ed25519_kid_with_an_es256_header_is_an_algorithm_not_allowed() {
    let key = issuer_ed();
    let cose = issue_cose(&typical(), &key).expect("issue");
    let s = epass_credential::cose::parse(&cose).expect("parse");
    let swapped = protected_header(Algorithm::Es256, key.kid());
    let forged = assemble(&swapped, s.payload, s.signature);
    let text = cose_text(&forged, Compression::Plain);
    assert_eq!(code_of(&text, &ctx()), "invalid.algorithm");
    // And an ES256 key's kid with an EdDSA header.
    let es = issuer_es();
    let p = protected_header(Algorithm::EdDsa, es.kid());
    let sig = issuer_ed()
        .sign(&sig_structure(&p, s.payload))
        .expect("sign");
    let text = cose_text(&assemble(&p, s.payload, &sig), Compression::Plain);
    assert_eq!(code_of(&text, &ctx()), "invalid.algorithm");
}

#[test]
fn a_tampered_payload_fails_the_signature() {
    let key = issuer_ed();
    let cose = issue_cose(&typical(), &key).expect("issue");
    let s = epass_credential::cose::parse(&cose).expect("parse");
    let mut c = typical();
    c.plate = Some("蒙K99999".into());
    let payload = epass_credential::encode_claims(&c).expect("claims");
    let forged = assemble(s.protected, &payload, s.signature);
    let o = verifier().verify(&cose_text(&forged, Compression::Plain), &ctx());
    assert_eq!(o.verdict, Verdict::Invalid(InvalidReason::Signature));
    assert!(o.claims.is_none(), "claims of a forgery must not be shown");
}

#[test]
fn signed_garbage_claims_are_invalid_claims() {
    let cose = epass_credential::cose::sign(&issuer_ed(), b"\xa1\x01\x02").expect("sign");
    assert_eq!(
        code_of(&cose_text(&cose, Compression::Plain), &ctx()),
        "invalid.claims"
    );
}

#[test]
fn a_key_may_only_sign_its_kinds() {
    let text = issue(&typical(), &issuer_licence_only()).expect("issue");
    assert_eq!(code_of(&text, &ctx()), "invalid.wrong_kind");
    let lic = issue(&claims_for(Kind::DrivingLicence), &issuer_licence_only()).expect("issue");
    assert_eq!(code_of(&lic, &ctx()), "valid");
}

#[test]
fn a_key_may_only_sign_for_its_issuer_and_within_its_validity() {
    let mut c = typical();
    c.issuer = "150622".into();
    c.pass_number = "150622000001".into();
    assert_eq!(
        code_of(&issue(&c, &issuer_ed()).expect("issue"), &ctx()),
        "invalid.issuer_mismatch"
    );
    let text = issue(&typical(), &issuer_future()).expect("issue");
    assert_eq!(code_of(&text, &ctx()), "invalid.key_not_valid_at_issue");
}

#[test]
fn validity_window_gives_expired_and_not_yet_valid() {
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    let c = typical();
    assert_eq!(code_of(&text, &Context::at(c.expires)), "expired");
    assert_eq!(
        code_of(&text, &Context::at(c.not_before - 1)),
        "not_yet_valid"
    );
}

#[test]
fn status_list_gives_revoked_and_suspended() {
    let mut c = typical();
    c.status_index = Some(7);
    assert_eq!(
        code_of(&issue(&c, &issuer_ed()).expect("issue"), &ctx()),
        "revoked"
    );
    c.status_index = Some(8);
    assert_eq!(
        code_of(&issue(&c, &issuer_ed()).expect("issue"), &ctx()),
        "suspended"
    );
    c.status_index = Some(5000);
    assert_eq!(
        code_of(&issue(&c, &issuer_ed()).expect("issue"), &ctx()),
        "undetermined.status_unavailable"
    );
}

#[test]
fn places_outside_zones_and_corridors_are_outside_zone() {
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    let at = |p| Context {
        at: now(),
        place: Some(p),
    };
    assert_eq!(code_of(&text, &at(IN_ZONE)), "valid");
    assert_eq!(
        code_of(&text, &at((110.25, 40.52))),
        "valid",
        "inside zone 2"
    );
    assert_eq!(code_of(&text, &at(ON_ROAD)), "valid", "20 m off road 10");
    assert_eq!(
        code_of(&text, &at((110.5, 40.3009))),
        "outside_zone",
        "100 m off road 10"
    );
    assert_eq!(code_of(&text, &at(FAR)), "outside_zone");
    let mut c = typical();
    c.zones.push(99);
    let text = issue(&c, &issuer_ed()).expect("issue");
    assert_eq!(code_of(&text, &at(FAR)), "undetermined.zone_unknown");
}

#[test]
fn times_of_day_are_checked_in_the_issuers_time_zone() {
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    // Window 06:00–22:00 at UTC+8: 22:30 UTC is 06:30 local (inside); 15:00 UTC is 23:00.
    assert_eq!(
        code_of(&text, &Context::at(t("2026-11-21T22:30:00Z"))),
        "valid"
    );
    assert_eq!(
        code_of(&text, &Context::at(t("2026-11-21T15:00:00Z"))),
        "outside_time"
    );
    let night = issue(&claims_for(Kind::TruckEntry), &issuer_ed()).expect("issue");
    assert_eq!(
        code_of(&night, &Context::at(t("2026-11-21T15:00:00Z"))),
        "valid",
        "22:00–06:00"
    );
    assert_eq!(
        code_of(&night, &Context::at(t("2026-11-21T09:00:00Z"))),
        "outside_time",
        "17:00"
    );
}

#[test]
fn a_stale_bundle_makes_the_answer_undetermined() {
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    let late = t("2026-11-28T00:00:01Z");
    let v = verifier();
    assert!(v.is_stale(late) && !v.is_stale(now()));
    assert_eq!(
        v.verify(&text, &Context::at(late)).verdict,
        Verdict::Undetermined(UndeterminedReason::StaleBundle)
    );
    // A forgery stays invalid whatever the bundle's age.
    assert_eq!(
        code_of(
            &issue(&typical(), &stranger()).expect("i"),
            &Context::at(late)
        ),
        "invalid.unknown_issuer"
    );
}

#[test]
fn non_utf8_and_random_bytes_are_invalid_without_panicking() {
    let v = verifier();
    for input in [
        &b"EP2:\xff\xfe"[..],
        b"EP1:",
        b"EP2:",
        b"\0\0\0\0",
        b"EP2:0",
        b"EP2:00",
    ] {
        assert!(!v.verify_bytes(input, &ctx()).is_valid());
    }
}

#[cfg(feature = "batch")]
#[test]
fn the_batch_path_gives_the_same_outcomes_as_one_by_one() {
    let v = verifier();
    let mut texts = Vec::new();
    for i in 0..150u32 {
        let mut c = typical();
        c.status_index = Some(i % 10);
        let key = if i % 7 == 0 { issuer_es() } else { issuer_ed() };
        let mut text = issue(&c, &key).expect("issue");
        if i % 31 == 5 {
            text = issue(&typical(), &stranger()).expect("issue");
        }
        if i % 37 == 3 {
            // Tamper with one signature byte.
            let mut cose = issue_cose(&c, &key).expect("issue");
            let n = cose.len() - 1;
            cose[n] ^= 1;
            text = cose_text(&cose, Compression::Plain);
        }
        texts.push(text);
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batch = v.verify_many(&refs, &ctx());
    for (t, b) in refs.iter().zip(&batch) {
        assert_eq!(&v.verify(t, &ctx()), b);
    }
    assert!(batch.iter().any(|o| o.code() == "invalid.signature"));
    assert!(batch.iter().any(|o| o.code() == "revoked"));
}

//! Criterion benchmarks of issuing and verifying, with a closing summary of rates and ratios
//! measured in the same run: full verification vs raw Ed25519 verification of the same bytes,
//! batch vs single, issuing vs raw signing, and ES256.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use epass_credential::cose::{parse, sig_structure};
use epass_credential::time::{days_from_civil, parse_rfc3339};
use epass_credential::{
    Approval, BundleContent, Claims, Context, IssuerKeyEntry, KeyPair, Kind, StatusList,
    TimeWindow, Verifier, issue, issue_cose,
};

fn t(s: &str) -> i64 {
    parse_rfc3339(s).unwrap_or_default()
}

fn claims(i: u32) -> Claims {
    Claims {
        pass_number: format!("150621{:06}", i),
        kind: Kind::PersonnelVehicle,
        issuer: "150621".into(),
        holder_name: "张三".into(),
        masked_id: Some("150***********002X".into()),
        plate: Some("蒙K12345".into()),
        vehicle_type: None,
        holder_category: None,
        zones: vec![1, 2],
        road_sections: vec![10],
        time_windows: vec![TimeWindow {
            from: 360,
            to: 1320,
        }],
        utc_offset_minutes: 480,
        not_before: t("2026-11-20T02:00:00Z"),
        expires: t("2026-12-20T16:00:00Z"),
        issued_at: t("2026-11-20T02:00:00Z"),
        approvals: vec![
            Approval {
                reviewer: "A17".into(),
                date: days_from_civil(2026, 11, 19),
            },
            Approval {
                reviewer: "H03".into(),
                date: days_from_civil(2026, 11, 20),
            },
        ],
        status_index: Some(i % 1000),
        freight: None,
        licence: None,
        rules: None,
    }
}

#[allow(deprecated)]
fn es256_key() -> KeyPair {
    let seed = [0x42u8; 32];
    let rng = ring::test::rand::FixedSliceRandom { bytes: &seed };
    let doc = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .expect("pkcs8");
    KeyPair::from_secret(epass_credential::Algorithm::Es256, doc.as_ref()).expect("key")
}

struct Fixture {
    ed: KeyPair,
    es: KeyPair,
    verifier: Verifier,
    ctx: Context,
}

fn fixture() -> Fixture {
    let root = KeyPair::ed25519_from_seed([1; 32]);
    let ed = KeyPair::ed25519_from_seed([2; 32]);
    let es = es256_key();
    let (from, to) = (t("2026-01-01T00:00:00Z"), t("2027-12-31T00:00:00Z"));
    let mut content = BundleContent {
        authority: "bench".into(),
        version: 1,
        issued_at: t("2026-11-20T00:00:00Z"),
        max_age_seconds: 7 * 86_400,
        issuer_keys: vec![
            IssuerKeyEntry::new(ed.public(), "150621", &Kind::ALL, from, to),
            IssuerKeyEntry::new(es.public(), "150621", &Kind::ALL, from, to),
        ],
        status_lists: vec![],
        catalogue: Some(
            serde_json::json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": 1}, "geometry": {"type": "Polygon",
             "coordinates": [[[109.95, 40.35], [110.10, 40.35], [110.10, 40.45], [109.95, 40.45], [109.95, 40.35]]]}}]}),
        ),
    };
    content.add_status_list(&StatusList::new("150621", 1000).expect("list"));
    let mut verifier = Verifier::new();
    verifier.add_trust_anchor(root.public().clone());
    verifier
        .install(&content.sign(&root).expect("sign"))
        .expect("install");
    let ctx = Context {
        at: t("2026-11-21T03:00:00Z"),
        place: Some((110.03, 40.40)),
    };
    Fixture {
        ed,
        es,
        verifier,
        ctx,
    }
}

/// The Sig_structure bytes and signature inside a credential, for the raw baselines.
fn raw_parts(key: &KeyPair, c: &Claims) -> (Vec<u8>, Vec<u8>) {
    let cose = issue_cose(c, key).expect("issue");
    let s = parse(&cose).expect("parse");
    (sig_structure(s.protected, s.payload), s.signature.to_vec())
}

fn benches(cr: &mut Criterion) {
    let f = fixture();
    let c = claims(123);
    let text = issue(&c, &f.ed).expect("issue");
    let (tbs, sig) = raw_parts(&f.ed, &c);
    let vk = *f.ed.public().ed25519().expect("ed25519");
    let sig = ed25519_dalek::Signature::from_slice(&sig).expect("sig");
    let sk = ed25519_dalek::SigningKey::from_bytes(&[2; 32]);
    let texts: Vec<String> = (0..64)
        .map(|i| issue(&claims(i), &f.ed).expect("issue"))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let es_text = issue(&c, &f.es).expect("issue");
    let (es_tbs, es_sig) = raw_parts(&f.es, &c);
    let es_pk = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        f.es.public().as_bytes().to_vec(),
    );

    let mut g = cr.benchmark_group("ed25519");
    g.bench_function("verify_full_text", |b| {
        b.iter(|| f.verifier.verify(black_box(&text), &f.ctx))
    });
    g.bench_function("verify_raw_signature", |b| {
        b.iter(|| vk.verify_strict(black_box(&tbs), &sig))
    });
    g.bench_function("verify_many_64", |b| {
        b.iter(|| f.verifier.verify_many(black_box(&refs), &f.ctx))
    });
    g.bench_function("issue_full", |b| b.iter(|| issue(black_box(&c), &f.ed)));
    g.bench_function("sign_raw", |b| {
        use ed25519_dalek::Signer;
        b.iter(|| sk.sign(black_box(&tbs)))
    });
    g.finish();
    let mut g = cr.benchmark_group("es256");
    g.bench_function("verify_full_text", |b| {
        b.iter(|| f.verifier.verify(black_box(&es_text), &f.ctx))
    });
    g.bench_function("verify_raw_signature", |b| {
        b.iter(|| es_pk.verify(black_box(&es_tbs), &es_sig))
    });
    g.bench_function("issue_full", |b| b.iter(|| issue(black_box(&c), &f.es)));
    g.finish();
}

/// Operations per second of `op` (which performs `per_call` operations) over ~`secs`.
fn rate(secs: f64, per_call: usize, mut op: impl FnMut()) -> f64 {
    for _ in 0..20 {
        op();
    }
    let start = Instant::now();
    let mut n = 0usize;
    while start.elapsed() < Duration::from_secs_f64(secs) {
        for _ in 0..10 {
            op();
        }
        n += 10;
    }
    (n * per_call) as f64 / start.elapsed().as_secs_f64()
}

fn summary() {
    let f = fixture();
    let c = claims(123);
    let text = issue(&c, &f.ed).expect("issue");
    let (tbs, sig) = raw_parts(&f.ed, &c);
    let vk = *f.ed.public().ed25519().expect("ed25519");
    let sig = ed25519_dalek::Signature::from_slice(&sig).expect("sig");
    let sk = ed25519_dalek::SigningKey::from_bytes(&[2; 32]);
    let texts: Vec<String> = (0..256)
        .map(|i| issue(&claims(i), &f.ed).expect("issue"))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let es_text = issue(&c, &f.es).expect("issue");
    let (es_tbs, es_sig) = raw_parts(&f.es, &c);
    let es_pk = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        f.es.public().as_bytes().to_vec(),
    );
    assert!(f.verifier.verify(&text, &f.ctx).is_valid());
    assert!(f.verifier.verify(&es_text, &f.ctx).is_valid());
    let secs = 2.0;
    // Interleave the pairs so drift (thermal, neighbours) affects both sides alike.
    let raw_v = rate(secs, 1, || {
        let _ = black_box(vk.verify_strict(black_box(&tbs), &sig));
    });
    let full_v = rate(secs, 1, || {
        black_box(f.verifier.verify(black_box(&text), &f.ctx));
    });
    let single = rate(secs, refs.len(), || {
        for t in &refs {
            black_box(f.verifier.verify(t, &f.ctx));
        }
    });
    let batch = rate(secs, refs.len(), || {
        black_box(f.verifier.verify_many(black_box(&refs), &f.ctx));
    });
    let raw_s = rate(secs, 1, || {
        use ed25519_dalek::Signer;
        black_box(sk.sign(black_box(&tbs)));
    });
    let full_s = rate(secs, 1, || {
        let _ = black_box(issue(black_box(&c), &f.ed));
    });
    let es_raw = rate(secs, 1, || {
        let _ = black_box(es_pk.verify(black_box(&es_tbs), &es_sig));
    });
    let es_full = rate(secs, 1, || {
        black_box(f.verifier.verify(black_box(&es_text), &f.ctx));
    });
    let es_issue = rate(secs, 1, || {
        let _ = black_box(issue(black_box(&c), &f.es));
    });
    println!("\n== epass-credential summary (one core, same run) ==");
    println!("typical pass: {} chars", text.len());
    println!(
        "Ed25519 raw verify (Sig_structure, {} B): {raw_v:.0}/s",
        tbs.len()
    );
    println!("Ed25519 full verify text->outcome:        {full_v:.0}/s");
    println!(
        "RATIO full verify / raw verify = {:.3} (goal >= 0.90)",
        full_v / raw_v
    );
    println!("single verify (256 passes):               {single:.0}/s");
    println!("batch verify_many (256 passes):           {batch:.0}/s");
    println!("RATIO batch / single = {:.3} (goal >= 1.6)", batch / single);
    println!("Ed25519 raw sign:                         {raw_s:.0}/s");
    println!("issue claims->text:                       {full_s:.0}/s");
    println!(
        "RATIO issue / raw sign = {:.3} (goal >= 0.8)",
        full_s / raw_s
    );
    println!("ES256 raw verify (ring):                  {es_raw:.0}/s");
    println!("ES256 full verify text->outcome:          {es_full:.0}/s");
    println!("RATIO ES256 full / raw = {:.3}", es_full / es_raw);
    println!("ES256 issue claims->text:                 {es_issue:.0}/s");
}

criterion_group! {
    name = group;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}

fn main() {
    let quick = std::env::args().any(|a| a == "--summary-only");
    if !quick {
        group();
        Criterion::default().configure_from_args().final_summary();
    }
    summary();
}

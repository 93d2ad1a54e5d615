//! Shared fixtures: deterministic keys from fixed seeds, fixed times, a typical pass, a bundle.

use epass_credential::time::{days_from_civil, parse_rfc3339};
use epass_credential::{
    Algorithm, Approval, BundleContent, Claims, Freight, IssuerKeyEntry, KeyPair, Kind, Licence,
    StatusList, TimeWindow, Verifier,
};

pub fn t(s: &str) -> i64 {
    parse_rfc3339(s).expect("fixture time")
}

/// Issue time of the fixtures.
pub fn issued() -> i64 {
    t("2026-11-20T02:00:00Z")
}

/// "Now" for the fixtures: 11:00 local (UTC+8), inside the 06:00–22:00 window.
pub fn now() -> i64 {
    t("2026-11-21T03:00:00Z")
}

/// A place inside zone 1 (Dalad Banner centre).
pub const IN_ZONE: (f64, f64) = (110.03, 40.40);
/// A place on road section 10, 20 m off the centre line (corridor 100 m wide).
pub const ON_ROAD: (f64, f64) = (110.5, 40.30018);
/// A place far from everything.
pub const FAR: (f64, f64) = (111.5, 41.5);

pub fn root() -> KeyPair {
    KeyPair::ed25519_from_seed([1; 32])
}

pub fn root_b() -> KeyPair {
    KeyPair::ed25519_from_seed([9; 32])
}

/// Ed25519 issuer key of division 150621, all kinds.
pub fn issuer_ed() -> KeyPair {
    KeyPair::ed25519_from_seed([2; 32])
}

/// Ed25519 key allowed only driving licences.
pub fn issuer_licence_only() -> KeyPair {
    KeyPair::ed25519_from_seed([3; 32])
}

/// Ed25519 key that is withdrawn in the bundle.
pub fn issuer_withdrawn() -> KeyPair {
    KeyPair::ed25519_from_seed([4; 32])
}

/// Ed25519 key valid only from 2027.
pub fn issuer_future() -> KeyPair {
    KeyPair::ed25519_from_seed([5; 32])
}

/// Ed25519 key not in any bundle.
pub fn stranger() -> KeyPair {
    KeyPair::ed25519_from_seed([6; 32])
}

/// Ed25519 key of another authority (root B), division 310101.
pub fn issuer_b() -> KeyPair {
    KeyPair::ed25519_from_seed([7; 32])
}

/// Deterministic ES256 issuer key (P-256 scalar from a fixed seed via ring's test RNG).
#[allow(deprecated)]
pub fn issuer_es() -> KeyPair {
    let seed = [0x42u8; 32];
    let rng = ring::test::rand::FixedSliceRandom { bytes: &seed };
    let doc = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .expect("pkcs8");
    KeyPair::from_secret(Algorithm::Es256, doc.as_ref()).expect("es256 key")
}

/// The typical personnel-and-vehicle pass of the size goal.
pub fn typical() -> Claims {
    Claims {
        pass_number: "150621000123".into(),
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
        not_before: issued(),
        expires: t("2026-12-20T16:00:00Z"),
        issued_at: issued(),
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
        status_index: Some(123),
        freight: None,
        licence: None,
        rules: None,
    }
}

/// One valid credential's claims per kind.
pub fn claims_for(kind: Kind) -> Claims {
    let mut c = typical();
    c.kind = kind;
    match kind {
        Kind::PersonnelVehicle => {}
        Kind::Freight => {
            c.pass_number = "150621000124".into();
            c.status_index = Some(124);
            c.zones.clear();
            c.freight = Some(Freight {
                origin: 150621,
                destination: 150602,
                cargo: Some("生活物资".into()),
                test_at: Some(t("2026-11-19T08:00:00Z")),
            });
            c.rules = Some("车上人员不得下车，卸货后立即离开".into());
            c.time_windows.clear();
        }
        Kind::TruckEntry => {
            c.pass_number = "150621000125".into();
            c.status_index = Some(125);
            c.vehicle_type = Some("N2".into());
            c.time_windows = vec![
                TimeWindow {
                    from: 1320,
                    to: 360,
                },
                TimeWindow { from: 600, to: 960 },
            ];
        }
        Kind::DrivingLicence => {
            c.pass_number = "150621000126".into();
            c.status_index = Some(126);
            c.plate = None;
            c.zones.clear();
            c.road_sections.clear();
            c.time_windows.clear();
            c.approvals.clear();
            c.expires = t("2032-11-20T00:00:00Z");
            c.licence = Some(Licence {
                classes: "C1".into(),
                points: 3,
            });
        }
    }
    c
}

pub fn catalogue() -> serde_json::Value {
    serde_json::json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": 1, "name": "达拉特旗城区"},
             "geometry": {"type": "Polygon", "coordinates": [[[109.95, 40.35], [110.10, 40.35], [110.10, 40.45], [109.95, 40.45], [109.95, 40.35]]]}},
            {"type": "Feature", "properties": {"id": 2, "name": "树林召镇"},
             "geometry": {"type": "MultiPolygon", "coordinates": [[[[110.20, 40.50], [110.30, 40.50], [110.30, 40.60], [110.20, 40.50]]]]}},
            {"type": "Feature", "properties": {"id": 10, "name": "G210 段", "corridor_width_m": 100},
             "geometry": {"type": "LineString", "coordinates": [[110.40, 40.30], [110.60, 40.30]]}}
        ]
    })
}

pub fn entry(k: &KeyPair, issuer: &str, kinds: &[Kind]) -> IssuerKeyEntry {
    IssuerKeyEntry::new(
        k.public(),
        issuer,
        kinds,
        t("2026-01-01T00:00:00Z"),
        t("2027-12-31T00:00:00Z"),
    )
}

/// Status list of 150621: 7 revoked, 8 suspended, 1000 entries.
pub fn status_list() -> StatusList {
    let mut l = StatusList::new("150621", 1000).expect("list");
    l.set(7, epass_credential::Status::Revoked).expect("set");
    l.set(8, epass_credential::Status::Suspended).expect("set");
    l.set_version(3);
    l
}

pub fn bundle_content(version: u64) -> BundleContent {
    let mut withdrawn = entry(&issuer_withdrawn(), "150621", &Kind::ALL);
    withdrawn.withdrawn = true;
    let mut future = entry(&issuer_future(), "150621", &Kind::ALL);
    future.not_before = t("2027-01-01T00:00:00Z");
    let mut c = BundleContent {
        authority: "150600 鄂尔多斯市".into(),
        version,
        issued_at: t("2026-11-20T00:00:00Z"),
        max_age_seconds: 7 * 86_400,
        issuer_keys: vec![
            entry(&issuer_ed(), "150621", &Kind::ALL),
            entry(&issuer_es(), "150621", &Kind::ALL),
            entry(&issuer_licence_only(), "150621", &[Kind::DrivingLicence]),
            withdrawn,
            future,
        ],
        status_lists: vec![],
        catalogue: Some(catalogue()),
    };
    c.add_status_list(&status_list());
    c
}

pub fn bundle(version: u64) -> Vec<u8> {
    bundle_content(version).sign(&root()).expect("sign bundle")
}

pub fn verifier() -> Verifier {
    let mut v = Verifier::new();
    v.add_trust_anchor(root().public().clone());
    v.install(&bundle(1)).expect("install bundle");
    v
}

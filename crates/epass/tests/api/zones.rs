//! Zones and road sections as data: GeoJSON upload (all or nothing), the public list, the
//! catalogue in the signed bundle evaluated by a checkpoint's verifier, and checkpoints.

use base64::Engine as _;
use epass::actions::{Actor, keys};
use epass::domain::roles::Role;
use epass_credential::{Approval, Claims, Context, Kind, PublicKey, Verifier};
use serde_json::{Value, json};

use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD, World};

/// Shulinzhao town centre, about 110.04°E 40.40°N.
const INSIDE: (f64, f64) = (110.04, 40.40);
const OUTSIDE: (f64, f64) = (110.20, 40.40);

fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!([[
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d]
    ]])
}

fn zone(name: &str) -> Value {
    json!({ "type": "Feature", "geometry": { "type": "Polygon", "coordinates": square(INSIDE.0, INSIDE.1, 0.02) },
        "properties": { "kind": "zone", "name_zh": name, "name_en": "Town centre" } })
}

/// A road along latitude 40.40 from 110.00°E to 110.10°E, corridor 50 m.
fn road() -> Value {
    json!({ "type": "Feature",
        "geometry": { "type": "LineString", "coordinates": [[110.0, 40.4], [110.1, 40.4]] },
        "properties": { "kind": "road_section", "name_zh": "G210 测试段", "corridor_width_m": 50 } })
}

fn collection(features: Vec<Value>) -> Value {
    json!({ "type": "FeatureCollection", "features": features })
}

async fn admin_at(app: &TestApp, org: &epass::store::orgs::Org, role: Role, n: usize) -> Session {
    world::user(app, &world::phone(700 + n), org, &[role]).await;
    app.login(&world::phone(700 + n), PASSWORD).await
}

async fn verifier(app: &TestApp, authority: i64) -> Verifier {
    let anchor = app
        .get(
            &format!("/api/v1/trust-anchor?authority={authority}"),
            Auth::None,
        )
        .await;
    assert_eq!(anchor.status, 200, "{:?}", anchor.body);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(anchor.body["public_key"].as_str().unwrap())
        .unwrap();
    let mut verifier = Verifier::new();
    verifier
        .add_trust_anchor(PublicKey::from_bytes(epass_credential::Algorithm::EdDsa, &raw).unwrap());
    install_latest(app, authority, &mut verifier).await;
    verifier
}

async fn install_latest(app: &TestApp, authority: i64, verifier: &mut Verifier) {
    let url = app.url(&format!("/api/v1/bundle?authority={authority}"));
    let bytes = app
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    verifier.install(&bytes).expect("bundle installs");
}

fn now() -> i64 {
    epass::store::now_ms() / 1000
}

/// A pass limited to `zones` and `roads`, signed with the authority's issuer key.
async fn pass(app: &TestApp, authority: i64, zones: Vec<u32>, roads: Vec<u32>) -> String {
    let stored = epass::store::keys::for_authority(app.db().pool(), authority)
        .await
        .unwrap();
    let key = stored
        .iter()
        .find(|k| k.purpose == epass::store::keys::KeyPurpose::Issuer && k.retired_at.is_none())
        .unwrap();
    let now = now();
    let claims = Claims {
        pass_number: "150621000001".into(),
        kind: Kind::PersonnelVehicle,
        issuer: key.issuer_code.clone().unwrap(),
        holder_name: "张三".into(),
        masked_id: Some("110***********002X".into()),
        plate: Some("蒙K12345".into()),
        vehicle_type: None,
        holder_category: None,
        zones,
        road_sections: roads,
        time_windows: Vec::new(),
        utc_offset_minutes: 480,
        not_before: now,
        expires: now + 30 * 86_400,
        issued_at: now,
        approvals: vec![Approval {
            reviewer: "李审核".into(),
            date: now / 86_400,
        }],
        status_index: None,
        freight: None,
        licence: None,
        rules: None,
    };
    epass_credential::issue(&claims, &keys::open_key(&app.state.pii, key).unwrap()).unwrap()
}

fn verdict_at(verifier: &Verifier, text: &str, place: (f64, f64)) -> &'static str {
    let ctx = Context {
        at: now() + 60,
        place: Some(place),
    };
    verifier.verify(text, &ctx).verdict.code()
}

async fn ensure_keys(app: &TestApp, authority: i64) {
    keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), authority)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_upload_with_bad_features_imports_nothing_and_names_each_one() {
    let app = spawn_app().await;
    let World { region_a, .. } = world::build(&app).await;
    let admin = admin_at(&app, &region_a, Role::SystemAdmin, 0).await;
    let open = json!({ "type": "Feature", "properties": { "name_zh": "未闭合" },
        "geometry": { "type": "Polygon", "coordinates": [[[110.0, 40.0], [110.1, 40.0], [110.1, 40.1], [110.0, 40.1]]] } });
    let mut lat95 = road();
    lat95["geometry"]["coordinates"][1] = json!([110.1, 95.0]);
    let line_as_zone = json!({ "type": "Feature", "properties": { "kind": "zone", "name_zh": "线" },
        "geometry": { "type": "LineString", "coordinates": [[110.0, 40.0], [110.1, 40.1]] } });
    let body = collection(vec![zone("好的"), open, lat95, line_as_zone, road()]);
    let path = format!("/api/v1/zones/import?authority={}", region_a.id);
    let reply = app.post(&path, Auth::Session(&admin), body).await;

    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    assert_eq!(reply.code(), "zone.import_rejected");
    let errors: Vec<(u64, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (1, "zone.ring_not_closed"),
            (2, "zone.latitude_range"),
            (3, "zone.kind_mismatch")
        ]
    );
    let lat_error = &reply.body["errors"][1];
    assert!(
        lat_error["zh"].as_str().unwrap().contains("95"),
        "{lat_error}"
    );
    assert!(
        lat_error["en"].as_str().unwrap().contains("coordinates[1]"),
        "{lat_error}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM zones").await, 0);
    let listed = app
        .get(
            &format!("/api/v1/zones?authority={}", region_a.id),
            Auth::None,
        )
        .await;
    assert_eq!(listed.body["features"], json!([]));
}

#[tokio::test]
async fn an_accepted_upload_is_listed_and_carried_by_the_next_signed_bundle() {
    let app = spawn_app().await;
    let World { region_a, .. } = world::build(&app).await;
    ensure_keys(&app, region_a.id).await;
    let admin = admin_at(&app, &region_a, Role::SystemAdmin, 0).await;
    let path = format!("/api/v1/zones/import?authority={}", region_a.id);
    let reply = app
        .post(
            &path,
            Auth::Session(&admin),
            collection(vec![zone("树林召镇"), road()]),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["bundle_version"], 2);
    let created = reply.body["created"].as_array().unwrap();
    let (zone_id, road_id) = (created[0].as_u64().unwrap(), created[1].as_u64().unwrap());

    let listed = app
        .get(
            &format!("/api/v1/zones?authority={}", region_a.id),
            Auth::None,
        )
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["type"], "FeatureCollection");
    let features = listed.body["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(features[0]["properties"]["name_zh"], "树林召镇");
    assert_eq!(features[1]["properties"]["corridor_width_m"], 50.0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'zone.created'")
            .await,
        2
    );

    let verifier = verifier(&app, region_a.id).await;
    let in_zone = pass(&app, region_a.id, vec![zone_id as u32], vec![]).await;
    assert_eq!(verdict_at(&verifier, &in_zone, INSIDE), "valid");
    assert_eq!(verdict_at(&verifier, &in_zone, OUTSIDE), "outside_zone");
    // The road runs along 40.40°N with a 50 m corridor: 20 m off the centre line is inside,
    // 40 m is not (0.00018° and 0.00036° of latitude).
    let on_road = pass(&app, region_a.id, vec![], vec![road_id as u32]).await;
    assert_eq!(verdict_at(&verifier, &on_road, (110.05, 40.40018)), "valid");
    assert_eq!(
        verdict_at(&verifier, &on_road, (110.05, 40.40036)),
        "outside_zone"
    );
}

#[tokio::test]
async fn retiring_a_zone_publishes_a_new_bundle_without_it() {
    let app = spawn_app().await;
    let World { region_a, .. } = world::build(&app).await;
    ensure_keys(&app, region_a.id).await;
    let reviewer = admin_at(&app, &region_a, Role::AuthorityReviewer, 0).await;
    let path = format!("/api/v1/zones?authority={}", region_a.id);
    let created = app
        .post(&path, Auth::Session(&reviewer), zone("树林召镇"))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["bundle_version"], 2);
    let id = created.body["zone"]["id"].as_i64().unwrap();
    let mut verifier = verifier(&app, region_a.id).await;
    let text = pass(&app, region_a.id, vec![id as u32], vec![]).await;
    assert_eq!(verdict_at(&verifier, &text, INSIDE), "valid");

    let retired = app
        .request(
            "DELETE",
            &format!("/api/v1/zones/{id}"),
            Auth::Session(&reviewer),
            None,
        )
        .await;
    assert_eq!(retired.status, 200, "{:?}", retired.body);
    assert_eq!(retired.body["bundle_version"], 3);
    assert!(retired.body["zone"]["properties"]["retired_at"].is_i64());
    install_latest(&app, region_a.id, &mut verifier).await;
    assert_eq!(
        verdict_at(&verifier, &text, INSIDE),
        "undetermined.zone_unknown"
    );
    let listed = app.get(&path, Auth::None).await;
    assert_eq!(listed.body["features"], json!([]));
    let again = app
        .request(
            "DELETE",
            &format!("/api/v1/zones/{id}"),
            Auth::Session(&reviewer),
            None,
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.code(), "zone.already_retired");
}

#[tokio::test]
async fn zones_of_an_authority_without_keys_are_kept_and_its_first_bundle_carries_them() {
    let app = spawn_app().await;
    let World { region_a, .. } = world::build(&app).await;
    let admin = admin_at(&app, &region_a, Role::SystemAdmin, 0).await;
    let path = format!("/api/v1/zones?authority={}", region_a.id);
    let created = app
        .post(&path, Auth::Session(&admin), zone("树林召镇"))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert!(created.body["bundle_version"].is_null());
    let id = created.body["zone"]["id"].as_i64().unwrap();

    ensure_keys(&app, region_a.id).await;
    let verifier = verifier(&app, region_a.id).await;
    let text = pass(&app, region_a.id, vec![id as u32], vec![]).await;
    assert_eq!(verdict_at(&verifier, &text, INSIDE), "valid");
    assert_eq!(verdict_at(&verifier, &text, OUTSIDE), "outside_zone");
}

#[tokio::test]
async fn a_zone_is_replaced_in_place_but_never_changes_kind_nor_crosses_regions() {
    let app = spawn_app().await;
    let World {
        region_a,
        region_b,
        a1,
        ..
    } = world::build(&app).await;
    let admin = admin_at(&app, &region_a, Role::SystemAdmin, 0).await;
    let dept_admin = admin_at(&app, &a1, Role::SystemAdmin, 1).await;
    let other = admin_at(&app, &region_b, Role::SystemAdmin, 2).await;
    let path = format!("/api/v1/zones?authority={}", region_a.id);
    let id = app
        .post(&path, Auth::Session(&admin), zone("旧名"))
        .await
        .body["zone"]["id"]
        .as_i64()
        .unwrap();
    let zone_path = format!("/api/v1/zones/{id}");

    let renamed = app
        .request("PUT", &zone_path, Auth::Session(&admin), Some(zone("新名")))
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    assert_eq!(renamed.body["zone"]["properties"]["name_zh"], "新名");
    assert_eq!(renamed.body["zone"]["id"], id);
    let to_road = app
        .request("PUT", &zone_path, Auth::Session(&admin), Some(road()))
        .await;
    assert_eq!((to_road.status, to_road.code()), (422, "zone.kind_change"));
    for (who, session) in [("department admin", &dept_admin), ("other region", &other)] {
        let reply = app
            .request("PUT", &zone_path, Auth::Session(session), Some(zone("x")))
            .await;
        assert_eq!(reply.status, 403, "{who}");
        let reply = app.post(&path, Auth::Session(session), zone("x")).await;
        assert_eq!(reply.status, 403, "{who}");
    }
    // An upload that names an id replaces that zone; an unknown id is refused by index.
    let mut replace = zone("第三名");
    replace["properties"]["id"] = json!(id);
    let mut unknown = zone("无此区域");
    unknown["properties"]["id"] = json!(id + 1000);
    let import = format!("/api/v1/zones/import?authority={}", region_a.id);
    let refused = app
        .post(
            &import,
            Auth::Session(&admin),
            collection(vec![replace.clone(), unknown]),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.body["errors"][0]["index"], 1);
    assert_eq!(refused.body["errors"][0]["code"], "zone.unknown_id");
    let done = app
        .post(&import, Auth::Session(&admin), collection(vec![replace]))
        .await;
    assert_eq!(done.body["updated"], json!([id]), "{:?}", done.body);
    let listed = app.get(&path, Auth::None).await;
    assert_eq!(
        listed.body["features"][0]["properties"]["name_zh"],
        "第三名"
    );
}

#[tokio::test]
async fn a_bad_single_feature_is_refused_in_both_languages() {
    let app = spawn_app().await;
    let World { region_a, a1, .. } = world::build(&app).await;
    let admin = admin_at(&app, &region_a, Role::SystemAdmin, 0).await;
    let path = format!("/api/v1/zones?authority={}", region_a.id);
    let mut wide = road();
    wide["properties"]["corridor_width_m"] = json!(6000);
    let reply = app.post(&path, Auth::Session(&admin), wide).await;
    assert_eq!((reply.status, reply.code()), (422, "zone.corridor_range"));
    assert!(reply.body["detail"].as_str().unwrap().contains("6000"));
    assert!(reply.body["detail_en"].as_str().unwrap().contains("5000"));
    let department = format!("/api/v1/zones?authority={}", a1.id);
    let reply = app
        .post(&department, Auth::Session(&admin), zone("x"))
        .await;
    assert_eq!((reply.status, reply.code()), (422, "zone.not_an_authority"));
    let missing = app.get("/api/v1/zones?authority=999999", Auth::None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM zones").await, 0);
}

#[tokio::test]
async fn checkpoints_are_created_listed_and_retired_within_scope() {
    let app = spawn_app().await;
    let World {
        region_a,
        a1,
        a2,
        b1,
        region_b,
        ..
    } = world::build(&app).await;
    let root = admin_at(&app, &region_a, Role::SystemAdmin, 0).await;
    let admin = admin_at(&app, &a1, Role::SystemAdmin, 1).await;
    let officer = admin_at(&app, &a1, Role::CheckpointOfficer, 2).await;
    let stranger = admin_at(&app, &b1, Role::Supervisor, 3).await;
    let zone_id = app
        .post(
            &format!("/api/v1/zones?authority={}", region_a.id),
            Auth::Session(&root),
            zone("城区"),
        )
        .await
        .body["zone"]["id"]
        .as_i64()
        .unwrap();
    let b_zone = app
        .post(
            &format!("/api/v1/zones?authority={}", region_b.id),
            Auth::Session(&admin_at(&app, &region_b, Role::SystemAdmin, 4).await),
            zone("威海"),
        )
        .await
        .body["zone"]["id"]
        .as_i64()
        .unwrap();

    let input = |org: i64, lat: f64, guards: Vec<i64>| json!({ "org_id": org, "name": " 树林召北卡口 ", "longitude": 110.05, "latitude": lat, "guards": guards });
    let created = app
        .post(
            "/api/v1/checkpoints",
            Auth::Session(&admin),
            input(a1.id, 40.44, vec![zone_id, zone_id]),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["name"], "树林召北卡口");
    assert_eq!(created.body["guards"], json!([zone_id]));
    let id = created.body["id"].as_i64().unwrap();
    let elsewhere = app
        .post(
            "/api/v1/checkpoints",
            Auth::Session(&admin),
            input(a2.id, 40.44, vec![]),
        )
        .await;
    assert_eq!(elsewhere.status, 403);
    let bad_lat = app
        .post(
            "/api/v1/checkpoints",
            Auth::Session(&admin),
            input(a1.id, 95.0, vec![]),
        )
        .await;
    assert_eq!(
        (bad_lat.status, bad_lat.code()),
        (422, "checkpoint.latitude_range")
    );
    let foreign = app
        .post(
            "/api/v1/checkpoints",
            Auth::Session(&admin),
            input(a1.id, 40.44, vec![b_zone]),
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.code()),
        (422, "checkpoint.unknown_zone")
    );

    let seen = app
        .get("/api/v1/checkpoints", Auth::Session(&officer))
        .await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(seen.body["items"][0]["latitude"], 40.44);
    let unseen = app
        .get("/api/v1/checkpoints", Auth::Session(&stranger))
        .await;
    assert_eq!(unseen.body["items"], json!([]));

    let path = format!("/api/v1/checkpoints/{id}");
    assert_eq!(
        app.request("DELETE", &path, Auth::Session(&stranger), None)
            .await
            .status,
        403
    );
    let retired = app
        .request("DELETE", &path, Auth::Session(&admin), None)
        .await;
    assert_eq!(retired.status, 200, "{:?}", retired.body);
    assert!(retired.body["retired_at"].is_i64());
    assert_eq!(
        app.request("DELETE", &path, Auth::Session(&admin), None)
            .await
            .status,
        409
    );
    let after = app
        .get("/api/v1/checkpoints", Auth::Session(&officer))
        .await;
    assert_eq!(after.body["items"], json!([]));
    let events = "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'checkpoint.%'";
    assert_eq!(app.count(events).await, 2);
}

#[tokio::test]
async fn the_demo_seed_gives_both_regions_zones_checkpoints_and_bundles_that_carry_them() {
    let app = spawn_app().await;
    assert!(epass::demo::seed_if_empty(&app.state).await.unwrap());
    let authorities = epass::store::orgs::authorities(app.db().pool())
        .await
        .unwrap();
    assert_eq!(authorities.len(), 2);
    let (dalad, weihai) = (&authorities[0], &authorities[1]);
    assert_eq!(
        (dalad.division_code.as_str(), weihai.division_code.as_str()),
        ("150621", "371000")
    );
    for (authority, inside) in [(dalad, INSIDE), (weihai, (122.155, 37.51))] {
        let listed = app
            .get(
                &format!("/api/v1/zones?authority={}", authority.id),
                Auth::None,
            )
            .await;
        let features = listed.body["features"].as_array().unwrap();
        assert!(features.len() >= 3, "{}", listed.body);
        let verifier = verifier(&app, authority.id).await;
        let first = features[0]["id"].as_u64().unwrap() as u32;
        let text = pass(&app, authority.id, vec![first], vec![]).await;
        assert_eq!(
            verdict_at(&verifier, &text, inside),
            "valid",
            "{}",
            authority.name
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM checkpoints").await, 4);
}

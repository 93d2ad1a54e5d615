//! The direct flow end to end: apply → level 1 → level 2 → issued → checked → suspended →
//! resumed → revoked, with separation of duties, races between reviewers, and one vehicle, one pass.

use epass::actions::Actor;
use epass::domain::roles::Role;
use serde_json::{Value, json};

use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD, World};

/// The demo-like setting: standard pass types and keys for region A, and one user per part.
pub struct Setting {
    pub world: World,
    /// A road section along latitude 40.40 from 110.00°E to 110.10°E, 50 m wide.
    pub road: i64,
    pub personnel_type: i64,
    pub applicant: Session,
    pub org_admin: Session,
    pub authority_reviewer: Session,
    pub officer: Session,
}

pub async fn setting(app: &TestApp) -> Setting {
    let world = world::build(app).await;
    let actor = Actor::default();
    let types = epass::actions::pass_types::seed_standard(app.db(), &actor, world.region_a.id)
        .await
        .unwrap();
    epass::actions::keys::ensure_authority_keys(
        app.db(),
        &app.state.pii,
        &actor,
        world.region_a.id,
    )
    .await
    .unwrap();
    let personnel_type = types
        .iter()
        .find(|t| t.code == "personnel_vehicle")
        .map(|t| t.id)
        .unwrap();
    let road = json!({ "type": "FeatureCollection", "features": [{ "type": "Feature",
        "geometry": { "type": "LineString", "coordinates": [[110.0, 40.4], [110.1, 40.4]] },
        "properties": { "kind": "road_section", "name_zh": "G210 测试段", "corridor_width_m": 50 } }] });
    let road = match epass::actions::zones::import_as(
        app.db(),
        &app.state.pii,
        &actor,
        &world.region_a,
        &road,
    )
    .await
    .unwrap()
    {
        epass::actions::zones::ImportOutcome::Imported(done) => done.created[0],
        epass::actions::zones::ImportOutcome::Rejected(errors) => panic!("{errors:?}"),
    };
    // The vehicle registry: every test plate is legal, but 蒙K99999 has two open violations.
    let mut csv = String::from(
        "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n",
    );
    for plate in ["蒙K12345", "蒙K54321", "蒙K11111", "蒙K22222"] {
        csv.push_str(&format!("{plate},小型汽车,张三,0,normal,2026-01-01\n"));
    }
    csv.push_str("蒙K99999,小型汽车,李四,2,normal,2026-01-01\n");
    let origin = epass::registry::Origin {
        file_name: "vehicles.csv",
        actor: "test",
    };
    let report = epass::registry::import(
        app.db(),
        &app.state.pii,
        epass::registry::RegistryKind::Vehicles,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    world::user(app, "13900000001", &world.a1, &[]).await;
    world::user(app, "13900000002", &world.a1, &[Role::OrgAdmin]).await;
    world::user(
        app,
        "13900000003",
        &world.region_a,
        &[Role::AuthorityReviewer],
    )
    .await;
    world::user(
        app,
        "13900000004",
        &world.region_a,
        &[Role::CheckpointOfficer],
    )
    .await;
    Setting {
        road,
        personnel_type,
        applicant: app.login("13900000001", PASSWORD).await,
        org_admin: app.login("13900000002", PASSWORD).await,
        authority_reviewer: app.login("13900000003", PASSWORD).await,
        officer: app.login("13900000004", PASSWORD).await,
        world,
    }
}

fn today_plus(days: i64) -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date()
        + time::Duration::days(days);
    format!("{date}")
}

impl Setting {
    pub fn values(&self, plate: &str, from: i64, to: i64) -> Value {
        personnel_values(plate, from, to, self.road)
    }
}

pub fn personnel_values(plate: &str, from: i64, to: i64, road: i64) -> Value {
    json!({
        "plate": plate,
        "vehicle_type": "small_car",
        "driver_name": "张三",
        "id_number": "11010519491231002X",
        "holder_category": "command_staff",
        "road_sections": [road.to_string()],
        "daily_window": "00:00-24:00",
        "valid_from": today_plus(from),
        "valid_to": today_plus(to),
    })
}

pub async fn apply(app: &TestApp, s: &Setting, who: &Session, values: Value) -> Value {
    let reply = app
        .post(
            "/api/v1/applications",
            Auth::Session(who),
            json!({ "pass_type_id": s.personnel_type, "values": values, "agreed": true }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

pub async fn decide(
    app: &TestApp,
    who: &Session,
    app_id: i64,
    body: Value,
) -> crate::helpers::Reply {
    app.post(
        &format!("/api/v1/applications/{app_id}/decisions"),
        Auth::Session(who),
        body,
    )
    .await
}

async fn check(app: &TestApp, s: &Setting, text: &str) -> Value {
    let reply = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn set_status(
    app: &TestApp,
    s: &Setting,
    pass_id: i64,
    action: &str,
) -> crate::helpers::Reply {
    app.post(
        &format!("/api/v1/passes/{pass_id}/status"),
        Auth::Session(&s.authority_reviewer),
        json!({ "action": action, "reason": "任务调整 / task changed" }),
    )
    .await
}

#[tokio::test]
async fn a_pass_goes_from_application_to_revocation_and_every_check_tells_the_truth() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let submitted = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 10)).await;
    let id = submitted["id"].as_i64().unwrap();
    assert_eq!(submitted["status"], "in_review");
    assert_eq!(submitted["level"], 1);
    assert_eq!(
        submitted["form"]["id_number"], "110*************2X",
        "ID numbers are stored masked"
    );
    assert!(
        submitted["promised_at"].as_i64().unwrap() > submitted["submitted_at"].as_i64().unwrap()
    );

    let queue = app
        .get("/api/v1/reviews/queue", Auth::Session(&s.org_admin))
        .await;
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["application"]["id"] == id)
    );
    let wrong_level = decide(
        &app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(
        wrong_level.status, 403,
        "level 1 belongs to the organisation"
    );

    let first = decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["application"]["level"], 2);
    assert!(first.body["pass"].is_null());

    let second = decide(
        &app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 2 }),
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let pass = &second.body["pass"];
    let pass_id = pass["id"].as_i64().unwrap();
    let number = pass["pass_number"].as_str().unwrap();
    assert!(
        number.starts_with("150621") && number.len() == 12,
        "{number}"
    );
    assert_eq!(second.body["application"]["status"], "issued");
    let text = pass["credential"].as_str().unwrap().to_owned();
    assert!(app.last_sms("13900000001").await.unwrap().contains(number));

    let valid = check(&app, &s, &text).await;
    assert_eq!(valid["code"], "valid", "{valid}");
    let at = |lon: f64, lat: f64| json!({ "text": text, "longitude": lon, "latitude": lat });
    let on_road = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            at(110.05, 40.4001),
        )
        .await;
    assert_eq!(
        on_road.body["code"], "valid",
        "11 m from the road's centre: {}",
        on_road.body
    );
    let off_road = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            at(110.05, 40.41),
        )
        .await;
    assert_eq!(
        off_road.body["code"], "outside_zone",
        "1.1 km away: {}",
        off_road.body
    );
    assert_eq!(valid["plate"], "蒙K12345");
    assert_eq!(valid["masked_id"], "110*************2X");
    let typed = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            json!({ "pass_number": number }),
        )
        .await;
    assert_eq!(typed.body["code"], "valid");

    assert_eq!(set_status(&app, &s, pass_id, "suspend").await.status, 200);
    assert_eq!(check(&app, &s, &text).await["code"], "suspended");
    assert_eq!(set_status(&app, &s, pass_id, "resume").await.status, 200);
    assert_eq!(check(&app, &s, &text).await["code"], "valid");
    assert_eq!(set_status(&app, &s, pass_id, "revoke").await.status, 200);
    assert_eq!(check(&app, &s, &text).await["code"], "revoked");
    assert_eq!(
        set_status(&app, &s, pass_id, "resume").await.status,
        409,
        "revocation is final"
    );

    assert_eq!(
        app.count("SELECT COUNT(*) FROM checks").await,
        7,
        "every check is recorded"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE object_type = 'pass'")
            .await,
        4,
        "issued, suspended, resumed, revoked"
    );
}

#[tokio::test]
async fn a_revocation_reaches_offline_checkpoints_through_the_next_bundle() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 10)).await["id"]
        .as_i64()
        .unwrap();
    decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    let issued = decide(
        &app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 2 }),
    )
    .await;
    let text = issued.body["pass"]["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    let pass_id = issued.body["pass"]["id"].as_i64().unwrap();

    let verifier = |bundle: &[u8], root: &epass_credential::PublicKey| {
        let mut v = epass_credential::Verifier::new();
        v.add_trust_anchor(root.clone());
        v.install(bundle).unwrap();
        v
    };
    let root = epass::actions::keys::root_public_key(app.db(), s.world.region_a.id)
        .await
        .unwrap();
    let bundle = |app: &TestApp| {
        let url = app.url(&format!("/api/v1/bundle?authority={}", s.world.region_a.id));
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap().bytes().await.unwrap() }
    };
    let now = epass::store::now_ms() / 1000;
    let ctx = epass_credential::Context::at(now + 60);
    let before = verifier(&bundle(&app).await, &root);
    assert_eq!(before.verify(&text, &ctx).verdict.code(), "valid");
    set_status(&app, &s, pass_id, "revoke").await;
    let after = verifier(&bundle(&app).await, &root);
    assert_eq!(after.verify(&text, &ctx).verdict.code(), "revoked");
}

#[tokio::test]
async fn nobody_reviews_their_own_application_and_the_two_levels_are_two_people() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    // The organisation admin applies for a pass for themself.
    let own = apply(&app, &s, &s.org_admin, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let reply = decide(
        &app,
        &s.org_admin,
        own,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.code(), "review.own_application");

    // Someone who holds both levels' roles may decide only one of them.
    world::user(
        &app,
        "13900000005",
        &s.world.region_a,
        &[Role::AuthorityReviewer, Role::OrgAdmin],
    )
    .await;
    let both = app.login("13900000005", PASSWORD).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K54321", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        decide(
            &app,
            &both,
            id,
            json!({ "action": "approve", "version": 1 })
        )
        .await
        .status,
        200
    );
    let again = decide(
        &app,
        &both,
        id,
        json!({ "action": "approve", "version": 2 }),
    )
    .await;
    assert_eq!(again.status, 403);
    assert_eq!(again.code(), "review.same_reviewer");
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_tells_the_applicant() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let bare = decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "reject", "version": 1 }),
    )
    .await;
    assert_eq!(bare.status, 422);
    let reply = decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "reject", "version": 1, "reason_code": "not_eligible",
                "reason_text": "不属于保供人员 / not supply staff" }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["application"]["status"], "rejected");
    assert!(
        app.last_sms("13900000001")
            .await
            .unwrap()
            .contains("not supply staff")
    );
    let stale = decide(
        &app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 2 }),
    )
    .await;
    assert_eq!(
        stale.status, 409,
        "a rejected application is decided: {}",
        stale.body
    );
}

#[tokio::test]
async fn a_bad_form_reports_every_wrong_field_at_once_and_writes_nothing() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let mut values = s.values("京AI2345", 0, 5);
    values["id_number"] = json!("340524198001010013");
    values.as_object_mut().unwrap().remove("driver_name");
    let reply = app
        .post(
            "/api/v1/applications",
            Auth::Session(&s.applicant),
            json!({ "pass_type_id": s.personnel_type, "values": values, "agreed": true }),
        )
        .await;
    assert_eq!(reply.status, 422);
    let keys: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    for key in ["plate", "id_number", "driver_name"] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 0);
    let unsigned = app
        .post(
            "/api/v1/applications",
            Auth::Session(&s.applicant),
            json!({ "pass_type_id": s.personnel_type, "values": s.values("蒙K12345", 0, 5), "agreed": false }),
        )
        .await;
    assert_eq!(unsigned.code(), "application.agreement_required");
}

#[tokio::test]
async fn thirty_two_reviewers_at_once_decide_an_application_exactly_once() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let mut reviewers = Vec::new();
    for n in 0..32 {
        let phone = world::phone(100 + n);
        world::user(&app, &phone, &s.world.a1, &[Role::OrgAdmin]).await;
        reviewers.push(app.session(&phone, PASSWORD).await);
    }
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for reviewer in reviewers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            decide(
                &app,
                &reviewer,
                id,
                json!({ "action": "approve", "version": 1 }),
            )
            .await
            .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM decisions").await, 1);
}

#[tokio::test]
async fn one_vehicle_cannot_hold_two_overlapping_passes_of_a_kind() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let mut issued = Vec::new();
    for (from, to) in [(0, 10), (5, 15), (11, 20)] {
        let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", from, to)).await["id"]
            .as_i64()
            .unwrap();
        decide(
            &app,
            &s.org_admin,
            id,
            json!({ "action": "approve", "version": 1 }),
        )
        .await;
        issued.push(
            decide(
                &app,
                &s.authority_reviewer,
                id,
                json!({ "action": "approve", "version": 2 }),
            )
            .await,
        );
    }
    assert_eq!(issued[0].status, 200);
    assert_eq!(
        issued[1].status, 409,
        "overlaps the first: {}",
        issued[1].body
    );
    assert_eq!(issued[1].code(), "pass.vehicle_has_pass");
    assert_eq!(
        issued[2].status, 200,
        "after the first ends: {}",
        issued[2].body
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM passes").await, 2);
}

pub async fn issue(app: &TestApp, s: &Setting, plate: &str, from: i64, to: i64) -> Value {
    let id = apply(app, s, &s.applicant, s.values(plate, from, to)).await["id"]
        .as_i64()
        .unwrap();
    decide(
        app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    let issued = decide(
        app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 2 }),
    )
    .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    issued.body["pass"].clone()
}

#[tokio::test]
async fn an_extended_pass_is_re_signed_and_valid_past_its_old_end() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = issue(&app, &s, "蒙K12345", 0, 3).await;
    let id = pass["id"].as_i64().unwrap();
    let old_end = pass["valid_until"].as_i64().unwrap();
    let reply = app
        .post(
            &format!("/api/v1/passes/{id}/extend"),
            Auth::Session(&s.authority_reviewer),
            json!({ "days": 30, "reason": "任务延长 / task extended" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["valid_until"].as_i64().unwrap(),
        old_end + 30 * 86_400_000
    );
    let text = reply.body["credential"].as_str().unwrap();
    assert_ne!(text, pass["credential"].as_str().unwrap());
    let now = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(now.body["code"], "valid", "{}", now.body);
    // The new credential carries the new end; the old one keeps its old end.
    let root = epass::actions::keys::root_public_key(app.db(), s.world.region_a.id)
        .await
        .unwrap();
    let mut verifier = epass_credential::Verifier::new();
    verifier.add_trust_anchor(root);
    let bundle = epass::store::keys::latest_bundle(app.db().pool(), s.world.region_a.id)
        .await
        .unwrap()
        .unwrap()
        .1;
    verifier.install(&bundle).unwrap();
    let ctx = epass_credential::Context::at(epass::store::now_ms() / 1000);
    let expires = |t: &str| verifier.verify(t, &ctx).claims.unwrap().expires;
    assert_eq!(expires(text), (old_end + 30 * 86_400_000) / 1000);
    assert_eq!(
        expires(pass["credential"].as_str().unwrap()),
        old_end / 1000
    );
}

#[tokio::test]
async fn a_bulk_extension_extends_every_pass_of_the_type_ending_before_the_date() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let short = issue(&app, &s, "蒙K11111", 0, 3).await;
    let long = issue(&app, &s, "蒙K22222", 0, 60).await;
    let before = short["valid_until"].as_i64().unwrap() + 86_400_000;
    let reply = app
        .post(
            "/api/v1/passes/extend",
            Auth::Session(&s.authority_reviewer),
            json!({ "pass_type_id": s.personnel_type, "expiring_before": before, "days": 90,
                    "reason": "统一延期 / extended for all" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["extended"], 1);
    let refused = app
        .post(
            "/api/v1/passes/extend",
            Auth::Session(&s.org_admin),
            json!({ "pass_type_id": s.personnel_type, "expiring_before": before, "days": 90, "reason": "x" }),
        )
        .await;
    assert_eq!(refused.status, 403, "bulk changes are the authority's");
    let long_after = app
        .get(
            &format!("/api/v1/passes/{}", long["id"]),
            Auth::Session(&s.authority_reviewer),
        )
        .await;
    assert_eq!(long_after.body["valid_until"], long["valid_until"]);
}

#[tokio::test]
async fn an_application_failing_an_eligibility_check_is_refused_saying_which_and_why() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    for (plate, reason) in [("蒙K99999", "violations"), ("蒙K77777", "no_record")] {
        let reply = app
            .post(
                "/api/v1/applications",
                Auth::Session(&s.applicant),
                json!({ "pass_type_id": s.personnel_type, "values": s.values(plate, 0, 5), "agreed": true }),
            )
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.code(), "application.ineligible");
        let error = &reply.body["errors"][0];
        assert_eq!(error["key"], "vehicle_legal");
        assert!(error["en"].as_str().unwrap().contains(reason), "{error}");
        assert!(!error["zh"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 0);
    // A vehicle that passes has its results kept for the reviewer.
    let ok = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await;
    let results = ok["eligibility"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["check"] == "vehicle_legal" && r["result"]["outcome"] == "passed"),
        "{results:?}"
    );
}

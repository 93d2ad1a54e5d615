//! Electronic driving licences end to end through the API: a licence that is not valid is
//! refused with the reason; with the registry's photo it is issued at once as a
//! `driving_licence` credential; a new photo waits for a reviewer (deadline in the queue) and
//! the holder is told; a registry change re-issues it (the old QR stops verifying); 12 points
//! suspend it online at once and offline with the next bundle; a cancelled one is revoked; a
//! consent code shows one relying party the licence once or until it expires, every view
//! audited; a clerk issues at the counter on someone's behalf.

use epass::domain::roles::Role;
use epass::store::orgs::{NewOrg, OrgKind};
use serde_json::{Value, json};

use crate::flows::{Setting, decide, setting};
use crate::helpers::{Auth, Reply, Session, TestApp, spawn_app};
use crate::registries::id_number;
use crate::world;
use crate::world::PASSWORD;

/// The holder's licence file number in the registry.
const NUMBER: &str = "150621000001";

struct Licences {
    s: Setting,
    licence_type: i64,
    admin: Session,
    holder_id: String,
}

/// One registry line for the holder (ID sequence 1).
fn line(number: &str, seq: u32, classes: &str, points: u32, status: &str) -> String {
    format!(
        "{number},{},张三,{classes},2020-01-01,2032-01-01,达拉特旗公安局交通管理大队车辆管理所,{points},{status},内蒙古鄂尔多斯市达拉特旗树林召镇\n",
        id_number(seq)
    )
}

async fn registry(app: &TestApp, lines: &[String]) {
    let mut csv = String::from(
        "licence_number,holder_id_number,holder_name,classes,valid_from,valid_until,issuing_office,points,status,address\n",
    );
    for l in lines {
        csv.push_str(l);
    }
    let origin = epass::registry::Origin {
        file_name: "licences.csv",
        actor: "test",
    };
    let report = epass::registry::import(
        app.db(),
        &app.state.pii,
        epass::registry::RegistryKind::Licences,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// A real PNG image: a QR code rendered by the credential library.
fn photo_png(text: &str) -> Vec<u8> {
    epass_credential::qr::render_png(text, 4).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn put_photo(app: &TestApp, who: &Session, number: &str, bytes: Vec<u8>) -> u16 {
    app.http
        .put(app.url(&format!("/api/v1/licences/registry-photos/{number}")))
        .header("cookie", format!("epass_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The flows' setting, the holder (the flows' applicant) registered with ID sequence 1, a
/// system administrator, and the licence pass type's id.
async fn licences(app: &TestApp) -> Licences {
    let s = setting(app).await;
    world::user(app, "13900000009", &s.world.region_a, &[Role::SystemAdmin]).await;
    let admin = app.login("13900000009", PASSWORD).await;
    let holder_id = id_number(1);
    let reply = app
        .request(
            "PUT",
            "/api/v1/me/id-number",
            Auth::Session(&s.applicant),
            Some(json!({ "id_number": holder_id })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let types = app
        .get(
            &format!(
                "/api/v1/pass-types?authority={}&kind=driving_licence",
                s.world.region_a.id
            ),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(types.status, 200, "{}", types.body);
    let licence_type = types.body["items"][0]["id"].as_i64().unwrap();
    Licences {
        s,
        licence_type,
        admin,
        holder_id,
    }
}

async fn apply(app: &TestApp, l: &Licences, body: Value) -> Reply {
    let mut body = body;
    body["pass_type_id"] = json!(l.licence_type);
    body["agreed"] = json!(true);
    app.post("/api/v1/licences", Auth::Session(&l.s.applicant), body)
        .await
}

/// What anyone logged in (here a checkpoint officer) is told of a credential now.
async fn verify(app: &TestApp, who: &Session, text: &str) -> String {
    let reply = app
        .post(
            "/api/v1/verify",
            Auth::Session(who),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["code"].as_str().unwrap().to_owned()
}

async fn sync(app: &TestApp, l: &Licences) -> Value {
    let reply = app
        .post(
            "/api/v1/licences/sync",
            Auth::Session(&l.s.authority_reviewer),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// Issues the holder's licence with the registry's photo; its view.
async fn issued(app: &TestApp, l: &Licences) -> Value {
    registry(app, &[line(NUMBER, 1, "C1", 2, "valid")]).await;
    assert_eq!(
        put_photo(app, &l.admin, NUMBER, photo_png("registry photo")).await,
        204
    );
    let reply = apply(app, l, json!({ "photo": "registry" })).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_licence_that_is_not_valid_is_refused_saying_which_rule_and_nothing_is_written() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    let before = app.count("SELECT COUNT(*) FROM applications").await;
    let cases = [
        (
            line(NUMBER, 1, "C1", 0, "detained"),
            "licence.detained",
            "扣押",
        ),
        (
            line(NUMBER, 1, "C1", 0, "suspended"),
            "licence.suspended",
            "暂扣",
        ),
        (
            line(NUMBER, 1, "C1", 0, "overdue_review"),
            "licence.overdue_review",
            "逾期未审验",
        ),
        (
            line(NUMBER, 1, "C1", 0, "cancelled"),
            "licence.cancelled",
            "注销",
        ),
        (
            line(NUMBER, 1, "C1", 12, "valid"),
            "licence.points_full",
            "12",
        ),
    ];
    for (record, code, zh) in cases {
        registry(&app, &[record]).await;
        let reply = apply(&app, &l, json!({ "photo": "registry" })).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.body["code"], code, "{}", reply.body);
        let detail = reply.body.to_string();
        assert!(detail.contains(zh), "{detail}");
    }
    // Someone the registry does not know, and a wrong licence number.
    registry(&app, &[line(NUMBER, 1, "C1", 0, "valid")]).await;
    let wrong = apply(
        &app,
        &l,
        json!({ "photo": "registry", "licence_number": "150621999999" }),
    )
    .await;
    assert_eq!(
        wrong.body["code"], "licence.number_mismatch",
        "{}",
        wrong.body
    );
    // A valid licence with no stored photo must bring one.
    let no_photo = apply(&app, &l, json!({ "photo": "registry" })).await;
    assert_eq!(
        no_photo.body["code"], "licence.no_stored_photo",
        "{}",
        no_photo.body
    );
    // A "photo" that is not an image is refused by its bytes.
    let not_image = apply(
        &app,
        &l,
        json!({ "photo": "upload", "photo_base64": b64(b"%PDF-1.4 not a photo") }),
    )
    .await;
    assert!([415, 422].contains(&not_image.status), "{}", not_image.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, before);
    assert_eq!(app.count("SELECT COUNT(*) FROM e_licences").await, 0);
}

#[tokio::test]
async fn with_the_stored_photo_the_licence_is_issued_at_once_as_a_driving_licence_credential() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    let view = issued(&app, &l).await;
    assert_eq!(view["status"], "active");
    assert_eq!(view["classes"], "C1");
    assert_eq!(view["points"], 2);
    assert_eq!(view["photo_source"], "registry");
    assert_eq!(view["class_rules"][0]["zh"], "小型汽车");
    let text = view["credential"].as_str().unwrap();
    assert_eq!(verify(&app, &l.s.officer, text).await, "valid");
    let claims = epass_credential::read_claims_unverified(text).unwrap();
    assert_eq!(claims.kind, epass_credential::Kind::DrivingLicence);
    assert_eq!(claims.holder_name, "张三");
    let licence = claims.licence.unwrap();
    assert_eq!((licence.classes.as_str(), licence.points), ("C1", 2));
    // The holder reads it and its photo; another applicant may not.
    let got = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            Auth::Session(&l.s.applicant),
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let photo = app
        .http
        .get(app.url(&format!(
            "/api/v1/licences/issues/{}/photo",
            view["issue_id"]
        )))
        .header("cookie", format!("epass_session={}", l.s.applicant.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.headers()["content-type"], "image/png");
    assert_eq!(
        photo.bytes().await.unwrap().to_vec(),
        photo_png("registry photo")
    );
    let stranger = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            Auth::Session(&l.s.org_admin),
        )
        .await;
    assert_eq!(stranger.status, 403);
    assert!(
        app.last_sms("13900000001")
            .await
            .unwrap()
            .contains("已签发"),
        "the holder is told"
    );
}

#[tokio::test]
async fn a_new_photo_waits_for_review_with_its_deadline_and_the_holder_is_told_the_decision() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    registry(&app, &[line(NUMBER, 1, "C1", 0, "valid")]).await;
    let reply = apply(
        &app,
        &l,
        json!({ "photo": "upload", "photo_base64": b64(&photo_png("selfie 1")) }),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "pending");
    assert!(reply.body["credential"].is_null());
    let app_id = reply.body["application_id"].as_i64().unwrap();
    // A second application while one waits is refused.
    let twice = apply(
        &app,
        &l,
        json!({ "photo": "upload", "photo_base64": b64(&photo_png("selfie 2")) }),
    )
    .await;
    assert_eq!(twice.status, 409, "{}", twice.body);

    let queue = app
        .get(
            "/api/v1/reviews/queue",
            Auth::Session(&l.s.authority_reviewer),
        )
        .await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let row = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["application"]["id"] == app_id)
        .cloned()
        .expect("the photo review is in the licensing office's queue");
    assert_eq!(row["overdue"], false);
    let due = row["application"]["level_due_at"].as_i64().unwrap();
    let now = epass::store::now_ms();
    // One working day: never more than four calendar days (a weekend and a holiday) away.
    assert!(due > now && due <= now + 4 * 86_400_000, "{row}");

    // The reviewer rejects the photo; the holder is told why.
    let rejected = decide(
        &app,
        &l.s.authority_reviewer,
        app_id,
        json!({ "action": "reject", "version": 1, "reason_code": "other",
                "reason_text": "照片背景不是白色 / the background is not white" }),
    )
    .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert!(app.last_sms("13900000001").await.unwrap().contains("背景"));
    // A better photo is approved and the licence issued.
    let again = apply(
        &app,
        &l,
        json!({ "photo": "upload", "photo_base64": b64(&photo_png("selfie 3")) }),
    )
    .await;
    assert_eq!(again.status, 201, "{}", again.body);
    let app_id = again.body["application_id"].as_i64().unwrap();
    let approved = decide(
        &app,
        &l.s.authority_reviewer,
        app_id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let mine = app
        .get("/api/v1/licences", Auth::Session(&l.s.applicant))
        .await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.body);
    assert_eq!(mine.body[0]["status"], "active");
    assert_eq!(mine.body[0]["photo_source"], "upload");
    let text = mine.body[0]["credential"].as_str().unwrap();
    assert_eq!(verify(&app, &l.s.officer, text).await, "valid");
    assert!(
        app.last_sms("13900000001")
            .await
            .unwrap()
            .contains("已签发")
    );
}

#[tokio::test]
async fn applications_for_one_licence_sent_at_the_same_instant_file_only_one() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    registry(&app, &[line(NUMBER, 1, "C1", 0, "valid")]).await;
    let body = |n: u8| json!({ "photo": "upload", "photo_base64": b64(&photo_png(&format!("selfie {n}"))) });
    let (a, b, c, d) = tokio::join!(
        apply(&app, &l, body(1)),
        apply(&app, &l, body(2)),
        apply(&app, &l, body(3)),
        apply(&app, &l, body(4)),
    );
    let replies = [a, b, c, d];
    let filed: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        filed.len(),
        1,
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    for refused in replies.iter().filter(|r| r.status != 201) {
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert_eq!(
            refused.body["code"], "licence.application_pending",
            "{}",
            refused.body
        );
        assert!(
            refused.body["detail_en"]
                .as_str()
                .unwrap()
                .contains("already in review")
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM e_licences").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 1);
}

#[tokio::test]
async fn a_registry_change_reissues_and_twelve_points_suspend_online_and_in_the_next_bundle() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    let first = issued(&app, &l).await;
    let old_text = first["credential"].as_str().unwrap().to_owned();
    // Nothing changed: nothing happens.
    let report = sync(&app, &l).await;
    assert_eq!(
        (report["checked"].as_u64(), report["reissued"].as_u64()),
        (Some(1), Some(0))
    );

    // The registry adds class A2: a new credential, the old one revoked.
    registry(&app, &[line(NUMBER, 1, "A2 C1", 2, "valid")]).await;
    let report = sync(&app, &l).await;
    assert_eq!(report["reissued"], 1, "{report}");
    let now = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            Auth::Session(&l.s.applicant),
        )
        .await
        .body;
    assert_eq!(now["classes"], "A2 C1");
    assert_ne!(now["pass_number"], first["pass_number"]);
    let new_text = now["credential"].as_str().unwrap().to_owned();
    assert_eq!(verify(&app, &l.s.officer, &new_text).await, "valid");
    assert_eq!(verify(&app, &l.s.officer, &old_text).await, "revoked");
    let claims = epass_credential::read_claims_unverified(&new_text).unwrap();
    assert_eq!(claims.licence.unwrap().classes, "A2 C1");
    assert!(
        app.last_sms("13900000001")
            .await
            .unwrap()
            .contains("已签发")
    );

    // 12 points: suspended online at once and in the bundle checkpoints install next.
    registry(&app, &[line(NUMBER, 1, "A2 C1", 12, "valid")]).await;
    let report = sync(&app, &l).await;
    assert_eq!(report["suspended"], 1, "{report}");
    let suspended = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            Auth::Session(&l.s.applicant),
        )
        .await
        .body;
    assert_eq!(suspended["status"], "suspended");
    let text = suspended["credential"].as_str().unwrap().to_owned();
    assert_eq!(verify(&app, &l.s.officer, &text).await, "suspended");
    let root = epass::actions::keys::root_public_key(app.db(), l.s.world.region_a.id)
        .await
        .unwrap();
    let bundle = app
        .http
        .get(app.url(&format!(
            "/api/v1/bundle?authority={}",
            l.s.world.region_a.id
        )))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut offline = epass_credential::Verifier::new();
    offline.add_trust_anchor(root);
    offline.install(&bundle).unwrap();
    let ctx = epass_credential::Context::at(epass::store::now_ms() / 1000 + 60);
    assert_eq!(offline.verify(&text, &ctx).verdict.code(), "suspended");
    let sms = app.last_sms("13900000001").await.unwrap();
    assert!(sms.contains("暂停") && sms.contains("12"), "{sms}");

    // Points cleared after the re-examination: issued again with the new points, usable.
    registry(&app, &[line(NUMBER, 1, "A2 C1", 0, "valid")]).await;
    let report = sync(&app, &l).await;
    assert_eq!(
        (report["reissued"].as_u64(), report["checked"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    let back = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            Auth::Session(&l.s.applicant),
        )
        .await
        .body;
    assert_eq!(back["status"], "active");
    assert_eq!(back["points"], 0);
    let text = back["credential"].as_str().unwrap().to_owned();
    assert_eq!(verify(&app, &l.s.officer, &text).await, "valid");

    // Suspended by the registry with nothing else changed: the same credential is suspended,
    // then resumed when the registry clears it.
    registry(&app, &[line(NUMBER, 1, "A2 C1", 0, "suspended")]).await;
    let report = sync(&app, &l).await;
    assert_eq!(
        (report["suspended"].as_u64(), report["reissued"].as_u64()),
        (Some(1), Some(0)),
        "{report}"
    );
    assert_eq!(verify(&app, &l.s.officer, &text).await, "suspended");
    registry(&app, &[line(NUMBER, 1, "A2 C1", 0, "valid")]).await;
    let report = sync(&app, &l).await;
    assert_eq!(report["resumed"], 1, "{report}");
    assert_eq!(verify(&app, &l.s.officer, &text).await, "valid");
    let back = json!({ "credential": text });

    // Cancelled: revoked for good.
    registry(&app, &[line(NUMBER, 1, "A2 C1", 0, "cancelled")]).await;
    let report = sync(&app, &l).await;
    assert_eq!(report["revoked"], 1, "{report}");
    assert_eq!(
        verify(&app, &l.s.officer, back["credential"].as_str().unwrap()).await,
        "revoked"
    );
    let reissues = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'licence.reissued'")
        .await;
    assert!(reissues >= 2, "{reissues}");
}

#[tokio::test]
async fn a_licence_import_from_the_admin_page_brings_issued_licences_in_step_before_it_ends() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    let first = issued(&app, &l).await;
    let old_text = first["credential"].as_str().unwrap().to_owned();
    let csv = format!(
        "licence_number,holder_id_number,holder_name,classes,valid_from,valid_until,issuing_office,points,status,address\n{}",
        line(NUMBER, 1, "A2 C1", 2, "valid")
    );
    let started = crate::admin_pages::upload(&app, &l.admin, "licences", &csv).await;
    assert_eq!(started.status, 303, "{}", started.html);
    let report = crate::admin_pages::finished_run(&app, &l.admin, &started.location).await;
    assert!(report.contains("data-status=\"imported\""), "{report}");
    // Once the run shows finished, the licence already follows the new registry record.
    let now = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            Auth::Session(&l.s.applicant),
        )
        .await
        .body;
    assert_eq!(now["classes"], "A2 C1", "{now}");
    assert_ne!(now["pass_number"], first["pass_number"]);
    assert_eq!(verify(&app, &l.s.officer, &old_text).await, "revoked");
    let new_text = now["credential"].as_str().unwrap();
    assert_eq!(verify(&app, &l.s.officer, new_text).await, "valid");
}

#[tokio::test]
async fn changing_the_photo_replaces_the_licence_and_the_old_qr_stops_verifying() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    let first = issued(&app, &l).await;
    let reply = apply(
        &app,
        &l,
        json!({ "photo": "upload", "photo_base64": b64(&photo_png("new look")) }),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    // Until the new photo is approved the old licence stays valid.
    assert_eq!(
        verify(&app, &l.s.officer, first["credential"].as_str().unwrap()).await,
        "valid"
    );
    let approved = decide(
        &app,
        &l.s.authority_reviewer,
        reply.body["application_id"].as_i64().unwrap(),
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let now = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            Auth::Session(&l.s.applicant),
        )
        .await
        .body;
    assert_eq!(now["photo_source"], "upload");
    assert_eq!(
        verify(&app, &l.s.officer, now["credential"].as_str().unwrap()).await,
        "valid"
    );
    assert_eq!(
        verify(&app, &l.s.officer, first["credential"].as_str().unwrap()).await,
        "revoked"
    );
}

/// A company (relying party) under region A with one staff member holding the role.
async fn relying_party(app: &TestApp, l: &Licences, name: &str, phone: &str) -> (i64, Session) {
    let mut tx = app.db().begin().await.unwrap();
    let org = epass::store::orgs::insert(
        &mut tx,
        &NewOrg {
            parent: Some(&l.s.world.region_a),
            kind: OrgKind::Company,
            name,
            division_code: "150621",
            credit_code: None,
            credit_code_override_by: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    world::user(app, phone, &org, &[Role::RelyingParty]).await;
    (org.id, app.login(phone, PASSWORD).await)
}

async fn consent(app: &TestApp, l: &Licences, party: i64, mode: &str) -> String {
    let reply = app
        .post(
            &format!("/api/v1/licences/{NUMBER}/consents"),
            Auth::Session(&l.s.applicant),
            json!({ "relying_party_id": party, "mode": mode, "minutes": 10 }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["code"].as_str().unwrap().to_owned()
}

async fn look(app: &TestApp, who: &Session, code: &str) -> Reply {
    app.post(
        "/api/v1/consents/view",
        Auth::Session(who),
        json!({ "code": code }),
    )
    .await
}

#[tokio::test]
async fn a_consent_code_shows_one_relying_party_the_licence_once_or_until_expiry_and_each_view_is_audited()
 {
    let app = spawn_app().await;
    let l = licences(&app).await;
    let view = issued(&app, &l).await;
    let (insurer, insurer_staff) = relying_party(&app, &l, "某保险公司", "13900000021").await;
    let (_, rental_staff) = relying_party(&app, &l, "某租车公司", "13900000022").await;

    // Without a code: valid or invalid, nothing personal.
    let bare = app
        .post(
            "/api/v1/verify",
            Auth::Session(&insurer_staff),
            json!({ "text": view["credential"] }),
        )
        .await;
    assert_eq!(bare.body["code"], "valid");
    assert!(!bare.body.to_string().contains("张三"));

    // Once: the first view shows the licence, the second is refused.
    let code = consent(&app, &l, insurer, "once").await;
    let other = look(&app, &rental_staff, &code).await;
    assert_eq!(other.status, 403);
    assert_eq!(other.body["code"], "consent.other_party", "{}", other.body);
    let seen = look(&app, &insurer_staff, &code.to_lowercase()).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.body["licence"]["holder_name"], "张三");
    assert_eq!(seen.body["licence"]["classes"], "C1");
    assert_eq!(seen.body["standing"], "valid");
    assert!(seen.body["licence"]["credential"].is_null());
    let again = look(&app, &insurer_staff, &code).await;
    assert_eq!(again.body["code"], "consent.used", "{}", again.body);

    // Until expiry: as often as needed, then refused once expired.
    let code = consent(&app, &l, insurer, "until_expiry").await;
    for _ in 0..2 {
        assert_eq!(look(&app, &insurer_staff, &code).await.status, 200);
    }
    sqlx::query("UPDATE licence_consents SET expires_at = 0 WHERE mode = 'until_expiry'")
        .execute(app.db().pool())
        .await
        .unwrap();
    let expired = look(&app, &insurer_staff, &code).await;
    assert_eq!(expired.body["code"], "consent.expired", "{}", expired.body);
    // A withdrawn consent is refused too.
    let code = consent(&app, &l, insurer, "until_expiry").await;
    let list = app
        .get("/api/v1/consents", Auth::Session(&l.s.applicant))
        .await;
    let newest = list.body[0]["id"].as_i64().unwrap();
    let withdrawn = app
        .request(
            "DELETE",
            &format!("/api/v1/consents/{newest}"),
            Auth::Session(&l.s.applicant),
            None,
        )
        .await;
    assert_eq!(withdrawn.status, 204);
    assert_eq!(
        look(&app, &insurer_staff, &code).await.body["code"],
        "consent.withdrawn"
    );
    assert_eq!(
        look(&app, &insurer_staff, "NOTACODE42").await.body["code"],
        "consent.unknown"
    );
    // Only relying parties use codes; every successful view is in the log.
    assert_eq!(look(&app, &l.s.org_admin, &code).await.status, 403);
    let views = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'licence.viewed_with_consent'")
        .await;
    assert_eq!(views, 3);
}

#[tokio::test]
async fn a_clerk_issues_at_the_counter_for_someone_without_the_app_recorded_as_the_clerks_doing() {
    let app = spawn_app().await;
    let l = licences(&app).await;
    registry(&app, &[line("150621000077", 77, "B2", 0, "valid")]).await;
    let reply = app
        .post(
            "/api/v1/licences/counter",
            Auth::Session(&l.s.authority_reviewer),
            json!({ "pass_type_id": l.licence_type, "id_number": id_number(77),
                    "phone": "13900000077", "photo": "upload",
                    "photo_base64": b64(&photo_png("taken at the counter")) }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "active");
    assert_eq!(reply.body["photo_source"], "counter");
    assert!(reply.body["clerk_id"].is_i64());
    assert_eq!(
        verify(
            &app,
            &l.s.officer,
            reply.body["credential"].as_str().unwrap()
        )
        .await,
        "valid"
    );
    assert!(
        app.last_sms("13900000077")
            .await
            .unwrap()
            .contains("已签发")
    );
    let submitted = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'application.submitted' \
             AND actor_role = 'authority_reviewer' AND after_summary LIKE '%on_behalf_of%'",
        )
        .await;
    assert_eq!(submitted, 1);
    // An applicant cannot use the counter.
    let refused = app
        .post(
            "/api/v1/licences/counter",
            Auth::Session(&l.s.applicant),
            json!({ "pass_type_id": l.licence_type, "id_number": l.holder_id,
                    "phone": "13900000001", "photo": "registry" }),
        )
        .await;
    assert_eq!(refused.status, 403);
}

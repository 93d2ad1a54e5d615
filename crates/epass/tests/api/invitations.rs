//! The invitation flow (SPEC §3.2): a request with places → the authority approves → code and
//! QR → a driver registers by SMS, looks the code up and applies → level 1 by the request's
//! organisation → level 2 → issued; places under concurrency; expired, closed, unknown and
//! rejected requests.

use epass::domain::roles::Role;
use serde_json::{Value, json};

use crate::flows::{Setting, decide, setting};
use crate::helpers::{Auth, Session, TestApp, session_from, spawn_app};
use crate::world::{self, PASSWORD};

pub fn today_plus(days: i64) -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date()
        + time::Duration::days(days);
    format!("{date}")
}

/// Files a request for A1 with `places` places; returns its id.
async fn file(app: &TestApp, s: &Setting, places: i64) -> i64 {
    let reply = app
        .post(
            "/api/v1/pass-requests",
            Auth::Session(&s.org_admin),
            json!({
                "pass_type_id": s.personnel_type, "places": places,
                "purpose": "保供物资运输 / supply runs",
                "valid_from": today_plus(0), "valid_to": today_plus(20),
                "preset": { "road_sections": [s.road.to_string()],
                            "holder_category": "supply_delivery", "daily_window": "06:00-22:00" },
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "pending");
    assert_eq!(reply.body["org_id"], s.world.a1.id);
    reply.body["id"].as_i64().unwrap()
}

/// Files and approves a request; returns (id, code as printed).
async fn approved(app: &TestApp, s: &Setting, places: i64) -> (i64, String) {
    let id = file(app, s, places).await;
    let reply = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "approve" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (id, reply.body["printed_code"].as_str().unwrap().to_owned())
}

/// A driver's own part of the form; the request gives the rest.
fn driver_values(plate: &str) -> Value {
    json!({ "plate": plate, "vehicle_type": "small_car", "driver_name": "赵司机",
            "id_number": "11010519491231002X" })
}

async fn join(app: &TestApp, who: &Session, code: &str, plate: &str) -> crate::helpers::Reply {
    app.post(
        &format!("/api/v1/invitations/{code}/applications"),
        Auth::Session(who),
        json!({ "values": driver_values(plate), "agreed": true }),
    )
    .await
}

/// A GET answered with bytes: status, content type, body.
async fn raw_get(app: &TestApp, path: &str, who: &Session) -> (u16, String, Vec<u8>) {
    let resp = app
        .http
        .get(app.url(path))
        .header("cookie", format!("epass_session={}", who.cookie))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_driver_invited_by_code_gets_a_pass_reviewed_by_the_inviting_organisation() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = file(&app, &s, 3).await;

    let pending = app
        .get(
            "/api/v1/pass-requests?status=pending",
            Auth::Session(&s.authority_reviewer),
        )
        .await;
    assert_eq!(pending.status, 200, "{}", pending.body);
    assert!(
        pending.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id)
    );
    let (early, ..) = raw_get(
        &app,
        &format!("/api/v1/pass-requests/{id}/qr"),
        &s.org_admin,
    )
    .await;
    assert_eq!(early, 409, "no code before approval");
    let by_org = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.org_admin),
            json!({ "action": "approve" }),
        )
        .await;
    assert_eq!(
        by_org.status, 403,
        "the authority approves, not the organisation"
    );

    let approved = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "approve" }),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let code = approved.body["printed_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 9, "{code}");
    let link = approved.body["join_link"].as_str().unwrap().to_owned();
    assert!(
        link.ends_with(&format!("/join/{}", code.replace('-', ""))),
        "{link}"
    );
    assert!(
        app.last_sms("13900000002").await.unwrap().contains(&code),
        "the admin is sent the code"
    );

    let (status, ct, svg) = raw_get(
        &app,
        &format!("/api/v1/pass-requests/{id}/qr"),
        &s.org_admin,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    let (status, ct, png) = raw_get(
        &app,
        &format!("/api/v1/pass-requests/{id}/qr?format=png"),
        &s.org_admin,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert_eq!(
        epass_credential::qr::decode_image(&png).unwrap(),
        vec![link.clone()]
    );

    // A driver new to epass registers by logging in with an SMS code.
    let phone = "13700000001";
    let sms_code = app.request_code(phone).await;
    let login = app
        .post(
            "/api/v1/auth/login/code",
            Auth::None,
            json!({ "phone": phone, "code": sms_code }),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    let driver = session_from(&login);

    let typed = code.to_lowercase().replace('-', "");
    let seen = app
        .get(
            &format!("/api/v1/invitations/{typed}"),
            Auth::Session(&driver),
        )
        .await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.body["state"], "open");
    assert_eq!(seen.body["places_left"], 3);
    assert_eq!(seen.body["org_id"], s.world.a1.id);
    assert_eq!(seen.body["pass_type_id"], s.personnel_type);
    assert_eq!(seen.body["org_name"], "交通运输局");

    let mut too_long = driver_values("蒙K12345");
    too_long["valid_from"] = json!(today_plus(0));
    too_long["valid_to"] = json!(today_plus(40));
    let outside = app
        .post(
            &format!("/api/v1/invitations/{code}/applications"),
            Auth::Session(&driver),
            json!({ "values": too_long, "agreed": true }),
        )
        .await;
    assert_eq!(outside.status, 422, "{}", outside.body);
    assert_eq!(outside.code(), "application.outside_request_period");

    let applied = join(&app, &driver, &code, "蒙K12345").await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    let app_id = applied.body["id"].as_i64().unwrap();
    assert_eq!(applied.body["request_id"], id);
    assert_eq!(
        applied.body["org_id"], s.world.a1.id,
        "reviewed by the inviting organisation"
    );
    assert_eq!(applied.body["form"]["holder_category"], "supply_delivery");
    assert_eq!(applied.body["form"]["valid_to"], today_plus(20));
    let again = join(&app, &driver, &code, "蒙K54321").await;
    assert_eq!(again.code(), "invitation.already_applied", "{}", again.body);
    let left = app
        .get(
            &format!("/api/v1/invitations/{code}"),
            Auth::Session(&driver),
        )
        .await;
    assert_eq!(left.body["places_left"], 2);

    let level1 = decide(
        &app,
        &s.org_admin,
        app_id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(level1.status, 200, "{}", level1.body);
    let level2 = decide(
        &app,
        &s.authority_reviewer,
        app_id,
        json!({ "action": "approve", "version": 2 }),
    )
    .await;
    assert_eq!(level2.status, 200, "{}", level2.body);
    assert_eq!(level2.body["application"]["status"], "issued");
    let number = level2.body["pass"]["pass_number"].as_str().unwrap();
    assert!(app.last_sms(phone).await.unwrap().contains(number));
    let mine = app
        .get("/api/v1/applications", Auth::Session(&driver))
        .await;
    assert_eq!(mine.body["items"][0]["status"], "issued");

    for action in ["pass_request.filed", "pass_request.approved"] {
        let n: i64 = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND object_id = $2",
        )
        .bind(action)
        .bind(id.to_string())
        .fetch_one(app.db().pool())
        .await
        .unwrap();
        assert_eq!(n, 1, "{action}");
    }
}

#[tokio::test]
async fn many_drivers_joining_at_once_never_take_more_than_the_places() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let (id, code) = approved(&app, &s, 5).await;
    let mut drivers = Vec::new();
    for n in 0..24 {
        let phone = world::phone(300 + n);
        world::user(&app, &phone, &s.world.a2, &[]).await;
        drivers.push(app.session(&phone, PASSWORD).await);
    }
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for driver in drivers {
        let app = app.clone();
        let code = code.clone();
        tasks.push(tokio::spawn(async move {
            let reply = join(&app, &driver, &code, "蒙K12345").await;
            (reply.status, reply.code().to_owned())
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let created = outcomes.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 5, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|(s, c)| *s == 201 || (*s == 422 && c == "invitation.used_up")),
        "{outcomes:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE request_id IS NOT NULL")
            .await,
        5
    );
    assert_eq!(app.count("SELECT places_used FROM pass_requests").await, 5);
    assert!(
        app.last_sms("13900000002")
            .await
            .unwrap()
            .contains("All 5 places"),
        "the admin hears the places are gone"
    );
    let seen = app
        .get(
            &format!("/api/v1/invitations/{code}"),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(seen.body["state"], "used_up");
    assert_eq!(seen.body["places_left"], 0);
    let _ = id;
}

#[tokio::test]
async fn an_expired_closed_or_unknown_code_is_refused_saying_why() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let (expiring, expired_code) = approved(&app, &s, 3).await;
    sqlx::query("UPDATE pass_requests SET valid_until = $1 WHERE id = $2")
        .bind(epass::store::now_ms() - 1)
        .bind(expiring)
        .execute(app.db().pool())
        .await
        .unwrap();
    let reply = join(&app, &s.applicant, &expired_code, "蒙K12345").await;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "invitation.expired"),
        "{}",
        reply.body
    );
    assert!(
        reply.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let seen = app
        .get(
            &format!("/api/v1/invitations/{expired_code}"),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(seen.body["state"], "expired");

    let (closing, closed_code) = approved(&app, &s, 3).await;
    let refused = app
        .post(
            &format!("/api/v1/pass-requests/{closing}/close"),
            Auth::Session(&s.applicant),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, 403, "only its admins close a request");
    let closed = app
        .post(
            &format!("/api/v1/pass-requests/{closing}/close"),
            Auth::Session(&s.org_admin),
            json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "closed");
    let reply = join(&app, &s.applicant, &closed_code, "蒙K12345").await;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "invitation.closed"),
        "{}",
        reply.body
    );
    let twice = app
        .post(
            &format!("/api/v1/pass-requests/{closing}/close"),
            Auth::Session(&s.org_admin),
            json!({}),
        )
        .await;
    assert_eq!(twice.status, 409);

    for unknown in ["ZZZZ-ZZZZ", "not-a-code"] {
        let reply = app
            .get(
                &format!("/api/v1/invitations/{unknown}"),
                Auth::Session(&s.applicant),
            )
            .await;
        assert_eq!((reply.status, reply.code()), (422, "invitation.unknown"));
    }
    let anonymous = app
        .get(&format!("/api/v1/invitations/{closed_code}"), Auth::None)
        .await;
    assert_eq!(anonymous.status, 401, "drivers log in (register) first");
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'pass_request.closed'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_rejected_request_gets_no_code_and_the_admin_is_told_why() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = file(&app, &s, 10).await;
    let bare = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "reject" }),
        )
        .await;
    assert_eq!(bare.status, 422, "a rejection needs a reason");
    let rejected = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "reject", "reason_code": "too_many_places",
                    "reason_text": "名额过多 / too many places" }),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(rejected.body["status"], "rejected");
    assert!(rejected.body["code"].is_null());
    assert!(rejected.body["printed_code"].is_null());
    assert!(
        app.last_sms("13900000002")
            .await
            .unwrap()
            .contains("too many places")
    );
    let again = app
        .post(
            &format!("/api/v1/pass-requests/{id}/decision"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "approve" }),
        )
        .await;
    assert_eq!(
        (again.status, again.code()),
        (409, "pass_request.already_decided")
    );
    let closing = app
        .post(
            &format!("/api/v1/pass-requests/{id}/close"),
            Auth::Session(&s.org_admin),
            json!({}),
        )
        .await;
    assert_eq!(closing.status, 409, "a rejected request is not open");

    // A requester who is also an authority reviewer cannot approve their own request.
    world::user(
        &app,
        "13900000009",
        &s.world.region_a,
        &[Role::OrgAdmin, Role::AuthorityReviewer],
    )
    .await;
    let both = app.session("13900000009", PASSWORD).await;
    let own = app
        .post(
            "/api/v1/pass-requests",
            Auth::Session(&both),
            json!({ "pass_type_id": s.personnel_type, "org_id": s.world.a1.id, "places": 1,
                    "purpose": "自批 / self", "valid_from": today_plus(0), "valid_to": today_plus(5) }),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.body);
    let own_id = own.body["id"].as_i64().unwrap();
    let self_approval = app
        .post(
            &format!("/api/v1/pass-requests/{own_id}/decision"),
            Auth::Session(&both),
            json!({ "action": "approve" }),
        )
        .await;
    assert_eq!(
        (self_approval.status, self_approval.code()),
        (403, "pass_request.own_request")
    );
    let bad = app
        .post(
            "/api/v1/pass-requests",
            Auth::Session(&s.org_admin),
            json!({ "pass_type_id": s.personnel_type, "places": 0, "purpose": "x",
                    "valid_from": today_plus(0), "valid_to": today_plus(5) }),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (422, "pass_request.places"));
    let bad_preset = app
        .post(
            "/api/v1/pass-requests",
            Auth::Session(&s.org_admin),
            json!({ "pass_type_id": s.personnel_type, "places": 2, "purpose": "x",
                    "valid_from": today_plus(0), "valid_to": today_plus(5),
                    "preset": { "holder_category": "astronaut" } }),
        )
        .await;
    assert_eq!(bad_preset.status, 422, "{}", bad_preset.body);
    assert_eq!(bad_preset.body["errors"][0]["key"], "holder_category");
}

#[tokio::test]
async fn a_rejected_invited_application_gives_its_place_back_singly_or_in_bulk() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let (_, code) = approved(&app, &s, 2).await;
    let mut drivers = Vec::new();
    for n in 0..4 {
        let phone = world::phone(400 + n);
        world::user(&app, &phone, &s.world.a2, &[]).await;
        drivers.push(app.session(&phone, PASSWORD).await);
    }
    let first = join(&app, &drivers[0], &code, "蒙K12345").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = join(&app, &drivers[1], &code, "蒙K12345").await;
    assert_eq!(second.status, 201, "{}", second.body);
    let full = join(&app, &drivers[2], &code, "蒙K12345").await;
    assert_eq!(full.code(), "invitation.used_up", "{}", full.body);
    // Level 1 is the inviting organisation's: its admin rejects the first one.
    let reject = json!({ "action": "reject", "reason_code": "not_eligible",
                         "reason_text": "不符合条件 / not eligible" });
    let id = first.body["id"].as_i64().unwrap();
    let decided = app
        .post(
            &format!("/api/v1/applications/{id}/decisions"),
            Auth::Session(&s.org_admin),
            json!({ "action": "reject", "version": 1, "reason_code": "not_eligible",
                    "reason_text": "不符合条件 / not eligible" }),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    assert_eq!(app.count("SELECT places_used FROM pass_requests").await, 1);
    let third = join(&app, &drivers[2], &code, "蒙K12345").await;
    assert_eq!(third.status, 201, "{}", third.body);
    assert_eq!(
        join(&app, &drivers[3], &code, "蒙K12345").await.code(),
        "invitation.used_up"
    );
    // A bulk rejection of both gives both places back.
    let ids = [&second, &third].map(|r| r.body["id"].as_i64().unwrap());
    let mut body = reject;
    body["application_ids"] = json!(ids);
    let bulk = app
        .post("/api/v1/reviews/bulk", Auth::Session(&s.org_admin), body)
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.body);
    assert_eq!(app.count("SELECT places_used FROM pass_requests").await, 0);
    let fourth = join(&app, &drivers[3], &code, "蒙K12345").await;
    assert_eq!(fourth.status, 201, "{}", fourth.body);
}

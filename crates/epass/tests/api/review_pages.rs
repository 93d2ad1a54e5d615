//! The reviewer's, the authority's, the checkpoint officer's and the supervisor's pages, posted
//! as a browser without JavaScript would: approval with documents owed, bulk decisions from the
//! queue, pass requests decided by the authority, a check recording its checkpoint and the
//! device's position, and the dashboard naming checkpoints and reviewers over a chosen period.

use epass::domain::roles::Role;
use serde_json::json;

use crate::flows::{Setting, apply, decide, setting};
use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::page_client::{no_redirects, url_encoded};
use crate::world::{self, PASSWORD};

/// A page as `who` sees it: status and HTML.
async fn page(app: &TestApp, who: &Session, path: &str) -> (u16, String) {
    let resp = no_redirects()
        .get(app.url(path))
        .header("cookie", format!("epass_session={}", who.cookie))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Posts a form (`csrf` added) as a browser on our own page would; no redirects followed.
async fn post_form(
    app: &TestApp,
    who: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let body = url_encoded(&who.csrf, fields);
    no_redirects()
        .post(app.url(path))
        .header("cookie", format!("epass_session={}", who.cookie))
        .header("origin", format!("http://{}", app.addr))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Today plus `days`, as a local (Beijing) date.
fn local_date(days: i64) -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date()
        + time::Duration::days(days);
    date.to_string()
}

/// An application approved at level 1 by the organisation admin, waiting for the authority.
async fn at_final_level(app: &TestApp, s: &Setting, plate: &str) -> i64 {
    let id = apply(app, s, &s.applicant, s.values(plate, 0, 20)).await["id"]
        .as_i64()
        .unwrap();
    let first = decide(
        app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    id
}

#[tokio::test]
async fn an_approval_with_documents_owed_on_the_review_page_shows_the_pass_issued_and_what_is_owed()
{
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = at_final_level(&app, &s, "蒙K12345").await;
    let up = crate::documents::upload(
        &app,
        &s.applicant,
        id,
        "id_card",
        "image/png",
        crate::documents::png(),
    )
    .await;
    assert_eq!(up.status, 201, "{}", up.body);

    let (status, html) = page(&app, &s.authority_reviewer, &format!("/reviews/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"owed-form\""),
        "the final level offers it"
    );
    assert!(
        html.contains("class=\"doc-image\" src=\"/api/v1/documents/"),
        "the uploaded image is shown inline: {html}"
    );
    assert!(
        html.contains("id=\"owe-vehicle_licence\" checked"),
        "a required document not uploaded is ticked to owe"
    );

    let until = local_date(5);
    let resp = post_form(
        &app,
        &s.authority_reviewer,
        &format!("/reviews/{id}"),
        &[
            ("action", "approve_owed"),
            ("version", "2"),
            ("owed", "vehicle_licence"),
            ("owed_until", &until),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("/reviews/{id}?done=approve_owed"));

    let (_, html) = page(&app, &s.authority_reviewer, &location(&resp)).await;
    let number: String =
        sqlx::query_scalar("SELECT pass_number FROM passes WHERE application_id = $1")
            .bind(id)
            .fetch_one(app.db().pool())
            .await
            .unwrap();
    assert!(html.contains("id=\"review-pass\""), "{html}");
    assert!(html.contains(&number), "the pass number is shown");
    assert!(html.contains("id=\"owed\""), "the owed list is shown");
    assert!(html.contains("行驶证") && html.contains(&until), "{html}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'document.owed'")
            .await,
        1
    );
}

#[tokio::test]
async fn owing_documents_without_ticking_any_is_refused_on_the_page_and_nothing_is_issued() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = at_final_level(&app, &s, "蒙K12345").await;
    let resp = post_form(
        &app,
        &s.authority_reviewer,
        &format!("/reviews/{id}"),
        &[
            ("action", "approve_owed"),
            ("version", "2"),
            ("owed_until", &local_date(5)),
        ],
    )
    .await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("容缺受理须勾选欠缺的材料")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM passes").await, 0);
}

#[tokio::test]
async fn a_bulk_decision_on_two_ticked_rows_decides_both_and_writes_their_audit_events() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let mut ids = Vec::new();
    for plate in ["蒙K12345", "蒙K54321", "蒙K11111"] {
        let body = apply(&app, &s, &s.applicant, s.values(plate, 0, 5)).await;
        ids.push(body["id"].as_i64().unwrap());
    }
    let (status, html) = page(&app, &s.org_admin, "/reviews").await;
    assert_eq!(status, 200);
    for id in &ids {
        assert!(html.contains(&format!("id=\"pick-{id}\"")), "{html}");
    }

    // Rejecting needs a reason: refused, nothing decided.
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let refused = post_form(
        &app,
        &s.org_admin,
        "/reviews/bulk",
        &[("pick", &a), ("pick", &b), ("action", "reject")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'application.decided'")
            .await,
        0
    );

    let done = post_form(
        &app,
        &s.org_admin,
        "/reviews/bulk",
        &[("pick", &a), ("pick", &b), ("action", "approve")],
    )
    .await;
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    assert!(html.contains("id=\"bulk-summary\""), "{html}");
    assert!(html.contains("id=\"bulk-decided\">2<"), "{html}");
    assert!(html.contains(&format!("id=\"decided-{a}\"")));
    assert!(html.contains(&format!("id=\"decided-{b}\"")));
    assert!(
        !html.contains(&format!("id=\"pick-{a}\"")),
        "decided rows leave the queue"
    );
    assert!(
        html.contains(&format!("id=\"pick-{}\"", ids[2])),
        "the third stays"
    );
    for id in [&ids[0], &ids[1]] {
        let events: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'application.decided' \
             AND object_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(app.db().pool())
        .await
        .unwrap();
        assert_eq!(events, 1, "application {id}");
        let level: i64 = sqlx::query_scalar("SELECT level FROM applications WHERE id = $1")
            .bind(*id)
            .fetch_one(app.db().pool())
            .await
            .unwrap();
        assert_eq!(level, 2, "application {id} went on to level 2");
    }

    // The authority rejects both at level 2, with a reason.
    let rejected = post_form(
        &app,
        &s.authority_reviewer,
        "/reviews/bulk",
        &[
            ("pick", &a),
            ("pick", &b),
            ("action", "reject"),
            ("reason_code", "not_eligible"),
            ("reason_text", "不符合条件"),
        ],
    )
    .await;
    assert_eq!(rejected.status(), 200);
    assert!(
        rejected
            .text()
            .await
            .unwrap()
            .contains("id=\"bulk-decided\">2<")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE status = 'rejected'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_reviewer_sees_the_applicants_id_card_photos_beside_the_application_and_each_read_is_recorded()
 {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let front = crate::documents::png();
    let back = epass_credential::qr::render_png("the back of the card", 4).unwrap();
    let registered = crate::applicant_pages::post_form(
        &app,
        "/register",
        &s.applicant,
        &[("name", "张三"), ("id_number", "11010519491231002X")],
        &[
            ("id_card_front", "front.png", front.clone()),
            ("id_card_back", "back.png", back.clone()),
        ],
    )
    .await;
    assert_eq!(registered.status, 303, "{}", registered.html);
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 3)).await["id"]
        .as_i64()
        .unwrap();

    let (status, html) = page(&app, &s.org_admin, &format!("/reviews/{id}")).await;
    assert_eq!(status, 200, "{html}");
    for side in ["front", "back"] {
        assert!(
            html.contains(&format!("src=\"/api/v1/applications/{id}/id-card/{side}\"")),
            "the {side} beside the application: {html}"
        );
    }
    let read = |who: &Session, side: &str| {
        let request = app
            .http
            .get(app.url(&format!("/api/v1/applications/{id}/id-card/{side}")))
            .header("cookie", format!("epass_session={}", who.cookie));
        async move { request.send().await.unwrap() }
    };
    let reads = "SELECT COUNT(*) FROM audit_events WHERE action = 'user_document.read'";
    for (side, bytes) in [("front", &front), ("back", &back)] {
        let resp = read(&s.org_admin, side).await;
        assert_eq!(resp.status().as_u16(), 200, "{side}");
        assert_eq!(resp.headers()["content-type"], "image/png");
        assert_eq!(&resp.bytes().await.unwrap().to_vec(), bytes, "{side}");
    }
    assert_eq!(app.count(reads).await, 2, "each reviewer's read recorded");
    // The applicant sees their own without a record; an unknown side is not found.
    assert_eq!(read(&s.applicant, "front").await.status().as_u16(), 200);
    assert_eq!(read(&s.org_admin, "middle").await.status().as_u16(), 404);
    assert_eq!(app.count(reads).await, 2);
    // A reviewer of another department sees neither the application nor the card.
    world::user(&app, "13900000071", &s.world.a2, &[Role::Reviewer]).await;
    let other = app.login("13900000071", PASSWORD).await;
    let refused = read(&other, "front").await.status().as_u16();
    assert!(matches!(refused, 403 | 404), "{refused}");
    assert_eq!(app.count(reads).await, 2);
}

#[tokio::test]
async fn an_overdue_row_is_marked_in_the_queue() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    sqlx::query("UPDATE applications SET level_due_at = $1 WHERE id = $2")
        .bind(epass::store::now_ms() - 86_400_000)
        .bind(id)
        .execute(app.db().pool())
        .await
        .unwrap();
    let (_, html) = page(&app, &s.org_admin, "/reviews").await;
    assert!(
        html.contains(&format!("class=\"overdue\" id=\"row-{id}\"")),
        "{html}"
    );
    assert!(html.contains("id=\"overdue-count\""), "{html}");
}

#[tokio::test]
async fn an_authority_reviewer_approves_a_pass_request_on_the_page_and_others_cannot() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let (from, to) = (local_date(0), local_date(5));
    let filed = app
        .post(
            "/api/v1/pass-requests",
            Auth::Session(&s.org_admin),
            json!({ "pass_type_id": s.personnel_type, "places": 3, "purpose": "运送物资",
                    "valid_from": from, "valid_to": to }),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id = filed.body["id"].as_i64().unwrap();

    let (status, html) = page(&app, &s.authority_reviewer, "/authority/requests").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("id=\"pending-{id}\"")), "{html}");
    assert!(
        html.contains("交通运输局") && html.contains("运送物资"),
        "{html}"
    );
    let (status, html) = page(
        &app,
        &s.authority_reviewer,
        &format!("/authority/requests/{id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"approve-form\""));

    // The organisation admin (and anyone else not an authority reviewer) is refused.
    let (status, _) = page(&app, &s.org_admin, "/authority/requests").await;
    assert_eq!(status, 403);
    let path = format!("/authority/requests/{id}/decision");
    let refused = post_form(&app, &s.org_admin, &path, &[("action", "approve")]).await;
    assert_eq!(refused.status(), 403);

    let missing = post_form(&app, &s.authority_reviewer, &path, &[("action", "reject")]).await;
    assert_eq!(missing.status(), 422, "rejecting needs a reason");

    let approved = post_form(&app, &s.authority_reviewer, &path, &[("action", "approve")]).await;
    assert_eq!(approved.status(), 303);
    assert_eq!(location(&approved), "/authority/requests?done=approve");
    let got = app
        .get(
            &format!("/api/v1/pass-requests/{id}"),
            Auth::Session(&s.org_admin),
        )
        .await;
    assert_eq!(got.body["status"], "approved", "{}", got.body);
    assert!(got.body["code"].is_string());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'pass_request.approved'")
            .await,
        1
    );
    let (_, html) = page(&app, &s.authority_reviewer, "/authority/requests").await;
    assert!(
        !html.contains(&format!("id=\"pending-{id}\"")),
        "no longer pending"
    );
}

/// A checkpoint of region A named `name`.
async fn checkpoint(app: &TestApp, s: &Setting, name: &str) -> i64 {
    let mut tx = app.db().begin().await.unwrap();
    let c = epass::store::checkpoints::insert(
        &mut tx,
        &epass::store::checkpoints::NewCheckpoint {
            org_id: s.world.region_a.id,
            name,
            longitude: 110.05,
            latitude: 40.4,
            guards: &[],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    c.id
}

/// Posts the checkpoint page's number form as `multipart/form-data`, with `cookies`.
async fn check_form(
    app: &TestApp,
    who: &Session,
    cookies: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let boundary = "epassTestBoundary7";
    let mut body = String::new();
    for (k, v) in [("csrf", who.csrf.as_str())].iter().chain(fields) {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    no_redirects()
        .post(app.url("/check"))
        .header("cookie", format!("epass_session={}; {cookies}", who.cookie))
        .header("origin", format!("http://{}", app.addr))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Issues a pass through both levels; its number.
async fn issued(app: &TestApp, s: &Setting, plate: &str) -> String {
    let id = at_final_level(app, s, plate).await;
    let done = decide(
        app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": 2 }),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    done.body["pass"]["pass_number"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_check_from_the_page_records_the_chosen_checkpoint_and_the_device_position() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let number = issued(&app, &s, "蒙K12345").await;
    let gate = checkpoint(&app, &s, "G210 南卡口").await;

    let (status, html) = page(&app, &s.officer, "/check").await;
    assert_eq!(status, 200);
    assert!(html.contains("G210 南卡口"), "offered: {html}");
    assert!(
        html.contains("class=\"geo-lon\""),
        "position fields for the script"
    );

    let chosen = post_form(
        &app,
        &s.officer,
        "/check/checkpoint",
        &[("checkpoint_id", &gate.to_string())],
    )
    .await;
    assert_eq!(chosen.status(), 303);
    let cookie = chosen
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(cookie, format!("epass_checkpoint={gate}"));
    let remembered = no_redirects()
        .get(app.url("/check"))
        .header(
            "cookie",
            format!("epass_session={}; {cookie}", s.officer.cookie),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        remembered.contains(&format!("name=\"checkpoint_id\" value=\"{gate}\"")),
        "{remembered}"
    );
    assert!(remembered.contains("id=\"checkpoint-chosen\""));

    let answer = check_form(
        &app,
        &s.officer,
        &cookie,
        &[
            ("pass_number", &number),
            ("checkpoint_id", &gate.to_string()),
            ("longitude", "110.051234"),
            ("latitude", "40.400012"),
        ],
    )
    .await;
    assert_eq!(answer.status(), 200);
    let html = answer.text().await.unwrap();
    assert!(html.contains("data-class=\"green\""), "{html}");
    assert!(
        html.contains("id=\"verdict-checkpoint\">G210 南卡口<"),
        "{html}"
    );

    let row: (Option<i64>, Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT checkpoint_id, longitude, latitude FROM checks WHERE pass_number = $1",
    )
    .bind(&number)
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    assert_eq!(row.0, Some(gate));
    assert!((row.1.unwrap() - 110.051234).abs() < 1e-9, "{row:?}");
    assert!((row.2.unwrap() - 40.400012).abs() < 1e-9, "{row:?}");

    // Without the script (no position) and with only the remembered cookie: still recorded.
    let plain = check_form(&app, &s.officer, &cookie, &[("pass_number", &number)]).await;
    assert_eq!(plain.status(), 200);
    let rows: Vec<(Option<i64>, Option<f64>)> = sqlx::query_as(
        "SELECT checkpoint_id, longitude FROM checks WHERE pass_number = $1 ORDER BY id",
    )
    .bind(&number)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1], (Some(gate), None));
}

#[tokio::test]
async fn the_dashboard_names_checkpoints_pass_types_and_reviewers_and_offers_7_30_and_90_days() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    world::user(&app, "13900000009", &s.world.region_a, &[Role::Supervisor]).await;
    let supervisor = app.login("13900000009", PASSWORD).await;
    sqlx::query("UPDATE users SET name = '王审核' WHERE phone = '13900000003'")
        .execute(app.db().pool())
        .await
        .unwrap();
    sqlx::query("UPDATE users SET name = '李初审' WHERE phone = '13900000002'")
        .execute(app.db().pool())
        .await
        .unwrap();
    let number = issued(&app, &s, "蒙K12345").await;
    let gate = checkpoint(&app, &s, "G210 南卡口").await;
    let checked = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            json!({ "pass_number": number, "checkpoint_id": gate }),
        )
        .await;
    assert_eq!(checked.status, 200, "{}", checked.body);
    epass::actions::statistics::roll_up(app.db()).await.unwrap();

    let (status, html) = page(&app, &supervisor, "/supervise").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"chart-checkpoints\""), "{html}");
    assert!(html.contains("G210 南卡口"), "the checkpoint by name");
    assert!(!html.contains(&format!("卡口 #{gate}")), "not by id");
    assert!(html.contains("id=\"chart-reviewers\""));
    assert!(
        html.contains("王审核") && html.contains("李初审"),
        "reviewers by name"
    );
    assert!(html.contains("人员车辆"), "the pass type by name: {html}");
    assert!(html.contains("近 30 天统计") || html.contains("近 30 天"));
    for days in [7, 30, 90] {
        assert!(html.contains(&format!("id=\"period-{days}\"")), "{days}");
    }
    let (status, week) = page(&app, &supervisor, "/supervise?days=7").await;
    assert_eq!(status, 200);
    assert!(
        week.contains("<span class=\"period current\" id=\"period-7\""),
        "{week}"
    );
    assert!(week.contains("G210 南卡口"));
    let (_, odd) = page(&app, &supervisor, "/supervise?days=12").await;
    assert!(
        odd.contains("<span class=\"period current\" id=\"period-30\""),
        "another period falls back to 30 days"
    );
}

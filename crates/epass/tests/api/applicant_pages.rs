//! The applicant's pages without a browser: real-name registration refuses a wrong ID number
//! with its reason and keeps nothing, a direct application with its documents lands in the
//! reviewers' queue, a fleet CSV with a bad line files nothing and names the line, and a
//! returned application is corrected on its page and goes back into review with its history.

use epass::domain::roles::Role;
use serde_json::json;

use crate::documents::{pdf, png};
use crate::flows::{Setting, apply, decide, setting};
use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::invitations::today_plus;
pub use crate::page_client::PageReply;
use crate::page_client::{multipart, no_redirects, reply};
use crate::world::{self, PASSWORD};

/// The driver's ID number used throughout (a valid one).
pub const DRIVER_ID: &str = "11010519491231002X";
/// The level-1 reviewer of department A1 for freight.
pub const REVIEWER: &str = "13900000005";

/// Posts a multipart form from our own pages as `who` (with the session's CSRF token).
pub async fn post_form(
    app: &TestApp,
    path: &str,
    who: &Session,
    fields: &[(&str, &str)],
    files: &[(&str, &str, Vec<u8>)],
) -> PageReply {
    let mut all = vec![("csrf", who.csrf.as_str())];
    all.extend_from_slice(fields);
    let files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(name, file, bytes)| (*name, *file, bytes.as_slice()))
        .collect();
    let (content_type, body) = multipart(&all, &files);
    let resp = no_redirects()
        .post(app.url(path))
        .header("cookie", format!("epass_session={}", who.cookie))
        .header("origin", format!("http://{}", app.addr))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    reply(resp).await
}

/// Reads a page as `who`.
pub async fn page(app: &TestApp, path: &str, who: &Session) -> PageReply {
    let resp = no_redirects()
        .get(app.url(path))
        .header("cookie", format!("epass_session={}", who.cookie))
        .send()
        .await
        .unwrap();
    reply(resp).await
}

/// The freight type of region A, the registries its checks read (the driver tested negative an
/// hour ago and is green), and the level-1 reviewer of A1.
pub async fn freight_setting(app: &TestApp, s: &Setting) -> i64 {
    let types = app
        .get("/api/v1/pass-types?limit=100", Auth::Session(&s.applicant))
        .await;
    let freight = types.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "freight" && t["authority_id"] == s.world.region_a.id)
        .map(|t| t["id"].as_i64().unwrap())
        .expect("the freight type");
    let sampled = (time::OffsetDateTime::now_utc() - time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    for (kind, csv) in [
        (
            epass::registry::RegistryKind::Tests,
            format!(
                "holder_id_number,sampled_at,result,institution\n{DRIVER_ID},{sampled},negative,检测点\n"
            ),
        ),
        (
            epass::registry::RegistryKind::Health,
            format!("holder_id_number,colour,updated_at\n{DRIVER_ID},green,{sampled}\n"),
        ),
    ] {
        let origin = epass::registry::Origin {
            file_name: "test.csv",
            actor: "test",
        };
        let report = epass::registry::import(
            app.db(),
            &app.state.pii,
            kind,
            &origin,
            csv.as_bytes(),
            |_| {},
        )
        .await
        .unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }
    world::user(app, REVIEWER, &s.world.a1, &[Role::Reviewer]).await;
    freight
}

/// The freight form as typed on the page (travel tomorrow, 08:00 to 20:00).
pub fn freight_fields(plate: &str) -> Vec<(&'static str, String)> {
    let tomorrow = today_plus(1);
    vec![
        ("v.plate", plate.to_owned()),
        ("v.applicant_role", "carrier".to_owned()),
        ("v.origin_division", "150621".to_owned()),
        ("v.origin_address", "达拉特旗树林召镇物流园".to_owned()),
        ("v.destination_division", "150602".to_owned()),
        ("v.destination_address", "东胜区保供超市".to_owned()),
        ("v.cargo_type", "daily_necessities".to_owned()),
        ("v.travel_from", format!("{tomorrow}T08:00")),
        ("v.travel_to", format!("{tomorrow}T20:00")),
        ("v.route", "G210".to_owned()),
        ("v.driver_name", "钱司机".to_owned()),
        ("v.id_number", DRIVER_ID.to_owned()),
        ("v.phone", "13900000099".to_owned()),
        ("agreed", "yes".to_owned()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_wrong_id_number_is_refused_with_its_reason_and_nothing_is_saved() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let me = app.login("13900000001", PASSWORD).await;
    let form = page(&app, "/register", &me).await;
    assert_eq!(form.status, 200);
    assert!(
        form.html.contains("accept=\"image/*\" capture"),
        "a phone offers its camera or album: {}",
        form.html
    );
    let photos = || {
        vec![
            ("id_card_front", "front.png", png()),
            ("id_card_back", "back.png", png()),
        ]
    };

    // The check digit of 11010519491231002X is X: a 1 there is refused, saying so.
    let wrong = post_form(
        &app,
        "/register",
        &me,
        &[("name", "钱司机"), ("id_number", "110105194912310021")],
        &photos(),
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.html.contains("身份证号码校验位不正确") && wrong.html.contains("id=\"e-id_number\""),
        "the reason beside the field: {}",
        wrong.html
    );
    // A PDF is not a photo, and a missing side is asked for.
    let pdf_photo = post_form(
        &app,
        "/register?lang=en",
        &me,
        &[("name", "钱司机"), ("id_number", DRIVER_ID)],
        &[("id_card_front", "front.pdf", pdf())],
    )
    .await;
    assert_eq!(pdf_photo.status, 422);
    assert!(pdf_photo.html.contains("id=\"e-id_card_front\""));
    assert!(pdf_photo.html.contains("id=\"e-id_card_back\""));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM user_documents").await,
        0,
        "no photo kept"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE id_number_masked IS NOT NULL")
            .await,
        0,
        "no number kept"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.real_name_registered'")
            .await,
        0
    );

    let right = post_form(
        &app,
        "/register",
        &me,
        &[("name", "钱司机"), ("id_number", DRIVER_ID)],
        &photos(),
    )
    .await;
    assert_eq!(right.status, 303, "{}", right.html);
    assert_eq!(right.location, "/register?done=registered");
    let shown = page(&app, "/register?done=registered", &me).await;
    assert!(shown.html.contains("实名登记已保存"));
    assert!(shown.html.contains("钱司机") && shown.html.contains("2X"));
    assert_eq!(app.count("SELECT COUNT(*) FROM user_documents").await, 2);
    let me_now = app.get("/api/v1/me", Auth::Session(&me)).await;
    assert_eq!(me_now.body["user"]["name"], "钱司机");
}

#[tokio::test]
async fn a_direct_application_on_the_page_lands_in_the_queue_with_its_documents() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let freight = freight_setting(&app, &s).await;
    let listed = page(&app, "/apply", &s.applicant).await;
    assert!(listed.html.contains(&format!("href=\"/apply/{freight}\"")));
    let form = page(&app, &format!("/apply/{freight}"), &s.applicant).await;
    assert!(form.html.contains("办理须知") && form.html.contains("承诺书"));
    assert!(form.html.contains("name=\"doc.test_report\""));
    assert!(form.html.contains("type=\"datetime-local\""));

    // Without the test report, and with a bad plate: both said beside their fields, in English
    // when asked, and nothing submitted.
    let mut fields = freight_fields("蒙K1234");
    let missing = post_form(
        &app,
        &format!("/apply/{freight}?lang=en"),
        &s.applicant,
        &borrowed(&fields),
        &[],
    )
    .await;
    assert_eq!(missing.status, 422);
    assert!(missing.html.contains("id=\"e-doc-test_report\""));
    assert!(missing.html.contains("Upload this document."));
    assert!(missing.html.contains("id=\"e-plate\""), "{}", missing.html);
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 0);

    fields[0].1 = "蒙K11111".to_owned();
    let sent = post_form(
        &app,
        &format!("/apply/{freight}"),
        &s.applicant,
        &borrowed(&fields),
        &[("doc.test_report", "test.jpg", crate::documents::jpeg())],
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.html);
    let id: i64 = sent
        .location
        .strip_prefix("/applications/")
        .and_then(|rest| rest.strip_suffix("?done=submitted"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("to the progress page, not {}", sent.location));
    let progress = page(&app, &sent.location, &s.applicant).await;
    assert!(progress.html.contains("承诺办结日期"));
    assert!(progress.html.contains("48小时内核酸检测阴性证明"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE kind = 'test_report'")
            .await,
        1
    );

    let reviewer = app.login(REVIEWER, PASSWORD).await;
    let queue = app
        .get("/api/v1/reviews/queue", Auth::Session(&reviewer))
        .await;
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["application"]["id"] == id),
        "in the level-1 queue: {}",
        queue.body
    );
}

#[tokio::test]
async fn a_csv_with_a_bad_line_files_nothing_and_names_the_line() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let t = s.personnel_type;
    let refused = page(&app, &format!("/apply/{t}/csv"), &s.applicant).await;
    assert_eq!(refused.status, 403, "fleets apply through their admin");
    let form = page(&app, &format!("/apply/{t}/csv"), &s.org_admin).await;
    assert!(form.html.contains(&format!("/apply/{t}/template.csv")));
    let template = page(&app, &format!("/apply/{t}/template.csv"), &s.org_admin).await;
    assert!(
        template.html.trim_start_matches('\u{feff}').starts_with(
            "plate,vehicle_type,driver_name,id_number,phone,holder_category,zones,road_sections"
        ),
        "{}",
        template.html
    );

    let header = "plate,vehicle_type,driver_name,id_number,holder_category,road_sections,daily_window,valid_from,valid_to";
    let line = |plate: &str| {
        format!(
            "{plate},small_car,张三,{DRIVER_ID},supply_delivery,{},06:00-22:00,{},{}",
            s.road,
            today_plus(0),
            today_plus(10)
        )
    };
    let bad = format!("{header}\n{}\n{}\n", line("蒙K12345"), line("蒙K1"));
    let sent = post_form(
        &app,
        &format!("/apply/{t}/csv"),
        &s.org_admin,
        &[("agreed", "yes")],
        &[("file", "fleet.csv", bad.into_bytes())],
    )
    .await;
    assert_eq!(sent.status, 422);
    assert!(sent.html.contains("未导入任何申请"), "{}", sent.html);
    assert!(
        sent.html.contains("<td class=\"line\">3</td>"),
        "the third line is named: {}",
        sent.html
    );
    assert!(!sent.html.contains("<td class=\"line\">2</td>"));
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 0);

    let good = format!("{header}\n{}\n{}\n", line("蒙K12345"), line("蒙K54321"));
    let filed = post_form(
        &app,
        &format!("/apply/{t}/csv?lang=en"),
        &s.org_admin,
        &[("agreed", "yes")],
        &[("file", "fleet.csv", good.into_bytes())],
    )
    .await;
    assert_eq!(filed.status, 200, "{}", filed.html);
    assert!(filed.html.contains("2 applications were filed."));
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 2);
}

#[tokio::test]
async fn a_returned_application_is_corrected_on_its_page_and_goes_back_into_review() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let filed = apply(&app, &s, &s.applicant, s.values("蒙K22222", 0, 10)).await;
    let id = filed["id"].as_i64().unwrap();
    let returned = decide(
        &app,
        &s.org_admin,
        id,
        json!({ "action": "return", "version": 1, "reason_text": "车牌有误，请核对" }),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.body);

    let shown = page(&app, &format!("/applications/{id}"), &s.applicant).await;
    assert!(shown.html.contains("id=\"return-reason\""));
    assert!(shown.html.contains("车牌有误，请核对"));
    assert!(
        shown
            .html
            .contains(&format!("action=\"/applications/{id}/resubmit\""))
    );
    assert!(
        shown.html.contains("value=\"蒙K22222\""),
        "prefilled with what was sent"
    );
    // Only the applicant sees the form, and only they may send it.
    let by_admin = page(&app, &format!("/applications/{id}"), &s.org_admin).await;
    assert!(!by_admin.html.contains("id=\"correct-form\""));
    let road = s.road.to_string();
    let today = today_plus(0);
    let later = today_plus(12);
    let mut fields = vec![
        ("v.plate", "蒙K54321"),
        ("v.vehicle_type", "small_car"),
        ("v.driver_name", "张三"),
        ("v.id_number", DRIVER_ID),
        ("v.holder_category", "command_staff"),
        ("v.road_sections", road.as_str()),
        ("v.daily_window", "00:00-24:00"),
        ("v.valid_from", today.as_str()),
        ("v.valid_to", later.as_str()),
        ("agreed", "yes"),
    ];
    let forged = post_form(
        &app,
        &format!("/applications/{id}/resubmit"),
        &s.org_admin,
        &fields,
        &[],
    )
    .await;
    assert_eq!(forged.status, 403);

    // A mistake comes back beside its field, still returned.
    fields[3].1 = "110105194912310021";
    let wrong = post_form(
        &app,
        &format!("/applications/{id}/resubmit"),
        &s.applicant,
        &fields,
        &[],
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.html.contains("id=\"e-id_number\""));
    let still = app
        .get(
            &format!("/api/v1/applications/{id}"),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(still.body["application"]["status"], "returned");

    fields[3].1 = DRIVER_ID;
    let sent = post_form(
        &app,
        &format!("/applications/{id}/resubmit"),
        &s.applicant,
        &fields,
        &[("doc.vehicle_licence", "licence.png", png())],
    )
    .await;
    assert_eq!(sent.status, 303, "{}", sent.html);
    assert_eq!(
        sent.location,
        format!("/applications/{id}?done=resubmitted")
    );
    let now = app
        .get(
            &format!("/api/v1/applications/{id}"),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(now.body["application"]["status"], "in_review");
    assert_eq!(now.body["application"]["level"], 1);
    assert_eq!(now.body["application"]["round"], 2);
    assert_eq!(now.body["application"]["plate"], "蒙K54321");
    let history = page(&app, &sent.location, &s.applicant).await;
    assert!(history.html.contains("修改后重新提交（第 2 轮）"));
    assert!(
        history.html.contains("车牌有误，请核对"),
        "the return stays shown"
    );
    assert!(
        history.html.contains("id=\"round-1\"") && history.html.contains("蒙K22222"),
        "the first round's values are kept and shown"
    );
    assert!(!history.html.contains("id=\"correct-form\""));
    // Back in the level-1 queue.
    let queue = app
        .get("/api/v1/reviews/queue", Auth::Session(&s.org_admin))
        .await;
    assert!(
        queue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["application"]["id"] == id)
    );
}

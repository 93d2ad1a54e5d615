//! Truck city-entry restrictions as data: a city admin publishes versions (with an effective
//! date), anyone looks up which restrictions apply to a vehicle at a time and place, with the
//! answer explained; bad input is refused with nothing written; the public page answers too.

use epass::domain::roles::Role;
use epass::store::holidays::{self, Holiday};
use serde_json::{Value, json};

use crate::helpers::{Auth, Reply, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD, World};

/// Inside the ring road (the demo document's zone 1).
const IN_ZONE: (f64, f64) = (110.04, 40.40);
/// East of the ring road, on no restricted area.
const OUTSIDE: (f64, f64) = (110.20, 40.40);
/// A Wednesday, a Thursday made a holiday, a Saturday.
const WORKDAY: &str = "2030-06-05";
const HOLIDAY: &str = "2030-06-06";
const WEEKEND: &str = "2030-06-08";

async fn admin(app: &TestApp, org: &epass::store::orgs::Org, role: Role, n: usize) -> Session {
    world::user(app, &world::phone(800 + n), org, &[role]).await;
    app.login(&world::phone(800 + n), PASSWORD).await
}

/// The demo document, with a weight threshold added to the peak rule.
fn document() -> Value {
    let mut doc = epass::demo_trucks::document();
    doc["rules"][0]["over_weight_kg"] = json!(12_000);
    doc
}

fn body(doc: &Value, effective_from: Option<&str>) -> Value {
    json!({ "city": "150621", "effective_from": effective_from, "note": "测试",
            "areas": doc["areas"], "rules": doc["rules"] })
}

async fn publish(app: &TestApp, session: &Session, doc: &Value, from: Option<&str>) -> Reply {
    app.post(
        "/api/v1/truck-restrictions",
        Auth::Session(session),
        body(doc, from),
    )
    .await
}

async fn ready() -> (TestApp, World, Session) {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let session = admin(&app, &world.region_a, Role::AuthorityReviewer, 0).await;
    let reply = publish(&app, &session, &document(), None).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    (app, world, session)
}

async fn lookup(app: &TestApp, query: &str) -> Value {
    let reply = app
        .get(
            &format!("/api/v1/truck-restrictions/lookup?city=150621&{query}"),
            Auth::None,
        )
        .await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.body
}

fn at(date: &str, clock: &str) -> String {
    format!("at={date}T{clock}:00%2B08:00")
}

fn place((lon, lat): (f64, f64)) -> String {
    format!("lon={lon}&lat={lat}")
}

async fn count(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM truck_restriction_versions")
            .await,
        app.count("SELECT COUNT(*) FROM audit_events").await,
    )
}

#[tokio::test]
async fn a_city_admin_publishes_a_version_and_its_audit_event_is_written() {
    let (app, world, _) = ready().await;
    let current = app
        .get("/api/v1/truck-restrictions?city=150621", Auth::None)
        .await;
    assert_eq!(current.status, 200, "{}", current.body);
    assert_eq!(current.body["version"], 1);
    assert_eq!(current.body["city"]["id"], world.region_a.id);
    assert_eq!(current.body["document"]["rules"][0]["id"], "ring-peak");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'truck_restrictions.published'"
        )
        .await,
        1
    );
    // By id as well as by division code.
    let by_id = app
        .get(
            &format!("/api/v1/truck-restrictions?city={}", world.region_a.id),
            Auth::None,
        )
        .await;
    assert_eq!(by_id.body["version"], 1);
}

#[tokio::test]
async fn a_heavy_truck_inside_the_zone_in_the_workday_peak_is_restricted_and_told_a_pass_lifts_it()
{
    let (app, _, _) = ready().await;
    let a = lookup(
        &app,
        &format!(
            "class=heavy&weight_kg=18000&{}&{}",
            at(WORKDAY, "08:30"),
            place(IN_ZONE)
        ),
    )
    .await;
    assert_eq!(a["restricted"], true, "{a}");
    assert_eq!(a["pass_lifts"], true);
    assert_eq!(a["day_type"], "workday");
    assert_eq!(a["version"], 1);
    let rule = &a["rules"][0];
    assert_eq!(rule["standing"], "restricted");
    assert_eq!(rule["area_name_zh"], "树林召镇环城路以内");
    assert_eq!(rule["hours_today"], json!(["07:00-09:00", "17:00-19:00"]));
    let zh = rule["zh"].as_str().unwrap();
    assert!(zh.contains("环城路以内早晚高峰重型货车禁行"), "{zh}");
    assert!(zh.contains("工作日"), "{zh}");
    assert!(zh.contains("07:00–09:00、17:00–19:00"), "{zh}");
    assert!(zh.contains("货车电子通行码"), "{zh}");
    let en = rule["en"].as_str().unwrap();
    assert!(en.contains("within the restricted hours"), "{en}");
    assert!(en.contains("pass code lifts it"), "{en}");
    assert!(a["zh"].as_str().unwrap().contains("禁止通行"), "{a}");
}

#[tokio::test]
async fn outside_the_zone_or_outside_the_hours_a_heavy_truck_may_enter_and_is_told_why() {
    let (app, _, _) = ready().await;
    let outside = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(WORKDAY, "08:30"), place(OUTSIDE)),
    )
    .await;
    assert_eq!(outside["restricted"], false);
    assert_eq!(outside["rules"], json!([]));
    assert!(
        outside["zh"]
            .as_str()
            .unwrap()
            .contains("不在任何货车限行区域或路段内"),
        "{outside}"
    );
    assert!(
        outside["en"]
            .as_str()
            .unwrap()
            .contains("in no truck-restricted zone")
    );

    let midday = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(WORKDAY, "12:00"), place(IN_ZONE)),
    )
    .await;
    assert_eq!(midday["restricted"], false, "{midday}");
    assert_eq!(midday["rules"][0]["standing"], "outside_hours");
    assert!(
        midday["rules"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("不在限行时段 07:00–09:00、17:00–19:00 内"),
        "{midday}"
    );
    // 09:00 is the end of the period: no longer restricted.
    let end = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(WORKDAY, "09:00"), place(IN_ZONE)),
    )
    .await;
    assert_eq!(end["restricted"], false);
    let evening = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(WORKDAY, "17:00"), place(IN_ZONE)),
    )
    .await;
    assert_eq!(evening["restricted"], true);
}

#[tokio::test]
async fn the_holiday_table_decides_the_day_type_so_holidays_and_weekends_are_not_workday_peaks() {
    let (app, world, _) = ready().await;
    let mut tx = app.db().begin().await.unwrap();
    holidays::upsert(
        &mut tx,
        &Holiday {
            authority_id: world.region_a.id,
            date: HOLIDAY.into(),
            kind: epass::domain::calendar::DayKind::Holiday,
            name: "端午节".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let holiday = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(HOLIDAY, "08:30"), place(IN_ZONE)),
    )
    .await;
    assert_eq!(holiday["day_type"], "holiday", "{holiday}");
    assert_eq!(holiday["restricted"], false);
    assert!(
        holiday["rules"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("节假日不限行"),
        "{holiday}"
    );
    assert!(
        holiday["rules"][0]["en"]
            .as_str()
            .unwrap()
            .contains("a public holiday")
    );

    let weekend = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(WEEKEND, "08:30"), place(IN_ZONE)),
    )
    .await;
    assert_eq!(weekend["day_type"], "weekend");
    assert_eq!(weekend["restricted"], false);
    assert!(
        weekend["rules"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("周末不限行")
    );

    // A make-up working day on a weekend (调休) is a workday.
    let mut tx = app.db().begin().await.unwrap();
    holidays::upsert(
        &mut tx,
        &Holiday {
            authority_id: world.region_a.id,
            date: WEEKEND.into(),
            kind: epass::domain::calendar::DayKind::Workday,
            name: "调休上班".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let makeup = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(WEEKEND, "08:30"), place(IN_ZONE)),
    )
    .await;
    assert_eq!(makeup["day_type"], "workday");
    assert_eq!(makeup["restricted"], true);
}

#[tokio::test]
async fn the_class_and_weight_decide_whether_a_rule_concerns_the_vehicle() {
    let (app, _, _) = ready().await;
    let when = at(WORKDAY, "08:30");
    let light = lookup(&app, &format!("class=light&{when}&{}", place(IN_ZONE))).await;
    assert_eq!(light["restricted"], false);
    assert_eq!(light["rules"][0]["standing"], "other_class");
    assert!(
        light["rules"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("本规则不涉及轻型货车")
    );
    assert!(
        light["rules"][0]["en"]
            .as_str()
            .unwrap()
            .contains("does not concern a light truck")
    );

    let under = lookup(
        &app,
        &format!("class=heavy&weight_kg=12000&{when}&{}", place(IN_ZONE)),
    )
    .await;
    assert_eq!(under["restricted"], false);
    assert_eq!(under["rules"][0]["standing"], "under_weight");
    assert!(
        under["rules"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("车辆总质量 12000 千克未超过 12000 千克"),
        "{under}"
    );

    let over = lookup(
        &app,
        &format!("class=heavy&weight_kg=12001&{when}&{}", place(IN_ZONE)),
    )
    .await;
    assert_eq!(over["restricted"], true);
    assert!(
        over["rules"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("总质量超过 12000 千克")
    );
}

#[tokio::test]
async fn a_dangerous_goods_vehicle_is_barred_from_the_road_section_at_all_times_with_no_pass() {
    let (app, _, _) = ready().await;
    for (date, clock) in [(WORKDAY, "03:00"), (WEEKEND, "12:00")] {
        for road in [
            "2",
            "G210%20%E5%9F%8E%E5%8C%97%E6%AE%B5",
            "G210%20north%20of%20town",
        ] {
            let a = lookup(
                &app,
                &format!("class=dangerous_goods&road={road}&{}", at(date, clock)),
            )
            .await;
            assert_eq!(a["restricted"], true, "{a}");
            assert_eq!(a["pass_lifts"], false);
            let rule = &a["rules"][0];
            assert_eq!(rule["area_kind"], "road_section");
            let zh = rule["zh"].as_str().unwrap();
            assert!(zh.contains("路段「G210 城北段」"), "{zh}");
            assert!(zh.contains("全天"), "{zh}");
            assert!(zh.contains("此限行不可通过申请通行码解除"), "{zh}");
            assert!(
                rule["en"]
                    .as_str()
                    .unwrap()
                    .contains("No pass code lifts this restriction")
            );
        }
    }
    // A heavy truck on the same section: the rule does not concern it.
    let heavy = lookup(
        &app,
        &format!("class=heavy&road=2&{}", at(WORKDAY, "08:30")),
    )
    .await;
    assert_eq!(heavy["restricted"], false);
    assert_eq!(heavy["rules"][0]["standing"], "other_class");
    // A place on the section's centre line is on it too.
    let on_road = lookup(
        &app,
        &format!(
            "class=dangerous_goods&lon=110.045&lat=40.47&{}",
            at(WORKDAY, "12:00")
        ),
    )
    .await;
    assert_eq!(on_road["restricted"], true, "{on_road}");
}

#[tokio::test]
async fn a_later_version_applies_from_its_effective_date_and_not_before() {
    let (app, _, session) = ready().await;
    let mut later = document();
    later["rules"][0]["hours"] = json!({ "workday": ["06:00-10:00"] });
    let reply = publish(&app, &session, &later, Some("2030-07-01T00:00:00+08:00")).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["version"], 2);

    let before = lookup(
        &app,
        &format!("class=heavy&{}&{}", at(WORKDAY, "09:30"), place(IN_ZONE)),
    )
    .await;
    assert_eq!(before["version"], 1);
    assert_eq!(before["restricted"], false);
    let after = lookup(
        &app,
        &format!(
            "class=heavy&{}&{}",
            at("2030-07-03", "09:30"),
            place(IN_ZONE)
        ),
    )
    .await;
    assert_eq!(after["version"], 2);
    assert_eq!(after["restricted"], true);
    assert!(
        after["rules"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("06:00–10:00")
    );

    // Now is still version 1; both versions stay readable by the admin.
    let current = app
        .get("/api/v1/truck-restrictions?city=150621", Auth::None)
        .await;
    assert_eq!(current.body["version"], 1);
    let versions = app
        .get(
            "/api/v1/truck-restrictions/versions?city=150621",
            Auth::Session(&session),
        )
        .await;
    assert_eq!(versions.status, 200, "{}", versions.body);
    let numbers: Vec<i64> = versions
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![2, 1]);
    assert_eq!(
        versions.body[1]["document"]["rules"][0]["hours"]["workday"],
        json!(["07:00-09:00", "17:00-19:00"])
    );
}

#[tokio::test]
async fn bad_input_is_refused_in_both_languages_and_nothing_is_written() {
    let (app, _, session) = ready().await;
    let mut cases: Vec<(&str, Value, Option<&str>)> = Vec::new();
    let mut doc = document();
    doc["rules"][0]["classes"] = json!(["tractor"]);
    cases.push(("trucks.unknown_class", doc, None));
    let mut doc = document();
    doc["areas"]["features"][0]["geometry"]["coordinates"][0][4] = json!([110.0, 40.0]);
    cases.push(("trucks.area_geojson", doc, None));
    let mut doc = document();
    doc["rules"][0]["hours"] = json!({ "workday": ["25:00-26:00"] });
    cases.push(("trucks.hours", doc, None));
    let mut doc = document();
    doc["rules"][0]["hours"] = json!({ "someday": ["07:00-09:00"] });
    cases.push(("trucks.unknown_day_type", doc, None));
    let mut doc = document();
    doc["rules"][0]["areas"] = json!([99]);
    cases.push(("trucks.unknown_area", doc, None));
    cases.push((
        "trucks.effective_in_past",
        document(),
        Some("2020-01-01T00:00:00+08:00"),
    ));
    let before = count(&app).await;
    for (code, doc, from) in cases {
        let reply = publish(&app, &session, &doc, from).await;
        assert_eq!(reply.status, 422, "{code}: {}", reply.body);
        assert_eq!(reply.code(), code, "{}", reply.body);
        assert!(!reply.body["detail"].as_str().unwrap().is_empty());
        assert!(!reply.body["detail_en"].as_str().unwrap().is_empty());
    }
    assert_eq!(count(&app).await, before);

    // The hours error names the place and the value.
    let mut doc = document();
    doc["rules"][0]["hours"] = json!({ "workday": ["25:00-26:00"] });
    let reply = publish(&app, &session, &doc, None).await;
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("rules[0].hours.workday[0]") && detail.contains("25:00"),
        "{detail}"
    );

    // A lookup with a wrong question is refused too.
    for (query, code) in [
        ("class=tractor&lon=110.04&lat=40.40", "trucks.unknown_class"),
        ("class=heavy&lon=200&lat=40.40", "trucks.position"),
        ("class=heavy", "trucks.place"),
        ("class=heavy&road=G999", "trucks.unknown_road"),
        ("class=heavy&road=2&at=tomorrow", "trucks.at"),
    ] {
        let reply = app
            .get(
                &format!("/api/v1/truck-restrictions/lookup?city=150621&{query}"),
                Auth::None,
            )
            .await;
        assert_eq!(reply.status, 422, "{query}: {}", reply.body);
        assert_eq!(reply.code(), code, "{query}");
        assert!(!reply.body["detail_en"].as_str().unwrap().is_empty());
    }
    let unknown_city = app
        .get(
            "/api/v1/truck-restrictions/lookup?city=999999&class=heavy&road=2",
            Auth::None,
        )
        .await;
    assert_eq!(unknown_city.code(), "trucks.unknown_city");
}

#[tokio::test]
async fn another_authoritys_admin_cannot_edit_this_city_nor_a_department_admin() {
    let (app, world, _) = ready().await;
    let other = admin(&app, &world.region_b, Role::SystemAdmin, 1).await;
    let department = admin(&app, &world.a1, Role::AuthorityReviewer, 2).await;
    let before = count(&app).await;
    let reply = publish(&app, &other, &document(), None).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let versions = app
        .get(
            "/api/v1/truck-restrictions/versions?city=150621",
            Auth::Session(&other),
        )
        .await;
    assert_eq!(versions.status, 403);
    let reply = publish(&app, &department, &document(), None).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(count(&app).await, before);
    // Their own city they may edit.
    let mut own = body(&document(), None);
    own["city"] = json!("371000");
    let reply = app
        .post("/api/v1/truck-restrictions", Auth::Session(&other), own)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

#[tokio::test]
async fn the_public_page_answers_a_lookup_with_its_explanation_without_login() {
    let (app, _, _) = ready().await;
    let page = |query: String| {
        let url = app.url(&format!("/trucks/lookup?{query}"));
        let http = app.http.clone();
        async move {
            let resp = http.get(url).send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let (status, form) = page(String::new()).await;
    assert_eq!(status, 200);
    assert!(form.contains("货车限行查询"), "{form}");
    assert!(form.contains("达拉特旗指挥部"));

    let query = format!(
        "city=150621&class=heavy&weight_kg=&at={WORKDAY}T08%3A30&road=&lon=110.04&lat=40.40"
    );
    let (status, html) = page(query.clone()).await;
    assert_eq!(status, 200);
    assert!(html.contains("环城路以内早晚高峰重型货车禁行"), "{html}");
    assert!(
        html.contains("在限行时段 07:00–09:00、17:00–19:00 内"),
        "{html}"
    );
    assert!(html.contains("id=\"answer\""));

    let (_, english) = page(format!("{query}&lang=en")).await;
    assert!(
        english.contains("Heavy trucks barred inside the ring road at peak hours"),
        "{english}"
    );
    assert!(
        english.contains("a heavy truck may not enter here"),
        "{english}"
    );

    let (status, refused) = page("city=150621&class=tractor&lon=110.04&lat=40.40".into()).await;
    assert_eq!(status, 200);
    assert!(refused.contains("车型 class 须为以下之一"), "{refused}");
}

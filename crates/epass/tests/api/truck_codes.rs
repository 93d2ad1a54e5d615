//! Truck city-entry pass codes from application to verification: the lookup says a heavy truck is
//! restricted inside the ring road at the workday peaks; the driver applies for the ring road at
//! those hours; the reviewer returns it with a reason code; the driver corrects it; it is approved
//! and issued as a `truck_entry` credential, which checks valid inside the zone and hours and
//! outside_zone / outside_time elsewhere. Pointless requests and slots the city never grants are
//! refused with their reasons and nothing is written, also line by line in a CSV fleet file.

use serde_json::{Value, json};

use crate::flows::{Setting, decide, setting};
use crate::helpers::{Auth, Reply, Session, TestApp, spawn_app};
use crate::invitations::today_plus;

/// Inside the ring road, on no road section.
const IN_RING: (f64, f64) = (110.02, 40.39);
/// East of the ring road.
const OUTSIDE: (f64, f64) = (110.20, 40.39);

struct Trucks {
    s: Setting,
    truck_type: i64,
    /// The zones-table ids the restriction areas name.
    ring: i64,
    g210: i64,
}

/// The setting of the flows, with the ring-road zone and G210 north in the zones table, the
/// demo restrictions published naming them, and the truck code pass type's id.
async fn trucks(app: &TestApp) -> Trucks {
    let s = setting(app).await;
    let demo = epass::demo_trucks::document();
    let import = json!({ "type": "FeatureCollection", "features": demo["areas"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f["properties"].as_object_mut().unwrap().remove("id");
            f.as_object_mut().unwrap().remove("id");
            f
        })
        .collect::<Vec<_>>() });
    let created = match epass::actions::zones::import_as(
        app.db(),
        &app.state.pii,
        &epass::actions::Actor::default(),
        &s.world.region_a,
        &import,
    )
    .await
    .unwrap()
    {
        epass::actions::zones::ImportOutcome::Imported(done) => done.created,
        epass::actions::zones::ImportOutcome::Rejected(errors) => panic!("{errors:?}"),
    };
    let (ring, g210) = (created[0], created[1]);
    // The restriction areas carry the zones-table ids (actions::truck_codes).
    let mut doc = demo;
    doc["areas"]["features"][0]["properties"]["id"] = json!(ring);
    doc["areas"]["features"][1]["properties"]["id"] = json!(g210);
    doc["rules"][0]["areas"] = json!([ring]);
    doc["rules"][1]["areas"] = json!([g210]);
    let reply = app
        .post(
            "/api/v1/truck-restrictions",
            Auth::Session(&s.authority_reviewer),
            json!({ "city": "150621", "areas": doc["areas"], "rules": doc["rules"] }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let types = app
        .get(
            &format!(
                "/api/v1/pass-types?authority={}&kind=truck_entry",
                s.world.region_a.id
            ),
            Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(types.status, 200, "{}", types.body);
    let truck_type = types.body["items"][0]["id"].as_i64().unwrap();
    Trucks {
        s,
        truck_type,
        ring,
        g210,
    }
}

/// A heavy truck of 18 t asking for the ring road in `window` for a week from today.
fn values(t: &Trucks, plate: &str, window: &str) -> Value {
    json!({
        "plate": plate, "driver_name": "张三", "vehicle_class": "heavy",
        "gross_weight_kg": 18000, "zones": [t.ring.to_string()], "daily_window": window,
        "valid_from": today_plus(0), "valid_to": today_plus(6),
    })
}

async fn apply(app: &TestApp, t: &Trucks, who: &Session, values: Value) -> Reply {
    app.post(
        "/api/v1/applications",
        Auth::Session(who),
        json!({ "pass_type_id": t.truck_type, "values": values, "agreed": true }),
    )
    .await
}

/// `YYYY-MM-DD` at `HH:MM` Beijing time, in milliseconds.
fn local_ms(date: &str, clock: &str) -> i64 {
    let t = epass::domain::trucks::parse_moment(&format!("{date}T{clock}")).unwrap();
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

async fn check(app: &TestApp, t: &Trucks, text: &str, (lon, lat): (f64, f64), at: i64) -> Value {
    let reply = app
        .post(
            "/api/v1/checks",
            Auth::Session(&t.s.officer),
            json!({ "text": text, "longitude": lon, "latitude": lat, "checked_at": at }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn counts(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM applications").await,
        app.count("SELECT COUNT(*) FROM audit_events").await,
    )
}

/// The field errors of a 422 as (key, code, zh, en).
fn field_errors(reply: &Reply) -> Vec<(String, String, String, String)> {
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.code(), "form.invalid", "{}", reply.body);
    reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_owned();
            (s("key"), s("code"), s("zh"), s("en"))
        })
        .collect()
}

#[tokio::test]
async fn a_truck_code_goes_from_lookup_to_a_checked_credential_through_a_correction() {
    let app = spawn_app().await;
    let t = trucks(&app).await;
    // Checks are made today (the checkpoint's trust data is as fresh as now).
    let day = today_plus(0);

    // The lookup: a heavy truck inside the ring road at 07:30 on a workday is restricted, and
    // a pass code lifts it.
    let workday = (0..7)
        .map(today_plus)
        .find(|d| {
            let date = epass::domain::calendar::parse_date(d).unwrap();
            !matches!(
                date.weekday(),
                time::Weekday::Saturday | time::Weekday::Sunday
            )
        })
        .unwrap();
    let lookup = app
        .get(
            &format!(
                "/api/v1/truck-restrictions/lookup?city=150621&class=heavy&weight_kg=18000\
                 &lon={}&lat={}&at={workday}T07:30:00%2B08:00",
                IN_RING.0, IN_RING.1
            ),
            Auth::None,
        )
        .await;
    assert_eq!(lookup.status, 200, "{}", lookup.body);
    assert_eq!(lookup.body["restricted"], true, "{}", lookup.body);
    assert_eq!(lookup.body["pass_lifts"], true, "{}", lookup.body);

    // Apply for the whole day; the reviewer returns it with a reason code.
    let first = apply(
        &app,
        &t,
        &t.s.applicant,
        values(&t, "蒙K12345", "06:00-20:00"),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["status"], "in_review");
    let id = first.body["id"].as_i64().unwrap();
    let returned = decide(
        &app,
        &t.s.authority_reviewer,
        id,
        json!({ "action": "return", "version": first.body["version"],
                "reason_code": "hours_too_broad",
                "reason_text": "只批准早高峰时段 / only the morning peak is granted" }),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.body);
    assert_eq!(returned.body["application"]["status"], "returned");

    // The applicant corrects the hours and resubmits; the history keeps the first round.
    let corrected = app
        .post(
            &format!("/api/v1/applications/{id}/resubmit"),
            Auth::Session(&t.s.applicant),
            json!({ "values": values(&t, "蒙K12345", "07:00-09:00"), "agreed": true }),
        )
        .await;
    assert_eq!(corrected.status, 200, "{}", corrected.body);
    assert_eq!(corrected.body["status"], "in_review");
    let progress = app
        .get(
            &format!("/api/v1/applications/{id}"),
            Auth::Session(&t.s.applicant),
        )
        .await;
    assert_eq!(progress.status, 200, "{}", progress.body);
    let decisions = progress.body["decisions"].as_array().unwrap();
    assert_eq!(decisions[0]["action"], "return", "{}", progress.body);
    assert_eq!(decisions[0]["reason_code"], "hours_too_broad");
    assert_eq!(
        progress.body["rounds"][0]["form"]["daily_window"],
        "06:00-20:00"
    );

    // Approved: issued as a truck_entry credential with the zone, the hours and the dates.
    let approved = decide(
        &app,
        &t.s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": corrected.body["version"] }),
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let pass = &approved.body["pass"];
    let text = pass["credential"].as_str().unwrap().to_owned();
    let claims = epass_credential::read_claims_unverified(&text).unwrap();
    assert_eq!(claims.kind, epass_credential::Kind::TruckEntry);
    assert_eq!(claims.zones, [u32::try_from(t.ring).unwrap()]);
    assert!(claims.road_sections.is_empty());
    assert_eq!(
        claims.time_windows,
        [epass_credential::TimeWindow { from: 420, to: 540 }]
    );
    assert_eq!(claims.vehicle_type.as_deref(), Some("heavy"));
    assert_eq!(claims.not_before * 1000, local_ms(&day, "00:00"));
    assert_eq!(claims.expires * 1000, local_ms(&today_plus(7), "00:00"));

    // Checked inside the zone and hours: valid; outside the zone; outside the hours.
    let inside = check(&app, &t, &text, IN_RING, local_ms(&day, "07:30")).await;
    assert_eq!(inside["code"], "valid", "{inside}");
    assert_eq!(inside["plate"], "蒙K12345");
    let away = check(&app, &t, &text, OUTSIDE, local_ms(&day, "07:30")).await;
    assert_eq!(away["code"], "outside_zone", "{away}");
    let noon = check(&app, &t, &text, IN_RING, local_ms(&day, "12:00")).await;
    assert_eq!(noon["code"], "outside_time", "{noon}");

    // The figures of the closing note: a typical truck code's size and QR version at M.
    let version = epass_credential::qr::qr_version(&text).unwrap();
    println!(
        "truck code credential: {} characters, QR version {version} at error correction M",
        text.chars().count()
    );
    assert!(version <= 40);
}

#[tokio::test]
async fn a_pointless_truck_code_request_and_a_slot_never_granted_are_refused_with_why() {
    let app = spawn_app().await;
    let t = trucks(&app).await;
    let before = counts(&app).await;

    // The ring road outside the peak hours: nothing to lift.
    let midday = apply(
        &app,
        &t,
        &t.s.applicant,
        values(&t, "蒙K12345", "10:00-16:00"),
    )
    .await;
    let errors = field_errors(&midday);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (key, code, zh, en) = &errors[0];
    assert_eq!(
        (key.as_str(), code.as_str()),
        ("zones", "truck_code.not_restricted")
    );
    assert!(
        zh.contains("无需申请通行码") && zh.contains("不在限行时段内"),
        "{zh}"
    );
    assert!(
        en.contains("no pass code is needed") && en.contains("outside the restricted hours"),
        "{en}"
    );
    assert!(
        en.contains("Heavy trucks barred inside the ring road"),
        "{en}"
    );

    // A light truck at the peak: the rule does not concern it.
    let mut light = values(&t, "蒙K12345", "07:00-09:00");
    light["vehicle_class"] = json!("light");
    let errors = field_errors(&apply(&app, &t, &t.s.applicant, light).await);
    assert_eq!(errors[0].1, "truck_code.not_restricted", "{errors:?}");
    assert!(errors[0].2.contains("本规则不涉及轻型货车"), "{errors:?}");
    assert!(
        errors[0].3.contains("does not concern a light truck"),
        "{errors:?}"
    );

    // A road section no restriction names (the flows' test road).
    let mut free = values(&t, "蒙K12345", "07:00-09:00");
    free["zones"] = json!([]);
    free["road_sections"] = json!([t.s.road.to_string()]);
    let errors = field_errors(&apply(&app, &t, &t.s.applicant, free).await);
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1.as_str()),
        ("road_sections", "truck_code.not_restricted")
    );
    assert!(errors[0].3.contains("no pass code is needed"), "{errors:?}");

    // Dangerous goods on G210 north: the city never grants it, and says why.
    let mut dangerous = values(&t, "蒙K12345", "07:00-09:00");
    dangerous["vehicle_class"] = json!("dangerous_goods");
    dangerous["zones"] = json!([]);
    dangerous["road_sections"] = json!([t.g210.to_string()]);
    let errors = field_errors(&apply(&app, &t, &t.s.applicant, dangerous).await);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (key, code, zh, en) = &errors[0];
    assert_eq!(
        (key.as_str(), code.as_str()),
        ("road_sections", "truck_code.never_granted")
    );
    assert!(zh.contains("此限行不可通过申请通行码解除"), "{zh}");
    assert!(
        en.contains("No pass code lifts this restriction")
            && en.contains("Dangerous goods barred on G210"),
        "{en}"
    );

    // A place that is not one of the city's zones.
    let mut unknown = values(&t, "蒙K12345", "07:00-09:00");
    unknown["zones"] = json!(["999999"]);
    let errors = field_errors(&apply(&app, &t, &t.s.applicant, unknown).await);
    assert_eq!(errors[0].1, "truck_code.unknown_place", "{errors:?}");

    assert_eq!(counts(&app).await, before, "nothing is written");
}

#[tokio::test]
async fn a_fleet_file_with_a_pointless_truck_code_line_is_refused_at_that_line() {
    let app = spawn_app().await;
    let t = trucks(&app).await;
    let before = counts(&app).await;
    let header = "plate,driver_name,vehicle_class,zones,daily_window,valid_from,valid_to";
    let line = |plate: &str, class: &str, window: &str| {
        format!(
            "{plate},王五,{class},{},{window},{},{}",
            t.ring,
            today_plus(0),
            today_plus(6)
        )
    };
    let csv = [
        header.to_owned(),
        line("蒙K54321", "heavy", "17:00-19:00"), // 2: fine
        line("蒙K11111", "heavy", "10:00-16:00"), // 3: outside every restricted window
    ]
    .join("\n");
    let resp = app
        .http
        .post(app.url(&format!(
            "/api/v1/applications/bulk?pass_type_id={}&agreed=true",
            t.truck_type
        )))
        .header("cookie", format!("epass_session={}", t.s.org_admin.cookie))
        .header("x-csrf-token", &t.s.org_admin.csrf)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "bulk.invalid");
    let lines = body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{body}");
    assert_eq!(lines[0]["line"], 3);
    assert_eq!(lines[0]["field"], "zones");
    assert_eq!(lines[0]["code"], "truck_code.not_restricted");
    assert!(
        lines[0]["en"]
            .as_str()
            .unwrap()
            .contains("no pass code is needed"),
        "{body}"
    );
    assert_eq!(counts(&app).await, before, "nothing is filed");
}

//! Bulk application from CSV for fleets: a good file files every line in one go; a file with
//! mistakes reports each (line, field, code, Chinese, English) and files nothing.

use serde_json::Value;

use crate::flows::{Setting, setting};
use crate::helpers::{Session, TestApp, spawn_app};
use crate::invitations::today_plus;

const HEADER: &str = "plate,vehicle_type,driver_name,id_number,holder_category,road_sections,daily_window,valid_from,valid_to";

fn line(s: &Setting, plate: &str, driver: &str, id_number: &str) -> String {
    format!(
        "{plate},small_car,{driver},{id_number},supply_delivery,{},06:00-22:00,{},{}",
        s.road,
        today_plus(0),
        today_plus(10)
    )
}

async fn send(app: &TestApp, who: &Session, query: &str, csv: String) -> (u16, Value) {
    let resp = app
        .http
        .post(app.url(&format!("/api/v1/applications/bulk?{query}")))
        .header("cookie", format!("epass_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn a_good_fleet_file_files_every_line_for_the_organisation() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    // A quoted cell may hold commas: two road sections.
    let quoted = format!(
        "蒙K11111,small_car,王五,34052419800101001X,supply_delivery,\"{r},{r}\",06:00-22:00,{},{}",
        today_plus(0),
        today_plus(10),
        r = s.road,
    );
    let csv = format!(
        "\u{feff}{HEADER}\n{}\n{}\n{quoted}\n",
        line(&s, "蒙K12345", "张三", "11010519491231002X"),
        line(&s, "蒙K54321", "李四", "440524188001010014"),
    );
    let query = format!("pass_type_id={}&agreed=true", s.personnel_type);
    let (status, body) = send(&app, &s.org_admin, &query, csv).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["filed"], 3);
    let apps = body["applications"].as_array().unwrap();
    assert!(apps.iter().all(|a| a["org_id"] == s.world.a1.id
        && a["applicant_id"] == s.org_admin.user_id
        && a["status"] == "in_review"));
    assert_eq!(apps[1]["holder_name"], "李四");
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'application.submitted'")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'applications.bulk_submitted'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_fleet_file_with_mistakes_reports_each_line_and_files_nothing() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let before = app.count("SELECT COUNT(*) FROM applications").await;
    let mut missing_name = line(&s, "蒙K22222", "X", "11010519491231002X");
    missing_name = missing_name.replace(",X,", ",,");
    let csv = [
        HEADER.to_owned(),
        line(&s, "蒙K12345", "张三", "11010519491231002X"), // 2: fine
        line(&s, "京AI2345", "李四", "340524198001010013"), // 3: bad plate and ID number
        line(&s, "蒙K99999", "王五", "11010519491231002X"), // 4: open violations
        missing_name,                                       // 5: no driver name
        "蒙K11111,small_car,赵六".to_owned(),               // 6: too few fields
        line(&s, "蒙K12345", "孙七", "11010519491231002X"), // 7: line 2's vehicle again
    ]
    .join("\n");
    let query = format!("pass_type_id={}&agreed=true", s.personnel_type);
    let (status, body) = send(&app, &s.org_admin, &query, csv).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "bulk.invalid");
    assert_eq!(body["rows"], 6);
    let lines: Vec<(i64, String, String)> = body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["zh"].as_str().unwrap().is_empty(), "{e}");
            assert!(!e["en"].as_str().unwrap().is_empty(), "{e}");
            (
                e["line"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |line: i64, field: &str| lines.iter().any(|(l, f, _)| *l == line && f == field);
    assert!(has(3, "plate"), "{lines:?}");
    assert!(has(3, "id_number"), "{lines:?}");
    assert!(has(4, "vehicle_legal"), "{lines:?}");
    assert!(has(5, "driver_name"), "{lines:?}");
    assert!(has(6, ""), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|(l, f, c)| *l == 7 && f == "plate" && c == "bulk.duplicate_vehicle"),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|(l, ..)| *l == 2),
        "line 2 is fine: {lines:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications").await,
        before,
        "nothing is half-imported"
    );

    let bad_header = "plate,colour\n蒙K12345,red\n".to_owned();
    let (status, body) = send(&app, &s.org_admin, &query, bad_header).await;
    assert_eq!(status, 422, "{body}");
    let codes: Vec<&str> = body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"csv.unknown_column"), "{codes:?}");
    assert!(codes.contains(&"csv.missing_column"), "{codes:?}");

    let good = format!(
        "{HEADER}\n{}\n",
        line(&s, "蒙K12345", "张三", "11010519491231002X")
    );
    let (status, body) = send(&app, &s.applicant, &query, good.clone()).await;
    assert_eq!(
        status, 403,
        "an organisation admin files for a fleet: {body}"
    );
    let unsigned = format!("pass_type_id={}", s.personnel_type);
    let (status, body) = send(&app, &s.org_admin, &unsigned, good).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("application.agreement_required"))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, before);
}

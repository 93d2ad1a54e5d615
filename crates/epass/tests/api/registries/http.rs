//! The HTTP adapter against a mock registry: a good answer, "not found", a 500, a time-out,
//! malformed JSON and a refused connection. Only a good answer is judged; the errors are all
//! "could not check" with a reason, never a pass.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use epass::domain::eligibility::{Check, CheckOutcome, Facts, TravelWindow};
use epass::domain::ids::{IdNumber, Plate};
use epass::registry::{HttpRegistry, RegistrySource as _, evaluate};
use serde_json::{Value, json};
use time::macros::datetime;
use tokio::net::TcpListener;

use super::id_number;

#[derive(Clone, Copy, Debug)]
enum Mode {
    Good,
    NotFound,
    Status(u16),
    Sleep(Duration),
    Malformed,
    OtherPlate,
}

#[derive(Clone)]
struct Mock {
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Vec<(String, Value)>>>,
}

fn record(endpoint: &str, body: &Value) -> Value {
    match endpoint {
        "vehicle" => json!({
            "plate": body["plate"], "vehicle_type": "重型半挂牵引车", "owner_name": "达拉特旗运输有限公司",
            "unresolved_violations": 3, "legal_status": "normal", "updated_at": "2026-11-20T08:00:00+08:00",
            "extra": "ignored"
        }),
        "licence" | "licence/by-holder" => json!({
            "licence_number": "150600000001", "holder_name": "张三", "classes": ["A2"],
            "valid_from": "2020-01-01", "valid_until": "2032-01-01",
            "issuing_office": "鄂尔多斯市公安局交通管理支队", "points": 0, "status": "valid"
        }),
        "test/latest" => json!({
            "sampled_at": "2026-11-20T09:00:00+08:00", "result": "negative", "institution": "达拉特旗人民医院"
        }),
        _ => json!({ "colour": "yellow", "updated_at": "2026-11-21T07:00:00+08:00" }),
    }
}

async fn handler(
    State(mock): State<Mock>,
    Path(endpoint): Path<String>,
    body: String,
) -> (StatusCode, String) {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    mock.seen
        .lock()
        .unwrap()
        .push((endpoint.clone(), body.clone()));
    let mode = *mock.mode.lock().unwrap();
    match mode {
        Mode::Good => (
            StatusCode::OK,
            json!({ "found": true, "record": record(&endpoint, &body) }).to_string(),
        ),
        Mode::NotFound => (StatusCode::OK, json!({ "found": false }).to_string()),
        Mode::Status(s) => (StatusCode::from_u16(s).unwrap(), "oops".into()),
        Mode::Sleep(d) => {
            tokio::time::sleep(d).await;
            (StatusCode::OK, json!({ "found": false }).to_string())
        }
        Mode::Malformed => (StatusCode::OK, "{\"found\": tru".into()),
        Mode::OtherPlate => (
            StatusCode::OK,
            json!({ "found": true, "record": record(&endpoint, &json!({ "plate": "京A00001" })) })
                .to_string(),
        ),
    }
}

async fn mock(mode: Mode) -> (String, Mock) {
    let mock = Mock {
        mode: Arc::new(Mutex::new(mode)),
        seen: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/registry/v1/{*endpoint}", axum::routing::post(handler))
        .with_state(mock.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/registry/v1"), mock)
}

fn adapter(base: &str) -> HttpRegistry {
    HttpRegistry::new(
        base,
        &[("Authorization".into(), "Bearer registry-token".into())],
        Duration::from_millis(500),
    )
    .unwrap()
}

const CHECKS: [Check; 4] = [
    Check::VehicleLegal,
    Check::LicenceValid,
    Check::NegativeTestWithinHours { hours: 48 },
    Check::HealthCodeGreen,
];

fn facts() -> Facts {
    let start = datetime!(2026-11-21 08:00 +8);
    Facts {
        id_number: Some(IdNumber::parse(&id_number(1)).unwrap()),
        id_card_valid_until: None,
        plate: Some(Plate::parse("蒙K12345").unwrap()),
        licence_number: Some("150600000001".into()),
        travel: TravelWindow {
            start,
            end: start + time::Duration::days(3),
        },
    }
}

#[tokio::test]
async fn a_good_answer_is_judged_on_its_record() {
    let (base, mock) = mock(Mode::Good).await;
    let results = evaluate(&adapter(&base), &CHECKS, &facts()).await;
    let codes: Vec<Option<&str>> = results.iter().map(|(_, o)| o.code()).collect();
    assert_eq!(
        codes,
        [
            Some("vehicle_legal.violations"),
            None,
            None,
            Some("health_code_green.not_green")
        ]
    );
    let seen = mock.seen.lock().unwrap().clone();
    let endpoints: Vec<&str> = seen.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        endpoints,
        ["vehicle", "licence/by-holder", "test/latest", "health-code"]
    );
    assert_eq!(seen[0].1, json!({ "plate": "蒙K12345" }));
    // The ID number travels in the body, never in the URL.
    assert_eq!(seen[1].1, json!({ "id_number": id_number(1) }));
    let reg = adapter(&base);
    let l = reg.licence("150600000001").await.unwrap().unwrap();
    assert_eq!(l.classes, ["A2"]);
}

#[tokio::test]
async fn not_found_fails_with_no_record() {
    let (base, _) = mock(Mode::NotFound).await;
    let results = evaluate(&adapter(&base), &CHECKS, &facts()).await;
    for (check, o) in &results {
        assert!(
            matches!(o, CheckOutcome::Failed { code, .. } if code.ends_with(".no_record")),
            "{check:?}: {o:?}"
        );
    }
}

async fn could_not_check(mode: Mode, code: &str, reason: &str) {
    let (base, _) = mock(mode).await;
    let results = evaluate(&adapter(&base), &CHECKS, &facts()).await;
    assert_eq!(results.len(), CHECKS.len());
    for (check, o) in &results {
        let CheckOutcome::CouldNotCheck { code: got, zh, en } = o else {
            panic!("{mode:?} {check:?}: expected could-not-check, got {o:?}")
        };
        assert_eq!(got, code);
        assert!(en.starts_with("could not check \""), "{en}");
        assert!(en.contains(reason), "{en}");
        assert!(zh.starts_with("无法核验"), "{zh}");
    }
}

#[tokio::test]
async fn a_server_error_could_not_be_checked() {
    could_not_check(Mode::Status(500), "registry.status", "HTTP status 500").await;
}

#[tokio::test]
async fn a_time_out_could_not_be_checked() {
    let started = std::time::Instant::now();
    could_not_check(
        Mode::Sleep(Duration::from_secs(3)),
        "registry.timeout",
        "did not answer within 500 ms",
    )
    .await;
    // Four checks, each bounded by the adapter's time-out, not by the server's sleep.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn malformed_json_could_not_be_checked() {
    could_not_check(Mode::Malformed, "registry.malformed", "malformed").await;
}

#[tokio::test]
async fn a_refused_connection_could_not_be_checked() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let results = evaluate(&adapter(&format!("http://{addr}/")), &CHECKS, &facts()).await;
    for (_, o) in &results {
        assert_eq!(o.code(), Some("registry.unreachable"), "{o:?}");
    }
}

#[tokio::test]
async fn an_answer_about_another_vehicle_is_malformed() {
    let (base, _) = mock(Mode::OtherPlate).await;
    let results = evaluate(&adapter(&base), &[Check::VehicleLegal], &facts()).await;
    let CheckOutcome::CouldNotCheck { code, en, .. } = &results[0].1 else {
        panic!("expected could-not-check: {results:?}")
    };
    assert_eq!(code, "registry.malformed");
    assert!(en.contains("about plate 京A00001, not 蒙K12345"), "{en}");
}

#[test]
fn bad_adapter_settings_are_refused() {
    assert!(HttpRegistry::new("ftp://x/", &[], Duration::from_secs(1)).is_err());
    assert!(
        HttpRegistry::new(
            "http://x/",
            &[("bad header".into(), "v".into())],
            Duration::from_secs(1)
        )
        .is_err()
    );
}

//! `[registry] source = "http"`: a server started from that configuration asks the external
//! registry (a mock here) when an application is submitted, with the configured token.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use epass::app::AppState;
use epass::config::{Config, RegistryConfig, RegistrySourceKind};
use serde_json::{Value, json};

use crate::flows::{apply, setting};
use crate::helpers::{MASTER_KEY, TestApp, fresh_db_url, hex};

type Seen = Arc<Mutex<Vec<(String, Option<String>, Value)>>>;

/// A registry that knows every vehicle as legal and nobody else, recording each question.
async fn mock_registry() -> (String, Seen) {
    async fn answer(
        State(seen): State<Seen>,
        Path(endpoint): Path<String>,
        headers: HeaderMap,
        body: String,
    ) -> String {
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let auth = headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned());
        seen.lock()
            .unwrap()
            .push((endpoint.clone(), auth, body.clone()));
        if endpoint == "vehicle" {
            json!({ "found": true, "record": {
                "plate": body["plate"], "vehicle_type": "小型汽车", "owner_name": "张三",
                "unresolved_violations": 0, "legal_status": "normal",
                "updated_at": "2026-11-20T08:00:00+08:00" } })
            .to_string()
        } else {
            json!({ "found": false }).to_string()
        }
    }
    let seen = Seen::default();
    let router = axum::Router::new()
        .route("/ext/v1/{*endpoint}", axum::routing::post(answer))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/ext/v1/"), seen)
}

#[tokio::test]
async fn a_server_configured_for_an_http_registry_asks_it_when_an_application_is_submitted() {
    let (url, seen) = mock_registry().await;
    let config = Config {
        demo: false,
        database_url: Some(fresh_db_url().await),
        master_key: Some(hex(&MASTER_KEY)),
        registry: RegistryConfig {
            source: RegistrySourceKind::Http,
            url: Some(url),
            timeout_ms: 2000,
            token: Some("registry-token".into()),
        },
        ..Config::default()
    };
    let state = AppState::new(config).await.expect("the server starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router =
        epass::app::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let app = TestApp {
        addr,
        state,
        http: reqwest::Client::new(),
    };
    let s = setting(&app).await;
    // 蒙K77777 is in no local table: only the external registry can vouch for it.
    let submitted = apply(&app, &s, &s.applicant, s.values("蒙K77777", 0, 5)).await;
    assert_eq!(submitted["status"], "in_review", "{submitted}");
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|(endpoint, auth, body)| endpoint == "vehicle"
                && body["plate"] == "蒙K77777"
                && auth.as_deref() == Some("Bearer registry-token")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn an_http_registry_without_a_url_stops_the_start() {
    let config = Config {
        demo: false,
        database_url: Some(fresh_db_url().await),
        master_key: Some(hex(&MASTER_KEY)),
        registry: RegistryConfig {
            source: RegistrySourceKind::Http,
            ..RegistryConfig::default()
        },
        ..Config::default()
    };
    let err = AppState::new(config).await.expect_err("no URL");
    assert!(err.to_string().contains("registry.url"), "{err}");
}

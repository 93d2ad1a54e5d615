//! A mock HTTP SMS gateway answering with scripted statuses (200 once the script is used up),
//! keeping every request it saw.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use epass::outbox::{HttpSmsSender, Sender};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Request {
    pub headers: HeaderMap,
    pub body: String,
    pub status: u16,
}

#[derive(Clone, Default)]
pub struct Gateway {
    script: Arc<Mutex<VecDeque<u16>>>,
    always: Arc<Mutex<Option<u16>>>,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Gateway {
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }

    /// Successful requests per idempotency key.
    pub fn successes(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for r in self.requests().iter().filter(|r| r.status == 200) {
            let key = r.headers["idempotency-key"].to_str().unwrap().to_owned();
            *counts.entry(key).or_default() += 1;
        }
        counts
    }
}

async fn gateway_handler(
    State(gw): State<Gateway>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let status = gw
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or(*gw.always.lock().unwrap())
        .unwrap_or(200);
    // A little latency so concurrent workers overlap.
    tokio::time::sleep(Duration::from_millis(2)).await;
    gw.seen.lock().unwrap().push(Request {
        headers,
        body,
        status,
    });
    StatusCode::from_u16(status).unwrap()
}

pub async fn gateway(script: &[u16], always: Option<u16>) -> (String, Gateway) {
    let gw = Gateway::default();
    gw.script.lock().unwrap().extend(script);
    *gw.always.lock().unwrap() = always;
    let app = axum::Router::new()
        .route("/sms", axum::routing::post(gateway_handler))
        .with_state(gw.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/sms"), gw)
}

pub const TEMPLATE: &str =
    r#"{"to":"{{to}}","text":"{{body}}","subject":"{{subject}}","sign":"epass"}"#;

pub fn http_sender(url: &str) -> Arc<dyn Sender> {
    let headers = vec![
        ("Authorization".to_owned(), "Bearer t0ken".to_owned()),
        ("X-Api-Key".to_owned(), "k-123".to_owned()),
    ];
    Arc::new(HttpSmsSender::new(url, &headers, TEMPLATE, Duration::from_secs(5)).unwrap())
}

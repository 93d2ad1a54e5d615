//! Test harness: a fresh database per test (SQLite by default, PostgreSQL with
//! `EPASS_TEST_DATABASE=postgres`), and `spawn_app()` serving the real router on port 0.

use std::net::SocketAddr;

use epass::app::AppState;
use epass::config::Config;
use epass::store::Db;
use serde_json::Value;

/// The server that PostgreSQL runs use; each test gets its own database on it.
fn pg_admin_url() -> String {
    std::env::var("EPASS_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether this run targets PostgreSQL. A run that asks for it and cannot reach it fails.
pub fn postgres() -> bool {
    std::env::var("EPASS_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// A fresh, migrated database for one test.
pub async fn fresh_db() -> Db {
    Db::open(&fresh_db_url().await)
        .await
        .expect("open test database")
}

/// The URL of a new, empty database for one test.
pub async fn fresh_db_url() -> String {
    if postgres() {
        use sqlx::Connection as _;
        let admin = pg_admin_url();
        let name = format!("epass_t_{}", hex(&rand::random::<[u8; 8]>()));
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!("EPASS_TEST_DATABASE=postgres but {admin} is unreachable: {e}")
            });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        format!("{base}/{name}")
    } else {
        let dir = tempfile::Builder::new()
            .prefix("epass-test-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("temp dir")
            .keep();
        format!("sqlite://{}/epass.db?mode=rwc", dir.display())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub const MASTER_KEY: [u8; 32] = [7; 32];

/// A running server and a way to talk to it.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub http: reqwest::Client,
}

/// A logged-in session: the cookie and its CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub user_id: i64,
}

/// How a request authenticates.
#[derive(Clone, Copy, Debug)]
pub enum Auth<'a> {
    None,
    Session(&'a Session),
    Token(&'a str),
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app after `tweak` adjusted its state (e.g. shorter time limits).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut AppState)) -> TestApp {
    let db = fresh_db().await;
    // Each test keeps its files (uploaded documents) in its own folder.
    let data_dir = tempfile::Builder::new()
        .prefix("epass-data-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temp dir")
        .keep();
    let config = Config {
        demo: false,
        data_dir,
        ..Config::default()
    };
    let mut state = AppState::with_db(config, db, &MASTER_KEY);
    tweak(&mut state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let app = epass::app::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    // reqwest is built without a TLS provider of its own; the service installs ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    TestApp {
        addr,
        state,
        http: reqwest::Client::new(),
    }
}

/// A status and the JSON body (or `Value::Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The stable error code of a problem answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, self.url(path));
        match auth {
            Auth::None => {}
            Auth::Session(s) => {
                req = req
                    .header("cookie", format!("epass_session={}", s.cookie))
                    .header("x-csrf-token", &s.csrf);
            }
            Auth::Token(t) => req = req.header("authorization", format!("Bearer {t}")),
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Reply {
        self.request("GET", path, auth, None).await
    }

    pub async fn post(&self, path: &str, auth: Auth<'_>, body: Value) -> Reply {
        self.request("POST", path, auth, Some(body)).await
    }

    /// Logs in with a password; panics unless it works.
    pub async fn login(&self, phone: &str, password: &str) -> Session {
        let reply = self
            .post(
                "/api/v1/auth/login/password",
                Auth::None,
                serde_json::json!({ "phone": phone, "password": password }),
            )
            .await;
        assert_eq!(
            reply.status, 200,
            "login of {phone} failed: {:?}",
            reply.body
        );
        session_from(&reply)
    }

    /// A password session made directly by the action, past the per-address login rate limit
    /// (for tests that need many users at once).
    pub async fn session(&self, phone: &str, password: &str) -> Session {
        let actor = epass::actions::Actor::default();
        let s = epass::actions::auth::login_with_password(
            self.db(),
            &self.state.auth,
            phone,
            password,
            &actor,
        )
        .await
        .expect("login");
        Session {
            cookie: s.token,
            csrf: s.csrf_token,
            user_id: s.user_id,
        }
    }

    /// The last SMS queued for a number (the one-time code travels in it).
    pub async fn last_sms(&self, phone: &str) -> Option<String> {
        use sqlx::Row as _;
        sqlx::query("SELECT body FROM outbox WHERE recipient = $1 AND channel = 'sms' ORDER BY id DESC LIMIT 1")
            .bind(phone)
            .fetch_optional(self.db().pool())
            .await
            .expect("outbox query")
            .map(|r| r.get::<String, _>(0))
    }

    /// Requests a code for `phone` and returns the 6 digits read from the queued SMS.
    pub async fn request_code(&self, phone: &str) -> String {
        let reply = self
            .post(
                "/api/v1/auth/code",
                Auth::None,
                serde_json::json!({ "phone": phone }),
            )
            .await;
        assert_eq!(reply.status, 202, "code request failed: {:?}", reply.body);
        let sms = self.last_sms(phone).await.expect("an SMS was queued");
        sms.chars()
            .collect::<Vec<_>>()
            .windows(6)
            .map(|w| w.iter().collect::<String>())
            .find(|w| w.chars().all(|c| c.is_ascii_digit()))
            .expect("a 6-digit code in the SMS")
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        use sqlx::Row as _;
        sqlx::query(sql)
            .fetch_one(self.db().pool())
            .await
            .expect("count query")
            .get::<i64, _>(0)
    }
}

/// The session carried by a login reply.
pub fn session_from(reply: &Reply) -> Session {
    let set_cookie = reply
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie");
    let cookie = set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("cookie value");
    Session {
        cookie,
        csrf: reply.body["csrf_token"]
            .as_str()
            .expect("csrf token")
            .to_owned(),
        user_id: reply.body["user_id"].as_i64().expect("user id"),
    }
}

//! Logging in: codes, throttles, passwords, lock-out, sessions, tokens, CSRF.

use serde_json::json;

use crate::helpers::{Auth, session_from, spawn_app, spawn_app_with};
use crate::world::{self, PASSWORD};

#[tokio::test]
async fn a_code_logs_a_new_number_in_as_an_applicant_and_works_only_once() {
    let app = spawn_app().await;
    let code = app.request_code("13912345678").await;
    let body = json!({ "phone": "+86 139-1234-5678", "code": code });
    let reply = app
        .post("/api/v1/auth/login/code", Auth::None, body.clone())
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let session = session_from(&reply);
    let me = app.get("/api/v1/me", Auth::Session(&session)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["phone"], "13912345678");
    assert_eq!(me.body["user"]["id"], session.user_id);
    assert_eq!(me.body["roles"], json!([]));

    let again = app.post("/api/v1/auth/login/code", Auth::None, body).await;
    assert_eq!(again.status, 401);
    assert_eq!(again.code(), "bad_credentials");
}

#[tokio::test]
async fn codes_are_hashed_at_rest() {
    let app = spawn_app().await;
    let code = app.request_code("13912345678").await;
    use sqlx::Row as _;
    let hash: Vec<u8> = sqlx::query("SELECT code_hash FROM otp_codes")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(hash.len(), 32);
    assert!(!hash.windows(6).any(|w| w == code.as_bytes()));
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = spawn_app_with(|s| {
        let mut policy = (*s.auth).clone();
        policy.code_ttl_ms = 1;
        s.auth = std::sync::Arc::new(policy);
    })
    .await;
    let code = app.request_code("13912345678").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let reply = app
        .post(
            "/api/v1/auth/login/code",
            Auth::None,
            json!({ "phone": "13912345678", "code": code }),
        )
        .await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_throttled_per_number() {
    let app = spawn_app().await;
    app.request_code("13912345678").await;
    let reply = app
        .post(
            "/api/v1/auth/code",
            Auth::None,
            json!({ "phone": "13912345678" }),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.code(), "throttled");
    assert!(reply.headers.get("retry-after").is_some());
    // Another number from the same address is still served.
    app.request_code("13912345679").await;
}

#[tokio::test]
async fn code_requests_are_throttled_per_client_address() {
    let app = spawn_app_with(|s| {
        let mut policy = (*s.auth).clone();
        policy.code_per_addr_per_hour = 3;
        s.auth = std::sync::Arc::new(policy);
    })
    .await;
    for n in 0..3 {
        app.request_code(&format!("1391234567{n}")).await;
    }
    let reply = app
        .post(
            "/api/v1/auth/code",
            Auth::None,
            json!({ "phone": "13912345679" }),
        )
        .await;
    assert_eq!(reply.status, 429);
}

#[tokio::test]
async fn wrong_codes_kill_the_code_after_five_attempts() {
    let app = spawn_app().await;
    let code = app.request_code("13912345678").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let reply = app
            .post(
                "/api/v1/auth/login/code",
                Auth::None,
                json!({ "phone": "13912345678", "code": wrong }),
            )
            .await;
        assert_eq!(reply.status, 401);
    }
    let reply = app
        .post(
            "/api/v1/auth/login/code",
            Auth::None,
            json!({ "phone": "13912345678", "code": code }),
        )
        .await;
    assert_eq!(
        reply.status, 401,
        "the right code after five wrong ones must not work"
    );
}

#[tokio::test]
async fn a_wrong_phone_number_gets_a_clear_bilingual_error() {
    let app = spawn_app().await;
    let reply = app
        .post("/api/v1/auth/code", Auth::None, json!({ "phone": "12345" }))
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(reply.body["field"], "phone");
    assert!(
        reply.body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:epass:problem:phone.")
    );
    assert!(!reply.body["detail"].as_str().unwrap().is_empty());
    assert!(!reply.body["detail_en"].as_str().unwrap().is_empty());
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn staff_log_in_with_a_password_and_get_a_hardened_cookie() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(
        &app,
        "13900000001",
        &world.a1,
        &[epass::domain::roles::Role::Reviewer],
    )
    .await;
    let reply = app
        .post(
            "/api/v1/auth/login/password",
            Auth::None,
            json!({ "phone": "13900000001", "password": PASSWORD }),
        )
        .await;
    assert_eq!(reply.status, 200);
    let cookie = reply.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let hash: String = {
        use sqlx::Row as _;
        sqlx::query("SELECT password_hash FROM users WHERE phone = '13900000001'")
            .fetch_one(app.db().pool())
            .await
            .unwrap()
            .get(0)
    };
    assert!(hash.starts_with("$argon2id$"));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    for _ in 0..5 {
        let reply = app
            .post(
                "/api/v1/auth/login/password",
                Auth::None,
                json!({ "phone": "13900000001", "password": "wrong password!" }),
            )
            .await;
        assert_eq!(reply.status, 401);
    }
    let reply = app
        .post(
            "/api/v1/auth/login/password",
            Auth::None,
            json!({ "phone": "13900000001", "password": PASSWORD }),
        )
        .await;
    assert_eq!(reply.status, 423);
    assert_eq!(reply.code(), "account_locked");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.locked'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_unknown_number_and_a_wrong_password_look_the_same() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/auth/login/password",
            Auth::None,
            json!({ "phone": "13900000009", "password": "whatever it is" }),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.code(), "bad_credentials");
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let session = app.login("13900000001", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/me", Auth::Session(&session)).await.status,
        200
    );
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60000")
        .execute(app.db().pool())
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/me", Auth::Session(&session)).await.status,
        401
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_timeout_however_active() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let session = app.login("13900000001", PASSWORD).await;
    sqlx::query("UPDATE sessions SET expires_at = 1")
        .execute(app.db().pool())
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/me", Auth::Session(&session)).await.status,
        401
    );
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let session = app.login("13900000001", PASSWORD).await;
    let reply = app
        .post("/api/v1/auth/logout", Auth::Session(&session), json!({}))
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        app.get("/api/v1/me", Auth::Session(&session)).await.status,
        401
    );
}

#[tokio::test]
async fn a_state_change_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let mut session = app.login("13900000001", PASSWORD).await;
    session.csrf = "forged".into();
    let reply = app
        .post(
            "/api/v1/tokens",
            Auth::Session(&session),
            json!({ "name": "x", "scopes": [] }),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.code(), "csrf.mismatch");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);
    // Reads need no token.
    assert_eq!(
        app.get("/api/v1/me", Auth::Session(&session)).await.status,
        200
    );
}

#[tokio::test]
async fn a_token_works_within_its_scopes_until_revoked() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(
        &app,
        "13900000001",
        &world.a1,
        &[epass::domain::roles::Role::Supervisor],
    )
    .await;
    let session = app.login("13900000001", PASSWORD).await;
    let reply = app
        .post(
            "/api/v1/tokens",
            Auth::Session(&session),
            json!({ "name": "dashboard", "scopes": ["orgs:read"] }),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    let id = reply.body["token"]["id"].as_i64().unwrap();

    let orgs = app
        .get(
            &format!("/api/v1/orgs/{}", world.a1.id),
            Auth::Token(&secret),
        )
        .await;
    assert_eq!(orgs.status, 200);
    let users = app.get("/api/v1/users", Auth::Token(&secret)).await;
    assert_eq!(
        users.status, 403,
        "users:read is not among the token's scopes"
    );
    // Tokens are kept hashed.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_tokens WHERE token_hash IS NOT NULL")
            .await,
        1
    );

    let revoke = app
        .request(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            Auth::Session(&session),
            None,
        )
        .await;
    assert_eq!(revoke.status, 204);
    let after = app
        .get(
            &format!("/api/v1/orgs/{}", world.a1.id),
            Auth::Token(&secret),
        )
        .await;
    assert_eq!(after.status, 401);
}

#[tokio::test]
async fn a_token_cannot_mint_another_token() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let session = app.login("13900000001", PASSWORD).await;
    let reply = app
        .post(
            "/api/v1/tokens",
            Auth::Session(&session),
            json!({ "name": "t", "scopes": [] }),
        )
        .await;
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    let again = app
        .post(
            "/api/v1/tokens",
            Auth::Token(&secret),
            json!({ "name": "t2", "scopes": [] }),
        )
        .await;
    assert_eq!(again.status, 403);
}

//! The login pages: bilingual, usable without JavaScript, forms guarded by origin and CSRF token.

use epass::domain::roles::Role;

use crate::helpers::{TestApp, spawn_app};
use crate::page_client::no_redirects;
use crate::world::{self, PASSWORD};

async fn form(
    app: &TestApp,
    path: &str,
    fields: &str,
    cookie: Option<&str>,
    origin: &str,
) -> reqwest::Response {
    let mut req = no_redirects()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", origin)
        .body(fields.to_owned());
    if let Some(c) = cookie {
        req = req.header("cookie", format!("epass_session={c}"));
    }
    req.send().await.expect("form post")
}

fn session_cookie(resp: &reqwest::Response) -> String {
    let raw = resp
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .unwrap();
    raw.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

#[tokio::test]
async fn the_login_page_is_chinese_by_default_and_english_on_request_remembered() {
    let app = spawn_app().await;
    let zh = app
        .http
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("密码登录"), "{zh}");
    assert!(zh.contains("<label for=\"pw-phone\">"));
    assert!(!zh.contains("<script"), "the page works without scripts");
    let en = app.http.get(app.url("/?lang=en")).send().await.unwrap();
    let remembered = en
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(remembered.starts_with("epass_lang=en"));
    assert!(en.text().await.unwrap().contains("Log in with a password"));
    let again = app
        .http
        .get(app.url("/"))
        .header("cookie", "epass_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("Log in with a password"));
}

#[tokio::test]
async fn staff_log_in_through_the_form_see_their_roles_and_log_out_with_the_csrf_token() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[Role::Supervisor]).await;
    let origin = format!("http://{}", app.addr);
    let login = form(
        &app,
        "/login",
        &format!("phone=13900000001&password={}", PASSWORD.replace(' ', "+")),
        None,
        &origin,
    )
    .await;
    assert_eq!(login.status(), 303);
    let cookie = session_cookie(&login);

    let home = app
        .http
        .get(app.url("/"))
        .header("cookie", format!("epass_session={cookie}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("监督人员"), "{home}");
    let csrf = home
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf field")
        .to_owned();

    let forged = form(&app, "/logout", "csrf=forged", Some(&cookie), &origin).await;
    assert_eq!(forged.status(), 403);
    let out = form(
        &app,
        "/logout",
        &format!("csrf={csrf}"),
        Some(&cookie),
        &origin,
    )
    .await;
    assert_eq!(out.status(), 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.a1, &[]).await;
    let resp = form(
        &app,
        "/login",
        &format!("phone=13900000001&password={}", PASSWORD.replace(' ', "+")),
        None,
        "https://evil.example",
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn a_wrong_password_shows_the_reason_on_the_page() {
    let app = spawn_app().await;
    let origin = format!("http://{}", app.addr);
    let resp = form(
        &app,
        "/login",
        "phone=13900000001&password=nope",
        None,
        &origin,
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    assert!(body.contains("手机号、验证码或密码错误"), "{body}");
}

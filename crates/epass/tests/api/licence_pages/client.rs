//! A small page client for the licence pages' tests (and their rows in the authorisation
//! matrix): `GET` and form posts with the session's CSRF token, without following redirects.

use crate::helpers::{Session, TestApp, spawn_app};

/// A page's status, HTML and `Location` (redirects are not followed).
pub use crate::page_client::PageReply as Page;
use crate::page_client::{multipart, no_redirects, reply, url_encoded};

/// `GET` a page as the session.
pub async fn get(app: &TestApp, who: Option<&Session>, path: &str) -> Page {
    let mut req = no_redirects().get(app.url(path));
    if let Some(s) = who {
        req = req.header("cookie", format!("epass_session={}", s.cookie));
    }
    reply(req.send().await.unwrap()).await
}

/// Posts a form from our own page: the session's CSRF token, then `fields`.
pub async fn post(app: &TestApp, who: &Session, path: &str, fields: &[(&str, &str)]) -> Page {
    let body = url_encoded(&who.csrf, fields);
    let resp = no_redirects()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{}", app.addr))
        .header("cookie", format!("epass_session={}", who.cookie))
        .body(body)
        .send()
        .await
        .unwrap();
    reply(resp).await
}

/// Posts a `multipart/form-data` form with the CSRF token, `fields` and a `photo` file.
pub async fn post_multipart(
    app: &TestApp,
    who: &Session,
    path: &str,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> Page {
    let mut all = vec![("csrf", who.csrf.as_str())];
    all.extend_from_slice(fields);
    let files: Vec<(&str, &str, &[u8])> =
        photo.map_or_else(Vec::new, |b| vec![("photo", "photo.png", b)]);
    let (content_type, body) = multipart(&all, &files);
    let resp = no_redirects()
        .post(app.url(path))
        .header("content-type", content_type)
        .header("origin", format!("http://{}", app.addr))
        .header("cookie", format!("epass_session={}", who.cookie))
        .body(body)
        .send()
        .await
        .unwrap();
    reply(resp).await
}

/// The demo's world, with its holder's licence issued at first start.
pub async fn demo() -> TestApp {
    let app = spawn_app().await;
    assert!(epass::demo::seed_if_empty(&app.state).await.unwrap());
    app
}

/// A request without a session (no redirects followed).
pub async fn anonymous(app: &TestApp, method: &str, path: &str) -> Page {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    reply(
        no_redirects()
            .request(method, app.url(path))
            .send()
            .await
            .unwrap(),
    )
    .await
}

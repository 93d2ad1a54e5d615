//! A small page client for the licence pages' tests (and their rows in the authorisation
//! matrix): `GET` and form posts with the session's CSRF token, without following redirects.

use crate::helpers::{Session, TestApp, spawn_app};

/// A page's status, HTML and `Location` (redirects are not followed).
pub struct Page {
    pub status: u16,
    pub html: String,
    pub location: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page_of(resp: reqwest::Response) -> Page {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Page {
        status,
        location,
        html: resp.text().await.unwrap_or_default(),
    }
}

/// `GET` a page as the session.
pub async fn get(app: &TestApp, who: Option<&Session>, path: &str) -> Page {
    let mut req = client().get(app.url(path));
    if let Some(s) = who {
        req = req.header("cookie", format!("epass_session={}", s.cookie));
    }
    page_of(req.send().await.unwrap()).await
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Posts a form from our own page: the session's CSRF token, then `fields`.
pub async fn post(app: &TestApp, who: &Session, path: &str, fields: &[(&str, &str)]) -> Page {
    let mut body = format!("csrf={}", encode(&who.csrf));
    for (k, v) in fields {
        body.push_str(&format!("&{}={}", encode(k), encode(v)));
    }
    let resp = client()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{}", app.addr))
        .header("cookie", format!("epass_session={}", who.cookie))
        .body(body)
        .send()
        .await
        .unwrap();
    page_of(resp).await
}

/// Posts a `multipart/form-data` form with the CSRF token, `fields` and a `photo` file.
pub async fn post_multipart(
    app: &TestApp,
    who: &Session,
    path: &str,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> Page {
    let b = "epassLicenceBoundary7MA4YWxk";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    field("csrf", &who.csrf);
    for (k, v) in fields {
        field(k, v);
    }
    if let Some(bytes) = photo {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"photo.png\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let resp = client()
        .post(app.url(path))
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .header("origin", format!("http://{}", app.addr))
        .header("cookie", format!("epass_session={}", who.cookie))
        .body(body)
        .send()
        .await
        .unwrap();
    page_of(resp).await
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
    page_of(
        client()
            .request(method, app.url(path))
            .send()
            .await
            .unwrap(),
    )
    .await
}

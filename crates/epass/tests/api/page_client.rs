//! What every page test needs to talk to the pages as a browser without JavaScript would: a
//! client that does not follow redirects, a reply's status, `Location` and HTML, and form bodies
//! (URL-encoded or `multipart/form-data`).

/// A client that leaves redirects to the test, so a `303` and its `Location` can be checked.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A page's status, `Location` and HTML.
#[derive(Debug)]
pub struct PageReply {
    pub status: u16,
    pub location: String,
    pub html: String,
}

pub async fn reply(resp: reqwest::Response) -> PageReply {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    PageReply {
        status,
        location,
        html: resp.text().await.unwrap_or_default(),
    }
}

/// Percent-encodes a form value (RFC 3986 unreserved characters stay as they are).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An `application/x-www-form-urlencoded` body: the CSRF token first, then `fields`.
pub fn url_encoded(csrf: &str, fields: &[(&str, &str)]) -> String {
    let mut body = format!("csrf={}", encode(csrf));
    for (k, v) in fields {
        body.push_str(&format!("&{}={}", encode(k), encode(v)));
    }
    body
}

/// A `multipart/form-data` body: text fields, then files as `(name, file name, bytes)`; returns
/// the `Content-Type` header and the body.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----epassTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

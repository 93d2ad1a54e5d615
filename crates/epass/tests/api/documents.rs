//! Document uploads: the type decided by the content, images decoded, a size limit with nothing
//! kept beyond it, reads only by the applicant and the application's reviewers, each recorded.

use std::io::Cursor;

use serde_json::Value;

use crate::flows::{apply, setting};
use crate::helpers::{Reply, Session, TestApp, spawn_app, spawn_app_with};
use crate::world::{self, PASSWORD};

pub fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, 30, y as u8 * 5]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
      2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
      trailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec()
}

fn sha256_hex(bytes: &[u8]) -> String {
    epass::actions::secrets::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Uploads raw bytes as `who`, announcing `content_type` (which the server ignores).
pub async fn upload(
    app: &TestApp,
    who: &Session,
    application_id: i64,
    kind: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Reply {
    let resp = app
        .http
        .post(app.url(&format!(
            "/api/v1/applications/{application_id}/documents?kind={kind}"
        )))
        .header("cookie", format!("epass_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
    }
}

/// Reads a document's bytes as `who`: status, headers, bytes.
pub async fn download(
    app: &TestApp,
    who: &Session,
    id: i64,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/documents/{id}")))
        .header("cookie", format!("epass_session={}", who.cookie))
        .header("x-csrf-token", &who.csrf)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// Files stored under the test's document folder.
fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() { walk(&path) } else { 1 }
                })
                .sum()
        })
    }
    walk(&app.state.config.data_dir.join("documents"))
}

#[tokio::test]
async fn png_jpeg_and_pdf_uploads_are_kept_with_their_type_size_and_digest() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let files = [
        ("id_card", png(), "image/png"),
        ("driving_licence", jpeg(), "image/jpeg"),
        ("vehicle_licence", pdf(), "application/pdf"),
    ];
    for (kind, bytes, mime) in &files {
        // The announced type is deliberately wrong: the content decides.
        let reply = upload(&app, &s.applicant, id, kind, "text/plain", bytes.clone()).await;
        assert_eq!(reply.status, 201, "{kind}: {}", reply.body);
        let doc = &reply.body["document"];
        assert_eq!(doc["content_type"], *mime);
        assert_eq!(doc["kind"], *kind);
        assert_eq!(doc["size_bytes"], bytes.len());
        assert_eq!(doc["sha256"], sha256_hex(bytes));
        assert!(doc.get("object_key").is_none(), "storage keys stay inside");
    }
    assert_eq!(stored_files(&app), 3);
    let list = app
        .get(
            &format!("/api/v1/applications/{id}/documents"),
            crate::helpers::Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let docs = list.body["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 3);
    for (doc, (_, bytes, mime)) in docs.iter().zip(&files) {
        let (status, headers, body) =
            download(&app, &s.applicant, doc["id"].as_i64().unwrap()).await;
        assert_eq!(status, 200);
        assert_eq!(&body, bytes);
        assert_eq!(headers["content-type"], *mime);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=")
        );
    }
}

#[tokio::test]
async fn a_text_file_named_as_an_image_is_refused_and_nothing_is_kept() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let text = b"This is my ID card, honestly. (renamed photo.png)".to_vec();
    let reply = upload(&app, &s.applicant, id, "id_card", "image/png", text).await;
    assert_eq!(reply.status, 415, "{}", reply.body);
    assert_eq!(reply.code(), "document.unsupported_type");
    assert!(reply.body["detail"].as_str().unwrap().contains("PNG"));
    assert!(
        reply.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("content")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, 0);
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn a_truncated_or_corrupt_image_is_refused() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let whole = jpeg();
    let cut_jpeg = whole[..whole.len() / 2].to_vec();
    let whole = png();
    let cut_png = whole[..whole.len() - 30].to_vec();
    let mut scrambled_png = png();
    for b in scrambled_png.iter_mut().skip(40).take(60) {
        *b ^= 0x5a;
    }
    for (name, bytes) in [
        ("cut JPEG", cut_jpeg),
        ("cut PNG", cut_png),
        ("scrambled PNG", scrambled_png),
    ] {
        let reply = upload(&app, &s.applicant, id, "id_card", "image/jpeg", bytes).await;
        assert_eq!(reply.status, 422, "{name}: {}", reply.body);
        assert_eq!(reply.code(), "document.corrupt", "{name}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, 0);
    assert_eq!(stored_files(&app), 0);
}

#[tokio::test]
async fn an_upload_over_the_size_limit_is_refused_and_nothing_is_kept() {
    assert_eq!(
        epass::config::Config::default().documents.max_bytes,
        5 * 1024 * 1024,
        "5 MiB unless configured"
    );
    let app = spawn_app_with(|state| {
        let mut config = (*state.config).clone();
        config.documents.max_bytes = 64 * 1024;
        state.config = std::sync::Arc::new(config);
    })
    .await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let mut big = pdf();
    big.splice(9..9, std::iter::repeat_n(b' ', 64 * 1024));
    let reply = upload(&app, &s.applicant, id, "id_card", "application/pdf", big).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.code(), "document.too_large");
    assert!(
        reply.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("65536 bytes")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, 0);
    assert_eq!(stored_files(&app), 0);
    let fits = upload(&app, &s.applicant, id, "id_card", "image/png", png()).await;
    assert_eq!(fits.status, 201, "{}", fits.body);
}

#[tokio::test]
async fn only_the_applicant_and_the_reviewers_read_a_document_and_every_read_is_recorded() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let id = apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 5)).await["id"]
        .as_i64()
        .unwrap();
    let reply = upload(&app, &s.applicant, id, "id_card", "image/png", png()).await;
    let doc = reply.body["document"]["id"].as_i64().unwrap();

    world::user(&app, "13900000009", &s.world.a1, &[]).await;
    let stranger = app.login("13900000009", PASSWORD).await;
    let (status, _, body) = download(&app, &stranger, doc).await;
    assert_eq!(
        status,
        403,
        "another applicant: {}",
        String::from_utf8_lossy(&body)
    );
    let listed = app
        .get(
            &format!("/api/v1/applications/{id}/documents"),
            crate::helpers::Auth::Session(&stranger),
        )
        .await;
    assert_eq!(listed.status, 403);
    let planted = upload(&app, &stranger, id, "id_card", "image/png", png()).await;
    assert_eq!(planted.status, 403, "nobody adds to another's application");

    for who in [&s.applicant, &s.org_admin, &s.authority_reviewer] {
        let (status, _, body) = download(&app, who, doc).await;
        assert_eq!(status, 200);
        assert_eq!(body, png());
    }
    let (status, _, _) = download(&app, &s.officer, doc).await;
    assert_eq!(
        status, 403,
        "checkpoint officers do not review applications"
    );

    let reads = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'document.read'")
        .await;
    assert_eq!(reads, 3, "one event per read, none for refused reads");
    use sqlx::Row as _;
    let readers: Vec<i64> = sqlx::query(
        "SELECT actor_user_id FROM audit_events WHERE action = 'document.read' ORDER BY id",
    )
    .fetch_all(app.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<i64, _>(0))
    .collect();
    assert_eq!(
        readers,
        vec![
            s.applicant.user_id,
            s.org_admin.user_id,
            s.authority_reviewer.user_id
        ]
    );
    let event = app
        .get(
            &format!("/api/v1/documents/{}", doc + 1000),
            crate::helpers::Auth::Session(&s.applicant),
        )
        .await;
    assert_eq!(event.status, 404);
}

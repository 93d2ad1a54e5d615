//! Printable passes: a PDF on A4 and on an ID-1 card whose Chinese text is really there (read
//! back with `pdftotext`), and a clear 503 when no CJK font can be found.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use crate::flows::{Setting, apply, decide, setting};
use crate::helpers::{Auth, TestApp, spawn_app, spawn_app_with};

/// Takes an application for `plate` through both levels; returns the pass id and number.
pub async fn issued_pass(app: &TestApp, s: &Setting, plate: &str) -> (i64, String) {
    let submitted = apply(app, s, &s.applicant, s.values(plate, 0, 10)).await;
    let id = submitted["id"].as_i64().unwrap();
    let first = decide(
        app,
        &s.org_admin,
        id,
        json!({ "action": "approve", "version": 1 }),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let version = first.body["application"]["version"].as_i64().unwrap();
    let second = decide(
        app,
        &s.authority_reviewer,
        id,
        json!({ "action": "approve", "version": version }),
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let pass = &second.body["pass"];
    (
        pass["id"].as_i64().unwrap(),
        pass["pass_number"].as_str().unwrap().to_owned(),
    )
}

async fn fetch(app: &TestApp, s: &Setting, path: &str) -> (u16, String, Vec<u8>) {
    let reply = app
        .http
        .get(app.url(path))
        .header("cookie", format!("epass_session={}", s.applicant.cookie))
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let content_type = reply
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, reply.bytes().await.unwrap().to_vec())
}

/// The four numbers of the page's `/MediaBox [x0 y0 x1 y1]`.
fn media_box(pdf: &[u8]) -> Vec<f64> {
    let text = String::from_utf8_lossy(pdf);
    let start = text.find("/MediaBox [").expect("a MediaBox") + "/MediaBox [".len();
    let end = start + text[start..].find(']').unwrap();
    text[start..end]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

/// The text of a PDF as `pdftotext` (poppler-utils) extracts it.
fn extract_text(dir: &Path, pdf: &[u8], name: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed: .ci/run installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The page rendered at `dpi` by `pdftoppm` (poppler-utils), as PNG bytes.
fn render_png(dir: &Path, pdf_name: &str, dpi: u32) -> Vec<u8> {
    let prefix = dir.join(pdf_name.trim_end_matches(".pdf"));
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-singlefile", "-r", &dpi.to_string()])
        .arg(dir.join(pdf_name))
        .arg(&prefix)
        .output()
        .expect("pdftoppm (poppler-utils) is installed: .ci/run installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(prefix.with_extension("png")).unwrap()
}

#[tokio::test]
async fn a_pass_prints_on_a4_and_on_a_card_with_its_chinese_text_extractable() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let (pass_id, number) = issued_pass(&app, &s, "蒙K12345").await;
    // Kept, to look at: the files and their PNG renderings stay in the target folder.
    let dir = tempfile::Builder::new()
        .prefix("epass-pdf-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
        .keep();

    for (size, name, width, height) in [
        ("a4", "pass-a4.pdf", 595.0, 842.0),
        ("card", "pass-card.pdf", 242.65, 153.07),
    ] {
        let (status, content_type, pdf) = fetch(
            &app,
            &s,
            &format!("/api/v1/passes/{pass_id}/pdf?size={size}"),
        )
        .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
        assert_eq!(content_type, "application/pdf");
        assert!(pdf.starts_with(b"%PDF-"), "{size}");
        let mb = media_box(&pdf);
        assert_eq!(&mb[..2], &[0.0, 0.0]);
        assert!(
            (mb[2] - width).abs() < 0.1 && (mb[3] - height).abs() < 0.1,
            "{size}: {mb:?}"
        );
        assert!(
            pdf.len() < 300_000,
            "{size}: only a subset of the font is embedded ({} bytes)",
            pdf.len()
        );
        let text = extract_text(&dir, &pdf, name);
        for expected in [
            "张三",
            "蒙K12345",
            number.as_str(),
            "人员车辆电子通行证",
            "G210 测试段",
        ] {
            assert!(
                text.contains(expected),
                "{size}: {expected:?} missing from:\n{text}"
            );
        }
        assert!(
            text.contains("110*************2X"),
            "{size}: masked ID\n{text}"
        );
        assert!(
            !text.contains("11010519491231002X"),
            "never the full ID number"
        );
        // The printed QR code scans back to the very credential.
        let credential = app
            .get(
                &format!("/api/v1/passes/{pass_id}"),
                Auth::Session(&s.applicant),
            )
            .await
            .body["credential"]
            .as_str()
            .unwrap()
            .to_owned();
        // A scan of the print: the card's QR code is 31 mm wide, so scanned finer.
        let dpi = if size == "card" { 400 } else { 200 };
        let scanned = epass_credential::qr::decode_image(&render_png(&dir, name, dpi)).unwrap();
        assert_eq!(scanned, [credential], "{size}");
    }
    let (status, _, _) = fetch(&app, &s, &format!("/api/v1/passes/{pass_id}/pdf")).await;
    assert_eq!(status, 200, "A4 is the default");
    let (status, _, body) = fetch(
        &app,
        &s,
        &format!("/api/v1/passes/{pass_id}/pdf?size=letter"),
    )
    .await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    let stranger = app
        .get(
            &format!("/api/v1/passes/{pass_id}/pdf"),
            Auth::Session(&s.officer),
        )
        .await;
    assert_eq!(stranger.status, 403, "{}", stranger.body);
}

#[tokio::test]
async fn without_a_cjk_font_printing_answers_503_and_never_a_broken_pdf() {
    // No file there; a font without Chinese glyphs (DejaVu, when installed); a file not a font.
    let not_a_font = Path::new(env!("CARGO_TARGET_TMPDIR")).join("not-a-font.ttf");
    std::fs::write(&not_a_font, b"%PDF- not a font").unwrap();
    let mut paths = vec![
        std::path::PathBuf::from("/nonexistent/fonts/cjk.ttc"),
        not_a_font,
    ];
    let latin = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if latin.is_file() {
        paths.push(latin.to_owned());
    }
    for path in paths {
        let configured = path.clone();
        let app = spawn_app_with(move |state| {
            state.fonts = Arc::new(epass::pdf::FontSource::new(Some(configured), None));
        })
        .await;
        let s = setting(&app).await;
        let (pass_id, _) = issued_pass(&app, &s, "蒙K54321").await;
        let reply = app
            .get(
                &format!("/api/v1/passes/{pass_id}/pdf?size=card"),
                Auth::Session(&s.applicant),
            )
            .await;
        assert_eq!(reply.status, 503, "{}: {}", path.display(), reply.body);
        assert_eq!(reply.code(), "pdf.no_font");
        assert_eq!(reply.headers["content-type"], "application/problem+json");
        assert!(
            reply.body["detail_en"]
                .as_str()
                .unwrap()
                .contains("No CJK font configured"),
            "{}",
            reply.body
        );
    }
}

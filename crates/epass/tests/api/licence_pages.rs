//! The electronic driving licence pages on the demo data: the holder's front page (name,
//! classes, the credential's QR and the licence number's Code 128 barcode as SVG) and side
//! page, the PDF with both, a consent code made on its page that shows the relying party the
//! licence once and then refuses, the QR check without consent, and the counter issuing for a
//! new person with a photo taken there.

use epass::demo::DEMO_PASSWORD;

mod client;
mod office;

use crate::page_client::no_redirects;
pub use client::{anonymous, demo, get, post, post_multipart};

const HOLDER: &str = "13800000007";
const INSURER: &str = "13800000008";
const CLERK: &str = "13800000003";
const NUMBER: &str = "150621000007";

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in the page"))
        + start.len();
    let rest = &html[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Reads the barcode's bars back from the page's SVG rectangles and decodes them.
fn decode_barcode(html: &str) -> String {
    let svg = between(
        html,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"barcode\"",
        "</svg>",
    );
    let rects: Vec<(u32, u32)> = svg
        .split("<rect ")
        .skip(1)
        .filter(|r| r.contains("fill=\"#000\""))
        .map(|r| {
            let n = |name: &str| -> u32 {
                between(&format!(" {r}"), &format!(" {name}=\""), "\"")
                    .parse()
                    .unwrap()
            };
            (n("x"), n("width"))
        })
        .collect();
    let bars: Vec<code128::Bar> = rects
        .iter()
        .enumerate()
        .map(|(i, (x, w))| code128::Bar {
            width: u8::try_from(*w).unwrap(),
            space: u8::try_from(rects.get(i + 1).map_or(0, |(nx, _)| nx - x - w)).unwrap(),
        })
        .collect();
    code128::decode_str(&bars).unwrap()
}

#[tokio::test]
async fn the_front_page_shows_name_classes_qr_and_barcode_and_the_side_page_the_class_rules() {
    let app = demo().await;
    let holder = app.login(HOLDER, DEMO_PASSWORD).await;
    let home = get(&app, Some(&holder), "/").await;
    assert!(
        home.html.contains("href=\"/licences\""),
        "the home page links the licence"
    );

    let list = get(&app, Some(&holder), "/licences").await;
    assert_eq!(list.status, 200);
    assert!(
        list.html.contains(&format!("href=\"/licences/{NUMBER}\"")),
        "{}",
        list.html
    );

    let front = get(&app, Some(&holder), &format!("/licences/{NUMBER}")).await;
    assert_eq!(front.status, 200, "{}", front.html);
    let html = &front.html;
    assert!(html.contains("孙司机"));
    assert_eq!(between(html, "id=\"licence-classes\">", "<"), "A2 C1");
    assert_eq!(between(html, "id=\"licence-state\">", "<"), "有效");
    // The QR of the credential, drawn by the server as SVG, and the barcode of the number.
    let qr = between(html, "id=\"licence-qr\">", "</div>");
    assert!(qr.starts_with("<svg") && qr.contains("<path"), "{qr}");
    assert_eq!(decode_barcode(html), NUMBER);
    // The side page: address, office, points and what each class allows.
    assert!(html.contains("树林召镇"));
    assert!(html.contains("车辆管理所"));
    assert_eq!(between(html, "id=\"licence-points\">", "<"), "3 / 12");
    assert!(between(html, "id=\"class-rules\">", "</dl>").contains("<dt>C1</dt>"));
    // No inline styles or scripts (the CSP forbids them).
    assert!(!html.contains("style=") && !html.contains("<script"));

    // The photo is served to the holder; nobody else reads the licence.
    let issue = between(html, "src=\"/licences/issues/", "/photo");
    let photo = no_redirects()
        .get(app.url(&format!("/licences/issues/{issue}/photo")))
        .header("cookie", format!("epass_session={}", holder.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status().as_u16(), 200);
    assert_eq!(photo.headers()["content-type"], "image/png");
    let insurer = app.login(INSURER, DEMO_PASSWORD).await;
    assert_eq!(
        get(&app, Some(&insurer), &format!("/licences/{NUMBER}"))
            .await
            .status,
        403
    );
    // In English too.
    let en = get(&app, Some(&holder), &format!("/licences/{NUMBER}?lang=en")).await;
    assert!(en.html.contains("Side page") && en.html.contains(">Valid<"));
}

/// The text of a PDF as `pdftotext` (poppler-utils) extracts it.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("licence.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_licence_pdf_holds_the_front_and_side_pages_with_the_photo() {
    let app = demo().await;
    let holder = app.login(HOLDER, DEMO_PASSWORD).await;
    let resp = no_redirects()
        .get(app.url(&format!("/licences/{NUMBER}/pdf")))
        .header("cookie", format!("epass_session={}", holder.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // The photo is embedded as an image.
    assert!(pdf.windows(15).any(|w| w == b"/Subtype /Image"));
    // Kept, to look at: the file and its rendering stay in the target folder.
    let kept = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("licence-pages");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("licence.pdf"), &pdf).unwrap();
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-png", "-singlefile", "-r", "60"])
        .arg(kept.join("licence.pdf"))
        .arg(kept.join("licence"))
        .output()
        .expect("pdftoppm (poppler-utils) is installed");
    assert!(rendered.status.success());
    let text = pdf_text(&pdf);
    assert!(text.contains(NUMBER), "{text}");
    assert!(text.contains("孙司机"), "{text}");
    assert!(
        text.contains("副页") && text.contains("Side page"),
        "{text}"
    );
    assert!(text.contains("车辆管理所"), "{text}");
}

#[tokio::test]
async fn a_consent_code_page_then_the_relying_party_page_shows_the_licence_once_and_refuses_again()
{
    let app = demo().await;
    let holder = app.login(HOLDER, DEMO_PASSWORD).await;
    let insurer = app.login(INSURER, DEMO_PASSWORD).await;
    let path = format!("/licences/{NUMBER}/consent");
    let form = get(&app, Some(&holder), &path).await;
    assert_eq!(form.status, 200, "{}", form.html);
    let select = between(&form.html, "id=\"relying-party\"", "</select>");
    assert!(select.contains("达拉特旗安行保险营业部"), "{select}");
    let party = between(select, "<option value=\"", "\"").to_owned();

    let made = post(
        &app,
        &holder,
        &path,
        &[
            ("relying_party_id", &party),
            ("mode", "once"),
            ("minutes", "10"),
        ],
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.html);
    let code = between(&made.html, "id=\"consent-code\">", "<").to_owned();
    assert_eq!(code.len(), 10, "{code}");
    assert!(between(&made.html, "id=\"consent-qr\">", "</div>").starts_with("<svg"));
    assert!(made.html.contains("id=\"consent-expires\""));

    // The relying party's desk shows the licence with the code, once.
    let desk = get(&app, Some(&insurer), "/relying-party").await;
    assert_eq!(desk.status, 200);
    let seen = post(
        &app,
        &insurer,
        "/relying-party/view",
        &[("code", &code.to_lowercase())],
    )
    .await;
    assert_eq!(seen.status, 200, "{}", seen.html);
    assert_eq!(between(&seen.html, "id=\"seen-name\">", "<"), "孙司机");
    assert_eq!(between(&seen.html, "id=\"seen-classes\">", "<"), "A2 C1");
    assert!(!seen.html.contains("id=\"refusal\""));
    let again = post(&app, &insurer, "/relying-party/view", &[("code", &code)]).await;
    assert_eq!(again.status, 403);
    let refusal = between(&again.html, "id=\"refusal\"", "</section>");
    assert!(
        refusal.contains("已被使用") && refusal.contains("has been used"),
        "{refusal}"
    );
    assert!(!again.html.contains("孙司机"));
    let unknown = post(
        &app,
        &insurer,
        "/relying-party/view",
        &[("code", "NOTACODE42")],
    )
    .await;
    assert!(between(&unknown.html, "id=\"refusal\"", "</section>").contains("not right"));

    // The holder sees the one view, and withdraws a second code, which is then refused.
    let list = get(&app, Some(&holder), &path).await;
    assert!(
        list.html.contains("<span class=\"views\">1</span>"),
        "{}",
        list.html
    );
    let made = post(
        &app,
        &holder,
        &path,
        &[
            ("relying_party_id", &party),
            ("mode", "until_expiry"),
            ("minutes", "5"),
        ],
    )
    .await;
    let code = between(&made.html, "id=\"consent-code\">", "<").to_owned();
    let id = between(&made.html, "action=\"/licences/consents/", "/withdraw").to_owned();
    let withdrawn = post(
        &app,
        &holder,
        &format!("/licences/consents/{id}/withdraw"),
        &[("number", NUMBER)],
    )
    .await;
    assert_eq!(withdrawn.status, 303);
    let refused = post(&app, &insurer, "/relying-party/view", &[("code", &code)]).await;
    assert!(between(&refused.html, "id=\"refusal\"", "</section>").contains("withdrawn"));

    // Without a code: the QR checks valid, and nothing personal is shown.
    let credential = app
        .get(
            &format!("/api/v1/licences/{NUMBER}"),
            crate::helpers::Auth::Session(&holder),
        )
        .await
        .body["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    let verdict = post(
        &app,
        &insurer,
        "/relying-party/verify",
        &[("text", &credential)],
    )
    .await;
    assert_eq!(verdict.status, 200);
    assert!(between(&verdict.html, "id=\"verdict\"", "</section>").contains("有效"));
    assert!(!verdict.html.contains("孙司机"));
    // Only relying parties have the desk.
    assert_eq!(get(&app, Some(&holder), "/relying-party").await.status, 403);
}

#[tokio::test]
async fn a_new_photo_sent_from_the_page_waits_for_review_and_the_list_shows_its_deadline() {
    let app = demo().await;
    let holder = app.login(HOLDER, DEMO_PASSWORD).await;
    let form = get(&app, Some(&holder), "/licences?photo=new").await;
    assert_eq!(form.status, 200);
    assert!(form.html.contains("capture=\"user\"") && form.html.contains("accept=\"image/*\""));
    let pass_type = between(
        between(&form.html, "id=\"pass-type\"", "</select>"),
        "<option value=\"",
        "\"",
    )
    .to_owned();
    let photo = epass_credential::qr::render_png("a new photo", 4).unwrap();
    let fields = [
        ("pass_type_id", pass_type.as_str()),
        ("photo_source", "upload"),
        ("agreed", "yes"),
    ];
    // Without the agreement nothing is sent for review, and the page says why in both languages.
    let refused = post_multipart(&app, &holder, "/licences", &fields[..2], Some(&photo)).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    let reason = between(&refused.html, "id=\"refusal\"", "</section>");
    assert!(
        reason.contains("lang=\"zh-CN\"") && reason.contains("lang=\"en\""),
        "{reason}"
    );

    let sent = post_multipart(&app, &holder, "/licences", &fields, Some(&photo)).await;
    assert_eq!(sent.status, 303, "{}", sent.html);
    assert_eq!(sent.location, "/licences?done=photo_review");
    let list = get(&app, Some(&holder), &sent.location).await;
    assert!(list.html.contains("一个工作日内审核"), "{}", list.html);
    assert!(list.html.contains("照片审核中"));
    let deadline = between(&list.html, "id=\"review-deadline\">", "<");
    assert!(deadline.contains("审核期限: 20"), "{deadline}");
    // The licence in force stays usable meanwhile.
    assert!(list.html.contains(&format!("href=\"/licences/{NUMBER}\"")));
}

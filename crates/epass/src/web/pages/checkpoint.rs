//! The checkpoint officer's page: scan with the camera (a small script, where the browser has
//! BarcodeDetector), take a photo of the QR code (the phone opens its camera) or type the pass
//! number. The server reads the photo, checks with the same action as `POST /api/v1/checks` (so
//! the check is recorded), and answers full-screen: green for valid, red for not, amber when it
//! cannot be decided.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::multipart::{self, Part};
use super::{Chrome, Viewer, action_error, render};
use crate::actions::ActionError;
use crate::actions::checks::{self, CheckInput};
use crate::app::AppState;
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "check.html")]
struct CheckForm {
    c: Chrome,
    csrf: String,
    number: String,
}

#[derive(Template)]
#[template(path = "check_result.html")]
struct CheckAnswer {
    c: Chrome,
    /// `green`, `red` or `amber`.
    colour: &'static str,
    headline: String,
    reason: String,
    code: String,
    pass_number: String,
    plate: String,
    holder: String,
    masked_id: String,
}

/// `GET /check`.
pub async fn form(viewer: Viewer) -> Response {
    render(&CheckForm {
        c: viewer.chrome(),
        csrf: viewer.csrf.clone(),
        number: String::new(),
    })
}

fn form_again(viewer: &Viewer, status: StatusCode, message: String, number: String) -> Response {
    let mut response = render(&CheckForm {
        c: viewer.chrome().with_message(Some(message)),
        csrf: viewer.csrf.clone(),
        number,
    });
    *response.status_mut() = status;
    response
}

fn text_of(parts: &[Part], name: &str) -> String {
    parts
        .iter()
        .find(|p| p.name == name)
        .map(|p| String::from_utf8_lossy(&p.data).trim().to_owned())
        .unwrap_or_default()
}

/// `POST /check` (`multipart/form-data`): a photo of the QR code, or a typed pass number.
pub async fn check(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = viewer.lang;
    let c = viewer.chrome();
    let parts = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary)
        .and_then(|b| multipart::parse(&body, &b));
    let Some(parts) = parts else {
        let msg = c.t(
            "表单格式不正确，请重试。",
            "The form could not be read; try again.",
        );
        return form_again(
            &viewer,
            StatusCode::BAD_REQUEST,
            msg.to_owned(),
            String::new(),
        );
    };
    if let Err(refusal) = viewer.own_form(&headers, &text_of(&parts, "csrf")) {
        return refusal.into_response();
    }
    let number = text_of(&parts, "pass_number");
    let photo = parts
        .iter()
        .find(|p| p.name == "photo" && !p.data.is_empty())
        .map(|p| p.data.clone());
    let mut input = CheckInput {
        text: None,
        pass_number: None,
        checkpoint_id: None,
        longitude: None,
        latitude: None,
        checked_at: None,
        client_ref: None,
    };
    let scanned = text_of(&parts, "text");
    if !scanned.is_empty() {
        // Read by the page's scanning script from the camera.
        input.text = Some(scanned);
    } else if let Some(photo) = photo {
        // Decoding a phone photo takes tens of milliseconds of CPU: off the async workers.
        let found = tokio::task::spawn_blocking(move || epass_credential::qr::decode_image(&photo))
            .await
            .ok()
            .and_then(Result::ok)
            .and_then(|texts| texts.into_iter().next());
        match found {
            Some(text) => input.text = Some(text),
            None => {
                let msg = c.t(
                    "照片中未识别到二维码：请对准二维码重新拍摄，或输入通行证编号。",
                    "No QR code was found in the photo: take it again with the code in the frame, or type the pass number.",
                );
                return form_again(
                    &viewer,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    msg.to_owned(),
                    number,
                );
            }
        }
    } else if !number.is_empty() {
        input.pass_number = Some(number.clone());
    } else {
        let msg = c.t(
            "请拍摄二维码照片或输入通行证编号。",
            "Take a photo of the QR code or type the pass number.",
        );
        return form_again(
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            msg.to_owned(),
            number,
        );
    }
    let result = match checks::check(
        &state.db,
        &state.verifier,
        &state.check_log,
        &viewer.caller,
        &input,
    )
    .await
    {
        Ok(r) => r,
        Err(e @ ActionError::Invalid { .. }) => {
            return form_again(
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                super::message(&e, lang),
                number,
            );
        }
        Err(e) => return action_error(c, &e),
    };
    let (colour, zh, en) = match result.class {
        "valid" => ("green", "有效 · 放行", "VALID"),
        "undetermined" => (
            "amber",
            "无法确定 · 人工核查",
            "UNDETERMINED: check by hand",
        ),
        _ => ("red", "无效 · 禁止通行", "NOT VALID"),
    };
    render(&CheckAnswer {
        colour,
        headline: c.t(zh, en).to_owned(),
        reason: match lang {
            Lang::Zh => result.zh.to_owned(),
            Lang::En => result.en.to_owned(),
        },
        code: result.code.to_owned(),
        pass_number: result.pass_number.unwrap_or_default(),
        plate: result.plate.unwrap_or_default(),
        holder: result.holder_name.unwrap_or_default(),
        masked_id: result.masked_id.unwrap_or_default(),
        c,
    })
}

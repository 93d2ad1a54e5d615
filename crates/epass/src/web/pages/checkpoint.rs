//! The checkpoint officer's page: scan with the camera (a small script, where the browser has
//! BarcodeDetector), take a photo of the QR code (the phone opens its camera) or type the pass
//! number. The server reads the photo, checks with the same action as `POST /api/v1/checks` (so
//! the check is recorded), and answers full-screen: green for valid, red for not, amber when it
//! cannot be decided. The officer chooses their checkpoint once (remembered in a cookie) and, if
//! they allow it, the page's script sends the device's position; both are recorded with the check.

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::multipart::{self, Part};
use super::{Chrome, Viewer, action_error, render};
use crate::actions::ActionError;
use crate::actions::checks::{self, CheckInput};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::store::checkpoints::Checkpoint;
use crate::web::auth::cookie;

/// The cookie remembering the officer's checkpoint on this device.
const CHECKPOINT_COOKIE: &str = "epass_checkpoint";
/// The most checkpoints offered to choose from.
const CHECKPOINTS: i64 = 500;

#[derive(Template)]
#[template(path = "check.html")]
struct CheckForm {
    c: Chrome,
    csrf: String,
    number: String,
    checkpoints: Vec<(i64, String)>,
    /// The chosen checkpoint: `(id, name)`.
    chosen: Option<(i64, String)>,
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
    checkpoint: String,
    located: bool,
}

/// The live checkpoints the officer may choose from (none when they have no grant to read any).
async fn checkpoints(state: &AppState, viewer: &Viewer) -> Vec<Checkpoint> {
    match crate::actions::checkpoints::list(&state.db, &viewer.caller, 0, CHECKPOINTS).await {
        Ok(list) => list,
        Err(ActionError::Forbidden) => Vec::new(),
        Err(e) => {
            tracing::error!(error = %e, "listing checkpoints for the check page failed");
            Vec::new()
        }
    }
}

/// The checkpoint remembered on this device, if it is still one the officer may choose.
fn remembered(headers: &HeaderMap, list: &[Checkpoint]) -> Option<(i64, String)> {
    let id: i64 = cookie(headers, CHECKPOINT_COOKIE)?.parse().ok()?;
    list.iter()
        .find(|c| c.id == id)
        .map(|c| (c.id, c.name.clone()))
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    message: Option<String>,
    number: String,
) -> CheckForm {
    let list = checkpoints(state, viewer).await;
    CheckForm {
        c: viewer.chrome().with_message(message),
        csrf: viewer.csrf.clone(),
        number,
        chosen: remembered(headers, &list),
        checkpoints: list.into_iter().map(|c| (c.id, c.name)).collect(),
    }
}

/// `GET /check`.
pub async fn form(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap) -> Response {
    render(&form_page(&state, &viewer, &headers, None, String::new()).await)
}

async fn form_again(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    status: StatusCode,
    message: String,
    number: String,
) -> Response {
    let mut response = render(&form_page(state, viewer, headers, Some(message), number).await);
    *response.status_mut() = status;
    response
}

#[derive(Debug, Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    checkpoint_id: String,
}

/// `POST /check/checkpoint`: remembers the chosen checkpoint on this device for a year (an empty
/// choice forgets it).
pub async fn choose(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<ChooseForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    if !viewer
        .caller
        .has_role(crate::domain::roles::Role::CheckpointOfficer)
    {
        return action_error(viewer.chrome(), &ActionError::Forbidden);
    }
    let value = if form.checkpoint_id.trim().is_empty() {
        format!("{CHECKPOINT_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    } else {
        let list = checkpoints(&state, &viewer).await;
        match form.checkpoint_id.trim().parse::<i64>() {
            Ok(id) if list.iter().any(|c| c.id == id) => format!(
                "{CHECKPOINT_COOKIE}={id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"
            ),
            // Not a checkpoint of the officer's organisations (or none at all).
            _ => return action_error(viewer.chrome(), &ActionError::Forbidden),
        }
    };
    let mut response = Redirect::to("/check").into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The device's position from the page's hidden fields: both or neither; a half or unreadable
/// one is left for the action to refuse.
fn position(parts: &[Part]) -> (Option<f64>, Option<f64>) {
    let read = |name: &str| {
        let text = text_of(parts, name);
        if text.is_empty() {
            None
        } else {
            // An unreadable number becomes NaN, which the action refuses as out of range.
            Some(text.parse::<f64>().unwrap_or(f64::NAN))
        }
    };
    (read("longitude"), read("latitude"))
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
            &state,
            &viewer,
            &headers,
            StatusCode::BAD_REQUEST,
            msg.to_owned(),
            String::new(),
        )
        .await;
    };
    if let Err(refusal) = viewer.own_form(&headers, &text_of(&parts, "csrf")) {
        return refusal.into_response();
    }
    let number = text_of(&parts, "pass_number");
    let photo = parts
        .iter()
        .find(|p| p.name == "photo" && !p.data.is_empty())
        .map(|p| p.data.clone());
    // The checkpoint chosen on the page, or else the one remembered on this device; only one the
    // officer may choose is recorded.
    let list = checkpoints(&state, &viewer).await;
    let checkpoint = text_of(&parts, "checkpoint_id")
        .parse::<i64>()
        .ok()
        .and_then(|id| list.iter().find(|c| c.id == id))
        .map(|c| (c.id, c.name.clone()))
        .or_else(|| remembered(&headers, &list));
    let (longitude, latitude) = position(&parts);
    let mut input = CheckInput {
        text: None,
        pass_number: None,
        checkpoint_id: checkpoint.as_ref().map(|c| c.0),
        longitude,
        latitude,
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
                    &state,
                    &viewer,
                    &headers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    msg.to_owned(),
                    number,
                )
                .await;
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
            &state,
            &viewer,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            msg.to_owned(),
            number,
        )
        .await;
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
                &state,
                &viewer,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                super::message(&e, lang),
                number,
            )
            .await;
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
        checkpoint: checkpoint.map(|c| c.1).unwrap_or_default(),
        located: input.longitude.is_some(),
        c,
    })
}

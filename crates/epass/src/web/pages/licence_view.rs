//! One electronic driving licence (`/licences/{number}`): the front page (photo, name, number,
//! class codes, validity, the time the page was generated, the credential's QR code and a
//! Code 128 barcode of the number, both as SVG drawn by the server) and the side page (address,
//! issuing office, points, what each class allows), its state plain to see (suspended or
//! revoked in red, with the reason); and the same as a PDF (`/licences/{number}/pdf`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::format::minute;
use super::licences::state_label;
use super::{Chrome, DoneQuery, Viewer, action_error, error_page, render};
use crate::actions::ActionError;
use crate::actions::licences::{self as actions, LicenceView};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::pdf::LicenceSheet;
use crate::store::{now_ms, relying_parties};

#[derive(Template)]
#[template(path = "licence.html")]
struct LicencePage {
    c: Chrome,
    l: LicenceView,
    state: String,
    /// `valid`, `suspended`, `revoked` or `pending`: the colour of the state.
    state_class: &'static str,
    reason: Option<String>,
    generated: String,
    qr_svg: String,
    barcode_svg: String,
    /// The viewer holds the licence (the office reads it too, without the holder's links).
    holder: bool,
    /// `(code, rule)` in the reader's language.
    rules: Vec<(String, String)>,
}

fn state_class(status: &str) -> &'static str {
    match status {
        "active" => "valid",
        "suspended" => "suspended",
        "revoked" => "revoked",
        _ => "pending",
    }
}

/// The QR code of a credential as inline SVG (without the XML declaration).
fn qr_svg(credential: Option<&str>) -> String {
    credential
        .and_then(|c| epass_credential::qr::render_svg(c).ok())
        .map(|svg| {
            svg.find("<svg")
                .map_or(svg.clone(), |at| svg[at..].to_owned())
        })
        .unwrap_or_default()
}

/// The licence with the reason it is not in force, if it is not.
async fn load(
    state: &AppState,
    viewer: &Viewer,
    number: &str,
) -> Result<(LicenceView, Option<String>), ActionError> {
    let l = actions::get(&state.db, &viewer.caller, number).await?;
    let reason = match (&l.pass_number, l.status.as_str()) {
        (Some(n), "suspended" | "revoked") => {
            relying_parties::status_reason(state.db.pool(), n).await?
        }
        _ => None,
    };
    Ok((l, reason))
}

/// `GET /licences/{number}`: the front page and the side page.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(number): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let c = viewer.chrome();
    let done = (q.done.as_deref() == Some("issued")).then(|| {
        c.t("电子驾驶证已签发。", "Your electronic licence was issued.")
            .to_owned()
    });
    let c = c.with_message(done);
    let (l, reason) = match load(&state, &viewer, &number).await {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    let lang = c.lang();
    let rules = l
        .class_rules
        .iter()
        .map(|r| {
            let text = match lang {
                Lang::Zh => r.zh.clone(),
                Lang::En => r.en.clone(),
            };
            (r.code.clone(), text)
        })
        .collect();
    let label = format!(
        "{} {}",
        c.t("驾驶证号条码", "Barcode of licence number"),
        l.licence_number
    );
    render(&LicencePage {
        state: state_label(&l.status, lang),
        state_class: state_class(&l.status),
        reason,
        generated: minute(now_ms()),
        qr_svg: qr_svg(l.credential.as_deref()),
        barcode_svg: crate::pdf::barcode::svg(&l.licence_number, 48, &label),
        holder: viewer.caller.user_id == holder_of(&state, &l).await,
        rules,
        l,
        c,
    })
}

/// The holder's user id of a licence issue (0 when it cannot be read).
async fn holder_of(state: &AppState, l: &LicenceView) -> i64 {
    crate::store::licences::get(state.db.pool(), l.issue_id)
        .await
        .map_or(0, |i| i.holder_id)
}

fn sheet(l: &LicenceView, reason: Option<&str>, photo: Option<Vec<u8>>) -> LicenceSheet {
    let state = format!(
        "{} {}",
        state_label(&l.status, Lang::Zh),
        state_label(&l.status, Lang::En)
    );
    let notice =
        matches!(l.status.as_str(), "suspended" | "revoked" | "pending").then(|| match reason {
            Some(r) => format!("{state}：{r}"),
            None => state.clone(),
        });
    LicenceSheet {
        licence_number: l.licence_number.clone(),
        holder_name: l.holder_name.clone(),
        classes: l.classes.clone(),
        valid: format!("{} 至 {}", l.valid_from, l.valid_until),
        issuing_office: l.issuing_office.clone(),
        address: l.address.clone(),
        points: l.points,
        class_rules: l
            .class_rules
            .iter()
            .map(|r| (r.code.clone(), r.zh.clone(), r.en.clone()))
            .collect(),
        generated_at: format!("{} (UTC+8)", minute(now_ms())),
        state,
        notice,
        credential: l.credential.clone(),
        photo,
    }
}

/// `GET /licences/{number}/pdf`: the front page and the side page on one A4 page.
pub async fn pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(number): Path<String>,
) -> Response {
    let c = viewer.chrome();
    let (l, reason) = match load(&state, &viewer, &number).await {
        Ok(found) => found,
        Err(e) => return action_error(c, &e),
    };
    let photo = actions::photo(&state.db, &state.documents, &viewer.caller, l.issue_id)
        .await
        .ok()
        .map(|p| p.bytes);
    let sheet = sheet(&l, reason.as_deref(), photo);
    let fonts = state.fonts.clone();
    // Decoding the photo and subsetting the font are blocking work: off the async workers.
    let rendered = tokio::task::spawn_blocking(move || {
        fonts
            .get()
            .map(|font| crate::pdf::render_licence(&sheet, &font))
    })
    .await;
    let bytes = match rendered {
        Ok(Ok(Ok(bytes))) => bytes,
        Ok(Err(e)) => {
            // No usable CJK font: the administrator's to fix.
            tracing::warn!(error = %e, "no font for the licence PDF");
            let msg = c
                .t(
                    "暂时无法生成 PDF（未配置中文字体），请联系管理员。",
                    "The PDF cannot be made now (no CJK font is configured); tell the administrator.",
                )
                .to_owned();
            return error_page(c, StatusCode::SERVICE_UNAVAILABLE, msg);
        }
        Ok(Ok(Err(e))) => {
            let e = ActionError::Internal(format!("PDF of licence {number}: {e}"));
            return action_error(c, &e);
        }
        Err(e) => {
            let e = ActionError::Internal(format!("PDF of licence {number}: {e}"));
            return action_error(c, &e);
        }
    };
    let disposition = format!("inline; filename=\"licence-{}.pdf\"", l.licence_number);
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                // Licence numbers are digits: always a valid header value.
                HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("inline")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response()
}

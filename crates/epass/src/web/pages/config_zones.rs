//! `/config/zones`: an authority's zones and road sections on one server-drawn SVG map with
//! their labels, listed a page at a time; a GeoJSON FeatureCollection uploaded (file or pasted)
//! through the same all-or-nothing import as `/api/v1/zones/import`, every refused feature
//! listed with why; retiring one after ticking a confirmation.

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::config::{self, ConfigQuery, RetireForm, Tabs, over_authority};
use super::format::minute;
use super::map_svg::{self, Shape};
use super::{Chrome, Viewer, action_error, multipart, render, render_unprocessable};
use crate::actions::zones::{self as actions, ImportOutcome, WRITE_ROLES};
use crate::actions::{ActionError, ActionResult};
use crate::app::AppState;
use crate::domain::zones::{Zone, ZoneKind};
use crate::i18n::Lang;

#[derive(Debug)]
struct Row {
    id: i64,
    kind: &'static str,
    kind_label: &'static str,
    name_zh: String,
    name_en: String,
    corridor: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "config_zones.html")]
struct ZonesPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    map: Option<String>,
    span_km: String,
    count: usize,
    rows: Vec<Row>,
    next: Option<i64>,
    can_write: bool,
    text: String,
    /// Refused features: (index, why).
    errors: Vec<(usize, String)>,
    upload_error: Option<String>,
}

/// A zone's name in the reader's language.
pub fn zone_name(z: &Zone, lang: Lang) -> String {
    match lang {
        Lang::En => z.name_en.clone().unwrap_or_else(|| z.name_zh.clone()),
        Lang::Zh => z.name_zh.clone(),
    }
}

/// A zone or road section for the map.
pub fn shape(z: &Zone, lang: Lang) -> Shape<'_> {
    Shape {
        id: z.id,
        label: zone_name(z, lang),
        kind: z.kind,
        geometry: &z.geometry,
        corridor_m: z.corridor_m,
    }
}

pub fn kind_label(kind: ZoneKind, lang: Lang) -> &'static str {
    match kind {
        ZoneKind::Zone => config::pick(lang, "区域", "Zone"),
        ZoneKind::RoadSection => config::pick(lang, "路段", "Road section"),
    }
}

/// The page of `authority`'s zones, the upload form showing `text`.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    authority: Option<i64>,
    after: i64,
    c: Chrome,
) -> ActionResult<ZonesPage> {
    let lang = viewer.lang;
    let scope = config::scope(state, viewer, authority).await?;
    let zones = actions::list(&state.db, scope.authority.id).await?;
    let shapes: Vec<Shape<'_>> = zones.iter().map(|z| shape(z, lang)).collect();
    let title = format!(
        "{} · {}",
        scope.authority.name,
        config::pick(lang, "区域与路段地图", "map of zones and road sections")
    );
    let map = map_svg::draw(&shapes, &[], &title);
    let span_km = map_svg::span_km(&shapes)
        .map(|km| format!("{km:.1}"))
        .unwrap_or_default();
    let count = zones.len();
    let (page, next) = config::page_of(zones, after, |z| z.id);
    let rows = page
        .iter()
        .map(|z| Row {
            id: z.id,
            kind: z.kind.as_str(),
            kind_label: kind_label(z.kind, lang),
            name_zh: z.name_zh.clone(),
            name_en: z.name_en.clone().unwrap_or_default(),
            corridor: z.corridor_m.map(|m| format!("{m} m")).unwrap_or_default(),
            updated: minute(z.updated_at),
        })
        .collect();
    Ok(ZonesPage {
        c,
        can_write: over_authority(viewer, &scope.authority, &WRITE_ROLES),
        tabs: Tabs::new("zones", scope),
        csrf: viewer.csrf.clone(),
        map,
        span_km,
        count,
        rows,
        next,
        text: String::new(),
        errors: Vec::new(),
        upload_error: None,
    })
}

/// `GET /config/zones`: the map, the list and the upload form.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ConfigQuery>,
) -> Response {
    let c = config::chrome(&viewer, config::notice(q.done.as_deref(), viewer.lang));
    let after = q.after.unwrap_or(0).max(0);
    match page(&state, &viewer, q.authority, after, c).await {
        Ok(p) => render(&p),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// `POST /config/zones/import`: a GeoJSON FeatureCollection from a file or the textarea.
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = viewer.lang;
    let parts = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary)
        .and_then(|b| multipart::parse(&body, &b));
    let Some(parts) = parts else {
        let e = ActionError::invalid_msg(
            "form",
            "form.unreadable",
            "表单格式不正确，请重试。",
            "The form could not be read; try again.",
        );
        return action_error(viewer.chrome(), &e);
    };
    if let Err(refusal) = viewer.own_form(&headers, &config::part_text(&parts, "csrf")) {
        return refusal.into_response();
    }
    let authority = config::part_text(&parts, "authority").trim().parse().ok();
    let text = config::file_or_text(&parts, "geojson", "text");
    let scope = match config::scope(&state, &viewer, authority).await {
        Ok(s) => s,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let authority_id = scope.authority.id;
    let outcome = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(collection) => {
            actions::import(
                &state.db,
                &state.pii,
                &viewer.caller,
                authority_id,
                &collection,
            )
            .await
        }
        Err(e) => Err(ActionError::invalid_msg(
            "features",
            "zone.not_json",
            &format!("上传的内容不是有效的 JSON（{e}）。"),
            &format!("The upload is not valid JSON ({e})."),
        )),
    };
    let (errors, upload_error) = match outcome {
        Ok(ImportOutcome::Imported(_)) => {
            return Redirect::to(&format!(
                "/config/zones?authority={authority_id}&done=imported"
            ))
            .into_response();
        }
        Ok(ImportOutcome::Rejected(errors)) => {
            let n = errors.len();
            let rows = errors
                .into_iter()
                .map(|e| (e.index, if lang == Lang::En { e.en } else { e.zh }))
                .collect();
            let summary = match lang {
                Lang::Zh => format!("{n} 个要素有误，未导入任何内容。"),
                Lang::En => format!("{n} features are wrong; nothing was imported."),
            };
            (rows, summary)
        }
        Err(e @ (ActionError::Invalid { .. } | ActionError::Conflict(_))) => {
            (Vec::new(), super::message(&e, lang))
        }
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    match page(
        &state,
        &viewer,
        Some(authority_id),
        0,
        config::chrome(&viewer, None),
    )
    .await
    {
        Ok(mut p) => {
            p.text = text;
            p.errors = errors;
            p.upload_error = Some(upload_error);
            render_unprocessable(&p)
        }
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// `POST /config/zones/{id}/retire`: retires the zone once the box is ticked.
pub async fn retire(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RetireForm>,
) -> Response {
    if let Err(refusal) = viewer.own_form(&headers, &form.csrf) {
        return refusal.into_response();
    }
    if !config::confirmed(&form.confirm) {
        return action_error(config::chrome(&viewer, None), &config::unconfirmed());
    }
    match actions::retire(&state.db, &state.pii, &viewer.caller, id).await {
        Ok((zone, _)) => Redirect::to(&format!(
            "/config/zones?authority={}&done=retired",
            zone.authority_id
        ))
        .into_response(),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

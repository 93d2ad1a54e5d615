//! `/config/checkpoints`: the checkpoints (卡口) of the viewer's organisations, a page at a time
//! and on the map among the authority's zones; a form to add one (name, position, owning
//! organisation, the zones and road sections it guards); retiring one after ticking a
//! confirmation. The same actions as `/api/v1/checkpoints`.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::config::{self, ConfigQuery, RetireForm, Tabs};
use super::config_zones::{shape, zone_name};
use super::map_svg::{self, Marker, Shape};
use super::{Chrome, Viewer, action_error, render, render_unprocessable};
use crate::actions::checkpoints::{self as actions, CheckpointInput};
use crate::actions::{ActionError, ActionResult, zones};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::store::orgs;

/// Most checkpoints drawn on the map.
const MAP_LIMIT: i64 = 500;

#[derive(Debug)]
struct Row {
    id: i64,
    name: String,
    org: String,
    position: String,
    guards: String,
    can_retire: bool,
}

/// The create form's values, as posted and shown again.
#[derive(Debug, Default)]
struct NewForm {
    org_id: String,
    name: String,
    longitude: String,
    latitude: String,
    guards: Vec<i64>,
}

#[derive(Template)]
#[template(path = "config_checkpoints.html")]
struct CheckpointsPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    map: Option<String>,
    rows: Vec<Row>,
    next: Option<i64>,
    /// Organisations the viewer may add checkpoints to (system admin over them).
    orgs: Vec<(i64, String)>,
    /// The authority's live zones, `(id, name)`.
    zones: Vec<(i64, String)>,
    form: NewForm,
    field_error: Option<(String, String)>,
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    authority: Option<i64>,
    after: i64,
    c: Chrome,
) -> ActionResult<CheckpointsPage> {
    let lang = viewer.lang;
    let scope = config::scope(state, viewer, authority).await?;
    let live = zones::list(&state.db, scope.authority.id).await?;
    let all = actions::list(&state.db, &viewer.caller, 0, MAP_LIMIT).await?;
    let limit = i64::try_from(config::PER_PAGE).unwrap_or(20) + 1;
    let found = actions::list(&state.db, &viewer.caller, after, limit).await?;
    let (found, next) = config::page_of(found, after, |c| c.id);
    let admin_paths = viewer.caller.paths_for(&[Role::SystemAdmin]);
    let admin_orgs = orgs::list_in_subtrees(state.db.pool(), &admin_paths, 0, 500).await?;
    let mut org_names: HashMap<i64, String> =
        admin_orgs.iter().map(|o| (o.id, o.name.clone())).collect();
    for cp in &found {
        if !org_names.contains_key(&cp.org_id) {
            let org = orgs::get(state.db.pool(), cp.org_id).await?;
            org_names.insert(org.id, org.name);
        }
    }
    let zone_names: HashMap<i64, String> =
        live.iter().map(|z| (z.id, zone_name(z, lang))).collect();
    let rows = found
        .iter()
        .map(|cp| Row {
            id: cp.id,
            name: cp.name.clone(),
            org: org_names.get(&cp.org_id).cloned().unwrap_or_default(),
            position: format!("{:.5}, {:.5}", cp.longitude, cp.latitude),
            guards: cp
                .guards
                .iter()
                .map(|g| zone_names.get(g).cloned().unwrap_or_else(|| g.to_string()))
                .collect::<Vec<_>>()
                .join(config::pick(lang, "、", ", ")),
            can_retire: admin_orgs.iter().any(|o| o.id == cp.org_id),
        })
        .collect();
    let shapes: Vec<Shape<'_>> = live.iter().map(|z| shape(z, lang)).collect();
    let markers: Vec<Marker> = all
        .iter()
        .map(|cp| Marker {
            id: cp.id,
            label: cp.name.clone(),
            lon: cp.longitude,
            lat: cp.latitude,
        })
        .collect();
    let title = config::pick(lang, "卡口与区域地图", "map of checkpoints and zones");
    Ok(CheckpointsPage {
        c,
        tabs: Tabs::new("checkpoints", scope),
        csrf: viewer.csrf.clone(),
        map: map_svg::draw(&shapes, &markers, title),
        rows,
        next,
        orgs: admin_orgs.into_iter().map(|o| (o.id, o.name)).collect(),
        zones: live.iter().map(|z| (z.id, zone_name(z, lang))).collect(),
        form: NewForm::default(),
        field_error: None,
    })
}

/// `GET /config/checkpoints`: the list, the map and the form.
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

fn number(field: &'static str, s: &str) -> Result<f64, ActionError> {
    s.trim().parse::<f64>().map_err(|_| {
        ActionError::invalid_msg(field, "form.number", "请填写数字。", "Enter a number.")
    })
}

/// The form's values as the action takes them.
fn input(form: &NewForm) -> Result<CheckpointInput, ActionError> {
    Ok(CheckpointInput {
        org_id: form.org_id.trim().parse().map_err(|_| {
            ActionError::invalid_msg(
                "org_id",
                "checkpoint.org",
                "请选择所属单位。",
                "Choose the organisation.",
            )
        })?,
        name: form.name.clone(),
        longitude: number("longitude", &form.longitude)?,
        latitude: number("latitude", &form.latitude)?,
        guards: form.guards.clone(),
    })
}

/// `POST /config/checkpoints`: adds a checkpoint; the list again saying what was wrong.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Err(refusal) = viewer.own_form(&headers, &field("csrf")) {
        return refusal.into_response();
    }
    let form = NewForm {
        org_id: field("org_id"),
        name: field("name"),
        longitude: field("longitude"),
        latitude: field("latitude"),
        guards: pairs
            .iter()
            .filter(|(k, _)| k == "guards")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect(),
    };
    let input = input(&form);
    let result = match input {
        Ok(input) => actions::create(&state.db, &viewer.caller, &input).await,
        Err(e) => Err(e),
    };
    let authority = field("authority").trim().parse().ok();
    let e = match result {
        Ok(cp) => {
            let scope = authority
                .map(|a: i64| format!("authority={a}&"))
                .unwrap_or_default();
            return Redirect::to(&format!(
                "/config/checkpoints?{scope}done=checkpoint#checkpoint-{}",
                cp.id
            ))
            .into_response();
        }
        Err(e @ ActionError::Invalid { .. }) => e,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    match page(&state, &viewer, authority, 0, config::chrome(&viewer, None)).await {
        Ok(mut p) => {
            if let ActionError::Invalid { field, .. } = &e {
                p.field_error = Some(((*field).to_owned(), super::message(&e, viewer.lang)));
            }
            p.form = form;
            render_unprocessable(&p)
        }
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// `POST /config/checkpoints/{id}/retire`: retires the checkpoint once the box is ticked.
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
    match actions::retire(&state.db, &viewer.caller, id).await {
        Ok(_) => Redirect::to("/config/checkpoints?done=retired").into_response(),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

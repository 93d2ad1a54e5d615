//! `/config/truck-restrictions`: a city's truck restrictions — the version in force (or one
//! chosen from the versions list) with its zones and road sections on the same SVG map as the
//! zones page, each rule's vehicle classes, weight threshold and hours by day type; the versions
//! a page at a time; publishing a new version from an uploaded or pasted JSON document with an
//! effective date, a mistake said plainly with nothing published. The same actions as
//! `/api/v1/truck-restrictions`.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::config::{self, ConfigQuery, Tabs, over_authority};
use super::format::minute;
use super::map_svg::{self, Shape};
use super::{Chrome, Viewer, action_error, multipart, render, render_unprocessable};
use crate::actions::truck_restrictions::{self as actions, PublishInput, Version, WRITE_ROLES};
use crate::actions::{ActionError, ActionResult};
use crate::app::AppState;
use crate::domain::trucks::{DayType, Restrictions, Rule};
use crate::domain::zones::ZoneKind;
use crate::i18n::Lang;
use crate::store::now_ms;

#[derive(Debug)]
struct RuleRow {
    id: String,
    name: String,
    areas: String,
    classes: String,
    weight: String,
    /// Hours on workdays, weekends and holidays.
    hours: Vec<String>,
    pass_lifts: bool,
}

#[derive(Debug)]
struct VersionRow {
    version: i64,
    effective_from: String,
    note: String,
    created: String,
    state: &'static str,
    state_label: &'static str,
}

/// The version shown.
#[derive(Debug)]
struct Shown {
    version: i64,
    /// The version in force now.
    current: bool,
    effective_from: String,
    note: String,
    map: Option<String>,
    rules: Vec<RuleRow>,
}

#[derive(Template)]
#[template(path = "config_trucks.html")]
struct TrucksPage {
    c: Chrome,
    tabs: Tabs,
    csrf: String,
    shown: Option<Shown>,
    /// `None` when the viewer may not read the versions.
    versions: Option<Vec<VersionRow>>,
    next: Option<i64>,
    day_types: Vec<&'static str>,
    can_write: bool,
    text: String,
    effective_from: String,
    note: String,
    publish_error: Option<String>,
}

fn rule_row(r: &Rule, names: &HashMap<u32, String>, lang: Lang) -> RuleRow {
    let sep = config::pick(lang, "、", ", ");
    let classes = if r.classes.is_empty() {
        config::pick(lang, "所有货车", "all trucks").to_owned()
    } else {
        r.classes
            .iter()
            .map(|c| c.label(lang))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let hours = DayType::ALL
        .iter()
        .map(|d| {
            let h = r.hours_on(*d);
            if h.is_empty() {
                "—".to_owned()
            } else if h.iter().any(|h| h.is_all_day()) {
                config::pick(lang, "全天", "all day").to_owned()
            } else {
                h.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(sep)
            }
        })
        .collect();
    RuleRow {
        id: r.id.clone(),
        name: r.name(lang).to_owned(),
        areas: r
            .areas
            .iter()
            .map(|a| names.get(a).cloned().unwrap_or_else(|| a.to_string()))
            .collect::<Vec<_>>()
            .join(sep),
        classes,
        weight: r
            .over_weight_kg
            .map(|w| format!("> {w} kg"))
            .unwrap_or_default(),
        hours,
        pass_lifts: r.pass_lifts,
    }
}

fn shown(v: &Version, lang: Lang) -> ActionResult<Shown> {
    // Stored versions were checked when published.
    let parsed = Restrictions::parse(&v.document).map_err(|e| {
        ActionError::Internal(format!("stored truck restrictions {}: {e}", v.version))
    })?;
    let names: HashMap<u32, String> = parsed
        .areas
        .iter()
        .map(|a| (a.id, a.name(lang).to_owned()))
        .collect();
    let features = parsed
        .areas_geojson
        .get("features")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let shapes: Vec<Shape<'_>> = features
        .iter()
        .filter_map(|f| {
            let props = f.get("properties")?;
            let id = props.get("id").and_then(Value::as_i64)?;
            let kind = props
                .get("kind")
                .and_then(Value::as_str)
                .and_then(ZoneKind::parse)?;
            let label = u32::try_from(id)
                .ok()
                .and_then(|i| names.get(&i).cloned())
                .unwrap_or_default();
            Some(Shape {
                id,
                label,
                kind,
                geometry: f.get("geometry")?,
                corridor_m: props.get("corridor_width_m").and_then(Value::as_f64),
            })
        })
        .collect();
    let title = config::pick(lang, "限行区域与路段", "restricted zones and road sections");
    Ok(Shown {
        version: v.version,
        current: false,
        effective_from: minute(v.effective_from),
        note: v.note.clone().unwrap_or_default(),
        map: map_svg::draw(&shapes, &[], title),
        rules: parsed
            .rules
            .iter()
            .map(|r| rule_row(r, &names, lang))
            .collect(),
    })
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    q: &ConfigQuery,
    c: Chrome,
) -> ActionResult<TrucksPage> {
    let lang = viewer.lang;
    let scope = config::scope(state, viewer, q.authority).await?;
    let city = scope.authority.id.to_string();
    let current = match actions::current(&state.db, &city).await {
        Ok(v) => Some(v),
        Err(ActionError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let all = match actions::versions(&state.db, &viewer.caller, &city).await {
        Ok(all) => Some(all),
        Err(ActionError::Forbidden) => None,
        Err(e) => return Err(e),
    };
    let chosen = q
        .version
        .and_then(|n| all.as_ref()?.iter().find(|v| v.version == n).cloned());
    let in_force = current.as_ref().map(|v| v.version);
    let shown = match chosen.as_ref().or(current.as_ref()) {
        Some(v) => Some(Shown {
            current: Some(v.version) == in_force,
            ..shown(v, lang)?
        }),
        None => None,
    };
    let now = now_ms();
    let (versions, next) = match all {
        None => (None, None),
        Some(all) => {
            // Newest first: the page continues below the last version shown.
            let before = q.after.filter(|a| *a > 0).unwrap_or(i64::MAX);
            let mut rows: Vec<Version> = all.into_iter().filter(|v| v.version < before).collect();
            let next = if rows.len() > config::PER_PAGE {
                rows.truncate(config::PER_PAGE);
                rows.last().map(|v| v.version)
            } else {
                None
            };
            let rows = rows
                .iter()
                .map(|v| {
                    let (state, zh, en) = if Some(v.version) == in_force {
                        ("in_force", "现行", "In force")
                    } else if v.effective_from > now {
                        ("scheduled", "待生效", "Scheduled")
                    } else {
                        ("superseded", "已被取代", "Superseded")
                    };
                    VersionRow {
                        version: v.version,
                        effective_from: minute(v.effective_from),
                        note: v.note.clone().unwrap_or_default(),
                        created: minute(v.created_at),
                        state,
                        state_label: config::pick(lang, zh, en),
                    }
                })
                .collect();
            (Some(rows), next)
        }
    };
    Ok(TrucksPage {
        c,
        can_write: over_authority(viewer, &scope.authority, &WRITE_ROLES),
        tabs: Tabs::new("trucks", scope),
        csrf: viewer.csrf.clone(),
        shown,
        versions,
        next,
        day_types: DayType::ALL.iter().map(|d| d.label(lang)).collect(),
        text: String::new(),
        effective_from: String::new(),
        note: String::new(),
        publish_error: None,
    })
}

/// `GET /config/truck-restrictions`: the version in force (or `?version=`), the versions and
/// the form to publish a new one.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ConfigQuery>,
) -> Response {
    let c = config::chrome(&viewer, config::notice(q.done.as_deref(), viewer.lang));
    match page(&state, &viewer, &q, c).await {
        Ok(p) => render(&p),
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

/// A `datetime-local` value (China time) as RFC 3339; anything else is passed on as typed.
fn effective(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let local = s.len() == 16 && s.as_bytes().get(10) == Some(&b'T');
    Some(if local {
        format!("{s}:00+08:00")
    } else {
        s.to_owned()
    })
}

/// `POST /config/truck-restrictions`: publishes a new version from the uploaded or pasted JSON.
pub async fn publish(
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
    let q = ConfigQuery {
        authority: config::part_text(&parts, "authority").trim().parse().ok(),
        ..ConfigQuery::default()
    };
    let text = config::file_or_text(&parts, "document", "text");
    let effective_from = config::part_text(&parts, "effective_from");
    let note = config::part_text(&parts, "note");
    let scope = match config::scope(&state, &viewer, q.authority).await {
        Ok(s) => s,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    let result = match serde_json::from_str::<Value>(&text) {
        Ok(document) => {
            let input = PublishInput {
                city: scope.authority.id.to_string(),
                effective_from: effective(&effective_from),
                note: Some(note.clone()),
                document,
            };
            actions::publish(&state.db, &viewer.caller, &input).await
        }
        Err(e) => Err(ActionError::invalid_msg(
            "document",
            "trucks.not_json",
            &format!("文档不是有效的 JSON（{e}）。"),
            &format!("The document is not valid JSON ({e})."),
        )),
    };
    let e = match result {
        Ok(_) => {
            return Redirect::to(&format!(
                "/config/truck-restrictions?authority={}&done=published",
                scope.authority.id
            ))
            .into_response();
        }
        Err(e @ ActionError::Invalid { .. }) => e,
        Err(e) => return action_error(viewer.chrome(), &e),
    };
    match page(&state, &viewer, &q, config::chrome(&viewer, None)).await {
        Ok(mut p) => {
            p.publish_error = Some(super::message(&e, lang));
            p.text = text;
            p.effective_from = effective_from;
            p.note = note;
            render_unprocessable(&p)
        }
        Err(e) => action_error(viewer.chrome(), &e),
    }
}

//! What the authority's configuration pages (`/config/...`: pass types, zones and road sections,
//! checkpoints, truck restrictions) share: who may open them (system admins and authority
//! reviewers), which authority a page is about, the tabs, and the plain words for kinds.
//! Each page is a thin handler over the same actions as the JSON API; the actions decide who
//! may change what.

use epass_credential::Kind;
use serde::Deserialize;

use super::{Chrome, Viewer};
use crate::actions::{ActionError, ActionResult};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::i18n::Lang;
use crate::store::orgs::{self, Org};

/// Roles that open the configuration pages.
pub const CONFIG_ROLES: [Role; 2] = [Role::SystemAdmin, Role::AuthorityReviewer];
/// Rows per page of every configuration list.
pub const PER_PAGE: usize = 20;

/// `?authority=` (which authority, among the viewer's) and `?after=` (the page).
#[derive(Debug, Default, Deserialize)]
pub struct ConfigQuery {
    pub authority: Option<i64>,
    pub after: Option<i64>,
    pub done: Option<String>,
    /// The truck restrictions page: which version to show.
    pub version: Option<i64>,
    /// The new pass type form: the type to start from.
    pub from: Option<i64>,
}

/// A page's authority and the others the viewer may switch to.
#[derive(Debug)]
pub struct Scope {
    pub authority: Org,
    pub others: Vec<(i64, String)>,
}

/// Whether the viewer holds a role of the configuration pages anywhere.
pub fn may_configure(viewer: &Viewer) -> bool {
    CONFIG_ROLES.iter().any(|r| viewer.caller.has_role(*r))
}

/// The id of the root of a materialised path `/1/4/`.
pub fn root_of(path: &str) -> Option<i64> {
    path.trim_matches('/').split('/').next()?.parse().ok()
}

/// The authorities in which the viewer holds a configuration role, by id.
pub fn authority_ids(viewer: &Viewer) -> Vec<i64> {
    let mut ids: Vec<i64> = viewer
        .caller
        .grants
        .iter()
        .filter(|g| CONFIG_ROLES.contains(&g.role))
        .filter_map(|g| root_of(&g.org_path))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The authority a page is about: the one asked for if it is one of the viewer's, else the
/// first. `Forbidden` for anyone without a configuration role.
pub async fn scope(state: &AppState, viewer: &Viewer, asked: Option<i64>) -> ActionResult<Scope> {
    let ids = authority_ids(viewer);
    let chosen = match asked {
        Some(id) if ids.contains(&id) => id,
        Some(_) => return Err(ActionError::Forbidden),
        None => *ids.first().ok_or(ActionError::Forbidden)?,
    };
    let authority = orgs::get(state.db.pool(), chosen).await?;
    let mut others = Vec::new();
    for id in ids.into_iter().filter(|id| *id != chosen) {
        let org = orgs::get(state.db.pool(), id).await?;
        others.push((org.id, org.name));
    }
    Ok(Scope { authority, others })
}

/// Whether the viewer holds one of `roles` over the whole authority (the actions' rule for
/// changing pass types, zones and truck restrictions); the pages show the forms only then.
pub fn over_authority(viewer: &Viewer, authority: &Org, roles: &[Role]) -> bool {
    viewer.caller.require_any(roles, &authority.path).is_ok()
}

/// The desk chrome of a configuration page with a notice.
pub fn chrome(viewer: &Viewer, notice: Option<String>) -> Chrome {
    let mut c = viewer.chrome().with_message(notice);
    c.wide = true;
    c
}

/// A credential kind in words.
pub fn kind_label(kind: Kind, lang: Lang) -> &'static str {
    let (zh, en) = match kind {
        Kind::PersonnelVehicle => ("人员车辆通行证", "Personnel and vehicle pass"),
        Kind::Freight => ("点对点运输通行证", "Point-to-point freight pass"),
        Kind::TruckEntry => ("货车通行码", "Truck city-entry pass code"),
        Kind::DrivingLicence => ("电子驾驶证", "Electronic driving licence"),
    };
    pick(lang, zh, en)
}

pub fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The notice after a change made on a configuration page.
pub fn notice(done: Option<&str>, lang: Lang) -> Option<String> {
    let (zh, en) = match done? {
        "created" => ("通行证类型已创建。", "The pass type was created."),
        "saved" => ("已保存，版本号加一。", "Saved; the version went up by one."),
        "retired" => ("已停用。", "Retired."),
        "imported" => (
            "GeoJSON 已导入，地图已更新。",
            "The GeoJSON was imported; the map shows it.",
        ),
        "checkpoint" => ("卡口已添加。", "The checkpoint was added."),
        "published" => ("新版本已发布。", "The new version was published."),
        _ => return None,
    };
    Some(pick(lang, zh, en).to_owned())
}

/// A retire form: the session's token and the "I confirm" box.
#[derive(Debug, Deserialize)]
pub struct RetireForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub confirm: String,
}

/// A form's "I confirm" box was ticked.
pub fn confirmed(value: &str) -> bool {
    value == "yes"
}

/// The refusal when the box was not ticked.
pub fn unconfirmed() -> ActionError {
    ActionError::invalid_msg(
        "confirm",
        "config.unconfirmed",
        "请勾选确认框后再停用。",
        "Tick the confirmation box to retire it.",
    )
}

/// One page of `rows` after the id `after`, and the id to continue after when there is more.
pub fn page_of<T>(rows: Vec<T>, after: i64, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
    let mut rest: Vec<T> = rows.into_iter().filter(|r| id(r) > after).collect();
    let next = if rest.len() > PER_PAGE {
        rest.truncate(PER_PAGE);
        rest.last().map(&id)
    } else {
        None
    };
    (rest, next)
}

/// Reads an uploaded file or pasted text of a multipart form: the file when one was chosen,
/// else the text.
pub fn file_or_text(parts: &[super::multipart::Part], file: &str, text: &str) -> String {
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.data).trim().to_owned())
            .unwrap_or_default()
    };
    let uploaded = field(file);
    if uploaded.is_empty() {
        field(text)
    } else {
        uploaded
    }
}

/// A text field of a multipart form.
pub fn part_text(parts: &[super::multipart::Part], name: &str) -> String {
    parts
        .iter()
        .find(|p| p.name == name)
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default()
}

/// The tabs of the configuration pages, with the authority shown.
#[derive(Debug)]
pub struct Tabs {
    pub active: &'static str,
    pub authority_id: i64,
    pub authority_name: String,
    pub others: Vec<(i64, String)>,
}

impl Tabs {
    pub fn new(active: &'static str, scope: Scope) -> Self {
        Tabs {
            active,
            authority_id: scope.authority.id,
            authority_name: scope.authority.name,
            others: scope.others,
        }
    }
}

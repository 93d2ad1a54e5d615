//! Truck city-entry restrictions of a city (an authority): publishing a new version, reading
//! the versions, the version in force, and the public lookup "which restrictions apply to a
//! vehicle of class C in city X at time T on this road or at this place".
//!
//! Who may publish: the city's admins, as for zones — a system admin or an authority reviewer
//! whose grant covers the authority's root. Reading the version in force and the lookup are
//! public; the list of all versions is for the same admins and the authority's supervisors.

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::roles::Role;
use crate::domain::trucks::{
    Moment, Restrictions, RuleFinding, Standing, Vehicle, VehicleClass, Where, evaluate,
    parse_moment, summary,
};
use crate::i18n::Lang;
use crate::store::orgs::{self, Org, OrgKind};
use crate::store::truck_restrictions::{self as store, StoredVersion};
use crate::store::{Db, StoreError, audit, holidays, now_ms};

/// Roles that may publish a city's restrictions (over its root).
pub const WRITE_ROLES: [Role; 2] = [Role::SystemAdmin, Role::AuthorityReviewer];
/// Roles that may read every version, including ones not yet in force.
pub const READ_ROLES: [Role; 3] = [Role::SystemAdmin, Role::AuthorityReviewer, Role::Supervisor];
/// How far in the past a new version's effective date may lie (clock skew between client and
/// server); anything earlier would rewrite what was in force.
const PAST_SLACK_MS: i64 = 60_000;

/// The city an answer is about.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct City {
    pub id: i64,
    pub name: String,
    /// The authority's administrative division code, which `city=` also accepts.
    pub code: String,
}

impl From<&Org> for City {
    fn from(o: &Org) -> Self {
        City {
            id: o.id,
            name: o.name.clone(),
            code: o.division_code.clone(),
        }
    }
}

/// One published version.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Version {
    pub city: City,
    pub version: i64,
    /// Milliseconds since the Unix epoch.
    pub effective_from: i64,
    /// The same moment, RFC 3339 in Beijing time.
    pub effective_from_text: String,
    pub note: Option<String>,
    /// `{ "areas": GeoJSON FeatureCollection, "rules": [...] }`.
    #[schema(value_type = Object)]
    pub document: Value,
    pub created_at: i64,
}

/// What a city admin sends to publish a version (the document plus when it takes effect).
#[derive(Clone, Debug)]
pub struct PublishInput {
    /// The authority's id or division code.
    pub city: String,
    /// RFC 3339; absent means now. Never in the past.
    pub effective_from: Option<String>,
    pub note: Option<String>,
    /// `{ "areas": ..., "rules": [...] }`.
    pub document: Value,
}

/// The questions of a lookup, as sent (parsed here so every mistake gets a clear answer).
#[derive(Clone, Debug, Default)]
pub struct LookupInput {
    pub city: Option<String>,
    pub class: Option<String>,
    pub weight_kg: Option<String>,
    pub at: Option<String>,
    pub lon: Option<String>,
    pub lat: Option<String>,
    pub road: Option<String>,
}

/// The answer of a lookup, explained in zh and en.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LookupAnswer {
    pub city: City,
    /// The version in force at `at`; absent when the city had published none by then.
    pub version: Option<i64>,
    pub effective_from: Option<i64>,
    /// The moment asked about, RFC 3339 in Beijing time.
    pub at: String,
    /// `workday`, `weekend` or `holiday`, decided by the city's holiday table.
    pub day_type: crate::domain::trucks::DayType,
    pub class: VehicleClass,
    pub weight_kg: Option<i64>,
    /// Whether any rule stops the vehicle here at that moment.
    pub restricted: bool,
    /// Whether a truck city-entry pass code lifts every rule that stops it.
    pub pass_lifts: bool,
    /// Every rule naming this place or road, with how it stands and why.
    pub rules: Vec<RuleFinding>,
    pub zh: String,
    pub en: String,
}

fn invalid(field: &'static str, code: &'static str, zh: &str, en: &str) -> ActionError {
    ActionError::invalid_msg(field, code, zh, en)
}

fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .map(|t| t.to_offset(crate::domain::calendar::beijing()))
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The authority named by `city`: its id or its division code.
pub async fn city(db: &Db, city: &str) -> ActionResult<Org> {
    let city = city.trim();
    let unknown = || {
        invalid(
            "city",
            "trucks.unknown_city",
            &format!("没有编号或行政区划代码为 {city:?} 的城市（主管机关）。"),
            &format!("No city (authority) has the id or division code {city:?}."),
        )
    };
    if city.is_empty() || city.len() > 20 {
        return Err(unknown());
    }
    let all = orgs::authorities(db.pool()).await?;
    all.into_iter()
        .filter(|o| o.kind == OrgKind::Authority)
        .find(|o| o.division_code == city || o.id.to_string() == city)
        .ok_or_else(unknown)
}

fn view(org: &Org, v: StoredVersion) -> Version {
    Version {
        city: City::from(org),
        version: v.version,
        effective_from: v.effective_from,
        effective_from_text: rfc3339(v.effective_from),
        note: v.note,
        document: v.document,
        created_at: v.created_at,
    }
}

/// Publishes a new version of the city's restrictions, with its audit event, in one
/// transaction. Bad input is refused before anything is written.
pub async fn publish(db: &Db, caller: &Caller, input: &PublishInput) -> ActionResult<Version> {
    let org = city(db, &input.city).await?;
    caller.require_scope("truck_restrictions:write")?;
    let role = caller.require_any(&WRITE_ROLES, &org.path)?;
    publish_as(db, &caller.actor(Some(role)), &org, input).await
}

/// [`publish`] without the authorisation check, for trusted callers (the demo seed).
pub async fn publish_as(
    db: &Db,
    actor: &Actor,
    org: &Org,
    input: &PublishInput,
) -> ActionResult<Version> {
    let now = now_ms();
    let effective_from = match input.effective_from.as_deref().map(str::trim) {
        None | Some("") => now,
        Some(s) => {
            let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
                invalid(
                    "effective_from",
                    "trucks.effective_from",
                    "生效时间须为 RFC 3339 格式，如 2026-12-01T00:00:00+08:00。",
                    "effective_from must be an RFC 3339 time, e.g. 2026-12-01T00:00:00+08:00.",
                )
            })?;
            millis(t)
        }
    };
    if effective_from < now - PAST_SLACK_MS {
        return Err(invalid(
            "effective_from",
            "trucks.effective_in_past",
            "新版本的生效时间不能早于现在：已经生效的规定不能追溯修改。",
            "A new version cannot take effect in the past: what was in force cannot be rewritten.",
        ));
    }
    let note = match input.note.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) if n.chars().count() <= 500 => Some(n.to_owned()),
        Some(_) => {
            return Err(invalid(
                "note",
                "trucks.note",
                "说明最多 500 个字符。",
                "The note is at most 500 characters.",
            ));
        }
    };
    let parsed =
        Restrictions::parse(&input.document).map_err(|e| ActionError::invalid("document", &e))?;
    let document = parsed.to_json();
    let mut tx = db.begin().await?;
    let stored = store::insert(
        &mut tx,
        org.id,
        effective_from,
        &document,
        note.as_deref(),
        actor.user_id,
    )
    .await?;
    let mut event = actor.event(
        "truck_restrictions.published",
        "truck_restriction_version",
        stored.id,
    );
    let digest = super::secrets::sha256(document.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    event.after = Some(json!({
        "authority_id": org.id,
        "version": stored.version,
        "effective_from": stored.effective_from,
        "areas": parsed.areas.len(),
        "rules": parsed.rules.len(),
        "document_sha256": digest,
    }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(view(org, stored))
}

/// Every version of the city's restrictions, newest first (admins and supervisors).
pub async fn versions(db: &Db, caller: &Caller, city_ref: &str) -> ActionResult<Vec<Version>> {
    let org = city(db, city_ref).await?;
    caller.require_any(&READ_ROLES, &org.path)?;
    let all = store::list(db.pool(), org.id).await?;
    Ok(all.into_iter().map(|v| view(&org, v)).collect())
}

/// The version in force now (public); `NotFound` when the city has none in force.
pub async fn current(db: &Db, city_ref: &str) -> ActionResult<Version> {
    let org = city(db, city_ref).await?;
    let v = store::in_force(db.pool(), org.id, now_ms())
        .await?
        .ok_or(ActionError::NotFound)?;
    Ok(view(&org, v))
}

fn number(field: &'static str, s: &str, range: std::ops::RangeInclusive<f64>) -> ActionResult<f64> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && range.contains(v))
        .ok_or_else(|| {
            let (zh, en) = match field {
                "lon" => (
                    "经度 lon 须为 −180 至 180 之间的数值。",
                    "lon must be a number from −180 to 180.",
                ),
                _ => (
                    "纬度 lat 须为 −90 至 90 之间的数值。",
                    "lat must be a number from −90 to 90.",
                ),
            };
            invalid(field, "trucks.position", zh, en)
        })
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Where a lookup asks about: a place, or a road section by id or name.
enum Asked<'a> {
    Place(f64, f64),
    Road(&'a str),
}

/// The public lookup.
pub async fn lookup(db: &Db, q: &LookupInput) -> ActionResult<LookupAnswer> {
    let city_ref = given(&q.city).ok_or_else(|| {
        invalid(
            "city",
            "trucks.city_missing",
            "请指定城市（city：主管机关编号或行政区划代码）。",
            "Name the city (city: the authority's id or division code).",
        )
    })?;
    let org = city(db, city_ref).await?;
    let classes = VehicleClass::ALL.map(VehicleClass::as_str).join(", ");
    let class = given(&q.class)
        .and_then(VehicleClass::parse)
        .ok_or_else(|| {
            invalid(
                "class",
                "trucks.unknown_class",
                &format!("车型 class 须为以下之一：{classes}。"),
                &format!("class must be one of {classes}."),
            )
        })?;
    let weight_kg = match given(&q.weight_kg) {
        None => None,
        Some(w) => Some(
            w.parse::<i64>()
                .ok()
                .filter(|w| (1..=200_000).contains(w))
                .ok_or_else(|| {
                    invalid(
                        "weight_kg",
                        "trucks.weight",
                        "总质量 weight_kg 须为 1 至 200000 之间的整数（千克）。",
                        "weight_kg must be a whole number of kilograms from 1 to 200000.",
                    )
                })?,
        ),
    };
    let at = match given(&q.at) {
        None => OffsetDateTime::now_utc(),
        Some(s) => parse_moment(s).ok_or_else(|| {
            invalid(
                "at",
                "trucks.at",
                "时间 at 须为 RFC 3339 格式，如 2026-12-02T08:30:00+08:00。",
                "at must be an RFC 3339 time, e.g. 2026-12-02T08:30:00+08:00.",
            )
        })?,
    };
    let place = match (given(&q.lon), given(&q.lat), given(&q.road)) {
        (Some(lon), Some(lat), None) => Asked::Place(
            number("lon", lon, -180.0..=180.0)?,
            number("lat", lat, -90.0..=90.0)?,
        ),
        (None, None, Some(road)) => Asked::Road(road),
        _ => {
            return Err(invalid(
                "place",
                "trucks.place",
                "请给出地点（lon 和 lat）或路段（road），二者选一。",
                "Give either a place (lon and lat) or a road section (road), not both.",
            ));
        }
    };
    let at_ms = millis(at);
    let stored = store::in_force(db.pool(), org.id, at_ms).await?;
    let local = at.to_offset(crate::domain::calendar::beijing());
    let date = local.date();
    let date_text = format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    let entry = holidays::get(db.pool(), org.id, &date_text)
        .await?
        .map(|h| h.kind);
    let when = Moment::new(at, |_| entry);
    let vehicle = Vehicle { class, weight_kg };
    let at_text = local.format(&Rfc3339).unwrap_or_default();
    let Some(stored) = stored else {
        let m = (when.describe(Lang::Zh), when.describe(Lang::En));
        return Ok(LookupAnswer {
            city: City::from(&org),
            version: None,
            effective_from: None,
            at: at_text,
            day_type: when.day,
            class,
            weight_kg,
            restricted: false,
            pass_lifts: false,
            rules: Vec::new(),
            zh: format!("{}：{} 当时没有生效的货车限行规定。", m.0, org.name),
            en: format!(
                "{}: {} had no truck restrictions in force then.",
                m.1, org.name
            ),
        });
    };
    // Stored documents were checked when published; one that no longer parses is ours to fix.
    let restrictions = Restrictions::parse(&stored.document).map_err(|e| {
        ActionError::Internal(format!(
            "stored truck restrictions {} do not parse: {e}",
            stored.id
        ))
    })?;
    let road;
    let spot = match place {
        Asked::Place(lon, lat) => Where::Place { lon, lat },
        Asked::Road(name) => {
            road = restrictions.road(name).ok_or_else(|| {
                invalid(
                    "road",
                    "trucks.unknown_road",
                    &format!("该城市现行的限行规定中没有编号或名称为 {name:?} 的路段。"),
                    &format!("The city's restrictions in force have no road section with the id or name {name:?}."),
                )
            })?;
            Where::Road(road)
        }
    };
    let findings = evaluate(&restrictions, spot, vehicle, &when);
    let (zh, en) = summary(&findings, vehicle, &when);
    let stopping: Vec<&RuleFinding> = findings
        .iter()
        .filter(|f| f.standing == Standing::Restricted)
        .collect();
    Ok(LookupAnswer {
        city: City::from(&org),
        version: Some(stored.version),
        effective_from: Some(stored.effective_from),
        at: at_text,
        day_type: when.day,
        class,
        weight_kg,
        restricted: !stopping.is_empty(),
        pass_lifts: !stopping.is_empty() && stopping.iter().all(|f| f.pass_lifts),
        rules: findings,
        zh,
        en,
    })
}

/// The cities (authorities) a lookup may name, for the page's choice.
pub async fn cities(db: &Db) -> ActionResult<Vec<City>> {
    Ok(orgs::authorities(db.pool())
        .await?
        .iter()
        .map(City::from)
        .collect())
}

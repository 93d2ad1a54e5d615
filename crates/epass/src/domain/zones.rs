//! Zones and road sections: where a pass is valid. A zone is a GeoJSON (Multi)Polygon, a road
//! section a (Multi)LineString with a corridor width in metres. Each belongs to an authority
//! and its numeric id is what credentials carry (claims 6 and 7).
//!
//! The GeoJSON form, accepted on upload and produced for the verifier bundle, is a
//! `FeatureCollection` whose features carry these `properties`:
//!
//! | property | meaning |
//! |---|---|
//! | `id` | the zone id (also the feature `id`); on upload, names a zone to replace |
//! | `kind` | `zone` or `road_section`; on upload, inferred from the geometry when absent |
//! | `name_zh` | Chinese name (on upload `name` is accepted instead) |
//! | `name_en` | English name, optional |
//! | `corridor_width_m` | road sections: full corridor width, 1 to 5000 m |
//!
//! This is the form [`epass_credential::Catalogue`] compiles.

mod geometry;

use serde_json::{Map, Value, json};

pub use geometry::{CORRIDOR_RANGE_M, MAX_POSITIONS, ZoneGeometry};

use crate::i18n::{Lang, Localized};

/// A zone (area) or a road section (line with a corridor).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    Zone,
    RoadSection,
}

impl ZoneKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Zone => "zone",
            ZoneKind::RoadSection => "road_section",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "zone" => Some(ZoneKind::Zone),
            "road_section" => Some(ZoneKind::RoadSection),
            _ => None,
        }
    }

    fn label(self) -> (&'static str, &'static str) {
        match self {
            ZoneKind::Zone => (
                "区域须为面（Polygon 或 MultiPolygon）",
                "a zone must be a Polygon or MultiPolygon",
            ),
            ZoneKind::RoadSection => (
                "路段须为线（LineString 或 MultiLineString）",
                "a road section must be a LineString or MultiLineString",
            ),
        }
    }
}

/// Why a zone or road section was refused. `at` names the place in the coordinates, e.g.
/// `coordinates[0][3]`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ZoneError {
    NotGeoJson,
    UnsupportedType(String),
    UnknownKind(String),
    KindMismatch { kind: ZoneKind, found: String },
    BadPosition { at: String },
    Longitude { at: String, value: f64 },
    Latitude { at: String, value: f64 },
    LineTooShort { at: String },
    RingTooShort { at: String },
    RingNotClosed { at: String },
    Empty { at: String },
    TooManyPositions { max: usize },
    CorridorMissing,
    CorridorRange(f64),
    CorridorOnZone,
    Name,
}

impl Localized for ZoneError {
    fn code(&self) -> &'static str {
        match self {
            ZoneError::NotGeoJson => "zone.not_geojson",
            ZoneError::UnsupportedType(_) => "zone.geometry_type",
            ZoneError::UnknownKind(_) => "zone.kind",
            ZoneError::KindMismatch { .. } => "zone.kind_mismatch",
            ZoneError::BadPosition { .. } => "zone.position",
            ZoneError::Longitude { .. } => "zone.longitude_range",
            ZoneError::Latitude { .. } => "zone.latitude_range",
            ZoneError::LineTooShort { .. } => "zone.line_too_short",
            ZoneError::RingTooShort { .. } => "zone.ring_too_short",
            ZoneError::RingNotClosed { .. } => "zone.ring_not_closed",
            ZoneError::Empty { .. } => "zone.empty",
            ZoneError::TooManyPositions { .. } => "zone.too_many_positions",
            ZoneError::CorridorMissing => "zone.corridor_missing",
            ZoneError::CorridorRange(_) => "zone.corridor_range",
            ZoneError::CorridorOnZone => "zone.corridor_on_zone",
            ZoneError::Name => "zone.name",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            ZoneError::NotGeoJson => (
                "不是 GeoJSON 几何对象或要素（Feature）。".to_owned(),
                "Not a GeoJSON geometry or Feature.".to_owned(),
            ),
            ZoneError::UnsupportedType(t) => (
                format!("不支持的几何类型 {t:?}：区域用 Polygon/MultiPolygon，路段用 LineString/MultiLineString。"),
                format!("Unsupported geometry type {t:?}: zones are Polygon/MultiPolygon, road sections LineString/MultiLineString."),
            ),
            ZoneError::UnknownKind(k) => (
                format!("未知的类别 {k:?}：应为 zone（区域）或 road_section（路段）。"),
                format!("Unknown kind {k:?}: expected zone or road_section."),
            ),
            ZoneError::KindMismatch { kind, found } => {
                let (zh, en) = kind.label();
                (format!("{zh}，收到的是 {found}。"), format!("{en}; got a {found}."))
            }
            ZoneError::BadPosition { at } => (
                format!("{at} 不是 [经度, 纬度] 数值坐标。"),
                format!("{at} is not a [longitude, latitude] pair of numbers."),
            ),
            ZoneError::Longitude { at, value } => (
                format!("{at} 的经度 {value} 超出 −180 至 180 的范围。"),
                format!("{at}: longitude {value} is outside −180 to 180."),
            ),
            ZoneError::Latitude { at, value } => (
                format!("{at} 的纬度 {value} 超出 −90 至 90 的范围（是否把经纬度写反了？）。"),
                format!("{at}: latitude {value} is outside −90 to 90 (longitude and latitude swapped?)."),
            ),
            ZoneError::LineTooShort { at } => (
                format!("{at} 的线至少需要 2 个坐标点。"),
                format!("{at}: a line needs at least 2 positions."),
            ),
            ZoneError::RingTooShort { at } => (
                format!("{at} 的多边形环至少需要 4 个坐标点（首尾相同）。"),
                format!("{at}: a polygon ring needs at least 4 positions (first and last the same)."),
            ),
            ZoneError::RingNotClosed { at } => (
                format!("{at} 的多边形环未闭合：最后一个坐标须与第一个相同。"),
                format!("{at}: the polygon ring is not closed: its last position must equal its first."),
            ),
            ZoneError::Empty { at } => (
                format!("{at} 为空。"),
                format!("{at} is empty."),
            ),
            ZoneError::TooManyPositions { max } => (
                format!("几何图形过于复杂：最多 {max} 个坐标点，请先简化。"),
                format!("The geometry is too detailed: at most {max} positions; simplify it first."),
            ),
            ZoneError::CorridorMissing => (
                "路段须在 properties 中给出 corridor_width_m（通道宽度，米）。".to_owned(),
                "A road section needs corridor_width_m (corridor width in metres) in its properties.".to_owned(),
            ),
            ZoneError::CorridorRange(w) => (
                format!("通道宽度 {w} 米无效：须为 1 至 5000 米之间的数值。"),
                format!("Corridor width {w} m is not valid: it must be a number from 1 to 5000 metres."),
            ),
            ZoneError::CorridorOnZone => (
                "只有路段才有通道宽度（corridor_width_m），区域不应给出。".to_owned(),
                "Only road sections have a corridor width (corridor_width_m); a zone must not.".to_owned(),
            ),
            ZoneError::Name => (
                "名称（name_zh）须为 1 至 100 个字符，英文名称（name_en）最多 100 个字符。".to_owned(),
                "The name (name_zh) must be 1 to 100 characters and name_en at most 100.".to_owned(),
            ),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

crate::domain::ids::error_display_via_localized!(ZoneError);

/// A zone or road section as submitted in one GeoJSON Feature, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneFeature {
    /// The zone to replace, when the feature names one (`properties.id` or the feature `id`).
    pub id: Option<i64>,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub geometry: ZoneGeometry,
}

fn name(v: Option<&Value>, required: bool) -> Result<Option<String>, ZoneError> {
    match v {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            let n = s.chars().count();
            if n > 100 || (required && n == 0) {
                return Err(ZoneError::Name);
            }
            Ok((n > 0).then(|| s.to_owned()))
        }
        _ => Err(ZoneError::Name),
    }
}

impl ZoneFeature {
    /// Parses a GeoJSON Feature with the properties in the module docs.
    pub fn parse(v: &Value) -> Result<Self, ZoneError> {
        if v.get("type").and_then(Value::as_str) != Some("Feature") {
            return Err(ZoneError::NotGeoJson);
        }
        let empty = Map::new();
        let props = v
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let kind = match props.get("kind") {
            None | Some(Value::Null) => match v.pointer("/geometry/type").and_then(Value::as_str) {
                Some("LineString" | "MultiLineString") => ZoneKind::RoadSection,
                _ => ZoneKind::Zone,
            },
            Some(k) => {
                let k = k.as_str().unwrap_or_default();
                ZoneKind::parse(k)
                    .ok_or_else(|| ZoneError::UnknownKind(k.chars().take(40).collect()))?
            }
        };
        let geometry = ZoneGeometry::parse(kind, v)?;
        let name_zh = name(props.get("name_zh").or_else(|| props.get("name")), true)?
            .ok_or(ZoneError::Name)?;
        let name_en = name(props.get("name_en"), false)?;
        let id = props
            .get("id")
            .or_else(|| v.get("id"))
            .and_then(Value::as_i64);
        Ok(Self {
            id,
            name_zh,
            name_en,
            geometry,
        })
    }
}

/// A zone or road section as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    pub id: i64,
    pub authority_id: i64,
    pub kind: ZoneKind,
    pub name_zh: String,
    pub name_en: Option<String>,
    /// The GeoJSON geometry object, as written from a [`ZoneGeometry`].
    pub geometry: Value,
    pub corridor_m: Option<f64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub retired_at: Option<i64>,
}

impl Zone {
    /// The zone as a GeoJSON Feature (module docs).
    pub fn to_feature(&self) -> Value {
        let mut props = Map::new();
        props.insert("id".into(), json!(self.id));
        props.insert("kind".into(), json!(self.kind.as_str()));
        props.insert("name_zh".into(), json!(self.name_zh));
        if let Some(en) = &self.name_en {
            props.insert("name_en".into(), json!(en));
        }
        if let Some(w) = self.corridor_m {
            props.insert("corridor_width_m".into(), json!(w));
        }
        if let Some(at) = self.retired_at {
            props.insert("retired_at".into(), json!(at));
        }
        json!({ "type": "Feature", "id": self.id, "geometry": self.geometry, "properties": props })
    }
}

/// The FeatureCollection of `zones`: the catalogue of a verifier bundle and the answer of
/// `GET /api/v1/zones`.
pub fn catalogue_json(zones: &[Zone]) -> Value {
    json!({
        "type": "FeatureCollection",
        "features": zones.iter().map(Zone::to_feature).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests;

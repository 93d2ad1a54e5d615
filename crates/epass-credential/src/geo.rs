//! Zones (GeoJSON polygons) and road sections (GeoJSON lines with a corridor width), evaluated
//! with the `geo` crate: point-in-polygon, and great-circle (haversine) distance in metres.
//!
//! The catalogue is a GeoJSON `FeatureCollection`. Each feature has a numeric `id` property
//! (or feature `id`); `Polygon`/`MultiPolygon` features are zones, `LineString`/
//! `MultiLineString` features are road sections and need a `corridor_width_m` property: the
//! full width of the corridor, so a point within half of it from the centre line is inside.

use geo::{
    Closest, Coord, Distance, Haversine, HaversineClosestPoint, Intersects, LineString,
    MultiLineString, MultiPolygon, Point, Polygon,
};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// Why a catalogue was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeoError {
    /// Not GeoJSON of the expected shape (with detail).
    Malformed(String),
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(w) => write!(f, "malformed zone catalogue: {w}"),
        }
    }
}

impl std::error::Error for GeoError {}

fn bad(s: impl Into<String>) -> GeoError {
    GeoError::Malformed(s.into())
}

/// A road section: centre lines and half the corridor width.
#[derive(Debug, Clone)]
struct Road {
    lines: MultiLineString<f64>,
    half_width_m: f64,
}

/// Where a place stands relative to a credential's zones and road sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceCheck {
    /// Inside a permitted zone or road corridor (or the credential has no place limits).
    Inside,
    /// Outside all of them.
    Outside,
    /// Outside all known ones, but some permitted id is missing from the catalogue.
    Unknown,
}

/// Compiled zones and road sections by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    zones: HashMap<u32, MultiPolygon<f64>>,
    roads: HashMap<u32, Road>,
}

fn coord(v: &Value) -> Result<Coord<f64>, GeoError> {
    let a = v.as_array().ok_or_else(|| bad("position"))?;
    let (x, y) = match (
        a.first().and_then(Value::as_f64),
        a.get(1).and_then(Value::as_f64),
    ) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(bad("position")),
    };
    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
        return Err(bad("position out of range"));
    }
    Ok(Coord { x, y })
}

fn line(v: &Value) -> Result<LineString<f64>, GeoError> {
    let a = v.as_array().ok_or_else(|| bad("line"))?;
    if a.len() < 2 {
        return Err(bad("line needs two positions"));
    }
    a.iter()
        .map(coord)
        .collect::<Result<Vec<_>, _>>()
        .map(LineString::new)
}

fn polygon(v: &Value) -> Result<Polygon<f64>, GeoError> {
    let rings = v.as_array().ok_or_else(|| bad("polygon"))?;
    let mut it = rings.iter().map(line);
    let outer = it.next().ok_or_else(|| bad("polygon without ring"))??;
    if outer.0.len() < 4 {
        return Err(bad("ring needs four positions"));
    }
    Ok(Polygon::new(outer, it.collect::<Result<_, _>>()?))
}

fn many<T>(v: &Value, f: fn(&Value) -> Result<T, GeoError>) -> Result<Vec<T>, GeoError> {
    v.as_array()
        .ok_or_else(|| bad("multi geometry"))?
        .iter()
        .map(f)
        .collect()
}

fn feature_id(f: &Value) -> Result<u32, GeoError> {
    let id = f
        .get("properties")
        .and_then(|p| p.get("id"))
        .or_else(|| f.get("id"))
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("feature without numeric id"))?;
    u32::try_from(id).map_err(|_| bad("id out of range"))
}

impl Catalogue {
    /// Compiles a GeoJSON FeatureCollection (module docs).
    pub fn from_geojson(v: &Value) -> Result<Self, GeoError> {
        if v.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
            return Err(bad("expected a FeatureCollection"));
        }
        let feats = v.get("features").and_then(Value::as_array);
        let mut cat = Self::default();
        for f in feats.ok_or_else(|| bad("features"))? {
            let id = feature_id(f)?;
            let g = f
                .get("geometry")
                .ok_or_else(|| bad("feature without geometry"))?;
            let coords = g
                .get("coordinates")
                .ok_or_else(|| bad("geometry without coordinates"))?;
            let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
            let dup = match kind {
                "Polygon" | "MultiPolygon" => {
                    let polys = if kind == "Polygon" {
                        vec![polygon(coords)?]
                    } else {
                        many(coords, polygon)?
                    };
                    cat.zones.insert(id, MultiPolygon::new(polys)).is_some()
                }
                "LineString" | "MultiLineString" => {
                    let lines = if kind == "LineString" {
                        vec![line(coords)?]
                    } else {
                        many(coords, line)?
                    };
                    let w = f
                        .get("properties")
                        .and_then(|p| p.get("corridor_width_m"))
                        .and_then(Value::as_f64)
                        .filter(|w| w.is_finite() && *w > 0.0 && *w <= 100_000.0)
                        .ok_or_else(|| bad(format!("road section {id}: corridor_width_m")))?;
                    let road = Road {
                        lines: MultiLineString::new(lines),
                        half_width_m: w / 2.0,
                    };
                    cat.roads.insert(id, road).is_some()
                }
                other => return Err(bad(format!("unsupported geometry type {other:?}"))),
            };
            if dup {
                return Err(bad(format!("duplicate id {id}")));
            }
        }
        Ok(cat)
    }

    /// Number of zones and road sections.
    pub fn len(&self) -> (usize, usize) {
        (self.zones.len(), self.roads.len())
    }

    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty() && self.roads.is_empty()
    }

    /// Great-circle distance in metres from a point to a road section's centre line.
    pub fn distance_to_road_m(&self, road: u32, lon: f64, lat: f64) -> Option<f64> {
        let r = self.roads.get(&road)?;
        let p = Point::new(lon, lat);
        r.lines
            .0
            .iter()
            .filter_map(|l| match l.haversine_closest_point(&p) {
                Closest::Intersection(q) | Closest::SinglePoint(q) => {
                    Some(Haversine.distance(p, q))
                }
                Closest::Indeterminate => None,
            })
            .reduce(f64::min)
    }

    /// Whether `(lon, lat)` is inside any of `zones` or within the corridor of any of `roads`.
    pub fn check(&self, zones: &[u32], roads: &[u32], lon: f64, lat: f64) -> PlaceCheck {
        if zones.is_empty() && roads.is_empty() {
            return PlaceCheck::Inside;
        }
        let p = Point::new(lon, lat);
        let mut unknown = false;
        for z in zones {
            match self.zones.get(z) {
                Some(mp) if mp.intersects(&p) => return PlaceCheck::Inside,
                Some(_) => {}
                None => unknown = true,
            }
        }
        for r in roads {
            match (self.roads.get(r), self.distance_to_road_m(*r, lon, lat)) {
                (Some(road), Some(d)) if d <= road.half_width_m => return PlaceCheck::Inside,
                (Some(_), _) => {}
                (None, _) => unknown = true,
            }
        }
        if unknown {
            PlaceCheck::Unknown
        } else {
            PlaceCheck::Outside
        }
    }
}

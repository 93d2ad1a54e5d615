//! The geometry of a zone or road section, parsed from GeoJSON (RFC 7946) into a shape that is
//! valid by construction: the right geometry type for the kind, positions in range, rings
//! closed, lines long enough, and a corridor width for road sections.

use serde_json::{Value, json};

use super::{ZoneError, ZoneKind};

/// Longest geometry accepted, in positions: a detailed city boundary has a few thousand; the
/// bundle every checkpoint downloads must stay small.
pub const MAX_POSITIONS: usize = 20_000;
/// Corridor widths accepted for road sections, in metres.
pub const CORRIDOR_RANGE_M: std::ops::RangeInclusive<f64> = 1.0..=5000.0;

/// `[longitude, latitude]` in degrees (WGS 84, as GeoJSON requires).
type Pos = [f64; 2];

#[derive(Clone, Debug, PartialEq)]
enum Shape {
    Polygon(Vec<Vec<Pos>>),
    MultiPolygon(Vec<Vec<Vec<Pos>>>),
    LineString(Vec<Pos>),
    MultiLineString(Vec<Vec<Pos>>),
}

/// A checked geometry with its kind and, for a road section, its corridor width.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneGeometry {
    kind: ZoneKind,
    shape: Shape,
    corridor_m: Option<f64>,
}

/// Walks the coordinates, counting positions and naming where a mistake is.
struct Reader {
    positions: usize,
}

impl Reader {
    fn array<'v>(&self, v: &'v Value, at: &str) -> Result<&'v Vec<Value>, ZoneError> {
        v.as_array()
            .ok_or_else(|| ZoneError::BadPosition { at: at.to_owned() })
    }

    fn position(&mut self, v: &Value, at: &str) -> Result<Pos, ZoneError> {
        let bad = || ZoneError::BadPosition { at: at.to_owned() };
        let a = v.as_array().ok_or_else(bad)?;
        // A third number (altitude) is allowed by GeoJSON; zones are flat, so it is dropped.
        if !(2..=3).contains(&a.len()) || a.iter().any(|n| !n.is_number()) {
            return Err(bad());
        }
        let (lon, lat) = (
            a[0].as_f64().ok_or_else(bad)?,
            a[1].as_f64().ok_or_else(bad)?,
        );
        if !(-180.0..=180.0).contains(&lon) {
            return Err(ZoneError::Longitude {
                at: at.to_owned(),
                value: lon,
            });
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(ZoneError::Latitude {
                at: at.to_owned(),
                value: lat,
            });
        }
        self.positions += 1;
        if self.positions > MAX_POSITIONS {
            return Err(ZoneError::TooManyPositions { max: MAX_POSITIONS });
        }
        Ok([lon, lat])
    }

    fn line(&mut self, v: &Value, at: &str) -> Result<Vec<Pos>, ZoneError> {
        let line = self
            .array(v, at)?
            .iter()
            .enumerate()
            .map(|(i, p)| self.position(p, &format!("{at}[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        if line.len() < 2 {
            return Err(ZoneError::LineTooShort { at: at.to_owned() });
        }
        Ok(line)
    }

    fn ring(&mut self, v: &Value, at: &str) -> Result<Vec<Pos>, ZoneError> {
        let ring = self.line(v, at).map_err(|e| match e {
            ZoneError::LineTooShort { at } => ZoneError::RingTooShort { at },
            other => other,
        })?;
        if ring.len() < 4 {
            return Err(ZoneError::RingTooShort { at: at.to_owned() });
        }
        if ring.first() != ring.last() {
            return Err(ZoneError::RingNotClosed { at: at.to_owned() });
        }
        Ok(ring)
    }

    fn polygon(&mut self, v: &Value, at: &str) -> Result<Vec<Vec<Pos>>, ZoneError> {
        let rings = self
            .array(v, at)?
            .iter()
            .enumerate()
            .map(|(i, r)| self.ring(r, &format!("{at}[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        if rings.is_empty() {
            return Err(ZoneError::Empty { at: at.to_owned() });
        }
        Ok(rings)
    }

    fn many<T>(
        &mut self,
        v: &Value,
        at: &str,
        each: fn(&mut Self, &Value, &str) -> Result<T, ZoneError>,
    ) -> Result<Vec<T>, ZoneError> {
        let parts = self
            .array(v, at)?
            .iter()
            .enumerate()
            .map(|(i, p)| each(self, p, &format!("{at}[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        if parts.is_empty() {
            return Err(ZoneError::Empty { at: at.to_owned() });
        }
        Ok(parts)
    }
}

impl ZoneGeometry {
    /// Parses a GeoJSON geometry, or a Feature whose `geometry` it takes (and, for a road
    /// section, the `corridor_width_m` of its `properties`). A bare geometry cannot carry a
    /// corridor width, so a road section must come as a Feature.
    pub fn parse(kind: ZoneKind, value: &Value) -> Result<Self, ZoneError> {
        let (geometry, properties) = match value.get("type").and_then(Value::as_str) {
            Some("Feature") => (
                value.get("geometry").ok_or(ZoneError::NotGeoJson)?,
                value.get("properties"),
            ),
            Some(_) => (value, None),
            None => return Err(ZoneError::NotGeoJson),
        };
        let gtype = geometry
            .get("type")
            .and_then(Value::as_str)
            .ok_or(ZoneError::NotGeoJson)?;
        let fits = match gtype {
            "Polygon" | "MultiPolygon" => kind == ZoneKind::Zone,
            "LineString" | "MultiLineString" => kind == ZoneKind::RoadSection,
            other => return Err(ZoneError::UnsupportedType(other.chars().take(40).collect())),
        };
        if !fits {
            return Err(ZoneError::KindMismatch {
                kind,
                found: gtype.to_owned(),
            });
        }
        let coords = geometry.get("coordinates").ok_or(ZoneError::NotGeoJson)?;
        let mut r = Reader { positions: 0 };
        let at = "coordinates";
        let shape = match gtype {
            "Polygon" => Shape::Polygon(r.polygon(coords, at)?),
            "MultiPolygon" => Shape::MultiPolygon(r.many(coords, at, Reader::polygon)?),
            "LineString" => Shape::LineString(r.line(coords, at)?),
            _ => Shape::MultiLineString(r.many(coords, at, Reader::line)?),
        };
        let corridor = properties.and_then(|p| p.get("corridor_width_m"));
        let corridor_m = match (kind, corridor) {
            (ZoneKind::Zone, None | Some(Value::Null)) => None,
            (ZoneKind::Zone, Some(_)) => return Err(ZoneError::CorridorOnZone),
            (ZoneKind::RoadSection, None | Some(Value::Null)) => {
                return Err(ZoneError::CorridorMissing);
            }
            (ZoneKind::RoadSection, Some(w)) => {
                let w = w.as_f64().ok_or(ZoneError::CorridorRange(f64::NAN))?;
                if !CORRIDOR_RANGE_M.contains(&w) {
                    return Err(ZoneError::CorridorRange(w));
                }
                Some(w)
            }
        };
        Ok(Self {
            kind,
            shape,
            corridor_m,
        })
    }

    pub fn kind(&self) -> ZoneKind {
        self.kind
    }

    /// The corridor's full width in metres (road sections only).
    pub fn corridor_m(&self) -> Option<f64> {
        self.corridor_m
    }

    /// The GeoJSON geometry object (`type` and `coordinates` only; altitudes dropped).
    pub fn to_geojson(&self) -> Value {
        let (t, c) = match &self.shape {
            Shape::Polygon(c) => ("Polygon", json!(c)),
            Shape::MultiPolygon(c) => ("MultiPolygon", json!(c)),
            Shape::LineString(c) => ("LineString", json!(c)),
            Shape::MultiLineString(c) => ("MultiLineString", json!(c)),
        };
        json!({ "type": t, "coordinates": c })
    }

    /// How many positions the geometry has.
    pub fn positions(&self) -> usize {
        match &self.shape {
            Shape::Polygon(p) => p.iter().map(Vec::len).sum(),
            Shape::MultiPolygon(m) => m.iter().flatten().map(Vec::len).sum(),
            Shape::LineString(l) => l.len(),
            Shape::MultiLineString(m) => m.iter().map(Vec::len).sum(),
        }
    }
}

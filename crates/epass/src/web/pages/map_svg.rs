//! A plain map drawn by the server as SVG, so no tile server is needed: zones (polygons) and
//! road sections (lines, as wide as their corridor) projected from longitude/latitude into the
//! viewBox, each labelled, and checkpoints as dots. No script and no inline style (the CSP
//! forbids them): colours are SVG attributes.

use std::fmt::Write as _;

use serde_json::Value;

use crate::domain::geo::{Point, haversine_km};
use crate::domain::zones::ZoneKind;

const ZONE: &str = "#0b3d91";
const ROAD: &str = "#b35c00";
const MARKER: &str = "#b3261e";
/// Width of the viewBox; the height follows the shape of the area drawn.
const WIDTH: f64 = 800.0;
const MARGIN: f64 = 24.0;
const MAX_HEIGHT: f64 = 560.0;
/// Metres in one degree of latitude.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// A zone or road section to draw.
#[derive(Debug)]
pub struct Shape<'a> {
    /// Its id, written into the element id `map-zone-{id}`.
    pub id: i64,
    pub label: String,
    pub kind: ZoneKind,
    /// The GeoJSON geometry object.
    pub geometry: &'a Value,
    pub corridor_m: Option<f64>,
}

/// A point to mark (a checkpoint).
#[derive(Debug)]
pub struct Marker {
    pub id: i64,
    pub label: String,
    pub lon: f64,
    pub lat: f64,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn position(v: &Value) -> Option<[f64; 2]> {
    let a = v.as_array()?;
    Some([a.first()?.as_f64()?, a.get(1)?.as_f64()?])
}

fn line(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .map(|ps| ps.iter().filter_map(position).collect())
        .unwrap_or_default()
}

fn lines(v: Option<&Value>) -> Vec<Vec<[f64; 2]>> {
    v.and_then(Value::as_array)
        .map(|ls| ls.iter().map(line).collect())
        .unwrap_or_default()
}

/// The rings or lines of a geometry, and whether they are closed rings.
fn parts(geometry: &Value) -> (Vec<Vec<[f64; 2]>>, bool) {
    let coords = geometry.get("coordinates");
    match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => (lines(coords), true),
        Some("MultiPolygon") => (
            coords
                .and_then(Value::as_array)
                .map(|ps| ps.iter().flat_map(|p| lines(Some(p))).collect())
                .unwrap_or_default(),
            true,
        ),
        Some("LineString") => (coords.map(line).into_iter().collect(), false),
        Some("MultiLineString") => (lines(coords), false),
        _ => (Vec::new(), false),
    }
}

/// Longitude/latitude to viewBox coordinates (equirectangular, scaled by the cosine of the
/// middle latitude so that shapes keep their proportions at this scale).
struct Projection {
    min_lon: f64,
    max_lat: f64,
    kx: f64,
    scale: f64,
    x0: f64,
    height: f64,
}

impl Projection {
    fn fit(points: impl Iterator<Item = [f64; 2]>) -> Option<Self> {
        let (mut lo, mut hi) = ([f64::MAX, f64::MAX], [f64::MIN, f64::MIN]);
        let mut any = false;
        for [x, y] in points {
            any = true;
            lo = [lo[0].min(x), lo[1].min(y)];
            hi = [hi[0].max(x), hi[1].max(y)];
        }
        if !any {
            return None;
        }
        // A single point or a straight north–south line still gets an area around it.
        let pad = |lo: f64, hi: f64| ((hi - lo) * 0.08).max(0.005);
        let (px, py) = (pad(lo[0], hi[0]), pad(lo[1], hi[1]));
        let (min_lon, max_lon) = (lo[0] - px, hi[0] + px);
        let (min_lat, max_lat) = (lo[1] - py, hi[1] + py);
        let kx = ((min_lat + max_lat) / 2.0).to_radians().cos().max(0.05);
        let (dx, dy) = ((max_lon - min_lon) * kx, max_lat - min_lat);
        let scale = ((WIDTH - 2.0 * MARGIN) / dx).min(MAX_HEIGHT / dy);
        Some(Projection {
            min_lon,
            max_lat,
            kx,
            scale,
            x0: (WIDTH - dx * scale) / 2.0,
            height: dy * scale + 2.0 * MARGIN,
        })
    }

    fn xy(&self, [lon, lat]: [f64; 2]) -> (f64, f64) {
        (
            self.x0 + (lon - self.min_lon) * self.kx * self.scale,
            MARGIN + (self.max_lat - lat) * self.scale,
        )
    }

    /// Pixels per metre on the ground.
    fn per_metre(&self) -> f64 {
        self.scale / METRES_PER_DEGREE
    }
}

fn path_data(p: &Projection, parts: &[Vec<[f64; 2]>], closed: bool) -> String {
    let mut d = String::new();
    for part in parts {
        for (i, pos) in part.iter().enumerate() {
            let (x, y) = p.xy(*pos);
            let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
        }
        if closed {
            d.push_str("Z ");
        }
    }
    d.trim_end().to_owned()
}

/// Where a shape's label goes: the middle of a polygon's outer ring's box, or a line's middle
/// position.
fn anchor(parts: &[Vec<[f64; 2]>], closed: bool) -> Option<[f64; 2]> {
    let first = parts.first()?;
    if closed {
        let (mut lo, mut hi) = ([f64::MAX, f64::MAX], [f64::MIN, f64::MIN]);
        for [x, y] in first {
            lo = [lo[0].min(*x), lo[1].min(*y)];
            hi = [hi[0].max(*x), hi[1].max(*y)];
        }
        Some([(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0])
    } else {
        first.get(first.len() / 2).copied()
    }
}

fn label(out: &mut String, x: f64, y: f64, text: &str, anchor: &str) {
    let _ = write!(
        out,
        r##"<text x="{x:.1}" y="{y:.1}" font-size="13" text-anchor="{anchor}" fill="#111" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
        esc(text)
    );
}

/// A bar of a round number of kilometres (or metres) at the bottom left.
fn scale_bar(out: &mut String, p: &Projection) {
    let target_m = 160.0 / p.per_metre();
    let step = [
        10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5,
    ]
    .into_iter()
    .rfind(|s| *s <= target_m)
    .unwrap_or(10.0);
    let w = step * p.per_metre();
    let y = p.height - 8.0;
    let text = if step >= 1000.0 {
        format!("{} km", step / 1000.0)
    } else {
        format!("{step} m")
    };
    let _ = write!(
        out,
        r##"<line x1="12" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#111" stroke-width="3"/>"##,
        12.0 + w
    );
    label(out, 12.0, y - 6.0, &text, "start");
}

/// A shape with its rings or lines, and whether they are closed rings.
type Drawn<'s, 'a> = (&'s Shape<'a>, Vec<Vec<[f64; 2]>>, bool);

/// The map of `shapes` and `markers` as an SVG element, or `None` when there is nothing to draw.
pub fn draw(shapes: &[Shape<'_>], markers: &[Marker], title: &str) -> Option<String> {
    let drawn: Vec<Drawn<'_, '_>> = shapes
        .iter()
        .map(|s| {
            let (parts, closed) = parts(s.geometry);
            (s, parts, closed)
        })
        .collect();
    let all = drawn
        .iter()
        .flat_map(|(_, parts, _)| parts.iter().flatten().copied())
        .chain(markers.iter().map(|m| [m.lon, m.lat]));
    let p = Projection::fit(all)?;
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {:.0}" role="img" aria-label="{}" class="map"><rect x="0" y="0" width="{WIDTH}" height="{:.0}" fill="#f4f6f8"/>"##,
        p.height,
        esc(title),
        p.height
    );
    // Areas first, so that roads and labels lie on top of them.
    let mut ordered: Vec<&Drawn<'_, '_>> = drawn.iter().collect();
    ordered.sort_by_key(|(s, _, _)| s.kind == ZoneKind::RoadSection);
    for (shape, parts, closed) in &ordered {
        let d = path_data(&p, parts, *closed);
        let paint = if *closed {
            format!(
                r#"fill="{ZONE}" fill-opacity="0.18" fill-rule="evenodd" stroke="{ZONE}" stroke-width="2""#
            )
        } else {
            let width = shape
                .corridor_m
                .map_or(4.0, |m| (m * p.per_metre()).clamp(3.0, 18.0));
            format!(
                r#"fill="none" stroke="{ROAD}" stroke-width="{width:.1}" stroke-linecap="round" stroke-linejoin="round" stroke-opacity="0.85""#
            )
        };
        let _ = write!(
            out,
            r#"<g id="map-zone-{}" class="map-{}"><title>{}</title><path d="{d}" {paint}/></g>"#,
            shape.id,
            shape.kind.as_str(),
            esc(&shape.label)
        );
    }
    for (shape, parts, closed) in &ordered {
        if let Some(at) = anchor(parts, *closed) {
            let (x, y) = p.xy(at);
            label(&mut out, x, y, &shape.label, "middle");
        }
    }
    for m in markers {
        let (x, y) = p.xy([m.lon, m.lat]);
        let _ = write!(
            out,
            r##"<g id="map-checkpoint-{}"><title>{}</title><circle cx="{x:.1}" cy="{y:.1}" r="6" fill="{MARKER}" stroke="#fff" stroke-width="2"/></g>"##,
            m.id,
            esc(&m.label)
        );
        label(&mut out, x + 9.0, y + 4.0, &m.label, "start");
    }
    scale_bar(&mut out, &p);
    out.push_str("</svg>");
    Some(out)
}

/// The distance across the map's width, for the caption (kilometres).
pub fn span_km(shapes: &[Shape<'_>]) -> Option<f64> {
    let all: Vec<[f64; 2]> = shapes
        .iter()
        .flat_map(|s| parts(s.geometry).0.into_iter().flatten())
        .collect();
    let lo = all
        .iter()
        .copied()
        .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1])])?;
    let hi = all
        .iter()
        .copied()
        .reduce(|a, b| [a[0].max(b[0]), a[1].max(b[1])])?;
    let point = |[longitude, latitude]: [f64; 2]| Point {
        longitude,
        latitude,
    };
    Some(haversine_km(point(lo), point(hi)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_zone_and_a_road_are_drawn_as_labelled_paths_inside_the_view() {
        let zone = json!({ "type": "Polygon", "coordinates": [[[110.0, 40.0], [110.1, 40.0], [110.1, 40.1], [110.0, 40.0]]] });
        let road = json!({ "type": "LineString", "coordinates": [[110.0, 40.2], [110.2, 40.3]] });
        let shapes = [
            Shape {
                id: 7,
                label: "A & B".into(),
                kind: ZoneKind::Zone,
                geometry: &zone,
                corridor_m: None,
            },
            Shape {
                id: 8,
                label: "G210".into(),
                kind: ZoneKind::RoadSection,
                geometry: &road,
                corridor_m: Some(60.0),
            },
        ];
        let svg = draw(&shapes, &[], "map").unwrap();
        assert!(
            svg.contains(r#"<g id="map-zone-7" class="map-zone">"#),
            "{svg}"
        );
        assert!(svg.contains(r#"<g id="map-zone-8" class="map-road_section">"#));
        assert!(svg.contains("A &amp; B") && !svg.contains("A & B"));
        assert!(!svg.contains("style="), "no inline style");
        // Every coordinate lies inside the viewBox.
        let p = Projection::fit(
            [[110.0, 40.0], [110.2, 40.3]]
                .into_iter()
                .chain([[110.1, 40.1]]),
        )
        .unwrap();
        for pos in [[110.0, 40.0], [110.2, 40.3]] {
            let (x, y) = p.xy(pos);
            assert!((0.0..=WIDTH).contains(&x) && (0.0..=p.height).contains(&y));
        }
        assert!(span_km(&shapes).unwrap() > 30.0);
    }

    #[test]
    fn nothing_to_draw_is_no_map() {
        assert!(draw(&[], &[], "map").is_none());
    }
}

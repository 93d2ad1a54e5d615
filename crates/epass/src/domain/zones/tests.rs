//! Parsing zones and the catalogue the credential library compiles.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use epass_credential::Catalogue;
use epass_credential::geo::PlaceCheck;
use serde_json::{Value, json};

use super::*;

fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [[
        [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]
    ]]})
}

fn road(width: f64) -> Value {
    json!({ "type": "Feature",
        "geometry": { "type": "LineString", "coordinates": [[110.0, 40.4], [110.1, 40.4]] },
        "properties": { "kind": "road_section", "name_zh": "G210", "corridor_width_m": width } })
}

fn stored(id: i64, kind: ZoneKind, g: &ZoneGeometry) -> Zone {
    Zone {
        id,
        authority_id: 1,
        kind,
        name_zh: format!("区域{id}"),
        name_en: Some(format!("Zone {id}")),
        geometry: g.to_geojson(),
        corridor_m: g.corridor_m(),
        created_at: 0,
        updated_at: 0,
        retired_at: None,
    }
}

#[test]
fn a_polygon_parses_as_a_zone_and_keeps_its_coordinates() {
    let g = ZoneGeometry::parse(ZoneKind::Zone, &square(110.04, 40.40, 0.01)).unwrap();
    assert_eq!(g.kind(), ZoneKind::Zone);
    assert_eq!(g.positions(), 5);
    assert_eq!(g.corridor_m(), None);
    assert_eq!(g.to_geojson()["type"], "Polygon");
}

#[test]
fn a_line_is_refused_as_a_zone_and_a_polygon_as_a_road_section() {
    let line = road(50.0);
    let err = ZoneGeometry::parse(ZoneKind::Zone, &line).unwrap_err();
    assert_eq!(err.code(), "zone.kind_mismatch");
    assert!(err.message(Lang::Zh).contains("LineString"));
    let err = ZoneGeometry::parse(ZoneKind::RoadSection, &square(1.0, 1.0, 0.1)).unwrap_err();
    assert_eq!(err.code(), "zone.kind_mismatch");
}

#[test]
fn an_open_ring_or_a_short_ring_is_refused_with_where() {
    let open = json!({ "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]] });
    let err = ZoneGeometry::parse(ZoneKind::Zone, &open).unwrap_err();
    assert_eq!(
        err,
        ZoneError::RingNotClosed {
            at: "coordinates[0]".into()
        }
    );
    let short = json!({ "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]] });
    let err = ZoneGeometry::parse(ZoneKind::Zone, &short).unwrap_err();
    assert_eq!(err.code(), "zone.ring_too_short");
    let hole_open = json!({ "type": "MultiPolygon", "coordinates": [[
        [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
        [[1, 1], [2, 1], [2, 2], [1, 2]]
    ]]});
    let err = ZoneGeometry::parse(ZoneKind::Zone, &hole_open).unwrap_err();
    assert_eq!(
        err,
        ZoneError::RingNotClosed {
            at: "coordinates[0][1]".into()
        }
    );
}

#[test]
fn positions_out_of_range_or_not_numbers_are_named() {
    let g = json!({ "type": "LineString", "coordinates": [[110.0, 95.0], [110.1, 40.0]] });
    let err = ZoneGeometry::parse(ZoneKind::RoadSection, &g).unwrap_err();
    assert_eq!(
        err,
        ZoneError::Latitude {
            at: "coordinates[0]".into(),
            value: 95.0
        }
    );
    assert!(err.message(Lang::En).contains("95"));
    let g = json!({ "type": "LineString", "coordinates": [[181, 40], [110, 40]] });
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::RoadSection, &g)
            .unwrap_err()
            .code(),
        "zone.longitude_range"
    );
    let g = json!({ "type": "LineString", "coordinates": [[110, "40"], [110, 40]] });
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::RoadSection, &g).unwrap_err(),
        ZoneError::BadPosition {
            at: "coordinates[0]".into()
        }
    );
    let g = json!({ "type": "LineString", "coordinates": [[110, 40]] });
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::RoadSection, &g)
            .unwrap_err()
            .code(),
        "zone.line_too_short"
    );
}

#[test]
fn road_sections_need_a_corridor_of_one_to_five_thousand_metres() {
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::RoadSection, &road(50.0))
            .unwrap()
            .corridor_m(),
        Some(50.0)
    );
    for bad in [0.5, 5000.5, -3.0] {
        let err = ZoneGeometry::parse(ZoneKind::RoadSection, &road(bad)).unwrap_err();
        assert_eq!(err.code(), "zone.corridor_range", "{bad}");
    }
    let bare = road(50.0)["geometry"].clone();
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::RoadSection, &bare).unwrap_err(),
        ZoneError::CorridorMissing
    );
    let mut zone = json!({ "type": "Feature", "geometry": square(1.0, 1.0, 0.1),
        "properties": { "corridor_width_m": 20 } });
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::Zone, &zone).unwrap_err(),
        ZoneError::CorridorOnZone
    );
    zone["properties"]["corridor_width_m"] = Value::Null;
    assert!(ZoneGeometry::parse(ZoneKind::Zone, &zone).is_ok());
}

#[test]
fn other_geometry_types_and_non_geojson_are_refused() {
    let point = json!({ "type": "Point", "coordinates": [110.0, 40.0] });
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::Zone, &point)
            .unwrap_err()
            .code(),
        "zone.geometry_type"
    );
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::Zone, &json!([1, 2])).unwrap_err(),
        ZoneError::NotGeoJson
    );
    let empty = json!({ "type": "MultiPolygon", "coordinates": [] });
    assert_eq!(
        ZoneGeometry::parse(ZoneKind::Zone, &empty)
            .unwrap_err()
            .code(),
        "zone.empty"
    );
}

#[test]
fn a_feature_gives_its_names_and_an_inferred_kind() {
    let f = json!({ "type": "Feature", "id": 7, "geometry": square(110.0, 40.0, 0.1),
        "properties": { "name": "树林召镇", "name_en": " Shulinzhao " } });
    let z = ZoneFeature::parse(&f).unwrap();
    assert_eq!(z.geometry.kind(), ZoneKind::Zone);
    assert_eq!((z.id, z.name_zh.as_str()), (Some(7), "树林召镇"));
    assert_eq!(z.name_en.as_deref(), Some("Shulinzhao"));
    let unnamed =
        json!({ "type": "Feature", "geometry": square(110.0, 40.0, 0.1), "properties": {} });
    assert_eq!(ZoneFeature::parse(&unnamed).unwrap_err(), ZoneError::Name);
    let wrong = json!({ "type": "Feature", "geometry": square(110.0, 40.0, 0.1),
        "properties": { "kind": "area", "name_zh": "x" } });
    assert_eq!(ZoneFeature::parse(&wrong).unwrap_err().code(), "zone.kind");
}

#[test]
fn the_catalogue_round_trips_through_the_credential_library_and_evaluates_places() {
    let zone = ZoneGeometry::parse(ZoneKind::Zone, &square(110.04, 40.40, 0.01)).unwrap();
    let line = ZoneGeometry::parse(ZoneKind::RoadSection, &road(100.0)).unwrap();
    let catalogue = catalogue_json(&[
        stored(3, ZoneKind::Zone, &zone),
        stored(4, ZoneKind::RoadSection, &line),
    ]);
    let compiled = Catalogue::from_geojson(&catalogue).unwrap();
    assert_eq!(compiled.len(), (1, 1));
    assert_eq!(compiled.check(&[3], &[], 110.04, 40.40), PlaceCheck::Inside);
    assert_eq!(
        compiled.check(&[3], &[], 110.10, 40.40),
        PlaceCheck::Outside
    );
    // The road runs along latitude 40.4; 0.0004° of latitude is about 44 m, 0.0006° about 67 m.
    assert_eq!(
        compiled.check(&[], &[4], 110.05, 40.4004),
        PlaceCheck::Inside
    );
    assert_eq!(
        compiled.check(&[], &[4], 110.05, 40.4006),
        PlaceCheck::Outside
    );
    assert_eq!(
        compiled.check(&[9], &[], 110.04, 40.40),
        PlaceCheck::Unknown
    );
    let d = compiled.distance_to_road_m(4, 110.05, 40.4004).unwrap();
    // 0.0004° of latitude is 44.5 m; the centre line is a great-circle arc, which bows a
    // little towards the pole between its ends, so the point is slightly nearer.
    assert!((d - 44.5).abs() < 2.0, "{d}");
}

#[test]
fn an_empty_catalogue_still_compiles() {
    let compiled = Catalogue::from_geojson(&catalogue_json(&[])).unwrap();
    assert!(compiled.is_empty());
}

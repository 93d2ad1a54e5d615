//! Demo zones, road sections and checkpoints around Dalad Banner (达拉特旗, 150621) and Weihai
//! (威海, 371000). Weihai gets its own authority, so the demo holds two authorities' bundles
//! (mutual recognition). Positions are plausible, not surveyed.

use serde_json::{Value, json};

use crate::actions::checkpoints::{self, CheckpointInput};
use crate::actions::zones::{self, ImportOutcome};
use crate::actions::{ActionError, ActionResult, Actor, keys, orgs};
use crate::pii::PiiKeys;
use crate::store::Db;
use crate::store::orgs::Org;

fn zone(name_zh: &str, name_en: &str, ring: &[[f64; 2]]) -> Value {
    json!({ "type": "Feature",
        "geometry": { "type": "Polygon", "coordinates": [ring] },
        "properties": { "kind": "zone", "name_zh": name_zh, "name_en": name_en } })
}

fn road(name_zh: &str, name_en: &str, line: &[[f64; 2]], corridor_m: f64) -> Value {
    json!({ "type": "Feature",
        "geometry": { "type": "LineString", "coordinates": line },
        "properties": { "kind": "road_section", "name_zh": name_zh, "name_en": name_en,
                        "corridor_width_m": corridor_m } })
}

/// Dalad Banner: the town centre of 树林召镇 (≈ 110.04°E 40.40°N), the development zone to
/// its east, the G65 包茂高速 west of town and G210 north towards the Yellow River.
fn dalad() -> Vec<Value> {
    vec![
        zone(
            "树林召镇中心城区",
            "Shulinzhao town centre",
            &[
                [110.005, 40.375],
                [110.075, 40.372],
                [110.085, 40.400],
                [110.070, 40.425],
                [110.020, 40.428],
                [110.000, 40.405],
                [110.005, 40.375],
            ],
        ),
        zone(
            "达拉特经济开发区",
            "Dalad economic development zone",
            &[
                [110.090, 40.330],
                [110.160, 40.330],
                [110.160, 40.370],
                [110.090, 40.370],
                [110.090, 40.330],
            ],
        ),
        road(
            "包茂高速（G65）树林召段",
            "G65 Baotou–Maoming Expressway, Shulinzhao section",
            &[[110.010, 40.300], [110.000, 40.380], [109.985, 40.480]],
            50.0,
        ),
        road(
            "G210 国道树林召至黄河大桥段",
            "G210, Shulinzhao to the Yellow River bridge",
            &[[110.050, 40.430], [110.060, 40.500], [110.050, 40.560]],
            50.0,
        ),
    ]
}

/// Weihai: the port area (≈ 122.15°E 37.51°N), the Huancui city centre, and a section of
/// 青威高速 south-west of the city.
fn weihai() -> Vec<Value> {
    vec![
        zone(
            "威海港港区",
            "Weihai port area",
            &[
                [122.135, 37.495],
                [122.175, 37.495],
                [122.180, 37.520],
                [122.140, 37.525],
                [122.135, 37.495],
            ],
        ),
        zone(
            "环翠区中心城区",
            "Huancui city centre",
            &[
                [122.080, 37.490],
                [122.135, 37.490],
                [122.135, 37.530],
                [122.080, 37.530],
                [122.080, 37.490],
            ],
        ),
        road(
            "青威高速威海段",
            "Qingdao–Weihai Expressway, Weihai section",
            &[[122.050, 37.420], [121.950, 37.350], [121.850, 37.280]],
            60.0,
        ),
    ]
}

async fn import(
    db: &Db,
    pii: &PiiKeys,
    actor: &Actor,
    org: &Org,
    features: Vec<Value>,
) -> ActionResult<Vec<i64>> {
    let collection = json!({ "type": "FeatureCollection", "features": features });
    match zones::import_as(db, pii, actor, org, &collection).await? {
        ImportOutcome::Imported(done) => Ok(done.created),
        // The demo features above are fixed and valid; a refusal is a bug in this file.
        ImportOutcome::Rejected(errors) => Err(ActionError::Internal(format!(
            "demo zones refused: {errors:?}"
        ))),
    }
}

async fn checkpoint(
    db: &Db,
    actor: &Actor,
    org: &Org,
    name: &str,
    (longitude, latitude): (f64, f64),
    guards: Vec<i64>,
) -> ActionResult<()> {
    let input = CheckpointInput {
        org_id: org.id,
        name: name.into(),
        longitude,
        latitude,
        guards,
    };
    checkpoints::create_as(db, actor, org, &input)
        .await
        .map(drop)
}

/// Seeds the zones, road sections and checkpoints of `dalad` (the demo authority), creates the
/// Weihai authority with its own, and gives both signing keys so both publish a bundle that
/// carries their catalogue. Returns the Weihai authority.
pub async fn seed_demo_zones(db: &Db, pii: &PiiKeys, dalad: &Org) -> ActionResult<Org> {
    let actor = Actor::default();
    let d = import(db, pii, &actor, dalad, self::dalad()).await?;
    checkpoint(
        db,
        &actor,
        dalad,
        "包茂高速达拉特旗收费站卡口",
        (110.002, 40.372),
        vec![d[2]],
    )
    .await?;
    checkpoint(
        db,
        &actor,
        dalad,
        "树林召北出口 G210 卡口",
        (110.051, 40.438),
        vec![d[3], d[0]],
    )
    .await?;
    let weihai = orgs::create_authority(db, &actor, "威海市疫情防控指挥部", "371000").await?;
    let w = import(db, pii, &actor, &weihai, self::weihai()).await?;
    checkpoint(
        db,
        &actor,
        &weihai,
        "威海港客运站卡口",
        (122.150, 37.505),
        vec![w[0]],
    )
    .await?;
    checkpoint(
        db,
        &actor,
        &weihai,
        "青威高速威海收费站卡口",
        (122.030, 37.406),
        vec![w[2]],
    )
    .await?;
    keys::ensure_authority_keys(db, pii, &actor, dalad.id).await?;
    keys::ensure_authority_keys(db, pii, &actor, weihai.id).await?;
    Ok(weihai)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::zones::ZoneFeature;

    #[test]
    fn every_demo_feature_parses() {
        for f in dalad().iter().chain(weihai().iter()) {
            ZoneFeature::parse(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
    }
}

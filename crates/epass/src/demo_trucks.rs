//! Demo truck restrictions for Dalad Banner (达拉特旗, 150621), so a newcomer can try the lookup
//! at `/trucks/lookup`: the town centre inside the ring road is closed to heavy trucks in the
//! workday peaks, and a stretch of G210 is closed to dangerous goods at all times. Positions are
//! plausible, not surveyed.

use serde_json::json;

use crate::actions::truck_restrictions::{self, PublishInput};
use crate::actions::zones::{self, ImportOutcome};
use crate::actions::{ActionError, ActionResult, Actor};
use crate::pii::PiiKeys;
use crate::store::Db;
use crate::store::orgs::Org;

/// The demo document: one ring-road zone (id 1) and one road section (id 2).
pub fn document() -> serde_json::Value {
    json!({
        "areas": { "type": "FeatureCollection", "features": [
            { "type": "Feature",
              "geometry": { "type": "Polygon", "coordinates": [[
                  [110.010, 40.380], [110.070, 40.380], [110.070, 40.420],
                  [110.010, 40.420], [110.010, 40.380]]] },
              "properties": { "id": 1, "kind": "zone", "name_zh": "树林召镇环城路以内",
                              "name_en": "Shulinzhao inside the ring road" } },
            { "type": "Feature",
              "geometry": { "type": "LineString", "coordinates": [
                  [110.040, 40.420], [110.045, 40.470], [110.050, 40.520]] },
              "properties": { "id": 2, "kind": "road_section", "name_zh": "G210 城北段",
                              "name_en": "G210 north of town", "corridor_width_m": 60 } }
        ] },
        "rules": [
            { "id": "ring-peak", "name_zh": "环城路以内早晚高峰重型货车禁行",
              "name_en": "Heavy trucks barred inside the ring road at peak hours",
              "areas": [1], "classes": ["heavy"],
              "hours": { "workday": ["07:00-09:00", "17:00-19:00"] }, "pass_lifts": true },
            { "id": "g210-dg", "name_zh": "G210 城北段危险货物运输车全天禁行",
              "name_en": "Dangerous goods barred on G210 north of town",
              "areas": [2], "classes": ["dangerous_goods"],
              "hours": { "workday": ["00:00-24:00"], "weekend": ["00:00-24:00"],
                         "holiday": ["00:00-24:00"] }, "pass_lifts": false }
        ]
    })
}

/// Publishes the demo restrictions of `city`, in force from now. Their two areas are first
/// added to the city's zones table, and the restriction document names them by those ids, so a
/// truck code application can ask for them and its credential carries them
/// (`actions::truck_codes`).
pub async fn seed(db: &Db, pii: &PiiKeys, actor: &Actor, city: &Org) -> ActionResult<()> {
    let mut doc = document();
    let mut features = doc["areas"]["features"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for f in &mut features {
        if let Some(props) = f["properties"].as_object_mut() {
            props.remove("id");
        }
    }
    let import = json!({ "type": "FeatureCollection", "features": features });
    let created = match zones::import_as(db, pii, actor, city, &import).await? {
        ImportOutcome::Imported(done) => done.created,
        ImportOutcome::Rejected(errors) => {
            return Err(ActionError::Internal(format!(
                "demo truck areas refused: {errors:?}"
            )));
        }
    };
    let (Some(ring), Some(g210)) = (created.first(), created.get(1)) else {
        return Err(ActionError::Internal("demo truck areas not created".into()));
    };
    doc["areas"]["features"][0]["properties"]["id"] = json!(ring);
    doc["areas"]["features"][1]["properties"]["id"] = json!(g210);
    doc["rules"][0]["areas"] = json!([ring]);
    doc["rules"][1]["areas"] = json!([g210]);
    let input = PublishInput {
        city: city.division_code.clone(),
        effective_from: None,
        note: Some("演示数据 / demo data".into()),
        document: doc,
    };
    truck_restrictions::publish_as(db, actor, city, &input).await?;
    println!(
        "Truck restrictions of {} published: try /trucks/lookup?city={}&class=heavy&lon=110.04&lat=40.40",
        city.name, city.division_code
    );
    Ok(())
}

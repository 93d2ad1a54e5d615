//! Demo applications in every state — waiting at level 1 and at level 2, returned, rejected,
//! issued, suspended and revoked — so each role finds work and history on first start — and an
//! approved invitation with places for drivers to apply with.

use serde_json::json;

use crate::actions::applications::{SubmitInput, submit};
use crate::actions::passes::{StatusChange, StatusInput, change_status};
use crate::actions::review::{DecisionInput, Verb, decide};
use crate::actions::{ActionResult, Caller};
use crate::app::AppState;
use crate::store::{pass_types, users};

async fn caller(state: &AppState, phone: &str) -> ActionResult<Caller> {
    let user = users::find_by_phone(state.db.pool(), phone)
        .await?
        .ok_or(crate::actions::ActionError::NotFound)?;
    Ok(Caller {
        user_id: user.id,
        grants: users::grants(state.db.pool(), user.id).await?,
        token_scopes: None,
        client_addr: None,
    })
}

fn day(offset: i64) -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date()
        + time::Duration::days(offset);
    date.to_string()
}

/// Seeds the applications; `applicant`, `level1` and `level2` are demo phone numbers.
pub async fn seed(
    state: &AppState,
    authority_id: i64,
    road_section: i64,
    applicant: &str,
    level1: &str,
    level2: &str,
) -> ActionResult<()> {
    let applicant = caller(state, applicant).await?;
    let level1 = caller(state, level1).await?;
    let level2 = caller(state, level2).await?;
    let personnel = pass_types::list_active(
        state.db.pool(),
        &pass_types::Filter {
            authority_id: Some(authority_id),
            kind: None,
            after_id: 0,
            limit: 100,
            at_ms: crate::store::now_ms(),
        },
    )
    .await?
    .into_iter()
    .find(|t| t.code == "personnel_vehicle")
    .ok_or(crate::actions::ActionError::NotFound)?;
    let link = state.config.public_url();
    let approve = |version| DecisionInput {
        action: Verb::Approve,
        reason_code: None,
        reason_text: None,
        version,
    };
    // (plate, driver, how far it gets)
    let plan: [(&str, &str, u8); 7] = [
        ("蒙K10001", "孙司机", 0),
        ("蒙K10002", "周司机", 1),
        ("蒙K10003", "吴司机", 2),
        ("蒙K10004", "郑司机", 3),
        ("蒙K10005", "王司机", 4),
        ("蒙K10006", "冯司机", 5),
        ("蒙KD1007", "陈司机", 6),
    ];
    // The registry knows the demo vehicles: legal, no unresolved violations.
    let mut csv = String::from(
        "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n",
    );
    for (plate, driver, _) in plan {
        csv.push_str(&format!("{plate},小型汽车,{driver},0,normal,2026-01-01\n"));
    }
    let origin = crate::registry::Origin {
        file_name: "demo-vehicles.csv",
        actor: "demo",
    };
    let report = crate::registry::import(
        &state.db,
        &state.pii,
        crate::registry::RegistryKind::Vehicles,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .map_err(|e| crate::actions::ActionError::Internal(format!("demo registry: {e}")))?;
    if !report.errors.is_empty() {
        return Err(crate::actions::ActionError::Internal(format!(
            "demo registry: {:?}",
            report.errors
        )));
    }
    for (plate, driver, stage) in plan {
        let values = json!({
            "plate": plate, "vehicle_type": "small_car", "driver_name": driver,
            "id_number": "11010519491231002X", "holder_category": "supply_delivery",
            "road_sections": [road_section.to_string()], "daily_window": "06:00-22:00",
            "valid_from": day(0), "valid_to": day(30),
        });
        let input = SubmitInput {
            pass_type_id: personnel.id,
            values: values.as_object().cloned().unwrap_or_default(),
            agreed: true,
        };
        let app = submit(
            &state.db,
            &state.pii,
            state.registry.as_ref(),
            &applicant,
            &input,
        )
        .await?;
        let (who, what) = match stage {
            0 => continue,
            2 => (
                &level1,
                DecisionInput {
                    action: Verb::Return,
                    reason_code: None,
                    reason_text: Some("请补充行驶证照片 / add the vehicle licence photo".into()),
                    version: app.version,
                },
            ),
            3 => (
                &level1,
                DecisionInput {
                    action: Verb::Reject,
                    reason_code: Some("not_eligible".into()),
                    reason_text: Some("不属于保供车辆 / not a supply vehicle".into()),
                    version: app.version,
                },
            ),
            _ => (&level1, approve(app.version)),
        };
        let decided = decide(&state.db, &state.pii, &link, who, app.id, &what).await?;
        if stage < 4 {
            continue;
        }
        let issued = decide(
            &state.db,
            &state.pii,
            &link,
            &level2,
            app.id,
            &approve(decided.application.version),
        )
        .await?;
        let Some(pass) = issued.pass else { continue };
        let change = match stage {
            5 => StatusChange::Suspend,
            6 => StatusChange::Revoke,
            _ => continue,
        };
        let input = StatusInput {
            action: change,
            reason: "演示 / demo".into(),
        };
        change_status(&state.db, &state.pii, &level2, pass.id, &input).await?;
    }
    invitation(state, personnel.id, road_section, &level1, &level2).await
}

/// A pass request with 20 places, filed by the organisation admin and approved by the authority;
/// its code is printed so a driver can apply with it at once.
async fn invitation(
    state: &AppState,
    pass_type_id: i64,
    road_section: i64,
    admin: &Caller,
    reviewer: &Caller,
) -> ActionResult<()> {
    use crate::actions::invitations::{self, RequestDecision, RequestInput, RequestVerb};
    let preset = json!({
        "road_sections": [road_section.to_string()], "holder_category": "supply_delivery",
        "daily_window": "06:00-22:00",
    });
    let input = RequestInput {
        pass_type_id,
        org_id: None,
        places: 20,
        purpose: "城区生活物资保供运输 / supply runs into town".into(),
        valid_from: day(0),
        valid_to: day(30),
        preset: preset.as_object().cloned().unwrap_or_default(),
    };
    let req = invitations::file(&state.db, admin, &input).await?;
    let link = state.config.public_url();
    let decision = RequestDecision {
        action: RequestVerb::Approve,
        reason_code: None,
        reason_text: None,
    };
    let req = invitations::decide(&state.db, reviewer, &link, req.id, &decision).await?;
    let code = req.code.as_deref().unwrap_or_default();
    println!(
        "Demo invitation code {} (20 places): drivers log in and apply at {}\n",
        invitations::display_code(code),
        invitations::join_link(&link, code),
    );
    Ok(())
}

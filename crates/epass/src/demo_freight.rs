//! Demo point-to-point freight passes (点对点运输电子通行证) through the direct flow, for both
//! demo authorities: Dalad Banner and Weihai each get two issued freight passes and one
//! application still in review, with the registries the checks read (vehicles, a negative test
//! sampled the evening before travel, a green health code). Weihai gets its own liaison group,
//! carrier and reviewers so its workflow has people to act.

use serde_json::json;

use crate::actions::applications::{SubmitInput, submit};
use crate::actions::review::{DecisionInput, Verb, decide};
use crate::actions::users::UserInput;
use crate::actions::{ActionError, ActionResult, Actor, Caller, users as user_actions};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::registry::{Origin, RegistryKind};
use crate::store::orgs::{NewOrg, Org, OrgKind};
use crate::store::{StoreError, audit, pass_types, users};

const DAY_MS: i64 = 86_400_000;
const BEIJING_MS: i64 = 8 * 3_600_000;

/// How far a demo application gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Level1,
    Level2,
    Issued,
}

/// One demo freight application.
struct Load {
    plate: &'static str,
    driver: &'static str,
    /// Birth date and sequence of the driver's (valid, made-up) ID number.
    birth: &'static str,
    seq: u32,
    phone: &'static str,
    to: (&'static str, &'static str),
    cargo: &'static str,
    route: &'static str,
    stage: Stage,
}

/// The people acting for one authority: applicant, level 1, level 2 (phone numbers).
struct Crew {
    applicant: &'static str,
    level1: &'static str,
    level2: &'static str,
}

/// A GB 11643 ID number: division, birth date `YYYYMMDD`, 3-digit sequence and check digit.
fn id_number(division: &str, birth: &str, seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("{division}{birth}{:03}", seq % 1000);
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = char::from(b"10X98765432"[(sum % 11) as usize]);
    format!("{body}{check}")
}

/// Midnight (Beijing) of today plus `days`, in milliseconds.
fn local_midnight(days: i64) -> i64 {
    (crate::store::now_ms() + BEIJING_MS).div_euclid(DAY_MS) * DAY_MS - BEIJING_MS + days * DAY_MS
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.to_offset(time::macros::offset!(+8))
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

async fn caller(state: &AppState, phone: &str) -> ActionResult<Caller> {
    let user = users::find_by_phone(state.db.pool(), phone)
        .await?
        .ok_or(ActionError::NotFound)?;
    Ok(Caller {
        user_id: user.id,
        grants: users::grants(state.db.pool(), user.id).await?,
        token_scopes: None,
        client_addr: None,
    })
}

/// Weihai's liaison group (level 1) with a carrier under it, and three accounts.
async fn weihai_people(state: &AppState, weihai: &Org) -> ActionResult<Crew> {
    let actor = Actor::default();
    let mut tx = state.db.begin().await?;
    let liaison = crate::store::orgs::insert(
        &mut tx,
        &NewOrg {
            parent: Some(weihai),
            kind: OrgKind::Department,
            name: "环翠区疫情防控联络组",
            division_code: "371002",
            credit_code: None,
            credit_code_override_by: None,
        },
    )
    .await?;
    let carrier = crate::store::orgs::insert(
        &mut tx,
        &NewOrg {
            parent: Some(&liaison),
            kind: OrgKind::Company,
            name: "威海港通物流有限公司",
            division_code: "371002",
            credit_code: None,
            credit_code_override_by: None,
        },
    )
    .await?;
    for org in [&liaison, &carrier] {
        let mut event = actor.event("org.created", "org", org.id);
        event.after = Some(json!({ "name": org.name, "demo": true }));
        audit::insert(&mut tx, &event).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    let accounts = [
        (
            "13800000011",
            "于审核",
            Some(Role::AuthorityReviewer),
            weihai,
        ),
        ("13800000012", "曲联络", Some(Role::Reviewer), &liaison),
        ("13800000013", "丛司机", None, &carrier),
    ];
    for (phone, name, role, org) in accounts {
        let input = UserInput {
            phone: phone.into(),
            name: name.into(),
            org_id: org.id,
            roles: role.into_iter().collect(),
            password: Some(crate::demo::DEMO_PASSWORD.into()),
        };
        user_actions::create(&state.db, None, &actor, &input).await?;
        let role = role.map_or("applicant", Role::as_str);
        println!("  {phone:<12} {name:<10} {role:<20} {}", org.name);
    }
    Ok(Crew {
        applicant: "13800000013",
        level1: "13800000012",
        level2: "13800000011",
    })
}

async fn import(state: &AppState, kind: RegistryKind, csv: &str) -> ActionResult<()> {
    let origin = Origin {
        file_name: "demo-freight.csv",
        actor: "demo",
    };
    let report =
        crate::registry::import(&state.db, &state.pii, kind, &origin, csv.as_bytes(), |_| {})
            .await
            .map_err(|e| ActionError::Internal(format!("demo registry: {e}")))?;
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(ActionError::Internal(format!(
            "demo registry: {:?}",
            report.errors
        )))
    }
}

/// The registries the freight checks read: each vehicle legal, each driver tested negative the
/// evening before travel and green.
async fn registries(state: &AppState, loads: &[(&str, &Load)]) -> ActionResult<()> {
    let evening = rfc3339(local_midnight(0) - 4 * 3_600_000);
    let mut vehicles = String::from(
        "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n",
    );
    let mut tests = String::from("holder_id_number,sampled_at,result,institution\n");
    let mut health = String::from("holder_id_number,colour,updated_at\n");
    for (division, load) in loads {
        let id = id_number(division, load.birth, load.seq);
        vehicles.push_str(&format!(
            "{},重型厢式货车,{},0,normal,2026-01-01\n",
            load.plate, load.driver
        ));
        tests.push_str(&format!("{id},{evening},negative,{division} 核酸检测点\n"));
        health.push_str(&format!("{id},green,{evening}\n"));
    }
    import(state, RegistryKind::Vehicles, &vehicles).await?;
    import(state, RegistryKind::Tests, &tests).await?;
    import(state, RegistryKind::Health, &health).await
}

/// Applies for each load as the crew's applicant and takes it as far as its stage.
async fn apply(
    state: &AppState,
    authority: &Org,
    from: (&str, &str),
    crew: &Crew,
    loads: &[Load],
) -> ActionResult<()> {
    let freight = pass_types::list_active(
        state.db.pool(),
        &pass_types::Filter {
            authority_id: Some(authority.id),
            kind: None,
            after_id: 0,
            limit: 100,
            at_ms: crate::store::now_ms(),
        },
    )
    .await?
    .into_iter()
    .find(|t| t.code == "freight")
    .ok_or(ActionError::NotFound)?;
    let applicant = caller(state, crew.applicant).await?;
    let level1 = caller(state, crew.level1).await?;
    let level2 = caller(state, crew.level2).await?;
    let link = state.config.public_url();
    let approve = |version| DecisionInput {
        action: Verb::Approve,
        reason_code: None,
        reason_text: None,
        version,
    };
    for load in loads {
        let values = json!({
            "plate": load.plate, "applicant_role": "carrier",
            "origin_division": from.0, "origin_address": from.1,
            "destination_division": load.to.0, "destination_address": load.to.1,
            "cargo_type": load.cargo, "route": load.route,
            "travel_from": rfc3339(local_midnight(0)), "travel_to": rfc3339(local_midnight(3)),
            "driver_name": load.driver, "phone": load.phone,
            "id_number": id_number(&authority.division_code, load.birth, load.seq),
        });
        let input = SubmitInput {
            pass_type_id: freight.id,
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
        if load.stage == Stage::Level1 {
            continue;
        }
        let decided = decide(
            &state.db,
            &state.pii,
            &link,
            &level1,
            app.id,
            &approve(app.version),
        )
        .await?;
        if load.stage == Stage::Level2 {
            continue;
        }
        decide(
            &state.db,
            &state.pii,
            &link,
            &level2,
            app.id,
            &approve(decided.application.version),
        )
        .await?;
    }
    Ok(())
}

/// Seeds the freight demo of both authorities.
pub async fn seed(state: &AppState, dalad: &Org, weihai: &Org) -> ActionResult<()> {
    crate::actions::pass_types::seed_standard(&state.db, &Actor::default(), weihai.id).await?;
    let weihai_crew = weihai_people(state, weihai).await?;
    let dalad_loads = [
        Load {
            plate: "蒙K20001",
            driver: "白师傅",
            birth: "19800312",
            seq: 11,
            phone: "13900150001",
            to: ("150602", "鄂尔多斯市东胜区铁西农贸批发市场"),
            cargo: "daily_necessities",
            route: "树林召镇物流园 → G210 → 包茂高速（G65）→ 东胜区",
            stage: Stage::Issued,
        },
        Load {
            plate: "蒙K20002",
            driver: "高师傅",
            birth: "19760918",
            seq: 23,
            phone: "13900150002",
            to: ("150603", "鄂尔多斯市康巴什区人民医院"),
            cargo: "medical_supplies",
            route: "达拉特经济开发区 → 包茂高速（G65）→ 康巴什区",
            stage: Stage::Issued,
        },
        Load {
            plate: "蒙K20003",
            driver: "乔师傅",
            birth: "19850105",
            seq: 35,
            phone: "13900150003",
            to: ("150202", "包头市东河区农资市场"),
            cargo: "agricultural",
            route: "树林召镇 → G210 黄河大桥 → 包头市东河区",
            stage: Stage::Level1,
        },
    ];
    let weihai_loads = [
        Load {
            plate: "鲁K30001",
            driver: "王师傅",
            birth: "19790622",
            seq: 41,
            phone: "13900371001",
            to: ("370202", "青岛市市南区中心菜市场"),
            cargo: "daily_necessities",
            route: "威海港 → 青威高速 → 青岛市市南区",
            stage: Stage::Issued,
        },
        Load {
            plate: "鲁K30002",
            driver: "姜师傅",
            birth: "19821130",
            seq: 57,
            phone: "13900371002",
            to: ("371002", "威海市环翠区市立医院"),
            cargo: "medical_supplies",
            route: "威海港 → 环翠区中心城区",
            stage: Stage::Issued,
        },
        Load {
            plate: "鲁K30003",
            driver: "刘师傅",
            birth: "19880714",
            seq: 69,
            phone: "13900371003",
            to: ("370602", "烟台市芝罘区生产资料仓库"),
            cargo: "production_materials",
            route: "威海港 → 青威高速 → 烟台市芝罘区",
            stage: Stage::Level2,
        },
    ];
    let mut all: Vec<(&str, &Load)> = Vec::new();
    all.extend(
        dalad_loads
            .iter()
            .map(|l| (dalad.division_code.as_str(), l)),
    );
    all.extend(
        weihai_loads
            .iter()
            .map(|l| (weihai.division_code.as_str(), l)),
    );
    registries(state, &all).await?;
    let dalad_crew = Crew {
        applicant: "13800000007",
        level1: "13800000005",
        level2: "13800000003",
    };
    apply(
        state,
        dalad,
        ("150621", "达拉特旗树林召镇物流园"),
        &dalad_crew,
        &dalad_loads,
    )
    .await?;
    apply(
        state,
        weihai,
        ("371002", "威海港新港区货运码头"),
        &weihai_crew,
        &weihai_loads,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_id_numbers_pass_the_checksum() {
        for (division, birth, seq) in [("150621", "19800312", 11), ("371000", "19821130", 57)] {
            let id = id_number(division, birth, seq);
            crate::domain::ids::IdNumber::parse(&id).unwrap_or_else(|e| panic!("{id}: {e}"));
        }
    }
}

//! Demo data for a first start: one authority with its groups, departments, a carrier, a user
//! for every role, pass types, zones, and applications in every state (freight passes for Dalad
//! Banner and Weihai too), so a newcomer can log in as each role and find work at once.

use crate::actions::users::UserInput;
use crate::actions::{ActionResult, Actor, orgs, users};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::store::orgs::{NewOrg, OrgKind};
use crate::store::{StoreError, audit};

/// The password of every demo account. Printed at first start; change it in production.
pub const DEMO_PASSWORD: &str = "epass-demo-2026";

/// One demo account: phone, name, role, and which organisation (index into the seeded list).
const ACCOUNTS: [(&str, &str, Role, usize); 7] = [
    ("13800000001", "王管理", Role::SystemAdmin, 0),
    ("13800000002", "赵监督", Role::Supervisor, 0),
    // Level-2 review acts for the whole authority, so the grant is at the HQ.
    ("13800000003", "李审核", Role::AuthorityReviewer, 0),
    ("13800000004", "张主管", Role::OrgAdmin, 2),
    ("13800000005", "陈初审", Role::Reviewer, 2),
    ("13800000006", "刘执勤", Role::CheckpointOfficer, 1),
    ("13800000007", "孙司机", Role::Applicant, 4),
];

/// Seeds the demo data into an empty database; returns whether it did.
pub async fn seed_if_empty(state: &AppState) -> ActionResult<bool> {
    if !crate::store::orgs::is_empty(state.db.pool()).await? {
        return Ok(false);
    }
    let actor = Actor::default();
    let hq = orgs::create_authority(&state.db, &actor, "达拉特旗疫情防控指挥部", "150621").await?;
    let mut tx = state.db.begin().await?;
    let mut seeded = vec![hq.clone()];
    let children: [(&str, OrgKind, Option<&str>, usize); 4] = [
        ("达拉特旗交通管控组", OrgKind::Department, None, 0),
        ("达拉特旗交通运输局", OrgKind::Department, None, 0),
        ("达拉特旗卫生健康委员会", OrgKind::Department, None, 0),
        (
            "达拉特旗顺达物流有限公司",
            OrgKind::Company,
            Some("91350100M000100Y43"),
            2,
        ),
    ];
    for (name, kind, credit_code, parent) in children {
        let parent = seeded[parent].clone();
        let org = crate::store::orgs::insert(
            &mut tx,
            &NewOrg {
                parent: Some(&parent),
                kind,
                name,
                division_code: "150621",
                credit_code,
                credit_code_override_by: None,
            },
        )
        .await?;
        let mut event = actor.event("org.created", "org", org.id);
        event.after = Some(serde_json::json!({ "name": name, "kind": kind, "demo": true }));
        audit::insert(&mut tx, &event).await?;
        seeded.push(org);
    }
    tx.commit().await.map_err(StoreError::from)?;

    println!(
        "\nepass demo data created. Log in with a phone number and password {DEMO_PASSWORD:?}:"
    );
    println!(
        "  {:<12} {:<10} {:<20} organisation",
        "phone", "name", "role"
    );
    for (phone, name, role, org) in ACCOUNTS {
        let org = &seeded[org];
        let input = UserInput {
            phone: phone.into(),
            name: name.into(),
            org_id: org.id,
            roles: if role == Role::Applicant {
                vec![]
            } else {
                vec![role]
            },
            password: Some(DEMO_PASSWORD.into()),
        };
        users::create(&state.db, None, &actor, &input).await?;
        println!(
            "  {phone:<12} {name:<10} {:<20} {}",
            role.as_str(),
            org.name
        );
    }
    crate::actions::pass_types::seed_standard(&state.db, &actor, hq.id).await?;
    let weihai = crate::demo_zones::seed_demo_zones(&state.db, &state.pii, &hq).await?;
    let road = crate::store::zones::live_for_authority(state.db.pool(), hq.id)
        .await?
        .into_iter()
        .find(|z| z.kind == crate::domain::zones::ZoneKind::RoadSection)
        .map(|z| z.id)
        .ok_or(crate::actions::ActionError::NotFound)?;
    crate::demo_applications::seed(
        state,
        hq.id,
        road,
        "13800000007",
        "13800000004",
        "13800000003",
    )
    .await?;
    crate::demo_freight::seed(state, &hq, &weihai).await?;
    crate::demo_trucks::seed(&state.db, &state.pii, &actor, &hq).await?;
    let driver = crate::store::users::find_by_phone(state.db.pool(), "13800000007")
        .await?
        .ok_or(crate::actions::ActionError::NotFound)?;
    crate::demo_licences::seed(state, &hq, driver.id).await?;
    println!(
        "Applicants can also log in with a one-time code; with the default log sender the code \
         is printed in the server log.\n"
    );
    Ok(true)
}

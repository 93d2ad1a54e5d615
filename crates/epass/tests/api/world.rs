//! A constructed world for authorisation tests: two regions, organisations in each, and a user
//! for every role in one department.

use epass::actions::Actor;
use epass::actions::orgs::create_authority;
use epass::actions::users::{UserInput, create};
use epass::domain::roles::Role;
use epass::store::orgs::{NewOrg, Org, OrgKind};

use crate::helpers::TestApp;

pub const PASSWORD: &str = "correct horse battery";

/// Organisations: region A with departments A1 (the callers' own) and A2, region B with B1.
#[derive(Debug)]
pub struct World {
    pub region_a: Org,
    pub a1: Org,
    pub a2: Org,
    pub region_b: Org,
    pub b1: Org,
}

async fn child(app: &TestApp, parent: &Org, name: &str, division: &str) -> Org {
    let mut tx = app.db().begin().await.expect("begin");
    let org = epass::store::orgs::insert(
        &mut tx,
        &NewOrg {
            parent: Some(parent),
            kind: OrgKind::Department,
            name,
            division_code: division,
            credit_code: None,
            credit_code_override_by: None,
        },
    )
    .await
    .expect("insert org");
    tx.commit().await.expect("commit");
    org
}

pub async fn build(app: &TestApp) -> World {
    let actor = Actor::default();
    let region_a = create_authority(app.db(), &actor, "达拉特旗指挥部", "150621")
        .await
        .expect("authority A");
    let region_b = create_authority(app.db(), &actor, "威海市指挥部", "371000")
        .await
        .expect("authority B");
    let a1 = child(app, &region_a, "交通运输局", "150621").await;
    let a2 = child(app, &region_a, "卫生健康委", "150621").await;
    let b1 = child(app, &region_b, "交通运输局", "371000").await;
    World {
        region_a,
        a1,
        a2,
        region_b,
        b1,
    }
}

/// Creates a user in `org` holding `roles` there; returns its id.
pub async fn user(app: &TestApp, phone: &str, org: &Org, roles: &[Role]) -> i64 {
    let input = UserInput {
        phone: phone.into(),
        name: "测试用户".into(),
        org_id: org.id,
        roles: roles.to_vec(),
        password: Some(PASSWORD.into()),
    };
    create(app.db(), None, &Actor::default(), &input)
        .await
        .expect("create user")
        .id
}

/// A distinct phone number for the n-th test user.
pub fn phone(n: usize) -> String {
    format!("139{n:08}")
}

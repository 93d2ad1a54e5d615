//! The authorisation matrix: every API route × every role × an object of the caller's own
//! organisation, of another organisation, and of another region. Each route has one row in
//! `ROUTES`; a route missing from the table fails `every_documented_route_has_a_row`.

use epass::domain::roles::Role;
use epass::store::orgs::Org;
use serde_json::{Value, json};

use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD, World};

/// Who may use a route, for a caller whose grants are all over one department (A1).
#[derive(Clone, Copy, Debug)]
pub enum Access {
    /// No login needed.
    Public,
    /// Any logged-in user, acting on their own account.
    Own,
    /// These roles, over an object in their own subtree only.
    Scoped(&'static [Role]),
    /// A list: these roles get it, filtered to their subtree; others are refused.
    ScopedList(&'static [Role]),
    /// Only supervisors or system admins of a whole authority (none of the A1 callers).
    AuthorityWide,
    /// These roles, whatever the object's organisation or region (checkpoints verify every
    /// region's passes: mutual recognition).
    Roles(&'static [Role]),
    /// Any logged-in user, whatever their roles and organisation: data every user reads
    /// (pass types and holiday tables, of any region, since applicants apply across regions).
    AnyUser,
}

#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const STAFF_READERS: &[Role] = &[
    Role::OrgAdmin,
    Role::Reviewer,
    Role::AuthorityReviewer,
    Role::Supervisor,
    Role::SystemAdmin,
];

pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/v1/openapi.json",
        access: Access::Public,
    },
    Route {
        method: "POST",
        path: "/api/v1/auth/code",
        access: Access::Public,
    },
    Route {
        method: "POST",
        path: "/api/v1/auth/login/code",
        access: Access::Public,
    },
    Route {
        method: "POST",
        path: "/api/v1/auth/login/password",
        access: Access::Public,
    },
    Route {
        method: "POST",
        path: "/api/v1/auth/logout",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/me",
        access: Access::Own,
    },
    Route {
        method: "PUT",
        path: "/api/v1/me/id-number",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/tokens",
        access: Access::Own,
    },
    Route {
        method: "POST",
        path: "/api/v1/tokens",
        access: Access::Own,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/tokens/{id}",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/orgs",
        access: Access::ScopedList(STAFF_READERS),
    },
    Route {
        method: "POST",
        path: "/api/v1/orgs",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/orgs/{id}",
        access: Access::Scoped(STAFF_READERS),
    },
    Route {
        method: "GET",
        path: "/api/v1/users",
        access: Access::ScopedList(&[Role::SystemAdmin, Role::Supervisor]),
    },
    Route {
        method: "POST",
        path: "/api/v1/users",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "POST",
        path: "/api/v1/users/{id}/roles",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/users/{id}/id-number",
        access: Access::Scoped(&[Role::AuthorityReviewer, Role::Supervisor, Role::SystemAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/audit",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/alerts",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/alerts/{id}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/api/v1/alerts/{id}/acknowledge",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/statistics",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/log/tree-heads/latest",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/log/tree-heads",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/api/v1/log/tree-heads",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/log/proofs/inclusion",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/log/proofs/consistency",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/passes/{id}/trail",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/users/{id}/trail",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/pass-types",
        access: Access::AnyUser,
    },
    Route {
        method: "GET",
        path: "/api/v1/pass-types/{id}",
        access: Access::AnyUser,
    },
    Route {
        method: "POST",
        path: "/api/v1/pass-types/{id}/form-check",
        access: Access::AnyUser,
    },
    Route {
        method: "POST",
        path: "/api/v1/pass-types",
        access: Access::AuthorityWide,
    },
    Route {
        method: "PUT",
        path: "/api/v1/pass-types/{id}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/pass-types/{id}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/holidays",
        access: Access::AnyUser,
    },
    Route {
        method: "PUT",
        path: "/api/v1/holidays/{date}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/holidays/{date}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/bundle",
        access: Access::Public,
    },
    Route {
        method: "GET",
        path: "/api/v1/trust-anchor",
        access: Access::Public,
    },
    Route {
        method: "GET",
        path: "/api/v1/zones",
        access: Access::Public,
    },
    Route {
        method: "POST",
        path: "/api/v1/zones",
        access: Access::AuthorityWide,
    },
    Route {
        method: "PUT",
        path: "/api/v1/zones/{id}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/zones/{id}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/api/v1/zones/import",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/truck-restrictions/lookup",
        access: Access::Public,
    },
    Route {
        method: "GET",
        path: "/api/v1/truck-restrictions",
        access: Access::Public,
    },
    Route {
        method: "POST",
        path: "/api/v1/truck-restrictions",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/truck-restrictions/versions",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/api/v1/checkpoints",
        access: Access::ScopedList(&[
            Role::OrgAdmin,
            Role::Reviewer,
            Role::AuthorityReviewer,
            Role::CheckpointOfficer,
            Role::Supervisor,
            Role::SystemAdmin,
        ]),
    },
    Route {
        method: "POST",
        path: "/api/v1/checkpoints",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "DELETE",
        path: "/api/v1/checkpoints/{id}",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "POST",
        path: "/api/v1/applications",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/applications",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/reviews/queue",
        access: Access::Own,
    },
    // Each listed application is decided or skipped with why: see `bulk_review`.
    Route {
        method: "POST",
        path: "/api/v1/reviews/bulk",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/applications/{id}",
        access: Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    },
    Route {
        method: "POST",
        path: "/api/v1/applications/{id}/decisions",
        access: Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    },
    Route {
        // Only the applicant uploads, and none of the callers is the fixture's applicant.
        method: "POST",
        path: "/api/v1/applications/{id}/documents",
        access: Access::Scoped(&[]),
    },
    Route {
        method: "GET",
        path: "/api/v1/applications/{id}/documents",
        access: Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    },
    Route {
        method: "GET",
        path: "/api/v1/documents/{id}",
        access: Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    },
    Route {
        method: "POST",
        path: "/api/v1/applications/{id}/resubmit",
        access: Access::Own,
    },
    Route {
        method: "POST",
        path: "/api/v1/applications/bulk",
        access: Access::Scoped(&[Role::OrgAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/pass-requests",
        access: Access::ScopedList(STAFF_READERS),
    },
    Route {
        method: "POST",
        path: "/api/v1/pass-requests",
        access: Access::Scoped(&[Role::OrgAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/pass-requests/{id}",
        access: Access::Scoped(STAFF_READERS),
    },
    Route {
        method: "POST",
        path: "/api/v1/pass-requests/{id}/decision",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/api/v1/pass-requests/{id}/close",
        access: Access::Scoped(&[Role::OrgAdmin, Role::AuthorityReviewer]),
    },
    Route {
        method: "GET",
        path: "/api/v1/pass-requests/{id}/qr",
        access: Access::Scoped(STAFF_READERS),
    },
    Route {
        method: "GET",
        path: "/api/v1/invitations/{code}",
        access: Access::AnyUser,
    },
    Route {
        method: "POST",
        path: "/api/v1/invitations/{code}/applications",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/passes/{id}",
        access: Access::Scoped(&[Role::OrgAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/passes/{id}/qr",
        access: Access::Scoped(&[Role::OrgAdmin]),
    },
    Route {
        method: "GET",
        path: "/api/v1/passes/{id}/pdf",
        access: Access::Scoped(&[Role::OrgAdmin]),
    },
    Route {
        method: "POST",
        path: "/api/v1/passes/{id}/status",
        access: Access::Scoped(&[Role::OrgAdmin]),
    },
    Route {
        method: "POST",
        path: "/api/v1/passes/{id}/extend",
        access: Access::Scoped(&[Role::OrgAdmin]),
    },
    Route {
        method: "POST",
        path: "/api/v1/passes/extend",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/api/v1/checks",
        access: Access::Roles(&[Role::CheckpointOfficer]),
    },
    Route {
        method: "POST",
        path: "/api/v1/checks/batch",
        access: Access::Roles(&[Role::CheckpointOfficer]),
    },
    Route {
        method: "POST",
        path: "/api/v1/verify",
        access: Access::AnyUser,
    },
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    OwnOrg,
    OtherOrg,
    OtherRegion,
}

/// An object of each kind in the target organisation.
struct Fixture {
    org: Org,
    user_id: i64,
}

const ID_NUMBERS: [&str; 3] = [
    "11010519491231002X",
    "440524188001010014",
    "34052419800101001X",
];

async fn fixture(app: &TestApp, org: &Org, n: usize) -> Fixture {
    let user_id = world::user(app, &world::phone(900 + n), org, &[]).await;
    let session = app.login(&world::phone(900 + n), PASSWORD).await;
    let reply = app
        .request(
            "PUT",
            "/api/v1/me/id-number",
            Auth::Session(&session),
            Some(json!({ "id_number": ID_NUMBERS[n] })),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    Fixture {
        org: org.clone(),
        user_id,
    }
}

/// A new token of the fixture's user, for a revocation attempt.
async fn token_of(app: &TestApp, user_id: i64) -> i64 {
    let mut tx = app.db().begin().await.unwrap();
    let token =
        epass::store::tokens::insert(&mut tx, user_id, "t", &rand::random::<[u8; 32]>(), &[])
            .await
            .unwrap();
    tx.commit().await.unwrap();
    token.id
}

/// The authority (root organisation) of the target's region.
fn authority_of(org: &Org) -> i64 {
    org.path
        .split('/')
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap()
}

/// A standard pass type owned by the target's authority.
async fn pass_type_in(app: &TestApp, org: &Org, n: usize) -> i64 {
    let seed = epass::domain::seed_pass_types::standard_pass_types().remove(0);
    let definition =
        epass::domain::pass_type::PassTypeDefinition::from_value(seed.definition).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let fields = epass::store::pass_types::PassTypeFields {
        name_zh: seed.name_zh,
        name_en: seed.name_en,
        active_from: 0,
        definition: &definition,
    };
    let code = format!("matrix_{n}");
    let pt =
        epass::store::pass_types::insert(&mut tx, authority_of(org), &code, seed.kind, &fields)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    pt.id
}

/// An application waiting at level 1, filed by the target's user in the target's organisation.
async fn application_in(app: &TestApp, target: &Fixture, n: usize) -> i64 {
    let pass_type = pass_type_in(app, &target.org, n).await;
    let form = json!({ "driver_name": "张三" });
    let eligibility = json!([]);
    let mut tx = app.db().begin().await.unwrap();
    let application = epass::store::applications::insert(
        &mut tx,
        &epass::store::applications::NewApplication {
            pass_type_id: pass_type,
            pass_type_version: 1,
            authority_id: authority_of(&target.org),
            applicant_id: target.user_id,
            org_id: Some(target.org.id),
            request_id: None,
            form: &form,
            holder_name: "张三",
            holder_id_sealed: None,
            holder_id_masked: None,
            plate: None,
            valid_from: epass::store::now_ms(),
            valid_until: epass::store::now_ms() + 86_400_000,
            priority: 0,
            level_due_at: epass::store::now_ms() + 86_400_000,
            promised_at: epass::store::now_ms() + 86_400_000,
            eligibility: &eligibility,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    application.id
}

/// An issued pass of the target's user, signed with the target authority's key.
async fn pass_in(app: &TestApp, target: &Fixture, n: usize) -> (i64, String) {
    let authority = authority_of(&target.org);
    let actor = epass::actions::Actor::default();
    epass::actions::keys::ensure_authority_keys(app.db(), &app.state.pii, &actor, authority)
        .await
        .unwrap();
    let application = application_in(app, target, n).await;
    let application = epass::store::applications::get(app.db().pool(), application)
        .await
        .unwrap();
    let pass_type = epass::store::pass_types::get(app.db().pool(), application.pass_type_id)
        .await
        .unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let pass = epass::actions::issuance::issue(
        &mut tx,
        &app.state.pii,
        &actor,
        &application,
        &pass_type,
        "http://localhost",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (pass.id, pass.pass_number)
}

/// A document uploaded by the target's user to an application of theirs.
async fn document_in(app: &TestApp, target: &Fixture, n: usize) -> i64 {
    let application_id = application_in(app, target, n).await;
    let owner = epass::actions::Caller {
        user_id: target.user_id,
        grants: Vec::new(),
        token_scopes: None,
        client_addr: None,
    };
    let upload = epass::actions::documents::Upload {
        application_id,
        kind: "id_card",
        bytes: crate::documents::png(),
        max_bytes: 1 << 20,
    };
    epass::actions::documents::upload(app.db(), &app.state.documents, &owner, upload)
        .await
        .unwrap()
        .document
        .id
}

/// A pass request of the target's organisation, filed by the target's user; approved (with its
/// invitation code) when `approve`.
async fn request_in(app: &TestApp, target: &Fixture, n: usize, approve: bool) -> (i64, String) {
    let pass_type = pass_type_in(app, &target.org, n).await;
    let now = epass::store::now_ms();
    let preset = json!({});
    let mut tx = app.db().begin().await.unwrap();
    let req = epass::store::invitations::insert(
        &mut tx,
        &epass::store::invitations::NewPassRequest {
            pass_type_id: pass_type,
            authority_id: authority_of(&target.org),
            org_id: target.org.id,
            requested_by: target.user_id,
            purpose: "测试",
            places: 3,
            preset: &preset,
            valid_from: now,
            valid_until: now + 5 * 86_400_000,
        },
    )
    .await
    .unwrap();
    let code = epass::actions::invitations::new_code();
    if approve {
        assert!(
            epass::store::invitations::approve(&mut tx, req.id, target.user_id, &code, None)
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();
    (req.id, code)
}

/// Today and in five days, as form dates (China time).
fn form_days() -> (String, String) {
    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date();
    (
        today.to_string(),
        (today + time::Duration::days(5)).to_string(),
    )
}

/// A fleet file of one good line for a pass type of the target's authority.
async fn bulk_call(app: &TestApp, session: &Session, target: &Fixture, n: usize) -> (u16, Value) {
    let csv = "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n\
               蒙K12345,小型汽车,张三,0,normal,2026-01-01\n";
    let origin = epass::registry::Origin {
        file_name: "vehicles.csv",
        actor: "test",
    };
    epass::registry::import(
        app.db(),
        &app.state.pii,
        epass::registry::RegistryKind::Vehicles,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .unwrap();
    let (from, to) = form_days();
    let file = format!(
        "plate,vehicle_type,driver_name,id_number,holder_category,road_sections,daily_window,valid_from,valid_to\n\
         蒙K12345,small_car,张三,11010519491231002X,command_staff,1,06:00-22:00,{from},{to}\n"
    );
    let url = format!(
        "/api/v1/applications/bulk?pass_type_id={}&org_id={}&agreed=true",
        pass_type_in(app, &target.org, n).await,
        target.org.id
    );
    let resp = app
        .http
        .post(app.url(&url))
        .header("cookie", format!("epass_session={}", session.cookie))
        .header("x-csrf-token", &session.csrf)
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    (status, body)
}

/// A zone of the target's authority, as a GeoJSON Feature.
fn zone_feature() -> Value {
    json!({ "type": "Feature", "properties": { "name_zh": "测试区域" },
        "geometry": { "type": "Polygon",
            "coordinates": [[[110.0, 40.0], [110.1, 40.0], [110.1, 40.1], [110.0, 40.0]]] } })
}

/// A stored zone of the target's authority.
async fn zone_in(app: &TestApp, org: &Org) -> i64 {
    let feature = epass::domain::zones::ZoneFeature::parse(&zone_feature()).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let zone =
        epass::store::zones::insert(&mut tx, authority_of(org), "测试", None, &feature.geometry)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    zone.id
}

/// A stored checkpoint of the target organisation.
async fn checkpoint_in(app: &TestApp, org: &Org) -> i64 {
    let mut tx = app.db().begin().await.unwrap();
    let new = epass::store::checkpoints::NewCheckpoint {
        org_id: org.id,
        name: "测试卡口",
        longitude: 110.0,
        latitude: 40.0,
        guards: &[],
    };
    let checkpoint = epass::store::checkpoints::insert(&mut tx, &new)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    checkpoint.id
}

/// Sends the route's request against the target; returns the status and body.
async fn call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> (u16, Value) {
    let org = target.org.id;
    let user = target.user_id;
    let (path, body) = match (route.method, route.path) {
        ("DELETE", "/api/v1/tokens/{id}") => (
            format!("/api/v1/tokens/{}", token_of(app, user).await),
            None,
        ),
        ("POST", "/api/v1/orgs") => (
            route.path.to_owned(),
            Some(
                json!({ "parent_id": org, "kind": "department", "name": "新部门", "division_code": "150621" }),
            ),
        ),
        ("GET", "/api/v1/orgs/{id}") => (format!("/api/v1/orgs/{org}"), None),
        ("GET", "/api/v1/alerts/{id}") => ("/api/v1/alerts/1".to_owned(), None),
        ("POST", "/api/v1/alerts/{id}/acknowledge") => (
            "/api/v1/alerts/1/acknowledge".to_owned(),
            Some(json!({ "note": "已核实 / checked" })),
        ),
        ("GET", "/api/v1/log/proofs/inclusion") => (
            "/api/v1/log/proofs/inclusion?leaf=0&size=1".to_owned(),
            None,
        ),
        ("GET", "/api/v1/log/proofs/consistency") => (
            "/api/v1/log/proofs/consistency?from=1&to=2".to_owned(),
            None,
        ),
        ("GET", "/api/v1/passes/{id}/trail") => (
            format!("/api/v1/passes/{}/trail", pass_in(app, target, n).await.0),
            None,
        ),
        ("GET", "/api/v1/users/{id}/trail") => (format!("/api/v1/users/{user}/trail"), None),
        ("POST", "/api/v1/users") => (
            route.path.to_owned(),
            Some(json!({ "phone": world::phone(5000 + n), "name": "新用户", "org_id": org })),
        ),
        ("POST", "/api/v1/users/{id}/roles") => (
            format!("/api/v1/users/{user}/roles"),
            Some(json!({ "role": "reviewer", "org_id": org })),
        ),
        ("GET", "/api/v1/users/{id}/id-number") => {
            (format!("/api/v1/users/{user}/id-number"), None)
        }
        ("GET", "/api/v1/pass-types") => (
            format!("/api/v1/pass-types?authority={}", authority_of(&target.org)),
            None,
        ),
        ("GET" | "DELETE", "/api/v1/pass-types/{id}") => (
            format!(
                "/api/v1/pass-types/{}",
                pass_type_in(app, &target.org, n).await
            ),
            None,
        ),
        ("POST", "/api/v1/pass-types/{id}/form-check") => (
            format!(
                "/api/v1/pass-types/{}/form-check",
                pass_type_in(app, &target.org, n).await
            ),
            Some(json!({ "values": { "plate": "蒙K12345" } })),
        ),
        ("POST", "/api/v1/pass-types") => {
            let seed = epass::domain::seed_pass_types::standard_pass_types().remove(1);
            (
                route.path.to_owned(),
                Some(json!({
                    "authority_id": authority_of(&target.org), "code": format!("matrix_{n}"),
                    "kind": "freight", "name_zh": seed.name_zh, "name_en": seed.name_en,
                    "definition": seed.definition,
                })),
            )
        }
        ("PUT", "/api/v1/pass-types/{id}") => {
            let seed = epass::domain::seed_pass_types::standard_pass_types().remove(0);
            (
                format!(
                    "/api/v1/pass-types/{}",
                    pass_type_in(app, &target.org, n).await
                ),
                Some(json!({
                    "version": 1, "name_zh": "改名", "name_en": "Renamed",
                    "definition": seed.definition,
                })),
            )
        }
        ("GET", "/api/v1/statistics") => (
            format!(
                "/api/v1/statistics?authority={}&by=org",
                authority_of(&target.org)
            ),
            None,
        ),
        ("GET", "/api/v1/holidays") => (
            format!("/api/v1/holidays?authority={}", authority_of(&target.org)),
            None,
        ),
        ("PUT", "/api/v1/holidays/{date}") => (
            "/api/v1/holidays/2026-12-31".to_owned(),
            Some(
                json!({ "authority_id": authority_of(&target.org), "kind": "holiday", "name": "测试" }),
            ),
        ),
        ("DELETE", "/api/v1/holidays/{date}") => (
            format!(
                "/api/v1/holidays/2026-10-01?authority={}",
                authority_of(&target.org)
            ),
            None,
        ),
        ("POST", "/api/v1/zones") => (
            format!("/api/v1/zones?authority={}", authority_of(&target.org)),
            Some(zone_feature()),
        ),
        ("PUT", "/api/v1/zones/{id}") => (
            format!("/api/v1/zones/{}", zone_in(app, &target.org).await),
            Some(zone_feature()),
        ),
        ("DELETE", "/api/v1/zones/{id}") => (
            format!("/api/v1/zones/{}", zone_in(app, &target.org).await),
            None,
        ),
        ("POST", "/api/v1/zones/import") => (
            format!(
                "/api/v1/zones/import?authority={}",
                authority_of(&target.org)
            ),
            Some(json!({ "type": "FeatureCollection", "features": [zone_feature()] })),
        ),
        ("POST", "/api/v1/truck-restrictions") => {
            let doc = epass::demo_trucks::document();
            (
                route.path.to_owned(),
                Some(json!({ "city": authority_of(&target.org).to_string(),
                    "areas": doc["areas"], "rules": doc["rules"] })),
            )
        }
        ("GET", "/api/v1/truck-restrictions/versions") => (
            format!(
                "/api/v1/truck-restrictions/versions?city={}",
                authority_of(&target.org)
            ),
            None,
        ),
        ("GET", "/api/v1/checkpoints") => {
            checkpoint_in(app, &target.org).await;
            (route.path.to_owned(), None)
        }
        ("POST", "/api/v1/checkpoints") => (
            route.path.to_owned(),
            Some(json!({ "org_id": org, "name": "新卡口", "longitude": 110.0, "latitude": 40.4 })),
        ),
        ("DELETE", "/api/v1/checkpoints/{id}") => (
            format!(
                "/api/v1/checkpoints/{}",
                checkpoint_in(app, &target.org).await
            ),
            None,
        ),
        ("GET", "/api/v1/applications/{id}") => (
            format!(
                "/api/v1/applications/{}",
                application_in(app, target, n).await
            ),
            None,
        ),
        ("POST", "/api/v1/applications/{id}/decisions") => (
            format!(
                "/api/v1/applications/{}/decisions",
                application_in(app, target, n).await
            ),
            Some(json!({ "action": "approve", "version": 1 })),
        ),
        ("POST" | "GET", "/api/v1/applications/{id}/documents") => (
            format!(
                "/api/v1/applications/{}/documents?kind=id_card",
                application_in(app, target, n).await
            ),
            None,
        ),
        ("GET", "/api/v1/documents/{id}") => (
            format!("/api/v1/documents/{}", document_in(app, target, n).await),
            None,
        ),
        ("GET", "/api/v1/passes/{id}") => (
            format!("/api/v1/passes/{}", pass_in(app, target, n).await.0),
            None,
        ),
        ("GET", "/api/v1/passes/{id}/qr") => (
            format!("/api/v1/passes/{}/qr", pass_in(app, target, n).await.0),
            None,
        ),
        ("GET", "/api/v1/passes/{id}/pdf") => (
            format!(
                "/api/v1/passes/{}/pdf?size=card",
                pass_in(app, target, n).await.0
            ),
            None,
        ),
        ("POST", "/api/v1/passes/{id}/status") => (
            format!("/api/v1/passes/{}/status", pass_in(app, target, n).await.0),
            Some(json!({ "action": "suspend", "reason": "测试" })),
        ),
        ("POST", "/api/v1/passes/{id}/extend") => (
            format!("/api/v1/passes/{}/extend", pass_in(app, target, n).await.0),
            Some(json!({ "days": 1, "reason": "测试" })),
        ),
        ("POST", "/api/v1/passes/extend") => (
            route.path.to_owned(),
            Some(
                json!({ "pass_type_id": pass_type_in(app, &target.org, n).await,
                         "expiring_before": 0, "days": 1, "reason": "测试" }),
            ),
        ),
        ("POST", "/api/v1/checks") => (
            route.path.to_owned(),
            Some(json!({ "pass_number": pass_in(app, target, n).await.1 })),
        ),
        ("POST", "/api/v1/verify") => {
            let pass = pass_in(app, target, n).await.0;
            let pass = epass::store::passes::get(app.db().pool(), pass)
                .await
                .unwrap();
            (
                route.path.to_owned(),
                Some(json!({ "text": pass.credential })),
            )
        }
        ("POST", "/api/v1/checks/batch") => (
            route.path.to_owned(),
            Some(
                json!({ "checks": [{ "pass_number": pass_in(app, target, n).await.1,
                                      "client_ref": format!("device-{n}"),
                                      "checked_at": epass::store::now_ms() }] }),
            ),
        ),
        ("POST", "/api/v1/applications/bulk") => {
            return bulk_call(app, session, target, n).await;
        }
        ("POST", "/api/v1/pass-requests") => {
            let (from, to) = form_days();
            (
                route.path.to_owned(),
                Some(
                    json!({ "pass_type_id": pass_type_in(app, &target.org, n).await,
                             "org_id": org, "places": 2, "purpose": "测试",
                             "valid_from": from, "valid_to": to }),
                ),
            )
        }
        ("GET", "/api/v1/pass-requests") => {
            request_in(app, target, n, false).await;
            (route.path.to_owned(), None)
        }
        ("GET", "/api/v1/pass-requests/{id}") => (
            format!(
                "/api/v1/pass-requests/{}",
                request_in(app, target, n, false).await.0
            ),
            None,
        ),
        ("POST", "/api/v1/pass-requests/{id}/decision") => (
            format!(
                "/api/v1/pass-requests/{}/decision",
                request_in(app, target, n, false).await.0
            ),
            Some(json!({ "action": "approve" })),
        ),
        ("POST", "/api/v1/pass-requests/{id}/close") => (
            format!(
                "/api/v1/pass-requests/{}/close",
                request_in(app, target, n, true).await.0
            ),
            Some(json!({})),
        ),
        ("GET", "/api/v1/pass-requests/{id}/qr") => (
            format!(
                "/api/v1/pass-requests/{}/qr",
                request_in(app, target, n, true).await.0
            ),
            None,
        ),
        ("GET", "/api/v1/invitations/{code}") => (
            format!(
                "/api/v1/invitations/{}",
                request_in(app, target, n, true).await.1
            ),
            None,
        ),
        (_, path) => (path.to_owned(), None),
    };
    let reply = app
        .request(route.method, &path, Auth::Session(session), body)
        .await;
    (reply.status, reply.body)
}

fn listed(body: &Value, key: &str, id: i64) -> bool {
    body["items"]
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i[key].as_i64() == Some(id)))
}

#[tokio::test]
async fn every_route_allows_exactly_the_roles_in_its_row() {
    let app = spawn_app().await;
    let World { a1, a2, b1, .. } = world::build(&app).await;
    let targets = [
        (Target::OwnOrg, fixture(&app, &a1, 0).await),
        (Target::OtherOrg, fixture(&app, &a2, 1).await),
        (Target::OtherRegion, fixture(&app, &b1, 2).await),
    ];
    let mut callers = Vec::new();
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let grants: &[Role] = if role == Role::Applicant {
            &[]
        } else {
            &[role]
        };
        world::user(&app, &world::phone(i), &a1, grants).await;
        callers.push((role, app.login(&world::phone(i), PASSWORD).await));
    }

    let mut failures = Vec::new();
    let mut n = 0;
    for route in ROUTES {
        let (Access::Scoped(_)
        | Access::ScopedList(_)
        | Access::AuthorityWide
        | Access::AnyUser
        | Access::Roles(_)) = route.access
        else {
            continue;
        };
        for (role, session) in &callers {
            for (target, fixture) in &targets {
                n += 1;
                let (status, body) = call(&app, route, session, fixture, n).await;
                let ok = match route.access {
                    Access::Scoped(roles) => {
                        let allowed = roles.contains(role) && *target == Target::OwnOrg;
                        if allowed {
                            (200..300).contains(&status)
                        } else {
                            status == 403
                        }
                    }
                    Access::ScopedList(roles) => {
                        if roles.contains(role) {
                            let (key, id) = if route.path.ends_with("/users") {
                                ("id", fixture.user_id)
                            } else if route.path.ends_with("/pass-requests") {
                                // Pass requests are listed with the organisation filing them.
                                ("org_id", fixture.org.id)
                            } else if route.path.ends_with("/checkpoints") {
                                // Checkpoints are listed with their owning organisation.
                                ("org_id", fixture.org.id)
                            } else {
                                ("id", fixture.org.id)
                            };
                            status == 200 && listed(&body, key, id) == (*target == Target::OwnOrg)
                        } else {
                            status == 403
                        }
                    }
                    Access::AuthorityWide => status == 403,
                    Access::AnyUser => (200..300).contains(&status),
                    Access::Roles(roles) => {
                        if roles.contains(role) {
                            (200..300).contains(&status)
                        } else {
                            status == 403
                        }
                    }
                    Access::Public | Access::Own => true,
                };
                if !ok {
                    failures.push(format!(
                        "{} {} as {role} on {target:?}: {status} {body}",
                        route.method, route.path
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn routes_for_logged_in_users_refuse_anonymous_callers_and_public_ones_do_not() {
    let app = spawn_app().await;
    for route in ROUTES {
        let body = (route.method != "GET").then(|| json!({}));
        let path = route.path.replace("{id}", "1");
        let reply = app.request(route.method, &path, Auth::None, body).await;
        match route.access {
            Access::Public => assert_ne!(reply.status, 401, "{} {}", route.method, route.path),
            _ => assert_eq!(reply.status, 401, "{} {}", route.method, route.path),
        }
    }
}

#[tokio::test]
async fn a_supervisor_of_a_whole_authority_reads_the_log_and_its_proofs() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.region_a, &[Role::Supervisor]).await;
    let session = app.login("13900000001", PASSWORD).await;
    let head = app
        .post("/api/v1/log/tree-heads", Auth::Session(&session), json!({}))
        .await;
    assert_eq!(head.status, 201, "{}", head.body);
    for path in [
        "/api/v1/log/tree-heads/latest",
        "/api/v1/log/tree-heads",
        "/api/v1/log/proofs/inclusion?leaf=0&size=1",
        "/api/v1/log/proofs/consistency?from=1&to=2",
    ] {
        assert_eq!(
            app.get(path, Auth::Session(&session)).await.status,
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_supervisor_of_a_whole_authority_reads_the_audit_log() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    world::user(&app, "13900000001", &world.region_a, &[Role::Supervisor]).await;
    let session = app.login("13900000001", PASSWORD).await;
    let reply = app
        .get("/api/v1/audit?action=org.created", Auth::Session(&session))
        .await;
    assert_eq!(reply.status, 200);
    assert!(!reply.body["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn every_documented_route_has_a_row() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", Auth::None).await;
    let mut missing = Vec::new();
    for (path, ops) in doc.body["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            if !ROUTES.iter().any(|r| r.method == method && r.path == path) {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a row in the matrix: {missing:?}"
    );
}

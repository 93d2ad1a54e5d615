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
    /// These roles, over objects of their own authority whatever the department; another
    /// region's are refused (the configuration pages show only the viewer's authority's).
    Authority(&'static [Role]),
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
    // The applicant's pages: registering and applying are the caller's own; any user reads the
    // pass types open to them; the fleet CSV pages take an organisation admin's grant and file
    // for the caller's own organisation, whatever authority the type belongs to.
    Route {
        method: "GET",
        path: "/register",
        access: Access::Own,
    },
    Route {
        method: "POST",
        path: "/register",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/apply",
        access: Access::AnyUser,
    },
    Route {
        method: "GET",
        path: "/apply/{id}",
        access: Access::AnyUser,
    },
    Route {
        method: "POST",
        path: "/apply/{id}",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/apply/{id}/csv",
        access: Access::Roles(&[Role::OrgAdmin]),
    },
    Route {
        method: "POST",
        path: "/apply/{id}/csv",
        access: Access::Roles(&[Role::OrgAdmin]),
    },
    Route {
        method: "GET",
        path: "/apply/{id}/template.csv",
        access: Access::Roles(&[Role::OrgAdmin]),
    },
    Route {
        method: "POST",
        path: "/applications/{id}/resubmit",
        access: Access::Own,
    },
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
    // The authority's configuration pages: reading them takes a system admin's or an authority
    // reviewer's grant anywhere in the authority; changing pass types, zones and truck
    // restrictions takes one over its root (none of the A1 callers), as the API.
    Route {
        method: "GET",
        path: "/config/pass-types",
        access: Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    },
    Route {
        method: "POST",
        path: "/config/pass-types",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/config/pass-types/new",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/config/pass-types/{id}",
        access: Access::Authority(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    },
    Route {
        method: "POST",
        path: "/config/pass-types/{id}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/config/pass-types/{id}/edit",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/config/pass-types/{id}/retire",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/config/zones",
        access: Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    },
    Route {
        method: "POST",
        path: "/config/zones/import",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/config/zones/{id}/retire",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/config/checkpoints",
        access: Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    },
    Route {
        method: "POST",
        path: "/config/checkpoints",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "POST",
        path: "/config/checkpoints/{id}/retire",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "GET",
        path: "/config/truck-restrictions",
        access: Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    },
    Route {
        method: "POST",
        path: "/config/truck-restrictions",
        access: Access::AuthorityWide,
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
    // The reviewers' desk, the authority's pass requests and the officer's checkpoint choice:
    // pages over the same actions as the API rows above.
    Route {
        method: "POST",
        path: "/reviews/bulk",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/authority/requests",
        access: Access::Roles(&[Role::AuthorityReviewer]),
    },
    Route {
        method: "GET",
        path: "/authority/requests/{id}",
        access: Access::Scoped(&[Role::AuthorityReviewer]),
    },
    Route {
        method: "POST",
        path: "/authority/requests/{id}/decision",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/check/checkpoint",
        access: Access::Scoped(&[Role::CheckpointOfficer]),
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
    Route {
        method: "POST",
        path: "/api/v1/licences",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/licences",
        access: Access::Own,
    },
    Route {
        // The holder's own licence (the licensing office reads it too: tests/api/licences.rs).
        method: "GET",
        path: "/api/v1/licences/{number}",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/licences/issues/{id}/photo",
        access: Access::Own,
    },
    Route {
        // A clerk of the target's licensing office (its authority), none of the A1 callers.
        method: "POST",
        path: "/api/v1/licences/counter",
        access: Access::AuthorityWide,
    },
    Route {
        // The registry serves the whole authority: its root system administrators only.
        method: "PUT",
        path: "/api/v1/licences/registry-photos/{number}",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/api/v1/licences/sync",
        access: Access::Roles(&[Role::AuthorityReviewer, Role::SystemAdmin]),
    },
    Route {
        method: "POST",
        path: "/api/v1/licences/{number}/consents",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/api/v1/consents",
        access: Access::Own,
    },
    Route {
        method: "DELETE",
        path: "/api/v1/consents/{id}",
        access: Access::Own,
    },
    Route {
        // Whoever holds the code's relying-party role over its organisation; the code decides
        // (other party, used, expired, withdrawn: tests/api/licences.rs).
        method: "POST",
        path: "/api/v1/consents/view",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/licences",
        access: Access::Own,
    },
    Route {
        method: "POST",
        path: "/licences",
        access: Access::Own,
    },
    Route {
        // The licensing office's counter: authority reviewers (clerks) anywhere in it.
        method: "GET",
        path: "/licences/counter",
        access: Access::Roles(&[Role::AuthorityReviewer]),
    },
    Route {
        // Issuing takes a clerk of the licence type's authority (none of the A1 callers).
        method: "POST",
        path: "/licences/counter",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/licences/issues/{id}/photo",
        access: Access::Own,
    },
    Route {
        method: "POST",
        path: "/licences/consents/{id}/withdraw",
        access: Access::Own,
    },
    Route {
        // The holder's own licence pages (tests/api/licence_pages.rs).
        method: "GET",
        path: "/licences/{number}",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/licences/{number}/pdf",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/licences/{number}/consent",
        access: Access::Own,
    },
    Route {
        method: "POST",
        path: "/licences/{number}/consent",
        access: Access::Own,
    },
    Route {
        method: "GET",
        path: "/relying-party",
        access: Access::Roles(&[Role::RelyingParty]),
    },
    Route {
        // The code decides (tests/api/licence_pages.rs), as `POST /api/v1/consents/view`.
        method: "POST",
        path: "/relying-party/view",
        access: Access::Own,
    },
    Route {
        method: "POST",
        path: "/relying-party/verify",
        access: Access::Roles(&[Role::RelyingParty]),
    },
    Route {
        method: "GET",
        path: "/admin/users",
        access: Access::ScopedList(&[Role::SystemAdmin]),
    },
    Route {
        method: "POST",
        path: "/admin/users",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "GET",
        path: "/admin/users/{id}",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "POST",
        path: "/admin/users/{id}/roles",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        method: "GET",
        path: "/admin/orgs",
        access: Access::ScopedList(&[Role::SystemAdmin]),
    },
    Route {
        method: "POST",
        path: "/admin/orgs",
        access: Access::Scoped(&[Role::SystemAdmin]),
    },
    Route {
        // Keys belong to an authority: its root system administrators only.
        method: "GET",
        path: "/admin/keys",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/admin/keys/rotate",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/admin/keys/rotate",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/admin/keys/{kid}/withdraw",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/admin/keys/{kid}/withdraw",
        access: Access::AuthorityWide,
    },
    Route {
        // The registries serve every authority: root system administrators only.
        method: "GET",
        path: "/admin/registry-imports",
        access: Access::AuthorityWide,
    },
    Route {
        method: "POST",
        path: "/admin/registry-imports",
        access: Access::AuthorityWide,
    },
    Route {
        method: "GET",
        path: "/admin/registry-imports/{id}",
        access: Access::AuthorityWide,
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

/// The electronic driving licence pass type of the target's authority.
async fn licence_type_in(app: &TestApp, org: &Org, n: usize) -> i64 {
    let seed = epass::domain::seed_pass_types::standard_pass_types().remove(3);
    let definition =
        epass::domain::pass_type::PassTypeDefinition::from_value(seed.definition).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let fields = epass::store::pass_types::PassTypeFields {
        name_zh: seed.name_zh,
        name_en: seed.name_en,
        active_from: 0,
        definition: &definition,
    };
    let code = format!("licence_{n}");
    let pt =
        epass::store::pass_types::insert(&mut tx, authority_of(org), &code, seed.kind, &fields)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    pt.id
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

/// A configuration page's request against the target: forms posted with the session's CSRF
/// token, no redirects followed (a change's success is its 303 onwards, counted as 200).
async fn config_call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> (u16, Value) {
    use crate::config_pages::{get_page, post_form, post_multipart};
    let authority = authority_of(&target.org).to_string();
    let org = target.org.id.to_string();
    let confirm = [("confirm", "yes")];
    let (status, html) = match (route.method, route.path) {
        ("POST", "/config/pass-types") => {
            let seed = epass::domain::seed_pass_types::standard_pass_types().remove(1);
            let (code, definition) = (format!("page_{n}"), seed.definition.to_string());
            let fields = [
                ("authority_id", authority.as_str()),
                ("code", code.as_str()),
                ("kind", "freight"),
                ("name_zh", seed.name_zh),
                ("name_en", seed.name_en),
                ("definition", definition.as_str()),
            ];
            let (status, _, html) = post_form(app, session, route.path, &fields, "zh").await;
            (status, html)
        }
        ("GET", "/config/pass-types/new") => {
            let path = format!("/config/pass-types/new?authority={authority}");
            get_page(app, session, &path, "zh").await
        }
        ("GET", "/config/pass-types/{id}") => {
            let path = format!(
                "/config/pass-types/{}",
                pass_type_in(app, &target.org, n).await
            );
            get_page(app, session, &path, "zh").await
        }
        ("GET", "/config/pass-types/{id}/edit") => {
            let id = pass_type_in(app, &target.org, n).await;
            get_page(app, session, &format!("/config/pass-types/{id}/edit"), "zh").await
        }
        ("POST", "/config/pass-types/{id}") => {
            let seed = epass::domain::seed_pass_types::standard_pass_types().remove(0);
            let definition = seed.definition.to_string();
            let path = format!(
                "/config/pass-types/{}",
                pass_type_in(app, &target.org, n).await
            );
            let fields = [
                ("version", "1"),
                ("name_zh", "改名"),
                ("name_en", "Renamed"),
                ("definition", definition.as_str()),
            ];
            let (status, _, html) = post_form(app, session, &path, &fields, "zh").await;
            (status, html)
        }
        ("POST", "/config/pass-types/{id}/retire") => {
            let id = pass_type_in(app, &target.org, n).await;
            let path = format!("/config/pass-types/{id}/retire");
            let (status, _, html) = post_form(app, session, &path, &confirm, "zh").await;
            (status, html)
        }
        ("POST", "/config/zones/import") => {
            let upload = json!({ "type": "FeatureCollection", "features": [zone_feature()] });
            let upload = upload.to_string();
            let fields = [("authority", authority.as_str()), ("text", upload.as_str())];
            let (status, _, html) = post_multipart(app, session, route.path, &fields).await;
            (status, html)
        }
        ("POST", "/config/zones/{id}/retire") => {
            let path = format!("/config/zones/{}/retire", zone_in(app, &target.org).await);
            let (status, _, html) = post_form(app, session, &path, &confirm, "zh").await;
            (status, html)
        }
        ("POST", "/config/checkpoints") => {
            let fields = [
                ("org_id", org.as_str()),
                ("name", "新卡口"),
                ("longitude", "110.0"),
                ("latitude", "40.4"),
            ];
            let (status, _, html) = post_form(app, session, route.path, &fields, "zh").await;
            (status, html)
        }
        ("POST", "/config/checkpoints/{id}/retire") => {
            let id = checkpoint_in(app, &target.org).await;
            let path = format!("/config/checkpoints/{id}/retire");
            let (status, _, html) = post_form(app, session, &path, &confirm, "zh").await;
            (status, html)
        }
        ("POST", "/config/truck-restrictions") => {
            let doc = epass::demo_trucks::document().to_string();
            let fields = [("authority", authority.as_str()), ("text", doc.as_str())];
            let (status, _, html) = post_multipart(app, session, route.path, &fields).await;
            (status, html)
        }
        ("GET", path) => get_page(app, session, path, "zh").await,
        (method, path) => panic!("no request for the page route {method} {path}"),
    };
    let status = if status == 303 { 200 } else { status };
    (status, Value::String(html))
}

/// Sends the route's request against the target; returns the status and body.
async fn call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> (u16, Value) {
    if route.path.starts_with("/licences") || route.path.starts_with("/relying-party") {
        return licence_page_call(app, route, session, target, n).await;
    }
    if let Some(reply) = applicant_page_call(app, route, session, target, n).await {
        return reply;
    }
    if let Some(reply) = desk_page_call(app, route, session, target, n).await {
        return reply;
    }
    if route.path.starts_with("/admin/") {
        return admin_call(app, route, session, target).await;
    }
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
        (_, path) if path.starts_with("/config/") => {
            return config_call(app, route, session, target, n).await;
        }
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
        ("POST", "/api/v1/licences/counter") => (
            route.path.to_owned(),
            Some(json!({
                "pass_type_id": licence_type_in(app, &target.org, n).await,
                "id_number": ID_NUMBERS[n % ID_NUMBERS.len()], "phone": "13900000777",
                "photo": "registry",
            })),
        ),
        ("PUT", "/api/v1/licences/registry-photos/{number}") => (
            "/api/v1/licences/registry-photos/150621000001".to_owned(),
            None,
        ),
        (_, path) => (path.to_owned(), None),
    };
    let reply = app
        .request(route.method, &path, Auth::Session(session), body)
        .await;
    (reply.status, reply.body)
}

/// The applicant's page routes (see [`applicant_page_call`]).
fn is_applicant_page(path: &str) -> bool {
    path.starts_with("/apply") || path == "/register" || path == "/applications/{id}/resubmit"
}

/// A request to one of the applicant's pages against the target, as a browser sends it (the
/// fleet file as a multipart form with the session's CSRF token, no redirects followed);
/// `None` for other routes.
async fn applicant_page_call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> Option<(u16, Value)> {
    use crate::applicant_pages::{page, post_form};
    if !is_applicant_page(route.path) {
        return None;
    }
    let reply = match (route.method, route.path) {
        ("GET", "/apply") => page(app, "/apply", session).await,
        ("GET", path) => {
            let id = pass_type_in(app, &target.org, n).await;
            page(app, &path.replace("{id}", &id.to_string()), session).await
        }
        ("POST", "/apply/{id}/csv") => {
            let vehicles = "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n\
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
                vehicles.as_bytes(),
                |_| {},
            )
            .await
            .unwrap();
            let (from, to) = form_days();
            let file = format!(
                "plate,vehicle_type,driver_name,id_number,holder_category,road_sections,daily_window,valid_from,valid_to\n\
                 蒙K12345,small_car,张三,11010519491231002X,command_staff,1,06:00-22:00,{from},{to}\n"
            );
            let id = pass_type_in(app, &target.org, n).await;
            let path = format!("/apply/{id}/csv");
            let files = [("file", "fleet.csv", file.into_bytes())];
            post_form(app, &path, session, &[("agreed", "yes")], &files).await
        }
        (method, path) => panic!("no request for the page route {method} {path}"),
    };
    let status = if reply.status == 303 {
        200
    } else {
        reply.status
    };
    Some((status, Value::String(reply.html)))
}

/// The page routes of the reviewers' desk, the authority and the checkpoint officer.
const DESK_PAGES: [&str; 3] = ["/reviews/", "/authority/", "/check/"];

/// A request to one of [`DESK_PAGES`] against the target, as a browser without scripts sends it
/// (forms with the session's CSRF token, no redirects followed: a change's success is its 303
/// onwards, counted as 200); `None` for other routes.
async fn desk_page_call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> Option<(u16, Value)> {
    let (path, fields) = match (route.method, route.path) {
        ("GET", "/authority/requests") => (route.path.to_owned(), Vec::new()),
        ("GET", "/authority/requests/{id}") => {
            let id = request_in(app, target, n, false).await.0;
            (format!("/authority/requests/{id}"), Vec::new())
        }
        ("POST", "/authority/requests/{id}/decision") => {
            let id = request_in(app, target, n, false).await.0;
            let path = format!("/authority/requests/{id}/decision");
            (path, vec![("action", "approve".to_owned())])
        }
        ("POST", "/check/checkpoint") => {
            let id = checkpoint_in(app, &target.org).await;
            (
                route.path.to_owned(),
                vec![("checkpoint_id", id.to_string())],
            )
        }
        ("POST", "/reviews/bulk") => {
            let id = application_in(app, target, n).await;
            let fields = vec![("action", "approve".to_owned()), ("pick", id.to_string())];
            (route.path.to_owned(), fields)
        }
        _ => return None,
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let request = if route.method == "GET" {
        client.get(app.url(&path))
    } else {
        let mut body = format!("csrf={}", session.csrf);
        for (k, v) in &fields {
            body.push_str(&format!("&{k}={v}"));
        }
        client
            .post(app.url(&path))
            .header("origin", format!("http://{}", app.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let resp = request
        .header("cookie", format!("epass_session={}", session.cookie))
        .send()
        .await
        .unwrap();
    let status = match resp.status().as_u16() {
        303 => 200,
        other => other,
    };
    Some((status, Value::String(resp.text().await.unwrap())))
}

/// The system administrator's pages: forms posted with the session's CSRF token, no redirects
/// followed (a page's success is a 2xx or its 303 onwards).
async fn admin_call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
) -> (u16, Value) {
    use crate::admin_pages::{form_post, page_get, upload};
    let org = target.org.id.to_string();
    let user = target.user_id;
    let s = Some(session);
    let reply = match (route.method, route.path) {
        ("POST", "/admin/users") => {
            let phone = format!("139{:08}", rand::random::<u32>() % 100_000_000);
            form_post(
                app,
                s,
                route.path,
                &[("phone", &phone), ("name", "新用户"), ("org_id", &org)],
            )
            .await
        }
        ("GET", "/admin/users/{id}") => page_get(app, s, &format!("/admin/users/{user}")).await,
        ("POST", "/admin/users/{id}/roles") => {
            let path = format!("/admin/users/{user}/roles");
            form_post(
                app,
                s,
                &path,
                &[("role", "checkpoint_officer"), ("org_id", &org)],
            )
            .await
        }
        ("POST", "/admin/orgs") => {
            let fields = [
                ("parent_id", org.as_str()),
                ("kind", "department"),
                ("name", "新部门"),
                ("division_code", "150621"),
            ];
            form_post(app, s, route.path, &fields).await
        }
        ("GET", "/admin/keys/rotate") => {
            let path = format!("/admin/keys/rotate?authority={}", authority_of(&target.org));
            page_get(app, s, &path).await
        }
        ("POST", "/admin/keys/rotate") => {
            let authority = authority_of(&target.org).to_string();
            form_post(
                app,
                s,
                route.path,
                &[("authority", &authority), ("issuer", "150621")],
            )
            .await
        }
        ("GET" | "POST", "/admin/keys/{kid}/withdraw") => {
            let authority = authority_of(&target.org);
            let actor = epass::actions::Actor::default();
            epass::actions::keys::ensure_authority_keys(
                app.db(),
                &app.state.pii,
                &actor,
                authority,
            )
            .await
            .unwrap();
            let kid = epass::store::keys::for_authority(app.db().pool(), authority)
                .await
                .unwrap()
                .into_iter()
                .find(|k| k.purpose == epass::store::keys::KeyPurpose::Issuer)
                .unwrap()
                .kid;
            let path = format!("/admin/keys/{kid}/withdraw");
            if route.method == "GET" {
                page_get(app, s, &path).await
            } else {
                form_post(app, s, &path, &[("reason", "测试")]).await
            }
        }
        ("POST", "/admin/registry-imports") => {
            let csv = "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at\n\
                       蒙K12345,小型汽车,张三,0,normal,2026-01-01\n";
            upload(app, session, "vehicles", csv).await
        }
        ("GET", "/admin/registry-imports/{id}") => {
            page_get(app, s, "/admin/registry-imports/1").await
        }
        ("GET", path) => page_get(app, s, path).await,
        (method, path) => panic!("no request for the page route {method} {path}"),
    };
    let status = if reply.status == 303 {
        200
    } else {
        reply.status
    };
    (status, Value::String(reply.html))
}

fn listed(body: &Value, key: &str, id: i64) -> bool {
    if let Some(html) = body.as_str() {
        return html.contains(&format!("id=\"{key}-{id}\""));
    }
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
        | Access::Authority(_)
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
                            let (key, id) = if route.path == "/admin/users" {
                                ("user", fixture.user_id)
                            } else if route.path == "/admin/orgs" {
                                ("org", fixture.org.id)
                            } else if route.path.ends_with("/users") {
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
                    Access::Authority(roles) => {
                        if roles.contains(role) && *target != Target::OtherRegion {
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
        let page = route.path.starts_with("/licences")
            || route.path.starts_with("/relying-party")
            || route.path.starts_with("/config/")
            || is_applicant_page(route.path)
            || DESK_PAGES.iter().any(|p| route.path.starts_with(p));
        if page {
            // A page sends the anonymous to the login form, and back afterwards.
            let path = route
                .path
                .replace("{id}", "1")
                .replace("{number}", "150621000001");
            let reply = crate::licence_pages::anonymous(&app, route.method, &path).await;
            assert_eq!(reply.status, 303, "{} {}", route.method, route.path);
            assert!(reply.location.starts_with("/?next="), "{}", reply.location);
            continue;
        }
        if route.path.starts_with("/admin/") {
            // A page sends the anonymous to the login form, and back afterwards.
            let path = route.path.replace("{id}", "1").replace("{kid}", "k");
            let reply = match route.method {
                "GET" => crate::admin_pages::page_get(&app, None, &path).await,
                _ => crate::admin_pages::form_post(&app, None, &path, &[]).await,
            };
            assert_eq!(reply.status, 303, "{} {}", route.method, route.path);
            assert!(reply.location.starts_with("/?next="), "{}", reply.location);
            continue;
        }
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

/// The licence pages: forms posted with the session's CSRF token, no redirects followed.
async fn licence_page_call(
    app: &TestApp,
    route: &Route,
    session: &Session,
    target: &Fixture,
    n: usize,
) -> (u16, Value) {
    use crate::licence_pages::{get, post, post_multipart};
    let page = match (route.method, route.path) {
        ("POST", "/licences/counter") => {
            let pass_type = licence_type_in(app, &target.org, n).await.to_string();
            let id_number = ID_NUMBERS[n % ID_NUMBERS.len()];
            let fields = [
                ("pass_type_id", pass_type.as_str()),
                ("id_number", id_number),
                ("phone", "13900000777"),
            ];
            post_multipart(app, session, route.path, &fields, None).await
        }
        ("POST", "/relying-party/verify") => {
            post(app, session, route.path, &[("text", "EP1:not-a-licence")]).await
        }
        ("GET", path) => get(app, Some(session), path).await,
        (_, path) => post(app, session, path, &[]).await,
    };
    (page.status, Value::String(page.html))
}

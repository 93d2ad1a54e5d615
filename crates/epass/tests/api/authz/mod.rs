//! The authorisation matrix: every API route × every role × an object of the caller's own
//! organisation, of another organisation, and of another region. Each route has one row in
//! `ROUTES`; a route missing from the table fails `every_documented_route_has_a_row`.

use epass::domain::roles::Role;
use epass::store::orgs::Org;
use serde_json::{Value, json};

use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD, World};

mod calls;
mod config_calls;
mod fixtures;
mod page_calls;
mod routes;

use calls::*;
use config_calls::*;
use fixtures::*;
use page_calls::*;
pub use routes::ROUTES;

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

/// One row of the matrix.
const fn route(method: &'static str, path: &'static str, access: Access) -> Route {
    Route {
        method,
        path,
        access,
    }
}

const STAFF_READERS: &[Role] = &[
    Role::OrgAdmin,
    Role::Reviewer,
    Role::AuthorityReviewer,
    Role::Supervisor,
    Role::SystemAdmin,
];

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

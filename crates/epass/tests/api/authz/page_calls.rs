//! One request per page route (applicant, desk, system admin and licence pages): forms posted
//! with the session's CSRF token, redirects not followed.

use super::*;

/// The applicant's page routes (see [`applicant_page_call`]).
pub(super) fn is_applicant_page(path: &str) -> bool {
    path.starts_with("/apply") || path == "/register" || path == "/applications/{id}/resubmit"
}

/// A request to one of the applicant's pages against the target, as a browser sends it (the
/// fleet file as a multipart form with the session's CSRF token, no redirects followed);
/// `None` for other routes.
pub(super) async fn applicant_page_call(
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
pub(super) const DESK_PAGES: [&str; 3] = ["/reviews/", "/authority/", "/check/"];

/// A request to one of [`DESK_PAGES`] against the target, as a browser without scripts sends it
/// (forms with the session's CSRF token, no redirects followed: a change's success is its 303
/// onwards, counted as 200); `None` for other routes.
pub(super) async fn desk_page_call(
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
    let client = crate::page_client::no_redirects();
    let request = if route.method == "GET" {
        client.get(app.url(&path))
    } else {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client
            .post(app.url(&path))
            .header("origin", format!("http://{}", app.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(crate::page_client::url_encoded(&session.csrf, &fields))
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
pub(super) async fn admin_call(
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

/// The licence pages: forms posted with the session's CSRF token, no redirects followed.
pub(super) async fn licence_page_call(
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

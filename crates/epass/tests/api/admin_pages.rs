//! The system administrator's pages (`/admin/...`): only system administrators reach them; users
//! created and roles granted there are what the API then reads; organisations join the tree; keys
//! are rotated and withdrawn after a confirmation; a registry CSV is imported in the background
//! with its report — and a file with one wrong line imports nothing and names that line.

use epass::domain::roles::Role;

use crate::helpers::{Auth, Session, TestApp, spawn_app};
pub use crate::page_client::PageReply;
use crate::page_client::{multipart, no_redirects, reply, url_encoded};
use crate::world::{self, PASSWORD};

/// `GET` a page as the session (no redirects followed).
pub async fn page_get(app: &TestApp, session: Option<&Session>, path: &str) -> PageReply {
    let mut req = no_redirects().get(app.url(path));
    if let Some(s) = session {
        req = req.header("cookie", format!("epass_session={}", s.cookie));
    }
    reply(req.send().await.expect("page")).await
}

/// Posts a form from our own page: the session's CSRF token first, then `fields`.
pub async fn form_post(
    app: &TestApp,
    session: Option<&Session>,
    path: &str,
    fields: &[(&str, &str)],
) -> PageReply {
    let body = url_encoded(session.map_or("", |s| s.csrf.as_str()), fields);
    let mut req = no_redirects()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{}", app.addr))
        .body(body);
    if let Some(s) = session {
        req = req.header("cookie", format!("epass_session={}", s.cookie));
    }
    reply(req.send().await.expect("form post")).await
}

/// Uploads a registry file as the import form does (`multipart/form-data`).
pub async fn upload(app: &TestApp, session: &Session, kind: &str, csv: &str) -> PageReply {
    let file_name = format!("{kind}-test.csv");
    let fields = [("csrf", session.csrf.as_str()), ("kind", kind)];
    let (content_type, body) = multipart(&fields, &[("file", &file_name, csv.as_bytes())]);
    let resp = no_redirects()
        .post(app.url("/admin/registry-imports"))
        .header("content-type", content_type)
        .header("origin", format!("http://{}", app.addr))
        .header("cookie", format!("epass_session={}", session.cookie))
        .body(body)
        .send()
        .await
        .expect("upload");
    reply(resp).await
}

/// Waits until the import run's page no longer says it is running; returns that page.
pub async fn finished_run(app: &TestApp, session: &Session, path: &str) -> String {
    for _ in 0..200 {
        let page = page_get(app, Some(session), path).await;
        assert_eq!(page.status, 200, "{}", page.html);
        if !page.html.contains("data-status=\"running\"") {
            return page.html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import at {path} never finished");
}

/// A system administrator of the whole authority A, logged in.
async fn admin(app: &TestApp, world: &world::World) -> Session {
    world::user(app, "13900000001", &world.region_a, &[Role::SystemAdmin]).await;
    app.session("13900000001", PASSWORD).await
}

const VEHICLES_HEADER: &str =
    "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at";

#[tokio::test]
async fn everyone_but_system_administrators_gets_403_on_the_admin_pages() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    for (i, role) in Role::ALL.into_iter().enumerate() {
        if role == Role::SystemAdmin {
            continue;
        }
        let grants: &[Role] = if role == Role::Applicant {
            &[]
        } else {
            &[role]
        };
        let phone = world::phone(100 + i);
        world::user(&app, &phone, &world.region_a, grants).await;
        let s = app.session(&phone, PASSWORD).await;
        for path in [
            "/admin/users",
            "/admin/orgs",
            "/admin/keys",
            "/admin/registry-imports",
        ] {
            let page = page_get(&app, Some(&s), path).await;
            assert_eq!(page.status, 403, "{role} on {path}");
        }
        let home = page_get(&app, Some(&s), "/").await;
        assert!(
            !home.html.contains("/admin/users"),
            "{role} sees no admin link"
        );
        let created = form_post(
            &app,
            Some(&s),
            "/admin/users",
            &[("phone", "13911112222"), ("name", "某人"), ("org_id", "1")],
        )
        .await;
        assert_eq!(created.status, 403, "{role} creating a user");
        let upload = upload(&app, &s, "vehicles", VEHICLES_HEADER).await;
        assert_eq!(upload.status, 403, "{role} importing");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM registry_import_runs").await,
        0
    );
}

#[tokio::test]
async fn a_user_created_on_the_page_shows_in_the_list_and_search_and_gets_a_granted_role() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let s = admin(&app, &world).await;
    let home = page_get(&app, Some(&s), "/").await;
    assert!(
        home.html.contains("id=\"to-admin\""),
        "the home page links the desk"
    );

    let a1 = world.a1.id.to_string();
    let created = form_post(
        &app,
        Some(&s),
        "/admin/users",
        &[
            ("phone", "13912345678"),
            ("name", "钱新人"),
            ("org_id", &a1),
            ("role", "reviewer"),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.html);
    let id: i64 = created
        .location
        .strip_prefix("/admin/users/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("to the user's page, not {}", created.location));

    let list = page_get(&app, Some(&s), "/admin/users").await;
    assert_eq!(list.status, 200);
    assert!(
        list.html.contains(&format!("id=\"user-{id}\"")),
        "{}",
        list.html
    );
    assert!(list.html.contains("钱新人"));
    for q in ["1391234", "%E9%92%B1"] {
        let found = page_get(&app, Some(&s), &format!("/admin/users?q={q}")).await;
        assert!(
            found.html.contains(&format!("id=\"user-{id}\"")),
            "search {q}"
        );
    }
    let none = page_get(&app, Some(&s), "/admin/users?q=13000000000").await;
    assert!(none.html.contains("id=\"no-users\""));

    // The same phone again: refused on the form, nothing created.
    let again = form_post(
        &app,
        Some(&s),
        "/admin/users",
        &[("phone", "13912345678"), ("name", "重复"), ("org_id", &a1)],
    )
    .await;
    assert_eq!(again.status, 422);
    assert!(again.html.contains("该手机号已有用户"), "{}", again.html);

    // A role over another organisation, granted on the user's page.
    let a2 = world.a2.id.to_string();
    let granted = form_post(
        &app,
        Some(&s),
        &format!("/admin/users/{id}/roles"),
        &[("role", "org_admin"), ("org_id", &a2)],
    )
    .await;
    assert_eq!(granted.status, 303, "{}", granted.html);
    let page = page_get(&app, Some(&s), &format!("/admin/users/{id}?lang=en")).await;
    assert!(page.html.contains("Organisation admin"), "{}", page.html);
    assert!(page.html.contains("Reviewer"));
    let session = app.session("13912345678", "a long enough password").await;
    let me = app.get("/api/v1/me", Auth::Session(&session)).await;
    let roles: Vec<&str> = me.body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["role"].as_str())
        .collect();
    assert!(
        roles.contains(&"reviewer") && roles.contains(&"org_admin"),
        "{roles:?}"
    );
}

#[tokio::test]
async fn an_organisation_created_on_the_page_sits_under_its_parent_in_the_tree() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let s = admin(&app, &world).await;
    let parent = world.a1.id.to_string();
    let created = form_post(
        &app,
        Some(&s),
        "/admin/orgs",
        &[
            ("parent_id", &parent),
            ("kind", "department"),
            ("name", "新设科室"),
            ("division_code", "150621"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.html);
    let tree = page_get(&app, Some(&s), "/admin/orgs").await;
    let at_parent = tree
        .html
        .find(&format!("id=\"org-{}\"", world.a1.id))
        .unwrap();
    let at_child = tree.html.find("新设科室").unwrap();
    assert!(at_parent < at_child, "the child follows its parent");
    assert!(
        tree.html.contains("depth-2"),
        "indented under the department"
    );

    // A company without its credit code is refused on the form, as filled.
    let refused = form_post(
        &app,
        Some(&s),
        "/admin/orgs",
        &[
            ("parent_id", &parent),
            ("kind", "company"),
            ("name", "无代码公司"),
            ("division_code", "150621"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.contains("统一社会信用代码"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("value=\"无代码公司\""));
}

#[tokio::test]
async fn an_issuer_key_is_rotated_and_withdrawn_only_after_a_confirmation() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let s = admin(&app, &world).await;
    let authority = world.region_a.id;
    epass::actions::keys::ensure_authority_keys(
        app.db(),
        &app.state.pii,
        &epass::actions::Actor::default(),
        authority,
    )
    .await
    .unwrap();
    let keys = page_get(&app, Some(&s), "/admin/keys").await;
    assert_eq!(keys.status, 200);
    assert_eq!(
        keys.html.matches("data-state=\"active\"").count(),
        2,
        "root and issuer"
    );

    let issuer = world.region_a.division_code.clone();
    let confirm = page_get(
        &app,
        Some(&s),
        &format!("/admin/keys/rotate?authority={authority}&issuer={issuer}"),
    )
    .await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.html.contains("id=\"confirm-submit\""));
    let bundles = app.count("SELECT COUNT(*) FROM bundles").await;
    let rotated = form_post(
        &app,
        Some(&s),
        "/admin/keys/rotate",
        &[("authority", &authority.to_string()), ("issuer", &issuer)],
    )
    .await;
    assert_eq!(rotated.status, 303, "{}", rotated.html);
    assert_eq!(app.count("SELECT COUNT(*) FROM bundles").await, bundles + 1);
    let keys = page_get(&app, Some(&s), "/admin/keys").await;
    assert_eq!(keys.html.matches("data-state=\"retired\"").count(), 1);

    let stored = epass::store::keys::for_authority(app.db().pool(), authority)
        .await
        .unwrap();
    let old = stored.iter().find(|k| k.retired_at.is_some()).unwrap();
    let page = page_get(&app, Some(&s), &format!("/admin/keys/{}/withdraw", old.kid)).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("withdraw-reason"));
    let path = format!("/admin/keys/{}/withdraw", old.kid);
    let no_reason = form_post(&app, Some(&s), &path, &[("reason", " ")]).await;
    assert_eq!(no_reason.status, 422);
    let withdrawn = form_post(&app, Some(&s), &path, &[("reason", "密钥泄露 / leaked")]).await;
    assert_eq!(withdrawn.status, 303, "{}", withdrawn.html);
    let keys = page_get(&app, Some(&s), "/admin/keys").await;
    assert_eq!(keys.html.matches("data-state=\"withdrawn\"").count(), 1);
    let events = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE action IN ('keys.rotated', 'keys.withdrawn')",
        )
        .await;
    assert_eq!(events, 2);
    // The root key signs the withdrawal notices: not withdrawn from the page.
    let root = stored
        .iter()
        .find(|k| k.purpose == epass::store::keys::KeyPurpose::Root)
        .unwrap();
    let refused = form_post(
        &app,
        Some(&s),
        &format!("/admin/keys/{}/withdraw", root.kid),
        &[("reason", "test")],
    )
    .await;
    assert_eq!(refused.status, 422);
}

#[tokio::test]
async fn a_registry_csv_with_one_wrong_line_imports_nothing_and_names_that_line_in_both_languages()
{
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let s = admin(&app, &world).await;
    let csv = format!(
        "{VEHICLES_HEADER}\n蒙K12345,小型汽车,张三,0,normal,2026-01-01\n\
         蒙K1234,小型汽车,李四,0,normal,2026-01-01\n蒙K54321,货车,王五,1,normal,2026-01-02\n"
    );
    let started = upload(&app, &s, "vehicles", &csv).await;
    assert_eq!(started.status, 303, "{}", started.html);
    assert!(started.location.starts_with("/admin/registry-imports/"));
    let report = finished_run(&app, &s, &started.location).await;
    assert!(report.contains("data-status=\"rejected\""), "{report}");
    assert!(report.contains("data-line=\"3\""), "line 3 named: {report}");
    assert_eq!(
        report.matches("class=\"line-error\"").count(),
        1,
        "{report}"
    );
    assert!(report.contains("lang=\"zh-CN\"") && report.contains("lang=\"en\""));
    assert_eq!(app.count("SELECT COUNT(*) FROM registry_vehicles").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM registry_imports").await, 0);
    let en = page_get(&app, Some(&s), &format!("{}?lang=en", started.location)).await;
    assert!(en.html.contains("nothing was imported"), "{}", en.html);

    // Corrected, the same file imports all three rows, listed as a batch.
    let good = csv.replace("蒙K1234,", "蒙K12340,");
    let started = upload(&app, &s, "vehicles", &good).await;
    assert_eq!(started.status, 303);
    let report = finished_run(&app, &s, &started.location).await;
    assert!(report.contains("data-status=\"imported\""), "{report}");
    assert!(
        report.contains("<strong id=\"run-rows\">3</strong>"),
        "{report}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM registry_vehicles").await, 3);
    let list = page_get(&app, Some(&s), "/admin/registry-imports").await;
    assert!(list.html.contains("vehicles-test.csv"), "{}", list.html);
    assert_eq!(list.html.matches("id=\"batch-").count(), 1);
    assert_eq!(list.html.matches("id=\"run-").count(), 2);
}

#[tokio::test]
async fn a_running_import_page_refreshes_itself_without_a_script() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let s = admin(&app, &world).await;
    let mut tx = app.db().begin().await.unwrap();
    let id = epass::store::registry_runs::insert(
        &mut tx,
        "vehicles",
        "big.csv",
        s.user_id,
        epass::store::now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let page = page_get(&app, Some(&s), &format!("/admin/registry-imports/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html
            .contains("<meta http-equiv=\"refresh\" content=\"2\">")
    );
    assert!(page.html.contains("id=\"run-progress\""));
    assert!(!page.html.contains("<script"));
}

#[tokio::test]
async fn an_import_whose_server_stopped_beating_is_marked_failed_and_one_still_beating_is_not() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let s = admin(&app, &world).await;
    let now = epass::store::now_ms();
    let silence = epass::actions::registry_imports::SILENCE_MS;
    let mut runs = Vec::new();
    // Cut off a second past the silence allowed, and one that beat a second within it.
    for started in [now - silence - 1_000, now - silence + 1_000] {
        let mut tx = app.db().begin().await.unwrap();
        let id =
            epass::store::registry_runs::insert(&mut tx, "vehicles", "big.csv", s.user_id, started)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        runs.push(id);
    }
    let swept = epass::actions::registry_imports::sweep_interrupted(app.db(), now).await;
    assert_eq!(swept.unwrap(), 1);
    // A second sweep, as another node's would be, ends nothing twice.
    let again = epass::actions::registry_imports::sweep_interrupted(app.db(), now).await;
    assert_eq!(again.unwrap(), 0);

    let cut = page_get(
        &app,
        Some(&s),
        &format!("/admin/registry-imports/{}", runs[0]),
    )
    .await;
    assert!(cut.html.contains("data-status=\"failed\""), "{}", cut.html);
    assert!(cut.html.contains("服务器重启"), "{}", cut.html);
    let beating = page_get(
        &app,
        Some(&s),
        &format!("/admin/registry-imports/{}", runs[1]),
    )
    .await;
    assert!(
        beating.html.contains("data-status=\"running\""),
        "{}",
        beating.html
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'registry.import_interrupted'")
            .await,
        1
    );
    // A beat keeps a run alive past the silence counted from its start.
    epass::store::registry_runs::beat(app.db().pool(), runs[1], now)
        .await
        .unwrap();
    let later = now + 2_000;
    let swept = epass::actions::registry_imports::sweep_interrupted(app.db(), later).await;
    assert_eq!(swept.unwrap(), 0);
}

//! The authority's configuration pages (`/config/...`): who may open and change them, a pass
//! type's definition edited with a mistake shown at its path (and nothing changed), GeoJSON
//! uploads drawn on the SVG map, checkpoints, and truck restrictions published from a pasted
//! document.

use epass::domain::roles::Role;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app};
use crate::page_client::{multipart, no_redirects, reply, url_encoded};
use crate::world::{self, PASSWORD, World};

const ADMIN: &str = "13900000051";
const REVIEWER: &str = "13900000052";
const ORG_ADMIN: &str = "13900000053";
const SUPERVISOR: &str = "13900000054";
const APPLICANT: &str = "13900000055";

/// A page's status and HTML as the session sees it (in `lang`).
pub async fn get_page(app: &TestApp, s: &Session, path: &str, lang: &str) -> (u16, String) {
    let resp = no_redirects()
        .get(app.url(path))
        .header(
            "cookie",
            format!("epass_session={}; epass_lang={lang}", s.cookie),
        )
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Sends a form body from our own pages in `lang`; the status, `Location` and HTML.
async fn send(
    app: &TestApp,
    s: &Session,
    path: &str,
    (content_type, body): (String, Vec<u8>),
    lang: &str,
) -> (u16, String, String) {
    let resp = no_redirects()
        .post(app.url(path))
        .header(
            "cookie",
            format!("epass_session={}; epass_lang={lang}", s.cookie),
        )
        .header("origin", format!("http://{}", app.addr))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let page = reply(resp).await;
    (page.status, page.location, page.html)
}

/// A form posted from our own pages with the session's token; the status, `Location` and HTML.
pub async fn post_form(
    app: &TestApp,
    s: &Session,
    path: &str,
    fields: &[(&str, &str)],
    lang: &str,
) -> (u16, String, String) {
    let body = url_encoded(&s.csrf, fields).into_bytes();
    let form = ("application/x-www-form-urlencoded".to_owned(), body);
    send(app, s, path, form, lang).await
}

/// A multipart form (text fields only, as a browser sends an empty file input too).
pub async fn post_multipart(
    app: &TestApp,
    s: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut all = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    send(app, s, path, multipart(&all, &[]), "zh").await
}

struct Staff {
    world: World,
    admin: Session,
    reviewer: Session,
    org_admin: Session,
    supervisor: Session,
    applicant: Session,
}

/// The world with a system admin and an authority reviewer over region A's root, and others.
async fn staff(app: &TestApp) -> Staff {
    let world = world::build(app).await;
    world::user(app, ADMIN, &world.region_a, &[Role::SystemAdmin]).await;
    world::user(app, REVIEWER, &world.region_a, &[Role::AuthorityReviewer]).await;
    world::user(app, ORG_ADMIN, &world.a1, &[Role::OrgAdmin]).await;
    world::user(app, SUPERVISOR, &world.region_a, &[Role::Supervisor]).await;
    world::user(app, APPLICANT, &world.a1, &[]).await;
    Staff {
        admin: app.session(ADMIN, PASSWORD).await,
        reviewer: app.session(REVIEWER, PASSWORD).await,
        org_admin: app.session(ORG_ADMIN, PASSWORD).await,
        supervisor: app.session(SUPERVISOR, PASSWORD).await,
        applicant: app.session(APPLICANT, PASSWORD).await,
        world,
    }
}

/// The standard pass types of region A; the personnel and vehicle pass's id.
async fn seed_types(app: &TestApp, s: &Staff) -> i64 {
    let types = epass::actions::pass_types::seed_standard(
        app.db(),
        &epass::actions::Actor::default(),
        s.world.region_a.id,
    )
    .await
    .unwrap();
    types[0].id
}

const PAGES: [(&str, &str); 4] = [
    ("/config/pass-types", "通行证类型"),
    ("/config/zones", "区域与路段"),
    ("/config/checkpoints", "卡口"),
    ("/config/truck-restrictions", "货车限行规定"),
];

#[tokio::test]
async fn only_system_admins_and_authority_reviewers_open_the_configuration_pages() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    for who in [&s.admin, &s.reviewer] {
        for (path, heading) in PAGES {
            let (status, html) = get_page(&app, who, path, "zh").await;
            assert_eq!(status, 200, "{path}: {html}");
            assert!(html.contains(&format!("<h1>{heading}</h1>")), "{path}");
            assert!(html.contains("id=\"config-tabs\""));
        }
        let (_, home) = get_page(&app, who, "/", "zh").await;
        assert!(home.contains("id=\"to-config-zones\"") && home.contains("id=\"to-config\""));
    }
    for who in [&s.org_admin, &s.supervisor, &s.applicant] {
        for (path, _) in PAGES {
            let (status, _) = get_page(&app, who, path, "zh").await;
            assert_eq!(status, 403, "{path}");
        }
        let (_, home) = get_page(&app, who, "/", "zh").await;
        assert!(!home.contains("/config/"), "no configuration links");
    }
    // Without a session: the login page, then back.
    let resp = no_redirects()
        .get(app.url("/config/zones"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
}

#[tokio::test]
async fn an_authority_reviewer_reads_a_pass_type_in_words_but_only_a_system_admin_edits_it() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let id = seed_types(&app, &s).await;
    let path = format!("/config/pass-types/{id}");

    let (status, html) = get_page(&app, &s.reviewer, &path, "zh").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"level-1\"") && html.contains("id=\"level-2\""));
    assert!(html.contains("id=\"field-plate\""), "form fields listed");
    assert!(html.contains("审核流程") && !html.contains("id=\"edit-pass-type\""));
    let (_, en) = get_page(&app, &s.reviewer, &path, "en").await;
    assert!(en.contains("Review workflow") && en.contains("working days"));
    let (status, _) = get_page(&app, &s.reviewer, &format!("{path}/edit"), "zh").await;
    assert_eq!(status, 403);
    let (status, _, _) = post_form(
        &app,
        &s.reviewer,
        &path,
        &[
            ("name_zh", "改名"),
            ("name_en", "Renamed"),
            ("version", "1"),
            ("definition", "{}"),
        ],
        "zh",
    )
    .await;
    assert_eq!(status, 403);

    let (status, html) = get_page(&app, &s.admin, &path, "zh").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"edit-pass-type\"") && html.contains("id=\"retire-form\""));
    let (status, list) = get_page(&app, &s.admin, "/config/pass-types", "zh").await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("id=\"pass-type-{id}\"")) && list.contains("受理中"));
    // Another region's type is not this authority's to configure.
    let other = epass::actions::pass_types::seed_standard(
        app.db(),
        &epass::actions::Actor::default(),
        s.world.region_b.id,
    )
    .await
    .unwrap();
    let (status, _) = get_page(
        &app,
        &s.admin,
        &format!("/config/pass-types/{}", other[0].id),
        "zh",
    )
    .await;
    assert_eq!(status, 403);
}

async fn version_of(app: &TestApp, id: i64) -> i64 {
    epass::store::pass_types::get(app.db().pool(), id)
        .await
        .unwrap()
        .version
}

#[tokio::test]
async fn an_invalid_definition_shows_its_path_specific_error_in_both_languages_and_changes_nothing()
{
    let app = spawn_app().await;
    let s = staff(&app).await;
    let id = seed_types(&app, &s).await;
    let pt = epass::store::pass_types::get(app.db().pool(), id)
        .await
        .unwrap();
    let mut definition = pt.definition.to_json();
    definition["workflow"]["levels"][1]["time_limit_working_days"] = json!(0);
    let bad = serde_json::to_string_pretty(&definition).unwrap();
    let updates = "SELECT COUNT(*) FROM audit_events WHERE action = 'pass_type.updated'";
    let before = app.count(updates).await;
    let path = format!("/config/pass-types/{id}");
    let form = [
        ("name_zh", pt.name_zh.as_str()),
        ("name_en", pt.name_en.as_str()),
        ("version", "1"),
        ("definition", bad.as_str()),
    ];

    let (status, _, html) = post_form(&app, &s.admin, &path, &form, "zh").await;
    assert_eq!(status, 422);
    let at = "workflow.levels[1].time_limit_working_days";
    assert!(html.contains(&format!("data-path=\"{at}\"")), "{html}");
    assert!(html.contains("须在 1 至 90 之间，现为 0"), "{html}");
    assert!(html.contains("id=\"definition-error-found\">0</code>"));
    assert!(html.contains("未保存任何修改"));
    let (status, _, html) = post_form(&app, &s.admin, &path, &form, "en").await;
    assert_eq!(status, 422);
    assert!(html.contains(&format!("id=\"definition-error-path\">{at}</code>")));
    assert!(html.contains("must be between 1 and 90, not 0"), "{html}");
    // Text that is not JSON at all is refused at the top.
    let broken = [
        ("version", "1"),
        ("name_zh", "x"),
        ("name_en", "x"),
        ("definition", "{\"form\": ["),
    ];
    let (status, _, html) = post_form(&app, &s.admin, &path, &broken, "en").await;
    assert_eq!(status, 422);
    assert!(html.contains("data-path=\"$\"") && html.contains("not valid JSON"));
    assert_eq!(version_of(&app, id).await, 1, "nothing changed");
    assert_eq!(app.count(updates).await, before);

    // Fixed, it saves: the version goes up and the page says so.
    definition["workflow"]["levels"][1]["time_limit_working_days"] = json!(2);
    let good = serde_json::to_string(&definition).unwrap();
    let form = [
        ("name_zh", "人员车辆通行证（修订）"),
        ("name_en", pt.name_en.as_str()),
        ("version", "1"),
        ("definition", good.as_str()),
    ];
    let (status, location, _) = post_form(&app, &s.admin, &path, &form, "zh").await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("{path}?done=saved").as_str())
    );
    assert_eq!(version_of(&app, id).await, 2);
    let (_, html) = get_page(&app, &s.admin, &path, "zh").await;
    assert!(
        html.contains("人员车辆通行证（修订）") && html.contains("id=\"pass-type-version\">2<")
    );
    // The old version number is now stale.
    let (status, _, html) = post_form(&app, &s.admin, &path, &form, "zh").await;
    assert_eq!(status, 409);
    assert!(html.contains("保存前已有他人修改"));
}

#[tokio::test]
async fn a_system_admin_creates_a_pass_type_and_retires_it_only_after_confirming() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    seed_types(&app, &s).await;
    let (status, html) = get_page(&app, &s.admin, "/config/pass-types/new", "zh").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"pt-definition\""));
    let seed = epass::domain::seed_pass_types::standard_pass_types().remove(1);
    let definition = seed.definition.to_string();
    let authority = s.world.region_a.id.to_string();
    let mut form = vec![
        ("authority_id", authority.as_str()),
        ("code", "Bad Code"),
        ("kind", "freight"),
        ("name_zh", "夜间运输"),
        ("name_en", "Night freight"),
        ("definition", definition.as_str()),
    ];
    let (status, _, html) = post_form(&app, &s.admin, "/config/pass-types", &form, "zh").await;
    assert_eq!(status, 422);
    assert!(html.contains("data-field=\"code\"") && html.contains("类型代码须为"));
    form[1] = ("code", "night_freight");
    let (status, location, _) = post_form(&app, &s.admin, "/config/pass-types", &form, "zh").await;
    assert_eq!(status, 303, "{location}");
    let id: i64 = location
        .strip_prefix("/config/pass-types/")
        .and_then(|r| r.split('?').next())
        .and_then(|i| i.parse().ok())
        .unwrap();
    let retire = format!("/config/pass-types/{id}/retire");
    let (status, _, _) = post_form(&app, &s.admin, &retire, &[], "zh").await;
    assert_eq!(status, 422, "not without the box ticked");
    let (status, _, _) = post_form(&app, &s.reviewer, &retire, &[("confirm", "yes")], "zh").await;
    assert_eq!(status, 403, "reviewers do not retire types");
    let (status, _, _) = post_form(&app, &s.admin, &retire, &[("confirm", "yes")], "zh").await;
    assert_eq!(status, 303);
    let (_, html) = get_page(&app, &s.admin, &format!("/config/pass-types/{id}"), "en").await;
    assert!(html.contains("data-status=\"retired\"") && !html.contains("id=\"retire-form\""));
}

fn square(name: &str, lon: f64) -> Value {
    json!({ "type": "Feature", "properties": { "name_zh": name, "name_en": "Depot" },
        "geometry": { "type": "Polygon", "coordinates": [[[lon, 40.0], [lon + 0.05, 40.0],
            [lon + 0.05, 40.05], [lon, 40.05], [lon, 40.0]]] } })
}

async fn live_zones(app: &TestApp, authority: i64) -> Vec<epass::domain::zones::Zone> {
    epass::store::zones::live_for_authority(app.db().pool(), authority)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_geojson_upload_appears_on_the_map_as_a_path_and_a_bad_one_imports_nothing() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let authority = s.world.region_a.id.to_string();
    let road = json!({ "type": "Feature", "properties": { "name_zh": "物流通道", "corridor_width_m": 40 },
        "geometry": { "type": "LineString", "coordinates": [[110.0, 40.1], [110.2, 40.12]] } });
    let upload =
        json!({ "type": "FeatureCollection", "features": [square("物流园区", 110.0), road] });
    let (status, location, _) = post_multipart(
        &app,
        &s.reviewer,
        "/config/zones/import",
        &[("authority", &authority), ("text", &upload.to_string())],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("done=imported"), "{location}");
    let zones = live_zones(&app, s.world.region_a.id).await;
    assert_eq!(zones.len(), 2);
    let (status, html) = get_page(&app, &s.reviewer, "/config/zones", "zh").await;
    assert_eq!(status, 200);
    for z in &zones {
        let drawn = html
            .split(&format!("<g id=\"map-zone-{}\"", z.id))
            .nth(1)
            .and_then(|rest| rest.split("</g>").next())
            .unwrap_or_else(|| panic!("zone {} on the map: {html}", z.id));
        assert!(drawn.contains("<path d=\"M"), "{drawn}");
        assert!(html.contains(&format!("id=\"zone-{}\"", z.id)), "listed");
    }
    assert!(html.contains(">物流园区</text>"), "labelled");
    assert!(
        html.contains("<svg") && !html.contains("style="),
        "no inline style"
    );

    // One bad feature (an open ring, feature 1): nothing is imported and it is named.
    let mut open = square("开口", 110.3);
    open["geometry"]["coordinates"][0][4] = json!([110.3, 40.01]);
    let bad = json!({ "type": "FeatureCollection", "features": [square("好的", 110.5), open] });
    let (status, _, html) = post_multipart(
        &app,
        &s.reviewer,
        "/config/zones/import",
        &[("authority", &authority), ("text", &bad.to_string())],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("<li data-index=\"1\">"), "{html}");
    assert!(html.contains("未闭合") && html.contains("未导入任何内容"));
    assert_eq!(live_zones(&app, s.world.region_a.id).await.len(), 2);

    // An org admin cannot upload.
    let (status, _, _) = post_multipart(
        &app,
        &s.org_admin,
        "/config/zones/import",
        &[("authority", &authority), ("text", &upload.to_string())],
    )
    .await;
    assert_eq!(status, 403);

    // Retiring takes the confirmation; then the zone leaves the map.
    let retire = format!("/config/zones/{}/retire", zones[0].id);
    let (status, _, _) = post_form(&app, &s.reviewer, &retire, &[], "zh").await;
    assert_eq!(status, 422);
    let (status, _, _) = post_form(&app, &s.reviewer, &retire, &[("confirm", "yes")], "zh").await;
    assert_eq!(status, 303);
    let (_, html) = get_page(&app, &s.reviewer, "/config/zones", "zh").await;
    assert!(!html.contains(&format!("id=\"map-zone-{}\"", zones[0].id)));
    assert!(html.contains(&format!("id=\"map-zone-{}\"", zones[1].id)));
}

#[tokio::test]
async fn a_system_admin_adds_a_checkpoint_with_the_zone_it_guards_and_retires_it() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let upload = json!({ "type": "FeatureCollection", "features": [square("物流园区", 110.0)] });
    epass::actions::zones::import_as(
        app.db(),
        &app.state.pii,
        &epass::actions::Actor::default(),
        &s.world.region_a,
        &upload,
    )
    .await
    .unwrap();
    let zone = live_zones(&app, s.world.region_a.id).await[0].id;
    let (org, zone_text) = (s.world.a1.id.to_string(), zone.to_string());
    let mut form = vec![
        ("org_id", org.as_str()),
        ("name", "园区北卡口"),
        ("longitude", "110.02"),
        ("latitude", "140.0"),
        ("guards", zone_text.as_str()),
    ];
    let (status, _, html) = post_form(&app, &s.admin, "/config/checkpoints", &form, "zh").await;
    assert_eq!(status, 422);
    assert!(html.contains("data-field=\"latitude\"") && html.contains("是否把经纬度写反了"));
    form[3] = ("latitude", "40.06");
    let (status, _, _) = post_form(&app, &s.reviewer, "/config/checkpoints", &form, "zh").await;
    assert_eq!(status, 403, "reviewers do not add checkpoints");
    let (status, location, _) = post_form(&app, &s.admin, "/config/checkpoints", &form, "zh").await;
    assert_eq!(status, 303, "{location}");
    let id: i64 = location
        .rsplit("#checkpoint-")
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap();
    let cp = epass::store::checkpoints::get(app.db().pool(), id)
        .await
        .unwrap();
    assert_eq!((cp.guards.clone(), cp.org_id), (vec![zone], s.world.a1.id));
    let (_, html) = get_page(&app, &s.reviewer, "/config/checkpoints", "zh").await;
    let row = html
        .split(&format!("<tr id=\"checkpoint-{id}\">"))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap();
    assert!(row.contains("园区北卡口") && row.contains("物流园区") && row.contains("110.02000"));
    assert!(html.contains(&format!("id=\"map-checkpoint-{id}\"")));
    let retire = format!("/config/checkpoints/{id}/retire");
    let (status, _, _) = post_form(&app, &s.admin, &retire, &[("confirm", "yes")], "zh").await;
    assert_eq!(status, 303);
    let (_, html) = get_page(&app, &s.admin, "/config/checkpoints", "zh").await;
    assert!(!html.contains(&format!("id=\"checkpoint-{id}\"")));
}

#[tokio::test]
async fn the_truck_restrictions_page_draws_the_version_in_force_and_publishes_a_new_one() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let authority = s.world.region_a.id.to_string();
    let (_, html) = get_page(&app, &s.reviewer, "/config/truck-restrictions", "zh").await;
    assert!(html.contains("id=\"no-restrictions\""));
    let doc = epass::demo_trucks::document().to_string();
    let (status, location, _) = post_multipart(
        &app,
        &s.reviewer,
        "/config/truck-restrictions",
        &[("authority", &authority), ("text", &doc), ("note", "首版")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("done=published"));
    let (_, html) = get_page(&app, &s.reviewer, "/config/truck-restrictions", "zh").await;
    assert!(html.contains("id=\"shown-version\">1"));
    let map = html.split("id=\"truck-map\"").nth(1).unwrap();
    assert!(map.contains(
        "<g id=\"map-zone-1\" class=\"map-zone\"><title>树林召镇环城路以内</title><path d=\"M"
    ));
    assert!(map.contains("<g id=\"map-zone-2\" class=\"map-road_section\">"));
    let rule = html
        .split("<tr id=\"rule-ring-peak\">")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap();
    assert!(
        rule.contains("重型货车") && rule.contains("07:00–09:00、17:00–19:00"),
        "{rule}"
    );
    let (_, en) = get_page(&app, &s.reviewer, "/config/truck-restrictions", "en").await;
    assert!(en.contains("dangerous goods vehicle") && en.contains("all day"));

    // A mistake is said plainly and nothing is published.
    let mut wrong = epass::demo_trucks::document();
    wrong["rules"][0]["classes"] = json!(["tractor"]);
    let (status, _, html) = post_multipart(
        &app,
        &s.reviewer,
        "/config/truck-restrictions",
        &[("authority", &authority), ("text", &wrong.to_string())],
    )
    .await;
    assert_eq!(status, 422);
    let error = html.split("id=\"publish-error\"").nth(1).unwrap();
    assert!(error.contains("tractor"), "{error}");
    assert!(html.contains("未发布任何内容"));
    // A version for later is listed as scheduled; the one in force stays.
    let (status, _, _) = post_multipart(
        &app,
        &s.reviewer,
        "/config/truck-restrictions",
        &[
            ("authority", &authority),
            ("text", &doc),
            ("effective_from", "2099-01-01T00:00"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = get_page(&app, &s.reviewer, "/config/truck-restrictions", "zh").await;
    assert!(html.contains("id=\"shown-version\">1"));
    assert!(html.contains("<tr id=\"version-2\">") && html.contains("data-state=\"scheduled\""));
    assert!(!html.contains("id=\"version-3\""));
    let (status, _, _) = post_multipart(
        &app,
        &s.org_admin,
        "/config/truck-restrictions",
        &[("authority", &authority), ("text", &doc)],
    )
    .await;
    assert_eq!(status, 403);
}

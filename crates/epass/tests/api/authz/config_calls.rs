//! One request per configuration page and API route (pass types, zones, checkpoints, truck
//! restrictions), made by a caller on the target authority's objects.

use super::*;

/// A configuration page's request against the target: forms posted with the session's CSRF
/// token, no redirects followed (a change's success is its 303 onwards, counted as 200).
pub(super) async fn config_call(
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

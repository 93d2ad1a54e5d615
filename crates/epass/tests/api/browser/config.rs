//! The authority's configuration pages in a browser, on the demo data: the authority reviewer
//! looks at the zone map and the truck restrictions; the system admin edits a pass type's
//! definition with a mistake, sees where it is, fixes it and saves.

use super::webdriver::Browser;
use super::{DESK, log_in};
use crate::helpers::spawn_app;

const ADMIN: &str = "13800000001";
const REVIEWER: &str = "13800000003";

/// Changes `workflow.levels[0].time_limit_working_days` in the definition textarea.
async fn set_time_limit(b: &Browser, days: i64) {
    let done = b
        .script(&format!(
            "const t = document.getElementById('pt-definition'); \
             const d = JSON.parse(t.value); \
             d.workflow.levels[0].time_limit_working_days = {days}; \
             t.value = JSON.stringify(d, null, 2); return true;"
        ))
        .await;
    assert_eq!(done.as_bool(), Some(true));
}

#[tokio::test]
async fn an_authority_reviewer_sees_the_zone_map_and_an_admin_fixes_a_pass_type_mistake() {
    let app = spawn_app().await;
    assert!(epass::demo::seed_if_empty(&app.state).await.unwrap());
    let password = epass::demo::DEMO_PASSWORD;
    let mut b = Browser::start("config", DESK.0, DESK.1).await;

    // The authority reviewer reaches the zone map from the home page.
    log_in(&b, &app, REVIEWER, password).await;
    b.click("#to-config-zones").await;
    b.wait_for_path("/config/zones").await;
    let drawn = b.find_all("#zone-map svg g[id^='map-zone-'] path").await;
    assert!(
        drawn.len() >= 3,
        "zones and road sections drawn: {}",
        drawn.len()
    );
    let (w, h) = b.size("#zone-map svg").await;
    assert!(w > 600.0 && h > 150.0, "the map is desk-sized: {w}×{h}");
    assert!(
        b.text("#zone-map").await.contains("树林召镇中心城区"),
        "labelled"
    );
    assert_eq!(
        b.find_all("#upload-form").await.len(),
        1,
        "reviewers upload"
    );
    b.screenshot("reviewer-zone-map").await;

    b.click("#tab-trucks").await;
    b.wait_for_path("/config/truck-restrictions").await;
    assert!(b.find_all("#truck-map svg path").await.len() >= 2);
    assert!(b.text("#rules").await.contains("07:00–09:00"));
    b.screenshot("reviewer-truck-restrictions").await;

    // The system admin opens a pass type and edits its definition with a mistake.
    log_in(&b, &app, ADMIN, password).await;
    b.click("#to-config").await;
    b.wait_for_path("/config/pass-types").await;
    b.screenshot("admin-pass-types").await;
    b.click("#pass-types tbody tr:first-child a").await;
    let page = b.wait_for_path("/config/pass-types/").await;
    assert!(b.text("#workflow").await.contains("个工作日"));
    b.screenshot("admin-pass-type").await;
    b.click("#edit-pass-type").await;
    b.wait_for_path(&format!("{page}/edit")).await;
    set_time_limit(&b, 0).await;
    b.click("#pass-type-save").await;
    let error = b.find("#definition-error").await;
    assert_eq!(
        b.text("#definition-error-path").await,
        "workflow.levels[0].time_limit_working_days"
    );
    let message = b.element_text(&error).await;
    assert!(message.contains("须在 1 至 90 之间，现为 0"), "{message}");
    assert!(message.contains("未保存任何修改"), "{message}");
    b.screenshot("admin-definition-mistake").await;

    // Fixed, it saves and the version goes up.
    set_time_limit(&b, 2).await;
    b.submit("#pass-type-save", &format!("{page}?done=saved"))
        .await;
    assert!(b.text("#message").await.contains("已保存"));
    assert_eq!(b.text("#pass-type-version").await, "2");
    assert!(b.text("#level-1").await.contains('2'));
    b.screenshot("admin-definition-saved").await;
}

//! The licensing office's side of the licence pages: the counter issues for a new person and
//! refuses a licence with 12 points saying why in both languages; a licence the registry sync
//! suspended shows its state in red with the reason on its page and in the PDF.

use epass::demo::DEMO_PASSWORD;

use super::{CLERK, HOLDER, NUMBER, between, demo, get, pdf_text, post_multipart};
use crate::registries::id_number;

#[tokio::test]
async fn the_counter_page_issues_for_a_new_person_and_refuses_a_licence_with_twelve_points() {
    let app = demo().await;
    let csv = format!(
        "licence_number,holder_id_number,holder_name,classes,valid_from,valid_until,issuing_office,points,status,address\n\
         150621000077,{},李柜台,B2,2020-01-01,2032-01-01,达拉特旗公安局交通管理大队车辆管理所,0,valid,内蒙古鄂尔多斯市达拉特旗\n",
        id_number(77)
    );
    let origin = epass::registry::Origin {
        file_name: "licences.csv",
        actor: "test",
    };
    epass::registry::import(
        app.db(),
        &app.state.pii,
        epass::registry::RegistryKind::Licences,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .unwrap();
    let clerk = app.login(CLERK, DEMO_PASSWORD).await;
    let home = get(&app, Some(&clerk), "/").await;
    assert!(home.html.contains("href=\"/licences/counter\""));
    let form = get(&app, Some(&clerk), "/licences/counter").await;
    assert_eq!(form.status, 200, "{}", form.html);
    assert!(form.html.contains("capture=\"user\""));
    let pass_type = between(
        between(&form.html, "id=\"counter-type\"", "</select>"),
        "<option value=\"",
        "\"",
    )
    .to_owned();

    let photo = epass_credential::qr::render_png("taken at the counter", 4).unwrap();
    let issued = post_multipart(
        &app,
        &clerk,
        "/licences/counter",
        &[
            ("pass_type_id", &pass_type),
            ("id_number", &id_number(77)),
            ("phone", "13900000077"),
        ],
        Some(&photo),
    )
    .await;
    assert_eq!(issued.status, 200, "{}", issued.html);
    assert_eq!(
        between(&issued.html, "id=\"issued-number\">", "<"),
        "150621000077"
    );
    assert_eq!(between(&issued.html, "id=\"issued-name\">", "<"), "李柜台");
    assert!(
        app.last_sms("13900000077")
            .await
            .unwrap()
            .contains("已签发")
    );

    // The demo registry's 12-point licence is refused, the reason in both languages.
    let refused = post_multipart(
        &app,
        &clerk,
        "/licences/counter",
        &[
            ("pass_type_id", &pass_type),
            ("id_number", "150621198001010010"),
            ("phone", "13900000099"),
        ],
        None,
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    let reason = between(&refused.html, "id=\"refusal\"", "</section>");
    assert!(
        reason.contains("lang=\"zh-CN\"") && reason.contains("lang=\"en\""),
        "{reason}"
    );
    assert!(reason.contains("12"), "{reason}");
    // Only clerks have the counter.
    let holder = app.login(HOLDER, DEMO_PASSWORD).await;
    assert_eq!(
        get(&app, Some(&holder), "/licences/counter").await.status,
        403
    );
}

#[tokio::test]
async fn a_suspended_licence_shows_its_state_in_red_with_the_reason_on_the_page_and_in_the_pdf() {
    let app = demo().await;
    // The registry now counts 12 points; the office's sync suspends the licence.
    let csv = "licence_number,holder_id_number,holder_name,classes,valid_from,valid_until,issuing_office,points,status,address\n\
         150621000007,11010519491231002X,孙司机,A2 C1,2018-06-01,2030-06-01,鄂尔多斯市公安局交通管理支队车辆管理所,12,valid,内蒙古自治区鄂尔多斯市达拉特旗树林召镇锡尼街 8 号\n";
    let origin = epass::registry::Origin {
        file_name: "licences.csv",
        actor: "test",
    };
    epass::registry::import(
        app.db(),
        &app.state.pii,
        epass::registry::RegistryKind::Licences,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .unwrap();
    let clerk = app.login(CLERK, DEMO_PASSWORD).await;
    let synced = app
        .post(
            "/api/v1/licences/sync",
            crate::helpers::Auth::Session(&clerk),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(synced.status, 200, "{}", synced.body);

    let holder = app.login(HOLDER, DEMO_PASSWORD).await;
    let page = get(&app, Some(&holder), &format!("/licences/{NUMBER}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("class=\"licence suspended\""),
        "{}",
        page.html
    );
    assert_eq!(
        between(&page.html, "id=\"licence-state\">", "<"),
        "已暂停使用"
    );
    let reason = between(&page.html, "id=\"licence-reason\">", "<");
    assert!(reason.contains("12"), "{reason}");
    let list = get(&app, Some(&holder), "/licences").await;
    assert!(list.html.contains("已暂停使用"));

    let resp = crate::page_client::no_redirects()
        .get(app.url(&format!("/licences/{NUMBER}/pdf")))
        .header("cookie", format!("epass_session={}", holder.cookie))
        .send()
        .await
        .unwrap();
    let text = pdf_text(&resp.bytes().await.unwrap());
    assert!(
        text.contains("已暂停使用") && text.contains("Suspended"),
        "{text}"
    );
}

//! Online checks under load and verification without recording: every check is recorded once
//! (group commit shares transactions, never rows), and `/verify` shows no personal data.

use serde_json::json;

use crate::flows::setting;
use crate::helpers::{Auth, spawn_app};

#[tokio::test]
async fn concurrent_checks_are_each_recorded_once_before_they_are_answered() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = crate::flows::issue(&app, &s, "蒙K12345", 0, 3).await;
    let text = pass["credential"].as_str().unwrap().to_owned();
    let mut handles = Vec::new();
    for i in 0..64 {
        let (app_url, http, officer) = (app.url(""), app.http.clone(), s.officer.clone());
        let body = if i % 2 == 0 {
            json!({ "text": text })
        } else {
            json!({ "text": text, "client_ref": format!("dev-{}", i % 8), "checked_at": 1_000 })
        };
        handles.push(tokio::spawn(async move {
            let reply = http
                .post(format!("{app_url}/api/v1/checks"))
                .header("cookie", format!("epass_session={}", officer.cookie))
                .header("x-csrf-token", &officer.csrf)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 200);
            serde_json::from_slice::<serde_json::Value>(&reply.bytes().await.unwrap()).unwrap()
        }));
    }
    let mut ids = Vec::new();
    for handle in handles {
        let body = handle.await.unwrap();
        if let Some(id) = body["check_id"].as_i64() {
            ids.push(id);
        }
    }
    // 32 online checks, and 32 uploads of 4 distinct offline checks (each recorded once).
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 32 + 4);
    assert_eq!(app.count("SELECT COUNT(*) FROM checks").await, 36);
    // Recorded in groups, each check is a leaf of the tamper-evident log, in order.
    let report = epass::actions::log_verify::verify(app.db())
        .await
        .unwrap()
        .report;
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT log_index) FROM checks")
            .await,
        36
    );
}

#[tokio::test]
async fn verify_answers_valid_or_not_without_personal_data_and_records_nothing() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = crate::flows::issue(&app, &s, "蒙K12345", 0, 3).await;
    let text = pass["credential"].as_str().unwrap();
    let reply = app
        .post(
            "/api/v1/verify",
            Auth::Session(&s.applicant),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["code"], "valid");
    assert!(reply.body.get("holder_name").is_none(), "{}", reply.body);
    assert!(reply.body.get("plate").is_none(), "{}", reply.body);
    // Changing the last character: to 'A', unless it already is one (then the text would not change).
    let last = if text.ends_with('A') { 'B' } else { 'A' };
    let forged = format!("{}{last}", &text[..text.len() - 1]);
    let reply = app
        .post(
            "/api/v1/verify",
            Auth::Session(&s.applicant),
            json!({ "text": forged }),
        )
        .await;
    assert_eq!(reply.body["class"], "invalid", "{}", reply.body);
    let id = pass["id"].as_i64().unwrap();
    let revoked = app
        .post(
            &format!("/api/v1/passes/{id}/status"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "revoke", "reason": "测试 / test" }),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let reply = app
        .post(
            "/api/v1/verify",
            Auth::Session(&s.applicant),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(reply.body["code"], "revoked", "{}", reply.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM checks").await, 0);
}

#[tokio::test]
async fn no_check_that_starts_after_a_revocation_commits_says_valid() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = crate::flows::issue(&app, &s, "蒙K12345", 0, 3).await;
    let text = pass["credential"].as_str().unwrap().to_owned();
    let id = pass["id"].as_i64().unwrap();
    let revoked_at = std::sync::Arc::new(tokio::sync::OnceCell::new());
    let mut checkers = Vec::new();
    for _ in 0..4 {
        let (url, http, officer) = (app.url(""), app.http.clone(), s.officer.clone());
        let (text, revoked_at) = (text.clone(), revoked_at.clone());
        checkers.push(tokio::spawn(async move {
            let mut seen: Vec<(bool, String)> = Vec::new();
            // Until ten checks have started after the revocation (bounded, in case it hangs).
            while seen.iter().filter(|(after, _)| *after).count() < 10 && seen.len() < 5_000 {
                let started = std::time::Instant::now();
                let reply = http
                    .post(format!("{url}/api/v1/checks"))
                    .header("cookie", format!("epass_session={}", officer.cookie))
                    .header("x-csrf-token", &officer.csrf)
                    .header("content-type", "application/json")
                    .body(json!({ "text": text }).to_string())
                    .send()
                    .await
                    .unwrap();
                let body: serde_json::Value =
                    serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
                let after_commit = revoked_at
                    .get()
                    .is_some_and(|t: &std::time::Instant| started >= *t);
                seen.push((after_commit, body["code"].as_str().unwrap().to_owned()));
            }
            seen
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let reply = app
        .post(
            &format!("/api/v1/passes/{id}/status"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "revoke", "reason": "测试 / test" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    revoked_at.set(std::time::Instant::now()).unwrap();
    let mut after = 0;
    for checker in checkers {
        for (after_commit, code) in checker.await.unwrap() {
            if after_commit {
                after += 1;
                assert_eq!(code, "revoked", "a check after the revocation said {code}");
            } else {
                assert!(code == "valid" || code == "revoked", "{code}");
            }
        }
    }
    assert!(after > 0, "no check ran after the revocation");
}

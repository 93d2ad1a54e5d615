//! Alerts from constructed histories: for each kind, a history that must raise it and a near
//! miss that must not; rescanning raises nothing new; supervisors list and acknowledge them.

use epass::actions::Actor;
use epass::actions::alerts::{AlertConfig, ScanReport, scan};
use epass::domain::roles::Role;
use epass::store::now_ms;
use serde_json::{Value, json};

use crate::flows::{Setting, issue, setting};
use crate::helpers::{Auth, TestApp, spawn_app};
use crate::world::{self, PASSWORD};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

async fn scan_now(app: &TestApp, config: &AlertConfig) -> ScanReport {
    scan(app.db(), config).await.unwrap()
}

fn kinds(report: &ScanReport) -> Vec<&str> {
    report.raised.iter().map(|a| a.kind.as_str()).collect()
}

fn of_kind<'a>(report: &'a ScanReport, kind: &str) -> Vec<&'a epass::store::alerts::Alert> {
    report.raised.iter().filter(|a| a.kind == kind).collect()
}

/// Every alert ever raised is raised once: reading everything again from the start raises
/// nothing, and every alert has its `alert.raised` audit event.
async fn rescanning_from_the_start_raises_nothing(app: &TestApp, config: &AlertConfig) {
    sqlx::query("UPDATE alert_cursor SET last_check_id = 0, last_event_id = 0")
        .execute(app.db().pool())
        .await
        .unwrap();
    let again = scan_now(app, config).await;
    assert!(again.raised.is_empty(), "{:?}", kinds(&again));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'alert.raised'")
            .await,
        app.count("SELECT COUNT(*) FROM alerts").await
    );
}

/// A checkpoint of department A1 at a place.
async fn checkpoint(app: &TestApp, s: &Setting, longitude: f64, latitude: f64) -> i64 {
    let mut tx = app.db().begin().await.unwrap();
    let checkpoint = epass::store::checkpoints::insert(
        &mut tx,
        &epass::store::checkpoints::NewCheckpoint {
            org_id: s.world.a1.id,
            name: "远端卡口",
            longitude,
            latitude,
            guards: &[],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    checkpoint.id
}

/// Uploads checks made offline; returns their results.
async fn upload(app: &TestApp, s: &Setting, checks: Vec<Value>) -> Vec<Value> {
    let reply = app
        .post(
            "/api/v1/checks/batch",
            Auth::Session(&s.officer),
            json!({ "checks": checks }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body.as_array().unwrap().clone()
}

fn offline(text: &str, reference: &str, at: i64, place: Value) -> Value {
    let mut check = json!({ "text": text, "client_ref": reference, "checked_at": at });
    for (k, v) in place.as_object().unwrap() {
        check[k] = v.clone();
    }
    check
}

fn credential(pass: &Value) -> String {
    pass["credential"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_checks_of_a_pass_300_km_apart_in_30_minutes_raise_impossible_travel_and_100_km_in_2_hours_do_not()
 {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let config = AlertConfig::default();
    let copied = credential(&issue(&app, &s, "蒙K12345", 0, 3).await);
    let driven = credential(&issue(&app, &s, "蒙K54321", 0, 3).await);
    // The far place is a checkpoint's: a check without a position of its own is placed there.
    let far = checkpoint(&app, &s, 113.55, 40.4).await;
    let t0 = now_ms() - 3 * HOUR;
    let here = json!({ "longitude": 110.0, "latitude": 40.4 });
    let copied_checks = upload(
        &app,
        &s,
        vec![
            offline(&copied, "c-1", t0, here.clone()),
            offline(
                &copied,
                "c-2",
                t0 + 30 * MINUTE,
                json!({ "checkpoint_id": far }),
            ),
        ],
    )
    .await;
    upload(
        &app,
        &s,
        vec![
            offline(&driven, "d-1", t0, here.clone()),
            offline(
                &driven,
                "d-2",
                t0 + 2 * HOUR,
                json!({ "longitude": 111.17, "latitude": 40.4 }),
            ),
        ],
    )
    .await;

    let report = scan_now(&app, &config).await;
    let travel = of_kind(&report, "impossible_travel");
    assert_eq!(travel.len(), 1, "{:?}", kinds(&report));
    let alert = travel[0];
    assert_eq!(alert.pass_number.as_deref().unwrap(), {
        copied_checks[0]["pass_number"].as_str().unwrap()
    });
    assert_eq!(alert.authority_id, Some(s.world.region_a.id));
    let e = &alert.evidence;
    assert_eq!(
        e["check_ids"],
        json!([copied_checks[0]["check_id"], copied_checks[1]["check_id"]])
    );
    let km = e["distance_km"].as_f64().unwrap();
    assert!((km - 300.6).abs() < 0.5, "{e}");
    assert_eq!(e["minutes"], 30.0);
    let speed = e["implied_speed_kmh"].as_f64().unwrap();
    assert!((speed - 601.2).abs() < 1.0, "{e}");
    assert_eq!(e["top_speed_kmh"], 150.0);
    assert_eq!(e["checks"][1]["checkpoint_id"], far);
    assert!(
        alert.summary_en.contains("300.6 km"),
        "{}",
        alert.summary_en
    );
    assert!(alert.summary_zh.contains("公里"), "{}", alert.summary_zh);

    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

#[tokio::test]
async fn a_late_offline_check_is_compared_with_the_checks_before_and_after_it() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let config = AlertConfig::default();
    let text = credential(&issue(&app, &s, "蒙K12345", 0, 3).await);
    let t0 = now_ms() - 3 * HOUR;
    let first = upload(
        &app,
        &s,
        vec![
            offline(
                &text,
                "a",
                t0,
                json!({ "longitude": 110.0, "latitude": 40.4 }),
            ),
            offline(
                &text,
                "b",
                t0 + 2 * HOUR,
                json!({ "longitude": 111.17, "latitude": 40.4 }),
            ),
        ],
    )
    .await;
    let report = scan_now(&app, &config).await;
    assert!(of_kind(&report, "impossible_travel").is_empty());
    // Uploaded later, made in between, 300 km from both ends within an hour of each.
    let late = upload(
        &app,
        &s,
        vec![offline(
            &text,
            "c",
            t0 + HOUR,
            json!({ "longitude": 113.55, "latitude": 40.4 }),
        )],
    )
    .await;
    let report = scan_now(&app, &config).await;
    let mut pairs: Vec<Value> = of_kind(&report, "impossible_travel")
        .iter()
        .map(|a| a.evidence["check_ids"].clone())
        .collect();
    pairs.sort_by_key(|p| p[0].as_i64());
    let (a, b, c) = (
        &first[0]["check_id"],
        &first[1]["check_id"],
        &late[0]["check_id"],
    );
    assert_eq!(pairs, vec![json!([a, c]), json!([c, b])]);
    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

#[tokio::test]
async fn checks_outside_the_zone_or_time_raise_alerts_and_a_valid_check_does_not() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let config = AlertConfig::default();
    let text = credential(&issue(&app, &s, "蒙K12345", 0, 3).await);
    // A pass for 06:00–07:00 only.
    let mut values = s.values("蒙K54321", 0, 3);
    values["daily_window"] = json!("06:00-07:00");
    let id = crate::flows::apply(&app, &s, &s.applicant, values).await["id"]
        .as_i64()
        .unwrap();
    let approve = |version: i64| json!({ "action": "approve", "version": version });
    crate::flows::decide(&app, &s.org_admin, id, approve(1)).await;
    let early = crate::flows::decide(&app, &s.authority_reviewer, id, approve(2))
        .await
        .body["pass"]
        .clone();
    let early = credential(&early);
    // Noon (China time) today.
    let noon = (now_ms() + 8 * HOUR) / (24 * HOUR) * (24 * HOUR) - 8 * HOUR + 12 * HOUR;
    let on_road = json!({ "longitude": 110.05, "latitude": 40.4 });
    let results = upload(
        &app,
        &s,
        vec![
            offline(&text, "ok", noon, on_road.clone()),
            offline(
                &text,
                "off",
                noon,
                json!({ "longitude": 110.05, "latitude": 40.41 }),
            ),
            offline(&early, "late", noon, on_road.clone()),
        ],
    )
    .await;
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["valid", "outside_zone", "outside_time"]);

    let report = scan_now(&app, &config).await;
    let mut raised = kinds(&report);
    raised.sort_unstable();
    assert_eq!(raised, ["outside_time", "outside_zone"]);
    let zone = of_kind(&report, "outside_zone")[0];
    assert_eq!(zone.evidence["check_ids"], json!([results[1]["check_id"]]));
    assert_eq!(zone.evidence["outcome"], "outside_zone");
    assert_eq!(zone.evidence["latitude"], 40.41);
    let time = of_kind(&report, "outside_time")[0];
    assert_eq!(time.evidence["check_ids"], json!([results[2]["check_id"]]));
    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

#[tokio::test]
async fn a_pass_checked_after_revocation_raises_an_alert_and_one_checked_before_does_not() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let config = AlertConfig::default();
    let pass = issue(&app, &s, "蒙K12345", 0, 3).await;
    let text = credential(&pass);
    let before = now_ms() - 1000;
    let revoked = app
        .post(
            &format!("/api/v1/passes/{}/status", pass["id"]),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "revoke", "reason": "测试 / test" }),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    // Made offline before the revocation, uploaded after it: the server says revoked, but the
    // pass was not revoked when it was checked.
    let old = upload(&app, &s, vec![offline(&text, "old", before, json!({}))]).await;
    assert_eq!(old[0]["code"], "revoked");
    assert!(scan_now(&app, &config).await.raised.is_empty());

    let now = app
        .post(
            "/api/v1/checks",
            Auth::Session(&s.officer),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(now.body["code"], "revoked");
    let report = scan_now(&app, &config).await;
    assert_eq!(kinds(&report), ["checked_after_revocation"]);
    let alert = &report.raised[0];
    assert_eq!(alert.pass_id, pass["id"].as_i64());
    assert_eq!(alert.evidence["check_ids"], json!([now.body["check_id"]]));
    assert!(alert.evidence["revoked_at"].as_i64().unwrap() > before);
    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

/// Records a check directly, as the check writer would.
async fn record_check(app: &TestApp, s: &Setting, number: &str, checkpoint: i64, outcome: &str) {
    let mut tx = app.db().begin().await.unwrap();
    epass::store::checks::insert_check(
        &mut tx,
        &epass::store::checks::NewCheck {
            pass_id: None,
            pass_number: Some(number),
            checkpoint_id: Some(checkpoint),
            officer_id: s.officer.user_id,
            longitude: None,
            latitude: None,
            checked_at: now_ms(),
            outcome,
            client_ref: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_signed_pass_the_issuers_log_never_recorded_raises_an_unlogged_pass_alert() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let config = AlertConfig::default();
    let gate = checkpoint(&app, &s, 110.05, 40.4).await;
    record_check(&app, &s, "FORGED-1", gate, "not_in_log").await;
    record_check(&app, &s, "UNKNOWN-1", gate, "invalid.unknown_pass_number").await;
    let report = scan_now(&app, &config).await;
    assert_eq!(kinds(&report), ["unlogged_pass"]);
    let alert = &report.raised[0];
    assert_eq!(alert.pass_number.as_deref(), Some("FORGED-1"));
    // No pass row: the checkpoint's authority sees it.
    assert_eq!(alert.authority_id, Some(s.world.region_a.id));
    assert_eq!(alert.evidence["outcome"], "not_in_log");
    assert_eq!(alert.evidence["longitude"], 110.05);
    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

/// Distinct rounds, so that constructed decisions on one application never collide.
static ROUND: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(100);

/// Records `n` decisions by `reviewer` on one application, `gap_s` apart from `start`, and the
/// audit event that tells the scan a decision was made.
async fn decisions(app: &TestApp, application: i64, reviewer: i64, start: i64, n: i64, gap_s: i64) {
    for i in 0..n {
        sqlx::query(
            "INSERT INTO decisions (application_id, round, level, reviewer_id, reviewer_role, \
             action, seen, decided_at) VALUES ($1, $2, 1, $3, 'authority_reviewer', 'approve', \
             '{}', $4)",
        )
        .bind(application)
        .bind(ROUND.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
        .bind(reviewer)
        .bind(start + i * gap_s * 1000)
        .execute(app.db().pool())
        .await
        .unwrap();
    }
    let actor = Actor::default();
    let mut tx = app.db().begin().await.unwrap();
    epass::store::audit::insert(
        &mut tx,
        &actor.event("application.decided", "application", application),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_reviewer_deciding_far_more_or_far_faster_than_peers_is_flagged_and_near_misses_are_not()
{
    let app = spawn_app().await;
    let s = setting(&app).await;
    let config = AlertConfig::default();
    let application = crate::flows::apply(&app, &s, &s.applicant, s.values("蒙K12345", 0, 3)).await
        ["id"]
        .as_i64()
        .unwrap();
    let mut reviewers = Vec::new();
    for n in 20..23 {
        reviewers.push(
            world::user(
                &app,
                &world::phone(n),
                &s.world.region_a,
                &[Role::AuthorityReviewer],
            )
            .await,
        );
    }
    let (busy, p1, p2) = (reviewers[0], reviewers[1], reviewers[2]);
    // 2026-01-05 09:00 China time.
    let day1 = 1_767_574_800_000;
    let day2 = day1 + 24 * HOUR;
    // Day 1: 30 decisions two minutes apart against the peers' 10 ten minutes apart: three
    // times as many (flagged), a fifth of the time exactly (not under it: not flagged).
    decisions(&app, application, busy, day1, 30, 120).await;
    decisions(&app, application, p1, day1, 10, 600).await;
    decisions(&app, application, p2, day1 + 1000, 10, 600).await;
    // Day 2: 20 decisions a minute apart against 10 ten minutes apart: a tenth of the time
    // (flagged), twice as many (not flagged).
    decisions(&app, application, busy, day2, 20, 60).await;
    decisions(&app, application, p1, day2, 10, 600).await;
    decisions(&app, application, p2, day2 + 1000, 10, 600).await;

    let report = scan_now(&app, &config).await;
    let mut raised: Vec<(&str, String)> = report
        .raised
        .iter()
        .map(|a| {
            (
                a.kind.as_str(),
                a.evidence["day"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    raised.sort();
    assert_eq!(
        raised,
        [
            ("reviewer_speed", "2026-01-06".to_owned()),
            ("reviewer_volume", "2026-01-05".to_owned())
        ]
    );
    let volume = of_kind(&report, "reviewer_volume")[0];
    assert_eq!(volume.user_id, Some(busy));
    assert_eq!(volume.authority_id, Some(s.world.region_a.id));
    assert_eq!(volume.evidence["decisions"], 30);
    assert_eq!(volume.evidence["peers_median_decisions"], 10.0);
    assert_eq!(volume.evidence["volume_factor"], 3.0);
    assert_eq!(
        volume.evidence["decision_ids"].as_array().unwrap().len(),
        30
    );
    let speed = of_kind(&report, "reviewer_speed")[0];
    assert_eq!(speed.user_id, Some(busy));
    assert_eq!(speed.evidence["median_gap_s"], 60.0);
    assert_eq!(speed.evidence["peers_median_gap_s"], 600.0);
    assert_eq!(speed.evidence["speed_factor"], 5.0);

    // Another decision the same day: compared again, nothing new.
    decisions(&app, application, p1, day1 + 8 * HOUR, 1, 0).await;
    assert!(scan_now(&app, &config).await.raised.is_empty());
    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

#[tokio::test]
async fn an_account_reading_personal_data_in_bulk_is_flagged_and_one_below_the_threshold_is_not() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let config = AlertConfig {
        pii_reads_threshold: 5,
        ..AlertConfig::default()
    };
    let holder = world::user(&app, "13900000001", &w.a1, &[]).await;
    let bulk = world::user(&app, "13900000002", &w.a1, &[Role::Supervisor]).await;
    world::user(&app, "13900000003", &w.a1, &[Role::AuthorityReviewer]).await;
    let own = app.session("13900000001", PASSWORD).await;
    let reply = app
        .request(
            "PUT",
            "/api/v1/me/id-number",
            Auth::Session(&own),
            Some(json!({ "id_number": "11010519491231002X" })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let path = format!("/api/v1/users/{holder}/id-number");
    let reader = app.session("13900000002", PASSWORD).await;
    let careful = app.session("13900000003", PASSWORD).await;
    for (who, times) in [(&reader, 5), (&careful, 4), (&own, 8)] {
        for _ in 0..times {
            assert_eq!(app.get(&path, Auth::Session(who)).await.status, 200);
        }
    }
    let report = scan_now(&app, &config).await;
    assert_eq!(kinds(&report), ["bulk_personal_data"]);
    let alert = &report.raised[0];
    assert_eq!(alert.user_id, Some(bulk));
    assert_eq!(alert.authority_id, Some(w.region_a.id));
    assert_eq!(alert.evidence["count"], 5);
    assert_eq!(alert.evidence["threshold"], 5);
    assert_eq!(alert.evidence["window_minutes"], 60);
    assert_eq!(alert.evidence["event_ids"].as_array().unwrap().len(), 5);
    // More reads in the same window belong to the same episode.
    assert_eq!(app.get(&path, Auth::Session(&reader)).await.status, 200);
    assert!(scan_now(&app, &config).await.raised.is_empty());
    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

async fn fail_login(app: &TestApp, phone: &str) {
    let reply = app
        .post(
            "/api/v1/auth/login/password",
            Auth::None,
            json!({ "phone": phone, "password": "wrong password" }),
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.body);
}

#[tokio::test]
async fn five_failed_logins_of_one_account_are_flagged_and_four_are_not() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    let config = AlertConfig::default();
    let attacked = world::user(&app, "13900000001", &w.a1, &[Role::Reviewer]).await;
    world::user(&app, "13900000002", &w.a1, &[Role::Reviewer]).await;
    for _ in 0..5 {
        fail_login(&app, "13900000001").await;
    }
    for _ in 0..4 {
        fail_login(&app, "13900000002").await;
    }
    let report = scan_now(&app, &config).await;
    assert_eq!(kinds(&report), ["failed_logins"]);
    let alert = &report.raised[0];
    assert_eq!(alert.user_id, Some(attacked));
    assert_eq!(alert.authority_id, Some(w.region_a.id));
    assert_eq!(alert.evidence["count"], 5);
    assert_eq!(alert.evidence["threshold"], 5);
    assert_eq!(alert.evidence["window_minutes"], 15);
    assert_eq!(alert.evidence["event_ids"].as_array().unwrap().len(), 5);
    assert!(
        alert.summary_zh.contains("登录失败"),
        "{}",
        alert.summary_zh
    );
    rescanning_from_the_start_raises_nothing(&app, &config).await;
}

#[tokio::test]
async fn a_supervisor_lists_reads_and_acknowledges_alerts_and_others_are_refused() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let gate = checkpoint(&app, &s, 110.05, 40.4).await;
    for n in 0..3 {
        record_check(&app, &s, &format!("FORGED-{n}"), gate, "not_in_log").await;
    }
    record_check(&app, &s, "LATE-1", gate, "outside_time").await;
    assert_eq!(
        scan_now(&app, &AlertConfig::default()).await.raised.len(),
        4
    );
    world::user(&app, "13900000010", &s.world.region_a, &[Role::Supervisor]).await;
    world::user(&app, "13900000011", &s.world.region_b, &[Role::Supervisor]).await;
    world::user(&app, "13900000012", &s.world.a1, &[Role::Supervisor]).await;
    let supervisor = app.session("13900000010", PASSWORD).await;
    let elsewhere = app.session("13900000011", PASSWORD).await;
    let department = app.session("13900000012", PASSWORD).await;
    let auth = Auth::Session(&supervisor);

    let all = app.get("/api/v1/alerts", auth).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let items = all.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(
        items[0]["id"].as_i64() > items[3]["id"].as_i64(),
        "newest first"
    );
    let page = app.get("/api/v1/alerts?limit=3", auth).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 3);
    let next = page.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/alerts?limit=3&cursor={next}"), auth)
        .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert!(rest.body["next_cursor"].is_null());
    let late = app.get("/api/v1/alerts?kind=outside_time", auth).await;
    let late = late.body["items"].as_array().unwrap().clone();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["kind_en"], "Checked outside the permitted time");
    assert_eq!(late[0]["kind_zh"], "超出许可时段通行");
    assert_eq!(
        app.get("/api/v1/alerts?kind=nonsense", auth).await.status,
        422
    );
    let future = format!("/api/v1/alerts?from={}", now_ms() + HOUR);
    assert!(
        app.get(&future, auth).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let id = late[0]["id"].as_i64().unwrap();
    let one = app.get(&format!("/api/v1/alerts/{id}"), auth).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["evidence"]["outcome"], "outside_time");
    assert_eq!(one.body["status"], "open");
    let ack = format!("/api/v1/alerts/{id}/acknowledge");
    assert_eq!(
        app.post(&ack, auth, json!({ "note": " " })).await.status,
        422
    );
    let done = app
        .post(
            &ack,
            auth,
            json!({ "note": "已与卡口核实 / confirmed with the checkpoint" }),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["status"], "acknowledged");
    assert_eq!(done.body["acknowledged_by"], supervisor.user_id);
    assert!(done.body["acknowledged_at"].as_i64().is_some());
    let again = app.post(&ack, auth, json!({ "note": "again" })).await;
    assert_eq!(again.code(), "alert.already_acknowledged");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'alert.acknowledged'")
            .await,
        1
    );
    let open = app.get("/api/v1/alerts?status=open", auth).await;
    assert_eq!(open.body["items"].as_array().unwrap().len(), 3);

    // A supervisor of one department is not one of the whole authority; another authority's
    // supervisor does not see this one's alerts.
    for path in ["/api/v1/alerts".to_owned(), format!("/api/v1/alerts/{id}")] {
        assert_eq!(app.get(&path, Auth::Session(&department)).await.status, 403);
        assert_eq!(app.get(&path, Auth::Session(&s.officer)).await.status, 403);
    }
    let theirs = app.get("/api/v1/alerts", Auth::Session(&elsewhere)).await;
    assert_eq!(theirs.status, 200);
    assert!(theirs.body["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get(&format!("/api/v1/alerts/{id}"), Auth::Session(&elsewhere))
            .await
            .status,
        404
    );
    let refused = app
        .post(
            &format!("/api/v1/alerts/{}/acknowledge", items[0]["id"]),
            Auth::Session(&department),
            json!({ "note": "x" }),
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn scans_in_small_batches_raise_the_same_alerts_over_several_scans() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let gate = checkpoint(&app, &s, 110.05, 40.4).await;
    for n in 0..3 {
        record_check(&app, &s, &format!("FORGED-{n}"), gate, "not_in_log").await;
        record_check(&app, &s, &format!("OK-{n}"), gate, "valid").await;
    }
    for _ in 0..5 {
        fail_login(&app, "13900000004").await;
    }
    let config = AlertConfig {
        batch: 1,
        ..AlertConfig::default()
    };
    let mut raised = Vec::new();
    let mut scans = 0;
    loop {
        let report = scan_now(&app, &config).await;
        assert!(report.checks <= 1 && report.events <= 1);
        raised.extend(report.raised.iter().map(|a| a.kind.clone()));
        scans += 1;
        if !report.more {
            break;
        }
    }
    assert!(scans >= 6, "{scans} scans");
    raised.sort_unstable();
    assert_eq!(
        raised,
        [
            "failed_logins",
            "unlogged_pass",
            "unlogged_pass",
            "unlogged_pass"
        ]
    );
    rescanning_from_the_start_raises_nothing(&app, &AlertConfig::default()).await;
}
